// Starts the real HTTP server on 127.0.0.1:0 with a store, a metrics registry and a fake state source
// whose status the test drives, and talks to it with node:http or raw sockets.
import { request } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import type { TestContext } from 'node:test';
import type { Config } from '../../../src/config/types.js';
import { type HttpLimits, type HttpServer, createHttpServer } from '../../../src/http/server.js';
import { createSilentLogger } from '../../../src/log.js';
import type { SourceStatus } from '../../../src/reload/source.js';
import { MetricsRegistry } from '../../../src/metrics.js';
import type { RecordStore } from '../../../src/records/store.js';
import type { RecordTable } from '../../../src/records/table.js';
import { FIXED_NOW, embeddedConfig, embeddedTable, storeWith } from '../../helpers/embedded-table.js';

export interface FakeSource {
  current: SourceStatus;
  status(): SourceStatus;
}

export function fakeSource(overrides: Partial<SourceStatus> = {}): FakeSource {
  const source: FakeSource = {
    current: {
      leader: '127.0.0.1:5050',
      lastAttemptAt: FIXED_NOW,
      lastSuccessAt: FIXED_NOW,
      lastError: undefined,
      consecutiveFailures: 0,
      leaderLostSince: undefined,
      refreshSeconds: 60,
      ...overrides,
    },
    status: () => source.current,
  };
  return source;
}

export interface Harness {
  readonly server: HttpServer;
  readonly port: number;
  readonly store: RecordStore;
  readonly metrics: MetricsRegistry;
  readonly source: FakeSource;
  /** The injected clock; tests move it. */
  readonly clock: { now: number };
}

export interface StartOptions {
  /** Table to serve; `null` for none yet. Default: the embedded cluster. */
  readonly table?: RecordTable | null;
  readonly config?: Partial<Config>;
  readonly limits?: Partial<HttpLimits>;
  readonly source?: FakeSource;
  readonly chunkSize?: number;
}

export async function startHttp(t: TestContext, options: StartOptions = {}): Promise<Harness> {
  const config = embeddedConfig({ httpListener: '127.0.0.1', httpPort: 0, ...options.config });
  const clock = { now: FIXED_NOW };
  const table = options.table === undefined ? embeddedTable(config) : options.table;
  const store = storeWith(table ?? undefined, () => clock.now);
  const metrics = new MetricsRegistry();
  const source = options.source ?? fakeSource();
  const server = createHttpServer({
    logger: createSilentLogger(),
    metrics,
    store,
    config,
    source,
    version: '0.1.0-test',
    now: () => clock.now,
    ...(options.limits ? { limits: options.limits } : {}),
    ...(options.chunkSize === undefined ? {} : { chunkSize: options.chunkSize }),
  });
  t.after(() => server.close());
  const address = await server.listen();
  return { server, port: address.port, store, metrics, source, clock };
}

export interface Reply {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

export interface RequestOptions {
  readonly method?: string;
  readonly headers?: Record<string, string>;
  readonly body?: string;
  /** Reuse connections (default: a fresh connection per request). */
  readonly agent?: import('node:http').Agent;
  /** The client's address (another loopback address stands for another client). */
  readonly localAddress?: string;
}

/** One HTTP request with node's client; the path is sent verbatim. */
export function httpRequest(port: number, path: string, options: RequestOptions = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: options.method ?? 'GET',
        headers: options.headers ?? {},
        agent: options.agent ?? false,
        ...(options.localAddress === undefined ? {} : { localAddress: options.localAddress }),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error(`request ${path} timed out`)));
    req.end(options.body);
  });
}

/** Opens a raw TCP connection to the server, from `localAddress` if given (default 127.0.0.1). */
export function openSocket(port: number, localAddress?: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, ...(localAddress === undefined ? {} : { localAddress }) }, () => {
      socket.off('error', reject);
      resolve(socket);
    });
    socket.on('error', reject);
  });
}

/** Everything the server sends until it closes the connection (or errors it). */
export function readUntilClosed(socket: Socket): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', () => undefined);
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
  });
}

/** Sends raw bytes on a fresh connection and returns what comes back before the server closes it. */
export async function rawExchange(port: number, data: string | Buffer): Promise<string> {
  const socket = await openSocket(port);
  const received = readUntilClosed(socket);
  socket.write(data);
  return received;
}

export function elapsedMs(since: number): number {
  return Math.round((performance.now() - since) * 10) / 10;
}
