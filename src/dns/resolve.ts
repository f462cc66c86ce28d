// Authoritative resolution of a query inside the domain (pure): question + table snapshot + config →
// rcode and the records of each section, before shuffling and encoding. Behaviour §3.3–3.5 with the §8
// FIXes #3 (missing SRV name → NXDOMAIN + SOA), #4 (SOA/NS at the apex in the answer section),
// #5 (SOA MINIMUM = SOAMinttl, serial per table), #6 (ANY: SOA at most once), #7 (every qtype is
// answered here), #8 (apex and empty non-terminals exist) and #12 (unencodable names are omitted;
// SERVFAIL when that leaves nothing). The same resolution answers the configured reverse zones (PTR
// records) and follows the static CNAMEs within the zone (RFC 1034 §3.6.2, §4.3.2).
import type { DnsSettings } from './settings.js';
import type { NameRecords } from '../records/table.js';
import type { TableSnapshot } from '../records/store.js';
import { splitSrvValue, srvPortOf } from '../records/srv-value.js';
import { QType, Rcode } from '../wire/constants.js';
import { isEncodableName, isInZone } from './names.js';
import {
  type AddressRecord,
  type NameTargetRecord,
  type NsRecord,
  type ResourceRecord,
  type SoaRecord,
  type SrvRecord,
  parseIPv4,
  parseIPv6,
} from './records.js';
import { hasDescendants } from './zone-index.js';

export type ResolveConfig = Pick<
  DnsSettings,
  | 'domain'
  | 'ttl'
  | 'soaMname'
  | 'soaRname'
  | 'soaRefresh'
  | 'soaRetry'
  | 'soaExpire'
  | 'soaMinttl'
  | 'srvRecordDefaultWeight'
>;

export interface ResolveInput {
  /** Question name as sent (presentation form, original case). */
  readonly qname: string;
  /** Lookup name: `.*` removed, ASCII lower-cased (behaviour §3.4, §8 #9). */
  readonly lname: string;
  readonly qtype: number;
}

/** How Mesos-DNS's counters (behaviour §6.1) classify the query. */
export type MesosOutcome = 'success' | 'nxdomain' | 'failed';

export interface Resolution {
  readonly rcode: number;
  /**
   * In table order; the caller shuffles it per query, except the first `chain` records: the CNAMEs
   * leading to the answered name, which stay in their order.
   */
  readonly answer: readonly ResourceRecord[];
  readonly chain?: number;
  readonly authority: readonly ResourceRecord[];
  readonly additional: readonly ResourceRecord[];
  readonly outcome: MesosOutcome;
  /** Stored names that could not be encoded and were left out (label > 63 octets, behaviour §8 #12). */
  readonly unencodable: readonly string[];
}

const EMPTY: readonly ResourceRecord[] = Object.freeze([]);
const NO_NAMES: readonly string[] = Object.freeze([]);

function isEncodable(name: string): boolean {
  return isEncodableName(name);
}

/** The SRV value "<target>:<port>" split as Mesos-DNS does (behaviour §3.5); undefined when unusable. */
function srvTargetPort(value: string): { target: string; port: number } | undefined {
  const { target, port } = splitSrvValue(value);
  const number = srvPortOf(port);
  return number === undefined ? undefined : { target, port: number };
}

/** Turns stored values into records as DNS serves them: non-IP values and unusable SRV values skipped, unencodable names set aside. */
export class Collector {
  readonly unencodable: string[] = [];
  skipped = 0;

  constructor(
    private readonly ttl: number,
    private readonly weight: number,
  ) {}

  /** A name's values of one type; undefined when it has none, or when the owner cannot be encoded (noted). */
  private valuesOf(owner: string, records: NameRecords | undefined, type: 'a' | 'aaaa' | 'ptr' | 'cname'): readonly string[] | undefined {
    if (!records) return undefined;
    const values = records[type];
    if (values.length === 0) return undefined;
    if (!isEncodable(owner)) {
      this.unencodable.push(owner);
      return undefined;
    }
    return values;
  }

  addresses(owner: string, records: NameRecords | undefined, type: 'a' | 'aaaa', out: ResourceRecord[]): void {
    const values = this.valuesOf(owner, records, type);
    if (!values) return;
    for (const value of values) {
      const address = type === 'a' ? parseIPv4(value) : parseIPv6(value);
      if (!address) {
        this.skipped++; // a slave host fragment (behaviour §2.5, §3.5)
        continue;
      }
      out.push({ type: type === 'a' ? QType.A : QType.AAAA, name: owner, ttl: this.ttl, address } as AddressRecord);
    }
  }

  /** One A and one AAAA for a name, the first valid of each (behaviour §3.4 SRV additionals). */
  firstAddresses(owner: string, records: NameRecords | undefined, out: ResourceRecord[]): void {
    if (!records) return;
    for (const [type, values] of [
      [QType.A, records.a],
      [QType.AAAA, records.aaaa],
    ] as const) {
      for (const value of values) {
        const address = type === QType.A ? parseIPv4(value) : parseIPv6(value);
        if (!address) continue;
        out.push({ type, name: owner, ttl: this.ttl, address });
        break;
      }
    }
  }

  /** A name's PTR or CNAME records (a CNAME target is written even when it is not in the table). */
  targets(owner: string, records: NameRecords | undefined, type: 'ptr' | 'cname', out: ResourceRecord[]): void {
    const values = this.valuesOf(owner, records, type);
    if (!values) return;
    for (const target of values) {
      if (!isEncodable(target)) {
        this.unencodable.push(target);
        continue;
      }
      out.push({ type: type === 'ptr' ? QType.PTR : QType.CNAME, name: owner, ttl: this.ttl, target } as NameTargetRecord);
    }
  }

  /** SRV records of a name; with `additional`, the first A and AAAA of each target go there. */
  srvs(
    owner: string,
    records: NameRecords | undefined,
    snapshot: TableSnapshot,
    out: ResourceRecord[],
    additional?: ResourceRecord[],
  ): void {
    if (!records || records.srv.length === 0) return;
    const targets: string[] = [];
    for (const value of records.srv) {
      const split = srvTargetPort(value);
      if (!split) {
        this.skipped++;
        continue;
      }
      if (!isEncodable(split.target)) {
        this.unencodable.push(split.target);
        continue;
      }
      const rr: SrvRecord = {
        type: QType.SRV,
        name: owner,
        ttl: this.ttl,
        priority: 0,
        weight: this.weight,
        port: split.port,
        target: split.target,
      };
      out.push(rr);
      if (!targets.includes(split.target)) targets.push(split.target);
    }
    if (additional) for (const target of targets) this.firstAddresses(target, snapshot.table.lookup(target), additional);
  }
}

export function soaRecord(apex: string, snapshot: TableSnapshot, config: ResolveConfig): SoaRecord {
  return {
    type: QType.SOA,
    name: apex,
    ttl: config.ttl,
    mname: config.soaMname,
    rname: config.soaRname,
    serial: snapshot.serial,
    refresh: config.soaRefresh,
    retry: config.soaRetry,
    expire: config.soaExpire,
    minimum: config.soaMinttl,
  };
}

export function nsRecord(apex: string, config: ResolveConfig): NsRecord {
  return { type: QType.NS, name: apex, ttl: config.ttl, target: config.soaMname };
}

/** The table's addresses of the name server (the SOA MNAME), for the NS additional section. */
function nameServerAddresses(collector: Collector, snapshot: TableSnapshot, config: ResolveConfig, out: ResourceRecord[]): void {
  const mname = config.soaMname;
  const records = snapshot.table.lookup(mname) ?? snapshot.table.lookup(mname.toLowerCase());
  if (!records || !isEncodable(mname)) return;
  collector.addresses(mname, records, 'a', out);
  collector.addresses(mname, records, 'aaaa', out);
}

/**
 * The most CNAME records one answer holds. The static file is checked for loops, so a chain only
 * stops here if it is that long; the answer then holds the chain so far and the client's resolver
 * goes on from its end.
 */
export const MAX_CNAME_CHAIN = 8;

/** The name's records of the asked type (and SOA/NS at the apex) into answer/additional. */
function collectRecords(
  name: string,
  qname: string,
  records: NameRecords | undefined,
  isApex: boolean,
  qtype: number,
  ctx: { collector: Collector; snapshot: TableSnapshot; config: ResolveConfig; apex: string; soaUsable: boolean },
  answer: ResourceRecord[],
  additional: ResourceRecord[],
): void {
  const { collector, snapshot, config, apex } = ctx;
  const any = qtype === QType.ANY;
  if (qtype === QType.SRV || any) collector.srvs(qname, records, snapshot, answer, additional);
  if (qtype === QType.A || any) collector.addresses(name, records, 'a', answer);
  if (qtype === QType.AAAA || any) collector.addresses(name, records, 'aaaa', answer);
  if (qtype === QType.PTR || any) collector.targets(name, records, 'ptr', answer);
  if (isApex && ctx.soaUsable) {
    if (qtype === QType.SOA || any) answer.push(soaRecord(apex, snapshot, config));
    if (qtype === QType.NS || any) {
      answer.push(nsRecord(apex, config));
      nameServerAddresses(collector, snapshot, config, additional);
    }
  }
}

/**
 * Answers a name inside the zone `apex` (default: the domain; else a reverse zone, FQDN with the
 * trailing dot). A name with a CNAME answers it for every type; for types other than CNAME and ANY
 * the chain is followed inside the zone and ends in the last name's records, or in NXDOMAIN/NODATA
 * for it (RFC 6604), or at a name outside the zone, which the client's resolver follows.
 */
export function resolveInDomain(input: ResolveInput, snapshot: TableSnapshot, config: ResolveConfig, apex = `${config.domain}.`): Resolution {
  const { qname, lname, qtype } = input;
  const collector = new Collector(config.ttl, config.srvRecordDefaultWeight);
  const answer: ResourceRecord[] = [];
  const additional: ResourceRecord[] = [];
  const soaUsable = isEncodable(config.soaMname) && isEncodable(config.soaRname);
  const ctx = { collector, snapshot, config, apex, soaUsable };

  if (qtype === QType.AXFR || qtype === QType.IXFR) {
    // Zone transfers are not offered over DNS (the records are at /v1/axfr).
    return { rcode: Rcode.REFUSED, answer: EMPTY, authority: EMPTY, additional: EMPTY, outcome: 'failed', unencodable: NO_NAMES };
  }

  // Follow CNAMEs: `name` is the last name of the chain, `records` its records; `ended` when the
  // chain stops before a name whose records answer (outside the zone, a CNAME or ANY question, a
  // loop, the length bound).
  let name = lname;
  let owner = qname;
  let records = snapshot.table.lookup(lname);
  let ended = false;
  const visited = new Set<string>();
  while (records !== undefined && records.cname.length > 0) {
    collector.targets(name, records, 'cname', answer);
    const target = records.cname[0] as string;
    visited.add(name);
    if (qtype === QType.CNAME || qtype === QType.ANY || visited.size >= MAX_CNAME_CHAIN || visited.has(target) || !isInZone(target, apex)) {
      ended = true;
      break;
    }
    name = target;
    owner = target;
    records = snapshot.table.lookup(target);
  }
  const chain = answer.length;
  if (!ended) collectRecords(name, owner, records, name === apex, qtype, ctx, answer, additional);

  const unencodable = collector.unencodable;
  // Records of the last name, or a chain that ends without one (outside the zone, a CNAME or ANY
  // question, a loop, the length bound).
  if (answer.length > chain || (ended && chain > 0)) {
    return {
      rcode: Rcode.NOERROR,
      answer,
      ...(chain > 0 ? { chain } : {}),
      authority: EMPTY,
      additional,
      outcome: unencodable.length > 0 || collector.skipped > 0 ? 'failed' : 'success',
      unencodable,
    };
  }
  if (unencodable.length > 0) {
    // Everything the name has for this type is unencodable: an error, never a cacheable "no data".
    return { rcode: Rcode.SERVFAIL, answer: EMPTY, authority: EMPTY, additional: EMPTY, outcome: 'failed', unencodable };
  }
  const exists = records !== undefined || name === apex || hasDescendants(snapshot.table, name);
  const authority = soaUsable ? [soaRecord(apex, snapshot, config)] : EMPTY;
  return {
    rcode: exists ? Rcode.NOERROR : Rcode.NXDOMAIN,
    answer: chain > 0 ? answer : EMPTY,
    ...(chain > 0 ? { chain } : {}),
    authority,
    additional: EMPTY,
    outcome: collector.skipped > 0 ? 'failed' : 'nxdomain',
    unencodable,
  };
}
