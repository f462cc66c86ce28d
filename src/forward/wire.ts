// Byte-level view of a DNS message for the forwarder (pure: no sockets, no timers).
//
// The forwarder relays upstream replies as the upstream wrote them: it never decodes and
// re-encodes records, so unknown types, DNSSEC data and the upstream's compression survive
// untouched. What it needs is where things are: the header fields, the question, the span and
// TTL offset of every record and the OPT record. `parseLayout` finds them in one pass;
// the builders below patch or cut messages at record boundaries (always pointer-safe,
// because compression pointers only point backwards).

import { QType, Rcode } from '../dns/constants.js';

// The DNS numbers live in dns/constants.ts; re-exported under the names this folder uses.
export { Rcode };
export const RrType = { SOA: QType.SOA, OPT: QType.OPT } as const;

export const Section = {
  ANSWER: 1,
  AUTHORITY: 2,
  ADDITIONAL: 3,
} as const;
export type Section = (typeof Section)[keyof typeof Section];

/** EDNS option codes the forwarder treats specially. */
export const EdnsOption = {
  ECS: 8,
  COOKIE: 10,
} as const;

// Header flag bits (second 16-bit word).
export const Flag = {
  QR: 0x8000,
  AA: 0x0400,
  TC: 0x0200,
  RD: 0x0100,
  RA: 0x0080,
  AD: 0x0020,
  CD: 0x0010,
} as const;

/** The UDP payload size we advertise in OPT records we write ourselves (DNS flag day 2020). */
export const OWN_EDNS_UDP_SIZE = 1232;

export interface RecordSpan {
  readonly section: Section;
  readonly start: number;
  readonly end: number;
  readonly type: number;
  readonly klass: number;
  readonly ttlOffset: number;
  /** RFC 2181 §8: a TTL with the top bit set is read as 0. */
  readonly ttl: number;
  readonly rdataOffset: number;
  readonly rdlength: number;
}

export interface OptInfo {
  readonly record: RecordSpan;
  /** Whether the OPT is the last record of the message (then it can be rewritten in place). */
  readonly last: boolean;
  readonly udpSize: number;
  readonly extendedRcode: number;
  readonly version: number;
  readonly doBit: boolean;
  /** Option codes in order. */
  readonly options: readonly { readonly code: number; readonly start: number; readonly end: number }[];
}

export interface QuestionInfo {
  /** Offset of the first question's name (always 12). */
  readonly nameStart: number;
  readonly nameEnd: number;
  /** Whether the question name is written without compression pointers. */
  readonly plainName: boolean;
  /** Lower-cased labels (escaped presentation form per label). */
  readonly labels: readonly string[];
  /** Lower-cased presentation form with trailing dot, e.g. `www.example.org.`. */
  readonly key: string;
  readonly qtype: number;
  readonly qclass: number;
}

export interface MessageLayout {
  readonly id: number;
  readonly flags: number;
  readonly opcode: number;
  /** The 4-bit header rcode (the OPT may extend it; see `opt.extendedRcode`). */
  readonly rcode: number;
  readonly qdcount: number;
  readonly ancount: number;
  readonly nscount: number;
  readonly arcount: number;
  readonly question: QuestionInfo | undefined;
  /** End of the question section (12 when there is none). */
  readonly questionEnd: number;
  readonly records: readonly RecordSpan[];
  readonly opt: OptInfo | undefined;
  /** End of the last record (bytes past it are ignored). */
  readonly end: number;
}

export type ParseResult =
  | { readonly ok: true; readonly layout: MessageLayout }
  | { readonly ok: false; readonly error: string };

const MAX_POINTER_HOPS = 64;

interface NameRead {
  /** Offset just past the name where it was written (after the first pointer, if any). */
  readonly end: number;
  readonly labels: string[];
  readonly plain: boolean;
}

function escapeLabel(buf: Uint8Array, start: number, len: number): string {
  let out = '';
  for (let i = start; i < start + len; i++) {
    let c = buf[i] as number;
    if (c >= 0x41 && c <= 0x5a) c += 0x20; // ASCII lower-case
    if (c === 0x2e || c === 0x5c) out += `\\${String.fromCharCode(c)}`;
    else if (c <= 0x20 || c >= 0x7f) out += `\\${String(c).padStart(3, '0')}`;
    else out += String.fromCharCode(c);
  }
  return out;
}

/** Reads a (possibly compressed) name; labels are lower-cased. Undefined when malformed. */
function readName(buf: Uint8Array, offset: number, withLabels: boolean): NameRead | undefined {
  const labels: string[] = [];
  let pos = offset;
  let end = -1;
  let hops = 0;
  let wireLength = 1;
  for (;;) {
    if (pos >= buf.length) return undefined;
    const len = buf[pos] as number;
    if (len === 0) {
      if (end < 0) end = pos + 1;
      return { end, labels, plain: hops === 0 };
    }
    const kind = len & 0xc0;
    if (kind === 0xc0) {
      if (pos + 1 >= buf.length) return undefined;
      if (end < 0) end = pos + 2;
      const target = ((len & 0x3f) << 8) | (buf[pos + 1] as number);
      // Pointers must point backwards; this also rules out loops.
      if (target >= pos || ++hops > MAX_POINTER_HOPS) return undefined;
      pos = target;
      continue;
    }
    if (kind !== 0) return undefined; // extended label types are obsolete
    if (pos + 1 + len > buf.length) return undefined;
    wireLength += len + 1;
    if (wireLength > 255) return undefined;
    if (withLabels) labels.push(escapeLabel(buf, pos + 1, len));
    pos += 1 + len;
  }
}

function readU16(buf: Uint8Array, off: number): number {
  return ((buf[off] as number) << 8) | (buf[off + 1] as number);
}

function readU32(buf: Uint8Array, off: number): number {
  return (((buf[off] as number) << 24) >>> 0) + ((buf[off + 1] as number) << 16) + ((buf[off + 2] as number) << 8) + (buf[off + 3] as number);
}

export function writeU16(buf: Uint8Array, off: number, value: number): void {
  buf[off] = (value >>> 8) & 0xff;
  buf[off + 1] = value & 0xff;
}

export function writeU32(buf: Uint8Array, off: number, value: number): void {
  buf[off] = (value >>> 24) & 0xff;
  buf[off + 1] = (value >>> 16) & 0xff;
  buf[off + 2] = (value >>> 8) & 0xff;
  buf[off + 3] = value & 0xff;
}

/** Reads only the ID of a message (for replies too short to parse). */
export function readId(buf: Uint8Array): number | undefined {
  return buf.length >= 2 ? readU16(buf, 0) : undefined;
}

/**
 * Finds the header fields, the first question and every record of a message. Fails on any
 * structural problem (truncated record, bad name, bad OPT), never on unknown types.
 */
export function parseLayout(buf: Uint8Array): ParseResult {
  if (buf.length < 12) return { ok: false, error: 'message shorter than the header' };
  const flags = readU16(buf, 2);
  const qdcount = readU16(buf, 4);
  const ancount = readU16(buf, 6);
  const nscount = readU16(buf, 8);
  const arcount = readU16(buf, 10);
  let pos = 12;
  let question: QuestionInfo | undefined;
  for (let i = 0; i < qdcount; i++) {
    const name = readName(buf, pos, i === 0);
    if (!name || name.end + 4 > buf.length) return { ok: false, error: 'malformed question' };
    if (i === 0) {
      question = {
        nameStart: pos,
        nameEnd: name.end,
        plainName: name.plain,
        labels: name.labels,
        key: name.labels.length === 0 ? '.' : `${name.labels.join('.')}.`,
        qtype: readU16(buf, name.end),
        qclass: readU16(buf, name.end + 2),
      };
    }
    pos = name.end + 4;
  }
  const questionEnd = pos;
  const records: RecordSpan[] = [];
  let opt: OptInfo | undefined;
  const sections: [Section, number][] = [
    [Section.ANSWER, ancount],
    [Section.AUTHORITY, nscount],
    [Section.ADDITIONAL, arcount],
  ];
  for (const [section, count] of sections) {
    for (let i = 0; i < count; i++) {
      const start = pos;
      const name = readName(buf, pos, false);
      if (!name || name.end + 10 > buf.length) return { ok: false, error: 'malformed record' };
      const type = readU16(buf, name.end);
      const klass = readU16(buf, name.end + 2);
      const rawTtl = readU32(buf, name.end + 4);
      const rdlength = readU16(buf, name.end + 8);
      const rdataOffset = name.end + 10;
      const end = rdataOffset + rdlength;
      if (end > buf.length) return { ok: false, error: 'record data past the end of the message' };
      const record: RecordSpan = {
        section,
        start,
        end,
        type,
        klass,
        ttlOffset: name.end + 4,
        ttl: rawTtl > 0x7fffffff ? 0 : rawTtl,
        rdataOffset,
        rdlength,
      };
      records.push(record);
      if (type === RrType.OPT) {
        if (section !== Section.ADDITIONAL || opt !== undefined || name.end !== start + 1) {
          return { ok: false, error: 'misplaced or repeated OPT record' };
        }
        const options: { code: number; start: number; end: number }[] = [];
        let o = rdataOffset;
        while (o < end) {
          if (o + 4 > end) return { ok: false, error: 'malformed EDNS option' };
          const optEnd = o + 4 + readU16(buf, o + 2);
          if (optEnd > end) return { ok: false, error: 'malformed EDNS option' };
          options.push({ code: readU16(buf, o), start: o, end: optEnd });
          o = optEnd;
        }
        opt = {
          record,
          last: false,
          udpSize: klass,
          extendedRcode: (rawTtl >>> 24) & 0xff,
          version: (rawTtl >>> 16) & 0xff,
          doBit: (rawTtl & 0x8000) !== 0,
          options,
        };
      }
      pos = end;
    }
  }
  if (opt && records[records.length - 1] === opt.record) opt = { ...opt, last: true };
  return {
    ok: true,
    layout: {
      id: readU16(buf, 0),
      flags,
      opcode: (flags >>> 11) & 0x0f,
      rcode: flags & 0x0f,
      qdcount,
      ancount,
      nscount,
      arcount,
      question,
      questionEnd,
      records,
      opt,
      end: pos,
    },
  };
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
  writeU16(out, 3, options.udpSize ?? OWN_EDNS_UDP_SIZE);
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
