// The per-task cap on ports: a task declaring every port there is ("[1-65535]", or many ranges, or a
// long DiscoveryInfo port list) gets at most MAX_PORTS_PER_TASK of them per list, the first ones in
// declared order; a normal task is untouched; what was left out is reported once per table.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { parseState } from '../../../src/mesos/parse-state.js';
import { MAX_PORTS_PER_TASK, generateRecordsWithReport } from '../../../src/records/generate.js';
import { BASE_CONFIG, at, framework, generateTask, state, task, type Doc } from './helpers.js';

function generateWithReport(tasks: Doc[]) {
  const parsed = parseState(state({ frameworks: [framework('marathon', 'scheduler(1)@192.0.2.2:25501', tasks)] }));
  assert.ok(parsed.ok);
  return generateRecordsWithReport({ state: parsed.state, config: BASE_CONFIG, masters: [], listenerAddresses: [] });
}

function srvCount(table: ReturnType<typeof generateTask>, name: string): number {
  return table.lookup(name)?.srv.length ?? 0;
}

describe('per-task port cap', () => {
  it('is 1024: above the 1001 ports of a Mesos agent\'s default range, far below 65,535', () => {
    assert.equal(MAX_PORTS_PER_TASK, 1024);
  });

  it('a task with resources.ports [1-65535] gets the first 1024 ports, no more', () => {
    const { table, report } = generateWithReport([task('greedy', 'greedy.1', { resources: { ports: '[1-65535]' } })]);
    const srv = table.lookup('_greedy._tcp.marathon.mesos.')?.srv ?? [];
    assert.equal(srv.length, MAX_PORTS_PER_TASK);
    assert.equal(srvCount(table, '_greedy._udp.marathon.slave.mesos.'), MAX_PORTS_PER_TASK);
    assert.equal(srv[0]?.endsWith(':1'), true);
    assert.equal(srv.at(-1)?.endsWith(`:${MAX_PORTS_PER_TASK}`), true);
    assert.deepEqual(report.portCap, { tasks: 1, droppedPorts: 65535 - MAX_PORTS_PER_TASK, firstTaskId: 'greedy.1', limit: MAX_PORTS_PER_TASK });
  });

  it('many ranges count together: 100 copies of [1-65535] still give 1024 ports', () => {
    const ports = `[${Array.from({ length: 100 }, () => '1-65535').join(', ')}]`;
    const { table, report } = generateWithReport([task('greedy', 'greedy.1', { resources: { ports } })]);
    assert.equal(srvCount(table, '_greedy._tcp.marathon.mesos.'), MAX_PORTS_PER_TASK);
    assert.equal(report.portCap.droppedPorts, 100 * 65535 - MAX_PORTS_PER_TASK);
  });

  it('a malformed list takes the general reader and is capped the same way', () => {
    const ports = '[1-65535,\t2-3]';
    const { table } = generateWithReport([task('greedy', 'greedy.1', { resources: { ports } })]);
    assert.equal(srvCount(table, '_greedy._tcp.marathon.mesos.'), MAX_PORTS_PER_TASK);
  });

  it('DiscoveryInfo port lists are capped too', () => {
    const many = Array.from({ length: 3000 }, (_, i) => ({ number: 10000 + i, protocol: 'tcp' }));
    const { table, report } = generateWithReport([
      task('disco', 'disco.1', { discovery: { name: 'disco', ports: { ports: many } } }),
    ]);
    assert.equal(srvCount(table, '_disco._tcp.marathon.mesos.'), MAX_PORTS_PER_TASK);
    assert.deepEqual(report.portCap, { tasks: 1, droppedPorts: 3000 - MAX_PORTS_PER_TASK, firstTaskId: 'disco.1', limit: MAX_PORTS_PER_TASK });
  });

  it('normal tasks are unchanged, including one holding the whole default agent range [31000-32000]', () => {
    const { table, report } = generateWithReport([
      task('web', 'web.1', { resources: { ports: '[31000-31001, 31005-31005]' } }),
      task('wide', 'wide.1', { resources: { ports: '[31000-32000]' } }),
    ]);
    assert.equal(srvCount(table, '_web._tcp.marathon.mesos.'), 3);
    assert.equal(srvCount(table, '_wide._tcp.marathon.mesos.'), 1001);
    assert.deepEqual(report.portCap, { tasks: 0, droppedPorts: 0, firstTaskId: undefined, limit: MAX_PORTS_PER_TASK });
    assert.deepEqual(
      at(generateTask(task('web', 'web.1', { resources: { ports: '[31000-31001]' } })), '_web._tcp.marathon.mesos.').srv.length,
      2,
    );
  });
});
