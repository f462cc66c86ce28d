// The TCP listener (RFC 7766): 2-octet length framing, pipelined queries answered as they complete,
// an idle timeout, a connection cap that closes the oldest idle connection, and bounded buffering in
// both directions (reading pauses while too many queries are in flight or too many reply bytes wait).
import { type AddressInfo, type Server, type Socket, createServer } from 'node:net';
import type { Logger } from '../log.js';
import type { QueryHandler } from './udp-server.js';

export const TcpCloseReason = {
  CLIENT: 'client',
  IDLE: 'idle',
  LIMIT: 'limit',
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

export interface TcpLimits {
  readonly maxConnections: number;
  readonly idleTimeoutMs: number;
}

export interface TcpListenerOptions {
  readonly logger: Logger;
  readonly address: string;
  readonly port: number;
  /** For "::": accept IPv4 too. */
  readonly dualStack: boolean;
  readonly onQuery: QueryHandler;
  /** Read for every new connection, so a reloaded config applies to the next one. */
  readonly limits: () => TcpLimits;
  readonly onOpen?: () => void;
  /** `opened` is false for a connection refused at the cap (onOpen was never called for it). */
  readonly onClose?: (reason: TcpCloseReason, opened: boolean) => void;
}

export interface TcpListener {
  listen(): Promise<AddressInfo>;
  /** Stop accepting connections and reading further queries; answers in flight still go out. */
  stop(): void;
  /** Ends every connection (destroying those that do not finish within graceMs) and the server. */
  close(graceMs: number): Promise<void>;
  readonly connectionCount: number;
}

class Connection {
  private chunks: Buffer[] = [];
  private buffered = 0;
  inFlight = 0;
  private paused = false;
  private stopped = false;
  private readEnded = false;
  closeReason: TcpCloseReason | undefined;

  constructor(
    readonly socket: Socket,
    private readonly listener: {
      onQuery: QueryHandler;
      touch(conn: Connection): void;
    },
  ) {}

  onData(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    this.listener.touch(this);
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

  private processFrames(): void {
    while (!this.paused && !this.stopped && this.closeReason === undefined && this.buffered >= 2) {
      const length = this.peekLength();
      if (length === 0) return this.close(TcpCloseReason.ZERO_LENGTH, true);
      if (length > MAX_TCP_QUERY_BYTES) return this.close(TcpCloseReason.OVERSIZED, false);
      if (this.buffered < 2 + length) return;
      const message = this.take(2 + length).subarray(2);
      const result = this.listener.onQuery(message, this.socket.remoteAddress ?? '');
      if (result instanceof Uint8Array) {
        this.write(result);
      } else if (result) {
        this.inFlight++;
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
      if (this.inFlight >= MAX_IN_FLIGHT_PER_CONNECTION || this.socket.writableLength > MAX_PENDING_WRITE_BYTES) {
        this.paused = true;
        this.socket.pause();
      }
    }
  }

  maybeResume(): void {
    if (!this.paused || this.stopped || this.closeReason !== undefined) return;
    if (this.inFlight >= MAX_IN_FLIGHT_PER_CONNECTION || this.socket.writableLength > MAX_PENDING_WRITE_BYTES) return;
    this.paused = false;
    this.socket.resume();
    this.processFrames();
  }

  private write(reply: Uint8Array): void {
    const socket = this.socket;
    if (socket.destroyed || !socket.writable) return;
    const frame = Buffer.allocUnsafe(reply.length + 2);
    frame.writeUInt16BE(reply.length, 0);
    frame.set(reply, 2);
    socket.write(frame);
    this.listener.touch(this);
  }

  /** After the client half-closed, end our side once every answer is out. */
  private endIfDone(): void {
    if ((this.readEnded || this.stopped) && this.inFlight === 0 && this.closeReason === undefined) {
      this.close(this.readEnded ? TcpCloseReason.CLIENT : TcpCloseReason.SHUTDOWN, true);
    }
  }

  get idle(): boolean {
    return this.inFlight === 0;
  }

  /** Stop reading queries (shutdown); the connection ends once its answers are out. */
  stop(): void {
    this.stopped = true;
    this.socket.pause();
    this.endIfDone();
  }

  close(reason: TcpCloseReason, graceful: boolean): void {
    if (this.closeReason !== undefined) return;
    this.closeReason = reason;
    this.chunks = [];
    this.buffered = 0;
    if (graceful) this.socket.end();
    else this.socket.destroy();
  }
}

export function createTcpListener(options: TcpListenerOptions): TcpListener {
  const { logger } = options;
  /** Open connections, least recently active first. */
  const connections = new Map<Connection, true>();
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

  const touch = (conn: Connection): void => {
    if (!connections.has(conn)) return;
    connections.delete(conn);
    connections.set(conn, true);
  };

  const onConnection = (socket: Socket): void => {
    if (!accepting) {
      socket.destroy();
      return;
    }
    const limits = options.limits();
    if (connections.size >= limits.maxConnections) {
      let victim: Connection | undefined;
      for (const conn of connections.keys()) {
        if (conn.idle) {
          victim = conn;
          break;
        }
      }
      if (!victim) {
        // Every connection is busy: refuse the newcomer rather than cut an answer short.
        options.onClose?.(TcpCloseReason.LIMIT, false);
        socket.destroy();
        return;
      }
      victim.close(TcpCloseReason.LIMIT, false);
    }
    const conn = new Connection(socket, { onQuery: options.onQuery, touch });
    connections.set(conn, true);
    options.onOpen?.();
    socket.setNoDelay(true);
    if (limits.idleTimeoutMs > 0) socket.setTimeout(limits.idleTimeoutMs);
    socket.on('data', (chunk: Buffer) => conn.onData(chunk));
    socket.on('end', () => conn.onEnd());
    socket.on('drain', () => conn.maybeResume());
    socket.on('timeout', () => {
      if (conn.idle) conn.close(TcpCloseReason.IDLE, false);
    });
    socket.on('error', (err) => {
      logger.debug({ err }, 'dns tcp connection error');
      conn.close(TcpCloseReason.ERROR, false);
    });
    socket.on('close', () => {
      connections.delete(conn);
      options.onClose?.(conn.closeReason ?? TcpCloseReason.CLIENT, true);
    });
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
        for (const conn of connections.keys()) conn.close(TcpCloseReason.SHUTDOWN, true);
        if (connections.size > 0) {
          const timer = setTimeout(() => {
            for (const conn of connections.keys()) conn.socket.destroy();
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
  };
}
