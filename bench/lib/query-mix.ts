// dnsperf query files drawn from a cluster's real record table: a deterministic, shuffled mix of
// A hits, SRV hits, in-domain misses (NXDOMAIN) and AAAA queries, plus a hits-only file (both from a
// few thousand names, repeated), and a uniform file that draws every line's name from all the table's
// names (no locality, the worst realistic case: nothing an earlier query touched helps the next).
import { isIPv4, isIPv6 } from 'node:net';
import type { NameRecords, RecordTable } from '../../src/records/table.js';
import { seededRandom } from '../../test/helpers/seeded-random.js';

export interface QueryMixShares {
  readonly a: number;
  readonly srv: number;
  readonly miss: number;
  readonly aaaa: number;
}

/** Issue 3's mix: 70% A hits, 15% SRV hits, 10% in-domain misses, 5% AAAA. */
export const STANDARD_MIX: QueryMixShares = { a: 70, srv: 15, miss: 10, aaaa: 5 };
/** A and SRV hits only, in the standard mix's proportion. */
export const HITS_ONLY: QueryMixShares = { a: 70, srv: 15, miss: 0, aaaa: 0 };

export interface QueryMixOptions {
  readonly table: RecordTable;
  readonly shares: QueryMixShares;
  /** Lines in the file (dnsperf loops over it). */
  readonly lines: number;
  /** Distinct names per category are capped so the whole file has "a few thousand" names. */
  readonly distinct: QueryMixShares;
  readonly seed: number;
}

export interface QueryMix {
  /** dnsperf input: "name TYPE" per line. */
  readonly text: string;
  readonly lines: number;
  /** Distinct names actually used, per category. */
  readonly distinct: QueryMixShares;
  /** True when the table has no AAAA records and AAAA queries go to A names (NOERROR, no data). */
  readonly aaaaNoData: boolean;
}


function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = items[i] as T;
    items[i] = items[j] as T;
    items[j] = t;
  }
  return items;
}

/** Up to `n` items chosen uniformly (reservoir sampling; one pass over a large iterable). */
function sample<T>(items: Iterable<T>, n: number, random: () => number): T[] {
  const out: T[] = [];
  let seen = 0;
  for (const item of items) {
    seen++;
    if (out.length < n) out.push(item);
    else {
      const j = Math.floor(random() * seen);
      if (j < n) out[j] = item;
    }
  }
  return out;
}

function* namesWhere(table: RecordTable, keep: (records: NameRecords) => boolean): Iterable<string> {
  for (const [name, records] of table.entries()) if (keep(records)) yield name;
}

/** Names inside the domain that the table does not hold: they answer NXDOMAIN. */
function missNames(table: RecordTable, n: number, random: () => number): string[] {
  const parents = ['marathon', 'marathon.slave', 'chronos', 'nonexistent-framework', ''];
  const out: string[] = [];
  for (let i = 0; out.length < n && i < n * 10; i++) {
    const parent = parents[i % parents.length] as string;
    const label = `nx-${Math.floor(random() * 1e9).toString(36)}-${i}`;
    const name = `${label}.${parent === '' ? '' : `${parent}.`}${table.domain}.`;
    if (table.lookup(name) === undefined) out.push(name);
  }
  return out;
}

/** Builds a shuffled query file from the table's real names. */
export function buildQueryMix(options: QueryMixOptions): QueryMix {
  const { table, shares } = options;
  const random = seededRandom(options.seed);
  const aNames = sample(namesWhere(table, (r) => r.a.some((ip) => isIPv4(ip))), options.distinct.a, random);
  const srvNames = sample(namesWhere(table, (r) => r.srv.length > 0), options.distinct.srv, random);
  let aaaaNames = sample(namesWhere(table, (r) => r.aaaa.some((ip) => isIPv6(ip))), options.distinct.aaaa, random);
  const aaaaNoData = aaaaNames.length === 0 && shares.aaaa > 0;
  if (aaaaNoData) aaaaNames = aNames.slice(0, options.distinct.aaaa);
  const misses = shares.miss > 0 ? missNames(table, options.distinct.miss, random) : [];

  const total = shares.a + shares.srv + shares.miss + shares.aaaa;
  const categories: { names: string[]; type: string; share: number }[] = [
    { names: aNames, type: 'A', share: shares.a },
    { names: srvNames, type: 'SRV', share: shares.srv },
    { names: misses, type: 'A', share: shares.miss },
    { names: aaaaNames, type: 'AAAA', share: shares.aaaa },
  ];
  const lines: string[] = [];
  for (const { names, type, share } of categories) {
    if (share === 0) continue;
    if (names.length === 0) throw new Error(`the table has no names for ${type} queries of this mix`);
    const count = Math.round((options.lines * share) / total);
    for (let i = 0; i < count; i++) {
      // Every chosen name appears at least once; the rest are drawn at random.
      const name = names[i < names.length ? i : Math.floor(random() * names.length)] as string;
      lines.push(`${name.slice(0, -1)} ${type}`);
    }
  }
  shuffle(lines, random);
  return {
    text: `${lines.join('\n')}\n`,
    lines: lines.length,
    distinct: {
      a: shares.a > 0 ? aNames.length : 0,
      srv: shares.srv > 0 ? srvNames.length : 0,
      miss: misses.length,
      aaaa: shares.aaaa > 0 ? aaaaNames.length : 0,
    },
    aaaaNoData,
  };
}

export interface UniformShares {
  readonly a: number;
  readonly srv: number;
  readonly aaaa: number;
}

/** Issue 8's worst realistic case: 80% A, 15% SRV, 5% AAAA, every name of a type equally likely. */
export const UNIFORM_SHARES: UniformShares = { a: 80, srv: 15, aaaa: 5 };

export interface UniformQueriesOptions {
  readonly table: RecordTable;
  readonly shares: UniformShares;
  readonly lines: number;
  readonly seed: number;
}

export interface UniformQueries {
  /** dnsperf input: "name TYPE" per line. */
  readonly text: string;
  readonly lines: number;
  /** Names each type is drawn from (the table's names holding records of that type). */
  readonly pools: UniformShares;
  /** Lines per type. */
  readonly counts: UniformShares;
  /** Distinct (name, type) questions in the file. */
  readonly distinct: number;
  /** What uniform draws with replacement give on average: sum over types of pool × (1 − (1 − 1/pool)^count). */
  readonly expectedDistinct: number;
  /** True when the table has no AAAA records and AAAA lines are drawn from the A names (NOERROR, no data). */
  readonly aaaaNoData: boolean;
}

/**
 * A file with no locality: each line's type is fixed by the shares, its name drawn uniformly (with
 * replacement) from every name of the table that has records of that type, so nothing an earlier query
 * left warm helps the next. Shuffled, deterministic for a seed.
 */
export function buildUniformQueries(options: UniformQueriesOptions): UniformQueries {
  const { table, shares } = options;
  const random = seededRandom(options.seed);
  const aNames: string[] = [];
  const srvNames: string[] = [];
  let aaaaNames: string[] = [];
  for (const [name, records] of table.entries()) {
    if (records.a.length > 0) aNames.push(name);
    if (records.srv.length > 0) srvNames.push(name);
    if (records.aaaa.length > 0) aaaaNames.push(name);
  }
  const aaaaNoData = aaaaNames.length === 0 && shares.aaaa > 0;
  if (aaaaNoData) aaaaNames = aNames;

  const total = shares.a + shares.srv + shares.aaaa;
  const categories = [
    { names: aNames, type: 'A', count: Math.round((options.lines * shares.a) / total) },
    { names: srvNames, type: 'SRV', count: Math.round((options.lines * shares.srv) / total) },
    { names: aaaaNames, type: 'AAAA', count: Math.round((options.lines * shares.aaaa) / total) },
  ];
  const lines: string[] = [];
  let expectedDistinct = 0;
  for (const { names, type, count } of categories) {
    if (count === 0) continue;
    if (names.length === 0) throw new Error(`the table has no names for ${type} queries`);
    for (let i = 0; i < count; i++) {
      const name = names[Math.floor(random() * names.length)] as string;
      lines.push(`${name.slice(0, -1)} ${type}`);
    }
    expectedDistinct += names.length * (1 - Math.pow(1 - 1 / names.length, count));
  }
  shuffle(lines, random);
  return {
    text: `${lines.join('\n')}\n`,
    lines: lines.length,
    pools: { a: aNames.length, srv: srvNames.length, aaaa: aaaaNoData ? 0 : aaaaNames.length },
    counts: {
      a: categories[0]?.count ?? 0,
      srv: categories[1]?.count ?? 0,
      aaaa: categories[2]?.count ?? 0,
    },
    distinct: new Set(lines).size,
    expectedDistinct,
    aaaaNoData,
  };
}
