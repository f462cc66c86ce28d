// The zone's recent changes, for incremental transfer (IXFR, RFC 1995). A full transfer of a
// 650,000-name zone takes seconds; a change usually touches a few names. When a table swaps in, every
// name's stored values are compared with the previous table's, straight from the two tables' bytes,
// on the serving thread in slices of a few milliseconds; the names that differ give the records to
// delete and to add (their served records, from zone.ts; per name only what really changed). The
// last deltas are kept, bounded in records; a secondary at one of their serials gets what changed
// since, anything else the whole zone. The caller sends NOTIFY when a delta is ready (or given up),
// so a secondary that reacts at once finds it.
//
// A delta is only right when the two tables were served alike: a change of TTL, SRV weight, SOA
// fields or domain between them clears the journal (secondaries then transfer the whole zone).
import { Buffer } from 'node:buffer';
import type { Logger } from '../log.js';
import { ENTRY_FIELDS, hashBytes, nameSlots } from '../records/packed-table.js';
import type { TableSnapshot } from '../records/store.js';
import { changedParts, type PartPair } from '../records/parted-table.js';
import type { PackedTableData } from '../records/table.js';
import { QType } from '../wire/constants.js';
import type { ResourceRecord, SoaRecord } from './records.js';
import type { ResolveConfig } from './resolve.js';
import { nameRecords, zoneSoa } from './zone.js';

/** Records (deleted + added) the journal keeps over all its deltas; a bigger delta clears it. */
export const MAX_JOURNAL_RECORDS = 100_000;
/** How long one slice of the comparison may run before the serving thread gets a turn. */
const SLICE_MS = 4;
/** Entries compared between clock reads. */
const ENTRIES_PER_CHECK = 256;

export interface ZoneDelta {
  /** The SOA the secondary has (deleted first), and the SOA after the delta (added first). */
  readonly from: SoaRecord;
  readonly to: SoaRecord;
  readonly deleted: readonly ResourceRecord[];
  readonly added: readonly ResourceRecord[];
}

export interface ZoneJournalView {
  /** The deltas from `serial` to `current`, in order; undefined when the journal does not hold them all. */
  since(serial: number, current: TableSnapshot): readonly ZoneDelta[] | undefined;
}

export interface ZoneJournal extends ZoneJournalView {
  /**
   * A new table: its delta from the previous one is computed in slices, then `ready` is called (also
   * when there is no delta to compute or it is given up). A newer table cancels a delta in progress
   * (its `ready` is not called).
   */
  swapped(next: TableSnapshot, previous: TableSnapshot | undefined, config: ResolveConfig, enabled: boolean, ready: () => void): void;
  /** Deltas kept and their records (for tests and metrics). */
  readonly size: { readonly deltas: number; readonly records: number };
  close(): void;
}

/** What must be equal for two tables to be served alike (every record's fields but the stored values). */
function servedKey(config: ResolveConfig): string {
  return JSON.stringify([
    config.domain,
    config.ttl,
    config.srvRecordDefaultWeight,
    config.soaMname,
    config.soaRname,
    config.soaRefresh,
    config.soaRetry,
    config.soaExpire,
    config.soaMinttl,
  ]);
}

/**
 * The names whose stored values differ between two tables, found from their bytes: each name of
 * `next` is looked up in `previous`'s hash index and its values compared octet by octet. Run in
 * steps; gives up past `maxNames` changed names.
 */
export class TableDiff {
  /** Entry positions in `previous` whose records go (a name gone or changed). */
  readonly removed: number[] = [];
  /** Entry positions in `next` whose records come (a name new or changed). */
  readonly added: number[] = [];
  private readonly seen: Uint8Array;
  private nextPos = 0;
  private previousPos = 0;
  /** Where the last name was found in `previous`: tables of similar states list names in the same order. */
  private lastFound = -1;
  private readonly mask: number;
  private readonly previousSlots: Int32Array;
  /** The two tables' strings, read four octets at a time (a DataView reads at any offset). */
  private readonly previousWords: DataView;
  private readonly nextWords: DataView;

  constructor(
    private readonly previous: PackedTableData,
    private readonly next: PackedTableData,
    private readonly maxNames: number,
  ) {
    this.seen = new Uint8Array(previous.entries.length / ENTRY_FIELDS);
    this.previousSlots = nameSlots(previous);
    this.mask = this.previousSlots.length - 1;
    this.previousWords = new DataView(previous.strings.buffer, previous.strings.byteOffset, previous.strings.byteLength);
    this.nextWords = new DataView(next.strings.buffer, next.strings.byteOffset, next.strings.byteLength);
  }

  /** Whether previous.strings[p, p+len) and next.strings[n, n+len) are the same octets. */
  private sameOctets(p: number, n: number, len: number): boolean {
    let i = 0;
    for (; i + 4 <= len; i += 4) if (this.previousWords.getUint32(p + i) !== this.nextWords.getUint32(n + i)) return false;
    for (; i < len; i++) if (this.previous.strings[p + i] !== this.next.strings[n + i]) return false;
    return true;
  }

  private get tooBig(): boolean {
    return this.size > this.maxNames;
  }

  /** Names found changed so far (removed + added). */
  get size(): number {
    return this.removed.length + this.added.length;
  }

  /** Compares up to `count` entries; 'more', 'done', or 'too_big'. */
  step(count: number): 'more' | 'done' | 'too_big' {
    const nextEntries = this.next.entries.length / ENTRY_FIELDS;
    let budget = count;
    for (; this.nextPos < nextEntries && budget > 0; this.nextPos++, budget--) {
      const found = this.find(this.nextPos);
      if (found < 0) {
        this.added.push(this.nextPos);
      } else {
        this.seen[found] = 1;
        if (!this.sameValues(found, this.nextPos)) {
          this.removed.push(found);
          this.added.push(this.nextPos);
        }
      }
      if (this.tooBig) return 'too_big';
    }
    for (; this.previousPos < this.seen.length && budget > 0; this.previousPos++, budget--) {
      if (this.seen[this.previousPos] === 0) this.removed.push(this.previousPos);
      if (this.tooBig) return 'too_big';
    }
    return this.nextPos < nextEntries || this.previousPos < this.seen.length ? 'more' : 'done';
  }

  /** Whether previous's entry `candidate` has the name next.strings[off, off+len). */
  private nameAt(candidate: number, off: number, len: number): boolean {
    const pe = this.previous.entries;
    return pe[candidate * ENTRY_FIELDS + 1] === len && this.sameOctets(pe[candidate * ENTRY_FIELDS] as number, off, len);
  }

  /** The position in `previous` of next's entry `pos` (same name octets), or -1. */
  private find(pos: number): number {
    const e = this.next.entries;
    const off = e[pos * ENTRY_FIELDS] as number;
    const len = e[pos * ENTRY_FIELDS + 1] as number;
    // The entry after the last one found first: in order, the walk reads both tables front to back.
    const guess = this.lastFound + 1;
    if (guess < this.seen.length && this.nameAt(guess, off, len)) return (this.lastFound = guess);
    for (let slot = hashBytes(this.next.strings, off, off + len) & this.mask; ; slot = (slot + 1) & this.mask) {
      const value = this.previousSlots[slot] as number;
      if (value === 0) return -1;
      if (this.nameAt(value - 1, off, len)) return (this.lastFound = value - 1);
    }
  }

  /** Whether both entries hold the same values in the same order, type by type. */
  private sameValues(previousPos: number, nextPos: number): boolean {
    const pe = this.previous.entries;
    const ne = this.next.entries;
    for (let field = 2; field < ENTRY_FIELDS; field += 2) {
      const count = ne[nextPos * ENTRY_FIELDS + field + 1] as number;
      if (pe[previousPos * ENTRY_FIELDS + field + 1] !== count) return false;
      const pStart = pe[previousPos * ENTRY_FIELDS + field] as number;
      const nStart = ne[nextPos * ENTRY_FIELDS + field] as number;
      for (let v = 0; v < count; v++) {
        const pLen = this.previous.values[(pStart + v) * 2 + 1] as number;
        if (this.next.values[(nStart + v) * 2 + 1] !== pLen) return false;
        if (!this.sameOctets(this.previous.values[(pStart + v) * 2] as number, this.next.values[(nStart + v) * 2] as number, pLen)) return false;
      }
    }
    return true;
  }
}

function entryName(data: PackedTableData, text: Buffer, pos: number): string {
  const off = data.entries[pos * ENTRY_FIELDS] as number;
  return text.toString('utf8', off, off + (data.entries[pos * ENTRY_FIELDS + 1] as number));
}

function recordKey(rr: ResourceRecord): string {
  return JSON.stringify(rr);
}

/** The served records of one name in a table (none when it is not stored). */
function servedAt(snapshot: TableSnapshot, config: ResolveConfig, name: string): ResourceRecord[] {
  const records = snapshot.table.lookup(name);
  return records ? nameRecords(snapshot, config, name, records) : [];
}

/** Appends to `out` each record of `records` whose key is not in `others`, once per key. */
function pushMissing(records: readonly ResourceRecord[], others: ReadonlySet<string>, out: ResourceRecord[]): void {
  const seen = new Set<string>();
  for (const rr of records) {
    const key = recordKey(rr);
    if (!others.has(key) && !seen.has(key)) {
      seen.add(key);
      out.push(rr);
    }
  }
}

/**
 * The records deleted and added between two tables for the names the diff found: for a name in both,
 * only the records that differ (secondaries hold sets; deleting a record they lack, or adding one they
 * have, fails the transfer).
 */
function* deltaRecords(
  diffs: readonly TableDiff[],
  pairs: readonly PartPair[],
  previous: TableSnapshot,
  next: TableSnapshot,
  config: ResolveConfig,
  deleted: ResourceRecord[],
  added: ResourceRecord[],
): Generator<void> {
  const names = new Set<string>();
  diffs.forEach((diff, i) => {
    const [before, after] = pairs[i] as PartPair;
    const previousText = Buffer.from(before.strings.buffer, before.strings.byteOffset, before.strings.byteLength);
    const nextText = Buffer.from(after.strings.buffer, after.strings.byteOffset, after.strings.byteLength);
    for (const pos of diff.removed) names.add(entryName(before, previousText, pos));
    for (const pos of diff.added) names.add(entryName(after, nextText, pos));
  });
  let sinceCheck = 0;
  for (const name of names) {
    const before = servedAt(previous, config, name);
    const after = servedAt(next, config, name);
    pushMissing(before, new Set(after.map(recordKey)), deleted);
    pushMissing(after, new Set(before.map(recordKey)), added);
    if (++sinceCheck === 64) {
      sinceCheck = 0;
      yield;
    }
  }
}

/** The kept deltas, oldest first, one chain of serials, at most `maxRecords` records in all. */
class DeltaChain {
  private deltas: ZoneDelta[] = [];
  private records = 0;

  constructor(private readonly maxRecords: number) {}

  clear(): void {
    this.deltas = [];
    this.records = 0;
  }

  keep(delta: ZoneDelta): void {
    // A delta cancelled by a newer table leaves a gap: the kept deltas no longer lead here.
    if (this.deltas.at(-1)?.to.serial !== delta.from.serial) this.clear();
    const size = delta.deleted.length + delta.added.length;
    this.deltas.push(delta);
    this.records += size;
    while (this.records > this.maxRecords && this.deltas.length > 0) {
      const dropped = this.deltas.shift() as ZoneDelta;
      this.records -= dropped.deleted.length + dropped.added.length;
    }
  }

  since(serial: number, current: TableSnapshot): readonly ZoneDelta[] | undefined {
    const start = this.deltas.findIndex((d) => d.from.serial === serial);
    if (start < 0 || this.deltas.at(-1)?.to.serial !== current.serial) return undefined;
    return this.deltas.slice(start);
  }

  size(): { deltas: number; records: number } {
    return { deltas: this.deltas.length, records: this.records };
  }
}

/**
 * Runs `work` in slices of SLICE_MS until it is done or `current()` turns false; done gets the longest
 * slice. When the work throws, `failed` runs and then done.
 */
function runSliced(work: Generator<void, void>, current: () => boolean, failed: (err: unknown) => void, done: (longestSliceMs: number) => void): void {
  let longest = 0;
  const slice = (): void => {
    if (!current()) return;
    const start = performance.now();
    const until = start + SLICE_MS;
    try {
      while (performance.now() < until) {
        if (work.next().done) {
          longest = Math.max(longest, performance.now() - start);
          return done(longest);
        }
      }
      longest = Math.max(longest, performance.now() - start);
    } catch (err) {
      failed(err);
      return done(longest);
    }
    setImmediate(slice);
  };
  setImmediate(slice);
}

export function createZoneJournal(options: { readonly logger: Logger; readonly maxRecords?: number }): ZoneJournal {
  const { logger } = options;
  const maxRecords = options.maxRecords ?? MAX_JOURNAL_RECORDS;
  const chain = new DeltaChain(maxRecords);
  let lastKey: string | undefined;
  /** Bumped by every swap and by close(): a slice of an older job sees it and stops. */
  let job = 0;
  const clear = (): void => chain.clear();
  const failed = (err: unknown): void => {
    logger.error({ err }, 'zone journal: the delta could not be computed; secondaries will transfer the whole zone');
    clear();
  };

  return {
    since: (serial, current) => chain.since(serial, current),
    get size() {
      return chain.size();
    },
    swapped(next, previous, config, enabled, ready) {
      const id = ++job;
      const key = servedKey(config);
      const servedAlike = key === lastKey;
      lastKey = key;
      const from = previous ? zoneSoa(previous, config) : undefined;
      const to = zoneSoa(next, config);
      if (!enabled || !previous || !servedAlike || from?.type !== QType.SOA || to?.type !== QType.SOA) {
        clear();
        return ready();
      }
      const startedAt = performance.now();
      const pairs = changedParts(previous.table, next.table);
      if (!pairs) {
        clear();
        return ready();
      }
      const diffs = pairs.map(([before, after]) => new TableDiff(before, after, maxRecords));
      const deleted: ResourceRecord[] = [];
      const added: ResourceRecord[] = [];
      let outcome: 'done' | 'too_big' = 'done';
      function* work(): Generator<void, void> {
        let names = 0;
        for (const diff of diffs) {
          for (;;) {
            const state = diff.step(ENTRIES_PER_CHECK);
            if (state === 'too_big' || names + diff.size > maxRecords) {
              outcome = 'too_big';
              return;
            }
            if (state === 'done') break;
            yield;
          }
          names += diff.size;
        }
        yield* deltaRecords(diffs, pairs as PartPair[], previous as TableSnapshot, next, config, deleted, added);
      }
      runSliced(work(), () => id === job, failed, (longestSliceMs) => {
        if (outcome === 'too_big' || deleted.length + added.length > maxRecords) {
          clear();
          logger.info({ serial: next.serial, limit: maxRecords }, 'zone journal: too many changes for an incremental transfer; secondaries will transfer the whole zone');
        } else {
          chain.keep({ from, to, deleted, added });
          logger.debug(
            {
              from: from.serial,
              to: to.serial,
              deleted: deleted.length,
              added: added.length,
              ms: Math.round(performance.now() - startedAt),
              longestSliceMs: Number(longestSliceMs.toFixed(1)),
            },
            'zone journal: delta ready',
          );
        }
        ready();
      });
    },
    close() {
      job++;
      clear();
    },
  };
}
