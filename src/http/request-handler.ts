// One HTTP request, from node:http to the pure routes and back: counts it while it runs, checks its
// body, answers the rotation API or a route (reading the store once), and turns a failure into a 500
// (or a cut connection when the answer had begun).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Config } from '../config/types.js';
import { type LogLimiter, type Logger, createLogLimiter } from '../log.js';
import type { SourceStatus, StateSource } from '../reload/source.js';
import type { MetricsRegistry } from '../metrics.js';
import type { RecordStore } from '../records/store.js';
import type { RotationControl } from '../rotation/rotation-store.js';
import type { ConnectionTable } from './connection-table.js';
import type { HttpMetrics } from './metrics.js';
import { checkBody } from './request-body.js';
import { sendText, sendWhole, streamBody, writeHead } from './response-writer.js';
import { MAX_ROTATION_BODY_BYTES, handleRotation, isRotationPath } from './rotation-api.js';
import { routeRequest } from './routes.js';

export interface RequestHandlerParts {
  readonly log: Logger;
  readonly metrics: HttpMetrics;
  /** Rendered by /metrics. */
  readonly registry: MetricsRegistry;
  readonly connections: ConnectionTable<Socket>;
  readonly store: RecordStore;
  readonly source: Pick<StateSource, 'status'>;
  readonly version: string;
  readonly now: () => number;
  /** Read per request, so a reload applies to the next one. */
  readonly config: () => Config;
  readonly maxBodyBytes: number;
  readonly chunkSize: number | undefined;
  readonly rotation: RotationControl | undefined;
}

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

/** The first value of every header, by lower-case name (Go's Header.Get semantics). */
function firstHeaderValues(req: IncomingMessage): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  const distinct = req.headersDistinct;
  for (const name of Object.keys(distinct)) out[name] = distinct[name]?.[0];
  return out;
}

interface HandlerContext extends RequestHandlerParts {
  /** Refused rotation changes are logged at most this often. */
  readonly refusalLog: LogLimiter;
}

function sourceStatus(ctx: HandlerContext): SourceStatus | undefined {
  try {
    return ctx.source.status();
  } catch (err) {
    ctx.log.warn({ err }, 'state source status failed');
    return undefined;
  }
}

/** The rotation API; `onRoute` as for answerRoute. */
async function answerRotation(
  ctx: HandlerContext,
  req: IncomingMessage,
  res: ServerResponse,
  rotation: RotationControl,
  body: Buffer[],
  onRoute: (route: string) => void,
): Promise<void> {
  const method = req.method ?? 'GET';
  const result = await handleRotation(
    { method, path: req.url ?? '/', authorization: req.headers.authorization, body: Buffer.concat(body).toString('utf8') },
    rotation,
    ctx.config().rotationToken,
    ctx.now(),
  );
  onRoute(result.response.route);
  if (result.change) ctx.log.info({ ...result.change, client: req.socket.remoteAddress }, 'rotation list changed');
  else if (result.response.status === 403) {
    const client = req.socket.remoteAddress;
    ctx.refusalLog('rotation', (heldBack) => ctx.log.warn({ method, client, heldBack }, 'rotation change refused: no valid token'));
  }
  writeHead(res, result.response);
  sendWhole(res, method, result.response.body as string);
}

/** Every other path; `onRoute` learns the route before the body is written (a failure then still counts under it). */
async function answerRoute(ctx: HandlerContext, req: IncomingMessage, res: ServerResponse, onRoute: (route: string) => void): Promise<void> {
  const method = req.method ?? 'GET';
  const response = routeRequest(
    { method, path: req.url ?? '/', headers: firstHeaderValues(req) },
    {
      snapshot: ctx.store.current(),
      config: ctx.config(),
      version: ctx.version,
      now: ctx.now(),
      sourceStatus: sourceStatus(ctx),
      renderMetrics: () => ctx.registry.render(),
      ...(ctx.chunkSize === undefined ? {} : { chunkSize: ctx.chunkSize }),
    },
  );
  onRoute(response.route);
  if (response.lookup) ctx.metrics.lookups.inc({ route: response.lookup.kind, result: response.lookup.result });
  writeHead(res, response);
  if (typeof response.body === 'string') sendWhole(res, method, response.body);
  else if (method === 'HEAD') res.end();
  else await streamBody(res, response.body);
  ctx.log.debug({ method, route: response.route, status: res.statusCode }, 'http request');
}

export function createRequestHandler(parts: RequestHandlerParts): RequestHandler {
  const { log, metrics: m, connections } = parts;
  const ctx: HandlerContext = { ...parts, refusalLog: createLogLimiter(() => performance.now()) };

  return async (req, res) => {
    const started = performance.now();
    const socket = req.socket;
    connections.requestStarted(socket);
    m.inFlight.inc();
    let route = 'unmatched';
    res.once('close', () => {
      connections.requestEnded(socket);
      m.inFlight.dec();
      m.requests.inc({ route, status: String(res.statusCode) });
      m.duration.observe((performance.now() - started) / 1000, { route });
    });
    try {
      const rotation = isRotationPath(req.url ?? '/') ? parts.rotation : undefined;
      const kept: Buffer[] | undefined = rotation ? [] : undefined;
      const body = checkBody(req, rotation ? MAX_ROTATION_BODY_BYTES : parts.maxBodyBytes, kept);
      const bodyResult = typeof body === 'string' ? body : await body;
      if (bodyResult === 'aborted') return;
      if (bodyResult === 'too_large') {
        route = 'body_too_large';
        sendText(res, 413, '413: Request Entity Too Large');
        return;
      }
      const onRoute = (name: string): void => {
        route = name;
      };
      if (rotation) await answerRotation(ctx, req, res, rotation, kept ?? [], onRoute);
      else await answerRoute(ctx, req, res, onRoute);
    } catch (err) {
      log.error({ err, route }, 'http request failed');
      if (!res.headersSent) {
        sendText(res, 500, '500: Internal Server Error');
      } else {
        res.destroy();
      }
    }
  };
}
