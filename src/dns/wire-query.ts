// Strict reading of a query straight from its bytes (pure). One pass validates the whole message the
// way NSD does (bad names, pointers that do not point backwards, records running past the end, bytes
// after the last record, duplicate OPT records) and extracts what the server needs: header fields,
// the question (name in presentation form, as Mesos-DNS's library prints it) and the OPT record.
import { HEADER_SIZE, QType } from './constants.js';

export const MalformedReason = {
  TRUNCATED: 'truncated',
  BAD_LABEL: 'bad_label',
  NAME_TOO_LONG: 'name_too_long',
  BAD_POINTER: 'bad_pointer',
  TRAILING_BYTES: 'trailing_bytes',
  BAD_OPT: 'bad_opt',
  /** A record whose RDATA does not fit its type (an A record not 4 octets long, a broken name…). */
  RECORD: 'record',
} as const;
export type MalformedReason = (typeof MalformedReason)[keyof typeof MalformedReason];

export interface QueryEdns {
  /** The requestor's UDP payload size as sent (not clamped). */
  readonly udpSize: number;
  readonly version: number;
  /** DNSSEC OK bit. */
  readonly dnssecOk: boolean;
  /** Octets of EDNS options (0 for a plain OPT record). */
  readonly optionsLength: number;
}

export interface ScannedQuery {
  readonly id: number;
  /** Third and fourth header octets as received. */
  readonly flags1: number;
  readonly flags2: number;
  readonly opcode: number;
  /** Question name in presentation form (escaped like miekg/dns does), original case, trailing dot. */
  readonly qname: string;
  readonly qtype: number;
  readonly qclass: number;
  /** Offset just past QCLASS. */
  readonly questionEnd: number;
  readonly ancount: number;
  readonly nscount: number;
  readonly arcount: number;
  readonly edns: QueryEdns | undefined;
}

export type ScanResult =
  | { readonly ok: true; readonly query: ScannedQuery }
  | { readonly ok: false; readonly reason: MalformedReason };

const MAX_NAME_OCTETS = 255;
/** Compression pointers followed in one name at most: a real name needs one or two. */
const MAX_POINTER_HOPS = 32;
const BACKSLASH = 0x5c;

class Malformed {
  constructor(readonly reason: MalformedReason) {}
}

/** The presentation form of one label's octets (miekg/dns escaping rules). */
function labelText(buf: Uint8Array, start: number, length: number): string {
  let text = '';
  for (let i = start; i < start + length; i++) {
    const b = buf[i] as number;
    switch (b) {
      case 0x2e: // .
      case 0x28: // (
      case 0x29: // )
      case 0x3b: // ;
      case 0x20: // space
      case 0x40: // @
      case 0x22: // "
      case BACKSLASH:
        text += `\\${String.fromCharCode(b)}`;
        break;
      default:
        text += b < 0x20 || b >= 0x7f ? `\\${String(b).padStart(3, '0')}` : String.fromCharCode(b);
    }
  }
  return text;
}

/**
 * Validates the name at `offset` and returns the offset just past it. Compression pointers must point
 * strictly before the start of the run of labels they end (so they can neither loop nor point
 * forward) and never into the header. With `wantText` the name's presentation form is returned too.
 */
function readName(buf: Uint8Array, offset: number, wantText: boolean): { end: number; text: string } {
  let pos = offset;
  let runStart = offset;
  let end = -1;
  let octets = 1;
  let hops = 0;
  let text = '';
  for (;;) {
    if (pos >= buf.length) throw new Malformed(MalformedReason.TRUNCATED);
    const b = buf[pos] as number;
    if (b === 0) {
      if (end < 0) end = pos + 1;
      break;
    }
    const kind = b & 0xc0;
    if (kind === 0xc0) {
      if (pos + 1 >= buf.length) throw new Malformed(MalformedReason.TRUNCATED);
      const target = ((b & 0x3f) << 8) | (buf[pos + 1] as number);
      if (target < HEADER_SIZE || target >= runStart || ++hops > MAX_POINTER_HOPS) throw new Malformed(MalformedReason.BAD_POINTER);
      if (end < 0) end = pos + 2;
      runStart = target;
      pos = target;
      continue;
    }
    if (kind !== 0) throw new Malformed(MalformedReason.BAD_LABEL);
    octets += b + 1;
    if (octets > MAX_NAME_OCTETS) throw new Malformed(MalformedReason.NAME_TOO_LONG);
    if (pos + 1 + b > buf.length) throw new Malformed(MalformedReason.TRUNCATED);
    if (wantText) text += `${labelText(buf, pos + 1, b)}.`;
    pos += 1 + b;
  }
  return { end, text: text === '' ? '.' : text };
}

function u16(buf: Uint8Array, offset: number): number {
  return ((buf[offset] as number) << 8) | (buf[offset + 1] as number);
}

/** Fixed octets before the name in the RDATA of the name-bearing types we check, else -1. */
function rdataNameOffset(type: number): number {
  switch (type) {
    case QType.NS:
    case QType.CNAME:
    case QType.PTR:
      return 0;
    case QType.MX:
      return 2;
    case QType.SRV:
      return 6;
    default:
      return -1;
  }
}

/** Whether a record's RDATA has the shape its type requires (for the types whose shape is fixed). */
function rdataFits(buf: Uint8Array, type: number, start: number, length: number): boolean {
  const end = start + length;
  if (type === QType.A) return length === 4;
  if (type === QType.AAAA) return length === 16;
  const view = buf.subarray(0, end);
  const reader = (from: number): number => readName(view, from, false).end;
  try {
    if (type === QType.SOA) {
      const afterNames = reader(reader(start));
      return afterNames + 20 === end;
    }
    const fixed = rdataNameOffset(type);
    return fixed < 0 || (length > fixed && reader(start + fixed) === end);
  } catch (err) {
    if (err instanceof Malformed) return false;
    throw err;
  }
}

/**
 * Reads a query whose header is at least 12 octets long and whose QDCOUNT is 1 (the caller checks
 * length, QR, opcode and QDCOUNT first, in NSD's order).
 */
export function scanQuery(buf: Uint8Array): ScanResult {
  try {
    const question = readName(buf, HEADER_SIZE, true);
    let pos = question.end;
    if (pos + 4 > buf.length) return { ok: false, reason: MalformedReason.TRUNCATED };
    const qtype = u16(buf, pos);
    const qclass = u16(buf, pos + 2);
    pos += 4;
    const questionEnd = pos;
    const ancount = u16(buf, 6);
    const nscount = u16(buf, 8);
    const arcount = u16(buf, 10);
    let edns: QueryEdns | undefined;
    const total = ancount + nscount + arcount;
    for (let i = 0; i < total; i++) {
      const ownerStart = pos;
      pos = readName(buf, pos, false).end;
      if (pos + 10 > buf.length) return { ok: false, reason: MalformedReason.TRUNCATED };
      const type = u16(buf, pos);
      const rdlength = u16(buf, pos + 8);
      const rdataStart = pos + 10;
      if (rdataStart + rdlength > buf.length) return { ok: false, reason: MalformedReason.TRUNCATED };
      if (type === QType.OPT) {
        // RFC 6891 §6.1.1: only in the additional section, owned by the root, at most once.
        const inAdditional = i >= ancount + nscount;
        if (!inAdditional || edns || buf[ownerStart] !== 0) return { ok: false, reason: MalformedReason.BAD_OPT };
        for (let o = rdataStart; o < rdataStart + rdlength; ) {
          if (o + 4 > rdataStart + rdlength) return { ok: false, reason: MalformedReason.BAD_OPT };
          o += 4 + u16(buf, o + 2);
          if (o > rdataStart + rdlength) return { ok: false, reason: MalformedReason.BAD_OPT };
        }
        edns = {
          udpSize: u16(buf, pos + 2),
          version: buf[pos + 5] as number,
          dnssecOk: ((buf[pos + 6] as number) & 0x80) !== 0,
          optionsLength: rdlength,
        };
      } else if (!rdataFits(buf, type, rdataStart, rdlength)) {
        return { ok: false, reason: MalformedReason.RECORD };
      }
      pos = rdataStart + rdlength;
    }
    if (pos !== buf.length) return { ok: false, reason: MalformedReason.TRAILING_BYTES };
    return {
      ok: true,
      query: {
        id: u16(buf, 0),
        flags1: buf[2] as number,
        flags2: buf[3] as number,
        opcode: ((buf[2] as number) >> 3) & 0x0f,
        qname: question.text,
        qtype,
        qclass,
        questionEnd,
        ancount,
        nscount,
        arcount,
        edns,
      },
    };
  } catch (err) {
    if (err instanceof Malformed) return { ok: false, reason: err.reason };
    throw err;
  }
}
