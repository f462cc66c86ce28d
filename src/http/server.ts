// The node:http edge of the HTTP API: reads the store once per request, hands the request to the
// pure routes, writes the answer (streaming large bodies with backpressure and yielding between
// chunks), counts it, and keeps slow, malformed or greedy clients from stalling anything: bounded
// header size and time, bounded request time (a slowly sent body included), bounded bodies, idle and
// keep-alive timeouts, and a cap on connections, overall and per client address, at which an idle or
// else the longest-busy connection gives way (connection-table.ts), so a new request always gets in.
import { type Server, createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { joinHostPort } from '../net/host-port.js';
import type { Config } from '../config/types.js';
import { ErrorCode, MesosDnsError } from '../errors.js';
import type { Logger } from '../log.js';
import type { StateSource } from '../reload/source.js';
import type { MetricsRegistry } from '../metrics.js';
import type { RecordStore } from '../records/store.js';
import type { RotationControl } from '../rotation/rotation-store.js';
import { guardConnections } from './connection-guard.js';
import { ConnectionTable } from './connection-table.js';
import { registerHttpMetrics, registerTableMetrics } from './metrics.js';
import { createRequestHandler } from './request-handler.js';

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


/** Binds host:port; rejects with MesosDnsError LISTEN. `onBound` learns the address before the promise settles. */
function listenOn(server: Server, host: string, port: number, log: Logger, onBound: (address: AddressInfo) => void): Promise<AddressInfo> {
  return new Promise<AddressInfo>((resolve, reject) => {
    const onError = (err: Error): void => {
      server.off('listening', onListening);
      reject(new MesosDnsError(ErrorCode.LISTEN, `cannot listen for HTTP on ${joinHostPort(host, port)}: ${err.message}`, { cause: err }));
    };
    const onListening = (): void => {
      server.off('error', onError);
      server.on('error', (err) => log.error({ err }, 'http server error'));
      const bound = server.address() as AddressInfo;
      onBound(bound);
      log.info({ address: bound.address, port: bound.port }, 'http listening');
      resolve(bound);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen({ host, port });
  });
}

/** Idle connections go at once, busy ones once they finish or the grace period ends. */
async function closeGracefully(server: Server, connections: ConnectionTable<Socket>, graceMs: number): Promise<void> {
  // Connections with no request in flight (idle keep-alive, or still sending headers) go now.
  for (const socket of [...connections.idleConnections()]) socket.destroy();
  if (!server.listening) return;
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const grace = setTimeout(() => server.closeAllConnections(), graceMs);
  grace.unref();
  try {
    await closed;
  } finally {
    clearTimeout(grace);
  }
}

export function createHttpServer(options: HttpServerOptions): HttpServer {
  const log = options.logger.child({ component: 'http' });
  const now = options.now ?? Date.now;
  const limits: HttpLimits = { ...DEFAULT_HTTP_LIMITS, ...options.limits };
  const { store, metrics } = options;
  let config = options.config;

  const m = registerHttpMetrics(metrics);
  registerTableMetrics(metrics, store, now);

  const connections = new ConnectionTable<Socket>(() => performance.now());
  let closing: Promise<void> | undefined;
  let bound: AddressInfo | undefined;

  const handle = createRequestHandler({
    log,
    metrics: m,
    registry: metrics,
    connections,
    store,
    source: options.source,
    version: options.version,
    now,
    config: () => config,
    maxBodyBytes: limits.maxBodyBytes,
    chunkSize: options.chunkSize,
    rotation: options.rotation,
  });
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
  guardConnections(server, {
    log,
    metrics: m,
    connections,
    caps: () => ({ maxConnections: config.maxHttpConnections, maxPerClient: config.maxHttpConnectionsPerClient }),
    closing: () => closing !== undefined,
    idleTimeoutMs: limits.idleTimeoutMs,
  });

  return {
    listen() {
      if (bound) return Promise.resolve(bound);
      if (closing) return Promise.reject(new MesosDnsError(ErrorCode.LISTEN, 'http server is closed'));
      return listenOn(server, config.httpListener, config.httpPort, log, (address) => {
        bound = address;
      });
    },

    setConfig(next) {
      config = next;
    },

    close() {
      closing ??= closeGracefully(server, connections, limits.closeGraceMs);
      return closing;
    },
  };
}
