// The TCP listener (RFC 7766): 2-octet length framing, pipelined queries answered as they complete,
// an idle timeout, a connection cap with a bounded share per client address (tcp-admission.ts), and
// bounded buffering in both directions: reading pauses while too many queries are in flight or too
// many reply octets wait, on the connection or on all of them together (tcp-write-budget.ts).
// Once the server decides to close a connection it reads nothing more from it and destroys it after a
// short grace, whether or not the client ever closes its side.
// A reply of many messages (a zone transfer) is a stream the connection pulls one message at a time,
// one per turn of the event loop, and only while the socket and the write budget have room: it waits
// for the client to read rather than queueing the zone, and queries pipelined behind it wait unread.
//
// The parts: tcp-connection.ts (one connection), tcp-connection-pool.ts (the open connections and
// their shared budget), tcp-messages.ts (what the handler returns); this module is the listening socket.
import { type AddressInfo, type Server, type Socket, createServer } from 'node:net';
import type { Logger } from '../log.js';
import { clientKey } from '../net/networks.js';
import { Connection } from './tcp-connection.js';
import { TcpConnectionPool } from './tcp-connection-pool.js';
import { TcpCloseReason, type TcpQueryHandler } from './tcp-messages.js';

export { MAX_TCP_QUERY_BYTES, type ReplyStream, TcpCloseReason, type TcpQueryHandler } from './tcp-messages.js';

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

/** Closes every connection gracefully, destroying those left after graceMs, until `serverClosed`. */
async function closeConnections(pool: TcpConnectionPool, serverClosed: Promise<void>, graceMs: number): Promise<void> {
  for (const conn of pool.all()) conn.close(TcpCloseReason.SHUTDOWN, true);
  if (pool.size === 0) return serverClosed;
  const timer = setTimeout(() => {
    for (const conn of pool.all()) conn.close(TcpCloseReason.SHUTDOWN, false);
  }, graceMs);
  timer.unref();
  await serverClosed;
  clearTimeout(timer);
}

/** The socket's events, to its connection. */
function wireSocket(socket: Socket, conn: Connection, pool: TcpConnectionPool, logger: Logger): void {
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
  socket.on('close', () => pool.release(conn));
}

export function createTcpListener(options: TcpListenerOptions): TcpListener {
  const { logger } = options;
  const pool = new TcpConnectionPool(options.onQuery, logger, options.writeBudgetBytes ?? TCP_WRITE_BUDGET_BYTES, options.onClose);
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

  const onConnection = (socket: Socket): void => {
    if (!accepting) {
      socket.destroy();
      return;
    }
    const limits = options.limits();
    const source = clientKey(socket.remoteAddress);
    const decision = pool.admit(source, limits);
    if (decision.kind === 'refuse') {
      options.onClose?.(decision.reason, false);
      socket.destroy();
      return;
    }
    const graceMs = limits.idleTimeoutMs > 0 ? Math.min(TCP_CLOSING_GRACE_MS, limits.idleTimeoutMs) : TCP_CLOSING_GRACE_MS;
    const conn = new Connection(socket, source, graceMs, pool);
    pool.add(conn);
    options.onOpen?.();
    socket.setNoDelay(true);
    if (limits.idleTimeoutMs > 0) socket.setTimeout(limits.idleTimeoutMs);
    wireSocket(socket, conn, pool, logger);
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
      for (const conn of pool.live()) conn.stop();
    },
    close(graceMs) {
      closed ??= (async () => {
        accepting = false;
        await closeConnections(pool, closeServer(), graceMs);
      })();
      return closed;
    },
    get connectionCount() {
      return pool.size;
    },
    bufferedBytes: () => pool.bufferedBytes(),
  };
}
