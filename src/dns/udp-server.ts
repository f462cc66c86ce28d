// The UDP listener: our own node:dgram socket (no per-packet parsing before our handler sees the bytes).
import { type RemoteInfo, type Socket, createSocket } from 'node:dgram';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../log.js';

/**
 * Handles one query: returns the reply at once, a promise of it (a forwarded query; it never
 * rejects), or undefined when there is no reply to send.
 */
/** `client` is the source address as the socket reports it ("192.0.2.7", "::1", "::ffff:192.0.2.7"). */
export type QueryHandler = (message: Buffer, client: string) => Uint8Array | Promise<Uint8Array | undefined> | undefined;

export interface UdpListenerOptions {
  readonly logger: Logger;
  readonly address: string;
  readonly port: number;
  /** "udp6" for "::" (dual-stack, ipv6Only off) and IPv6 addresses, else "udp4". */
  readonly type: 'udp4' | 'udp6';
  readonly onQuery: QueryHandler;
  /** Counts replies the kernel refused to send. */
  readonly onSendError?: (err: Error) => void;
}

export interface UdpListener {
  listen(): Promise<AddressInfo>;
  /** Stop handling new datagrams (replies to queries in flight still go out). */
  stop(): void;
  close(): Promise<void>;
}

/** Bigger socket buffers absorb bursts (the kernel caps them at net.core.[rw]mem_max). */
const SOCKET_BUFFER_BYTES = 4 * 1024 * 1024;
/** How long close() waits for replies the kernel has not taken yet. */
const SEND_DRAIN_MS = 1000;

/** Replies queued in the kernel socket; 0 for a socket that never bound or is closed. */
function queued(s: Socket): number {
  try {
    return s.getSendQueueCount();
  } catch {
    return 0;
  }
}

/**
 * Resolves once no forwarded answer is pending and the kernel took every reply (bounded). A send
 * reaches the socket's queue a tick after send() (dgram resolves the address first), so each
 * check comes after a turn of the event loop.
 */
async function drained(s: Socket, pending: () => number): Promise<void> {
  const deadline = Date.now() + SEND_DRAIN_MS;
  do {
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (pending() === 0 && queued(s) === 0) return;
    await new Promise<void>((resolve) => setTimeout(resolve, 5));
  } while (Date.now() < deadline);
}

/**
 * Binds the socket (exclusively, buffers raised where the kernel allows) and hands it its message
 * handler; `onBound` runs before the promise settles, ahead of any datagram.
 */
function bindSocket(s: Socket, options: UdpListenerOptions, onMessage: (message: Buffer, rinfo: RemoteInfo) => void, onBound: () => void): Promise<AddressInfo> {
  const { logger } = options;
  return new Promise<AddressInfo>((resolve, reject) => {
    const onError = (err: Error): void => {
      try {
        s.close();
      } catch {
        // already closed by the failed bind
      }
      reject(err);
    };
    s.once('error', onError);
    s.bind({ port: options.port, address: options.address, exclusive: true }, () => {
      s.off('error', onError);
      s.on('error', (err: NodeJS.ErrnoException) => {
        if (err.syscall === 'send') options.onSendError?.(err);
        else logger.error({ err }, 'dns udp socket error');
      });
      try {
        s.setRecvBufferSize(SOCKET_BUFFER_BYTES);
        s.setSendBufferSize(SOCKET_BUFFER_BYTES);
      } catch (err) {
        logger.debug({ err }, 'dns udp socket buffer size not raised');
      }
      s.on('message', onMessage);
      onBound();
      resolve(s.address());
    });
  });
}

export function createUdpListener(options: UdpListenerOptions): UdpListener {
  const { onQuery } = options;
  let socket: Socket | undefined;
  let accepting = false;
  let closing = false;
  let closed: Promise<void> | undefined;
  let pending = 0;

  // No callback per send: a failed send comes back as the socket's 'error' event (syscall "send").
  const send = (reply: Uint8Array, rinfo: { address: string; port: number }): void => {
    if (!closing) (socket as Socket).send(reply, rinfo.port, rinfo.address);
  };

  const onMessage = (message: Buffer, rinfo: { address: string; port: number }): void => {
    if (!accepting) return;
    const result = onQuery(message, rinfo.address);
    if (result === undefined) return;
    if (result instanceof Uint8Array) {
      send(result, rinfo);
      return;
    }
    pending++;
    void result.then(
      (reply) => {
        pending--;
        if (reply) send(reply, rinfo);
      },
      () => pending--,
    );
  };

  return {
    listen() {
      const s = createSocket({ type: options.type, ipv6Only: false, reuseAddr: false });
      socket = s;
      return bindSocket(s, options, onMessage, () => {
        accepting = true;
      });
    },
    stop() {
      accepting = false;
    },
    close() {
      accepting = false;
      closed ??= (async () => {
        const s = socket;
        if (!s) return;
        // Replies handed to the kernel but not sent yet would be cancelled by closing the socket.
        await drained(s, () => pending);
        closing = true;
        await new Promise<void>((resolve) => {
          try {
            s.close(() => resolve());
          } catch {
            resolve(); // never bound or already closed
          }
        });
      })();
      return closed;
    },
  };
}
