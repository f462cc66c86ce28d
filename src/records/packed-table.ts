// The record table's storage: every string in one UTF-8 buffer, records and enumeration as Int32
// arrays, and an open-addressing hash index over the names. A table built in a worker thread is
// handed over by transferring these buffers, and opening it costs O(1) on the serving thread.
import { Buffer } from 'node:buffer';
import { isAncestor } from './ancestors.js';
import type {
  AnswerIndex,
  AncestorSet,
  EnumeratedFramework,
  EnumeratedRecord,
  EnumeratedTask,
  NameRecords,
  PackedTable,
  PackedTableData,
} from './table.js';

/** A whole table's ancestors (their text in the table's strings). */
export function ancestorSetOf(data: PackedTableData): AncestorSet {
  return { strings: data.strings, refs: data.ancestors, slots: data.ancestorSlots };
}

/** [nameOff, nameLen], then [start, count] per record type in TYPE_INDEX order (builder.ts). */
export const ENTRY_FIELDS = 12;
export const FRAMEWORK_FIELDS = 4;
export const TASK_FIELDS = 6;
/** A task's record in the enumeration: [entry, position in the entry's list << TYPE_BITS | type]. */
export const RECORD_FIELDS = 2;
const TYPE_BITS = 3;

/** The second word of a task's record (see RECORD_FIELDS). */
export function taskRecordWord(type: number, position: number): number {
  return (position << TYPE_BITS) | type;
}

export function taskRecordType(word: number): number {
  return word & ((1 << TYPE_BITS) - 1);
}

export function taskRecordPosition(word: number): number {
  return word >>> TYPE_BITS;
}

const TYPE_NAMES: readonly EnumeratedRecord['rtype'][] = ['A', 'AAAA', 'SRV'];

/** The slot count for a table of `names` names: a power of two, at least twice the names. */
export function slotCountFor(names: number): number {
  return 1 << Math.max(4, Math.ceil(Math.log2(names * 2 + 1)));
}

export const FNV_OFFSET = 0x811c9dc5;
export const FNV_PRIME = 0x01000193;

/** murmur3's finaliser: FNV leaves the low bits (the slot index) poorly mixed for similar names. */
export function finishHash(fnv: number): number {
  let h = fnv;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A name's hash: FNV-1a over its UTF-8 bytes, then mixed. */
export function hashBytes(bytes: Uint8Array, start: number, end: number): number {
  let h = FNV_OFFSET;
  for (let i = start; i < end; i++) h = Math.imul(h ^ (bytes[i] as number), FNV_PRIME);
  return finishHash(h);
}

/** hashBytes of a name's UTF-8 encoding, computed from the string without encoding it when it is ASCII. */
export function hashName(name: string): number {
  let h = FNV_OFFSET;
  for (let i = 0; i < name.length; i++) {
    const code = name.charCodeAt(i);
    if (code >= 0x80) {
      const bytes = Buffer.from(name, 'utf8');
      return hashBytes(bytes, 0, bytes.length);
    }
    h = Math.imul(h ^ code, FNV_PRIME);
  }
  return finishHash(h);
}

export class PackedRecordTable implements PackedTable {
  readonly domain: string;
  readonly counts: PackedTableData['counts'];
  readonly frameworkCount: number;
  private readonly buf: Buffer;
  private readonly entryCount: number;
  private readonly mask: number;

  /** Made once: the direct path reads it for every query. */
  readonly answers: AnswerIndex;

  constructor(readonly data: PackedTableData) {
    this.answers = { slots: data.answerSlots, slotPart: undefined, parts: [data], ancestors: ancestorSetOf(data), partial: false };
    this.domain = data.domain;
    this.counts = data.counts;
    this.frameworkCount = data.frameworks.length / FRAMEWORK_FIELDS;
    this.buf = Buffer.from(data.strings.buffer, data.strings.byteOffset, data.strings.byteLength);
    this.entryCount = data.entries.length / ENTRY_FIELDS;
    this.mask = data.slots.length - 1;
    Object.freeze(this.counts);
  }

  private text(offset: number, length: number): string {
    return this.buf.toString('utf8', offset, offset + length);
  }

  nameEquals(pos: number, name: string): boolean {
    const base = pos * ENTRY_FIELDS;
    const off = this.data.entries[base] as number;
    const len = this.data.entries[base + 1] as number;
    if (len === name.length) {
      let i = 0;
      let code = 0;
      while (i < len && (code = name.charCodeAt(i)) < 0x80 && this.buf[off + i] === code) i++;
      if (i === len) return true;
      if (code < 0x80 && (this.buf[off + i] as number) < 0x80) return false;
    } else if (len < name.length) {
      return false; // UTF-8 is never shorter than the UTF-16 length
    }
    return this.text(off, len) === name;
  }

  private find(name: string): number {
    // A part of a parted table has no slots of its own: the parted table's index finds its names.
    if (this.data.slots.length === 0) return -1;
    let slot = hashName(name) & this.mask;
    for (;;) {
      const value = this.data.slots[slot] as number;
      if (value === 0) return -1;
      if (this.nameEquals(value - 1, name)) return value - 1;
      slot = (slot + 1) & this.mask;
    }
  }

  private list(start: number, count: number): readonly string[] {
    const out = new Array<string>(count);
    for (let i = 0; i < count; i++) {
      out[i] = this.text(this.data.values[(start + i) * 2] as number, this.data.values[(start + i) * 2 + 1] as number);
    }
    return Object.freeze(out);
  }

  /**
   * Decoded on every look-up: a memo per name would keep every one-off name ever asked for, and a
   * full walk (axfr) must not pin every decoded entry in memory either.
   */
  recordsAt(pos: number): NameRecords {
    const e = this.data.entries;
    const base = pos * ENTRY_FIELDS;
    return Object.freeze({
      a: this.list(e[base + 2] as number, e[base + 3] as number),
      aaaa: this.list(e[base + 4] as number, e[base + 5] as number),
      srv: this.list(e[base + 6] as number, e[base + 7] as number),
      ptr: this.list(e[base + 8] as number, e[base + 9] as number),
      cname: this.list(e[base + 10] as number, e[base + 11] as number),
    });
  }

  nameAt(pos: number): string {
    return this.text(this.data.entries[pos * ENTRY_FIELDS] as number, this.data.entries[pos * ENTRY_FIELDS + 1] as number);
  }

  hasDescendants(name: string): boolean {
    return isAncestor(this.answers.ancestors, name);
  }

  lookup(name: string): NameRecords | undefined {
    const pos = this.find(name);
    return pos < 0 ? undefined : this.recordsAt(pos);
  }

  *entries(): Iterable<readonly [string, NameRecords]> {
    for (let pos = 0; pos < this.entryCount; pos++) yield [this.nameAt(pos), this.recordsAt(pos)];
  }

  *tasksOf(first: number, count: number): Iterable<EnumeratedTask> {
    const { tasks, taskRecords, entries, values } = this.data;
    for (let t = first; t < first + count; t++) {
      const base = t * TASK_FIELDS;
      const firstRecord = tasks[base + 4] as number;
      const recordCount = tasks[base + 5] as number;
      let records: EnumeratedRecord[] | null = null;
      if (recordCount > 0) {
        records = [];
        for (let r = firstRecord; r < firstRecord + recordCount; r++) {
          const pos = taskRecords[r * RECORD_FIELDS] as number;
          const word = taskRecords[r * RECORD_FIELDS + 1] as number;
          const type = taskRecordType(word) as 0 | 1 | 2;
          const valueIndex = (entries[pos * ENTRY_FIELDS + 2 + type * 2] as number) + taskRecordPosition(word);
          records.push({
            name: this.nameAt(pos),
            host: this.text(values[valueIndex * 2] as number, values[valueIndex * 2 + 1] as number),
            rtype: TYPE_NAMES[type] as EnumeratedRecord['rtype'],
          });
        }
      }
      yield {
        name: this.text(tasks[base] as number, tasks[base + 1] as number),
        id: this.text(tasks[base + 2] as number, tasks[base + 3] as number),
        records,
      };
    }
  }

  /** The name of the framework in row `row` of the enumeration. */
  nameOfFramework(row: number): string {
    const f = this.data.frameworks;
    return this.text(f[row * FRAMEWORK_FIELDS] as number, f[row * FRAMEWORK_FIELDS + 1] as number);
  }

  *frameworks(): Iterable<EnumeratedFramework> {
    const f = this.data.frameworks;
    for (let i = 0; i < this.frameworkCount; i++) {
      const base = i * FRAMEWORK_FIELDS;
      const first = f[base + 2] as number;
      const count = f[base + 3] as number;
      yield { name: this.text(f[base] as number, f[base + 1] as number), tasks: this.tasksOf(first, count), taskCount: count };
    }
  }
}

/** Wrap packed data (e.g. received from a worker thread) as a RecordTable, in O(1). */
export function openRecordTable(data: PackedTableData): PackedTable {
  return Object.freeze(new PackedRecordTable(data));
}

/**
 * The same table in one buffer of exactly its size: a builder's buffers have room for what it
 * expected (a table built in many small parts would keep that slack in every part), and one buffer
 * is one transfer.
 */
export function packTight(data: PackedTableData): PackedTableData {
  const ints = [data.entries, data.values, data.slots, data.frameworks, data.tasks, data.taskRecords, data.ancestors, data.ancestorSlots, data.answerSlots] as const;
  let intCount = 0;
  for (const a of ints) intCount += a.length;
  const tight = new TightBuffer(intCount * 4 + data.strings.length + data.answers.length);
  return {
    domain: data.domain,
    entries: tight.ints(data.entries),
    values: tight.ints(data.values),
    slots: tight.ints(data.slots),
    frameworks: tight.ints(data.frameworks),
    tasks: tight.ints(data.tasks),
    taskRecords: tight.ints(data.taskRecords),
    ancestors: tight.ints(data.ancestors),
    ancestorSlots: tight.ints(data.ancestorSlots),
    answerSlots: tight.ints(data.answerSlots),
    strings: tight.bytes(data.strings),
    answers: tight.bytes(data.answers),
    counts: data.counts,
  };
}

/** Copies arrays one after another into one new buffer of exactly the size given (the Int32 ones first: they need 4-byte alignment). */
export class TightBuffer {
  readonly buffer: ArrayBuffer;
  private at = 0;

  constructor(byteLength: number) {
    this.buffer = new ArrayBuffer(byteLength);
  }

  ints(a: Int32Array): Int32Array {
    const out = new Int32Array(this.buffer, this.at, a.length);
    out.set(a);
    this.at += a.length * 4;
    return out;
  }

  /** The next `a.length` octets, a copy of `a`; or, given a length, that many zero octets to fill. */
  bytes(a: Uint8Array | number): Uint8Array {
    const length = typeof a === 'number' ? a : a.length;
    const out = new Uint8Array(this.buffer, this.at, length);
    if (typeof a !== 'number') out.set(a);
    this.at += length;
    return out;
  }
}

/** Each entry's answer-block offset, -1 for an entry without a block (read from the answer slots). */
export function entryBlocks(data: PackedTableData): Int32Array {
  const out = new Int32Array(data.entries.length / ENTRY_FIELDS).fill(-1);
  const { slots, answerSlots } = data;
  for (let s = 0; s < slots.length; s++) {
    const entry = slots[s] as number;
    if (entry !== 0) out[entry - 1] = (answerSlots[s] as number) > 0 ? (answerSlots[s] as number) - 1 : -1;
  }
  return out;
}

/** The table's ancestors (its empty non-terminals) as text. */
export function ancestorNames(data: PackedTableData): string[] {
  const text = Buffer.from(data.strings.buffer, data.strings.byteOffset, data.strings.byteLength);
  const out: string[] = [];
  for (let i = 0; i < data.ancestors.length; i += 2) {
    const off = data.ancestors[i] as number;
    out.push(text.toString('utf8', off, off + (data.ancestors[i + 1] as number)));
  }
  return out;
}

/**
 * The table's name slots (entry + 1 per slot, as the builder lays them out): its own, or for a part
 * packed without them, made again from its names.
 */
export function nameSlots(data: PackedTableData): Int32Array {
  if (data.slots.length > 0) return data.slots;
  const names = data.entries.length / ENTRY_FIELDS;
  const slots = new Int32Array(slotCountFor(names));
  const mask = slots.length - 1;
  for (let e = 0; e < names; e++) {
    const off = data.entries[e * ENTRY_FIELDS] as number;
    let slot = hashBytes(data.strings, off, off + (data.entries[e * ENTRY_FIELDS + 1] as number)) & mask;
    while (slots[slot] !== 0) slot = (slot + 1) & mask;
    slots[slot] = e + 1;
  }
  return slots;
}

/** The ArrayBuffers to list in postMessage's transfer list. */
export function transferList(data: PackedTableData): ArrayBuffer[] {
  const arrays = [data.strings, data.entries, data.values, data.slots, data.frameworks, data.tasks, data.taskRecords, data.ancestors, data.ancestorSlots, data.answers, data.answerSlots];
  const buffers = arrays.map(
    (a) => a.buffer as ArrayBuffer,
  );
  return [...new Set(buffers)];
}
