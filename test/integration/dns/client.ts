// Programmatic DNS clients for integration tests (loopback only). Every wait is bounded by a deadline
// that fails the test; nothing sleeps.
import { type Socket as UdpSocket, createSocket } from 'node:dgram';
import { type Socket, connect } from 'node:net';
import type { DnsServer } from '../../../src/dns/server.js';
import { createSilentLogger } from '../../../src/log.js';
import { MetricsRegistry } from '../../../src/metrics.js';
import type { Forwarder } from '../../../src/forward/types.js';
import type { RecordStore } from '../../../src/records/store.js';
import type { Config } from '../../../src/config/types.js';
import { createDnsServer } from '../../../src/dns/server.js';

const DEADLINE_MS = 5000;

function withDeadline<T>(promise: Promise<T>, what: string, ms = DEADLINE_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out: ${what}`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/** A UDP client socket on 127.0.0.1 that collects every datagram it receives. */
export class UdpClient {
  private readonly received: Buffer[] = [];
  private waiters: Array<() => void> = [];
  private constructor(private readonly socket: UdpSocket) {
    socket.on('message', (msg) => {
      this.received.push(msg);
      const w = this.waiters;
      this.waiters = [];
      for (const f of w) f();
    });
  }

  static async open(): Promise<UdpClient> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    return new UdpClient(socket);
  }

  send(port: number, message: Uint8Array): void {
    this.socket.send(message, port, '127.0.0.1');
  }

  /** The next datagram not yet taken. */
  async next(): Promise<Buffer> {
    while (this.received.length === 0) {
      await withDeadline(new Promise<void>((resolve) => this.waiters.push(resolve)), 'udp reply');
    }
    return this.received.shift() as Buffer;
  }

  /** Sends and returns the next datagram received. */
  async exchange(port: number, message: Uint8Array): Promise<Buffer> {
    this.send(port, message);
    return this.next();
  }

  /** Datagrams received and not taken yet. */
  get pending(): number {
    return this.received.length;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}

export async function udpExchange(port: number, message: Uint8Array): Promise<Buffer> {
  const client = await UdpClient.open();
  try {
    return await client.exchange(port, message);
  } finally {
    await client.close();
  }
}

/** A TCP connection reading length-prefixed replies. */
export class TcpClient {
  private buffer = Buffer.alloc(0);
  private readonly frames: Buffer[] = [];
  private waiters: Array<() => void> = [];
  readonly closed: Promise<void>;
  private ended = false;

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      while (this.buffer.length >= 2) {
        const length = this.buffer.readUInt16BE(0);
        if (this.buffer.length < 2 + length) break;
        this.frames.push(this.buffer.subarray(2, 2 + length));
        this.buffer = this.buffer.subarray(2 + length);
      }
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

  static async open(port: number): Promise<TcpClient> {
    const socket = connect({ port, host: '127.0.0.1' });
    await withDeadline(new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    }), 'tcp connect');
    return new TcpClient(socket);
  }

  /** Writes raw octets (framing is the caller's business). */
  writeRaw(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  /** Writes one length-prefixed message. */
  send(message: Uint8Array): void {
    const frame = Buffer.alloc(message.length + 2);
    frame.writeUInt16BE(message.length, 0);
    frame.set(message, 2);
    this.socket.write(frame);
  }

  async next(): Promise<Buffer> {
    while (this.frames.length === 0) {
      if (this.ended) throw new Error('connection closed before a reply');
      await withDeadline(new Promise<void>((resolve) => this.waiters.push(resolve)), 'tcp reply');
    }
    return this.frames.shift() as Buffer;
  }

  async exchange(message: Uint8Array): Promise<Buffer> {
    this.send(message);
    return this.next();
  }

  /** Resolves when the server closes the connection (bounded). */
  waitClosed(ms = DEADLINE_MS): Promise<void> {
    return withDeadline(this.closed, 'tcp connection closed by the server', ms);
  }

  get isClosed(): boolean {
    return this.ended;
  }

  close(): void {
    this.socket.destroy();
  }
}

export async function tcpExchange(port: number, message: Uint8Array): Promise<Buffer> {
  const client = await TcpClient.open(port);
  try {
    return await client.exchange(message);
  } finally {
    client.close();
  }
}

export interface StartedServer {
  readonly server: DnsServer;
  readonly port: number;
  readonly metrics: MetricsRegistry;
}

/** Starts a DNS server on 127.0.0.1, one ephemeral port for UDP and TCP. */
export async function startDnsServer(options: {
  store: RecordStore;
  forwarder: Forwarder;
  config: Config;
  random?: () => number;
  /** False: every query takes the general path. */
  direct?: false;
}): Promise<StartedServer> {
  const metrics = new MetricsRegistry();
  const server = createDnsServer({
    logger: createSilentLogger(),
    metrics,
    store: options.store,
    forwarder: options.forwarder,
    config: options.config,
    ...(options.random ? { random: options.random } : {}),
    ...(options.direct === false ? { direct: false } : {}),
  });
  const addresses = await server.listen();
  const udp = addresses.udp[0];
  const tcp = addresses.tcp[0];
  if (!udp || !tcp || udp.port !== tcp.port) throw new Error('expected one port for UDP and TCP');
  return { server, port: udp.port, metrics };
}
