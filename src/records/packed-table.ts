// The record table's storage: every string in one UTF-8 buffer, records and enumeration as Int32
// arrays, and an open-addressing hash index over the names. A table built in a worker thread is
// handed over by transferring these buffers, and opening it costs O(1) on the serving thread.
import { Buffer } from 'node:buffer';
import type { RecordSetBuilder } from './builder.js';
import { TYPE_NAMES } from './builder.js';
import type {
  EnumeratedFramework,
  EnumeratedRecord,
  EnumeratedTask,
  NameRecords,
  PackedTableData,
  RecordTable,
} from './table.js';

const ENTRY_FIELDS = 8;
const FRAMEWORK_FIELDS = 4;
const TASK_FIELDS = 6;
const RECORD_FIELDS = 3;

/** FNV-1a over UTF-16 code units: cheap to compute from a JS string with no encoding. */
function hashName(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

class StringWriter {
  private buf = Buffer.allocUnsafe(1 << 16);
  length = 0;
  private readonly interned = new Map<string, number>();

  /** Appends (or reuses) a string; returns [offset, byteLength]. */
  write(text: string, intern: boolean): [number, number] {
    if (intern) {
      const known = this.interned.get(text);
      if (known !== undefined) return [known, Buffer.byteLength(text)];
    }
    const worst = text.length * 3;
    if (this.length + worst > this.buf.length) {
      const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.length + worst));
      this.buf.copy(next, 0, 0, this.length);
      this.buf = next;
    }
    const offset = this.length;
    const written = this.buf.write(text, offset, 'utf8');
    this.length += written;
    if (intern) this.interned.set(text, offset);
    return [offset, written];
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.length);
    out.set(this.buf.subarray(0, this.length));
    return out;
  }
}

/** Freeze a builder's records into packed, transferable form. */
export function packRecordSet(builder: RecordSetBuilder, domain: string): RecordTable {
  const entries = builder.entries;
  const order = entries.map((_, i) => i);
  order.sort((x, y) => {
    const a = (entries[x] as (typeof entries)[number]).name;
    const b = (entries[y] as (typeof entries)[number]).name;
    return a < b ? -1 : a > b ? 1 : 0;
  });
  const position = new Int32Array(entries.length);
  order.forEach((entryIndex, pos) => {
    position[entryIndex] = pos;
  });

  const strings = new StringWriter();
  const packedEntries = new Int32Array(entries.length * ENTRY_FIELDS);
  let valueCount = 0;
  for (const entry of entries) valueCount += entry.lists[0].length + entry.lists[1].length + entry.lists[2].length;
  const values = new Int32Array(valueCount * 2);
  const counts = { names: entries.length, a: 0, aaaa: 0, srv: 0 };
  let v = 0;
  const slotCount = 1 << Math.max(4, Math.ceil(Math.log2(entries.length * 2 + 1)));
  const slots = new Int32Array(slotCount);
  const mask = slotCount - 1;

  order.forEach((entryIndex, pos) => {
    const entry = entries[entryIndex] as (typeof entries)[number];
    const base = pos * ENTRY_FIELDS;
    const [nameOff, nameLen] = strings.write(entry.name, false);
    packedEntries[base] = nameOff;
    packedEntries[base + 1] = nameLen;
    for (let t = 0; t < 3; t++) {
      const list = entry.lists[t as 0 | 1 | 2];
      packedEntries[base + 2 + t * 2] = v;
      packedEntries[base + 3 + t * 2] = list.length;
      for (const value of list) {
        // Addresses repeat across tasks on one agent; SRV targets are nearly all distinct.
        const [off, len] = strings.write(value, t < 2);
        values[v * 2] = off;
        values[v * 2 + 1] = len;
        v++;
      }
    }
    counts.a += entry.lists[0].length;
    counts.aaaa += entry.lists[1].length;
    counts.srv += entry.lists[2].length;
    let slot = hashName(entry.name) & mask;
    while (slots[slot] !== 0) slot = (slot + 1) & mask;
    slots[slot] = pos + 1;
  });

  let taskCount = 0;
  let recordCount = 0;
  for (const framework of builder.frameworks) {
    taskCount += framework.tasks.length;
    for (const task of framework.tasks) recordCount += task.records.length / 3;
  }
  const frameworks = new Int32Array(builder.frameworks.length * FRAMEWORK_FIELDS);
  const tasks = new Int32Array(taskCount * TASK_FIELDS);
  const taskRecords = new Int32Array(recordCount * RECORD_FIELDS);
  let t = 0;
  let r = 0;
  builder.frameworks.forEach((framework, f) => {
    const [nameOff, nameLen] = strings.write(framework.name, true);
    frameworks.set([nameOff, nameLen, t, framework.tasks.length], f * FRAMEWORK_FIELDS);
    for (const task of framework.tasks) {
      const [tNameOff, tNameLen] = strings.write(task.name, true);
      const [idOff, idLen] = strings.write(task.id, false);
      tasks.set([tNameOff, tNameLen, idOff, idLen, r, task.records.length / 3], t * TASK_FIELDS);
      for (let i = 0; i < task.records.length; i += 3) {
        const entryIndex = task.records[i] as number;
        taskRecords[r * 3] = task.records[i + 1] as number;
        taskRecords[r * 3 + 1] = position[entryIndex] as number;
        taskRecords[r * 3 + 2] = task.records[i + 2] as number;
        r++;
      }
      t++;
    }
  });

  return openRecordTable({
    domain,
    strings: strings.finish(),
    entries: packedEntries,
    values,
    slots,
    frameworks,
    tasks,
    taskRecords,
    counts,
  });
}

class PackedRecordTable implements RecordTable {
  readonly domain: string;
  readonly counts: PackedTableData['counts'];
  readonly frameworkCount: number;
  private readonly buf: Buffer;
  private readonly entryCount: number;
  private readonly mask: number;
  /** Decoded records, filled lazily per entry as names are asked for. */
  private readonly decoded: (NameRecords | undefined)[] = [];

  constructor(readonly data: PackedTableData) {
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

  private nameEquals(pos: number, name: string): boolean {
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

  private recordsAt(pos: number): NameRecords {
    const cached = this.decoded[pos];
    if (cached) return cached;
    const e = this.data.entries;
    const base = pos * ENTRY_FIELDS;
    const records: NameRecords = Object.freeze({
      a: this.list(e[base + 2] as number, e[base + 3] as number),
      aaaa: this.list(e[base + 4] as number, e[base + 5] as number),
      srv: this.list(e[base + 6] as number, e[base + 7] as number),
    });
    this.decoded[pos] = records;
    return records;
  }

  private nameAt(pos: number): string {
    return this.text(this.data.entries[pos * ENTRY_FIELDS] as number, this.data.entries[pos * ENTRY_FIELDS + 1] as number);
  }

  lookup(name: string): NameRecords | undefined {
    const pos = this.find(name);
    return pos < 0 ? undefined : this.recordsAt(pos);
  }

  *entries(): Iterable<readonly [string, NameRecords]> {
    for (let pos = 0; pos < this.entryCount; pos++) {
      const e = this.data.entries;
      const base = pos * ENTRY_FIELDS;
      // Not cached: a full walk (axfr) must not pin every decoded entry in memory.
      yield [
        this.nameAt(pos),
        {
          a: this.list(e[base + 2] as number, e[base + 3] as number),
          aaaa: this.list(e[base + 4] as number, e[base + 5] as number),
          srv: this.list(e[base + 6] as number, e[base + 7] as number),
        },
      ];
    }
  }

  private *tasksOf(first: number, count: number): Iterable<EnumeratedTask> {
    const { tasks, taskRecords, entries, values } = this.data;
    for (let t = first; t < first + count; t++) {
      const base = t * TASK_FIELDS;
      const firstRecord = tasks[base + 4] as number;
      const recordCount = tasks[base + 5] as number;
      let records: EnumeratedRecord[] | null = null;
      if (recordCount > 0) {
        records = [];
        for (let r = firstRecord; r < firstRecord + recordCount; r++) {
          const type = taskRecords[r * 3] as 0 | 1 | 2;
          const pos = taskRecords[r * 3 + 1] as number;
          const valueIndex = (entries[pos * ENTRY_FIELDS + 2 + type * 2] as number) + (taskRecords[r * 3 + 2] as number);
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
export function openRecordTable(data: PackedTableData): RecordTable {
  return Object.freeze(new PackedRecordTable(data));
}

/** The ArrayBuffers to list in postMessage's transfer list. */
export function transferList(data: PackedTableData): ArrayBuffer[] {
  const buffers = [data.strings, data.entries, data.values, data.slots, data.frameworks, data.tasks, data.taskRecords].map(
    (a) => a.buffer as ArrayBuffer,
  );
  return [...new Set(buffers)];
}
