// The one reader of whole DNS messages (pure): header fields, the first question and the span of
// every record, with the OPT record's fields and options. It fails on any structural problem
// (a bad name, a record running past the end, a misplaced or repeated OPT) and never on a type it
// does not know. The DNS server reads each query with it once (dns/wire-query.ts adds the stricter
// checks a query must pass) and hands the layout to the forwarder, which reads upstream replies
// with it too.
import { readU16, readU32 } from './bytes.js';
import { HEADER_SIZE, QType } from './constants.js';
import { NameProblem, joinLabels, readName } from './name.js';

/** The OPT pseudo-record's type (RFC 6891). */
const OPT = QType.OPT;

export const Section = {
  ANSWER: 1,
  AUTHORITY: 2,
  ADDITIONAL: 3,
} as const;
export type Section = (typeof Section)[keyof typeof Section];

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

export type MessageProblem = NameProblem | 'bad_opt' | 'too_many_records';

export interface LayoutLimits {
  /** Most records (answer + authority + additional) the message may declare; more fails unread. */
  readonly maxRecords: number;
}

const NO_LIMITS: LayoutLimits = { maxRecords: 3 * 65_535 };

export type ParseResult =
  | { readonly ok: true; readonly layout: MessageLayout }
  | { readonly ok: false; readonly reason: MessageProblem; readonly error: string };

type Failure = Extract<ParseResult, { ok: false }>;

function failure(reason: MessageProblem, error: string): Failure {
  return { ok: false, reason, error };
}

function isFailure<T extends object>(value: T | Failure): value is Failure {
  return 'reason' in value;
}

/**
 * Finds the header fields, the first question and every record of a message. Fails on any
 * structural problem (truncated record, bad name, bad OPT) or more records than `limits` allow,
 * never on unknown types.
 */
export function parseLayout(buf: Uint8Array, limits: LayoutLimits = NO_LIMITS): ParseResult {
  if (buf.length < HEADER_SIZE) return failure(NameProblem.TRUNCATED, 'message shorter than the header');
  const flags = readU16(buf, 2);
  const qdcount = readU16(buf, 4);
  const ancount = readU16(buf, 6);
  const nscount = readU16(buf, 8);
  const arcount = readU16(buf, 10);
  if (ancount + nscount + arcount > limits.maxRecords) {
    return failure('too_many_records', `more than ${limits.maxRecords} records`);
  }
  const questions = readQuestions(buf, qdcount);
  if (isFailure(questions)) return questions;
  const records: RecordSpan[] = [];
  let opt: OptInfo | undefined;
  let pos = questions.end;
  const sections: [Section, number][] = [
    [Section.ANSWER, ancount],
    [Section.AUTHORITY, nscount],
    [Section.ADDITIONAL, arcount],
  ];
  for (const [section, count] of sections) {
    for (let i = 0; i < count; i++) {
      const record = readRecord(buf, pos, section);
      if (isFailure(record)) return record;
      records.push(record);
      if (record.type === OPT) {
        // Its owner is the root: the name is one octet, so the TTL is at start + 1 + 4.
        if (section !== Section.ADDITIONAL || opt !== undefined || record.ttlOffset !== record.start + 5) {
          return failure('bad_opt', 'misplaced or repeated OPT record');
        }
        const read = readOpt(buf, record);
        if (isFailure(read)) return read;
        opt = read;
      }
      pos = record.end;
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
      question: questions.question,
      questionEnd: questions.end,
      records,
      opt,
      end: pos,
    },
  };
}

/** The question section: the first question read in full (its name in key form), the others skipped. */
function readQuestions(buf: Uint8Array, qdcount: number): { readonly end: number; readonly question: QuestionInfo | undefined } | Failure {
  let pos = HEADER_SIZE;
  let question: QuestionInfo | undefined;
  for (let i = 0; i < qdcount; i++) {
    const name = readName(buf, pos, i === 0 ? 'key' : 'none');
    if (typeof name === 'string') return failure(name, 'malformed question');
    if (name.end + 4 > buf.length) return failure(NameProblem.TRUNCATED, 'malformed question');
    if (i === 0) {
      question = {
        nameStart: pos,
        nameEnd: name.end,
        plainName: name.plain,
        labels: name.labels,
        key: joinLabels(name.labels),
        qtype: readU16(buf, name.end),
        qclass: readU16(buf, name.end + 2),
      };
    }
    pos = name.end + 4;
  }
  return { end: pos, question };
}

/** Where the record at `start` and its fields are. */
function readRecord(buf: Uint8Array, start: number, section: Section): RecordSpan | Failure {
  const name = readName(buf, start, 'none');
  if (typeof name === 'string') return failure(name, 'malformed record');
  if (name.end + 10 > buf.length) return failure(NameProblem.TRUNCATED, 'malformed record');
  const rawTtl = readU32(buf, name.end + 4);
  const rdlength = readU16(buf, name.end + 8);
  const rdataOffset = name.end + 10;
  const end = rdataOffset + rdlength;
  if (end > buf.length) return failure(NameProblem.TRUNCATED, 'record data past the end of the message');
  return {
    section,
    start,
    end,
    type: readU16(buf, name.end),
    klass: readU16(buf, name.end + 2),
    ttlOffset: name.end + 4,
    ttl: rawTtl > 0x7fffffff ? 0 : rawTtl,
    rdataOffset,
    rdlength,
  };
}

/** The OPT record's fields (RFC 6891 §6.1.3: the class is the UDP size, the TTL the flags) and options. */
function readOpt(buf: Uint8Array, record: RecordSpan): OptInfo | Failure {
  const options: { code: number; start: number; end: number }[] = [];
  let o = record.rdataOffset;
  while (o < record.end) {
    if (o + 4 > record.end) return failure('bad_opt', 'malformed EDNS option');
    const optEnd = o + 4 + readU16(buf, o + 2);
    if (optEnd > record.end) return failure('bad_opt', 'malformed EDNS option');
    options.push({ code: readU16(buf, o), start: o, end: optEnd });
    o = optEnd;
  }
  const rawTtl = readU32(buf, record.ttlOffset);
  return {
    record,
    last: false,
    udpSize: record.klass,
    extendedRcode: (rawTtl >>> 24) & 0xff,
    version: (rawTtl >>> 16) & 0xff,
    doBit: (rawTtl & 0x8000) !== 0,
    options,
  };
}
