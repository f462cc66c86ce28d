// Encodes a reply and fits it into the size limit (pure). Behaviour §3.6 with §8 #2 FIX: when the reply is
// too big, first the whole additional section goes (that alone does not set TC); if it is still too
// big, answers are dropped from the end (the answer order is already shuffled) until it fits, and TC is
// set (unless SetTruncateBit is off). The OPT record is never dropped (RFC 6891 §7).
import { MessageWriter } from './message-writer.js';
import type { ParsedName } from './names.js';
import type { ResourceRecord } from './records.js';

export interface ReplyHeader {
  readonly id: number;
  readonly opcode: number;
  readonly aa: boolean;
  readonly rd: boolean;
  readonly cd: boolean;
  readonly ra: boolean;
  /** Up to 4095; values above 15 need `edns` (the high bits travel in the OPT record). */
  readonly rcode: number;
}

export interface ReplyQuestion {
  /** Presentation form, exactly as asked. */
  readonly name: string;
  readonly type: number;
  readonly class: number;
}

export interface ReplyEdns {
  /** The UDP payload size we advertise. */
  readonly udpSize: number;
  readonly dnssecOk: boolean;
}

export interface ReplySections {
  readonly answer: readonly ResourceRecord[];
  readonly authority: readonly ResourceRecord[];
  readonly additional: readonly ResourceRecord[];
}

export const EMPTY_SECTIONS: ReplySections = Object.freeze({
  answer: Object.freeze([]),
  authority: Object.freeze([]),
  additional: Object.freeze([]),
});

export interface EncodeReplyInput {
  readonly header: ReplyHeader;
  readonly question: ReplyQuestion | undefined;
  readonly sections: ReplySections;
  readonly edns: ReplyEdns | undefined;
  /** The most octets the reply may take. */
  readonly limit: number;
  readonly setTruncateBit: boolean;
}

export type Dropped = 'none' | 'additional' | 'records';

export interface EncodedReply {
  readonly bytes: Uint8Array;
  /** What had to go to fit the limit. */
  readonly dropped: Dropped;
  /** Whether TC is set. */
  readonly truncated: boolean;
}

function encodeOnce(
  input: EncodeReplyInput,
  answer: readonly ResourceRecord[],
  authority: readonly ResourceRecord[],
  additional: readonly ResourceRecord[],
  tc: boolean,
  parseCache: Map<string, ParsedName | null>,
): Uint8Array {
  const { header, question, edns } = input;
  const w = new MessageWriter(512, parseCache);
  w.u16(header.id);
  w.u8(0x80 | ((header.opcode & 0x0f) << 3) | (header.aa ? 0x04 : 0) | (tc ? 0x02 : 0) | (header.rd ? 0x01 : 0));
  w.u8((header.ra ? 0x80 : 0) | (header.cd ? 0x10 : 0) | (header.rcode & 0x0f));
  w.u16(question ? 1 : 0);
  w.u16(answer.length);
  w.u16(authority.length);
  w.u16(additional.length + (edns ? 1 : 0));
  if (question) {
    w.name(question.name, true);
    w.u16(question.type);
    w.u16(question.class);
  }
  for (const rr of answer) w.record(rr);
  for (const rr of authority) w.record(rr);
  for (const rr of additional) w.record(rr);
  if (edns) w.opt(edns.udpSize, (header.rcode >>> 4) & 0xff, edns.dnssecOk);
  return w.finish();
}

export function encodeReply(input: EncodeReplyInput): EncodedReply {
  const { answer, authority, additional } = input.sections;
  const parseCache = new Map<string, ParsedName | null>();
  const full = encodeOnce(input, answer, authority, additional, false, parseCache);
  if (full.length <= input.limit) return { bytes: full, dropped: 'none', truncated: false };
  if (additional.length > 0) {
    const bare = encodeOnce(input, answer, authority, [], false, parseCache);
    if (bare.length <= input.limit) return { bytes: bare, dropped: 'additional', truncated: false };
  }
  const tc = input.setTruncateBit;
  // The longest prefix of the answer section that fits (lengths grow with the prefix).
  let lo = 0;
  let hi = answer.length - 1;
  let best: Uint8Array | undefined;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const bytes = encodeOnce(input, answer.slice(0, mid), authority, [], tc, parseCache);
    if (bytes.length <= input.limit) {
      best = bytes;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  // Even without answers the authority section did not fit: send the header and question alone.
  best ??= encodeOnce(input, [], [], [], tc, parseCache);
  return { bytes: best, dropped: 'records', truncated: tc };
}
