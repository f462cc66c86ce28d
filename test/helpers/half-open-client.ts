// A hostile DNS/TCP client for the loopback: created with allowHalfOpen, so the server's FIN does not
// end our side, and it can keep writing after it, stop reading, or never read at all. It records what
// the server did to it (FIN, reset, close), how many octets the kernel took from it, and the reply frames
// it read (framed as dns-client.ts frames them).
import { type Socket, connect } from 'node:net';
import { FrameReader, tcpFrame } from './dns-client.js';

export interface HalfOpenClientOptions {
  readonly port: number;
  readonly host?: string;
  /** Source address (any of 127/8 on Linux) so one test can play several clients. */
  readonly localAddress?: string;
  /** False: pause the socket at once and never read a reply (the default reads and drops them). */
  readonly read?: boolean;
}

const CONNECT_DEADLINE_MS = 5000;
const MAX_KEPT_REPLIES = 1000;

export class HalfOpenClient {
  /** Octets the kernel accepted from us (write callbacks that succeeded). */
  flushed = 0;
  /** Reply octets received. */
  received = 0;
  sawFin = false;
  closed = false;
  errorCode: string | undefined;
  readonly closedPromise: Promise<void>;
  /** Reply messages read and not yet taken by nextReply() (the first MAX_KEPT_REPLIES). */
  private readonly replies: Buffer[] = [];
  private readonly frames = new FrameReader();
  private wake: (() => void) | undefined;

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.received += chunk.length;
      for (const reply of this.frames.push(chunk)) if (this.replies.length < MAX_KEPT_REPLIES) this.replies.push(reply);
      this.wake?.();
    });
    socket.on('end', () => {
      this.sawFin = true; // and, with allowHalfOpen, our side stays open
      this.wake?.();
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      this.errorCode ??= err.code ?? err.message;
    });
    this.closedPromise = new Promise((resolve) =>
      socket.once('close', () => {
        this.closed = true;
        this.wake?.();
        resolve();
      }),
    );
  }

  static async open(options: HalfOpenClientOptions): Promise<HalfOpenClient> {
    const socket = connect({
      port: options.port,
      host: options.host ?? '127.0.0.1',
      ...(options.localAddress ? { localAddress: options.localAddress } : {}),
      allowHalfOpen: true,
    });
    if (options.read === false) socket.pause();
    const client = new HalfOpenClient(socket);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`TCP connect to ${options.port} timed out`)), CONNECT_DEADLINE_MS);
      socket.once('connect', () => {
        clearTimeout(timer);
        resolve();
      });
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
    return client;
  }

  /** Writes octets; resolves once the kernel took them, or false if the connection went away first. */
  write(bytes: Uint8Array): Promise<boolean> {
    if (this.socket.destroyed || !this.socket.writable) return Promise.resolve(false);
    return new Promise((resolve) => {
      this.socket.write(bytes, (err) => {
        if (err) return resolve(false);
        this.flushed += bytes.length;
        resolve(true);
      });
    });
  }

  /** Writes one length-prefixed frame. */
  sendFrame(message: Uint8Array): Promise<boolean> {
    return this.write(tcpFrame(message));
  }

  /**
   * Streams up to `total` octets of `fill` in `chunkSize` writes, never more than 4 unflushed writes at a
   * time, until done, the connection closes, or `deadlineMs` passes (a stalled stream just waits).
   */
  async stream(total: number, options: { chunkSize?: number; fill?: number; deadlineMs: number }): Promise<void> {
    const chunk = Buffer.alloc(options.chunkSize ?? 64 * 1024, options.fill ?? 0x41);
    const deadline = Date.now() + options.deadlineMs;
    let written = 0;
    const window: Promise<boolean>[] = [];
    while (written < total && !this.closed && Date.now() < deadline) {
      window.push(this.write(chunk));
      written += chunk.length;
      if (window.length >= 4) {
        const ok = await within(Promise.race([window.shift() as Promise<boolean>, this.closedPromise.then(() => false)]), deadline - Date.now());
        if (ok !== true) break;
      }
    }
  }

  /** The server sent its FIN or the connection is closed. */
  get serverGone(): boolean {
    return this.sawFin || this.closed;
  }

  /** The next reply message, or undefined if none came within `ms` or the server went first. */
  async nextReply(ms = 5000): Promise<Buffer | undefined> {
    const deadline = Date.now() + ms;
    while (this.replies.length === 0 && !this.serverGone && Date.now() < deadline) {
      await within(new Promise<void>((resolve) => (this.wake = resolve)), deadline - Date.now());
    }
    return this.replies.shift();
  }

  /** Resolves true when the server closed or reset the connection within `ms`. */
  async waitClosed(ms: number): Promise<boolean> {
    await within(this.closedPromise, ms);
    return this.closed;
  }

  destroy(): void {
    this.socket.destroy();
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The promise's value, or undefined once `ms` passed (the timer is cleared either way). */
export async function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), Math.max(0, ms));
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
