// The tests' one DNS client (loopback): a UDP socket and a TCP connection that collect what they
// receive, one-shot exchanges over either, and query(), which encodes with dns-codec.ts, exchanges and
// decodes; also the TCP framing (RFC 1035 §4.2.2: a 2-octet length before each message) for tests that
// drive a socket of their own. Every wait is bounded by a deadline that fails the test; nothing sleeps.
import { type Socket as UdpSocket, createSocket } from 'node:dgram';
import { type Socket, connect } from 'node:net';
import { type DecodedReply, type QuerySpec, buildQuery, decodeReply } from './dns-codec.js';

const DEADLINE_MS = 5000;

export interface QueryTarget {
  readonly port: number;
  /** 127.0.0.1 unless given (::1 for IPv6). */
  readonly host?: string;
  /** Send from this address (e.g. 127.0.0.2, a client outside an allow-list); the host's loopback unless given. */
  readonly localAddress?: string;
  readonly transport?: 'udp' | 'tcp';
  /** How long to wait for a reply (default 5 s). */
  readonly timeoutMs?: number;
}

function targetOf(target: number | QueryTarget): QueryTarget {
  return typeof target === 'number' ? { port: target } : target;
}

/** One message with its 2-octet length in front. */
export function tcpFrame(message: Uint8Array): Buffer {
  const frame = Buffer.alloc(message.length + 2);
  frame.writeUInt16BE(message.length, 0);
  frame.set(message, 2);
  return frame;
}

/** Cuts a TCP byte stream into messages: push() each chunk, get back the messages it completed. */
export class FrameReader {
  private buffer: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Buffer[] {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const frames: Buffer[] = [];
    while (this.buffer.length >= 2 && this.buffer.length >= 2 + this.buffer.readUInt16BE(0)) {
      const length = this.buffer.readUInt16BE(0);
      frames.push(this.buffer.subarray(2, 2 + length));
      this.buffer = this.buffer.subarray(2 + length);
    }
    return frames;
  }

  /** Octets received that do not make a whole message yet. */
  get partial(): number {
    return this.buffer.length;
  }
}

function withDeadline<T>(promise: Promise<T>, what: string, ms = DEADLINE_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out: ${what}`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/** A UDP client socket on the loopback that collects every datagram it receives. */
export class UdpClient {
  private readonly received: Buffer[] = [];
  private waiters: Array<() => void> = [];
  private constructor(
    private readonly socket: UdpSocket,
    /** Where send() sends to. */
    private readonly host: string,
  ) {
    socket.on('message', (msg) => {
      this.received.push(msg);
      const w = this.waiters;
      this.waiters = [];
      for (const f of w) f();
    });
  }

  /** A socket bound to `localAddress` (default: `host`), sending to `host`. */
  static async open(host = '127.0.0.1', localAddress = host): Promise<UdpClient> {
    const socket = createSocket(host.includes(':') ? 'udp6' : 'udp4');
    await new Promise<void>((resolve) => socket.bind(0, localAddress, resolve));
    return new UdpClient(socket, host);
  }

  send(port: number, message: Uint8Array): void {
    this.socket.send(message, port, this.host);
  }

  /** The next datagram not yet taken. */
  async next(timeoutMs = DEADLINE_MS): Promise<Buffer> {
    while (this.received.length === 0) {
      await withDeadline(new Promise<void>((resolve) => this.waiters.push(resolve)), `UDP reply on ${this.host}`, timeoutMs);
    }
    return this.received.shift() as Buffer;
  }

  /** Sends and returns the next datagram received. */
  async exchange(port: number, message: Uint8Array, timeoutMs = DEADLINE_MS): Promise<Buffer> {
    this.send(port, message);
    return this.next(timeoutMs);
  }

  /** Datagrams received and not taken yet. */
  get pending(): number {
    return this.received.length;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}

/** A TCP connection reading length-prefixed replies. */
export class TcpClient {
  private readonly reader = new FrameReader();
  private readonly frames: Buffer[] = [];
  private waiters: Array<() => void> = [];
  readonly closed: Promise<void>;
  private ended = false;

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.frames.push(...this.reader.push(chunk));
      this.wake();
    });
    socket.on('error', () => {
      // resets show up as 'close'
    });
    this.closed = new Promise((resolve) =>
      socket.on('close', () => {
        this.ended = true;
        this.wake();
        resolve();
      }),
    );
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  static async open(port: number, host = '127.0.0.1', timeoutMs = DEADLINE_MS, localAddress?: string): Promise<TcpClient> {
    const socket = connect({ port, host, ...(localAddress === undefined ? {} : { localAddress }) });
    try {
      await withDeadline(
        new Promise<void>((resolve, reject) => {
          socket.once('connect', resolve);
          socket.once('error', reject);
        }),
        `TCP connect to ${host}:${port}`,
        timeoutMs,
      );
    } catch (err) {
      socket.destroy();
      throw err;
    }
    return new TcpClient(socket);
  }

  /** Writes raw octets (framing is the caller's business). */
  writeRaw(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  /** Writes one length-prefixed message. */
  send(message: Uint8Array): void {
    this.socket.write(tcpFrame(message));
  }

  async next(timeoutMs = DEADLINE_MS): Promise<Buffer> {
    while (this.frames.length === 0) {
      if (this.ended) throw new Error('connection closed before a reply');
      await withDeadline(new Promise<void>((resolve) => this.waiters.push(resolve)), 'TCP reply', timeoutMs);
    }
    return this.frames.shift() as Buffer;
  }

  async exchange(message: Uint8Array, timeoutMs = DEADLINE_MS): Promise<Buffer> {
    this.send(message);
    return this.next(timeoutMs);
  }

  /** Resolves when the server closes the connection (bounded). */
  waitClosed(ms = DEADLINE_MS): Promise<void> {
    return withDeadline(this.closed, 'TCP connection closed by the server', ms);
  }

  /** Replies received and not taken yet. */
  get pending(): number {
    return this.frames.length;
  }

  get isClosed(): boolean {
    return this.ended;
  }

  close(): void {
    this.socket.destroy();
  }
}

/** One message over UDP from a fresh socket; the first datagram back. */
export async function udpExchange(message: Uint8Array, target: number | QueryTarget): Promise<Buffer> {
  const t = targetOf(target);
  const client = await UdpClient.open(t.host, t.localAddress);
  try {
    return await client.exchange(t.port, message, t.timeoutMs);
  } finally {
    await client.close();
  }
}

/** One message over a fresh TCP connection; the first reply frame. */
export async function tcpExchange(message: Uint8Array, target: number | QueryTarget): Promise<Buffer> {
  const t = targetOf(target);
  const client = await TcpClient.open(t.port, t.host, t.timeoutMs, t.localAddress);
  try {
    return await client.exchange(message, t.timeoutMs);
  } finally {
    client.close();
  }
}

/** Encodes `spec`, exchanges it over the target's transport (UDP by default) and decodes the reply. */
export async function query(spec: QuerySpec, target: number | QueryTarget): Promise<DecodedReply> {
  const t = targetOf(target);
  const message = buildQuery(spec);
  return decodeReply(t.transport === 'tcp' ? await tcpExchange(message, t) : await udpExchange(message, t));
}
