// The record table, config, store and fake forwarder the DNS case list runs against.
// Table: generateRecords on fixtures/dns/state.json (domain "mesos"), a cluster made for DNS edge cases:
// nginx (one A), many (40 A), mid (8 SRV targets of 35 octets: behaviour §3.6's measured sizes), dual (A+AAAA),
// v6app (IPv6-only slave), hostapp (slave known by host name only: non-IP A values), a 60-character task
// name whose canonical label is 69 octets (unencodable, behaviour §8 #12), a STAGING task (no records).
import { readFileSync } from 'node:fs';
import type DNS from 'dns2';
import { Packet } from 'dns2';
import { type Config, DEFAULT_CONFIG } from '../../src/config/types.js';
import type { ForwardRequest, Forwarder } from '../../src/forward/types.js';
import { parseStateText } from '../../src/mesos/parse-state.js';
import { generateRecords } from '../../src/records/generate.js';
import { IncrementalTables } from '../../src/records/incremental-tables.js';
import { compactState } from '../../src/records/compact-task.js';
import { assemblePartedTable, openPartedTable } from '../../src/records/parted-table.js';
import { type RecordStore, createRecordStore } from '../../src/records/store.js';
import type { PackedTable, RecordTable } from '../../src/records/table.js';

/** Wall clock of the fixture store: the first table gets SOA serial 1700000000. */
export const FIXTURE_NOW_MS = 1_700_000_000_000;
export const FIXTURE_SERIAL = 1_700_000_000;
/** What the fake forwarder answers for every question. */
export const FORWARDED_ADDRESS = '192.0.2.250';

export function dnsTestConfig(overrides: Partial<Config> = {}): Config {
  return Object.freeze({
    ...DEFAULT_CONFIG,
    file: '/nonexistent/config.json',
    domain: 'mesos',
    listener: '127.0.0.1',
    port: 0,
    ttl: 60,
    soaMinttl: 30,
    soaMname: 'ns1.mesos.',
    soaRname: 'root.ns1.mesos.',
    masters: ['192.0.2.100:5050'],
    ...overrides,
  });
}

export function fixturePath(relative: string): URL {
  return new URL(`../../../fixtures/${relative}`, import.meta.url);
}

let cachedTable: PackedTable | undefined;

export function loadDnsFixtureTable(statePath = "dns/state.json"): PackedTable {
  if (statePath === 'dns/state.json' && cachedTable) return cachedTable;
  const parsed = parseStateText(readFileSync(fixturePath(statePath), 'utf8'));
  if (!parsed.ok) throw new Error(`fixture state does not parse: ${parsed.error}`);
  const table = generateRecords({
    state: parsed.state,
    config: { domain: 'mesos', ipSources: ['netinfo', 'mesos', 'host'], enforceRFC952: false, soaMname: 'ns1.mesos.', listener: '192.0.2.53' },
    masters: ['192.0.2.100:5050'],
    listenerAddresses: [],
  });
  if (statePath === 'dns/state.json') cachedTable = table;
  return table;
}

const FIXTURE_GENERATE_CONFIG = { domain: 'mesos', ipSources: ['netinfo', 'mesos', 'host'], enforceRFC952: false, soaMname: 'ns1.mesos.', listener: '192.0.2.53' } as const;

/**
 * The fixture's table as the event stream builds it: in parts (records/incremental-tables.ts), as
 * the serving side opens it.
 */
export function loadDnsFixturePartedTable(): RecordTable {
  const text = readFileSync(fixturePath('dns/state.json'), 'utf8');
  const parsed = parseStateText(text);
  if (!parsed.ok) throw new Error(`fixture state does not parse: ${parsed.error}`);
  const ids = (JSON.parse(text) as { frameworks: { id: string }[] }).frameworks.map((f) => f.id);
  const result = new IncrementalTables({ ...FIXTURE_GENERATE_CONFIG, ipSources: [...FIXTURE_GENERATE_CONFIG.ipSources] }).reset(compactState(parsed.state, ids), ids, {
    masters: ['192.0.2.100:5050'],
    listenerAddresses: [],
  });
  if (result.kind !== 'parted') throw new Error('the fixture has a name made by two parts');
  const parted = assemblePartedTable(result.message, undefined);
  if (!parted) throw new Error('parts missing');
  return openPartedTable(parted);
}

/** A store holding the fixture table (serial FIXTURE_SERIAL), or empty when `empty`; `parted`: the table in parts. */
export function createFixtureStore(options: { empty?: boolean; now?: () => number; parted?: boolean } = {}): RecordStore {
  const store = createRecordStore({ now: options.now ?? (() => FIXTURE_NOW_MS) });
  if (!options.empty) store.swap(options.parted ? loadDnsFixturePartedTable() : loadDnsFixtureTable());
  return store;
}

export interface FakeForwarder extends Forwarder {
  readonly requests: ForwardRequest[];
  closed: boolean;
}

/**
 * Answers every question with `<qname> 60 A 192.0.2.250` (built with dns2's encoder, independent of
 * ours), after `delay()` resolves if given.
 */
export function createFakeForwarder(delay?: () => Promise<void>): FakeForwarder {
  const requests: ForwardRequest[] = [];
  const fake: FakeForwarder = {
    requests,
    closed: false,
    async forward(request) {
      requests.push(request);
      if (delay) await delay();
      const query = Packet.parse(Buffer.from(request.query));
      const response = Packet.createResponseFromRequest(query);
      response.header.ra = 1;
      const q = query.questions[0];
      if (q) {
        response.answers.push({
          name: q.name,
          type: Packet.TYPE.A,
          class: Packet.CLASS.IN,
          ttl: 60,
          address: FORWARDED_ADDRESS,
        } as DNS.Packet.Resource);
      }
      return response.toBuffer();
    },
    async close() {
      fake.closed = true;
    },
  };
  return fake;
}
