// Enumeration data (behaviour §2.14): frameworks in state order, running tasks in order, and the records
// each task inserted first.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { SLAVE_S3, enumeration, framework, generate, netinfo, running, slave, state, task, SLAVE_0 } from './helpers.js';

describe('enumeration (behaviour §2.14)', () => {
  it('one entry per framework in state order, including frameworks without tasks (tasks: [])', () => {
    const table = generate(
      state({
        frameworks: [
          framework('zeta', undefined, [task('web', 'w.1')]),
          framework('chronos with a space AND MIXED CASE-2.0.1', 'scheduler(2)@192.0.2.3:25501'),
          framework('alpha', undefined, [task('gone', 'g.1', { state: 'TASK_FINISHED' })]),
        ],
      }),
    );
    const frameworks = enumeration(table);
    assert.deepEqual(frameworks.map((f) => f.name), ['zeta', 'chronos with a space AND MIXED CASE-2.0.1', 'alpha']);
    assert.deepEqual(frameworks[1]?.tasks, []);
    assert.deepEqual(frameworks[2]?.tasks, [], 'a task that is not running is not enumerated');
    assert.equal(table.frameworkCount, 3);
    assert.deepEqual([...table.frameworks()].map((f) => f.taskCount), [1, 0, 0]);
  });

  it('no frameworks: an empty enumeration', () => {
    const table = generate(state());
    assert.equal(table.frameworkCount, 0);
    assert.deepEqual(enumeration(table), []);
  });

  it('tasks in array order with the raw task name (not the DiscoveryInfo name) and the id', () => {
    const table = generate(
      state({
        frameworks: [
          framework('marathon', undefined, [
            task('Liquor Store App', 'liquor.1', { discovery: { name: 'liquor.store' } }),
            task('orphan', 'o.1', { slave_id: 'nowhere-S1' }),
            task('nginx', 'nginx.1'),
          ]),
        ],
      }),
    );
    assert.deepEqual(enumeration(table)[0]?.tasks.map((t) => [t.name, t.id]), [
      ['Liquor Store App', 'liquor.1'],
      ['nginx', 'nginx.1'],
    ]);
  });

  it('records are the ones the task inserted first, in generation order, with the stored value as host', () => {
    const table = generate(
      state({
        slaves: [slave(SLAVE_0, 'slave(1)@192.0.2.20:5051')],
        frameworks: [
          framework('marathon', undefined, [
            task('web', 'test', { resources: { ports: '[80-80]' } }),
            // Same name, same slave: its T names' values already exist, so only its canonical names are new.
            task('web', 'web.2', { statuses: [running(1, netinfo('192.0.2.20'))] }),
          ]),
        ],
      }),
    );
    const [first, second] = enumeration(table)[0]?.tasks ?? [];
    assert.deepEqual(first?.records, [
      { name: 'web.marathon.mesos.', host: '192.0.2.20', rtype: 'A' },
      { name: 'web-iffe9-0.marathon.mesos.', host: '192.0.2.20', rtype: 'A' },
      { name: 'web.marathon.slave.mesos.', host: '192.0.2.20', rtype: 'A' },
      { name: 'web-iffe9-0.marathon.slave.mesos.', host: '192.0.2.20', rtype: 'A' },
      { name: '_web._tcp.marathon.slave.mesos.', host: 'web-iffe9-0.marathon.slave.mesos.:80', rtype: 'SRV' },
      { name: '_web._udp.marathon.slave.mesos.', host: 'web-iffe9-0.marathon.slave.mesos.:80', rtype: 'SRV' },
      { name: '_web._tcp.marathon.mesos.', host: 'web-iffe9-0.marathon.slave.mesos.:80', rtype: 'SRV' },
      { name: '_web._udp.marathon.mesos.', host: 'web-iffe9-0.marathon.slave.mesos.:80', rtype: 'SRV' },
    ]);
    const hash = second?.records?.[0]?.name.split('-')[1];
    assert.ok(hash && hash.length === 5);
    assert.deepEqual(second?.records?.map((r) => r.name), [`web-${hash}-0.marathon.mesos.`, `web-${hash}-0.marathon.slave.mesos.`]);
  });

  it('AAAA records are enumerated with rtype AAAA', () => {
    const table = generate(
      state({
        slaves: [slave(SLAVE_S3, 'slave(1)@[2001:db8::20]:5051')],
        frameworks: [framework('marathon', undefined, [task('v6', 'test', { slave_id: SLAVE_S3 })])],
      }),
    );
    assert.deepEqual(enumeration(table)[0]?.tasks[0]?.records?.[0], { name: 'v6.marathon.mesos.', host: '2001:db8::20', rtype: 'AAAA' });
  });

  it('quirk #30: "records": null for a task that inserted nothing new', () => {
    const twin = task('web', 'test');
    const table = generate(state({ frameworks: [framework('marathon', undefined, [twin, twin])] }));
    const tasks = enumeration(table)[0]?.tasks ?? [];
    assert.equal(tasks.length, 2);
    assert.equal(tasks[0]?.records?.length, 4);
    assert.equal(tasks[1]?.records, null);
  });

  it('records: null for a task that produced no records at all (no IPs, no ports, slave without address)', () => {
    const table = generate(
      state({
        slaves: [slave(SLAVE_0, undefined)],
        frameworks: [framework('marathon', undefined, [task('web', 'test')])],
      }),
    );
    assert.deepEqual(enumeration(table)[0]?.tasks, [{ name: 'web', id: 'test', records: null }]);
  });

  it('framework, slave, listener and master records belong to no task', () => {
    const table = generate(
      state({ frameworks: [framework('web', 'scheduler(1)@192.0.2.2:1', [task('web', 'test', { statuses: [running(1, netinfo('192.0.2.2'))] })])] }),
    );
    // "web.mesos." (framework) is not the task's; the task's own names are.
    const records = enumeration(table)[0]?.tasks[0]?.records ?? [];
    assert.ok(records.every((r) => r.name.startsWith('web.web.') || r.name.startsWith('web-iffe9-0.web.')));
  });

  it('enumeration can be read more than once, and lazily', () => {
    const table = generate(state({ frameworks: [framework('a', undefined, [task('x', 'x.1')]), framework('b', undefined, [task('y', 'y.1')])] }));
    const once = enumeration(table);
    assert.deepEqual(enumeration(table), once);
    const iterator = table.frameworks()[Symbol.iterator]();
    assert.equal(iterator.next().value?.name, 'a');
  });
});
