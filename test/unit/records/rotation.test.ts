// Out of rotation (docs/dns.md "Out of rotation"): tasks named by the list (by task ID, app name or label,
// agent ID or hostname) leave A/AAAA/SRV answers the way unhealthy ones do, failing open when every
// instance of a name is out; the list model itself (validation, bounds, expiry).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { parseState } from '../../../src/mesos/parse-state.js';
import { type GenerateReport, generateRecordsWithReport } from '../../../src/records/generate.js';
import type { RecordTable } from '../../../src/records/table.js';
import {
  ROTATION_LIMITS,
  type RotationEntry,
  activeEntries,
  parseAddRequest,
  parseStoredList,
  withEntry,
  withoutEntry,
} from '../../../src/records/rotation-list.js';
import { BASE_CONFIG, type Doc, at, framework, netinfo, running, slave, state, task } from './helpers.js';

const SLAVE_A = 'c0ffee00-0000-4000-8000-000000000000-S0';
const SLAVE_B = 'c0ffee00-0000-4000-8000-000000000000-S1';
const SLAVES = [slave(SLAVE_A, 'slave(1)@192.0.2.20:5051', { hostname: 'agent-a.example' }), slave(SLAVE_B, 'slave(1)@192.0.2.21:5051', { hostname: 'agent-b.example' })];

function instance(name: string, id: string, slaveId: string, ip: string, port: number): Doc {
  return task(name, id, { slave_id: slaveId, resources: { ports: `[${port}-${port}]` }, statuses: [{ ...running(1), ...netinfo(ip) }] });
}

const TASKS = [
  instance('web', 'web.1', SLAVE_A, '10.1.0.1', 31000),
  instance('web', 'web.2', SLAVE_B, '10.1.0.2', 31001),
  instance('Api_V2', 'api.1', SLAVE_A, '10.1.0.3', 31002),
  instance('Api_V2', 'api.2', SLAVE_B, '10.1.0.4', 31003),
];

function generateWith(outOfRotation: RotationEntry[]): { table: RecordTable; report: GenerateReport } {
  const parsed = parseState(state({ frameworks: [framework('marathon', 'scheduler(1)@192.0.2.2:25501', TASKS)], slaves: SLAVES }));
  if (!parsed.ok) throw new Error(parsed.error);
  return generateRecordsWithReport({ state: parsed.state, config: BASE_CONFIG, masters: [], listenerAddresses: [], outOfRotation });
}

const out = (kind: RotationEntry['kind'], value: string): RotationEntry => ({ kind, value, until: Number.MAX_SAFE_INTEGER });

describe('out of rotation in generation', () => {
  it('without entries every instance answers', () => {
    const { table, report } = generateWith([]);
    assert.deepEqual(at(table, 'web.marathon.mesos.').a, ['10.1.0.1', '10.1.0.2']);
    assert.equal(report.outOfRotationTasks, 0);
  });

  it('a task ID takes that task out of A and SRV answers', () => {
    const { table, report } = generateWith([out('task', 'web.2')]);
    assert.deepEqual(at(table, 'web.marathon.mesos.').a, ['10.1.0.1']);
    assert.equal(at(table, '_web._tcp.marathon.mesos.').srv.length, 1);
    assert.equal(report.outOfRotationTasks, 1);
  });

  it('an agent, by ID or by hostname, takes its tasks out', () => {
    for (const value of [SLAVE_B, 'AGENT-B.example']) {
      const { table, report } = generateWith([out('agent', value)]);
      assert.deepEqual(at(table, 'web.marathon.mesos.').a, ['10.1.0.1'], value);
      assert.deepEqual(at(table, 'api-v2.marathon.mesos.').a, ['10.1.0.3'], value);
      assert.equal(report.outOfRotationTasks, 2);
    }
  });

  it('an app, by Mesos task name or DNS label, with every instance out: all answered (fail open), counted', () => {
    for (const value of ['Api_V2', 'api-v2']) {
      const { table, report } = generateWith([out('app', value)]);
      assert.deepEqual(at(table, 'api-v2.marathon.mesos.').a, ['10.1.0.3', '10.1.0.4'], value);
      assert.deepEqual(at(table, 'web.marathon.mesos.').a, ['10.1.0.1', '10.1.0.2']);
      assert.equal(report.outOfRotationTasks, 2);
      assert.ok(report.health.failOpenNames > 0);
    }
  });

  it('an app out together with one agent leaves the instance on the other agent', () => {
    const { table } = generateWith([out('agent', SLAVE_A), out('task', 'web.2')]);
    assert.deepEqual(at(table, 'web.marathon.mesos.').a, ['10.1.0.1', '10.1.0.2'], 'both out: fail open');
    assert.deepEqual(at(table, 'api-v2.marathon.mesos.').a, ['10.1.0.4']);
  });
});

describe('the out-of-rotation list', () => {
  it('reads a POST body, refusing bad kinds, values, durations and reasons', () => {
    const ok = parseAddRequest('{"kind":"app","value":"nginx","seconds":600,"reason":"deploy"}', 1000);
    assert.deepEqual(ok, { ok: true, entry: { kind: 'app', value: 'nginx', until: 601_000, reason: 'deploy' } });
    for (const body of [
      'not json',
      '[]',
      '{"kind":"host","value":"x","seconds":1}',
      '{"kind":"app","value":"","seconds":1}',
      '{"kind":"app","value":"a\\nb","seconds":1}',
      `{"kind":"app","value":"${'x'.repeat(256)}","seconds":1}`,
      '{"kind":"app","value":"x","seconds":0}',
      '{"kind":"app","value":"x","seconds":1.5}',
      `{"kind":"app","value":"x","seconds":${ROTATION_LIMITS.maxSeconds + 1}}`,
      '{"kind":"app","value":"x","seconds":1,"reason":5}',
    ]) {
      const result = parseAddRequest(body, 0);
      assert.equal(result.ok, false, body);
    }
  });

  it('replaces an entry of the same kind and value, drops expired ones, and is bounded', () => {
    let list: RotationEntry[] = [{ kind: 'app', value: 'a', until: 50 }];
    const added = withEntry(list, { kind: 'app', value: 'b', until: 500 }, 100);
    assert.ok(added.ok);
    assert.deepEqual(added.entries.map((e) => e.value), ['b'], 'the expired entry is gone');
    list = Array.from({ length: ROTATION_LIMITS.maxEntries }, (_, i) => ({ kind: 'task' as const, value: `t${i}`, until: 1000 }));
    assert.equal(withEntry(list, { kind: 'task', value: 'one-more', until: 1000 }, 0).ok, false);
    assert.equal(withEntry(list, { kind: 'task', value: 't5', until: 2000 }, 0).ok, true, 'replacing is allowed when full');
    assert.equal(withoutEntry(list, 'task', 't5').removed, true);
    assert.equal(withoutEntry(list, 'app', 't5').removed, false);
    assert.equal(activeEntries(list, 1000).length, 0);
  });

  it('reads a stored list, keeping only well-formed entries', () => {
    const text = JSON.stringify([{ kind: 'app', value: 'a', until: 5 }, { kind: 'x', value: 'b', until: 5 }, { kind: 'task', value: '', until: 5 }, 7]);
    assert.deepEqual(parseStoredList(text), [{ kind: 'app', value: 'a', until: 5 }]);
    assert.deepEqual(parseStoredList('{'), []);
  });
});
