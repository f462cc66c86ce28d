// The operator API model (src/mesos/operator-state.ts): a SUBSCRIBED snapshot plus events renders the
// same /master/state, and so the same records, as a poll of the final state; it stays bounded.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { applyEvent, applySnapshot, CARRY_OVER_MS, emptyModel, expireCarried, MAX_STATUSES_PER_TASK, portsText, renderChanges, renderWhole, toMasterState } from '../../../src/mesos/operator-state.js';
import { IncrementalTables, type IncrementalResult, type TableInputs } from '../../../src/records/incremental-tables.js';
import { type PartedTableData, assemblePartedTable, openPartedTable } from '../../../src/records/parted-table.js';
import type { RecordTable } from '../../../src/records/table.js';
import { parseState } from '../../../src/mesos/parse-state.js';
import { type GenerateConfig, generateRecords } from '../../../src/records/generate.js';
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

function streamed(): ReturnType<typeof emptyModel> {
  const model = emptyModel();
  applySnapshot(model, (readJson('subscribed.json') as { subscribed: { get_state: unknown } }).subscribed.get_state);
  for (const event of events()) applyEvent(model, event);
  return model;
}

describe('operator API model', () => {
  it('snapshot + events give the state a poll of the final state gives', () => {
    const final = readJson('final-state.json');
    assert.deepEqual(parsed(toMasterState(streamed(), LEADER)), parsed(final));
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
    applySnapshot(model, (readJson('subscribed.json') as { subscribed: { get_state: unknown } }).subscribed.get_state);
    const first = renderWhole(model, LEADER);
    let table = open(tables.reset(parsed(first.document), first.frameworkIds, inputs));
    let deltas = 0;
    for (const event of events()) {
      applyEvent(model, event);
      const changes = renderChanges(model, LEADER);
      if (!changes) {
        const whole = renderWhole(model, LEADER);
        table = open(tables.reset(parsed(whole.document), whole.frameworkIds, inputs));
        continue;
      }
      const doc = parsed(changes.document);
      const result = tables.apply({ leader: doc.leader, frameworks: doc.frameworks, frameworkIds: changes.frameworkIds, slaves: doc.slaves, removedTasks: changes.removedTasks, removedSlaves: changes.removedSlaves }, inputs);
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
    applySnapshot(model, (readJson('subscribed.json') as { subscribed: { get_state: unknown } }).subscribed.get_state);
    assert.equal(renderChanges(model, LEADER), undefined, 'a snapshot is rendered whole');
    const whole = renderWhole(model, LEADER);
    const tasks = (whole.document['frameworks'] as { tasks: { id: string; framework_id: string }[] }[]).flatMap((f) => f.tasks);
    const [kept, gone] = tasks;
    assert.ok(kept && gone);
    const quiet = renderChanges(model, LEADER);
    assert.deepEqual((quiet?.document['frameworks'] as { tasks: unknown[] }[]).flatMap((f) => f.tasks), [], 'no change, no task');
    applyEvent(model, { type: 'TASK_UPDATED', task_updated: { framework_id: { value: gone.framework_id }, state: 'TASK_KILLED', status: { task_id: { value: gone.id }, state: 'TASK_KILLED' } } });
    applyEvent(model, { type: 'TASK_UPDATED', task_updated: { framework_id: { value: kept.framework_id }, state: 'TASK_RUNNING', status: { task_id: { value: kept.id }, state: 'TASK_RUNNING', timestamp: 99 } } });
    const changes = renderChanges(model, LEADER);
    assert.ok(changes);
    assert.deepEqual((changes.document['frameworks'] as { tasks: { id: string }[] }[]).flatMap((f) => f.tasks.map((t) => t.id)), [kept.id]);
    assert.deepEqual(changes.removedTasks, [`${gone.framework_id}\0${gone.id}`]);
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

  it('keeps at most MAX_STATUSES_PER_TASK statuses per task, the newest', () => {
    const model = emptyModel();
    applyEvent(model, {
      type: 'TASK_ADDED',
      task_added: { task: { name: 'a', task_id: { value: 'a.1' }, framework_id: { value: 'F' }, agent_id: { value: 'S' }, state: 'TASK_RUNNING' } },
    });
    for (let i = 0; i < 1000; i++) {
      applyEvent(model, {
        type: 'TASK_UPDATED',
        task_updated: { framework_id: { value: 'F' }, state: 'TASK_RUNNING', status: { task_id: { value: 'a.1' }, state: 'TASK_RUNNING', timestamp: i, uuid: `u${i}`, healthy: i % 2 === 0 } },
      });
    }
    const statuses = [...model.tasks.values()][0]!.statuses;
    assert.equal(statuses.length, MAX_STATUSES_PER_TASK);
    assert.equal(statuses.at(-1)!['timestamp'], 999);
  });

  it('ignores heartbeats and unknown events, and updates of unknown tasks, as no change', () => {
    const model = streamed();
    assert.deepEqual(applyEvent(model, { type: 'HEARTBEAT' }), { type: 'HEARTBEAT', changed: false });
    assert.deepEqual(applyEvent(model, { type: 'SOMETHING_NEW' }), { type: 'SOMETHING_NEW', changed: false });
    assert.equal(applyEvent(model, { type: 'TASK_UPDATED', task_updated: { framework_id: { value: 'x' }, status: { task_id: { value: 'y' } } } }).changed, false);
    assert.equal(applyEvent(model, null).changed, false);
  });

  it('writes port ranges as /master/state does', () => {
    const ranges = { name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 31000, end: 31001 }, { begin: 31005, end: 31005 }] } };
    assert.equal(portsText([{ name: 'cpus' }, ranges]), '[31000-31001, 31005-31005]');
    assert.equal(portsText(undefined), '');
  });

  describe('after a master fail-over', () => {
    type Doc = { frameworks: { tasks: { id: string }[] }[] };
    const taskIds = (model: ReturnType<typeof emptyModel>): string[] =>
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
      applySnapshot(model, (readJson('subscribed.json') as { subscribed: { get_state: unknown } }).subscribed.get_state, 0);
      assert.deepEqual(taskIds(model), ['db.1', 'web.1']);
      const { snapshot, s1 } = failoverSnapshot();
      applySnapshot(model, snapshot, 1000);
      assert.deepEqual(taskIds(model), ['db.1', 'web.1'], 'db.1 on the recovered agent S1 is carried over');
      // S1 re-registers: the master now sends its tasks; the carried copies go.
      applyEvent(model, { type: 'AGENT_ADDED', agent_added: { agent: s1 } });
      assert.deepEqual(taskIds(model), ['web.1']);
      assert.equal(model.carried.size, 0);
    });

    it('gives the carried tasks up after CARRY_OVER_MS', () => {
      const model = emptyModel();
      applySnapshot(model, (readJson('subscribed.json') as { subscribed: { get_state: unknown } }).subscribed.get_state, 0);
      applySnapshot(model, failoverSnapshot().snapshot, 1000);
      assert.equal(expireCarried(model, 1000 + CARRY_OVER_MS - 1), false);
      assert.deepEqual(taskIds(model), ['db.1', 'web.1']);
      assert.equal(expireCarried(model, 1000 + CARRY_OVER_MS), true);
      assert.deepEqual(taskIds(model), ['web.1']);
    });
  });
});
