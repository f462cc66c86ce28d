// Reading (or discarding) an HTTP request body within a size limit, without buffering more than the
// limit and without waiting on a client that declared nothing.
import type { IncomingMessage } from 'node:http';

export type BodyCheck = 'none' | 'ok' | 'too_large' | 'aborted';

/**
 * Reads a request body up to the limit, keeping its chunks in `keep` when given (the rotation API's
 * small JSON bodies) and discarding them otherwise (GETs have none; this is for the odd client).
 */
export function checkBody(req: IncomingMessage, limit: number, keep?: Buffer[]): BodyCheck | Promise<BodyCheck> {
  const declared = req.headers['content-length'];
  const chunked = req.headers['transfer-encoding'] !== undefined;
  if (!chunked && (declared === undefined || Number(declared) === 0)) return 'none';
  if (!chunked && Number(declared) > limit) return 'too_large';
  return new Promise((resolve) => {
    let received = 0;
    const finish = (result: BodyCheck): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('close', onClose);
      resolve(result);
    };
    const onData = (chunk: Buffer): void => {
      received += chunk.length;
      keep?.push(chunk);
      if (received > limit) {
        req.pause();
        finish('too_large');
      }
    };
    const onEnd = (): void => finish('ok');
    const onClose = (): void => finish(req.complete ? 'ok' : 'aborted');
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('close', onClose);
  });
}
