// Accumulates records with Mesos-DNS's set semantics (spec §2.1: an identical name/value pair or an
// empty value is ignored) and remembers which task inserted each record first (spec §2.14).
import type { RecordType } from './table.js';

export const TYPE_INDEX: Readonly<Record<RecordType, 0 | 1 | 2>> = { A: 0, AAAA: 1, SRV: 2 };
export const TYPE_NAMES: readonly RecordType[] = ['A', 'AAAA', 'SRV'];

/** Lists longer than this get a Set beside them so membership stays O(1) (e.g. slave.<domain>). */
const LINEAR_SCAN_LIMIT = 16;

export interface BuilderEntry {
  readonly name: string;
  readonly lists: [string[], string[], string[]];
}

export interface BuilderTask {
  readonly name: string;
  readonly id: string;
  /** Flattened triples: entry index, type index, position in that entry's list. */
  readonly records: number[];
}

export interface BuilderFramework {
  readonly name: string;
  readonly tasks: BuilderTask[];
}

export class RecordSetBuilder {
  readonly entries: BuilderEntry[] = [];
  readonly frameworks: BuilderFramework[] = [];
  private readonly index = new Map<string, number>();
  private readonly bigLists = new Map<number, Set<string>>();
  private currentTask: BuilderTask | undefined;

  /** Adds a record; returns false when it was already there or the value is empty. */
  add(name: string, value: string, type: RecordType): boolean {
    if (value === '') return false;
    let entryIndex = this.index.get(name);
    if (entryIndex === undefined) {
      entryIndex = this.entries.length;
      this.index.set(name, entryIndex);
      this.entries.push({ name, lists: [[], [], []] });
    }
    const typeIndex = TYPE_INDEX[type];
    const list = (this.entries[entryIndex] as BuilderEntry).lists[typeIndex];
    const setKey = entryIndex * 3 + typeIndex;
    const set = this.bigLists.get(setKey);
    if (set ? set.has(value) : list.includes(value)) return false;
    list.push(value);
    if (set) set.add(value);
    else if (list.length > LINEAR_SCAN_LIMIT) this.bigLists.set(setKey, new Set(list));
    if (this.currentTask) this.currentTask.records.push(entryIndex, typeIndex, list.length - 1);
    return true;
  }

  beginFramework(name: string): void {
    this.frameworks.push({ name, tasks: [] });
  }

  /** Records added until endTask() are attributed to this task in the enumeration. */
  beginTask(name: string, id: string): void {
    const framework = this.frameworks[this.frameworks.length - 1];
    if (!framework) throw new Error('beginTask before beginFramework');
    this.currentTask = { name, id, records: [] };
    framework.tasks.push(this.currentTask);
  }

  endTask(): void {
    this.currentTask = undefined;
  }
}
