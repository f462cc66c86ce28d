// The direct answer path (pure): answers an in-domain query straight from the table's answer blocks
// (records/answer-blocks.ts: each name's records already in wire form), with no cache, no strings
// and no objects per query. It reads the header and question in place, hashes the name as the
// table's text while checking it, probes the block index, shuffles record indexes, and writes the
// reply into one reusable buffer. The caller copies the reply out (docs/architecture.md).
//
// It produces exactly the reply the general path (resolve.ts + encode-reply.ts) produces for the
// same query and the same random numbers: the same records, the same shuffle, the same name
// compression (every suffix remembered case-sensitively below offset 16384, owners and SOA names
// compressed, SRV targets written in full) and so the same truncation points. Queries it does not
// cover it declines, and the general path answers them: anything not a plain QUERY with one
// question and at most a version-0 OPT, names outside the domain, the apex, names needing escapes
// or holding `.*`, and names whose block the reload worker marked DECLINE (records it could not
// write exactly as the general path does, and every name with a CNAME). Reverse-zone names are
// outside the domain, so they always take the general path.
import { Buffer } from 'node:buffer';
import type { DnsSettings } from './settings.js';
import type { Transport } from '../forward/types.js';
import { BlockFlag, PLAIN_OCTET, SRV_RECORD_OCTETS, srvTargetLength, srvTargetRef } from '../records/answer-blocks.js';
import { FNV_OFFSET, FNV_PRIME, finishHash } from '../records/packed-table.js';
import { readU16 } from '../wire/bytes.js';
import type { TableSnapshot } from '../records/store.js';
import type { AncestorSet, AnswerIndex, PackedTableData } from '../records/table.js';
import { QUERY_LIMITS } from './constants.js';
import { HEADER_SIZE, OUR_UDP_PAYLOAD_SIZE, QType, Rcode } from '../wire/constants.js';
import { clampTtl } from './message-writer.js';
import type { MesosOutcome, ResolveConfig } from './resolve.js';
import { ReplyWriter } from './reply-writer.js';
import { replySizeLimit } from './size-limit.js';

export type AnswerConfig = ResolveConfig & Pick<DnsSettings, 'recurseOn' | 'setTruncateBit' | 'maxUdpReplyBytes'>;

/** What the last successful answerDirect wrote; reused from call to call. */
export interface DirectReply {
  /** The reply is bytes[0, length); valid until the next call with the same state. */
  readonly bytes: Buffer;
  length: number;
  qtype: number;
  rcode: number;
  outcome: MesosOutcome;
}

const DOT = 0x2e;
const STAR = 0x2a;
const MAX_NAME_OCTETS = 255;
const MAX_LABEL = 63;
const OPT_LENGTH = 11;
const TARGET_SLOTS = 1 << 6;
/** Stamps live in Int32Arrays: start over well before they would wrap. */
const STAMP_LIMIT = 0x3fffffff;

/**
 * A question octet ASCII-lower-cased when it stands for itself in presentation form (PLAIN_OCTET),
 * else 0. A name made of such octets has one spelling, so its wire form and its stored text are the
 * same bytes with dots for length octets.
 */
const LOWER_PLAIN = new Uint8Array(256);
for (let c = 0; c < 256; c++) if (PLAIN_OCTET[c] === 1) LOWER_PLAIN[c] = c >= 0x41 && c <= 0x5a ? c | 0x20 : c;

/** Per-config facts in wire form, computed once per config object. */
interface ZoneWire {
  /** `domain.` in wire form, lower case. */
  readonly apex: Uint8Array;
  /** Wire forms of the SOA names, or undefined when the general path must write them. */
  readonly mname: Uint8Array | undefined;
  readonly rname: Uint8Array | undefined;
  readonly ttl: number;
  readonly weight: number;
}

/** A canonical presentation name (plain octets, trailing dot) in wire form, or undefined. */
function canonicalWire(name: string): Uint8Array | undefined {
  if (!name.endsWith('.') || name.length < 2) return undefined;
  const text = Buffer.from(name, 'latin1');
  if (text.length !== name.length) return undefined;
  const out = new Uint8Array(name.length + 1);
  let labelAt = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as number;
    if (c !== DOT && (name.charCodeAt(i) >= 0x80 || PLAIN_OCTET[c] !== 1)) return undefined;
    if (c === DOT) {
      const length = i - labelAt;
      if (length === 0 || length > MAX_LABEL) return undefined;
      out[labelAt] = length;
      labelAt = i + 1;
    } else {
      out[i + 1] = c;
    }
  }
  out[text.length] = 0;
  return out.length <= MAX_NAME_OCTETS ? out : undefined;
}

function zoneWire(config: AnswerConfig): ZoneWire | undefined {
  const apex = canonicalWire(`${config.domain}.`);
  if (!apex) return undefined;
  return {
    apex,
    mname: canonicalWire(config.soaMname),
    rname: canonicalWire(config.soaRname),
    ttl: clampTtl(config.ttl),
    weight: config.srvRecordDefaultWeight & 0xffff,
  };
}

function grow(a: Int32Array<ArrayBuffer>, need: number): Int32Array<ArrayBuffer> {
  if (need <= a.length) return a;
  const next = new Int32Array(Math.max(need, a.length * 2));
  next.set(a);
  return next;
}

/** The question as readQuestion found it; one per DirectState, overwritten by every query. */
class DirectQuestion {
  /** The name's FNV hash as the table's text, not yet finished (finishHash). */
  hash = 0;
  labels = 0;
  /** The name as asked is already lower case (A and AAAA owners may point at it). */
  lowerAsAsked = true;
  /** Octets of the name's text form: its wire form without the root octet. */
  textLength = 0;
  /** Offset just past the name's root octet. */
  nameEnd = 0;
  questionEnd = 0;
  qtype = 0;
  edns = false;
  udpSize = 0;
  dnssecOk = false;
}

/** Where the name's records of the asked types lie in its answer block; one per DirectState. */
class DirectRecords {
  block = -1;
  srvCount = 0;
  aCount = 0;
  aaaaCount = 0;
  srvAt = 0;
  aAt = 0;
  aaaaAt = 0;
  /** Some stored value of an asked type was left out (counted as failed, as Mesos-DNS does). */
  skipped = false;
}

/** The counts of the reply being written; one per DirectState. */
class DirectCounts {
  rcode: number = Rcode.NOERROR;
  truncated = false;
  answers = 0;
  authority = 0;
  additional = 0;
}

/** Scratch space for answerDirect: one per server (or test); never shared between threads. */
const NO_PART: PackedTableData = Object.freeze({
  domain: '',
  strings: new Uint8Array(0),
  entries: new Int32Array(0),
  values: new Int32Array(0),
  slots: new Int32Array(0),
  frameworks: new Int32Array(0),
  tasks: new Int32Array(0),
  taskRecords: new Int32Array(0),
  ancestors: new Int32Array(0),
  ancestorSlots: new Int32Array(0),
  answers: new Uint8Array(0),
  answerSlots: new Int32Array(0),
  counts: { names: 0, a: 0, aaaa: 0, srv: 0, ptr: 0, cname: 0 },
});

export class DirectState implements DirectReply {
  readonly writer = new ReplyWriter();
  length = 0;
  qtype = 0;
  rcode = 0;
  outcome: MesosOutcome = 'success';
  /** The table part holding the block findBlock() found last. */
  part: PackedTableData = NO_PART;

  get bytes(): Buffer {
    return this.writer.bytes;
  }

  /** The last reply, copied into a buffer of its own (the scratch is reused by the next query). */
  copyReply(): Buffer {
    const reply = Buffer.allocUnsafe(this.length);
    this.writer.bytes.copy(reply, 0, 0, this.length);
    return reply;
  }

  /** The question name lower-cased in wire form, when its spelling is not (A and AAAA owners). */
  readonly lowerWire = new Uint8Array(MAX_NAME_OCTETS + 1);
  /** A stored name's text in wire form (SRV targets). */
  readonly nameWire = new Uint8Array(MAX_NAME_OCTETS + 1);
  /** Where each label of the question name starts in the message. */
  readonly labelAt = new Int32Array(128);
  order: Int32Array<ArrayBuffer> = new Int32Array(64);
  readonly question = new DirectQuestion();
  readonly records = new DirectRecords();
  readonly counts = new DirectCounts();

  // Distinct SRV targets (their block offsets), found with a small stamped hash set.
  targetSlots = new Int32Array(TARGET_SLOTS);
  targetStamp = new Int32Array(TARGET_SLOTS);
  targetGeneration = 0;

  zone: ZoneWire | undefined;
  zoneFor: AnswerConfig | undefined;

  zoneOf(config: AnswerConfig): ZoneWire | undefined {
    if (this.zoneFor !== config) {
      this.zoneFor = config;
      this.zone = zoneWire(config);
    }
    return this.zone;
  }

  startTargets(expected: number): void {
    if (expected * 2 > this.targetSlots.length) {
      let size = this.targetSlots.length;
      while (expected * 2 > size) size *= 2;
      this.targetSlots = new Int32Array(size);
      this.targetStamp = new Int32Array(size);
      this.targetGeneration = 0;
    }
    if (++this.targetGeneration > STAMP_LIMIT) {
      this.targetStamp.fill(0);
      this.targetGeneration = 1;
    }
  }

  /** Adds a target block offset to the set; false when it was there already. */
  addTarget(block: number): boolean {
    const mask = this.targetSlots.length - 1;
    let slot = (Math.imul(block, 0x9e3779b1) >>> 16) & mask;
    for (; this.targetStamp[slot] === this.targetGeneration; slot = (slot + 1) & mask) {
      if (this.targetSlots[slot] === block) return false;
    }
    this.targetStamp[slot] = this.targetGeneration;
    this.targetSlots[slot] = block;
    return true;
  }
}

/** Writes the text of a stored name (checked in the worker: plain, trailing dot) as wire form into out. */
function textToWire(text: Uint8Array, off: number, len: number, out: Uint8Array): Uint8Array {
  let labelAt = 0;
  for (let i = 0; i < len; i++) {
    const c = text[off + i] as number;
    if (c === DOT) {
      out[labelAt] = i - labelAt;
      labelAt = i + 1;
    } else {
      out[i + 1] = c;
    }
  }
  out[len] = 0;
  return out;
}

/** Whether stored text text[off, off+length) spells the question name message[12…], lower-cased. */
function spellsQuestion(text: Uint8Array, off: number, message: Uint8Array): boolean {
  let t = off;
  for (let m = HEADER_SIZE; message[m] !== 0; ) {
    const n = message[m] as number;
    for (let k = 1; k <= n; k++) if (text[t++] !== LOWER_PLAIN[message[m + k] as number]) return false;
    if (text[t++] !== DOT) return false;
    m += n + 1;
  }
  return true;
}

/**
 * The offset of the answer block of the name the question spells (text `length` octets), or -1;
 * state.part is then the table part holding it.
 */
function findBlock(state: DirectState, index: AnswerIndex, message: Uint8Array, length: number, hash: number): number {
  const { slots, slotPart, parts } = index;
  const mask = slots.length - 1;
  for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
    const value = slots[slot] as number;
    if (value === 0) return -1;
    const at = value - 1; // -1 - 1 for a stored name without a block: never spelled by a question
    if (at < 0) continue;
    const part = (slotPart === undefined ? parts[0] : parts[slotPart[slot] as number]) as PackedTableData;
    const answers = part.answers;
    if (answers[at] === length && spellsQuestion(answers, at + 1, message)) {
      state.part = part;
      return at;
    }
  }
}

/** Whether the question names a proper ancestor of a stored name (an empty non-terminal). */
function questionIsAncestor(set: AncestorSet, message: Uint8Array, length: number, hash: number): boolean {
  const { refs: ancestors, slots, strings } = set;
  if (ancestors.length === 0) return false;
  const mask = slots.length - 1;
  for (let slot = hash & mask; slots[slot] !== 0; slot = (slot + 1) & mask) {
    const index = (slots[slot] as number) - 1;
    if (ancestors[index * 2 + 1] === length && spellsQuestion(strings, ancestors[index * 2] as number, message)) return true;
  }
  return false;
}

/** The question name lower-cased, in wire form (state.lowerWire). */
function lowerQuestion(state: DirectState, message: Uint8Array): Uint8Array {
  const out = state.lowerWire;
  for (let m = HEADER_SIZE, i = 0; ; m += (out[i] as number) + 1, i = m - HEADER_SIZE) {
    const n = message[m] as number;
    out[i] = n;
    if (n === 0) return out;
    for (let k = 1; k <= n; k++) out[i + k] = LOWER_PLAIN[message[m + k] as number] as number;
  }
}

/** An SRV record's target as a wire name in state.nameWire (record at `rec` in `blocks`). */
function srvTarget(state: DirectState, data: PackedTableData, rec: number): Uint8Array {
  const blocks = data.answers;
  const ref = srvTargetRef(blocks, rec);
  const len = srvTargetLength(blocks, rec);
  return ref >= 0 ? textToWire(blocks, ref + 1, len, state.nameWire) : textToWire(data.strings, -1 - ref, len, state.nameWire);
}

/** QR clear, opcode QUERY; exactly one question, no answer or authority records, at most one more. */
function isPlainQueryHeader(message: Uint8Array): boolean {
  const length = message.length;
  if (length < HEADER_SIZE + 5 || length > QUERY_LIMITS.maxBytes) return false;
  if (((message[2] as number) & 0xf8) !== 0) return false;
  if (message[4] !== 0 || message[5] !== 1 || message[6] !== 0 || message[7] !== 0 || message[8] !== 0 || message[9] !== 0) return false;
  return message[10] === 0 && (message[11] as number) <= 1;
}

/** The question name, checked and hashed as the table's text form (lower case, dots), in one pass. */
function scanName(message: Uint8Array, state: DirectState, q: DirectQuestion): boolean {
  const length = message.length;
  let pos = HEADER_SIZE;
  let h = FNV_OFFSET;
  let labels = 0;
  let lowerAsAsked = true;
  for (;;) {
    if (pos >= length) return false;
    const b = message[pos] as number;
    if (b === 0) break;
    if (b > MAX_LABEL || pos + 1 + b >= length || pos - HEADER_SIZE + 1 + b >= MAX_NAME_OCTETS) return false;
    if (labels > 0 && message[pos + 1] === STAR) return false; // `.*` is stripped: general path
    state.labelAt[labels++] = pos;
    for (let i = pos + 1; i <= pos + b; i++) {
      const raw = message[i] as number;
      const c = LOWER_PLAIN[raw] as number;
      if (c === 0) return false;
      if (c !== raw) lowerAsAsked = false;
      h = Math.imul(h ^ c, FNV_PRIME);
    }
    h = Math.imul(h ^ DOT, FNV_PRIME);
    pos += b + 1;
  }
  q.hash = h; // finishHash runs once the question is accepted
  q.labels = labels;
  q.lowerAsAsked = lowerAsAsked;
  q.textLength = pos - HEADER_SIZE; // the text form is as long as the wire form without its root octet
  q.nameEnd = pos + 1;
  return true;
}

/** At most a version-0 OPT record owned by the root, with well-formed options, and nothing after. */
function readOpt(message: Uint8Array, q: DirectQuestion): boolean {
  const length = message.length;
  q.edns = false;
  q.udpSize = 0;
  q.dnssecOk = false;
  if (message[11] !== 1) return q.questionEnd === length;
  const at = q.questionEnd;
  if (at + OPT_LENGTH > length || message[at] !== 0 || message[at + 1] !== 0 || message[at + 2] !== QType.OPT) return false;
  if (message[at + 6] !== 0) return false; // EDNS version: BADVERS comes from the general path
  const rdlength = ((message[at + 9] as number) << 8) | (message[at + 10] as number);
  const end = at + OPT_LENGTH + rdlength;
  if (end !== length) return false;
  for (let o = at + OPT_LENGTH; o < end; ) {
    if (o + 4 > end) return false;
    o += 4 + (((message[o + 2] as number) << 8) | (message[o + 3] as number));
    if (o > end) return false;
  }
  q.edns = true;
  q.udpSize = ((message[at + 3] as number) << 8) | (message[at + 4] as number);
  q.dnssecOk = ((message[at + 7] as number) & 0x80) !== 0;
  return true;
}

/** Strictly below the apex, on a label boundary. */
function isBelowApex(message: Uint8Array, apex: Uint8Array, state: DirectState, q: DirectQuestion): boolean {
  const tail = q.nameEnd - apex.length;
  if (tail <= HEADER_SIZE) return false;
  let boundary = false;
  for (let i = 1; i < q.labels && !boundary; i++) boundary = state.labelAt[i] === tail;
  if (!boundary) return false;
  for (let i = 0; apex[i] !== 0; ) {
    const n = apex[i] as number;
    if (message[tail + i] !== n) return false;
    for (let k = 1; k <= n; k++) if (LOWER_PLAIN[message[tail + i + k] as number] !== apex[i + k]) return false;
    i += n + 1;
  }
  return true;
}

/** The question (name, type, class), the OPT record and the apex, as the direct path needs them. */
function readQuestion(message: Uint8Array, apex: Uint8Array, state: DirectState, q: DirectQuestion): boolean {
  if (!scanName(message, state, q)) return false;
  const nameEnd = q.nameEnd;
  if (nameEnd + 4 > message.length) return false;
  const qtype = ((message[nameEnd] as number) << 8) | (message[nameEnd + 1] as number);
  const qclass = ((message[nameEnd + 2] as number) << 8) | (message[nameEnd + 3] as number);
  if (qclass !== 1 && qclass !== 255) return false;
  q.questionEnd = nameEnd + 4;
  if (qtype === QType.AXFR || qtype === QType.IXFR) return false;
  q.qtype = qtype;
  return readOpt(message, q) && isBelowApex(message, apex, state, q);
}

/**
 * The name's records, in the general path's order: SRV, then A, then AAAA (in the part state.part).
 * False when its block says DECLINE, or when an SRV target given as text may be stored in another part.
 */
function findRecords(state: DirectState, index: AnswerIndex, message: Uint8Array, q: DirectQuestion, hash: number, found: DirectRecords): boolean {
  const block = findBlock(state, index, message, q.textLength, hash);
  const blocks = state.part.answers;
  found.block = block;
  found.srvCount = 0;
  found.aCount = 0;
  found.aaaaCount = 0;
  found.srvAt = 0;
  found.aAt = 0;
  found.aaaaAt = 0;
  found.skipped = false;
  if (block < 0) return true;
  const qtype = q.qtype;
  let p = block + 1 + (blocks[block] as number);
  const flags = blocks[p++] as number;
  if ((flags & BlockFlag.DECLINE) !== 0) return false;
  const any = qtype === QType.ANY;
  if (qtype === QType.A || any) {
    found.aCount = readU16(blocks, p);
    found.skipped ||= (flags & BlockFlag.A_SKIPPED) !== 0;
  }
  found.aAt = p + 2;
  p = found.aAt + 4 * readU16(blocks, p);
  if (qtype === QType.AAAA || any) {
    found.aaaaCount = readU16(blocks, p);
    found.skipped ||= (flags & BlockFlag.AAAA_SKIPPED) !== 0;
  }
  found.aaaaAt = p + 2;
  p = found.aaaaAt + 16 * readU16(blocks, p);
  if (qtype === QType.SRV || any) {
    found.srvCount = readU16(blocks, p);
    found.skipped ||= (flags & BlockFlag.SRV_SKIPPED) !== 0;
  }
  found.srvAt = p + 2;
  return !(index.partial && found.srvCount > 0 && hasTextTarget(blocks, found.srvAt, found.srvCount));
}

/** Whether an SRV record of the list names its target as text (not stored in the block's own part). */
function hasTextTarget(blocks: Uint8Array, srvAt: number, srvCount: number): boolean {
  for (let r = 0; r < srvCount; r++) if (srvTargetRef(blocks, srvAt + r * SRV_RECORD_OCTETS) < 0) return true;
  return false;
}

/** The shuffle: the general path's Fisher–Yates over the same indexes, with the same numbers (into state.order). */
function shuffle(state: DirectState, count: number, random: () => number): void {
  if (count > state.order.length) state.order = grow(state.order, count);
  const order = state.order;
  for (let i = 0; i < count; i++) order[i] = i;
  for (let i = count - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = order[i] as number;
    order[i] = order[j] as number;
    order[j] = t;
  }
}

/**
 * The answer section in shuffled order, cut at the longest prefix that fits `limit` (with room for
 * the OPT record), then the SRV targets' addresses when every answer fitted and they do too.
 */
function writeAnswers(
  state: DirectState,
  data: PackedTableData,
  message: Uint8Array,
  zone: ZoneWire,
  limit: number,
  optLength: number,
  setTruncateBit: boolean,
): void {
  const { writer, records: found, counts, question: q } = state;
  const out = writer.bytes;
  const blocks = data.answers;
  const { srvCount, aCount, srvAt, aAt, aaaaAt } = found;
  const count = srvCount + aCount + found.aaaaCount;
  const order = state.order;
  const ttl = zone.ttl;
  let answers = 0;
  for (; answers < count; answers++) {
    const before = writer.pos;
    const r = order[answers] as number;
    if (r < srvCount) {
      // The SRV owner is the question as asked, whatever its case.
      const rec = srvAt + r * SRV_RECORD_OCTETS;
      writer.questionPointer();
      const lengthAt = writer.recordFields(QType.SRV, ttl);
      writer.u16(0);
      writer.u16(zone.weight);
      out[writer.pos++] = blocks[rec] as number;
      out[writer.pos++] = blocks[rec + 1] as number;
      writer.fullName(srvTarget(state, data, rec), 0);
      writer.finishRecord(lengthAt);
    } else {
      // A and AAAA owners are the lower-cased name.
      if (q.lowerAsAsked) writer.questionPointer();
      else writer.compressedName(lowerQuestion(state, message), 0);
      const isA = r < srvCount + aCount;
      const lengthAt = writer.recordFields(isA ? QType.A : QType.AAAA, ttl);
      const from = isA ? aAt + 4 * (r - srvCount) : aaaaAt + 16 * (r - srvCount - aCount);
      const size = isA ? 4 : 16;
      for (let i = 0; i < size; i++) out[writer.pos++] = blocks[from + i] as number;
      writer.finishRecord(lengthAt);
    }
    if (writer.pos + optLength > limit) {
      // Keep the longest prefix of the shuffled answers that fits (no additional records then).
      writer.pos = before;
      counts.truncated = setTruncateBit;
      break;
    }
  }
  counts.answers = answers;
  if (answers === count && srvCount > 0) {
    const answersEnd = writer.pos;
    counts.additional = writeTargetAddresses(state, data, srvAt, srvCount, ttl, limit - optLength);
    if (counts.additional < 0) {
      writer.pos = answersEnd; // dropping additional records alone does not set TC
      counts.additional = 0;
    }
  }
  state.outcome = found.skipped ? 'failed' : 'success';
}

/** No records of the asked type: NOERROR (the name or a descendant exists) or NXDOMAIN, with the SOA. */
function writeNoRecords(
  state: DirectState,
  snapshot: TableSnapshot,
  message: Uint8Array,
  zone: ZoneWire,
  config: AnswerConfig,
  limit: number,
  optLength: number,
  hash: number,
): void {
  const { writer, records: found, counts, question: q } = state;
  const exists = found.block >= 0 || questionIsAncestor(snapshot.table.answers.ancestors, message, q.textLength, hash);
  counts.rcode = exists ? Rcode.NOERROR : Rcode.NXDOMAIN;
  writer.compressedName(zone.apex, 0);
  const lengthAt = writer.recordFields(QType.SOA, zone.ttl);
  writer.compressedName(zone.mname as Uint8Array, 0);
  writer.compressedName(zone.rname as Uint8Array, 0);
  writer.u32(snapshot.serial);
  writer.u32(config.soaRefresh);
  writer.u32(config.soaRetry);
  writer.u32(config.soaExpire);
  writer.u32(config.soaMinttl);
  writer.finishRecord(lengthAt);
  counts.authority = 1;
  if (writer.pos + optLength > limit) {
    writer.pos = q.questionEnd;
    counts.authority = 0;
    counts.truncated = config.setTruncateBit;
  }
  state.outcome = found.skipped ? 'failed' : 'nxdomain';
}

/** The OPT record (when the query had one) and the header's flags and counts. */
function finishReply(state: DirectState, message: Uint8Array, recurseOn: boolean): void {
  const { writer, counts, question: q } = state;
  const out = writer.bytes;
  if (q.edns) {
    out[writer.pos++] = 0;
    writer.u16(QType.OPT);
    writer.u16(OUR_UDP_PAYLOAD_SIZE);
    out[writer.pos++] = 0; // extended rcode: every rcode here fits the header
    out[writer.pos++] = 0; // version
    out[writer.pos++] = q.dnssecOk ? 0x80 : 0;
    out[writer.pos++] = 0;
    writer.u16(0);
  }
  const { answers, authority, additional } = counts;
  out[2] = 0x84 | (counts.truncated ? 0x02 : 0) | ((message[2] as number) & 0x01);
  out[3] = (recurseOn ? 0x80 : 0) | ((message[3] as number) & 0x10) | counts.rcode;
  out[4] = 0;
  out[5] = 1;
  out[6] = answers >>> 8;
  out[7] = answers & 0xff;
  out[8] = 0;
  out[9] = authority;
  out[10] = (additional + (q.edns ? 1 : 0)) >>> 8;
  out[11] = (additional + (q.edns ? 1 : 0)) & 0xff;
}

/**
 * Answers `message` into `state` when the direct path covers it; returns false (having written
 * nothing the caller may use) when the general path must answer. The steps keep their results in
 * `state` (question, records, counts), so a query allocates nothing.
 */
export function answerDirect(
  message: Uint8Array,
  transport: Transport,
  snapshot: TableSnapshot | undefined,
  config: AnswerConfig,
  random: () => number,
  state: DirectState,
): boolean {
  if (snapshot === undefined || !isPlainQueryHeader(message)) return false;
  const zone = state.zoneOf(config);
  if (!zone) return false;
  const q = state.question;
  if (!readQuestion(message, zone.apex, state, q)) return false;
  const hash = finishHash(q.hash);
  const found = state.records;
  if (!findRecords(state, snapshot.table.answers, message, q, hash, found)) return false;
  const data = state.part;
  const count = found.srvCount + found.aCount + found.aaaaCount;
  if (count === 0 && (!zone.mname || !zone.rname)) return false; // the SOA needs the general path

  shuffle(state, count, random);
  const writer = state.writer;
  writer.start(message, q.questionEnd);
  const limit = replySizeLimit(transport, q.edns, q.udpSize, q.qtype, config.maxUdpReplyBytes);
  const optLength = q.edns ? OPT_LENGTH : 0;
  const counts = state.counts;
  counts.rcode = Rcode.NOERROR;
  counts.truncated = false;
  counts.answers = 0;
  counts.authority = 0;
  counts.additional = 0;
  if (count > 0) writeAnswers(state, data, message, zone, limit, optLength, config.setTruncateBit);
  else writeNoRecords(state, snapshot, message, zone, config, limit, optLength, hash);
  finishReply(state, message, config.recurseOn);
  state.length = writer.pos;
  state.qtype = q.qtype;
  state.rcode = counts.rcode;
  return true;
}

/** One address record owned by the target of the SRV record at `rec`, its data at blocks[at…]. */
function writeTargetAddress(state: DirectState, data: PackedTableData, rec: number, type: number, at: number, size: number, ttl: number): void {
  const writer = state.writer;
  const out = writer.bytes;
  const blocks = data.answers;
  writer.compressedName(srvTarget(state, data, rec), 0);
  const lengthAt = writer.recordFields(type, ttl);
  for (let i = 0; i < size; i++) out[writer.pos++] = blocks[at + i] as number;
  writer.finishRecord(lengthAt);
}

/**
 * The additional section of an SRV answer: for each distinct stored target in table order (not the
 * shuffled order), its first A and first AAAA address. Returns how many were written, or -1 as soon
 * as they pass `room` octets.
 */
function writeTargetAddresses(state: DirectState, data: PackedTableData, srvAt: number, srvCount: number, ttl: number, room: number): number {
  const blocks = data.answers;
  const writer = state.writer;
  state.startTargets(srvCount);
  let written = 0;
  for (let r = 0; r < srvCount; r++) {
    const rec = srvAt + r * SRV_RECORD_OCTETS;
    const target = srvTargetRef(blocks, rec);
    if (target < 0 || !state.addTarget(target)) continue; // a target that is not stored has no addresses
    let p = target + 1 + (blocks[target] as number) + 1;
    const aCount = readU16(blocks, p);
    const aAt = p + 2;
    p = aAt + 4 * aCount;
    const aaaaCount = readU16(blocks, p);
    const aaaaAt = p + 2;
    if (aCount > 0) {
      writeTargetAddress(state, data, rec, QType.A, aAt, 4, ttl);
      written++;
      if (writer.pos > room) return -1;
    }
    if (aaaaCount > 0) {
      writeTargetAddress(state, data, rec, QType.AAAA, aaaaAt, 16, ttl);
      written++;
      if (writer.pos > room) return -1;
    }
  }
  return written;
}
