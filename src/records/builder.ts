// Accumulates records with Mesos-DNS's set semantics (behaviour §2.1: an identical name/value pair or an
// empty value is ignored) and remembers which task inserted each record first (behaviour §2.14).
//
// Names and values are written straight into one UTF-8 byte buffer as they are composed from their
// parts, and names are indexed by an open-addressing hash table over those bytes: no JS string per
// name and no Map keyed by names. A 100,000-task cluster has ~650,000 names; as JS strings (built by
// concatenation, flattened and hashed by a Map, then encoded again for packing) they made string
// hashing and garbage collection most of generation's cost. The buffers become the packed table
// (packed-table.ts) as they are: finish() hands out views, not copies.
import { Buffer } from 'node:buffer';
import {
  ENTRY_FIELDS,
  FRAMEWORK_FIELDS,
  RECORD_FIELDS,
  TASK_FIELDS,
  FNV_OFFSET,
  FNV_PRIME,
  finishHash,
  hashBytes,
  slotCountFor,
  taskRecordPosition,
  taskRecordType,
  taskRecordWord,
} from './packed-table.js';
import { findAncestors } from './ancestors.js';
import { buildAnswerBlocks } from './answer-blocks.js';
import type { PackedTableData } from './table.js';

/** Each name's record lists, in the order of the packed entries' fields. */
export const TYPE_INDEX = { A: 0, AAAA: 1, SRV: 2, PTR: 3, CNAME: 4 } as const;
export type TypeIndex = (typeof TYPE_INDEX)[keyof typeof TYPE_INDEX];
const TYPE_COUNT = 5;

/** What endValue() returns for an empty value, which add() ignores (behaviour §2.1). */
export const NO_VALUE = -1;

/** Lists longer than this get a hash index beside them so membership stays O(1) (e.g. slave.<domain>). */
const LINEAR_SCAN_LIMIT = 16;

/** A growable Int32 array: 4 bytes per number where a JS array of millions of numbers takes 8. */
export class Int32List {
  /** The storage; replaced when the list grows, so read it again after reserve(). */
  data: Int32Array;
  length = 0;

  /** A list over `storage` (e.g. a view of a shared buffer), or over a new array of `capacity`. */
  constructor(capacity = 1024, storage?: Int32Array) {
    this.data = storage ?? new Int32Array(capacity);
  }

  /** Makes room for `more` numbers; returns the storage to write them into at `length`. */
  reserve(more: number): Int32Array {
    if (this.length + more > this.data.length) {
      const next = new Int32Array(Math.max(this.data.length * 2, this.length + more));
      next.set(this.data.subarray(0, this.length));
      this.data = next;
    }
    return this.data;
  }

  push(a: number): void {
    this.reserve(1)[this.length++] = a;
  }

  push2(a: number, b: number): void {
    const data = this.reserve(2);
    data[this.length] = a;
    data[this.length + 1] = b;
    this.length += 2;
  }

  /** The filled part, sharing storage with the list. */
  view(): Int32Array {
    return this.data.subarray(0, this.length);
  }

}

/**
 * Expected sizes, so the buffers are allocated once instead of grown by doubling: every large
 * allocation counts against V8's external-memory budget, and each 64 MB of it costs a full
 * mark-compact of the heap (the parsed state). Overestimates are cheap: the buffers are filled from
 * the front, and large fresh allocations are mapped lazily, so capacity never written to costs
 * address space rather than memory. Underestimates only mean growing.
 */
export interface BuilderCapacity {
  readonly names: number;
  readonly records: number;
  readonly values: number;
  readonly bytes: number;
  readonly frameworks: number;
  readonly tasks: number;
}

/** Above glibc's largest mmap threshold (32 MB): an allocation this big is always mapped by itself. */
const SEPARATELY_MAPPED = 33 * 1024 * 1024;
/** Smaller storage is not padded to SEPARATELY_MAPPED: arena fragmentation is negligible there. */
const PAD_FROM = 1024 * 1024;

/** Hands out consecutive views of one zero-filled ArrayBuffer (padded past the mmap threshold when large). */
class Carver {
  private readonly buffer: ArrayBuffer;
  private offset = 0;

  constructor(bytes: number) {
    this.buffer = new ArrayBuffer(bytes >= PAD_FROM ? Math.max(bytes, SEPARATELY_MAPPED) : bytes);
  }

  ints(n: number): Int32Array {
    const view = new Int32Array(this.buffer, this.offset, n);
    this.offset += n * 4;
    return view;
  }

  /** Everything left, as bytes. */
  rest(): Buffer {
    return Buffer.from(this.buffer, this.offset);
  }
}

/**
 * Builds one record set. A name or value is composed with begin(part), put(part)..., then finished
 * by endValue() (a value handle) or add(type, value) (a record on that name).
 */
export class RecordSetBuilder {
  private bytes: Buffer;
  private used = 0;
  /** Where the name or value being composed starts in `bytes`. */
  private start = 0;
  /** FNV-1a state over the bytes composed so far (see hashBytes). */
  private fnv = FNV_OFFSET;
  /** Between begin() and endValue() or add(). */
  private composing = false;

  /**
   * Per name, ENTRY_FIELDS numbers laid out as the packed table's entries: [nameOff, nameLen, then
   * per type (TYPE_INDEX order) a list and its count]. Until finish() the list is the index of the most
   * recently added record node (-1 for none); finish() replaces it with the start in `values`.
   */
  private readonly entries: Int32List;
  /** Per name, its hash: compared before the bytes, and used to rehash. */
  private readonly hashes: Int32List;
  private entryCount = 0;
  /** Open-addressing hash slots holding entry index + 1 (0 = empty), at most half full. */
  private slots: Int32Array;

  /** Per value handle: [off, len] in `bytes`. One value can serve many records (an SRV target, an IP). */
  private readonly values: Int32List;
  /** Per record: [value handle, previous record node of the same list or -1]. */
  private readonly nodes: Int32List;
  private readonly typeCounts: number[] = new Array<number>(TYPE_COUNT).fill(0);
  /**
   * For lists longer than LINEAR_SCAN_LIMIT (keyed by entry * TYPE_COUNT + type): their value handles by
   * hash of the value's bytes, so membership costs one hash, not a walk of the list.
   */
  private readonly bigLists = new Map<number, Map<number, number[]>>();

  /** Per framework: [nameOff, nameLen, firstTask, taskCount]. */
  private readonly frameworks: Int32List;
  /** Per task: [nameOff, nameLen, idOff, idLen, firstRecord, recordCount]. */
  private readonly tasks: Int32List;
  /** Per record a task inserted first: [entry, position in that entry's list of the type, with the type] (RECORD_FIELDS). */
  private readonly taskRecords: Int32List;
  /** Offset in `tasks` of the task records are attributed to, or -1. */
  private currentTask = -1;
  /** The current task reported itself unhealthy (beginTask): its new records are held back. */
  private currentUnhealthy = false;
  /**
   * Record nodes only unhealthy tasks added (a healthy task or a non-task adding the same value
   * takes it out). Empty unless health-aware generation met an unhealthy task.
   */
  private readonly unhealthyNodes = new Set<number>();
  /** Names whose records of some type all came from unhealthy tasks and so were all kept (finish). */
  healthFailOpenNames = 0;
  /** Records held back from answers because a healthy record of the same name and type stayed. */
  healthHeldBack = 0;

  /** Room for finish()'s record values, in the shared storage. */
  private readonly valuesRoom: Int32Array;

  constructor(capacity: Partial<BuilderCapacity> = {}) {
    // Without an expectation, room for a small table; with one, exactly that (a table built in many
    // small parts must not allocate a small table's room per part).
    const at = (key: keyof BuilderCapacity, fallback: number): number => Math.max(4, Math.ceil(capacity[key] ?? fallback));
    const sizes = {
      entries: at('names', 1024) * ENTRY_FIELDS,
      hashes: at('names', 1024),
      slots: slotCountFor(at('names', 0)),
      values: at('values', 1024) * 2,
      nodes: at('records', 1024) * 2,
      frameworks: at('frameworks', 16) * FRAMEWORK_FIELDS,
      tasks: at('tasks', 1024) * TASK_FIELDS,
      taskRecords: at('records', 1024) * RECORD_FIELDS,
      recordValues: at('records', 1024) * 2,
    };
    // Two allocations instead of a dozen: what becomes the table (the text last) and the builder's
    // own lists. glibc maps a large allocation by itself and returns it whole when it is freed, but
    // after the first frees it raises its mmap threshold up to 32 MB and places arrays below that in
    // its arenas, where they fragmented: the server's RSS crept up by tens of MB per reload. Both
    // are made larger than that; capacity never written to costs address space, not memory.
    const table = new Carver(4 * (sizes.entries + sizes.slots + sizes.frameworks + sizes.tasks + sizes.taskRecords + sizes.recordValues) + at('bytes', 1 << 16));
    this.entries = new Int32List(0, table.ints(sizes.entries));
    this.slots = table.ints(sizes.slots);
    this.frameworks = new Int32List(0, table.ints(sizes.frameworks));
    this.tasks = new Int32List(0, table.ints(sizes.tasks));
    this.taskRecords = new Int32List(0, table.ints(sizes.taskRecords));
    this.valuesRoom = table.ints(sizes.recordValues);
    this.bytes = table.rest();
    const own = new Carver(4 * (sizes.hashes + sizes.values + sizes.nodes));
    this.hashes = new Int32List(0, own.ints(sizes.hashes));
    this.values = new Int32List(0, own.ints(sizes.values));
    this.nodes = new Int32List(0, own.ints(sizes.nodes));
  }

  /** Starts composing a name or a value with its first part. */
  begin(part: string): this {
    // E.g. add(type, builder.value(...)) would start the value after the name began, inside it.
    if (this.composing) throw new Error('begin() before the previous name or value was finished');
    this.composing = true;
    this.start = this.used;
    this.fnv = FNV_OFFSET;
    return this.put(part);
  }

  /** Appends a part to the name or value being composed, hashing it on the way. */
  put(part: string): this {
    const length = part.length;
    // A UTF-16 code unit takes at most 3 bytes of UTF-8.
    if (this.used + length * 3 > this.bytes.length) this.grow(length * 3);
    const bytes = this.bytes;
    let at = this.used;
    let h = this.fnv;
    let i = 0;
    for (; i < length; i++) {
      const code = part.charCodeAt(i);
      if (code >= 0x80) break;
      bytes[at++] = code;
      h = Math.imul(h ^ code, FNV_PRIME);
    }
    if (i < length) {
      const end = at + bytes.write(part.slice(i), at, 'utf8');
      for (; at < end; at++) h = Math.imul(h ^ (bytes[at] as number), FNV_PRIME);
    }
    this.fnv = h;
    this.used = at;
    return this;
  }

  /** Finishes a value: its handle, or NO_VALUE when it is empty. */
  endValue(): number {
    this.composing = false;
    const length = this.used - this.start;
    if (length === 0) return NO_VALUE;
    const values = this.values.reserve(2);
    values[this.values.length] = this.start;
    values[this.values.length + 1] = length;
    this.values.length += 2;
    return this.values.length / 2 - 1;
  }

  value(text: string): number {
    return this.begin(text).endValue();
  }

  /** Appends a number as String(n) would write it (digits straight into the buffer for ports). */
  putInt(n: number): this {
    if (!(n >= 0 && n <= 0x7fffffff && Number.isInteger(n))) return this.put(String(n));
    if (this.used + 10 > this.bytes.length) this.grow(10);
    const bytes = this.bytes;
    const start = this.used;
    let end = start + 1;
    for (let rest = n; rest >= 10; rest = Math.floor(rest / 10)) end++;
    let at = end;
    let rest = n;
    do {
      bytes[--at] = 48 + (rest % 10);
      rest = Math.floor(rest / 10);
    } while (rest > 0);
    let h = this.fnv;
    for (let i = start; i < end; i++) h = Math.imul(h ^ (bytes[i] as number), FNV_PRIME);
    this.fnv = h;
    this.used = end;
    return this;
  }

  /**
   * Finishes the name being composed and adds a record of `value` to it. Returns false when the
   * value is NO_VALUE or the name already holds it; a name is created only with its first record.
   * Afterwards `lastEntry` is the name's entry (-1 when the value was NO_VALUE).
   */
  add(type: TypeIndex, value: number): boolean {
    this.composing = false;
    if (value === NO_VALUE) {
      this.used = this.start;
      this.lastEntry = -1;
      return false;
    }
    this.lastEntry = this.endName();
    return this.addTo(this.lastEntry, type, value);
  }

  /** The entry of the name last finished by add(), for addTo(); -1 when add() dropped it. */
  lastEntry = -1;

  /** add() for a name already finished once (its entry from `lastEntry`): no composing or hashing. */
  addTo(entry: number, type: TypeIndex, value: number): boolean {
    if (value === NO_VALUE) return false;
    const entries = this.entries.data;
    const field = entry * ENTRY_FIELDS + 2 + type * 2;
    const head = entries[field] as number;
    const count = entries[field + 1] as number;
    if (count >= LINEAR_SCAN_LIMIT) {
      if (!this.addToIndex(this.bigLists.get(entry * TYPE_COUNT + type) as Map<number, number[]>, value)) {
        if (this.unhealthyNodes.size > 0 && !this.currentUnhealthy) this.markHealthy(head, value);
        return false;
      }
    } else {
      const nodes = this.nodes.data;
      for (let node = head; node >= 0; node = nodes[node * 2 + 1] as number) {
        if (this.sameValue(nodes[node * 2] as number, value)) {
          if (!this.currentUnhealthy && this.unhealthyNodes.size > 0) this.unhealthyNodes.delete(node);
          return false;
        }
      }
    }
    const nodes = this.nodes.reserve(2);
    const node = this.nodes.length / 2;
    nodes[node * 2] = value;
    nodes[node * 2 + 1] = head;
    this.nodes.length += 2;
    if (this.currentUnhealthy) this.unhealthyNodes.add(node);
    entries[field] = node;
    entries[field + 1] = count + 1;
    if (count + 1 === LINEAR_SCAN_LIMIT) this.bigLists.set(entry * TYPE_COUNT + type, this.indexList(node));
    this.typeCounts[type] = (this.typeCounts[type] as number) + 1;
    if (this.currentTask >= 0) {
      this.taskRecords.push2(entry, taskRecordWord(type, count));
      const tasks = this.tasks.data;
      tasks[this.currentTask + 5] = (tasks[this.currentTask + 5] as number) + 1;
    }
    return true;
  }

  beginFramework(name: string): void {
    const handle = this.value(name);
    const frameworks = this.frameworks.reserve(FRAMEWORK_FIELDS);
    const base = this.frameworks.length;
    this.writeText(frameworks, base, handle);
    frameworks[base + 2] = this.tasks.length / TASK_FIELDS;
    frameworks[base + 3] = 0;
    this.frameworks.length += FRAMEWORK_FIELDS;
  }

  /**
   * Records added until endTask() are attributed to this task in the enumeration. The name is a value
   * handle (task names repeat across an app's instances: the caller stores each once).
   */
  beginTask(nameHandle: number, id: string, unhealthy = false): void {
    if (this.frameworks.length === 0) throw new Error('beginTask before beginFramework');
    const idHandle = this.value(id);
    const tasks = this.tasks.reserve(TASK_FIELDS);
    const base = this.tasks.length;
    this.writeText(tasks, base, nameHandle);
    this.writeText(tasks, base + 2, idHandle);
    tasks[base + 4] = this.taskRecords.length / RECORD_FIELDS;
    tasks[base + 5] = 0;
    this.tasks.length += TASK_FIELDS;
    this.currentTask = base;
    this.currentUnhealthy = unhealthy;
    const frameworks = this.frameworks.data;
    const count = this.frameworks.length - FRAMEWORK_FIELDS + 3;
    frameworks[count] = (frameworks[count] as number) + 1;
  }

  endTask(): void {
    this.currentTask = -1;
    this.currentUnhealthy = false;
  }

  /** A healthy task (or a non-task) added a value an unhealthy one added first: it stays. */
  private markHealthy(head: number, value: number): void {
    const nodes = this.nodes.data;
    for (let node = head; node >= 0; node = nodes[node * 2 + 1] as number) {
      if (this.sameValue(nodes[node * 2] as number, value)) {
        this.unhealthyNodes.delete(node);
        return;
      }
    }
  }

  /**
   * The packed, transferable form of everything added. The arrays are views of the builder's own
   * buffers, not copies (a copy would briefly double the table's memory); the capacity behind them
   * was never written. The builder must not be used afterwards.
   */
  finish(domain: string, reverseZones: readonly string[] = []): PackedTableData {
    const [a = 0, aaaa = 0, srv = 0, ptr = 0, cname = 0] = this.typeCounts;
    const served = [a, aaaa, srv, ptr, cname];
    const entries = this.entries.view();
    const nodes = this.nodes.data;
    const handles = this.values.data;
    const valueCount = (a + aaaa + srv + ptr + cname) * 2;
    const values = valueCount <= this.valuesRoom.length ? this.valuesRoom.subarray(0, valueCount) : new Int32Array(valueCount);
    // Lists are linked newest first: lay each out oldest first, contiguously, in entry order.
    let next = 0;
    for (let field = 2; field < entries.length; field += 2) {
      if (field % ENTRY_FIELDS === 0) continue; // a name's [off, len]
      const count = entries[field + 1] as number;
      let v = next + count - 1;
      for (let node = entries[field] as number; node >= 0; node = nodes[node * 2 + 1] as number) {
        const handle = nodes[node * 2] as number;
        values[v * 2] = handles[handle * 2] as number;
        values[v * 2 + 1] = handles[handle * 2 + 1] as number;
        v--;
      }
      if (this.unhealthyNodes.size > 0) {
        const type = ((field % ENTRY_FIELDS) - 2) / 2;
        served[type] = (served[type] as number) - this.holdBackUnhealthy(field, next, values);
      }
      entries[field] = next;
      next += count;
    }
    if (this.unhealthyNodes.size > 0) this.remapTaskRecords();
    // Sized for the expected names; an overestimate would only make the serving thread's table bigger.
    if (this.slots.length > slotCountFor(this.entryCount)) this.rehash();
    const strings = new Uint8Array(this.bytes.buffer, this.bytes.byteOffset, this.used);
    const ancestors = findAncestors(strings, entries, [domain, ...reverseZones]);
    const answers = buildAnswerBlocks({ strings, entries, values, slots: this.slots });
    return {
      domain,
      strings,
      entries,
      values,
      slots: this.slots,
      frameworks: this.frameworks.view(),
      tasks: this.tasks.view(),
      taskRecords: this.taskRecords.view(),
      ancestors: ancestors.refs,
      ancestorSlots: ancestors.slots,
      answers: answers.blocks,
      answerSlots: answers.slots,
      counts: { names: this.entryCount, a: served[0] as number, aaaa: served[1] as number, srv: served[2] as number, ptr: served[3] as number, cname: served[4] as number },
    };
  }

  /**
   * Health-aware answers (docs/dns.md "Health-aware answers"): in the list at `field` (laid out
   * oldest first at `start` in `values`, its head node still in entries), moves the records only
   * unhealthy tasks added behind the others and shortens the list to the others, so answers leave
   * them out while the enumeration (taskRecords, remapped) still finds them. A list with no other
   * record keeps them all (fail open). Returns how many were held back.
   */
  private holdBackUnhealthy(field: number, start: number, values: Int32Array): number {
    const entries = this.entries.data;
    const count = entries[field + 1] as number;
    if (count === 0) return 0;
    const nodes = this.nodes.data;
    const unhealthy = new Uint8Array(count);
    let unhealthyCount = 0;
    let pos = count - 1;
    for (let node = entries[field] as number; node >= 0; node = nodes[node * 2 + 1] as number, pos--) {
      if (this.unhealthyNodes.has(node)) {
        unhealthy[pos] = 1;
        unhealthyCount++;
      }
    }
    if (unhealthyCount === 0) return 0;
    const entry = Math.floor(field / ENTRY_FIELDS);
    if (unhealthyCount === count) {
      if (this.lastFailOpenEntry !== entry) this.healthFailOpenNames++;
      this.lastFailOpenEntry = entry;
      return 0;
    }
    const original = values.slice(start * 2, (start + count) * 2);
    const newPos = new Int32Array(count);
    let kept = 0;
    let held = count - unhealthyCount;
    for (let i = 0; i < count; i++) {
      const to = unhealthy[i] === 1 ? held++ : kept++;
      newPos[i] = to;
      values[(start + to) * 2] = original[i * 2] as number;
      values[(start + to) * 2 + 1] = original[i * 2 + 1] as number;
    }
    entries[field + 1] = kept;
    this.positionRemaps.set(entry * TYPE_COUNT + ((field % ENTRY_FIELDS) - 2) / 2, newPos);
    this.healthHeldBack += unhealthyCount;
    return unhealthyCount;
  }

  private lastFailOpenEntry = -1;
  /** Per reordered list (entry * TYPE_COUNT + type): each record's old position -> its new one. */
  private readonly positionRemaps = new Map<number, Int32Array>();

  /** Points the enumeration's task records (see RECORD_FIELDS) at the records' reordered places. */
  private remapTaskRecords(): void {
    const records = this.taskRecords.data;
    for (let r = 0; r < this.taskRecords.length; r += RECORD_FIELDS) {
      const word = records[r + 1] as number;
      const type = taskRecordType(word);
      const remap = this.positionRemaps.get((records[r] as number) * TYPE_COUNT + type);
      if (remap) records[r + 1] = taskRecordWord(type, remap[taskRecordPosition(word)] as number);
    }
  }

  private grow(more: number): void {
    const next = Buffer.from(new ArrayBuffer(Math.max(this.bytes.length * 2, this.used + more)));
    this.bytes.copy(next, 0, 0, this.used);
    this.bytes = next;
  }

  private writeText(array: Int32Array, index: number, handle: number): void {
    const handles = this.values.data;
    array[index] = handle === NO_VALUE ? 0 : (handles[handle * 2] as number);
    array[index + 1] = handle === NO_VALUE ? 0 : (handles[handle * 2 + 1] as number);
  }

  /**
   * The entry of the name being composed (its bytes from `start`), or -1 - the empty slot where it
   * would go.
   */
  private findComposed(): number {
    const start = this.start;
    const length = this.used - start;
    const bytes = this.bytes;
    const hash = finishHash(this.fnv) | 0; // as the Int32Array stores it
    const entries = this.entries.data;
    const hashes = this.hashes.data;
    const slots = this.slots;
    const mask = slots.length - 1;
    let slot = hash & mask;
    for (;;) {
      const found = (slots[slot] as number) - 1;
      if (found < 0) return -1 - slot;
      if (hashes[found] === hash && entries[found * ENTRY_FIELDS + 1] === length) {
        const off = entries[found * ENTRY_FIELDS] as number;
        let i = 0;
        while (i < length && bytes[off + i] === bytes[start + i]) i++;
        if (i === length) return found;
      }
      slot = (slot + 1) & mask;
    }
  }

  /** Finishes the name being composed without storing it: its entry, or -1 when no record has it. */
  endLookup(): number {
    this.composing = false;
    const found = this.findComposed();
    this.used = this.start;
    return found < 0 ? -1 : found;
  }

  /** The entry of the name just composed, created if new (its bytes stay); else its bytes are dropped. */
  private endName(): number {
    const found = this.findComposed();
    if (found >= 0) {
      this.used = this.start;
      return found;
    }
    const slot = -1 - found;
    const hash = finishHash(this.fnv) | 0;
    const entry = this.entryCount++;
    const row = this.entries.reserve(ENTRY_FIELDS);
    const base = entry * ENTRY_FIELDS;
    row[base] = this.start;
    row[base + 1] = this.used - this.start;
    for (let field = 2; field < ENTRY_FIELDS; field += 2) {
      row[base + field] = -1;
      row[base + field + 1] = 0;
    }
    this.entries.length += ENTRY_FIELDS;
    this.hashes.reserve(1)[entry] = hash;
    this.hashes.length++;
    if (this.slots.length < slotCountFor(this.entryCount)) this.rehash();
    else this.slots[slot] = entry + 1;
    return entry;
  }

  /** Each entry's name hash (as its slot was chosen: finishHash of FNV-1a, as an Int32). */
  nameHashes(): Int32Array {
    return this.hashes.view();
  }

  /** Rebuilds the slots at the size the names need. */
  private rehash(): void {
    const slots = new Int32Array(slotCountFor(this.entryCount));
    const mask = slots.length - 1;
    const hashes = this.hashes.data;
    for (let entry = 0; entry < this.entryCount; entry++) {
      let slot = (hashes[entry] as number) & mask;
      while (slots[slot] !== 0) slot = (slot + 1) & mask;
      slots[slot] = entry + 1;
    }
    this.slots = slots;
  }

  private sameValue(a: number, b: number): boolean {
    if (a === b) return true;
    const handles = this.values.data;
    const length = handles[a * 2 + 1] as number;
    if (handles[b * 2 + 1] !== length) return false;
    const offA = handles[a * 2] as number;
    const offB = handles[b * 2] as number;
    const bytes = this.bytes;
    for (let i = 0; i < length; i++) if (bytes[offA + i] !== bytes[offB + i]) return false;
    return true;
  }

  private valueHash(handle: number): number {
    const handles = this.values.data;
    const off = handles[handle * 2] as number;
    return hashBytes(this.bytes, off, off + (handles[handle * 2 + 1] as number));
  }

  /** Adds a value to a big list's index; false when an equal value is already there. */
  private addToIndex(index: Map<number, number[]>, value: number): boolean {
    const hash = this.valueHash(value);
    const same = index.get(hash);
    if (!same) {
      index.set(hash, [value]);
      return true;
    }
    for (const known of same) if (this.sameValue(known, value)) return false;
    same.push(value);
    return true;
  }

  private indexList(head: number): Map<number, number[]> {
    const nodes = this.nodes.data;
    const index = new Map<number, number[]>();
    for (let node = head; node >= 0; node = nodes[node * 2 + 1] as number) this.addToIndex(index, nodes[node * 2] as number);
    return index;
  }
}
