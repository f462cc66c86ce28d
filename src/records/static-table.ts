// Static records (StaticRecordsFile) into the table being built (pure), after every Mesos name: a
// static name that is also a Mesos name is a conflict, reported, and the Mesos name wins (all of the
// name's static records are left out), so the file can never hide or change a task's records.
import type { StaticRecordInput as StaticRecord } from './settings.js';
import { type RecordSetBuilder, TYPE_INDEX } from './builder.js';

/** Static names left out because Mesos generated the same name. */
export interface StaticConflicts {
  readonly count: number;
  /** The first few, for the log line: the name and the file lines of its static records. */
  readonly first: readonly { readonly name: string; readonly lines: readonly number[] }[];
}

const CONFLICTS_LISTED = 10;

const TYPE_OF = { A: TYPE_INDEX.A, AAAA: TYPE_INDEX.AAAA, SRV: TYPE_INDEX.SRV, CNAME: TYPE_INDEX.CNAME } as const;

export const NO_CONFLICTS: StaticConflicts = Object.freeze({ count: 0, first: Object.freeze([]) });

export function addStaticRecords(builder: RecordSetBuilder, records: readonly StaticRecord[]): StaticConflicts {
  if (records.length === 0) return NO_CONFLICTS;
  const byName = new Map<string, StaticRecord[]>();
  for (const record of records) {
    const list = byName.get(record.name);
    if (list) list.push(record);
    else byName.set(record.name, [record]);
  }
  // Decided before any static record is added, so only Mesos names count.
  const conflicting = new Set<string>();
  for (const name of byName.keys()) if (builder.begin(name).endLookup() >= 0) conflicting.add(name);
  const first: { name: string; lines: number[] }[] = [];
  for (const [name, list] of byName) {
    if (conflicting.has(name)) {
      if (first.length < CONFLICTS_LISTED) first.push({ name, lines: list.map((r) => r.line) });
      continue;
    }
    for (const record of list) {
      const value = builder.value(record.value);
      builder.begin(name).add(TYPE_OF[record.type], value);
    }
  }
  return { count: conflicting.size, first };
}
