// The zone as served (pure): every record a query could get from a table snapshot, in the form the
// answer paths give it: the apex SOA and NS first, then each stored name's A, AAAA, SRV, PTR and CNAME
// records in table order, with the values DNS skips (slave host fragments, unusable SRV values), names
// without a wire form and names no question can reach (names.ts isAskableName) left out and counted.
// One home for "what is served": `records` prints it, AXFR sends it. The domain is one zone; each of the ReverseZones is another (its PTR records).
import type { TableSnapshot } from '../records/store.js';
import type { NameRecords } from '../records/table.js';
import { Collector, type ResolveConfig, nsRecord, soaRecord } from './resolve.js';
import type { ResourceRecord } from './records.js';
import { isAskableName, isInZone, parseName } from './names.js';

export interface ZoneTally {
  /** Stored values that are not records DNS serves (behaviour §2.5 fragments, bad SRV values). */
  skipped: number;
  /** Stored names that have no wire form (a label over 63 octets), each once. */
  readonly unencodable: Set<string>;
  /** Stored names that have a wire form but that no question reaches (names.ts isAskableName). */
  readonly unreachable: Set<string>;
  /**
   * Stored names a question reaches that have no record to serve (every value skipped, or every SRV
   * target without a wire form). A query gets NOERROR without data (SERVFAIL when targets are
   * unencodable), but a zone holds no empty names: a server loading it says NXDOMAIN, unless a name
   * below is served.
   */
  readonly empty: Set<string>;
}

export function newZoneTally(): ZoneTally {
  return { skipped: 0, unencodable: new Set(), unreachable: new Set(), empty: new Set() };
}

/** The apex SOA (with the snapshot's serial), or undefined when SOAMname/SOARname cannot be encoded. */
export function zoneSoa(snapshot: TableSnapshot, config: ResolveConfig, zone: string = config.domain): ResourceRecord | undefined {
  if (!parseName(config.soaMname) || !parseName(config.soaRname)) return undefined;
  return soaRecord(`${zone}.`, snapshot, config);
}

/** Which stored names a walk of one zone yields. */
export interface ZoneSelection {
  /** The zone walked, without the trailing dot (default: the domain). */
  readonly zone?: string;
  /** Config.reverseZones: their names are left out of the domain's walk (default: the config's). */
  readonly reverseZones?: readonly string[];
}

/** What a walk reads of the config: the answer rules and the reverse zones. */
export type ZoneConfig = ResolveConfig & { readonly reverseZones?: readonly string[] };

/** One stored name's served records, appended to `out`. */
function collectName(collector: Collector, name: string, records: NameRecords, snapshot: TableSnapshot, out: ResourceRecord[]): void {
  collector.addresses(name, records, 'a', out);
  collector.addresses(name, records, 'aaaa', out);
  collector.srvs(name, records, snapshot, out);
  collector.targets(name, records, 'ptr', out);
  collector.targets(name, records, 'cname', out);
}

/**
 * The served records of one stored name of the domain, as zoneRecords gives them (none for a name
 * without a wire form, one no question reaches, or one of the ReverseZones).
 */
export function nameRecords(snapshot: TableSnapshot, config: ZoneConfig, name: string, records: NameRecords): ResourceRecord[] {
  if (!isAskableName(name)) return [];
  if ((config.reverseZones ?? []).some((z) => isInZone(name, `${z}.`))) return [];
  const out: ResourceRecord[] = [];
  collectName(new Collector(config.ttl, config.srvRecordDefaultWeight), name, records, snapshot, out);
  return out;
}

/**
 * Every served record of the zone: SOA, NS, then per stored name (table order) its A, AAAA, SRV,
 * PTR and CNAME records. Lazy, so a 650,000-name zone is never held as records at once. The tally,
 * when given, collects what was left out. `selection.zone` picks a reverse zone instead of the domain.
 */
export function* zoneRecords(
  snapshot: TableSnapshot,
  config: ZoneConfig,
  tally: ZoneTally = newZoneTally(),
  selection: ZoneSelection = {},
): Generator<ResourceRecord> {
  const zone = selection.zone ?? config.domain;
  const apex = `${zone}.`;
  const isDomain = zone === config.domain;
  const otherZones = (selection.reverseZones ?? config.reverseZones ?? []).filter((z) => z !== zone).map((z) => `${z}.`);
  const soa = zoneSoa(snapshot, config, zone);
  if (soa) {
    yield soa;
    yield nsRecord(apex, config);
  }
  const collector = new Collector(config.ttl, config.srvRecordDefaultWeight);
  const batch: ResourceRecord[] = [];
  for (const [name, records] of snapshot.table.entries()) {
    // The domain's walk keeps every other stored name (e.g. a SOAMname outside the domain) as before;
    // a reverse zone's walk only its own names.
    if (isDomain ? otherZones.some((z) => isInZone(name, z)) : !isInZone(name, apex)) continue;
    const askable = isAskableName(name);
    if (!askable && parseName(name) !== undefined) {
      tally.unreachable.add(name);
      continue;
    }
    collectName(collector, name, records, snapshot, batch);
    if (batch.length > 0) {
      yield* batch;
      batch.length = 0;
    } else if (askable) {
      tally.empty.add(name);
    }
    if (collector.unencodable.length > 0) {
      for (const n of collector.unencodable) tally.unencodable.add(n);
      collector.unencodable.length = 0;
    }
  }
  tally.skipped += collector.skipped;
}
