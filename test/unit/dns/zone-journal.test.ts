// The zone journal: applying its deltas to the old zone gives the new zone exactly (as a secondary
// holds it: a set of records), over state changes of every kind; an IXFR from a kept serial gets the
// difference sequences; too many changes, or a change in how records are served, clear it.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildTableFromText } from '../../../src/commands/records.js';
import type { Config } from '../../../src/config/types.js';
import { QType } from '../../../src/wire/constants.js';
import { handleQuery } from '../../../src/dns/handle.js';
import type { ResourceRecord } from '../../../src/dns/records.js';
import { transferMessages } from '../../../src/dns/transfer-messages.js';
import { type ZoneJournal, createZoneJournal } from '../../../src/dns/zone-journal.js';
import { zoneRecords } from '../../../src/dns/zone.js';
import { createSilentLogger } from '../../../src/log.js';
import { type RecordStore, type TableSnapshot, createRecordStore } from '../../../src/records/store.js';
import { readU32 } from '../../../src/wire/bytes.js';
import { parseLayout } from '../../../src/wire/message.js';
import { readName } from '../../../src/wire/name.js';
import { generateState } from '../../../bench/lib/generate-state.js';
import { parseStateText } from '../../../src/mesos/parse-state.js';
import { IncrementalTables } from '../../../src/records/incremental-tables.js';
import { compactState } from '../../../src/records/compact-task.js';
import { type PartedTableData, assemblePartedTable, openPartedTable } from '../../../src/records/parted-table.js';
import type { RecordTable } from '../../../src/records/table.js';
import { dnsTestConfig } from '../../cases/dns-fixture.js';
import { ixfrQuery } from '../../helpers/dns-codec.js';

type State = { frameworks: { name: string; pid: string; tasks: Record<string, unknown>[] }[]; slaves: { pid: string }[] } & Record<string, unknown>;

const config: Config = dnsTestConfig({ zoneTransferAllowFrom: ['127.0.0.1'] });

function tableOf(state: State): RecordTable {
  return buildTableFromText(config, JSON.stringify(state), []).table;
}

/** Tables as the event stream builds them: in parts, one builder throughout, so unchanged parts are shared. */
function partedTables(): (state: State) => RecordTable {
  const tables = new IncrementalTables({ ...config, ipSources: [...config.ipSources] });
  let parted: PartedTableData | undefined;
  return (state) => {
    const parsed = parseStateText(JSON.stringify(state));
    if (!parsed.ok) throw new Error(parsed.error);
    const ids = state.frameworks.map((f, i) => String((f as { id?: string }).id ?? `framework-${i}`));
    const result = tables.reset(compactState(parsed.state, ids), ids, { masters: config.masters ?? [], listenerAddresses: [] });
    if (result.kind !== 'parted') throw new Error('expected a table in parts');
    parted = assemblePartedTable(result.message, parted);
    if (!parted) throw new Error('parts missing');
    return openPartedTable(parted);
  };
}

function key(rr: ResourceRecord): string {
  return JSON.stringify(rr);
}

/** The zone as a secondary holds it: a set of records, the SOA aside. */
function zoneSet(snapshot: TableSnapshot): Set<string> {
  const out = new Set<string>();
  for (const rr of zoneRecords(snapshot, config)) if (rr.type !== QType.SOA) out.add(key(rr));
  return out;
}

function swapAndWait(journal: ZoneJournal, store: RecordStore, state: State, cfg: Config = config, build: (state: State) => RecordTable = tableOf): Promise<TableSnapshot> {
  const previous = store.current();
  const next = store.swap(build(state));
  return new Promise((resolve) => journal.swapped(next, previous, cfg, true, () => resolve(next)));
}

const base = (): State => generateState({ agents: 20, tasks: 300, seed: 3 }) as State;

/** State changes of every kind, each from the previous one. */
const CHANGES: { readonly name: string; readonly change: (s: State) => void }[] = [
  { name: 'a task gone', change: (s) => void s.frameworks[0]?.tasks.splice(3, 1) },
  { name: 'tasks moved to another agent', change: (s) => s.frameworks[0]?.tasks.slice(0, 5).forEach((t, i) => (t['slave_id'] = (s.slaves as unknown as { id: string }[])[i + 7]?.id)) },
  { name: 'a framework added', change: (s) => s.frameworks.push({ name: 'newcomer', pid: 'scheduler@192.0.2.77:1', tasks: [] }) },
  { name: 'a framework gone', change: (s) => void s.frameworks.splice(2, 1) },
  { name: 'an agent gone', change: (s) => void s.slaves.splice(1, 1) },
  { name: 'tasks in another order', change: (s) => s.frameworks[0]?.tasks.reverse() },
  { name: 'nothing', change: () => undefined },
];

describe('the zone journal', () => {
  for (const mode of ['whole', 'in parts'] as const) test(`old zone − deleted + added = new zone, for every kind of change; the deltas chain from any kept serial (tables ${mode})`, async (t) => {
    const journal = createZoneJournal({ logger: createSilentLogger() });
    t.after(() => journal.close());
    const store = createRecordStore();
    const state = base();
    const build = mode === 'whole' ? tableOf : partedTables();
    const snapshots: TableSnapshot[] = [await swapAndWait(journal, store, state, config, build)];
    for (const { name, change } of CHANGES) {
      const previous = snapshots.at(-1) as TableSnapshot;
      change(state);
      const next = await swapAndWait(journal, store, state, config, build);
      snapshots.push(next);
      const deltas = journal.since(previous.serial, next);
      assert.ok(deltas, name);
      assert.equal(deltas.length, 1);
      const delta = deltas[0];
      assert.equal(delta?.from.serial, previous.serial);
      assert.equal(delta?.to.serial, next.serial);
      const zone = zoneSet(previous);
      for (const rr of delta?.deleted ?? []) assert.ok(zone.delete(key(rr)), `${name}: deletes a record the zone has: ${key(rr)}`);
      for (const rr of delta?.added ?? []) {
        assert.ok(!zone.has(key(rr)), `${name}: adds a record the zone lacks: ${key(rr)}`);
        zone.add(key(rr));
      }
      assert.deepEqual([...zone].sort(), [...zoneSet(next)].sort(), name);
      t.diagnostic(`${name}: ${delta?.deleted.length} deleted, ${delta?.added.length} added`);
    }
    // From the first table, every delta in order.
    const all = journal.since((snapshots[0] as TableSnapshot).serial, snapshots.at(-1) as TableSnapshot);
    assert.equal(all?.length, CHANGES.length);
    assert.equal(journal.since(12345, snapshots.at(-1) as TableSnapshot), undefined, 'a serial the journal never saw');
  });

  test('an IXFR from a kept serial gets the difference sequences: our SOA, old SOA, deletions, new SOA, additions, our SOA', async (t) => {
    const journal = createZoneJournal({ logger: createSilentLogger() });
    t.after(() => journal.close());
    const store = createRecordStore();
    const state = base();
    const first = await swapAndWait(journal, store, state);
    state.frameworks.push({ name: 'newcomer', pid: 'scheduler@192.0.2.77:1', tasks: [] });
    const next = await swapAndWait(journal, store, state);
    const result = handleQuery(ixfrQuery('mesos.', first.serial), { transport: 'tcp', snapshot: next, config, random: () => 0, client: '127.0.0.1', journal });
    assert.equal(result.kind, 'transfer');
    if (result.kind !== 'transfer') return;
    assert.equal(result.request.incremental, true);
    const types: number[] = [];
    const serials: number[] = [];
    for (const message of transferMessages(result.request.head, result.request.zone)) {
      const layout = parseLayout(message);
      assert.ok(layout.ok);
      if (!layout.ok) continue;
      for (const r of layout.layout.records) {
        types.push(r.type);
        if (r.type !== QType.SOA) continue;
        const mname = readName(message, r.rdataOffset, 'none');
        const rname = typeof mname === 'string' ? mname : readName(message, mname.end, 'none');
        assert.ok(typeof rname !== 'string');
        if (typeof rname !== 'string') serials.push(readU32(message, rname.end));
      }
    }
    // SOA(new) SOA(old) [no deletions] SOA(new) the newcomer's records SOA(new)
    assert.deepEqual(serials, [next.serial, first.serial, next.serial, next.serial]);
    assert.deepEqual(types.slice(0, 3), [QType.SOA, QType.SOA, QType.SOA]);
    assert.equal(types.at(-1), QType.SOA);
    assert.ok(types.length > 4 && types.slice(3, -1).every((type) => type !== QType.SOA));
  });

  test('a table that swaps in before the previous delta is ready cancels it: no chain leads across the gap', async (t) => {
    const journal = createZoneJournal({ logger: createSilentLogger() });
    t.after(() => journal.close());
    const store = createRecordStore();
    const state = base();
    const first = await swapAndWait(journal, store, state);
    state.frameworks[0]?.tasks.splice(0, 1);
    const second = await swapAndWait(journal, store, state);
    state.frameworks[0]?.tasks.splice(0, 1);
    const third = store.swap(tableOf(state));
    let cancelledReady = false;
    journal.swapped(third, second, config, true, () => (cancelledReady = true));
    state.frameworks[0]?.tasks.splice(0, 1);
    const fourth = await swapAndWait(journal, store, state);
    assert.equal(cancelledReady, false, 'the cancelled delta never announces its table');
    assert.equal(journal.since(first.serial, fourth), undefined, 'no chain across the missing delta');
    assert.equal(journal.since(second.serial, fourth), undefined);
    assert.equal(journal.since(third.serial, fourth)?.length, 1);
  });

  test('more changes than the journal keeps clear it: a whole-zone transfer follows', async (t) => {
    const journal = createZoneJournal({ logger: createSilentLogger(), maxRecords: 10 });
    t.after(() => journal.close());
    const store = createRecordStore();
    const state = base();
    await swapAndWait(journal, store, state);
    const previous = store.current() as TableSnapshot;
    state.frameworks[0]?.tasks.splice(0, 50);
    const next = await swapAndWait(journal, store, state);
    assert.equal(journal.since(previous.serial, next), undefined);
    assert.deepEqual(journal.size, { deltas: 0, records: 0 });
  });

  test('a change in how records are served (TTL) clears it', async (t) => {
    const journal = createZoneJournal({ logger: createSilentLogger() });
    t.after(() => journal.close());
    const store = createRecordStore();
    const state = base();
    await swapAndWait(journal, store, state);
    const previous = store.current() as TableSnapshot;
    const next = await swapAndWait(journal, store, state, { ...config, ttl: 30 });
    assert.equal(journal.since(previous.serial, next), undefined);
  });
});
