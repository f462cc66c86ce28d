// The TCP listener (RFC 7766): 2-octet length framing, pipelined queries answered as they complete,
// an idle timeout, a connection cap with a bounded share per client address (tcp-admission.ts), and
// bounded buffering in both directions: reading pauses while too many queries are in flight or too
// many reply octets wait, on the connection or on all of them together (tcp-write-budget.ts).
// Once the server decides to close a connection it reads nothing more from it and destroys it after a
// short grace, whether or not the client ever closes its side.
// A reply of many messages (a zone transfer) is a stream the connection pulls one message at a time,
// one per turn of the event loop, and only while the socket and the write budget have room: it waits
// for the client to read rather than queueing the zone, and queries pipelined behind it wait unread.
import { type AddressInfo, type Server, type Socket, createServer } from 'node:net';
import type { Logger } from '../log.js';
import { clientKey } from '../net/networks.js';
import { type Occupant, admit } from './tcp-admission.js';
import { WriteBudget } from './tcp-write-budget.js';
import type { QueryHandler } from './udp-server.js';

/** A reply of several messages (a zone transfer), written one message at a time as the client reads. */
export interface ReplyStream {
  /** The next message, or undefined when every message was given. */
  next(): Uint8Array | undefined;
  /** Called once: with true when every message was handed to the socket, false when the connection went first. */
  done(complete: boolean, error?: unknown): void;
}

/** The TCP listener's handler: a UDP handler's results, or a stream of messages. */
export type TcpQueryHandler = (message: Buffer, client: string) => ReturnType<QueryHandler> | ReplyStream;

function isReplyStream(result: ReturnType<TcpQueryHandler>): result is ReplyStream {
  return typeof (result as Partial<ReplyStream> | undefined)?.next === 'function';
}

export const TcpCloseReason = {
  CLIENT: 'client',
  IDLE: 'idle',
  LIMIT: 'limit',
  CLIENT_LIMIT: 'client_limit',
  SLOW_READER: 'slow_reader',
  ZERO_LENGTH: 'zero_length',
  OVERSIZED: 'oversized_frame',
  ERROR: 'error',
  SHUTDOWN: 'shutdown',
} as const;
export type TcpCloseReason = (typeof TcpCloseReason)[keyof typeof TcpCloseReason];

/** Queries are small: a frame declaring more than this closes the connection unread. */
export const MAX_TCP_QUERY_BYTES = 16 * 1024;
/** Queries of one connection waiting for upstream replies before reading pauses. */
const MAX_IN_FLIGHT_PER_CONNECTION = 64;
/** Reply bytes queued on one connection before reading pauses. */
const MAX_PENDING_WRITE_BYTES = 1024 * 1024;
/** A stream's next message is made only while fewer reply bytes than this wait for the kernel (one message). */
const STREAM_QUEUE_BYTES = 64 * 1024;
/**
 * Reply bytes queued on all connections together before every connection pauses (32 per-connection
 * caps; 3% of the 1 GiB the deployment gives the process).
 */
export const TCP_WRITE_BUDGET_BYTES = 32 * 1024 * 1024;
/**
 * How long a connection the server is closing may take to get its last replies and the FIN out
 * (capped by the idle timeout) before it is destroyed.
 */
export const TCP_CLOSING_GRACE_MS = 1000;

export interface TcpLimits {
  readonly maxConnections: number;
  readonly maxConnectionsPerClient: number;
  readonly idleTimeoutMs: number;
}

export interface TcpListenerOptions {
  readonly logger: Logger;
  readonly address: string;
  readonly port: number;
  /** For "::": accept IPv4 too. */
  readonly dualStack: boolean;
  readonly onQuery: TcpQueryHandler;
  /** Read for every new connection, so a reloaded config applies to the next one. */
  readonly limits: () => TcpLimits;
  /** Reply bytes all connections may hold queued (TCP_WRITE_BUDGET_BYTES unless given). */
  readonly writeBudgetBytes?: number;
  readonly onOpen?: () => void;
  /** `opened` is false for a connection refused at admission (onOpen was never called for it). */
  readonly onClose?: (reason: TcpCloseReason, opened: boolean) => void;
}

export interface TcpBufferedBytes {
  /** Query octets received and not yet handled: ours and the sockets' read buffers. */
  readonly read: number;
  /** Reply octets the kernel has not taken yet. */
  readonly write: number;
}

export interface TcpListener {
  listen(): Promise<AddressInfo>;
  /** Stop accepting connections and reading further queries; answers in flight still go out. */
  stop(): void;
  /** Ends every connection (destroying those that do not finish within graceMs) and the server. */
  close(graceMs: number): Promise<void>;
  readonly connectionCount: number;
  /** Summed over the open connections when asked (for the metrics and tests). */
  bufferedBytes(): TcpBufferedBytes;
}

/** What a connection needs from its listener. */
interface ConnectionHost {
  readonly onQuery: TcpQueryHandler;
  /** Marks the connection the most recently active. */
  touch(conn: Connection): void;
  /** The connection's queued reply octets may have changed. */
  writesChanged(conn: Connection): void;
  /** False while the write budget of all connections is spent and this connection has replies queued. */
  mayRead(conn: Connection): boolean;
  /** The same test for a stream's next message. */
  mayWrite(conn: Connection): boolean;
  /** The connection is gone (destroyed, or closed by the peer): forget it. Idempotent. */
  release(conn: Connection): void;
}

class Connection implements Occupant {
  private chunks: Buffer[] = [];
  /** Query octets in `chunks`. */
  buffered = 0;
  inFlight = 0;
  busySince = 0;
  /** Reply octets counted against the write budget (the socket's writableLength when last looked at). */
  queuedWrite = 0;
  released = false;
  private paused = false;
  private stopped = false;
  private readEnded = false;
  private graceTimer: NodeJS.Timeout | undefined;
  /** The multi-message reply being written; nothing more is read meanwhile. */
  private stream: ReplyStream | undefined;
  private pumpScheduled = false;
  closeReason: TcpCloseReason | undefined;
  /** One callback for every write of this connection: the kernel took a frame. */
  private readonly flushed = (): void => {
    this.host.writesChanged(this);
    this.pump();
    // Paused for the write budget with a reply below the socket's high-water mark: no 'drain' comes.
    if (this.queuedWrite === 0) this.maybeResume();
  };

  constructor(
    readonly socket: Socket,
    readonly source: string,
    private readonly graceMs: number,
    private readonly host: ConnectionHost,
  ) {}

  get idle(): boolean {
    return this.inFlight === 0;
  }

  get closing(): boolean {
    return this.closeReason !== undefined;
  }

  /** A stream is being written (its messages go out as the client reads them). */
  get streaming(): boolean {
    return this.stream !== undefined;
  }

  onData(chunk: Buffer): void {
    if (this.closeReason !== undefined) return; // already paused; a chunk read before that is dropped
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    this.host.touch(this);
    this.processFrames();
  }

  onEnd(): void {
    this.readEnded = true;
    this.endIfDone();
  }

  /** Takes `n` buffered octets (n ≤ buffered) as one contiguous buffer. */
  private take(n: number): Buffer {
    let first = this.chunks[0] as Buffer;
    if (first.length < n) {
      first = Buffer.concat(this.chunks, this.buffered);
      this.chunks = [first];
    }
    const out = first.subarray(0, n);
    if (first.length === n) this.chunks.shift();
    else this.chunks[0] = first.subarray(n);
    this.buffered -= n;
    return out;
  }

  private peekLength(): number {
    const first = this.chunks[0] as Buffer;
    if (first.length >= 2) return first.readUInt16BE(0);
    const second = this.chunks[1] as Buffer;
    return ((first[0] as number) << 8) | (second[0] as number);
  }

  /** Whether the next query may be read: not closing, and every bound on buffering has room. */
  private mayRead(): boolean {
    return (
      !this.released &&
      !this.stopped &&
      this.closeReason === undefined &&
      this.stream === undefined &&
      this.inFlight < MAX_IN_FLIGHT_PER_CONNECTION &&
      this.socket.writableLength <= MAX_PENDING_WRITE_BYTES &&
      this.host.mayRead(this)
    );
  }

  private processFrames(): void {
    while (this.buffered >= 2 && this.mayRead()) {
      const length = this.peekLength();
      if (length === 0) return this.close(TcpCloseReason.ZERO_LENGTH, true);
      if (length > MAX_TCP_QUERY_BYTES) return this.close(TcpCloseReason.OVERSIZED, false);
      if (this.buffered < 2 + length) return;
      const message = this.take(2 + length).subarray(2);
      const result = this.host.onQuery(message, this.socket.remoteAddress ?? '');
      if (result instanceof Uint8Array) {
        this.write(result);
      } else if (isReplyStream(result)) {
        this.startStream(result);
      } else if (result) {
        if (this.inFlight++ === 0) this.busySince = performance.now();
        void result
          .then((reply) => {
            if (reply) this.write(reply);
          })
          .finally(() => {
            this.inFlight--;
            this.maybeResume();
            this.endIfDone();
          });
      }
    }
    if (!this.paused && this.closeReason === undefined && !this.mayRead()) {
      this.paused = true;
      this.socket.pause();
    }
  }

  maybeResume(): void {
    this.pump();
    if (!this.paused || !this.mayRead()) return;
    this.paused = false;
    this.socket.resume();
    this.processFrames();
  }

  private startStream(stream: ReplyStream): void {
    this.stream = stream;
    if (this.inFlight++ === 0) this.busySince = performance.now();
    this.pump();
  }

  /** Whether the stream's next message may be made and queued now. */
  private streamHasRoom(): boolean {
    return this.socket.writableLength < STREAM_QUEUE_BYTES && this.host.mayWrite(this);
  }

  /**
   * Schedules the stream's next message for the next turn of the event loop when there is room; else
   * the kernel taking a frame (flushed), 'drain' or the budget coming back calls this again.
   */
  private pump(): void {
    if (this.stream === undefined || this.pumpScheduled) return;
    if (this.released || this.closeReason !== undefined || this.socket.destroyed) return this.endStream(false);
    if (!this.streamHasRoom()) return;
    this.pumpScheduled = true;
    setImmediate(this.pumpStep);
  }

  private readonly pumpStep = (): void => {
    this.pumpScheduled = false;
    const stream = this.stream;
    if (stream === undefined) return;
    if (this.released || this.closeReason !== undefined || this.socket.destroyed) return this.endStream(false);
    if (!this.streamHasRoom()) return;
    let message: Uint8Array | undefined;
    try {
      message = stream.next();
    } catch (err) {
      this.endStream(false, err);
      this.close(TcpCloseReason.ERROR, false);
      return;
    }
    if (message === undefined) return this.endStream(true);
    this.write(message);
    this.pump();
  };

  private endStream(complete: boolean, error?: unknown): void {
    const stream = this.stream;
    if (stream === undefined) return;
    this.stream = undefined;
    this.inFlight--;
    stream.done(complete, error);
    if (this.released) return;
    this.maybeResume();
    this.endIfDone();
  }

  private write(reply: Uint8Array): void {
    const socket = this.socket;
    if (socket.destroyed || !socket.writable) return;
    const frame = Buffer.allocUnsafe(reply.length + 2);
    frame.writeUInt16BE(reply.length, 0);
    frame.set(reply, 2);
    socket.write(frame, this.flushed);
    this.host.writesChanged(this);
    this.host.touch(this);
  }

  /** After the client half-closed, end our side once every answer is out. */
  private endIfDone(): void {
    if ((this.readEnded || this.stopped) && this.inFlight === 0 && this.closeReason === undefined) {
      this.close(this.readEnded ? TcpCloseReason.CLIENT : TcpCloseReason.SHUTDOWN, true);
    }
  }

  /** Stop reading queries (shutdown); the connection ends once its answers are out. */
  stop(): void {
    this.stopped = true;
    this.socket.pause();
    this.endIfDone();
  }

  /**
   * Graceful: stop reading, send what is queued and the FIN, and destroy the connection after the grace
   * whatever the client does. Otherwise (or when already closing) destroy it now.
   */
  close(reason: TcpCloseReason, graceful: boolean): void {
    if (this.released) return;
    if (this.closeReason !== undefined) {
      if (!graceful) this.destroy();
      return;
    }
    this.closeReason = reason;
    this.chunks = [];
    this.buffered = 0;
    this.endStream(false);
    if (!graceful) return this.destroy();
    this.paused = true;
    this.socket.pause();
    this.socket.end();
    this.graceTimer = setTimeout(() => this.destroy(), this.graceMs);
    this.graceTimer.unref();
  }

  private destroy(): void {
    this.socket.destroy();
    this.host.release(this);
  }

  /** Called once, by the listener's release(). */
  forget(): void {
    clearTimeout(this.graceTimer);
    this.released = true;
    this.endStream(false);
    this.chunks = [];
    this.buffered = 0;
  }
}

export function createTcpListener(options: TcpListenerOptions): TcpListener {
  const { logger } = options;
  /** Open connections, least recently active first. */
  const connections = new Map<Connection, true>();
  const perSource = new Map<string, number>();
  const budget = new WriteBudget(options.writeBudgetBytes ?? TCP_WRITE_BUDGET_BYTES);
  let resumeScheduled = false;
  let server: Server | undefined;
  let accepting = false;
  let closed: Promise<void> | undefined;
  let serverClosed: Promise<void> | undefined;

  /** Resolves once the server stopped listening and its last connection is gone. */
  const closeServer = (): Promise<void> => {
    serverClosed ??= new Promise<void>((resolve) => {
      const s = server;
      if (!s || !s.listening) return resolve();
      s.close(() => resolve());
    });
    return serverClosed;
  };

  /** The budget came back: let every paused connection read again (outside the caller's stack). */
  const resumeAll = (): void => {
    if (resumeScheduled) return;
    resumeScheduled = true;
    setImmediate(() => {
      resumeScheduled = false;
      for (const conn of [...connections.keys()]) conn.maybeResume();
    });
  };

  /** Past twice the budget: close the connections holding the most queued octets until under it. */
  const shedSlowestReaders = (): void => {
    while (budget.overrun) {
      let slowest: Connection | undefined;
      for (const conn of connections.keys()) {
        if (!slowest || conn.queuedWrite > slowest.queuedWrite) slowest = conn;
      }
      if (!slowest || slowest.queuedWrite === 0) return;
      logger.debug({ queued: slowest.queuedWrite, total: budget.total }, 'dns tcp write budget overrun: closing the slowest reader');
      slowest.close(TcpCloseReason.SLOW_READER, false);
    }
  };

  const host: ConnectionHost = {
    onQuery: options.onQuery,
    touch(conn) {
      if (!connections.has(conn)) return;
      connections.delete(conn);
      connections.set(conn, true);
    },
    writesChanged(conn) {
      if (conn.released) return;
      const now = conn.socket.destroyed ? 0 : conn.socket.writableLength;
      const before = conn.queuedWrite;
      conn.queuedWrite = now;
      if (budget.change(before, now)) resumeAll();
      if (budget.overrun) shedSlowestReaders();
    },
    mayRead(conn) {
      return !budget.exhausted || conn.queuedWrite === 0;
    },
    mayWrite(conn) {
      return !budget.exhausted || conn.queuedWrite === 0;
    },
    release(conn) {
      if (conn.released) return;
      conn.forget();
      connections.delete(conn);
      const left = (perSource.get(conn.source) ?? 1) - 1;
      if (left > 0) perSource.set(conn.source, left);
      else perSource.delete(conn.source);
      if (budget.change(conn.queuedWrite, 0)) resumeAll();
      conn.queuedWrite = 0;
      options.onClose?.(conn.closeReason ?? TcpCloseReason.CLIENT, true);
    },
  };

  const onConnection = (socket: Socket): void => {
    if (!accepting) {
      socket.destroy();
      return;
    }
    const limits = options.limits();
    const source = clientKey(socket.remoteAddress);
    const decision = admit(source, () => connections.keys(), connections.size, perSource, limits);
    if (decision.kind === 'refuse') {
      options.onClose?.(decision.reason, false);
      socket.destroy();
      return;
    }
    if (decision.kind === 'evict') decision.victim.close(decision.reason, false);
    const graceMs = limits.idleTimeoutMs > 0 ? Math.min(TCP_CLOSING_GRACE_MS, limits.idleTimeoutMs) : TCP_CLOSING_GRACE_MS;
    const conn = new Connection(socket, source, graceMs, host);
    connections.set(conn, true);
    perSource.set(source, (perSource.get(source) ?? 0) + 1);
    options.onOpen?.();
    socket.setNoDelay(true);
    if (limits.idleTimeoutMs > 0) socket.setTimeout(limits.idleTimeoutMs);
    socket.on('data', (chunk: Buffer) => conn.onData(chunk));
    socket.on('end', () => conn.onEnd());
    socket.on('drain', () => conn.maybeResume());
    socket.on('timeout', () => {
      // A connection already closing is destroyed (keeping its reason); an open one when no answer is pending.
      if (conn.closing || conn.idle) conn.close(TcpCloseReason.IDLE, false);
      // A stream writes whenever the client reads: nothing written for this long means it stopped reading.
      else if (conn.streaming) conn.close(TcpCloseReason.SLOW_READER, false);
    });
    socket.on('error', (err) => {
      logger.debug({ err }, 'dns tcp connection error');
      conn.close(TcpCloseReason.ERROR, false);
    });
    socket.on('close', () => host.release(conn));
  };

  return {
    listen() {
      return new Promise<AddressInfo>((resolve, reject) => {
        const s = createServer({ allowHalfOpen: true, noDelay: true }, onConnection);
        server = s;
        s.once('error', reject);
        s.listen({ port: options.port, host: options.address, ipv6Only: !options.dualStack, exclusive: true }, () => {
          s.off('error', reject);
          s.on('error', (err) => logger.error({ err }, 'dns tcp server error'));
          accepting = true;
          resolve(s.address() as AddressInfo);
        });
      });
    },
    stop() {
      accepting = false;
      void closeServer();
      for (const conn of connections.keys()) conn.stop();
    },
    close(graceMs) {
      closed ??= (async () => {
        accepting = false;
        const done = closeServer();
        for (const conn of [...connections.keys()]) conn.close(TcpCloseReason.SHUTDOWN, true);
        if (connections.size > 0) {
          const timer = setTimeout(() => {
            for (const conn of [...connections.keys()]) conn.close(TcpCloseReason.SHUTDOWN, false);
          }, graceMs);
          timer.unref();
          await done;
          clearTimeout(timer);
        } else {
          await done;
        }
      })();
      return closed;
    },
    get connectionCount() {
      return connections.size;
    },
    bufferedBytes() {
      let read = 0;
      let write = 0;
      for (const conn of connections.keys()) {
        read += conn.buffered + conn.socket.readableLength;
        write += conn.socket.writableLength;
      }
      return { read, write };
    },
  };
}
