// Incremental tables (records/incremental-tables.ts): after a state and any sequence of changes, the
// table in parts holds exactly what one whole generation of the same state holds: the same names
// with the same records in the same order, the same counts, enumeration and empty non-terminals.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StaticRecord } from '../../../src/config/static-records.js';
import { parseState } from '../../../src/mesos/parse-state.js';
import type { Framework, MesosState, Slave, Task } from '../../../src/records/state-types.js';
import { type GenerateConfig, generateRecords } from '../../../src/records/generate.js';
import { compactState, compactTask, taskKey } from '../../../src/records/compact-task.js';
import { IncrementalTables, type IncrementalResult, type StateChanges, type TableInputs } from '../../../src/records/incremental-tables.js';
import { type PartedTableData, assemblePartedTable, openPartedTable } from '../../../src/records/parted-table.js';
import type { RecordTable } from '../../../src/records/table.js';
import { seededRandom } from '../../helpers/seeded-random.js';

const CONFIG: GenerateConfig = {
  domain: 'mesos',
  ipSources: ['netinfo', 'mesos', 'host'],
  enforceRFC952: false,
  soaMname: 'ns1.mesos.',
  listener: '192.0.2.53',
  reverseZones: ['10.in-addr.arpa', '198.in-addr.arpa'],
  healthAwareOn: true,
};

type Doc = Record<string, unknown>;

function agentDoc(i: number, withPid = true): Doc {
  return { id: `S${i}`, hostname: `agent-${i}.example.test`, ...(withPid ? { pid: `slave(1)@198.18.${i >> 8}.${i & 255}:5051` } : {}) };
}

function taskDoc(random: () => number, n: number, agents: number): Doc {
  const app = Math.floor(random() * 40);
  const ip = random() < 0.5 ? [{ ip_addresses: [{ ip_address: `10.0.${(n >> 8) & 255}.${n & 255}` }] }] : [];
  const task: Doc = {
    id: `app-${app}.${n}`,
    name: app % 9 === 0 ? `App_${app}.Web` : `app-${app}`,
    slave_id: `S${Math.floor(random() * agents)}`,
    state: random() < 0.9 ? 'TASK_RUNNING' : 'TASK_STAGING',
    resources: { ports: `[${31000 + n}-${31000 + n + (n % 3)}]` },
    statuses: [{ state: 'TASK_RUNNING', timestamp: 1000 + n, ...(random() < 0.2 ? { healthy: random() < 0.5 } : {}), container_status: { network_infos: ip } }],
  };
  if (app % 5 === 0) task['discovery'] = { name: `svc-${app}`, ports: { ports: [{ number: 8080, protocol: 'tcp', name: 'http' }] } };
  return task;
}

function clusterDoc(random: () => number, tasks: number, agents: number): { doc: Doc; ids: string[] } {
  const names = ['marathon', 'chronos', 'kafka.brokers'];
  const frameworks = names.map((name, f) => ({ id: `F${f}`, name, pid: `scheduler@192.0.2.${10 + f}:${20000 + f}`, tasks: [] as Doc[] }));
  for (let n = 0; n < tasks; n++) (frameworks[n % frameworks.length] as { tasks: Doc[] }).tasks.push(taskDoc(random, n, agents));
  const slaves = Array.from({ length: agents }, (_, i) => agentDoc(i, i % 17 !== 0));
  return { doc: { leader: 'master@192.0.2.100:5050', frameworks, slaves }, ids: frameworks.map((f) => f.id) };
}

function parse(doc: Doc): MesosState {
  const parsed = parseState(doc);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.state;
}

/** Opens a result as the serving side does, keeping the parts for the next one. */
function opener(): (result: IncrementalResult) => RecordTable {
  let parted: PartedTableData | undefined;
  return (result) => {
    if (result.kind === 'whole') return result.table;
    parted = assemblePartedTable(result.message, parted);
    assert.ok(parted, 'every part is either new or held');
    return openPartedTable(parted);
  };
}

function listing(table: RecordTable): Map<string, string> {
  const out = new Map<string, string>();
  for (const [name, records] of table.entries()) out.set(name, JSON.stringify(records));
  return out;
}

function enumeration(table: RecordTable): string[] {
  return [...table.frameworks()].map((f) => `${f.name} ${f.taskCount} ${[...f.tasks].map((t) => JSON.stringify(t)).sort().join(' ')}`);
}

function assertSameTable(actual: RecordTable, expected: RecordTable & { data?: unknown }, what: string): void {
  const a = listing(actual);
  const e = listing(expected);
  assert.equal(a.size, e.size, `${what}: names`);
  for (const [name, records] of e) {
    assert.equal(a.get(name), records, `${what}: ${name} (entries)`);
    assert.equal(JSON.stringify(actual.lookup(name)), records, `${what}: ${name} (lookup)`);
  }
  assert.deepEqual(actual.counts, expected.counts, `${what}: counts`);
  assert.deepEqual(enumeration(actual), enumeration(expected), `${what}: enumeration`);
  // Empty non-terminals: every proper ancestor of a stored name, and nothing else.
  for (const name of e.keys()) {
    const labels = name.split('.');
    for (let i = 1; i < labels.length - 2; i++) {
      const ancestor = labels.slice(i).join('.');
      assert.equal(actual.hasDescendants(ancestor), expected.hasDescendants(ancestor), `${what}: ${ancestor} (ancestor)`);
    }
  }
  assert.equal(actual.hasDescendants('nothing.here.mesos.'), false);
}

function whole(tables: IncrementalTables, inputs: TableInputs): RecordTable {
  return generateRecords({ state: tables.state(), config: CONFIG, ...inputs });
}

function taskOf(doc: Doc): Task {
  return (parse({ leader: 'master@192.0.2.100:5050', frameworks: [{ name: 'x', tasks: [doc] }], slaves: [] }).frameworks[0] as Framework).tasks[0] as Task;
}

describe('incremental tables', () => {
  it('after a state and every kind of change, the table in parts equals a whole generation of the same state', () => {
    const random = seededRandom(7);
    const agents = 30;
    const { doc, ids } = clusterDoc(random, 600, agents);
    const inputs: TableInputs = { masters: ['192.0.2.100:5050', '192.0.2.101:5050'], listenerAddresses: [] };
    const tables = new IncrementalTables(CONFIG);
    const open = opener();
    let result = tables.reset(compactState(parse(doc), ids), ids, inputs);
    assert.equal(result.kind, 'parted');
    assertSameTable(open(result), whole(tables, inputs), 'snapshot');
    let n = 10_000;
    let currentInputs = inputs;
    for (let round = 0; round < 30; round++) {
      const state = tables.state();
      const frameworks: Framework[] = state.frameworks.map((f) => ({ ...f, tasks: [] }));
      const removedTasks: string[] = [];
      for (let i = 0; i < 12; i++) {
        const f = Math.floor(random() * frameworks.length);
        const existing = (state.frameworks[f] as Framework).tasks;
        const pick = existing[Math.floor(random() * existing.length)];
        const kind = random();
        const target = frameworks[f] as Framework & { tasks: Task[] };
        if (kind < 0.3 && pick) removedTasks.push(`${ids[f] as string}\0${pick.id}`);
        else if (kind < 0.6 && pick) target.tasks.push({ ...pick, state: pick.state === 'TASK_RUNNING' ? 'TASK_STAGING' : 'TASK_RUNNING' });
        else if (kind < 0.7 && pick) target.tasks.push({ ...pick, statuses: [{ ...(pick.statuses[0] as Task['statuses'][number]), healthy: random() < 0.5, timestamp: 5000 + round }] });
        else target.tasks.push(taskOf(taskDoc(random, n++, agents + 3)));
      }
      const slaves: Slave[] = [];
      const removedSlaves: string[] = [];
      if (round % 5 === 1) slaves.push(...parse({ leader: 'm@192.0.2.1:1', frameworks: [], slaves: [agentDoc(agents + (round % 3))] }).slaves);
      if (round % 7 === 3) removedSlaves.push(`S${Math.floor(random() * agents)}`);
      if (round % 6 === 2) slaves.push({ ...(state.slaves[0] as Slave), pid: { host: `198.19.0.${round}`, port: '5051' } });
      if (round === 10) currentInputs = { ...currentInputs, outOfRotation: [{ kind: 'app', value: 'app-3', until: Number.MAX_SAFE_INTEGER }] };
      if (round === 15) currentInputs = { ...currentInputs, staticRecords: [{ name: 'db.static.mesos.', type: 'A', value: '192.0.2.77', line: 1 } as StaticRecord] };
      if (round === 20) currentInputs = { ...currentInputs, masters: ['192.0.2.101:5050'] };
      const changes: StateChanges = {
        leader: round === 25 ? 'master@192.0.2.101:5050' : state.leader,
        frameworks: frameworks.map((f, i) => ({ ...f, tasks: f.tasks.map((t) => compactTask(t, taskKey(ids[i] as string, t.id))) })),
        frameworkIds: ids,
        slaves,
        removedSlaves,
        removedTasks,
      };
      result = tables.apply(changes, currentInputs) as IncrementalResult;
      assert.ok(result, `round ${round}: the changes fit the state held`);
      assert.equal(result.kind, 'parted', `round ${round}`);
      assertSameTable(open(result), whole(tables, currentInputs), `round ${round}`);
    }
  });

  it('a fresh snapshot of an unchanged cluster, in another order, regenerates nothing and sends no part', () => {
    const { doc, ids } = clusterDoc(seededRandom(3), 300, 20);
    const inputs: TableInputs = { masters: ['192.0.2.100:5050'], listenerAddresses: [] };
    const tables = new IncrementalTables(CONFIG);
    const open = opener();
    const first = open(tables.reset(compactState(parse(doc), ids), ids, inputs));
    const shuffled = { ...doc, frameworks: (doc['frameworks'] as Doc[]).map((f) => ({ ...f, tasks: [...(f['tasks'] as Doc[])].reverse() })) };
    const again = tables.reset(compactState(parse(shuffled), ids), ids, inputs);
    assert.equal(again.partsRebuilt, 0);
    assert.equal(again.kind === 'parted' ? again.message.newParts.length : -1, 0);
    assertSameTable(open(again), first, 'resync');
  });

  it('changes that do not fit the state held are refused (the caller sends the whole state)', () => {
    const { doc, ids } = clusterDoc(seededRandom(5), 50, 5);
    const tables = new IncrementalTables(CONFIG);
    const inputs: TableInputs = { masters: [], listenerAddresses: [] };
    const changes: StateChanges = { leader: 'master@192.0.2.100:5050', frameworks: [], frameworkIds: [], slaves: [], removedSlaves: [], removedTasks: [] };
    assert.equal(tables.apply(changes, inputs), undefined, 'nothing held yet');
    tables.reset(compactState(parse(doc), ids), ids, inputs);
    assert.equal(tables.apply(changes, inputs), undefined, 'another framework list');
  });

  it('a name made by two parts (a framework named like another framework\'s app) gives a whole table, still exact', () => {
    const doc = {
      leader: 'master@192.0.2.100:5050',
      frameworks: [
        { id: 'F0', name: 'b', pid: 'scheduler@192.0.2.10:20000', tasks: [taskOf({ id: 'x.1', name: 'x', slave_id: 'S0', state: 'TASK_RUNNING', statuses: [] })] },
        { id: 'F1', name: 'x.b', pid: 'scheduler@192.0.2.11:20000', tasks: [] },
      ],
      slaves: [agentDoc(0)],
    };
    const state = parse({ ...doc, frameworks: doc.frameworks.map((f) => ({ ...f, tasks: f.tasks.map((t) => ({ id: t.id, name: t.name, slave_id: t.slaveId, state: t.state })) })) });
    const tables = new IncrementalTables(CONFIG);
    const inputs: TableInputs = { masters: [], listenerAddresses: [] };
    const result = tables.reset(compactState(state, ['F0', 'F1']), ['F0', 'F1'], inputs);
    assert.equal(result.kind, 'whole');
    assertSameTable(opener()(result), whole(tables, inputs), 'collision');
  });
});
