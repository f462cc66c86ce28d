// Accumulates records with Mesos-DNS's set semantics (spec §2.1: an identical name/value pair or an
// empty value is ignored) and remembers which task inserted each record first (spec §2.14).
// Storage is column-wise (parallel arrays, no object per name) because a 100,000-task cluster has
// ~650,000 names and per-name objects made garbage collection the largest cost of generation.
import type { RecordType } from './table.js';

export const TYPE_INDEX: Readonly<Record<RecordType, 0 | 1 | 2>> = { A: 0, AAAA: 1, SRV: 2 };
export const TYPE_NAMES: readonly RecordType[] = ['A', 'AAAA', 'SRV'];

/** Lists longer than this get a Set beside them so membership stays O(1) (e.g. slave.<domain>). */
const LINEAR_SCAN_LIMIT = 16;

/** Values of one type for one name: most names hold one value, kept as the bare string. */
export type ValueList = string | string[] | null;

export function valueCount(list: ValueList): number {
  return list === null ? 0 : typeof list === 'string' ? 1 : list.length;
}

export function valuesOf(list: ValueList): readonly string[] {
  return list === null ? [] : typeof list === 'string' ? [list] : list;
}

export interface BuilderTask {
  readonly name: string;
  readonly id: string;
  /** Index of the task's first triple in RecordSetBuilder.taskRecords, and how many it has. */
  readonly firstRecord: number;
  recordCount: number;
}

/** An append-only Int32 list: 4 bytes per number where a JS array of millions of numbers takes 8. */
export class Int32List {
  private data = new Int32Array(1024);
  length = 0;

  push3(a: number, b: number, c: number): void {
    if (this.length + 3 > this.data.length) {
      const next = new Int32Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length] = a;
    this.data[this.length + 1] = b;
    this.data[this.length + 2] = c;
    this.length += 3;
  }

  /** The filled part, sharing storage with the list. */
  view(): Int32Array {
    return this.data.subarray(0, this.length);
  }
}

export interface BuilderFramework {
  readonly name: string;
  readonly tasks: BuilderTask[];
}

export class RecordSetBuilder {
  /** Names in first-insertion order; lists[t][i] holds name i's values of type t (A, AAAA, SRV). */
  readonly names: string[] = [];
  readonly lists: [ValueList[], ValueList[], ValueList[]] = [[], [], []];
  readonly frameworks: BuilderFramework[] = [];
  /** Flattened triples for enumeration: type index, name index, position in that name's list. */
  readonly taskRecords = new Int32List();
  private readonly index = new Map<string, number>();
  private readonly bigLists = new Map<number, Set<string>>();
  private currentTask: BuilderTask | undefined;

  /** Adds a record; returns false when it was already there or the value is empty. */
  add(name: string, value: string, type: RecordType): boolean {
    if (value === '') return false;
    let entry = this.index.get(name);
    if (entry === undefined) {
      entry = this.names.length;
      this.index.set(name, entry);
      this.names.push(name);
      this.lists[0].push(null);
      this.lists[1].push(null);
      this.lists[2].push(null);
    }
    const typeIndex = TYPE_INDEX[type];
    const lists = this.lists[typeIndex];
    const list = lists[entry] as ValueList;
    let position: number;
    if (list === null) {
      lists[entry] = value;
      position = 0;
    } else if (typeof list === 'string') {
      if (list === value) return false;
      lists[entry] = [list, value];
      position = 1;
    } else {
      const setKey = entry * 3 + typeIndex;
      const set = list.length >= LINEAR_SCAN_LIMIT ? this.bigLists.get(setKey) : undefined;
      if (set ? set.has(value) : list.includes(value)) return false;
      list.push(value);
      if (set) set.add(value);
      else if (list.length === LINEAR_SCAN_LIMIT) this.bigLists.set(setKey, new Set(list));
      position = list.length - 1;
    }
    if (this.currentTask) {
      this.taskRecords.push3(typeIndex, entry, position);
      this.currentTask.recordCount++;
    }
    return true;
  }

  beginFramework(name: string): void {
    this.frameworks.push({ name, tasks: [] });
  }

  /** Records added until endTask() are attributed to this task in the enumeration. */
  beginTask(name: string, id: string): void {
    const framework = this.frameworks[this.frameworks.length - 1];
    if (!framework) throw new Error('beginTask before beginFramework');
    this.currentTask = { name, id, firstRecord: this.taskRecords.length / 3, recordCount: 0 };
    framework.tasks.push(this.currentTask);
  }

  endTask(): void {
    this.currentTask = undefined;
  }
}
