// The operator API's record reader (src/mesos/operator-reader.ts): every event type, the snapshot,
// and a task read from the operator form equal to the same task read from `/master/state` by the
// state parser (random tasks, odd types included), so streamed and polled records cannot drift.
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { JsonSyntaxError } from '../../../src/mesos/json-reader.js';
import { readOperatorRecord, type OperatorEvent } from '../../../src/mesos/operator-reader.js';
import { parseStateText } from '../../../src/mesos/parse-state.js';
import type { Task } from '../../../src/records/state-types.js';
import { checkDamagedRecords } from '../../helpers/damaged-json.js';
import { randomOperatorTask as randomTask } from '../../helpers/random-operator-task.js';
import { seededRandom } from '../../helpers/seeded-random.js';

type Doc = Record<string, unknown>;

function read(value: unknown): OperatorEvent {
  return readOperatorRecord(Buffer.from(JSON.stringify(value)));
}

const obj = (v: unknown): Doc => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Doc) : {});
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/**
 * The reference: an operator API task written as the `/master/state` task a poll lists (ids unwrapped,
 * `agent_id` as `slave_id`, status labels as a list, port ranges as text), for the state parser.
 */
function asMasterStateTask(raw: Doc): Doc {
  const ranges: string[] = [];
  for (const resource of list(raw['resources'])) {
    if (obj(resource)['name'] !== 'ports') continue;
    for (const range of list(obj(obj(resource)['ranges'])['range'])) {
      const { begin, end } = obj(range);
      if (typeof begin === 'number' && typeof end === 'number') ranges.push(`${begin}-${end}`);
    }
  }
  const statuses = list(raw['statuses'])
    .filter((s) => typeof s === 'object' && s !== null && !Array.isArray(s))
    .map((s) => {
      const { labels, uuid: _uuid, task_id: _taskId, ...rest } = obj(s);
      return { ...rest, ...(labels !== undefined ? { labels: list(obj(labels)['labels']) } : {}) };
    });
  return {
    id: str(obj(raw['task_id'])['value']),
    name: str(raw['name']),
    slave_id: str(obj(raw['agent_id'])['value']),
    state: str(raw['state']),
    ...(ranges.length > 0 ? { resources: { ports: `[${ranges.join(', ')}]` } } : {}),
    statuses,
    ...(raw['discovery'] !== undefined ? { discovery: raw['discovery'] } : {}),
  };
}

function polledTask(raw: Doc): Task {
  const result = parseStateText(JSON.stringify({ leader: 'master@192.0.2.1:5050', frameworks: [{ name: 'f', tasks: [asMasterStateTask(raw)] }] }));
  assert.ok(result.ok);
  const task = result.state.frameworks[0]?.tasks[0];
  assert.ok(task);
  return task;
}

describe('operator API record reader', () => {
  it('reads a task as the state parser reads the same task from /master/state', () => {
    const random = seededRandom(11);
    for (let n = 0; n < 2000; n++) {
      const raw = randomTask(random, n);
      const event = read({ type: 'TASK_ADDED', task_added: { task: raw } });
      assert.equal(event.type, 'TASK_ADDED');
      assert.ok(event.task, `task ${n}`);
      assert.deepEqual(event.task.task, polledTask(raw), `task ${n}: ${JSON.stringify(raw)}`);
      assert.equal(event.task.frameworkId, 'F');
    }
  });

  it('writes port ranges as /master/state does', () => {
    const event = read({
      type: 'TASK_ADDED',
      task_added: { task: { task_id: { value: 't' }, framework_id: { value: 'F' }, resources: [{ name: 'cpus' }, { name: 'ports', ranges: { range: [{ begin: 31000, end: 31001 }, { begin: 31005, end: 31005 }] } }] } },
    });
    assert.equal(event.type === 'TASK_ADDED' ? event.task?.task.ports : undefined, '[31000-31001, 31005-31005]');
  });

  it('reads the snapshot: frameworks (without a pid), agents, recovered agents and tasks', () => {
    const subscribed = JSON.parse(readFileSync(new URL('../../../../fixtures/operator-api/subscribed.json', import.meta.url), 'utf8')) as unknown;
    const event = read(subscribed);
    assert.equal(event.type, 'SUBSCRIBED');
    const { snapshot } = event;
    assert.deepEqual(snapshot.frameworks, [{ id: 'fw-0000', framework: { name: 'marathon', pid: null, pidInvalid: false, hostname: '10.0.0.9', tasks: [] } }]);
    assert.deepEqual(snapshot.agents, [
      { id: 'S0', pid: { host: '10.0.0.1', port: '5051' }, hostname: '10.0.0.1' },
      { id: 'S1', pid: { host: '10.0.0.2', port: '5051' }, hostname: '10.0.0.2' },
    ]);
    assert.deepEqual(snapshot.recoveredAgentIds, []);
    assert.deepEqual(
      snapshot.tasks.map((t) => [t.frameworkId, t.task.id, t.task.slaveId, t.task.ports]),
      [
        ['fw-0000', 'web.1', 'S0', '[31000-31001]'],
        ['fw-0000', 'db.1', 'S1', '[31500-31500]'],
        ['fw-0000', 'old.1', 'S1', ''],
      ],
    );
    const recovered = read({ type: 'SUBSCRIBED', subscribed: { get_state: { get_agents: { agents: [], recovered_agents: [{ id: { value: 'S9' }, hostname: 'h' }, { id: 5 }] } } } });
    assert.deepEqual(recovered.type === 'SUBSCRIBED' ? recovered.snapshot.recoveredAgentIds : undefined, ['S9']);
  });

  it('reads every event type the model uses; the rest are OTHER', () => {
    const status = { task_id: { value: 't1' }, state: 'TASK_RUNNING', timestamp: 5, uuid: 'u1', healthy: true };
    assert.deepEqual(read({ task_updated: { status, state: 'TASK_RUNNING', framework_id: { value: 'F' } }, type: 'TASK_UPDATED' }), {
      type: 'TASK_UPDATED',
      frameworkId: 'F',
      taskId: 't1',
      state: 'TASK_RUNNING',
      status: { state: 'TASK_RUNNING', timestamp: 5, labels: [], networkInfos: [], healthy: true },
    });
    const noState = read({ type: 'TASK_UPDATED', task_updated: { framework_id: { value: 'F' }, status: { task_id: { value: 't1' }, state: 'TASK_FAILED' } } });
    assert.equal(noState.type === 'TASK_UPDATED' ? noState.state : undefined, 'TASK_FAILED', "the status's state when the update has none");
    assert.deepEqual(read({ type: 'AGENT_ADDED', agent_added: { agent: { agent_info: { id: { value: 'S' }, hostname: 'h' }, pid: 'slave(1)@[2001:db8::1]:5051' } } }), {
      type: 'AGENT_ADDED',
      agent: { id: 'S', pid: { host: '2001:db8::1', port: '5051' }, hostname: 'h' },
    });
    assert.deepEqual(read({ type: 'AGENT_ADDED', agent_added: { agent: { agent_info: { hostname: 'h' } } } }), { type: 'AGENT_ADDED', agent: undefined }, 'no id');
    assert.deepEqual(read({ type: 'AGENT_REMOVED', agent_removed: { agent_id: { value: 'S' } } }), { type: 'AGENT_REMOVED', agentId: 'S' });
    const framework = { framework_info: { id: { value: 'F' }, name: 'marathon', hostname: 'm', user: 'root' }, active: true };
    const head = { id: 'F', framework: { name: 'marathon', pid: null, pidInvalid: false, hostname: 'm', tasks: [] } };
    assert.deepEqual(read({ type: 'FRAMEWORK_ADDED', framework_added: { framework } }), { type: 'FRAMEWORK_ADDED', framework: head });
    assert.deepEqual(read({ type: 'FRAMEWORK_UPDATED', framework_updated: { framework } }), { type: 'FRAMEWORK_UPDATED', framework: head });
    assert.deepEqual(read({ type: 'FRAMEWORK_REMOVED', framework_removed: { framework_info: framework.framework_info } }), { type: 'FRAMEWORK_REMOVED', frameworkId: 'F' });
    assert.deepEqual(read({ type: 'HEARTBEAT' }), { type: 'OTHER', name: 'HEARTBEAT' });
    assert.deepEqual(read({ type: 'TASK_ADDED' }), { type: 'TASK_ADDED', task: undefined });
    assert.deepEqual(read([1, 2]), { type: 'OTHER', name: '' });
    assert.deepEqual(read(null), { type: 'OTHER', name: '' });
  });

  it('throws JsonSyntaxError on a record that is not JSON', () => {
    for (const text of ['', '{', '{"type": "HEARTBEAT"} x', '{"type": "TASK_ADDED", "task_added": {"task": [1,]}}']) {
      assert.throws(() => readOperatorRecord(Buffer.from(text)), JsonSyntaxError, JSON.stringify(text));
    }
  });
});

describe('operator API record reader on damaged records', () => {
  it('accepts exactly what JSON.parse accepts, and throws nothing but JsonSyntaxError', () => {
    const fixtures = new URL('../../../../fixtures/operator-api/', import.meta.url);
    const records = [
      readFileSync(new URL('subscribed.json', fixtures), 'utf8'),
      ...readFileSync(new URL('events.jsonl', fixtures), 'utf8')
        .split('\n')
        .filter((l) => l.trim() !== ''),
    ].map((text) => Buffer.from(JSON.stringify(JSON.parse(text))));
    const random = seededRandom(5);
    const valid = checkDamagedRecords(records, 20_000, random, (record) => void readOperatorRecord(record));
    assert.ok(valid > 1000, `${valid} damaged records were still JSON`);
  });
});

describe('operator API record reader, TASK_UPDATED', () => {
  it('names no task when the status is not an object', () => {
    const event = read({ type: 'TASK_UPDATED', task_updated: { framework_id: { value: 'F' }, state: 'TASK_RUNNING', status: 'x' } });
    assert.deepEqual(event, { type: 'TASK_UPDATED', frameworkId: 'F', taskId: '', state: 'TASK_RUNNING', status: undefined });
  });
});
