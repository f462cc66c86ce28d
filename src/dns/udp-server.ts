// The UDP listener: our own node:dgram socket (no per-packet parsing before our handler sees the bytes).
import { type Socket, createSocket } from 'node:dgram';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../log.js';

/** Handles one datagram; calls `respond` at most once, now or later. */
export type QueryHandler = (message: Buffer, respond: (reply: Uint8Array) => void) => Promise<void> | undefined;

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

export function createUdpListener(options: UdpListenerOptions): UdpListener {
  const { logger, onQuery } = options;
  let socket: Socket | undefined;
  let accepting = false;
  let closing = false;
  let closed: Promise<void> | undefined;
  let sending = 0;
  let onSent: (() => void) | undefined;

  const onMessage = (message: Buffer, rinfo: { address: string; port: number }): void => {
    if (!accepting) return;
    const s = socket as Socket;
    void onQuery(message, (reply) => {
      if (closing) return;
      sending++;
      s.send(reply, rinfo.port, rinfo.address, (err) => {
        if (err) options.onSendError?.(err);
        if (--sending === 0) onSent?.();
      });
    });
  };

  return {
    listen() {
      return new Promise<AddressInfo>((resolve, reject) => {
        const s = createSocket({ type: options.type, ipv6Only: false, reuseAddr: false });
        socket = s;
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
          s.on('error', (err) => logger.error({ err }, 'dns udp socket error'));
          try {
            s.setRecvBufferSize(SOCKET_BUFFER_BYTES);
            s.setSendBufferSize(SOCKET_BUFFER_BYTES);
          } catch (err) {
            logger.debug({ err }, 'dns udp socket buffer size not raised');
          }
          s.on('message', onMessage);
          accepting = true;
          resolve(s.address());
        });
      });
    },
    stop() {
      accepting = false;
    },
    close() {
      accepting = false;
      closed ??= (async () => {
        // Replies handed to the kernel but not sent yet would be cancelled by closing the socket.
        if (sending > 0) await new Promise<void>((resolve) => (onSent = resolve));
        closing = true;
        const s = socket;
        if (!s) return;
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
