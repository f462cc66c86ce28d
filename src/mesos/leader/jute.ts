// The few ZooKeeper wire records we need, in Jute encoding (big-endian ints and longs, length-prefixed
// strings and buffers, -1 = null). Pure.

export const OpCode = {
  CREATE: 1,
  DELETE: 2,
  EXISTS: 3,
  GET_DATA: 4,
  GET_CHILDREN: 8,
  PING: 11,
  CLOSE_SESSION: -11,
} as const;

export const Xid = {
  NOTIFICATION: -1,
  PING: -2,
} as const;

/** ZooKeeper error codes we act on (KeeperException.Code). */
export const ZkErr = {
  OK: 0,
  CONNECTION_LOSS: -4,
  NO_NODE: -101,
  NODE_EXISTS: -110,
  SESSION_EXPIRED: -112,
} as const;

export const WatchEventType = {
  NONE: -1,
  NODE_CREATED: 1,
  NODE_DELETED: 2,
  NODE_DATA_CHANGED: 3,
  NODE_CHILDREN_CHANGED: 4,
} as const;

export const CreateMode = {
  PERSISTENT: 0,
  EPHEMERAL: 1,
  PERSISTENT_SEQUENTIAL: 2,
  EPHEMERAL_SEQUENTIAL: 3,
} as const;

export class JuteWriter {
  private buf: Buffer;
  private pos = 0;
  constructor(size = 256) {
    this.buf = Buffer.alloc(size);
  }
  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.alloc(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }
  int(v: number): this {
    this.ensure(4);
    this.buf.writeInt32BE(v, this.pos);
    this.pos += 4;
    return this;
  }
  long(v: bigint): this {
    this.ensure(8);
    this.buf.writeBigInt64BE(v, this.pos);
    this.pos += 8;
    return this;
  }
  bool(v: boolean): this {
    this.ensure(1);
    this.buf[this.pos++] = v ? 1 : 0;
    return this;
  }
  buffer(v: Uint8Array | null): this {
    if (v === null) return this.int(-1);
    this.int(v.length);
    this.ensure(v.length);
    this.buf.set(v, this.pos);
    this.pos += v.length;
    return this;
  }
  string(v: string | null): this {
    return this.buffer(v === null ? null : Buffer.from(v, 'utf8'));
  }
  /** The bytes written so far, prefixed with their length (a ZooKeeper frame). */
  frame(): Buffer {
    const out = Buffer.alloc(this.pos + 4);
    out.writeInt32BE(this.pos, 0);
    this.buf.copy(out, 4, 0, this.pos);
    return out;
  }
}

export class JuteReader {
  private pos = 0;
  constructor(private readonly buf: Buffer) {}
  get remaining(): number {
    return this.buf.length - this.pos;
  }
  private need(n: number): void {
    if (this.pos + n > this.buf.length) throw new RangeError('truncated ZooKeeper record');
  }
  int(): number {
    this.need(4);
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }
  long(): bigint {
    this.need(8);
    const v = this.buf.readBigInt64BE(this.pos);
    this.pos += 8;
    return v;
  }
  bool(): boolean {
    this.need(1);
    return this.buf[this.pos++] !== 0;
  }
  buffer(): Buffer | null {
    const len = this.int();
    if (len < 0) return null;
    this.need(len);
    const v = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return v;
  }
  string(): string | null {
    const b = this.buffer();
    return b === null ? null : b.toString('utf8');
  }
  strings(): string[] {
    const n = this.int();
    const out: string[] = [];
    for (let i = 0; i < n; i++) out.push(this.string() ?? '');
    return out;
  }
  /** Skips a Stat record (68 bytes). */
  skipStat(): void {
    this.need(68);
    this.pos += 68;
  }
}

export interface ConnectRequest {
  readonly lastZxidSeen: bigint;
  readonly timeoutMs: number;
  readonly sessionId: bigint;
  readonly passwd: Buffer;
}

export function encodeConnectRequest(r: ConnectRequest): Buffer {
  return new JuteWriter(64)
    .int(0) // protocol version
    .long(r.lastZxidSeen)
    .int(r.timeoutMs)
    .long(r.sessionId)
    .buffer(r.passwd)
    .bool(false) // read-only not acceptable
    .frame();
}

export interface ConnectResponse {
  readonly timeoutMs: number;
  readonly sessionId: bigint;
  readonly passwd: Buffer;
}

export function decodeConnectResponse(payload: Buffer): ConnectResponse {
  const r = new JuteReader(payload);
  r.int(); // protocol version
  const timeoutMs = r.int();
  const sessionId = r.long();
  const passwd = Buffer.from(r.buffer() ?? Buffer.alloc(0));
  return { timeoutMs, sessionId, passwd };
}

export interface ReplyHeader {
  readonly xid: number;
  readonly zxid: bigint;
  readonly err: number;
}

export function decodeReplyHeader(r: JuteReader): ReplyHeader {
  return { xid: r.int(), zxid: r.long(), err: r.int() };
}

export interface WatcherEvent {
  readonly type: number;
  readonly state: number;
  readonly path: string;
}

export function decodeWatcherEvent(r: JuteReader): WatcherEvent {
  return { type: r.int(), state: r.int(), path: r.string() ?? '' };
}
