// The node:http edge of the HTTP API: reads the store once per request, hands the request to the
// pure routes, writes the answer (streaming large bodies with backpressure and yielding between
// chunks), counts it, and keeps slow, malformed or greedy clients from stalling anything: bounded
// header size and time, bounded request time (a slowly sent body included), bounded bodies, idle and
// keep-alive timeouts, and a cap on connections, overall and per client address, at which an idle or
// else the longest-busy connection gives way (connection-table.ts), so a new request always gets in.
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { Config } from '../config/types.js';
import { ErrorCode, MesosDnsError } from '../errors.js';
import { type Logger, createLogLimiter } from '../log.js';
import type { StateSource, SourceStatus } from '../mesos/source.js';
import type { MetricsRegistry } from '../metrics.js';
import type { RecordStore } from '../records/store.js';
import { clientKey } from '../net/networks.js';
import { type ConnectionCaps, ConnectionTable, type Eviction, EvictionReason } from './connection-table.js';
import { registerHttpMetrics, registerTableMetrics } from './metrics.js';
import { CONTENT_TYPE, type RouteResponse, routeRequest } from './routes.js';
import type { RotationControl } from '../rotation/rotation-store.js';
import { MAX_ROTATION_BODY_BYTES, handleRotation, isRotationPath } from './rotation-api.js';

// The connection caps are config keys (MaxHttpConnections, MaxHttpConnectionsPerClient), read for
// every new connection so a reload applies to the next one.
export interface HttpLimits {
  /** Time allowed to receive the request headers (slowloris guard). */
  readonly headersTimeoutMs: number;
  /** Time allowed to receive the whole request, body included however slowly it trickles in. */
  readonly requestTimeoutMs: number;
  /** Idle time after a response before a keep-alive connection is closed. */
  readonly keepAliveTimeoutMs: number;
  /** A socket with no traffic either way for this long is closed (stalled readers included). */
  readonly idleTimeoutMs: number;
  /** Bytes of request line plus headers. */
  readonly maxHeaderSize: number;
  /** Request bodies are ignored up to this size; larger ones get 413 and the connection closes. */
  readonly maxBodyBytes: number;
  /** How often node checks the header and request timeouts. */
  readonly connectionsCheckingIntervalMs: number;
  /** close() waits this long for responses in flight before cutting connections. */
  readonly closeGraceMs: number;
}

export const DEFAULT_HTTP_LIMITS: HttpLimits = Object.freeze({
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  idleTimeoutMs: 60_000,
  maxHeaderSize: 16 * 1024,
  maxBodyBytes: 64 * 1024,
  connectionsCheckingIntervalMs: 1_000,
  closeGraceMs: 5_000,
});

export interface HttpServerOptions {
  readonly logger: Logger;
  readonly metrics: MetricsRegistry;
  readonly store: RecordStore;
  readonly config: Config;
  /** Feeds /health (status() only). */
  readonly source: Pick<StateSource, 'status'>;
  /** Shown by /v1/version. */
  readonly version: string;
  /** Wall clock in ms (tests inject it). */
  readonly now?: () => number;
  readonly limits?: Partial<HttpLimits>;
  /** Approximate size of streamed body chunks (default 64 KiB). */
  readonly chunkSize?: number;
  /** The out-of-rotation list behind /v1/rotation (without it, that path is unmatched). */
  readonly rotation?: RotationControl;
}

export interface HttpServer {
  /** Binds config.httpListener:config.httpPort; rejects with MesosDnsError LISTEN. */
  listen(): Promise<AddressInfo>;
  /** Later requests see this config (listener address and port changes need a restart). */
  setConfig(config: Config): void;
  /** Stops accepting, ends idle connections at once and busy ones after the grace period. Idempotent. */
  close(): Promise<void>;
}

/** Evictions of busy connections are logged at most this often (each is counted in the metrics). */
function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** The first value of every header, by lower-case name (Go's Header.Get semantics). */
function firstHeaderValues(req: IncomingMessage): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  const distinct = req.headersDistinct;
  for (const name of Object.keys(distinct)) out[name] = distinct[name]?.[0];
  return out;
}

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
function sendText(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, {
    'Content-Type': CONTENT_TYPE.text,
    'Content-Length': Buffer.byteLength(body),
    Connection: 'close',
  });
  res.end(body);
}

/**
 * Logs connections closed to make room. An idle one going is routine (debug); a busy one going cuts a
 * request, which is worth a warning, but a flood must not flood the log: at most one warning per
 * interval and reason, carrying how many it stands for.
 */
function createEvictionLog(log: Logger): (eviction: Eviction<Socket>, caps: ConnectionCaps) => void {
  const limitLog = createLogLimiter(() => performance.now());
  return (eviction, caps) => {
    const fields = { reason: eviction.reason, client: eviction.client, ...caps };
    if (eviction.reason === EvictionReason.IDLE || eviction.reason === EvictionReason.CLIENT_IDLE) {
      log.debug(fields, 'http connection closed to make room');
      return;
    }
    limitLog(eviction.reason, (heldBack) => log.warn({ ...fields, heldBack }, 'busy http connection closed to make room'));
  };
}

type BodyCheck = 'none' | 'ok' | 'too_large' | 'aborted';

/**
 * Reads a request body up to the limit, keeping its chunks in `keep` when given (the rotation API's
 * small JSON bodies) and discarding them otherwise (GETs have none; this is for the odd client).
 */
function checkBody(req: IncomingMessage, limit: number, keep?: Buffer[]): BodyCheck | Promise<BodyCheck> {
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

export function createHttpServer(options: HttpServerOptions): HttpServer {
  const log = options.logger.child({ component: 'http' });
  const now = options.now ?? Date.now;
  const limits: HttpLimits = { ...DEFAULT_HTTP_LIMITS, ...options.limits };
  const { store, metrics, source, version } = options;
  let config = options.config;

  const m = registerHttpMetrics(metrics);
  registerTableMetrics(metrics, store, now);

  const connections = new ConnectionTable<Socket>(() => performance.now());
  const logEviction = createEvictionLog(log);
  const limitRefusalLog = createLogLimiter(() => performance.now());
  let closing: Promise<void> | undefined;
  let bound: AddressInfo | undefined;

  const server = createServer(
    {
      maxHeaderSize: limits.maxHeaderSize,
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      connectionsCheckingInterval: limits.connectionsCheckingIntervalMs,
    },
    (req, res) => {
      void handle(req, res);
    },
  );
  server.setTimeout(limits.idleTimeoutMs, (socket: Socket) => {
    m.clientErrors.inc({ code: 'IDLE_TIMEOUT' });
    socket.destroy();
  });

  server.on('connection', (socket: Socket) => {
    if (closing) {
      socket.destroy();
      return;
    }
    const client = clientKey(socket.remoteAddress);
    const caps: ConnectionCaps = { maxConnections: config.maxHttpConnections, maxPerClient: config.maxHttpConnectionsPerClient };
    const eviction = connections.admit(client, caps);
    if (eviction) {
      connections.remove(eviction.victim);
      eviction.victim.destroy();
      m.rejectedConnections.inc({ reason: eviction.reason });
      logEviction(eviction, caps);
    }
    connections.add(socket, client);
    m.connections.set(connections.size);
    socket.once('close', () => {
      connections.remove(socket);
      m.connections.set(connections.size);
    });
  });

  // Same answers as node's default (400, 408 on timeout, 431 on oversized headers), plus a count.
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    const code = err.code ?? 'UNKNOWN';
    m.clientErrors.inc({ code });
    log.debug({ code }, 'http client error');
    if (code !== 'ECONNRESET' && socket.writable && socket.bytesWritten === 0) {
      const status =
        code === 'HPE_HEADER_OVERFLOW'
          ? '431 Request Header Fields Too Large'
          : code === 'ERR_HTTP_REQUEST_TIMEOUT'
            ? '408 Request Timeout'
            : '400 Bad Request';
      socket.write(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    }
    socket.destroy();
  });

  function sourceStatus(): SourceStatus | undefined {
    try {
      return source.status();
    } catch (err) {
      log.warn({ err }, 'state source status failed');
      return undefined;
    }
  }

  function writeHead(res: ServerResponse, response: RouteResponse): void {
    res.statusCode = response.status;
    for (const [name, value] of Object.entries(response.headers)) res.setHeader(name, value);
  }

  async function streamBody(res: ServerResponse, chunks: Iterable<string>): Promise<void> {
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

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
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
      const rotationRequest = options.rotation !== undefined && isRotationPath(req.url ?? '/');
      const kept: Buffer[] | undefined = rotationRequest ? [] : undefined;
      const body = checkBody(req, rotationRequest ? MAX_ROTATION_BODY_BYTES : limits.maxBodyBytes, kept);
      const bodyResult = typeof body === 'string' ? body : await body;
      if (bodyResult === 'aborted') return;
      if (bodyResult === 'too_large') {
        route = 'body_too_large';
        sendText(res, 413, '413: Request Entity Too Large');
        return;
      }

      const method = req.method ?? 'GET';
      if (rotationRequest && options.rotation) {
        const result = await handleRotation(
          { method, path: req.url ?? '/', authorization: req.headers.authorization, body: Buffer.concat(kept ?? []).toString('utf8') },
          options.rotation,
          config.rotationToken,
          now(),
        );
        route = result.response.route;
        if (result.change) log.info({ ...result.change, client: req.socket.remoteAddress }, 'rotation list changed');
        else if (result.response.status === 403) {
          const client = req.socket.remoteAddress;
          limitRefusalLog('rotation', (heldBack) => log.warn({ method, client, heldBack }, 'rotation change refused: no valid token'));
        }
        writeHead(res, result.response);
        const text = result.response.body as string;
        res.setHeader('Content-Length', Buffer.byteLength(text));
        res.end(method === 'HEAD' ? undefined : text);
        return;
      }
      const response = routeRequest(
        { method, path: req.url ?? '/', headers: firstHeaderValues(req) },
        {
          snapshot: store.current(),
          config,
          version,
          now: now(),
          sourceStatus: sourceStatus(),
          renderMetrics: () => metrics.render(),
          ...(options.chunkSize === undefined ? {} : { chunkSize: options.chunkSize }),
        },
      );
      route = response.route;
      if (response.lookup) m.lookups.inc({ route: response.lookup.kind, result: response.lookup.result });
      writeHead(res, response);

      if (typeof response.body === 'string') {
        res.setHeader('Content-Length', Buffer.byteLength(response.body));
        res.end(method === 'HEAD' ? undefined : response.body);
      } else if (method === 'HEAD') {
        res.end();
      } else {
        await streamBody(res, response.body);
      }
      log.debug({ method, route, status: res.statusCode }, 'http request');
    } catch (err) {
      log.error({ err, route }, 'http request failed');
      if (!res.headersSent) {
        sendText(res, 500, '500: Internal Server Error');
      } else {
        res.destroy();
      }
    }
  }

  return {
    listen() {
      if (bound) return Promise.resolve(bound);
      if (closing) return Promise.reject(new MesosDnsError(ErrorCode.LISTEN, 'http server is closed'));
      const host = config.httpListener;
      const port = config.httpPort;
      return new Promise<AddressInfo>((resolve, reject) => {
        const onError = (err: Error): void => {
          server.off('listening', onListening);
          reject(new MesosDnsError(ErrorCode.LISTEN, `cannot listen for HTTP on ${hostPort(host, port)}: ${err.message}`, { cause: err }));
        };
        const onListening = (): void => {
          server.off('error', onError);
          server.on('error', (err) => log.error({ err }, 'http server error'));
          bound = server.address() as AddressInfo;
          log.info({ address: bound.address, port: bound.port }, 'http listening');
          resolve(bound);
        };
        server.once('error', onError);
        server.once('listening', onListening);
        server.listen({ host, port });
      });
    },

    setConfig(next) {
      config = next;
    },

    close() {
      closing ??= (async () => {
        // Connections with no request in flight (idle keep-alive, or still sending headers) go now.
        for (const socket of [...connections.idleConnections()]) socket.destroy();
        if (!server.listening) return;
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        const grace = setTimeout(() => server.closeAllConnections(), limits.closeGraceMs);
        grace.unref();
        try {
          await closed;
        } finally {
          clearTimeout(grace);
        }
      })();
      return closing;
    },
  };
}
