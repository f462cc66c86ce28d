// A small ZooKeeper client: the part of the wire protocol leader detection needs (session connect and
// resume, getChildren/getData with watches, pings, watcher notifications, reconnect across hosts) plus
// create/delete (used by tests to play masters). When the server reports the session expired, the
// client starts a new session by itself and says so; whoever watches re-reads and re-watches on every
// 'connected' event. Reconnects back off (reconnect-policy.ts) until a connection proves stable.
//
// This module composes the parts and runs the reconnect loop: zk-connection.ts (one socket, framing),
// zk-session.ts (handshake, session identity, pings), zk-requests.ts (xids, replies, watches),
// zk-operations.ts (the request encodings).
import type { Logger } from '../../log.js';
import { JuteReader, type JuteWriter, OpCode, ZkErr, decodeConnectResponse, decodeReplyHeader, type WatcherEvent } from './jute.js';
import { DEFAULT_RECONNECT_BACKOFF, STABLE_CONNECTION_MS, backoffCapFor, backoffDelay, type BackoffPolicy } from './reconnect-policy.js';
import { type ZkConnection, openZkConnection } from './zk-connection.js';
import { type ZkOperations, zkOperations } from './zk-operations.js';
import { ZkRequests } from './zk-requests.js';
import { ZkSessionState, keepSessionAlive } from './zk-session.js';
import { ZkError, type ZkServer, type ZkSession, ZkState, type ZkStateChange, serverLabel } from './zk-types.js';

export { ZkError, ZkState, type ZkServer, type ZkSession, type ZkStateChange } from './zk-types.js';

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

export interface ZkClient extends ZkOperations {
  /** Starts connecting; resolves at once. */
  start(): void;
  state(): ZkState;
  /** Resolves once connected (or rejects after timeoutMs). */
  waitConnected(timeoutMs: number): Promise<void>;
  onState(listener: (change: ZkStateChange) => void): () => void;
  onWatch(listener: (event: WatcherEvent) => void): () => void;
  session(): ZkSession | undefined;
  /** Sessions established (new, not resumed) so far. */
  sessionsCreated(): number;
  /** Ends the session on the server and closes the socket. Idempotent. */
  close(): Promise<void>;
  /** Drops the connection without ending the session (tests; the client reconnects). */
  dropConnection(): void;
}


/** The client's state, and whoever listens to its changes. */
class StateBroadcast {
  private current: ZkState = ZkState.CONNECTING;
  private readonly listeners = new Set<(change: ZkStateChange) => void>();

  constructor(private readonly logger: Logger) {}

  state(): ZkState {
    return this.current;
  }

  /** Tells the listeners; CONNECTED is told every time (a reconnect may bring a new session). */
  set(next: ZkState, newSession = false, server?: string): void {
    if (this.current === next && next !== ZkState.CONNECTED) return;
    this.current = next;
    const change: ZkStateChange = server === undefined ? { state: next, newSession } : { state: next, newSession, server };
    for (const l of this.listeners) {
      try {
        l(change);
      } catch (err) {
        this.logger.error({ err }, 'ZooKeeper state listener failed');
      }
    }
  }

  on(listener: (change: ZkStateChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

interface ConnectionOutcome {
  /** served: was connected; expired: the server said the session is gone; failed: never connected. */
  readonly kind: 'served' | 'failed' | 'expired';
  readonly connectedMs: number;
}

interface LinkParts {
  readonly servers: readonly ZkServer[];
  readonly connectTimeoutMs: number;
  readonly reconnectBackoff: BackoffPolicy;
  readonly logger: Logger;
  readonly session: ZkSessionState;
  readonly requests: ZkRequests;
  readonly states: StateBroadcast;
}

/** The connection to the ensemble: one server at a time, reconnecting (with backoff) until closed. */
class ZkLink {
  private closed = false;
  private serverIndex = 0;
  private disconnectedAt: number | undefined;
  /** The open socket, handshake done or not. */
  private socket: ZkConnection | undefined;
  /** The socket once its handshake succeeded: requests go there. */
  private served: ZkConnection | undefined;
  private wake: (() => void) | undefined;
  private sleepTimer: NodeJS.Timeout | undefined;

  constructor(private readonly parts: LinkParts) {}

  /** Writes a request frame on the served connection; false when there is none. */
  readonly send = (frame: Buffer): boolean => {
    const served = this.served;
    if (served === undefined || served.destroyed()) return false;
    served.send(frame);
    return true;
  };

  isClosed(): boolean {
    return this.closed;
  }

  dropConnection(): void {
    this.socket?.destroy();
  }

  /** Ends the loop: no reconnect after this; the socket is closed. */
  stop(): void {
    this.closed = true;
    clearTimeout(this.sleepTimer);
    this.wake?.();
    this.socket?.destroy();
  }

  async run(): Promise<void> {
    const { servers, session, states, reconnectBackoff, logger } = this.parts;
    // Attempts in a row that did not give a stable connection: a refused or timed-out connect, a
    // session the server expired, a connection dropped before STABLE_CONNECTION_MS.
    let failures = 0;
    while (!this.closed) {
      if (failures > 0) {
        await this.sleep(backoffDelay(failures, backoffCapFor(reconnectBackoff, session.timeoutMs())));
        if (this.closed) break;
      }
      const server = servers[this.serverIndex % servers.length] as ZkServer;
      this.serverIndex++;
      if (states.state() !== ZkState.CONNECTING && states.state() !== ZkState.CONNECTED) states.set(ZkState.CONNECTING);
      const outcome = await this.serve(server);
      this.served = undefined;
      if (this.closed) break;
      // Expired: the new session goes to the same server.
      if (outcome.kind === 'expired') this.serverIndex--;
      // No session survives this long without a connection: the servers have expired it.
      if (outcome.kind === 'failed' && this.disconnectedAt !== undefined && Date.now() - this.disconnectedAt > session.timeoutMs()) {
        this.expireLocally();
      }
      failures = outcome.kind === 'served' && outcome.connectedMs >= STABLE_CONNECTION_MS ? 0 : failures + 1;
      if (failures > 0) {
        logger.debug({ server: serverLabel(server), outcome: outcome.kind, failures }, 'ZooKeeper reconnect backing off');
      }
    }
  }

  /** Connects to one server and serves the connection until it closes. */
  private serve(server: ZkServer): Promise<ConnectionOutcome> {
    const { session, requests, states } = this.parts;
    return new Promise<ConnectionOutcome>((resolve) => {
      let connectedAt: number | undefined;
      let expired = false;
      let pingTimer: NodeJS.Timeout | undefined;
      const connection = openZkConnection(server, this.parts.connectTimeoutMs, this.parts.logger, {
        onOpen: (c) => c.send(session.connectRequest()),
        onFrame: (payload, c) => {
          if (connectedAt !== undefined) {
            const r = new JuteReader(payload);
            const header = decodeReplyHeader(r);
            session.observeZxid(header.zxid);
            requests.receive(header, r);
            return;
          }
          const established = this.handshake(payload, c);
          if (established === undefined) {
            expired = true;
            return;
          }
          connectedAt = Date.now();
          pingTimer = keepSessionAlive(c, session.timeoutMs(), this.parts.logger);
          this.served = c;
          states.set(ZkState.CONNECTED, established.newSession, c.label);
        },
        onClose: () => {
          clearInterval(pingTimer);
          if (this.socket === connection) this.socket = undefined;
          if (connectedAt !== undefined) {
            requests.failAll(ZkErr.CONNECTION_LOSS, 'connection loss');
            this.disconnectedAt = Date.now();
            if (!this.closed) states.set(ZkState.DISCONNECTED);
          }
          const connectedMs = connectedAt === undefined ? 0 : Date.now() - connectedAt;
          resolve({ kind: connectedAt !== undefined ? 'served' : expired ? 'expired' : 'failed', connectedMs });
        },
      });
      this.socket = connection;
    });
  }

  /** Takes the handshake's answer; undefined when the server expired the session (the socket is closed). */
  private handshake(payload: Buffer, connection: ZkConnection): { newSession: boolean } | undefined {
    const { session, logger } = this.parts;
    const response = decodeConnectResponse(payload);
    connection.handshakeDone();
    const result = session.accept(response);
    if (result.kind === 'expired') {
      logger.warn({ server: connection.label, sessionId: session.idText() }, 'ZooKeeper session expired');
      this.expireLocally();
      connection.destroy();
      return undefined;
    }
    const timeoutMs = session.timeoutMs();
    if (timeoutMs !== result.offeredTimeoutMs) {
      logger.warn(
        { server: connection.label, offeredTimeoutMs: result.offeredTimeoutMs, timeoutMs },
        'ZooKeeper session timeout out of bounds; clamped',
      );
    }
    this.disconnectedAt = undefined;
    logger.info(
      { server: connection.label, sessionId: session.idText(), timeoutMs, newSession: result.newSession },
      'ZooKeeper connected',
    );
    return { newSession: result.newSession };
  }

  private expireLocally(): void {
    if (this.parts.session.forget()) this.parts.states.set(ZkState.EXPIRED);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve;
      this.sleepTimer = setTimeout(resolve, ms);
    });
  }
}

export function createZkClient(options: ZkClientOptions): ZkClient {
  const { logger, servers } = options;
  if (servers.length === 0) throw new Error('no ZooKeeper servers');
  const connectTimeoutMs =
    options.connectTimeoutMs ?? Math.min(10_000, Math.max(1000, Math.floor(options.sessionTimeoutMs / servers.length)));
  const session = new ZkSessionState(options.sessionTimeoutMs, options.session);
  const requests = new ZkRequests(logger);
  const states = new StateBroadcast(logger);
  const reconnectBackoff = options.reconnectBackoff ?? DEFAULT_RECONNECT_BACKOFF;
  const link = new ZkLink({ servers, connectTimeoutMs, reconnectBackoff, logger, session, requests, states });
  let started = false;
  let loopDone: Promise<void> | undefined;

  function request<T>(op: number, path: string, body: (w: JuteWriter) => void, decode: (r: JuteReader) => T): Promise<T> {
    if (states.state() !== ZkState.CONNECTED) {
      return Promise.reject(new ZkError(ZkErr.CONNECTION_LOSS, path, 'not connected to ZooKeeper'));
    }
    return requests.send(op, path, body, decode, link.send);
  }

  return {
    ...zkOperations(request),
    start() {
      if (started || link.isClosed()) return;
      started = true;
      loopDone = link.run();
    },
    state: () => states.state(),
    waitConnected(timeoutMs) {
      if (states.state() === ZkState.CONNECTED) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          off();
          reject(new Error(`ZooKeeper not connected after ${timeoutMs} ms`));
        }, timeoutMs);
        const off = states.on((c) => {
          if (c.state === ZkState.CONNECTED) {
            clearTimeout(timer);
            off();
            resolve();
          }
        });
      });
    },
    onState: (listener) => states.on(listener),
    onWatch: (listener) => requests.onWatch(listener),
    session: () => session.current(),
    sessionsCreated: () => session.createdCount(),
    dropConnection: () => link.dropConnection(),
    async close() {
      if (link.isClosed()) return;
      if (states.state() === ZkState.CONNECTED) {
        try {
          await Promise.race([
            request(OpCode.CLOSE_SESSION, '', () => undefined, () => undefined),
            new Promise((resolve) => setTimeout(resolve, 1000).unref()),
          ]);
        } catch {
          // closing anyway
        }
      }
      link.stop();
      requests.failAll(ZkErr.CONNECTION_LOSS, 'client closed');
      await loopDone;
      states.set(ZkState.CLOSED);
    },
  };
}
