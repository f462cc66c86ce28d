// Per-table facts the resolver needs beyond exact-name lookup (pure): the set of empty non-terminals,
// i.e. names inside the domain that have no records of their own but are proper ancestors of stored
// names (spec §8 #8: they exist, so they get NODATA rather than NXDOMAIN). Built once per table, on
// first need, and dropped with the table.
import type { RecordTable } from '../records/table.js';

const ancestorsByTable = new WeakMap<RecordTable, ReadonlySet<string>>();

function collectAncestors(table: RecordTable): ReadonlySet<string> {
  const apex = `${table.domain}.`;
  const tail = `.${apex}`;
  const set = new Set<string>();
  for (const [name] of table.entries()) {
    if (!name.endsWith(tail)) continue;
    // Walk the proper ancestors from the longest down to the apex (excluded); stop at the first one
    // already known, since its own ancestors were added with it.
    let dot = name.indexOf('.');
    while (dot >= 0 && name.length - dot - 1 > apex.length) {
      const ancestor = name.slice(dot + 1);
      if (set.has(ancestor)) break;
      set.add(ancestor);
      dot = name.indexOf('.', dot + 1);
    }
  }
  return set;
}

/** Whether some stored name lies strictly below `name` (an exact, lower-cased FQDN). */
export function hasDescendants(table: RecordTable, name: string): boolean {
  let set = ancestorsByTable.get(table);
  if (!set) {
    set = collectAncestors(table);
    ancestorsByTable.set(table, set);
  }
  return set.has(name);
}
