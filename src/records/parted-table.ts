// A record table kept in parts (docs/streaming.md, "Incremental tables"): the parts of an
// incremental build (incremental-tables.ts), each a packed table of its own names, plus one index
// over every name saying which part holds it. A new table reuses every part that did not change, so
// only the changed parts and the index cross from the reload worker; the table itself is as
// immutable as a whole one.
import { isAncestor } from './ancestors.js';
import { FRAMEWORK_FIELDS, PackedRecordTable, hashName } from './packed-table.js';
import type {
  AncestorSet,
  AnswerIndex,
  EnumeratedFramework,
  EnumeratedTask,
  NameRecords,
  PackedTableData,
  RecordCounts,
  RecordTable,
} from './table.js';

export interface TablePart {
  /** Unique per part version within one builder (`PartedTableMessage.builder`). */
  readonly id: number;
  readonly data: PackedTableData;
  /** The table-wide position of each of the part's framework rows. */
  readonly frameworks: Int32Array;
}

/** The index over every name of a parted table: per slot (hash & mask, linear probing). */
export interface PartedIndex {
  /** The part holding the slot's name (a table has at most MAX_PARTS parts). */
  readonly slotPart: Uint16Array;
  /** The name's entry in its part + 1 (0 = empty slot). */
  readonly slotEntry: Int32Array;
  /** The name's answer block offset in its part + 1; -1 for a name without a block; 0 = empty slot. */
  readonly slotBlock: Int32Array;
}

/** What the reload worker sends for a parted table: new parts in full, the others by id. */
export interface PartedTableMessage {
  readonly domain: string;
  /** Identifies the builder (and so the id space): parts of another builder cannot be reused. */
  readonly builder: string;
  /** Every part, in table order. */
  readonly partIds: Int32Array;
  readonly newParts: readonly TablePart[];
  readonly index: PartedIndex;
  /** Undefined: the same as the previous message's. */
  readonly ancestors: AncestorSet | undefined;
  readonly frameworkCount: number;
  readonly counts: RecordCounts;
}

export interface PartedTableData {
  readonly domain: string;
  readonly builder: string;
  readonly parts: readonly TablePart[];
  readonly index: PartedIndex;
  readonly ancestors: AncestorSet;
  readonly frameworkCount: number;
  readonly counts: RecordCounts;
}

/**
 * The table a message describes, taking the parts it does not carry from `previous` (the last table
 * assembled from this builder's messages); undefined when one is missing.
 */
export function assemblePartedTable(message: PartedTableMessage, previous: PartedTableData | undefined): PartedTableData | undefined {
  const known = new Map<number, TablePart>();
  if (previous && previous.builder === message.builder) for (const part of previous.parts) known.set(part.id, part);
  for (const part of message.newParts) known.set(part.id, part);
  const parts: TablePart[] = [];
  for (const id of message.partIds) {
    const part = known.get(id);
    if (!part) return undefined;
    parts.push(part);
  }
  const ancestors = message.ancestors ?? (previous?.builder === message.builder ? previous.ancestors : undefined);
  if (!ancestors) return undefined;
  return {
    domain: message.domain,
    builder: message.builder,
    parts,
    index: message.index,
    ancestors,
    frameworkCount: message.frameworkCount,
    counts: message.counts,
  };
}

/** The buffers a message transfers: its new parts', its index's and its ancestors'. */
export function partedTransferList(message: PartedTableMessage, partBuffers: (data: PackedTableData) => ArrayBuffer[]): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>();
  for (const part of message.newParts) {
    for (const buffer of partBuffers(part.data)) buffers.add(buffer);
    buffers.add(part.frameworks.buffer as ArrayBuffer);
  }
  for (const array of [message.index.slotPart, message.index.slotEntry, message.index.slotBlock]) buffers.add(array.buffer as ArrayBuffer);
  if (message.ancestors) for (const array of [message.ancestors.strings, message.ancestors.refs, message.ancestors.slots]) buffers.add(array.buffer as ArrayBuffer);
  return [...buffers];
}

export class PartedRecordTable implements RecordTable {
  readonly domain: string;
  readonly counts: RecordCounts;
  readonly frameworkCount: number;
  readonly answers: AnswerIndex;
  readonly data = undefined;
  private readonly opened: (PackedRecordTable | undefined)[];
  private readonly mask: number;
  /**
   * Per framework, the [part, row] pairs listing it: made on first use (enumeration), not for every
   * table the stream publishes. In a holder of its own: the table itself is frozen.
   */
  private readonly frameworkRows: { rows?: number[][] } = {};

  constructor(readonly parted: PartedTableData) {
    this.domain = parted.domain;
    this.counts = Object.freeze({ ...parted.counts });
    this.frameworkCount = parted.frameworkCount;
    this.opened = new Array<PackedRecordTable | undefined>(parted.parts.length);
    this.mask = parted.index.slotEntry.length - 1;
    this.answers = Object.freeze({
      slots: parted.index.slotBlock,
      slotPart: parted.index.slotPart,
      parts: parted.parts.map((p) => p.data),
      ancestors: parted.ancestors,
      partial: true,
    });
  }

  private part(i: number): PackedRecordTable {
    let table = this.opened[i];
    if (!table) this.opened[i] = table = new PackedRecordTable((this.parted.parts[i] as TablePart).data);
    return table;
  }

  lookup(name: string): NameRecords | undefined {
    const { slotPart, slotEntry } = this.parted.index;
    for (let slot = hashName(name) & this.mask; ; slot = (slot + 1) & this.mask) {
      const entry = (slotEntry[slot] as number) - 1;
      if (entry < 0) return undefined;
      const part = this.part(slotPart[slot] as number);
      if (part.nameEquals(entry, name)) return part.recordsAt(entry);
    }
  }

  hasDescendants(name: string): boolean {
    return isAncestor(this.parted.ancestors, name);
  }

  *entries(): Iterable<readonly [string, NameRecords]> {
    for (let i = 0; i < this.parted.parts.length; i++) yield* this.part(i).entries();
  }

  *frameworks(): Iterable<EnumeratedFramework> {
    const rows = (this.frameworkRows.rows ??= this.rowsByFramework());
    for (let g = 0; g < this.frameworkCount; g++) {
      const listed = rows[g] as number[];
      let name = '';
      let taskCount = 0;
      for (let i = 0; i < listed.length; i += 2) {
        const data = (this.parted.parts[listed[i] as number] as TablePart).data;
        const row = (listed[i + 1] as number) * FRAMEWORK_FIELDS;
        if (i === 0) name = this.part(listed[i] as number).nameOfFramework(listed[i + 1] as number);
        taskCount += data.frameworks[row + 3] as number;
      }
      yield { name, tasks: this.tasksOf(listed), taskCount };
    }
  }

  private *tasksOf(listed: readonly number[]): Iterable<EnumeratedTask> {
    for (let i = 0; i < listed.length; i += 2) {
      const part = this.part(listed[i] as number);
      const data = (this.parted.parts[listed[i] as number] as TablePart).data;
      const row = (listed[i + 1] as number) * FRAMEWORK_FIELDS;
      yield* part.tasksOf(data.frameworks[row + 2] as number, data.frameworks[row + 3] as number);
    }
  }

  private rowsByFramework(): number[][] {
    const rows: number[][] = Array.from({ length: this.frameworkCount }, () => []);
    this.parted.parts.forEach((part, p) => {
      for (let row = 0; row < part.frameworks.length; row++) (rows[part.frameworks[row] as number] as number[]).push(p, row);
    });
    return rows;
  }
}

export function openPartedTable(parted: PartedTableData): RecordTable {
  return Object.freeze(new PartedRecordTable(parted));
}

/** Two versions of one part of a table, for comparing them. */
export type PartPair = readonly [PackedTableData, PackedTableData];

/**
 * The parts that differ between two tables, as pairs to compare name by name: the whole tables when
 * both are whole, the parts whose versions differ when both are parted alike; undefined when the two
 * are not comparable part by part (then everything is taken as changed).
 */
export function changedParts(previous: RecordTable, next: RecordTable): PartPair[] | undefined {
  if (previous.data && next.data) return [[previous.data, next.data]];
  if (!(previous instanceof PartedRecordTable) || !(next instanceof PartedRecordTable)) return undefined;
  const before = previous.parted.parts;
  const after = next.parted.parts;
  if (before.length !== after.length || previous.parted.builder !== next.parted.builder) return undefined;
  const pairs: PartPair[] = [];
  for (let i = 0; i < after.length; i++) {
    const a = before[i] as TablePart;
    const b = after[i] as TablePart;
    if (a.id !== b.id) pairs.push([a.data, b.data]);
  }
  return pairs;
}
