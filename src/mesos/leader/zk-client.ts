// A small ZooKeeper client: the part of the wire protocol leader detection needs (session connect and
// resume, getChildren/getData with watches, pings, watcher notifications, reconnect across hosts) plus
// create/delete (used by tests to play masters). When the server reports the session expired, the
// client starts a new session by itself and says so; whoever watches re-reads and re-watches on every
// 'connected' event. Reconnects back off (reconnect-policy.ts) until a connection proves stable.
import { Socket, connect as netConnect } from 'node:net';
import type { Logger } from '../../log.js';
import { FrameAssembler, FrameLengthError } from './frames.js';
import {
  CreateMode,
  JuteReader,
  JuteWriter,
  OpCode,
  Xid,
  ZkErr,
  decodeConnectResponse,
  decodeReplyHeader,
  decodeWatcherEvent,
  encodeConnectRequest,
  type WatcherEvent,
} from './jute.js';
import {
  DEFAULT_RECONNECT_BACKOFF,
  STABLE_CONNECTION_MS,
  backoffCapFor,
  backoffDelay,
  clampSessionTimeout,
  type BackoffPolicy,
} from './reconnect-policy.js';

export interface ZkServer {
  readonly host: string;
  readonly port: number;
}

export const ZkState = {
  CONNECTING: 'connecting',
  CONNECTED: 'connected',
  /** Lost the connection; the session may still be alive on the servers. */
  DISCONNECTED: 'disconnected',
  /** The session is gone (server said so, or no server reached for a whole session timeout). */
  EXPIRED: 'expired',
  CLOSED: 'closed',
} as const;
export type ZkState = (typeof ZkState)[keyof typeof ZkState];

export class ZkError extends Error {
  constructor(
    readonly code: number,
    readonly path: string,
    message: string,
  ) {
    super(message);
    this.name = 'ZkError';
  }
}

export interface ZkSession {
  readonly sessionId: bigint;
  readonly passwd: Buffer;
}

export interface ZkStateChange {
  readonly state: ZkState;
  /** On CONNECTED: true when this is a new session (watches are gone and must be set again). */
  readonly newSession: boolean;
  readonly server?: string;
}

export interface ZkClientOptions {
  readonly servers: readonly ZkServer[];
  readonly sessionTimeoutMs: number;
  readonly logger: Logger;
  /** Per-server connect + handshake timeout; default sessionTimeout / number of servers, within 1–10 s. */
  readonly connectTimeoutMs?: number;
  /** Attach to an existing session instead of creating one. */
  readonly session?: ZkSession;
  /** Waits between reconnects that do not give a stable connection (default DEFAULT_RECONNECT_BACKOFF). */
  readonly reconnectBackoff?: BackoffPolicy;
}

export interface ZkClient {
  /** Starts connecting; resolves at once. */
  start(): void;
  state(): ZkState;
  /** Resolves once connected (or rejects after timeoutMs). */
  waitConnected(timeoutMs: number): Promise<void>;
  onState(listener: (change: ZkStateChange) => void): () => void;
  onWatch(listener: (event: WatcherEvent) => void): () => void;
  getChildren(path: string, watch: boolean): Promise<string[]>;
  getData(path: string, watch: boolean): Promise<Buffer>;
  /** Whether the node exists; with watch, a watch is set either way (NodeCreated / NodeDeleted). */
  exists(path: string, watch: boolean): Promise<boolean>;
  create(path: string, data: Uint8Array, mode: number): Promise<string>;
  delete(path: string, version?: number): Promise<void>;
  session(): ZkSession | undefined;
  /** Sessions established (new, not resumed) so far. */
  sessionsCreated(): number;
  /** Ends the session on the server and closes the socket. Idempotent. */
  close(): Promise<void>;
  /** Drops the connection without ending the session (tests; the client reconnects). */
  dropConnection(): void;
}

interface Pending {
  readonly op: number;
  readonly path: string;
  readonly resolve: (r: JuteReader) => void;
  readonly reject: (err: Error) => void;
}

function labelOf(server: ZkServer): string {
  return server.host.includes(':') ? `[${server.host}]:${server.port}` : `${server.host}:${server.port}`;
}

interface ConnectionOutcome {
  /** served: was connected; expired: the server said the session is gone; failed: never connected. */
  readonly kind: 'served' | 'failed' | 'expired';
  readonly connectedMs: number;
}

const OPEN_ACL_UNSAFE = { perms: 31, scheme: 'world', id: 'anyone' } as const;

export function createZkClient(options: ZkClientOptions): ZkClient {
  const logger = options.logger;
  const servers = options.servers;
  if (servers.length === 0) throw new Error('no ZooKeeper servers');
  const connectTimeoutMs =
    options.connectTimeoutMs ?? Math.min(10_000, Math.max(1000, Math.floor(options.sessionTimeoutMs / servers.length)));
  const reconnectBackoff = options.reconnectBackoff ?? DEFAULT_RECONNECT_BACKOFF;

  let state: ZkState = ZkState.CONNECTING;
  let closed = false;
  let started = false;
  let sessionId = options.session?.sessionId ?? 0n;
  let passwd: Buffer = options.session?.passwd ?? Buffer.alloc(16);
  let negotiatedTimeout = options.sessionTimeoutMs;
  let lastZxid = 0n;
  let xid = 1;
  let socket: Socket | undefined;
  let serverIndex = 0;
  let disconnectedAt: number | undefined;
  let sessions = 0;
  const pending = new Map<number, Pending>();
  const stateListeners = new Set<(change: ZkStateChange) => void>();
  const watchListeners = new Set<(event: WatcherEvent) => void>();
  let loopDone: Promise<void> | undefined;
  let wake: (() => void) | undefined;
  let sleepTimer: NodeJS.Timeout | undefined;

  function setState(next: ZkState, newSession = false, server?: string): void {
    if (state === next && next !== ZkState.CONNECTED) return;
    state = next;
    const change: ZkStateChange = server === undefined ? { state: next, newSession } : { state: next, newSession, server };
    for (const l of stateListeners) {
      try {
        l(change);
      } catch (err) {
        logger.error({ err }, 'ZooKeeper state listener failed');
      }
    }
  }

  function failPending(code: number, message: string): void {
    for (const [, p] of pending) p.reject(new ZkError(code, p.path, message));
    pending.clear();
  }

  function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      wake = resolve;
      sleepTimer = setTimeout(resolve, ms);
    });
  }

  function expireLocally(): void {
    if (sessionId !== 0n) {
      sessionId = 0n;
      passwd = Buffer.alloc(16);
      lastZxid = 0n;
      setState(ZkState.EXPIRED);
    }
  }

  /** Connects to one server and serves the connection until it closes; connectedMs is how long it was up. */
  async function runConnection(server: ZkServer): Promise<ConnectionOutcome> {
    const label = labelOf(server);
    return new Promise<ConnectionOutcome>((resolve) => {
      let connected = false;
      let connectedAt = 0;
      let expired = false;
      let settled = false;
      const frames = new FrameAssembler();
      let lastRecv = Date.now();
      let lastSend = Date.now();
      let pingTimer: NodeJS.Timeout | undefined;
      const sock = netConnect({ host: server.host, port: server.port });
      socket = sock;
      sock.setNoDelay(true);
      const handshakeTimer = setTimeout(() => {
        logger.debug({ server: label }, 'ZooKeeper connect timed out');
        sock.destroy();
      }, connectTimeoutMs);

      const finish = () => {
        if (settled) return;
        settled = true;
        clearTimeout(handshakeTimer);
        clearInterval(pingTimer);
        if (socket === sock) socket = undefined;
        if (connected) {
          failPending(ZkErr.CONNECTION_LOSS, 'connection loss');
          disconnectedAt = Date.now();
          if (!closed) setState(ZkState.DISCONNECTED);
        }
        const connectedMs = connected ? Date.now() - connectedAt : 0;
        resolve({ kind: connected ? 'served' : expired ? 'expired' : 'failed', connectedMs });
      };

      const send = (frame: Buffer) => {
        lastSend = Date.now();
        sock.write(frame);
      };

      const onFrame = (payload: Buffer) => {
        lastRecv = Date.now();
        if (!connected) {
          const res = decodeConnectResponse(payload);
          clearTimeout(handshakeTimer);
          if (res.timeoutMs <= 0) {
            logger.warn({ server: label, sessionId: sessionId.toString(16) }, 'ZooKeeper session expired');
            expireLocally();
            expired = true;
            sock.destroy();
            return;
          }
          const isNew = res.sessionId !== sessionId;
          if (isNew) sessions++;
          sessionId = res.sessionId;
          passwd = res.passwd;
          negotiatedTimeout = clampSessionTimeout(res.timeoutMs);
          if (negotiatedTimeout !== res.timeoutMs) {
            logger.warn(
              { server: label, offeredTimeoutMs: res.timeoutMs, timeoutMs: negotiatedTimeout },
              'ZooKeeper session timeout out of bounds; clamped',
            );
          }
          connected = true;
          connectedAt = Date.now();
          disconnectedAt = undefined;
          const readTimeout = Math.floor((negotiatedTimeout * 2) / 3);
          pingTimer = setInterval(() => {
            const now = Date.now();
            if (now - lastRecv > readTimeout) {
              logger.warn({ server: label, silentMs: now - lastRecv }, 'ZooKeeper server stopped answering');
              sock.destroy();
              return;
            }
            if (now - lastSend >= readTimeout / 2) send(new JuteWriter(8).int(Xid.PING).int(OpCode.PING).frame());
          }, Math.max(50, Math.floor(readTimeout / 4)));
          pingTimer.unref();
          logger.info(
            { server: label, sessionId: sessionId.toString(16), timeoutMs: negotiatedTimeout, newSession: isNew },
            'ZooKeeper connected',
          );
          setState(ZkState.CONNECTED, isNew, label);
          return;
        }
        const r = new JuteReader(payload);
        const header = decodeReplyHeader(r);
        if (header.zxid > lastZxid) lastZxid = header.zxid;
        if (header.xid === Xid.PING) return;
        if (header.xid === Xid.NOTIFICATION) {
          const event = decodeWatcherEvent(r);
          for (const l of watchListeners) {
            try {
              l(event);
            } catch (err) {
              logger.error({ err }, 'ZooKeeper watch listener failed');
            }
          }
          return;
        }
        const p = pending.get(header.xid);
        if (!p) return;
        pending.delete(header.xid);
        if (header.err !== ZkErr.OK) {
          p.reject(new ZkError(header.err, p.path, `ZooKeeper error ${header.err} on ${p.path}`));
          return;
        }
        try {
          p.resolve(r);
        } catch (err) {
          p.reject(err instanceof Error ? err : new Error(String(err)));
        }
      };

      sock.on('connect', () => {
        send(encodeConnectRequest({ lastZxidSeen: lastZxid, timeoutMs: options.sessionTimeoutMs, sessionId, passwd }));
      });
      sock.on('data', (chunk: Buffer) => {
        frames.push(chunk);
        try {
          for (let payload = frames.next(); payload !== undefined && !sock.destroyed; payload = frames.next()) {
            onFrame(payload);
          }
        } catch (err) {
          if (err instanceof FrameLengthError) {
            logger.warn({ server: label, len: err.declared }, 'ZooKeeper frame length invalid');
          } else {
            logger.warn({ server: label, err }, 'ZooKeeper reply undecodable');
          }
          sock.destroy();
        }
      });
      sock.on('error', (err) => {
        logger.debug({ server: label, err }, 'ZooKeeper connection error');
      });
      sock.on('close', finish);
      // Expose the writer for requests.
      currentSend = (frame) => {
        if (!connected || sock.destroyed) return false;
        send(frame);
        return true;
      };
    });
  }

  let currentSend: (frame: Buffer) => boolean = () => false;

  async function loop(): Promise<void> {
    // Attempts in a row that did not give a stable connection: a refused or timed-out connect, a
    // session the server expired, a connection dropped before STABLE_CONNECTION_MS.
    let failures = 0;
    while (!closed) {
      if (failures > 0) {
        await sleep(backoffDelay(failures, backoffCapFor(reconnectBackoff, negotiatedTimeout)));
        if (closed) break;
      }
      const server = servers[serverIndex % servers.length] as ZkServer;
      serverIndex++;
      if (state !== ZkState.CONNECTING && state !== ZkState.CONNECTED) setState(ZkState.CONNECTING);
      const outcome = await runConnection(server);
      currentSend = () => false;
      if (closed) break;
      // Expired: the new session goes to the same server.
      if (outcome.kind === 'expired') serverIndex--;
      // No session survives this long without a connection: the servers have expired it.
      if (outcome.kind === 'failed' && disconnectedAt !== undefined && Date.now() - disconnectedAt > negotiatedTimeout) {
        expireLocally();
      }
      failures = outcome.kind === 'served' && outcome.connectedMs >= STABLE_CONNECTION_MS ? 0 : failures + 1;
      if (failures > 0) {
        logger.debug({ server: labelOf(server), outcome: outcome.kind, failures }, 'ZooKeeper reconnect backing off');
      }
    }
  }

  function request(op: number, path: string, body: (w: JuteWriter) => void, decode: (r: JuteReader) => unknown): Promise<unknown> {
    return new Promise((resolve, reject) => {
      if (state !== ZkState.CONNECTED) {
        reject(new ZkError(ZkErr.CONNECTION_LOSS, path, 'not connected to ZooKeeper'));
        return;
      }
      const id = xid++;
      if (xid > 0x7fffffff) xid = 1;
      const w = new JuteWriter(64).int(id).int(op);
      body(w);
      pending.set(id, { op, path, resolve: (r) => resolve(decode(r)), reject });
      if (!currentSend(w.frame())) {
        pending.delete(id);
        reject(new ZkError(ZkErr.CONNECTION_LOSS, path, 'not connected to ZooKeeper'));
      }
    });
  }

  return {
    start() {
      if (started || closed) return;
      started = true;
      loopDone = loop();
    },
    state: () => state,
    waitConnected(timeoutMs) {
      if (state === ZkState.CONNECTED) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          off();
          reject(new Error(`ZooKeeper not connected after ${timeoutMs} ms`));
        }, timeoutMs);
        const off = this.onState((c) => {
          if (c.state === ZkState.CONNECTED) {
            clearTimeout(timer);
            off();
            resolve();
          }
        });
      });
    },
    onState(listener) {
      stateListeners.add(listener);
      return () => stateListeners.delete(listener);
    },
    onWatch(listener) {
      watchListeners.add(listener);
      return () => watchListeners.delete(listener);
    },
    getChildren: (path, watch) =>
      request(OpCode.GET_CHILDREN, path, (w) => w.string(path).bool(watch), (r) => r.strings()) as Promise<string[]>,
    getData: (path, watch) =>
      request(
        OpCode.GET_DATA,
        path,
        (w) => w.string(path).bool(watch),
        (r) => Buffer.from(r.buffer() ?? Buffer.alloc(0)),
      ) as Promise<Buffer>,
    exists: (path, watch) =>
      (
        request(
          OpCode.EXISTS,
          path,
          (w) => w.string(path).bool(watch),
          () => true,
        ) as Promise<boolean>
      ).catch((err: unknown) => {
        if (err instanceof ZkError && err.code === ZkErr.NO_NODE) return false;
        throw err;
      }),
    create: (path, data, mode = CreateMode.PERSISTENT) =>
      request(
        OpCode.CREATE,
        path,
        (w) =>
          w
            .string(path)
            .buffer(data)
            .int(1)
            .int(OPEN_ACL_UNSAFE.perms)
            .string(OPEN_ACL_UNSAFE.scheme)
            .string(OPEN_ACL_UNSAFE.id)
            .int(mode),
        (r) => r.string() ?? '',
      ) as Promise<string>,
    delete: (path, version = -1) =>
      request(OpCode.DELETE, path, (w) => w.string(path).int(version), () => undefined) as Promise<void>,
    session: () => (sessionId === 0n ? undefined : { sessionId, passwd: Buffer.from(passwd) }),
    sessionsCreated: () => sessions,
    dropConnection() {
      socket?.destroy();
    },
    async close() {
      if (closed) return;
      if (state === ZkState.CONNECTED) {
        try {
          await Promise.race([
            request(OpCode.CLOSE_SESSION, '', () => undefined, () => undefined),
            new Promise((resolve) => setTimeout(resolve, 1000).unref()),
          ]);
        } catch {
          // closing anyway
        }
      }
      closed = true;
      clearTimeout(sleepTimer);
      wake?.();
      socket?.destroy();
      failPending(ZkErr.CONNECTION_LOSS, 'client closed');
      await loopDone;
      setState(ZkState.CLOSED);
    },
  };
}
