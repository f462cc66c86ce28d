// Per-table facts the resolver needs beyond exact-name lookup (pure): the empty non-terminals, i.e.
// names inside the domain with no records of their own that are proper ancestors of stored names
// (behaviour §8 #8: they exist, so they get NODATA rather than NXDOMAIN). They are found in the reload
// worker and travel with the table, indexed (records/ancestors.ts): nothing is built here per reload.
import type { RecordTable } from '../records/table.js';

/** Whether some stored name lies strictly below `name` (an exact, lower-cased FQDN). */
export function hasDescendants(table: RecordTable, name: string): boolean {
  return table.hasDescendants(name);
}
