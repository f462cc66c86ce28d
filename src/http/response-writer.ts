// Writing a route's answer to node:http: the status and headers, a whole body, or a streamed one
// (with backpressure, yielding to the event loop between chunks so a large body never holds it).
import type { ServerResponse } from 'node:http';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { CONTENT_TYPE, type RouteResponse } from './routes.js';

function waitForDrain(res: ServerResponse): Promise<void> {
  if (res.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/** A small text answer that also closes the connection. */
export function sendText(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, {
    'Content-Type': CONTENT_TYPE.text,
    'Content-Length': Buffer.byteLength(body),
    Connection: 'close',
  });
  res.end(body);
}

export function writeHead(res: ServerResponse, response: Pick<RouteResponse, 'status' | 'headers'>): void {
  res.statusCode = response.status;
  for (const [name, value] of Object.entries(response.headers)) res.setHeader(name, value);
}

/** A whole body with its length; HEAD gets the length and no body. */
export function sendWhole(res: ServerResponse, method: string, body: string): void {
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(method === 'HEAD' ? undefined : body);
}

export async function streamBody(res: ServerResponse, chunks: Iterable<string>): Promise<void> {
  const iterator = chunks[Symbol.iterator]();
  try {
    for (;;) {
      if (res.destroyed) return;
      const next = iterator.next();
      if (next.done) break;
      // An empty chunk is a slice of work with nothing to send yet (e.g. sorting): just yield.
      if (next.value.length === 0 || res.write(next.value)) await yieldToLoop();
      else await waitForDrain(res);
    }
    res.end();
  } finally {
    iterator.return?.();
  }
}
