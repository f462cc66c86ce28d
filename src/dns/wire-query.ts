// Strict reading of a query straight from its bytes (pure). The message reader (src/wire) finds the
// header, the question and every record once; this adds what a query must also pass, the way NSD
// checks it (no bytes after the last record, RDATA that fits its type), and extracts what the
// server needs: the question (name in presentation form, as Mesos-DNS's library prints it) and the
// OPT record. The layout travels on to the forwarder, which does not read the query again.
import { type MessageLayout, parseLayout } from '../wire/message.js';
import { joinLabels, readName } from '../wire/name.js';
import { QUERY_LIMITS } from './constants.js';
import { QType } from '../wire/constants.js';

export const MalformedReason = {
  TRUNCATED: 'truncated',
  BAD_LABEL: 'bad_label',
  NAME_TOO_LONG: 'name_too_long',
  BAD_POINTER: 'bad_pointer',
  TRAILING_BYTES: 'trailing_bytes',
  BAD_OPT: 'bad_opt',
  /** A record whose RDATA does not fit its type (an A record not 4 octets long, a broken name…). */
  RECORD: 'record',
  /** More records than any query needs (QUERY_LIMITS.maxRecords). */
  TOO_MANY_RECORDS: 'too_many_records',
  /** Longer than any query needs (QUERY_LIMITS.maxBytes). */
  TOO_LARGE: 'too_large',
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
  /** Where everything is in the message (for the forwarder). */
  readonly layout: MessageLayout;
}

export type ScanResult =
  | { readonly ok: true; readonly query: ScannedQuery }
  | { readonly ok: false; readonly reason: MalformedReason };

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
  const nameEnd = (from: number): number => {
    const name = readName(view, from, 'none');
    return typeof name === 'string' ? -1 : name.end;
  };
  if (type === QType.SOA) {
    const mname = nameEnd(start);
    const rname = mname < 0 ? -1 : nameEnd(mname);
    return rname >= 0 && rname + 20 === end;
  }
  const fixed = rdataNameOffset(type);
  return fixed < 0 || (length > fixed && nameEnd(start + fixed) === end);
}

/**
 * Reads a query whose header is at least 12 octets long and whose QDCOUNT is 1 (the caller checks
 * length, QR, opcode and QDCOUNT first, in NSD's order).
 */
export function scanQuery(buf: Uint8Array): ScanResult {
  if (buf.length > QUERY_LIMITS.maxBytes) return { ok: false, reason: MalformedReason.TOO_LARGE };
  const parsed = parseLayout(buf, QUERY_LIMITS);
  if (!parsed.ok) return { ok: false, reason: parsed.reason };
  const layout = parsed.layout;
  const question = layout.question;
  if (!question) return { ok: false, reason: MalformedReason.TRUNCATED };
  for (const record of layout.records) {
    if (record.type !== QType.OPT && !rdataFits(buf, record.type, record.rdataOffset, record.rdlength)) {
      return { ok: false, reason: MalformedReason.RECORD };
    }
  }
  if (layout.end !== buf.length) return { ok: false, reason: MalformedReason.TRAILING_BYTES };
  const name = readName(buf, question.nameStart, 'presentation');
  if (typeof name === 'string') return { ok: false, reason: name };
  const opt = layout.opt;
  return {
    ok: true,
    query: {
      id: layout.id,
      flags1: buf[2] as number,
      flags2: buf[3] as number,
      opcode: layout.opcode,
      qname: joinLabels(name.labels),
      qtype: question.qtype,
      qclass: question.qclass,
      questionEnd: layout.questionEnd,
      ancount: layout.ancount,
      nscount: layout.nscount,
      arcount: layout.arcount,
      edns: opt
        ? { udpSize: opt.udpSize, version: opt.version, dnssecOk: opt.doBit, optionsLength: opt.record.rdlength }
        : undefined,
      layout,
    },
  };
}

