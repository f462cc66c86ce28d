// The operator API model (src/mesos/operator-state.ts): a SUBSCRIBED snapshot plus events renders the
// same /master/state, and so the same records, as a poll of the final state; it stays bounded.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { CARRY_OVER_MS, emptyModel, expireCarried, renderChanges, renderWhole, type OperatorModel } from '../../../src/mesos/operator-state.js';
import { applyGetState, applyJson as applyEvent, expandedState, getStateOf, masterStateDocument as toMasterState } from '../../helpers/operator-records.js';
import { IncrementalTables, type IncrementalResult, type TableInputs } from '../../../src/records/incremental-tables.js';
import { type PartedTableData, assemblePartedTable, openPartedTable } from '../../../src/records/parted-table.js';
import type { RecordTable } from '../../../src/records/table.js';
import { parseState } from '../../../src/mesos/parse-state.js';
import { type GenerateConfig, generateRecords, statusesThatCount } from '../../../src/records/generate.js';
import { formatTableListing } from '../../helpers/table-listing.js';

const FIXTURES = new URL('../../../../fixtures/operator-api/', import.meta.url);
const LEADER = 'master@10.0.0.100:5050';

function readJson(name: string): unknown {
  return JSON.parse(readFileSync(new URL(name, FIXTURES), 'utf8'));
}

function events(): unknown[] {
  return readFileSync(new URL('events.jsonl', FIXTURES), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as unknown);
}

function parsed(doc: unknown) {
  const result = parseState(doc);
  if (!result.ok) throw new Error(result.error);
  assert.deepEqual(result.problems, []);
  return result.state;
}

const GENERATE: GenerateConfig = { domain: 'mesos', ipSources: ['netinfo', 'mesos', 'host'], enforceRFC952: false, soaMname: 'ns1.mesos.', listener: '10.0.0.53', healthAwareOn: true };

function listing(doc: unknown): string {
  const table = generateRecords({ state: parsed(doc), config: GENERATE, masters: ['10.0.0.100:5050'], listenerAddresses: [] });
  return formatTableListing(table, { ttl: 60, srvWeight: 1 });
}

function streamed(): OperatorModel {
  const model = emptyModel();
  applyGetState(model, (readJson('subscribed.json') as { subscribed: { get_state: unknown } }).subscribed.get_state);
  for (const event of events()) applyEvent(model, event);
  return model;
}

describe('operator API model', () => {
  it('snapshot + events give the state a poll of the final state gives (with the statuses that count)', () => {
    const final = parsed(readJson('final-state.json'));
    const counted = { ...final, frameworks: final.frameworks.map((f) => ({ ...f, tasks: f.tasks.map((t) => ({ ...t, statuses: statusesThatCount(t.statuses) })) })) };
    assert.deepEqual(parsed(toMasterState(streamed(), LEADER)), counted);
  });

  it('the snapshot, then only what each event changed (as the reload worker gets it), give the records of a poll of the final state', () => {
    const inputs: TableInputs = { masters: ['10.0.0.100:5050'], listenerAddresses: [] };
    const tables = new IncrementalTables(GENERATE);
    let parted: PartedTableData | undefined;
    const open = (result: IncrementalResult): RecordTable => {
      if (result.kind === 'whole') return result.table;
      parted = assemblePartedTable(result.message, parted);
      assert.ok(parted);
      return openPartedTable(parted);
    };
    const model = emptyModel();
    applyGetState(model, (readJson('subscribed.json') as { subscribed: { get_state: unknown } }).subscribed.get_state);
    const first = renderWhole(model, LEADER);
    let table = open(tables.reset(first.state, first.frameworkIds, inputs));
    let deltas = 0;
    for (const event of events()) {
      applyEvent(model, event);
      const changes = renderChanges(model, LEADER);
      if (!changes) {
        const whole = renderWhole(model, LEADER);
        table = open(tables.reset(whole.state, whole.frameworkIds, inputs));
        continue;
      }
      const result = tables.apply(changes, inputs);
      assert.ok(result, 'the changes fit the state the worker holds');
      table = open(result);
      deltas++;
    }
    assert.ok(deltas >= 10, `${deltas} events went as changes only`);
    assert.equal(formatTableListing(table, { ttl: 60, srvWeight: 1 }), listing(readJson('final-state.json')));
  });

  it('renders only what changed since the last render; a framework change, or nothing rendered yet, needs the whole model', () => {
    const model = emptyModel();
    assert.equal(renderChanges(model, LEADER), undefined, 'nothing rendered yet');
    applyGetState(model, (readJson('subscribed.json') as { subscribed: { get_state: unknown } }).subscribed.get_state);
    assert.equal(renderChanges(model, LEADER), undefined, 'a snapshot is rendered whole');
    const whole = renderWhole(model, LEADER);
    const tasks = whole.state.frameworks.flatMap((f, i) => f.tasks.map((t) => ({ id: t.id, frameworkId: whole.frameworkIds[i] as string })));
    const [kept, gone] = tasks;
    assert.ok(kept && gone);
    const quiet = renderChanges(model, LEADER);
    assert.deepEqual(quiet?.frameworks.flatMap((f) => f.tasks), [], 'no change, no task');
    applyEvent(model, { type: 'TASK_UPDATED', task_updated: { framework_id: { value: gone.frameworkId }, state: 'TASK_KILLED', status: { task_id: { value: gone.id }, state: 'TASK_KILLED' } } });
    applyEvent(model, { type: 'TASK_UPDATED', task_updated: { framework_id: { value: kept.frameworkId }, state: 'TASK_RUNNING', status: { task_id: { value: kept.id }, state: 'TASK_RUNNING', timestamp: 99 } } });
    const changes = renderChanges(model, LEADER);
    assert.ok(changes);
    assert.deepEqual(changes.frameworks.flatMap((f) => f.tasks.map((t) => t.id)), [kept.id]);
    assert.deepEqual(changes.removedTasks, [`${gone.frameworkId}\0${gone.id}`]);
    applyEvent(model, { type: 'FRAMEWORK_ADDED', framework_added: { framework: { framework_info: { id: { value: 'NEW' }, name: 'newcomer' } } } });
    assert.equal(renderChanges(model, LEADER), undefined, 'a framework changed');
  });

  it('snapshot + events give the same records as a poll of the final state', () => {
    const expected = listing(readJson('final-state.json'));
    assert.ok(expected.includes('_web._tcp.marathon.mesos.'), 'the fixture has SRV records');
    assert.ok(expected.includes('early.early-fw.mesos.'), 'the task whose framework came late is listed');
    assert.equal(listing(toMasterState(streamed(), LEADER)), expected);
  });

  it('a task waits until its framework is known; on an agent not known yet it is listed (generation skips it until the agent comes)', () => {
    const model = emptyModel();
    applyEvent(model, {
      type: 'TASK_ADDED',
      task_added: { task: { name: 'a', task_id: { value: 'a.1' }, framework_id: { value: 'F' }, agent_id: { value: 'S' }, state: 'TASK_RUNNING' } },
    });
    const tasks = (doc: ReturnType<typeof toMasterState>) => (doc['frameworks'] as { tasks: unknown[] }[]).flatMap((f) => f.tasks).length;
    assert.equal(tasks(toMasterState(model, LEADER)), 0);
    applyEvent(model, { type: 'FRAMEWORK_ADDED', framework_added: { framework: { framework_info: { id: { value: 'F' }, name: 'f' } } } });
    assert.equal(tasks(toMasterState(model, LEADER)), 1);
    applyEvent(model, { type: 'AGENT_ADDED', agent_added: { agent: { agent_info: { id: { value: 'S' }, hostname: 'h' }, pid: 'slave(1)@10.0.0.1:5051' } } });
    assert.equal(tasks(toMasterState(model, LEADER)), 1);
  });

  it('keeps only the statuses that count: after 1,000 updates (health flapping, statuses sent again) the records are a poll of the whole history', () => {
    const model = emptyModel();
    applyEvent(model, { type: 'FRAMEWORK_ADDED', framework_added: { framework: { framework_info: { id: { value: 'F' }, name: 'f' } } } });
    applyEvent(model, { type: 'AGENT_ADDED', agent_added: { agent: { agent_info: { id: { value: 'S' }, hostname: 'h' }, pid: 'slave(1)@10.0.0.1:5051' } } });
    applyEvent(model, { type: 'TASK_ADDED', task_added: { task: { name: 'a', task_id: { value: 'a.1' }, framework_id: { value: 'F' }, agent_id: { value: 'S' }, state: 'TASK_RUNNING' } } });
    // A healthy sibling under the same name, so that a.1 being unhealthy shows (no fail-open).
    const sibling = { state: 'TASK_RUNNING', timestamp: 1, healthy: true, container_status: { network_infos: [{ ip_addresses: [{ ip_address: '10.2.0.1' }] }] } };
    applyEvent(model, { type: 'TASK_ADDED', task_added: { task: { name: 'a', task_id: { value: 'a.2' }, framework_id: { value: 'F' }, agent_id: { value: 'S' }, state: 'TASK_RUNNING', statuses: [sibling] } } });
    let unhealthy = 0;
    const history: Record<string, unknown>[] = [];
    for (let i = 0; i < 1000; i++) {
      const ip = `10.1.${i >> 8}.${i & 255}`;
      const fresh = { task_id: { value: 'a.1' }, state: i % 7 === 0 ? 'TASK_STARTING' : 'TASK_RUNNING', timestamp: 100 + (i >> 1), healthy: i % 3 !== 0, container_status: { network_infos: [{ ip_addresses: [{ ip_address: ip }] }] } };
      // Now and then the master sends an earlier status again: a poll lists it once, where it was.
      const status = i % 5 === 4 ? history[i >> 1] : fresh;
      if (status === fresh) history.push(fresh);
      applyEvent(model, { type: 'TASK_UPDATED', task_updated: { framework_id: { value: 'F' }, state: 'TASK_RUNNING', status } });
      if (i % 97 === 0 || i === 999) {
        const statuses = expandedState(renderWhole(model, LEADER).state).frameworks.flatMap((f) => f.tasks).find((t) => t.id === 'a.1')?.statuses ?? [];
        assert.ok(statuses.length <= 2, `${statuses.length} statuses kept`);
        const polled = {
          leader: LEADER,
          frameworks: [
            {
              name: 'f',
              hostname: '',
              tasks: [
                { id: 'a.1', name: 'a', slave_id: 'S', state: 'TASK_RUNNING', statuses: history },
                { id: 'a.2', name: 'a', slave_id: 'S', state: 'TASK_RUNNING', statuses: [sibling] },
              ],
            },
          ],
          slaves: [{ id: 'S', hostname: 'h', pid: 'slave(1)@10.0.0.1:5051' }],
        };
        const expected = listing(polled);
        if (!expected.includes('10.1.')) unhealthy++;
        assert.equal(listing(toMasterState(model, LEADER)), expected, `after ${i + 1} updates`);
      }
    }
    assert.ok(unhealthy > 0 && unhealthy < 11, `a.1 left the answers ${unhealthy} times of 11`);
  });

  it('a snapshot of an unchanged cluster keeps the task objects the model and the tables hold', () => {
    const model = streamed();
    const before = renderWhole(model, LEADER);
    const held = new Set(before.state.frameworks.flatMap((f) => f.tasks));
    assert.ok(held.size >= 3);
    const tables = new IncrementalTables(GENERATE);
    const inputs: TableInputs = { masters: ['10.0.0.100:5050'], listenerAddresses: [] };
    tables.reset(before.state, before.frameworkIds, inputs);
    // The same cluster as a new subscription lists it: new copies, tasks in another order.
    applyGetState(model, getStateOf(model, LEADER, { reverse: true }));
    const after = renderWhole(model, LEADER);
    const tasks = after.state.frameworks.flatMap((f) => f.tasks);
    assert.equal(tasks.length, held.size);
    assert.ok(tasks.every((t) => held.has(t)), 'every task is the object held before');
    assert.equal(tables.reset(after.state, after.frameworkIds, inputs).partsRebuilt, 0, 'nothing regenerated');
  });

  it('ignores heartbeats and unknown events, and updates of unknown tasks, as no change', () => {
    const model = streamed();
    assert.deepEqual(applyEvent(model, { type: 'HEARTBEAT' }), { type: 'HEARTBEAT', changed: false });
    assert.deepEqual(applyEvent(model, { type: 'SOMETHING_NEW' }), { type: 'SOMETHING_NEW', changed: false });
    assert.equal(applyEvent(model, { type: 'TASK_UPDATED', task_updated: { framework_id: { value: 'x' }, status: { task_id: { value: 'y' } } } }).changed, false);
    assert.equal(applyEvent(model, null).changed, false);
  });


  describe('after a master fail-over', () => {
    type Doc = { frameworks: { tasks: { id: string }[] }[] };
    const taskIds = (model: OperatorModel): string[] =>
      (toMasterState(model, LEADER) as unknown as Doc).frameworks.flatMap((f) => f.tasks.map((t) => t.id)).sort();
    /** What a master that just took over sends: S1 known from its registry only, its task not listed. */
    type Agent = { agent_info: { id: { value: string } } };
    type GetState = { get_agents: { agents: Agent[]; recovered_agents?: unknown[] }; get_tasks: { tasks: { agent_id: { value: string } }[] } };
    function failoverSnapshot(): { snapshot: GetState; s1: Agent } {
      const snapshot = structuredClone((readJson('subscribed.json') as { subscribed: { get_state: GetState } }).subscribed.get_state);
      const s1 = snapshot.get_agents.agents.find((a) => a.agent_info.id.value === 'S1')!;
      snapshot.get_agents = { agents: snapshot.get_agents.agents.filter((a) => a !== s1), recovered_agents: [s1.agent_info] };
      snapshot.get_tasks.tasks = snapshot.get_tasks.tasks.filter((t) => t.agent_id.value !== 'S1');
      return { snapshot, s1 };
    }

    it('keeps the tasks of agents that have not re-registered yet, until they do', () => {
      const model = emptyModel();
      applyGetState(model, (readJson('subscribed.json') as { subscribed: { get_state: unknown } }).subscribed.get_state, 0);
      assert.deepEqual(taskIds(model), ['db.1', 'web.1']);
      const { snapshot, s1 } = failoverSnapshot();
      applyGetState(model, snapshot, 1000);
      assert.deepEqual(taskIds(model), ['db.1', 'web.1'], 'db.1 on the recovered agent S1 is carried over');
      // S1 re-registers: the master now sends its tasks; the carried copies go.
      applyEvent(model, { type: 'AGENT_ADDED', agent_added: { agent: s1 } });
      assert.deepEqual(taskIds(model), ['web.1']);
      assert.equal(model.carried.size, 0);
    });

    it('gives the carried tasks up after CARRY_OVER_MS', () => {
      const model = emptyModel();
      applyGetState(model, (readJson('subscribed.json') as { subscribed: { get_state: unknown } }).subscribed.get_state, 0);
      applyGetState(model, failoverSnapshot().snapshot, 1000);
      assert.equal(expireCarried(model, 1000 + CARRY_OVER_MS - 1), false);
      assert.deepEqual(taskIds(model), ['db.1', 'web.1']);
      assert.equal(expireCarried(model, 1000 + CARRY_OVER_MS), true);
      assert.deepEqual(taskIds(model), ['web.1']);
    });
  });
});
