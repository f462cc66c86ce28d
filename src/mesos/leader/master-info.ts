// MasterInfo decoding from ZooKeeper info nodes (behaviour §1.1). Pure.
import { joinHostPort, splitHostPort } from '../host-port.js';

export const JSON_INFO_PREFIX = 'json.info_';
export const PROTOBUF_INFO_PREFIX = 'info_';

export interface InfoChild {
  readonly name: string;
  readonly sequence: number;
  readonly json: boolean;
}

/** The `json.info_N` / `info_N` children, with N parsed as an unsigned decimal (others ignored). */
export function infoChildren(children: readonly string[]): InfoChild[] {
  const out: InfoChild[] = [];
  for (const name of children) {
    let json: boolean;
    let digits: string;
    if (name.startsWith(JSON_INFO_PREFIX)) {
      json = true;
      digits = name.slice(JSON_INFO_PREFIX.length);
    } else if (name.startsWith(PROTOBUF_INFO_PREFIX)) {
      json = false;
      digits = name.slice(PROTOBUF_INFO_PREFIX.length);
    } else continue;
    if (!/^[0-9]+$/.test(digits)) continue;
    out.push({ name, sequence: Number(digits), json });
  }
  return out;
}

/** The leader's child: the lowest json.info_ sequence; the lowest info_ only when no json.info_ exists. */
export function leaderChild(children: readonly InfoChild[]): InfoChild | undefined {
  const json = children.filter((c) => c.json);
  const pool = json.length > 0 ? json : children;
  let best: InfoChild | undefined;
  for (const c of pool) if (!best || c.sequence < best.sequence) best = c;
  return best;
}

export interface MasterInfo {
  readonly id: string;
  /** "host:port" to fetch the state from. */
  readonly address: string;
}

/** uint32 `ip` as Mesos writes it (network byte order read on a little-endian host): low byte first. */
export function legacyIpToString(ip: number): string {
  const v = ip >>> 0;
  return [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff].join('.');
}

interface RawMasterInfo {
  id?: unknown;
  ip?: unknown;
  port?: unknown;
  hostname?: unknown;
  address?: { hostname?: unknown; ip?: unknown; port?: unknown } | null;
}

function addressFromFields(info: RawMasterInfo): string | undefined {
  const address = info.address;
  if (address && typeof address === 'object') {
    const port = typeof address.port === 'number' ? address.port : typeof info.port === 'number' ? info.port : undefined;
    if (port !== undefined) {
      if (typeof address.ip === 'string' && address.ip !== '') return joinHostPort(address.ip, port);
      if (typeof address.hostname === 'string' && address.hostname !== '') return joinHostPort(address.hostname, port);
    }
  }
  if (typeof info.ip === 'number' && typeof info.port === 'number') return joinHostPort(legacyIpToString(info.ip), info.port);
  return undefined;
}

/** Decodes a `json.info_` node's data. */
export function decodeJsonMasterInfo(data: Uint8Array): MasterInfo | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(data).toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof doc !== 'object' || doc === null) return undefined;
  const info = doc as RawMasterInfo;
  const address = addressFromFields(info);
  if (address === undefined) return undefined;
  return { id: typeof info.id === 'string' ? info.id : address, address };
}

// --- protobuf MasterInfo (Mesos ≤ 0.23): id=1 string, ip=2 uint32, port=3 uint32, hostname=5 string,
// --- address=7 Address{hostname=1 string, ip=2 string, port=3 int32}

interface Field {
  readonly no: number;
  readonly wire: number;
  readonly value: number | Uint8Array;
}

function readVarint(buf: Uint8Array, pos: number): [number, number] {
  let result = 0;
  let shift = 0;
  for (let i = 0; i < 10; i++) {
    const b = buf[pos++];
    if (b === undefined) throw new RangeError('truncated varint');
    if (shift < 32) result += (b & 0x7f) * 2 ** shift;
    shift += 7;
    if ((b & 0x80) === 0) return [result, pos];
  }
  throw new RangeError('varint too long');
}

function readFields(buf: Uint8Array): Field[] {
  const out: Field[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const [key, p1] = readVarint(buf, pos);
    pos = p1;
    const no = Math.floor(key / 8);
    const wire = key & 7;
    if (wire === 0) {
      const [v, p2] = readVarint(buf, pos);
      pos = p2;
      out.push({ no, wire, value: v });
    } else if (wire === 2) {
      const [len, p2] = readVarint(buf, pos);
      if (p2 + len > buf.length) throw new RangeError('truncated field');
      out.push({ no, wire, value: buf.subarray(p2, p2 + len) });
      pos = p2 + len;
    } else if (wire === 5) {
      pos += 4;
    } else if (wire === 1) {
      pos += 8;
    } else {
      throw new RangeError(`unsupported wire type ${wire}`);
    }
  }
  return out;
}

function text(v: number | Uint8Array | undefined): string | undefined {
  return v instanceof Uint8Array ? Buffer.from(v).toString('utf8') : undefined;
}

/** Decodes an `info_` node's protobuf MasterInfo. */
export function decodeProtobufMasterInfo(data: Uint8Array): MasterInfo | undefined {
  try {
    const fields = readFields(data);
    const get = (no: number) => fields.find((f) => f.no === no)?.value;
    const raw: RawMasterInfo = {
      id: text(get(1)),
      ip: typeof get(2) === 'number' ? get(2) : undefined,
      port: typeof get(3) === 'number' ? get(3) : 5050,
      hostname: text(get(5)),
    };
    const addr = get(7);
    if (addr instanceof Uint8Array) {
      const af = readFields(addr);
      const aget = (no: number) => af.find((f) => f.no === no)?.value;
      raw.address = { hostname: text(aget(1)), ip: text(aget(2)), port: aget(3) };
    }
    const address = addressFromFields(raw);
    if (address === undefined) return undefined;
    return { id: typeof raw.id === 'string' ? raw.id : address, address };
  } catch {
    return undefined;
  }
}

/** Sorted by host:port text, for stable master numbering (#37 FIX); IPv4 numerically. */
export function compareAddresses(a: string, b: string): number {
  const ha = splitHostPort(a);
  const hb = splitHostPort(b);
  const ka = sortKey(ha?.host ?? a);
  const kb = sortKey(hb?.host ?? b);
  if (ka !== kb) return ka < kb ? -1 : 1;
  const pa = Number(ha?.port ?? 0);
  const pb = Number(hb?.port ?? 0);
  if (pa !== pb) return pa - pb;
  return a < b ? -1 : a > b ? 1 : 0;
}

function sortKey(host: string): string {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  if (v4) return `0${v4.slice(1).map((o) => o.padStart(3, '0')).join('.')}`;
  return `1${host.toLowerCase()}`;
}
