// Writes a DNS reply into one reusable buffer from names already in wire form (pure), with the name
// compression of the DNS library Mesos-DNS is built with (the same rules as message-writer.ts, which
// works on presentation text): every suffix of every name written is remembered, case-sensitively,
// when it starts below offset 16384; owners and SOA names point at the longest remembered suffix;
// SRV targets are written in full but their new suffixes are remembered too.
//
// The dictionary is a small open-addressing table of suffix hashes stamped per reply (one array,
// a slot's stamp, hash and offset side by side), so starting a reply costs nothing and a lookup
// compares the candidate with the bytes already written.
import { Buffer } from 'node:buffer';
import { FNV_OFFSET, FNV_PRIME } from '../records/packed-table.js';
import { writeU16 } from '../wire/bytes.js';
import { HEADER_SIZE, MAX_MESSAGE_SIZE } from '../wire/constants.js';

const MAX_POINTER_OFFSET = 0x4000;
/** The longest name in wire form. */
const MAX_NAME_OCTETS = 255;
const CLASS_IN = 1;
/** Room past the largest message for the one record written before the size check. */
const OUT_SIZE = MAX_MESSAGE_SIZE + 1024;
/** Starting dictionary size in slots; it doubles when a reply fills half of it (large TCP replies). */
const DICT_SLOTS = 1 << 8;
/** Int32s per dictionary slot: stamp, suffix hash, offset (one cache line holds several slots). */
const SLOT = 3;
/** Stamps live in Int32Arrays: start over well before they would wrap. */
const STAMP_LIMIT = 0x3fffffff;

export class ReplyWriter {
  /** The reply is bytes[0, pos). */
  readonly bytes = Buffer.allocUnsafe(OUT_SIZE);
  pos = 0;

  private readonly labelAt = new Int32Array(128);
  private readonly suffixHash = new Int32Array(128);
  private dict = new Int32Array(DICT_SLOTS * SLOT);
  private dictMask = DICT_SLOTS - 1;
  private dictGeneration = 0;
  private dictCount = 0;

  /** The question's suffixes are remembered on the first name that needs the dictionary. */
  private questionPending = false;

  /**
   * Starts a reply: copies the header's ID and the question src[12, questionEnd) as asked. Every
   * suffix of the question name is remembered (all are new) before the first name that looks any
   * up: an answer owned by the question's own spelling is just a pointer and needs none.
   */
  start(src: Uint8Array, questionEnd: number): void {
    if (++this.dictGeneration > STAMP_LIMIT) {
      this.dict.fill(0);
      this.dictGeneration = 1;
    }
    this.dictCount = 0;
    const out = this.bytes;
    out[0] = src[0] as number;
    out[1] = src[1] as number;
    for (let i = HEADER_SIZE; i < questionEnd; i++) out[i] = src[i] as number;
    this.questionPending = true;
    this.pos = questionEnd;
  }

  private rememberQuestion(): void {
    this.questionPending = false;
    const labels = this.suffixHashes(this.bytes, HEADER_SIZE);
    for (let i = 0; i < labels; i++) this.dictAdd(this.suffixHash[i] as number, this.labelAt[i] as number);
  }

  u16(v: number): void {
    writeU16(this.bytes, this.pos, v);
    this.pos += 2;
  }

  u32(v: number): void {
    const out = this.bytes;
    out[this.pos++] = (v >>> 24) & 0xff;
    out[this.pos++] = (v >>> 16) & 0xff;
    out[this.pos++] = (v >>> 8) & 0xff;
    out[this.pos++] = v & 0xff;
  }

  /** Labels of src[from…] into labelAt with their suffix hashes; the label count. */
  private suffixHashes(src: Uint8Array, from: number): number {
    let labels = 0;
    for (let s = from; src[s] !== 0; s += (src[s] as number) + 1) this.labelAt[labels++] = s;
    let h = FNV_OFFSET;
    for (let i = labels - 1; i >= 0; i--) {
      const at = this.labelAt[i] as number;
      const end = at + (src[at] as number);
      for (let k = at; k <= end; k++) h = Math.imul(h ^ (src[k] as number), FNV_PRIME);
      this.suffixHash[i] = h;
    }
    return labels;
  }

  /** Whether the name written at `at` (following pointers) equals the uncompressed name src[from…]. */
  private sameName(at: number, src: Uint8Array, from: number): boolean {
    const out = this.bytes;
    let o = at;
    let s = from;
    for (;;) {
      let b = out[o] as number;
      while ((b & 0xc0) === 0xc0) {
        o = ((b & 0x3f) << 8) | (out[o + 1] as number);
        b = out[o] as number;
      }
      if (b !== src[s]) return false;
      if (b === 0) return true;
      for (let i = 1; i <= b; i++) if (out[o + i] !== src[s + i]) return false;
      o += b + 1;
      s += b + 1;
    }
  }

  private dictFind(hash: number, src: Uint8Array, from: number): number {
    const dict = this.dict;
    const mask = this.dictMask;
    for (let slot = hash & mask; dict[slot * SLOT] === this.dictGeneration; slot = (slot + 1) & mask) {
      const at = slot * SLOT;
      if (dict[at + 1] === hash && this.sameName(dict[at + 2] as number, src, from)) return dict[at + 2] as number;
    }
    return -1;
  }

  private dictAdd(hash: number, offset: number): void {
    if (++this.dictCount * 2 > this.dictMask + 1) this.growDict();
    const dict = this.dict;
    const mask = this.dictMask;
    let slot = hash & mask;
    while (dict[slot * SLOT] === this.dictGeneration) slot = (slot + 1) & mask;
    dict[slot * SLOT] = this.dictGeneration;
    dict[slot * SLOT + 1] = hash;
    dict[slot * SLOT + 2] = offset;
  }

  /** Doubles the dictionary, keeping this reply's entries. */
  private growDict(): void {
    const old = this.dict;
    const generation = this.dictGeneration;
    const size = (this.dictMask + 1) * 2;
    this.dict = new Int32Array(size * SLOT);
    this.dictMask = size - 1;
    for (let at = 0; at < old.length; at += SLOT) {
      if (old[at] !== generation) continue;
      let slot = (old[at + 1] as number) & this.dictMask;
      while (this.dict[slot * SLOT] === generation) slot = (slot + 1) & this.dictMask;
      this.dict[slot * SLOT] = generation;
      this.dict[slot * SLOT + 1] = old[at + 1] as number;
      this.dict[slot * SLOT + 2] = old[at + 2] as number;
    }
  }

  private copyLabel(src: Uint8Array, at: number): void {
    const out = this.bytes;
    const end = at + (src[at] as number);
    for (let k = at; k <= end; k++) out[this.pos++] = src[k] as number;
  }

  /** A pointer to the question name: what compression makes of a name spelled exactly like it. */
  questionPointer(): void {
    this.bytes[this.pos++] = 0xc0;
    this.bytes[this.pos++] = HEADER_SIZE;
  }

  /** Writes the uncompressed wire name src[from…] as a pointer to its longest remembered suffix. */
  compressedName(src: Uint8Array, from: number): void {
    if (this.questionPending) this.rememberQuestion();
    const labels = this.suffixHashes(src, from);
    for (let i = 0; i < labels; i++) {
      const at = this.labelAt[i] as number;
      const hash = this.suffixHash[i] as number;
      const known = this.dictFind(hash, src, at);
      if (known >= 0) {
        this.u16(0xc000 | known);
        return;
      }
      if (this.pos < MAX_POINTER_OFFSET) this.dictAdd(hash, this.pos);
      this.copyLabel(src, at);
    }
    this.bytes[this.pos++] = 0;
  }

  /** Writes the wire name src[from…] in full, remembering the suffixes not remembered yet. */
  fullName(src: Uint8Array, from: number): void {
    if (this.questionPending) this.rememberQuestion();
    const labels = this.suffixHashes(src, from);
    // Every suffix of a remembered suffix was remembered with it as long as all of it lay below
    // 16384: while the reply is that short, the rest of the name needs no more look-ups.
    const shortReply = this.pos + MAX_NAME_OCTETS < MAX_POINTER_OFFSET;
    let i = 0;
    for (; i < labels; i++) {
      const at = this.labelAt[i] as number;
      const hash = this.suffixHash[i] as number;
      if (this.dictFind(hash, src, at) < 0) {
        if (this.pos < MAX_POINTER_OFFSET) this.dictAdd(hash, this.pos);
      } else if (shortReply) {
        break;
      }
      this.copyLabel(src, at);
    }
    for (; i < labels; i++) this.copyLabel(src, this.labelAt[i] as number);
    this.bytes[this.pos++] = 0;
  }

  /** Type, class IN, TTL and a placeholder RDLENGTH after an owner already written; where RDLENGTH is. */
  recordFields(type: number, ttl: number): number {
    this.u16(type);
    this.u16(CLASS_IN);
    this.u32(ttl);
    const at = this.pos;
    this.pos += 2;
    return at;
  }

  finishRecord(lengthAt: number): void {
    const rdlength = this.pos - lengthAt - 2;
    this.bytes[lengthAt] = rdlength >>> 8;
    this.bytes[lengthAt + 1] = rdlength & 0xff;
  }
}
