// Byte-level view of a DNS message for the forwarder (pure: no sockets, no timers).
//
// The forwarder relays upstream replies as the upstream wrote them: it never decodes and
// re-encodes records, so unknown types, DNSSEC data and the upstream's compression survive
// untouched. What it needs is where things are: the header fields, the question, the span and
// TTL offset of every record and the OPT record. `parseLayout` finds them in one pass;
// the builders below patch or cut messages at record boundaries (always pointer-safe,
// because compression pointers only point backwards).

import { OUR_UDP_PAYLOAD_SIZE, QType, Rcode } from '../wire/constants.js';
import { readU16, readU32, writeU16, writeU32 } from '../wire/bytes.js';
import { Flag, type MessageLayout, type OptInfo, type RecordSpan, Section } from '../wire/message.js';

// The message reader lives in src/wire; re-exported for the forwarder's modules.
export { Flag, Section, parseLayout } from '../wire/message.js';
export type { MessageLayout, OptInfo, ParseResult, QuestionInfo, RecordSpan } from '../wire/message.js';
export { writeU16, writeU32 };

/** EDNS option codes the forwarder treats specially. */
export const EdnsOption = {
  ECS: 8,
  COOKIE: 10,
} as const;

// The DNS numbers live in wire/constants.ts; re-exported under the names this folder uses.
export { Rcode };
export const RrType = { SOA: QType.SOA, OPT: QType.OPT } as const;

/** Reads only the ID of a message (for replies too short to parse). */
export function readId(buf: Uint8Array): number | undefined {
  return buf.length >= 2 ? readU16(buf, 0) : undefined;
}

/** The full rcode: the header's 4 bits extended by the OPT's upper 8 bits. */
export function fullRcode(layout: MessageLayout): number {
  return ((layout.opt?.extendedRcode ?? 0) << 4) | layout.rcode;
}

/** An OPT record with no options: root owner, our UDP size, the given extended rcode and DO bit. */
export function encodeOpt(options: { udpSize?: number; extendedRcode?: number; doBit?: boolean } = {}): Uint8Array {
  const out = new Uint8Array(11);
  out[0] = 0;
  writeU16(out, 1, RrType.OPT);
  writeU16(out, 3, options.udpSize ?? OUR_UDP_PAYLOAD_SIZE);
  writeU32(out, 5, (((options.extendedRcode ?? 0) & 0xff) << 24) + (options.doBit ? 0x8000 : 0));
  writeU16(out, 9, 0);
  return out;
}

function concat(parts: readonly Uint8Array[]): Buffer {
  return Buffer.concat(parts);
}

export interface MinimalReplyOptions {
  readonly rcode: number;
  /** Extra header bits (AA, RA, TC, AD) to set; QR, opcode, RD and CD always come from the query. */
  readonly extraFlags?: number;
  /** Include an OPT (only if the query had one). */
  readonly opt?: Uint8Array;
}

/**
 * A reply with no records: the query's ID, QR, opcode, RD and CD, the query's first question,
 * the given rcode and, when the query carried an OPT, an OPT (copying its DO bit).
 */
export function buildMinimalReply(query: Uint8Array, layout: MessageLayout | undefined, options: MinimalReplyOptions): Buffer {
  const header = new Uint8Array(12);
  const queryFlags = query.length >= 4 ? readU16(query, 2) : 0;
  const flags =
    Flag.QR |
    (queryFlags & (0x7800 | Flag.RD | Flag.CD)) |
    ((options.extraFlags ?? 0) & (Flag.AA | Flag.TC | Flag.RA | Flag.AD)) |
    (options.rcode & 0x0f);
  if (query.length >= 2) {
    header[0] = query[0] as number;
    header[1] = query[1] as number;
  }
  writeU16(header, 2, flags);
  const parts: Uint8Array[] = [header];
  const q = layout?.question;
  if (layout && q) {
    writeU16(header, 4, 1);
    // The first question only (the server forwards single-question queries anyway).
    parts.push(query.subarray(q.nameStart, q.nameEnd + 4));
  }
  if (layout?.opt) {
    const opt =
      options.opt ?? encodeOpt({ doBit: layout.opt.doBit, extendedRcode: (options.rcode >>> 4) & 0xff });
    writeU16(header, 10, 1);
    parts.push(opt);
  }
  return concat(parts);
}

/** Sets the ID of a message in place. */
export function setId(buf: Uint8Array, id: number): void {
  writeU16(buf, 0, id & 0xffff);
}

/** Sets or clears header flag bits in place. */
export function setFlag(buf: Uint8Array, flag: number, on: boolean): void {
  const flags = readU16(buf, 2);
  writeU16(buf, 2, on ? flags | flag : flags & ~flag);
}

/** Copies the spelling (case) of the client's question name onto the reply's, when both are plain. */
export function copyQuestionSpelling(
  reply: Uint8Array,
  replyLayout: MessageLayout,
  query: Uint8Array,
  queryLayout: MessageLayout,
): void {
  const r = replyLayout.question;
  const q = queryLayout.question;
  if (!r || !q || !r.plainName || !q.plainName) return;
  const len = q.nameEnd - q.nameStart;
  if (r.nameEnd - r.nameStart !== len) return;
  reply.set(query.subarray(q.nameStart, q.nameEnd), r.nameStart);
}

/** The fixed part (11 octets, no options) of an OPT record taken from a message. */
export function bareOptOf(buf: Uint8Array, opt: OptInfo): Uint8Array {
  const out = new Uint8Array(11);
  out.set(buf.subarray(opt.record.start, opt.record.start + 9));
  writeU16(out, 9, 0);
  return out;
}

/**
 * Removes the given EDNS options from a message whose OPT is its last record. Returns the
 * same buffer when there is nothing to remove, undefined when the OPT is not last (then the
 * options cannot be removed without moving records that compression pointers may target).
 */
export function withoutEdnsOptions(buf: Uint8Array, layout: MessageLayout, codes: readonly number[]): Uint8Array | undefined {
  const opt = layout.opt;
  if (!opt || !opt.options.some((o) => codes.includes(o.code))) return buf;
  if (!opt.last) return undefined;
  const kept = opt.options.filter((o) => !codes.includes(o.code)).map((o) => buf.subarray(o.start, o.end));
  const head = Buffer.from(buf.subarray(0, opt.record.rdataOffset));
  const rdlength = kept.reduce((n, o) => n + o.length, 0);
  writeU16(head, opt.record.rdataOffset - 2, rdlength);
  return concat([head, ...kept]);
}

/**
 * The longest prefix of whole records that fits in maxSize (with room for an OPT when one is
 * given), records after an OPT excluded; counts are rewritten and TC is left as it was.
 * Used only when the operator turned the TC bit off (SetTruncateBit=false).
 */
export function truncateToFit(buf: Uint8Array, layout: MessageLayout, maxSize: number, opt: Uint8Array | undefined): Buffer {
  const budget = maxSize - (opt?.length ?? 0);
  let end = layout.questionEnd;
  const counts = [0, 0, 0, 0];
  for (const record of layout.records) {
    if (record.type === RrType.OPT || record.end > budget) break;
    end = record.end;
    counts[record.section] = (counts[record.section] as number) + 1;
  }
  const head = Buffer.from(buf.subarray(0, end));
  writeU16(head, 6, counts[Section.ANSWER] as number);
  writeU16(head, 8, counts[Section.AUTHORITY] as number);
  writeU16(head, 10, (counts[Section.ADDITIONAL] as number) + (opt ? 1 : 0));
  return opt ? concat([head, opt]) : head;
}

/** The value of the SOA MINIMUM field (the last 4 octets of its RDATA). */
export function soaMinimum(buf: Uint8Array, record: RecordSpan): number | undefined {
  if (record.type !== RrType.SOA || record.rdlength < 22) return undefined;
  const value = readU32(buf, record.rdataOffset + record.rdlength - 4);
  return value > 0x7fffffff ? 0 : value;
}
