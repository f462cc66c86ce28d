// The direct answer path (pure): answers an in-domain query straight from the packed table's bytes,
// with no cache, no strings and no objects per query. It reads the header and question in place,
// lower-cases the name into a scratch buffer while hashing it, probes the table's hash index,
// parses the stored values in place, shuffles record indexes, and writes the reply into one
// reusable buffer. The caller copies the reply out (docs/architecture.md, "The answer path").
//
// It produces exactly the reply the general path (resolve.ts + encode-reply.ts) produces for the
// same query and the same random numbers: the same records, the same shuffle, the same name
// compression (every suffix remembered case-sensitively below offset 16384, owners and SOA names
// compressed, SRV targets written in full) and so the same truncation points. Queries it does not
// cover it declines, and the general path answers them: anything not a plain QUERY with one
// question and at most a version-0 OPT, names outside the domain, the apex, names needing escapes
// or holding `.*`, and stored values that cannot be written as they are (unencodable or escaped
// targets, out-of-range port text).
import { Buffer } from 'node:buffer';
import type { Config } from '../config/types.js';
import type { Transport } from '../forward/types.js';
import { ENTRY_FIELDS, FNV_OFFSET, FNV_PRIME, finishHash } from '../records/packed-table.js';
import type { TableSnapshot } from '../records/store.js';
import type { PackedTableData } from '../records/table.js';
import { HEADER_SIZE, OUR_UDP_PAYLOAD_SIZE, QType, Rcode } from './constants.js';
import { parseIPv4Into, parseIPv6Into } from './ip-bytes.js';
import { clampTtl } from './message-writer.js';
import type { MesosOutcome, ResolveConfig } from './resolve.js';
import { ReplyWriter } from './reply-writer.js';
import { replySizeLimit } from './size-limit.js';

export type AnswerConfig = ResolveConfig & Pick<Config, 'recurseOn' | 'setTruncateBit'>;

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
const COLON = 0x3a;
const STAR = 0x2a;
const MAX_NAME_OCTETS = 255;
const MAX_LABEL = 63;
const OPT_LENGTH = 11;
const TARGET_SLOTS = 1 << 6;
/** Stamps live in Int32Arrays: start over well before they would wrap. */
const STAMP_LIMIT = 0x3fffffff;

const KIND_A = 0;
const KIND_AAAA = 1;
const KIND_SRV = 2;

/**
 * Octets a name label holds as themselves in presentation form (the DNS library Mesos-DNS uses
 * escapes the rest), after ASCII lower-casing. A name made of these has one spelling, so its wire
 * form and its stored text are the same bytes with dots for length octets.
 */
const PLAIN = new Uint8Array(256);
for (let c = 0x21; c < 0x7f; c++) PLAIN[c] = 1;
for (const c of '.();@"\\') PLAIN[c.charCodeAt(0)] = 0;
/** A question octet ASCII-lower-cased when it is plain, else 0. */
const LOWER_PLAIN = new Uint8Array(256);
for (let c = 0; c < 256; c++) if (PLAIN[c] === 1) LOWER_PLAIN[c] = c >= 0x41 && c <= 0x5a ? c | 0x20 : c;

/** Per-config facts in wire form, computed once per config object. */
interface ZoneWire {
  readonly config: AnswerConfig;
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
    if (c !== DOT && (c >= 0x80 || PLAIN[c] !== 1 || name.charCodeAt(i) >= 0x80)) return undefined;
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
    config,
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

/** Scratch space for answerDirect: one per server (or test); never shared between threads. */
export class DirectState implements DirectReply {
  readonly writer = new ReplyWriter();
  length = 0;
  qtype = 0;
  rcode = 0;
  outcome: MesosOutcome = 'success';

  get bytes(): Buffer {
    return this.writer.bytes;
  }

  /** The question name lower-cased in wire form, when its spelling is not (A and AAAA owners). */
  readonly lowerWire = new Uint8Array(MAX_NAME_OCTETS + 1);
  /** Where each label of the question name starts in the message. */
  readonly labelAt = new Int32Array(128);

  // Answer records: kind, value index; for SRV the port, where the target's wire form is in the
  // arena, and the hash and length of the target's text (to find its addresses).
  kinds: Int32Array<ArrayBuffer> = new Int32Array(64);
  values: Int32Array<ArrayBuffer> = new Int32Array(64);
  ports: Int32Array<ArrayBuffer> = new Int32Array(64);
  wireAt: Int32Array<ArrayBuffer> = new Int32Array(64);
  textHash: Int32Array<ArrayBuffer> = new Int32Array(64);
  textLength: Int32Array<ArrayBuffer> = new Int32Array(64);
  order: Int32Array<ArrayBuffer> = new Int32Array(64);
  arena = new Uint8Array(4096);
  arenaLength = 0;

  // Distinct SRV targets (record indexes) in table order, found with a small stamped hash set.
  targets: Int32Array<ArrayBuffer> = new Int32Array(32);
  targetCount = 0;
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

  addRecord(count: number, kind: number, value: number): number {
    if (count >= this.kinds.length) {
      const size = count + 1;
      this.kinds = grow(this.kinds, size);
      this.values = grow(this.values, size);
      this.ports = grow(this.ports, size);
      this.wireAt = grow(this.wireAt, size);
      this.textHash = grow(this.textHash, size);
      this.textLength = grow(this.textLength, size);
    }
    this.kinds[count] = kind;
    this.values[count] = value;
    return count + 1;
  }

  /**
   * Appends the wire form of the stored name strings[off, off+len) (plain octets, trailing dot) to
   * the arena and notes it for record `r`; false when only the general path can write the name
   * (escapes or other octets, an empty or over-long label).
   */
  addTargetName(r: number, strings: Uint8Array, off: number, len: number): boolean {
    if (len < 2 || len >= MAX_NAME_OCTETS || strings[off + len - 1] !== DOT) return false;
    if (this.arenaLength + len + 1 > this.arena.length) {
      const next = new Uint8Array(Math.max(this.arena.length * 2, this.arenaLength + len + 1));
      next.set(this.arena.subarray(0, this.arenaLength));
      this.arena = next;
    }
    const out = this.arena;
    const base = this.arenaLength;
    let labelAt = 0;
    let h = FNV_OFFSET;
    for (let i = 0; i < len; i++) {
      const c = strings[off + i] as number;
      h = Math.imul(h ^ c, FNV_PRIME);
      if (c === DOT) {
        const length = i - labelAt;
        if (length === 0 || length > MAX_LABEL) return false;
        out[base + labelAt] = length;
        labelAt = i + 1;
      } else {
        if (PLAIN[c] !== 1) return false;
        out[base + i + 1] = c;
      }
    }
    out[base + len] = 0;
    this.arenaLength += len + 1;
    this.wireAt[r] = base;
    this.textHash[r] = finishHash(h);
    this.textLength[r] = len;
    return true;
  }

  /** Adds record r's target to the distinct targets unless an equal one is there already. */
  addTarget(r: number): void {
    if (this.targetCount * 2 >= this.targetSlots.length) this.growTargetSet();
    const hash = this.textHash[r] as number;
    const length = this.textLength[r] as number;
    const mask = this.targetSlots.length - 1;
    let slot = hash & mask;
    for (; this.targetStamp[slot] === this.targetGeneration; slot = (slot + 1) & mask) {
      const t = this.targetSlots[slot] as number;
      if (this.textHash[t] === hash && this.textLength[t] === length && bytesEqual(this.arena, this.wireAt[t] as number, this.arena, this.wireAt[r] as number, length)) return;
    }
    this.targetStamp[slot] = this.targetGeneration;
    this.targetSlots[slot] = r;
    this.targets = grow(this.targets, this.targetCount + 1);
    this.targets[this.targetCount++] = r;
  }

  startTargets(): void {
    this.targetCount = 0;
    if (++this.targetGeneration > STAMP_LIMIT) {
      this.targetStamp.fill(0);
      this.targetGeneration = 1;
    }
  }

  private growTargetSet(): void {
    const size = this.targetSlots.length * 2;
    this.targetSlots = new Int32Array(size);
    this.targetStamp = new Int32Array(size);
    this.targetGeneration = 1;
    const mask = size - 1;
    for (let t = 0; t < this.targetCount; t++) {
      const r = this.targets[t] as number;
      let slot = (this.textHash[r] as number) & mask;
      while (this.targetStamp[slot] === 1) slot = (slot + 1) & mask;
      this.targetStamp[slot] = 1;
      this.targetSlots[slot] = r;
    }
  }
}

function bytesEqual(a: Uint8Array, aFrom: number, b: Uint8Array, bFrom: number, length: number): boolean {
  for (let i = 0; i < length; i++) if (a[aFrom + i] !== b[bFrom + i]) return false;
  return true;
}

/** Whether stored text strings[off, off+length) spells the question name message[12…], lower-cased. */
function spellsQuestion(strings: Uint8Array, off: number, message: Uint8Array): boolean {
  let t = off;
  for (let m = HEADER_SIZE; message[m] !== 0; ) {
    const n = message[m] as number;
    for (let k = 1; k <= n; k++) if (strings[t++] !== LOWER_PLAIN[message[m + k] as number]) return false;
    if (strings[t++] !== DOT) return false;
    m += n + 1;
  }
  return true;
}

/** The entry index of the stored name the question spells (text `length` octets, `hash`), or -1. */
function findQuestion(data: PackedTableData, message: Uint8Array, length: number, hash: number): number {
  const { slots, entries, strings } = data;
  const mask = slots.length - 1;
  for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
    const value = slots[slot] as number;
    if (value === 0) return -1;
    const base = (value - 1) * ENTRY_FIELDS;
    if (entries[base + 1] === length && spellsQuestion(strings, entries[base] as number, message)) return value - 1;
  }
}

/** The entry index of the stored name text[from, from + length) with hash `hash`, or -1. */
function findEntry(data: PackedTableData, text: Uint8Array, from: number, length: number, hash: number): number {
  const { slots, entries, strings } = data;
  const mask = slots.length - 1;
  for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
    const value = slots[slot] as number;
    if (value === 0) return -1;
    const base = (value - 1) * ENTRY_FIELDS;
    if (entries[base + 1] === length && bytesEqual(strings, entries[base] as number, text, from, length)) return value - 1;
  }
}

/** Whether the question names a proper ancestor of a stored name (an empty non-terminal). */
function questionIsAncestor(data: PackedTableData, message: Uint8Array, length: number, hash: number): boolean {
  const { ancestors, ancestorSlots: slots, strings } = data;
  if (ancestors.length === 0) return false;
  const mask = slots.length - 1;
  for (let slot = hash & mask; slots[slot] !== 0; slot = (slot + 1) & mask) {
    const index = (slots[slot] as number) - 1;
    if (ancestors[index * 2 + 1] === length && spellsQuestion(strings, ancestors[index * 2] as number, message)) return true;
  }
  return false;
}

/**
 * The port of an SRV value "<target>:<port>" (split at the last colon) as the general path reads it
 * (an optional sign and 1–18 digits, modulo 2^16), -1 when it is not a port (the record is skipped),
 * or -2 when only the general path can read it exactly (more than 9 digits).
 */
function srvPort(strings: Uint8Array, colon: number, end: number): number {
  let i = colon + 1;
  let sign = 1;
  if (i < end && (strings[i] === 0x2b || strings[i] === 0x2d)) {
    if (strings[i] === 0x2d) sign = -1;
    i++;
  }
  const digits = end - i;
  if (digits < 1 || digits > 18) return -1;
  let value = 0;
  for (; i < end; i++) {
    const c = strings[i] as number;
    if (c < 0x30 || c > 0x39) return -1;
    value = value * 10 + (c - 0x30);
  }
  if (digits > 9) return -2;
  return (sign * value) & 0xffff;
}

const scratchAddress = new Uint8Array(16);

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

/**
 * Answers `message` into `state` when the direct path covers it; returns false (having written
 * nothing the caller may use) when the general path must answer.
 */
export function answerDirect(
  message: Uint8Array,
  transport: Transport,
  snapshot: TableSnapshot | undefined,
  config: AnswerConfig,
  random: () => number,
  state: DirectState,
): boolean {
  const length = message.length;
  if (length < HEADER_SIZE + 5 || snapshot === undefined) return false;
  // QR clear, opcode QUERY; exactly one question, no answer or authority records, at most one more.
  if (((message[2] as number) & 0xf8) !== 0) return false;
  if (message[4] !== 0 || message[5] !== 1 || message[6] !== 0 || message[7] !== 0 || message[8] !== 0 || message[9] !== 0) return false;
  if (message[10] !== 0 || (message[11] as number) > 1) return false;
  const zone = state.zoneOf(config);
  if (!zone) return false;

  // The question name, checked and hashed as the table's text form (lower case, dots), in one pass.
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
  const textLength = pos - HEADER_SIZE; // the text form is as long as the wire form without its root octet
  const nameEnd = pos + 1;
  if (nameEnd + 4 > length) return false;
  const qtype = ((message[nameEnd] as number) << 8) | (message[nameEnd + 1] as number);
  const qclass = ((message[nameEnd + 2] as number) << 8) | (message[nameEnd + 3] as number);
  if (qclass !== 1 && qclass !== 255) return false;
  const questionEnd = nameEnd + 4;
  if (qtype === QType.AXFR || qtype === QType.IXFR) return false;

  // At most a version-0 OPT record owned by the root, with well-formed options, and nothing after.
  let edns = false;
  let udpSize = 0;
  let dnssecOk = false;
  if (message[11] === 1) {
    const at = questionEnd;
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
    edns = true;
    udpSize = ((message[at + 3] as number) << 8) | (message[at + 4] as number);
    dnssecOk = ((message[at + 7] as number) & 0x80) !== 0;
  } else if (questionEnd !== length) {
    return false;
  }

  // Strictly below the apex, on a label boundary.
  const apex = zone.apex;
  const tail = nameEnd - apex.length;
  if (tail <= HEADER_SIZE) return false;
  let boundary = false;
  for (let i = 1; i < labels && !boundary; i++) boundary = state.labelAt[i] === tail;
  if (!boundary) return false;
  for (let i = 0; apex[i] !== 0; ) {
    const n = apex[i] as number;
    if (message[tail + i] !== n) return false;
    for (let k = 1; k <= n; k++) if (LOWER_PLAIN[message[tail + i + k] as number] !== apex[i + k]) return false;
    i += n + 1;
  }

  const data = snapshot.table.data;
  const { entries, values, strings } = data;
  const hash = finishHash(h);
  const entry = findQuestion(data, message, textLength, hash);

  // Collect the answer in the general path's order: SRV, then A, then AAAA.
  let count = 0;
  let skipped = 0;
  let srvCount = 0;
  state.arenaLength = 0;
  if (entry >= 0) {
    const base = entry * ENTRY_FIELDS;
    if (qtype === QType.SRV || qtype === QType.ANY) {
      const first = entries[base + 6] as number;
      const n = entries[base + 7] as number;
      for (let v = first; v < first + n; v++) {
        const off = values[v * 2] as number;
        const end = off + (values[v * 2 + 1] as number);
        let colon = end - 1;
        while (colon >= off && strings[colon] !== COLON) colon--;
        const port = colon < off ? -1 : srvPort(strings, colon, end);
        if (port === -2) return false;
        if (port < 0) {
          skipped++;
          continue;
        }
        count = state.addRecord(count, KIND_SRV, v);
        if (!state.addTargetName(count - 1, strings, off, colon - off)) return false;
        state.ports[count - 1] = port;
        srvCount++;
      }
    }
    if (qtype === QType.A || qtype === QType.ANY) {
      const first = entries[base + 2] as number;
      const n = entries[base + 3] as number;
      for (let v = first; v < first + n; v++) {
        const off = values[v * 2] as number;
        if (parseIPv4Into(strings, off, off + (values[v * 2 + 1] as number), scratchAddress, 0)) count = state.addRecord(count, KIND_A, v);
        else skipped++;
      }
    }
    if (qtype === QType.AAAA || qtype === QType.ANY) {
      const first = entries[base + 4] as number;
      const n = entries[base + 5] as number;
      for (let v = first; v < first + n; v++) {
        const off = values[v * 2] as number;
        if (parseIPv6Into(strings, off, off + (values[v * 2 + 1] as number), scratchAddress, 0)) count = state.addRecord(count, KIND_AAAA, v);
        else skipped++;
      }
    }
  }
  if (count === 0 && (!zone.mname || !zone.rname)) return false; // the SOA needs the general path

  // The shuffle: the general path's Fisher–Yates over the same indexes, with the same numbers.
  if (count > state.order.length) state.order = grow(state.order, count);
  const order = state.order;
  for (let i = 0; i < count; i++) order[i] = i;
  for (let i = count - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = order[i] as number;
    order[i] = order[j] as number;
    order[j] = t;
  }

  const writer = state.writer;
  const out = writer.bytes;
  writer.start(message, questionEnd);
  const limit = replySizeLimit(transport, edns, udpSize, qtype);
  const optLength = edns ? OPT_LENGTH : 0;
  const ttl = zone.ttl;
  let rcode: number = Rcode.NOERROR;
  let truncated = false;
  let answers = 0;
  let authority = 0;
  let additional = 0;
  if (count > 0) {
    for (; answers < count; answers++) {
      const before = writer.pos;
      const r = order[answers] as number;
      const kind = state.kinds[r] as number;
      if (kind === KIND_SRV) {
        // The SRV owner is the question as asked, whatever its case.
        writer.questionPointer();
        const lengthAt = writer.recordFields(QType.SRV, ttl);
        writer.u16(0);
        writer.u16(zone.weight);
        writer.u16(state.ports[r] as number);
        writer.fullName(state.arena, state.wireAt[r] as number);
        writer.finishRecord(lengthAt);
      } else {
        // A and AAAA owners are the lower-cased name.
        if (lowerAsAsked) writer.questionPointer();
        else writer.compressedName(lowerQuestion(state, message), 0);
        const lengthAt = writer.recordFields(kind === KIND_A ? QType.A : QType.AAAA, ttl);
        const v = state.values[r] as number;
        const off = values[v * 2] as number;
        const end = off + (values[v * 2 + 1] as number);
        if (kind === KIND_A) parseIPv4Into(strings, off, end, out, writer.pos);
        else parseIPv6Into(strings, off, end, out, writer.pos);
        writer.pos += kind === KIND_A ? 4 : 16;
        writer.finishRecord(lengthAt);
      }
      if (writer.pos + optLength > limit) {
        // Keep the longest prefix of the shuffled answers that fits (no additional records then).
        writer.pos = before;
        truncated = config.setTruncateBit;
        break;
      }
    }
    if (answers === count && srvCount > 0) {
      const answersEnd = writer.pos;
      additional = writeTargetAddresses(state, data, count, ttl, limit - optLength);
      if (additional < 0) {
        writer.pos = answersEnd; // dropping additional records alone does not set TC
        additional = 0;
      }
    }
    state.outcome = skipped > 0 ? 'failed' : 'success';
  } else {
    const exists = entry >= 0 || questionIsAncestor(data, message, textLength, hash);
    rcode = exists ? Rcode.NOERROR : Rcode.NXDOMAIN;
    writer.compressedName(apex, 0);
    const lengthAt = writer.recordFields(QType.SOA, ttl);
    writer.compressedName(zone.mname as Uint8Array, 0);
    writer.compressedName(zone.rname as Uint8Array, 0);
    writer.u32(snapshot.serial);
    writer.u32(config.soaRefresh);
    writer.u32(config.soaRetry);
    writer.u32(config.soaExpire);
    writer.u32(config.soaMinttl);
    writer.finishRecord(lengthAt);
    authority = 1;
    if (writer.pos + optLength > limit) {
      writer.pos = questionEnd;
      authority = 0;
      truncated = config.setTruncateBit;
    }
    state.outcome = skipped > 0 ? 'failed' : 'nxdomain';
  }

  if (edns) {
    out[writer.pos++] = 0;
    writer.u16(QType.OPT);
    writer.u16(OUR_UDP_PAYLOAD_SIZE);
    out[writer.pos++] = 0; // extended rcode: every rcode here fits the header
    out[writer.pos++] = 0; // version
    out[writer.pos++] = dnssecOk ? 0x80 : 0;
    out[writer.pos++] = 0;
    writer.u16(0);
  }
  out[2] = 0x84 | (truncated ? 0x02 : 0) | ((message[2] as number) & 0x01);
  out[3] = (config.recurseOn ? 0x80 : 0) | ((message[3] as number) & 0x10) | rcode;
  out[4] = 0;
  out[5] = 1;
  out[6] = answers >>> 8;
  out[7] = answers & 0xff;
  out[8] = 0;
  out[9] = authority;
  out[10] = (additional + (edns ? 1 : 0)) >>> 8;
  out[11] = (additional + (edns ? 1 : 0)) & 0xff;
  state.length = writer.pos;
  state.qtype = qtype;
  state.rcode = rcode;
  return true;
}

/**
 * The additional section of an SRV answer: for each distinct target in table order (the order the
 * records were collected in, not the shuffled one), its first A and first AAAA address. Returns how
 * many were written, or -1 as soon as they pass `room` octets.
 */
function writeTargetAddresses(state: DirectState, data: PackedTableData, count: number, ttl: number, room: number): number {
  const { entries, values, strings } = data;
  const writer = state.writer;
  state.startTargets();
  for (let r = 0; r < count; r++) if (state.kinds[r] === KIND_SRV) state.addTarget(r);
  let written = 0;
  for (let t = 0; t < state.targetCount; t++) {
    const r = state.targets[t] as number;
    const v = state.values[r] as number;
    const target = findEntry(data, strings, values[v * 2] as number, state.textLength[r] as number, state.textHash[r] as number);
    if (target < 0) continue;
    const base = target * ENTRY_FIELDS;
    for (let kind = KIND_A; kind <= KIND_AAAA; kind++) {
      const first = entries[base + 2 + kind * 2] as number;
      const n = entries[base + 3 + kind * 2] as number;
      for (let vi = first; vi < first + n; vi++) {
        const off = values[vi * 2] as number;
        const end = off + (values[vi * 2 + 1] as number);
        const ok = kind === KIND_A ? parseIPv4Into(strings, off, end, scratchAddress, 0) : parseIPv6Into(strings, off, end, scratchAddress, 0);
        if (!ok) continue;
        writer.compressedName(state.arena, state.wireAt[r] as number);
        const lengthAt = writer.recordFields(kind === KIND_A ? QType.A : QType.AAAA, ttl);
        const size = kind === KIND_A ? 4 : 16;
        for (let i = 0; i < size; i++) writer.bytes[writer.pos + i] = scratchAddress[i] as number;
        writer.pos += size;
        writer.finishRecord(lengthAt);
        written++;
        if (writer.pos > room) return -1;
        break;
      }
    }
  }
  return written;
}
