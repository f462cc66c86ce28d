// Health-aware answers (HealthAwareOn, docs/dns.md "Health-aware answers"): a running task whose latest
// status says healthy: false leaves the A, AAAA and SRV answers of every name that keeps a record
// from a healthy or unchecked task; a name whose every record (of a type) is unhealthy keeps them all.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { parseState } from '../../../src/mesos/parse-state.js';
import { type GenerateReport, generateRecordsWithReport } from '../../../src/records/generate.js';
import type { RecordTable } from '../../../src/records/table.js';
import { BASE_CONFIG, type Doc, at, enumeration, flat, framework, netinfo, running, slave, state, task } from './helpers.js';

const SLAVE_A = 'c0ffee00-0000-4000-8000-000000000000-S0';
const SLAVE_B = 'c0ffee00-0000-4000-8000-000000000000-S1';
const SLAVES = [slave(SLAVE_A, 'slave(1)@192.0.2.20:5051'), slave(SLAVE_B, 'slave(1)@192.0.2.21:5051')];

function instance(name: string, id: string, slaveId: string, ip: string, port: number, statuses: Doc[], extra: Doc = {}): Doc {
  return task(name, id, { slave_id: slaveId, resources: { ports: `[${port}-${port}]` }, statuses: statuses.map((s) => ({ ...s, ...netinfo(ip) })), ...extra });
}

function generateWith(tasks: Doc[], healthAwareOn = true): { table: RecordTable; report: GenerateReport } {
  const parsed = parseState(state({ frameworks: [framework('marathon', 'scheduler(1)@192.0.2.2:25501', tasks)], slaves: SLAVES }));
  if (!parsed.ok) throw new Error(parsed.error);
  return generateRecordsWithReport({ state: parsed.state, config: { ...BASE_CONFIG, healthAwareOn }, masters: [], listenerAddresses: [] });
}

const healthy = running(1, { healthy: true });
const unhealthy = running(1, { healthy: false });
const unchecked = running(1);

describe('health-aware answers (HealthAwareOn)', () => {
  it('an unhealthy instance leaves A and SRV answers while a healthy one stays', () => {
    const { table, report } = generateWith([
      instance('web', 'web.1', SLAVE_A, '10.1.0.1', 31000, [healthy]),
      instance('web', 'web.2', SLAVE_B, '10.1.0.2', 31001, [unhealthy]),
    ]);
    assert.deepEqual(at(table, 'web.marathon.mesos.').a, ['10.1.0.1']);
    assert.deepEqual(at(table, 'web.marathon.slave.mesos.').a, ['192.0.2.20']);
    for (const srvName of ['_web._tcp.marathon.mesos.', '_web._udp.marathon.mesos.', '_web._tcp.marathon.slave.mesos.', '_web._udp.marathon.slave.mesos.']) {
      assert.deepEqual(at(table, srvName).srv, [`web-${hashOf(table, 'web.1')}-s0.marathon.slave.mesos.:31000`], srvName);
    }
    assert.equal(report.health.unhealthyTasks, 1);
    assert.equal(report.health.heldBack, 6, 'web.marathon.mesos A, web.marathon.slave.mesos A, four SRV');
    assert.equal(table.counts.a + table.counts.srv, flat(table).filter((r) => / (A|SRV) /.test(r)).length, 'counts are what is served');
  });

  it('a task without a health check always stays; the unhealthy one beside it leaves', () => {
    const { table } = generateWith([
      instance('cache', 'cache.1', SLAVE_A, '10.1.0.5', 31004, [unchecked]),
      instance('cache', 'cache.2', SLAVE_B, '10.1.0.6', 31005, [unhealthy]),
    ]);
    assert.deepEqual(at(table, 'cache.marathon.mesos.').a, ['10.1.0.5']);
  });

  it('every instance unhealthy: all answered (fail open) and counted', () => {
    const { table, report } = generateWith([
      instance('db', 'db.1', SLAVE_A, '10.1.0.3', 31002, [unhealthy]),
      instance('db', 'db.2', SLAVE_B, '10.1.0.4', 31003, [unhealthy]),
    ]);
    assert.deepEqual(at(table, 'db.marathon.mesos.').a, ['10.1.0.3', '10.1.0.4']);
    assert.equal(at(table, '_db._tcp.marathon.mesos.').srv.length, 2);
    assert.equal(report.health.heldBack, 0);
    // The shared names (db, db.slave, four SRV) and each task's own canonical names (two per task).
    assert.equal(report.health.failOpenNames, 6 + 4);
  });

  it('the latest status decides, by timestamp, not by position', () => {
    const { table } = generateWith([
      instance('api', 'api.1', SLAVE_A, '10.1.0.7', 31006, [running(9, { healthy: true }), running(1, { healthy: false })]),
      instance('api', 'api.2', SLAVE_B, '10.1.0.8', 31007, [running(1, { healthy: true }), running(9, { healthy: false })]),
    ]);
    assert.deepEqual(at(table, 'api.marathon.mesos.').a, ['10.1.0.7']);
  });

  it('per record type: AAAA fails open while A drops the unhealthy instance', () => {
    const { table, report } = generateWith([
      instance('dual', 'dual.1', SLAVE_A, '10.1.0.9', 31008, [healthy]),
      task('dual', 'dual.2', { slave_id: SLAVE_B, statuses: [{ ...unhealthy, ...netinfo('10.1.0.10', '2001:db8::10') }] }),
    ]);
    assert.deepEqual(at(table, 'dual.marathon.mesos.').a, ['10.1.0.9']);
    assert.deepEqual(at(table, 'dual.marathon.mesos.').aaaa, ['2001:db8::10'], 'the only AAAA is from the unhealthy task');
    assert.ok(report.health.failOpenNames >= 1);
  });

  it('a value a healthy task shares with an unhealthy one stays (same agent address)', () => {
    const { table } = generateWith([
      instance('pair', 'pair.1', SLAVE_A, '10.1.0.11', 31009, [unhealthy]),
      instance('pair', 'pair.2', SLAVE_A, '10.1.0.12', 31010, [healthy]),
    ]);
    assert.deepEqual(at(table, 'pair.marathon.slave.mesos.').a, ['192.0.2.20']);
    assert.deepEqual(at(table, 'pair.marathon.mesos.').a, ['10.1.0.12']);
  });

  it('the enumeration still lists the unhealthy task with its records', () => {
    const { table } = generateWith([
      instance('web', 'web.1', SLAVE_A, '10.1.0.1', 31000, [healthy]),
      instance('web', 'web.2', SLAVE_B, '10.1.0.2', 31001, [unhealthy]),
    ]);
    const tasks = enumeration(table)[0]?.tasks ?? [];
    const second = tasks.find((t) => t.id === 'web.2');
    assert.ok(second?.records?.some((r) => r.name === 'web.marathon.mesos.' && r.host === '10.1.0.2'), JSON.stringify(second));
    const first = tasks.find((t) => t.id === 'web.1');
    assert.ok(first?.records?.some((r) => r.name === 'web.marathon.mesos.' && r.host === '10.1.0.1'), JSON.stringify(first));
  });

  it('off (the default): the same table as before, unhealthy tasks included', () => {
    const tasks = [
      instance('web', 'web.1', SLAVE_A, '10.1.0.1', 31000, [healthy]),
      instance('web', 'web.2', SLAVE_B, '10.1.0.2', 31001, [unhealthy]),
    ];
    const { table, report } = generateWith(tasks, false);
    assert.deepEqual(at(table, 'web.marathon.mesos.').a, ['10.1.0.1', '10.1.0.2']);
    assert.deepEqual(report.health, { unhealthyTasks: 0, heldBack: 0, failOpenNames: 0 });
  });
});

/** The 5-letter hash of a task's canonical name, read back from the enumeration. */
function hashOf(table: RecordTable, id: string): string {
  const record = enumeration(table)[0]?.tasks.find((t) => t.id === id)?.records?.find((r) => /^web-/.test(r.name));
  return record?.name.split('-')[1] ?? '?';
}
