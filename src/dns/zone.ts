// The zone as served (pure): every record a query could get from a table snapshot, in the form the
// answer paths give it: the apex SOA and NS first, then each stored name's A, AAAA and SRV records in
// table order, with the values DNS skips (slave host fragments, unusable SRV values) and names without a
// wire form left out and counted. One home for "what is served": `records` prints it, AXFR sends it.
import type { TableSnapshot } from '../records/store.js';
import type { NameRecords } from '../records/table.js';
import { Collector, type ResolveConfig, nsRecord, soaRecord } from './resolve.js';
import type { ResourceRecord } from './records.js';
import { parseName } from './names.js';

export interface ZoneTally {
  /** Stored values that are not records DNS serves (spec §2.5 fragments, bad SRV values). */
  skipped: number;
  /** Stored names that have no wire form (a label over 63 octets), each once. */
  readonly unencodable: Set<string>;
}

export function newZoneTally(): ZoneTally {
  return { skipped: 0, unencodable: new Set() };
}

/** The apex SOA (with the snapshot's serial), or undefined when SOAMname/SOARname cannot be encoded. */
export function zoneSoa(snapshot: TableSnapshot, config: ResolveConfig): ResourceRecord | undefined {
  if (!parseName(config.soaMname) || !parseName(config.soaRname)) return undefined;
  return soaRecord(`${config.domain}.`, snapshot, config);
}

/** One stored name's served records, appended to `out`. */
function collectName(collector: Collector, name: string, records: NameRecords, snapshot: TableSnapshot, out: ResourceRecord[]): void {
  collector.addresses(name, records, 'a', out);
  collector.addresses(name, records, 'aaaa', out);
  collector.srvs(name, records, snapshot, out);
}

/** The served records of one stored name, as zoneRecords gives them (none for a name without a wire form). */
export function nameRecords(snapshot: TableSnapshot, config: ResolveConfig, name: string, records: NameRecords): ResourceRecord[] {
  const out: ResourceRecord[] = [];
  collectName(new Collector(config.ttl, config.srvRecordDefaultWeight), name, records, snapshot, out);
  return out;
}

/**
 * Every served record of the zone: SOA, NS, then per stored name (table order) its A, AAAA and SRV
 * records. Lazy, so a 650,000-name zone is never held as records at once. The tally, when given,
 * collects what was left out.
 */
export function* zoneRecords(snapshot: TableSnapshot, config: ResolveConfig, tally: ZoneTally = newZoneTally()): Generator<ResourceRecord> {
  const apex = `${config.domain}.`;
  const soa = zoneSoa(snapshot, config);
  if (soa) {
    yield soa;
    yield nsRecord(apex, config);
  }
  const collector = new Collector(config.ttl, config.srvRecordDefaultWeight);
  const batch: ResourceRecord[] = [];
  for (const [name, records] of snapshot.table.entries()) {
    collectName(collector, name, records, snapshot, batch);
    if (batch.length > 0) {
      yield* batch;
      batch.length = 0;
    }
    if (collector.unencodable.length > 0) {
      for (const n of collector.unencodable) tally.unencodable.add(n);
      collector.unencodable.length = 0;
    }
  }
  tally.skipped += collector.skipped;
}
