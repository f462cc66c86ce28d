// Encodes DNS messages (pure). Name compression follows the DNS library Mesos-DNS is built with
// (miekg/dns v1.0.15) so replies have the same sizes and so the same truncation points (behaviour §3.6):
// every name's suffixes are remembered (case-sensitively, as presentation text) at offsets below
// 16384; owner names and SOA/NS/CNAME/PTR rdata names are compressed against earlier names; SRV
// targets are written in full but can still be pointed at by later names.
import { writeU16 } from '../wire/bytes.js';
import { QType } from '../wire/constants.js';
import { type ParsedName, parseName } from './names.js';
import type { ResourceRecord } from './records.js';

const MAX_POINTER_OFFSET = 0x4000;
const MAX_LABEL = 63;
const MAX_NAME = 255;
const CLASS_IN = 1;

export class UnencodableNameError extends Error {
  constructor(readonly dnsName: string) {
    super('name cannot be encoded');
    this.name = 'UnencodableNameError';
  }
}

/** Parses names once per writer: owners and targets repeat within a message. */
function parsed(cache: Map<string, ParsedName | null>, name: string): ParsedName {
  let p = cache.get(name);
  if (p === undefined) {
    p = parseName(name) ?? null;
    cache.set(name, p);
  }
  if (p === null) throw new UnencodableNameError(name);
  return p;
}

export class MessageWriter {
  private buf: Uint8Array;
  private pos = 0;
  private readonly names = new Map<string, number>();
  private readonly parseCache: Map<string, ParsedName | null>;

  constructor(initialSize = 512, parseCache: Map<string, ParsedName | null> = new Map()) {
    this.buf = new Uint8Array(initialSize);
    this.parseCache = parseCache;
  }

  get length(): number {
    return this.pos;
  }

  private ensure(extra: number): void {
    if (this.pos + extra <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + extra) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }

  u8(v: number): void {
    this.ensure(1);
    this.buf[this.pos++] = v & 0xff;
  }

  u16(v: number): void {
    this.ensure(2);
    writeU16(this.buf, this.pos, v);
    this.pos += 2;
  }

  u32(v: number): void {
    this.ensure(4);
    this.buf[this.pos++] = (v >>> 24) & 0xff;
    this.buf[this.pos++] = (v >>> 16) & 0xff;
    this.buf[this.pos++] = (v >>> 8) & 0xff;
    this.buf[this.pos++] = v & 0xff;
  }

  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /** Writes a presentation-form name; throws UnencodableNameError for a name that has no wire form. */
  name(name: string, compress: boolean): void {
    if (this.plainName(name, compress)) return;
    const p = parsed(this.parseCache, name);
    for (let i = 0; i < p.labels.length; i++) {
      const key = name.slice(p.starts[i] as number);
      const known = this.names.get(key);
      if (known !== undefined) {
        if (compress) {
          this.u16(0xc000 | known);
          return;
        }
      } else if (this.pos < MAX_POINTER_OFFSET) {
        this.names.set(key, this.pos);
      }
      const label = p.labels[i] as Uint8Array;
      this.u8(label.length);
      this.bytes(label);
    }
    this.u8(0);
  }

  /**
   * name() for a name without escapes or non-ASCII characters, written straight from its text (the
   * same labels, dictionary keys and pointers as the parsed path); false, with nothing written, for
   * any other name.
   */
  private plainName(name: string, compress: boolean): boolean {
    const n = name.length;
    let label = 0;
    let octets = 1;
    for (let i = 0; i < n; i++) {
      const c = name.charCodeAt(i);
      if (c === 0x5c || c >= 0x80) return false;
      if (c !== 0x2e) {
        label++;
        continue;
      }
      if (label === 0 && name !== '.') throw new UnencodableNameError(name);
      if (label > MAX_LABEL) throw new UnencodableNameError(name);
      octets += label + 1;
      label = 0;
    }
    if (label > MAX_LABEL) throw new UnencodableNameError(name);
    if (label > 0) octets += label + 1;
    if (octets > MAX_NAME) throw new UnencodableNameError(name);
    if (name === '.' || n === 0) {
      this.u8(0);
      return true;
    }
    for (let start = 0; start < n; ) {
      let end = name.indexOf('.', start);
      if (end < 0) end = n;
      const key = name.slice(start);
      const known = this.names.get(key);
      if (known !== undefined) {
        if (compress) {
          this.u16(0xc000 | known);
          return true;
        }
      } else if (this.pos < MAX_POINTER_OFFSET) {
        this.names.set(key, this.pos);
      }
      const length = end - start;
      this.ensure(length + 1);
      this.buf[this.pos++] = length;
      for (let k = start; k < end; k++) this.buf[this.pos++] = name.charCodeAt(k);
      start = end + 1;
    }
    this.u8(0);
    return true;
  }

  record(rr: ResourceRecord): void {
    this.name(rr.name, true);
    this.u16(rr.type);
    this.u16(CLASS_IN);
    this.u32(clampTtl(rr.ttl));
    const lengthAt = this.pos;
    this.u16(0);
    switch (rr.type) {
      case QType.A:
      case QType.AAAA:
        this.bytes(rr.address);
        break;
      case QType.SRV:
        this.u16(rr.priority);
        this.u16(rr.weight);
        this.u16(rr.port);
        this.name(rr.target, false);
        break;
      case QType.SOA:
        this.name(rr.mname, true);
        this.name(rr.rname, true);
        this.u32(rr.serial >>> 0);
        this.u32(rr.refresh >>> 0);
        this.u32(rr.retry >>> 0);
        this.u32(rr.expire >>> 0);
        this.u32(rr.minimum >>> 0);
        break;
      case QType.NS:
      case QType.CNAME:
      case QType.PTR:
        this.name(rr.target, true);
        break;
    }
    const rdlength = this.pos - lengthAt - 2;
    (this.buf as Uint8Array)[lengthAt] = rdlength >>> 8;
    (this.buf as Uint8Array)[lengthAt + 1] = rdlength & 0xff;
  }

  /** An OPT pseudo-record (RFC 6891 §6.1.2) without options. */
  opt(udpSize: number, extendedRcode: number, dnssecOk: boolean): void {
    this.u8(0);
    this.u16(QType.OPT);
    this.u16(udpSize);
    this.u8(extendedRcode);
    this.u8(0); // version
    this.u16(dnssecOk ? 0x8000 : 0);
    this.u16(0);
  }

  /** Overwrites a 16-bit value already written (header counts). */
  patch16(offset: number, v: number): void {
    this.buf[offset] = (v >>> 8) & 0xff;
    this.buf[offset + 1] = v & 0xff;
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }
}

/** RFC 2181 §8: TTLs are 31-bit; negative values mean 0. */
export function clampTtl(ttl: number): number {
  if (!(ttl > 0)) return 0;
  return Math.min(Math.floor(ttl), 0x7fffffff);
}
