// Task IPs (behaviour §2.9): IPSources order, the first source with a valid IP wins with all its IPs, the
// reference status, netinfo's legacy field, exact label keys and the host fallback.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { IPSource } from '../../../src/config/types.js';
import { SLAVE_0, at, generateTask, label, netinfo, running, slave, task } from './helpers.js';

const MESOS_KEY = 'MesosContainerizer.NetworkSettings.IPAddress';
const DOCKER_KEY = 'Docker.NetworkSettings.IPAddress';
const T = 'web.marathon.mesos.';

/** The task IPs of one task "web" (A and AAAA of T.F.D.) under the given sources. */
function taskIps(statuses: unknown[], ipSources: IPSource[] = ['netinfo', 'mesos', 'host'], slavePid = 'slave(1)@192.0.2.20:5051'): string[] {
  const table = generateTask(task('web', 'test', { statuses }), { config: { ipSources } }, [slave(SLAVE_0, slavePid)]);
  const r = at(table, T);
  // The canonical name always carries the same addresses.
  assert.deepEqual(at(table, 'web-iffe9-0.marathon.mesos.'), r);
  return [...r.a, ...r.aaaa];
}

describe('IPSources order and winner (behaviour §2.9)', () => {
  const both = running(1, { ...netinfo('192.0.2.30'), labels: [label(MESOS_KEY, '192.0.2.31'), label(DOCKER_KEY, '192.0.2.32')] });

  it('sources are tried in the configured order', () => {
    assert.deepEqual(taskIps([both], ['netinfo', 'mesos', 'docker', 'host']), ['192.0.2.30']);
    assert.deepEqual(taskIps([both], ['mesos', 'netinfo']), ['192.0.2.31']);
    assert.deepEqual(taskIps([both], ['docker', 'mesos']), ['192.0.2.32']);
    assert.deepEqual(taskIps([both], ['host', 'netinfo']), ['192.0.2.20']);
  });

  it('the first source with at least one valid IP wins with ALL its IPs, none from later sources', () => {
    const status = running(1, { ...netinfo('192.0.2.30', '2001:db8::30', '192.0.2.33'), labels: [label(MESOS_KEY, '192.0.2.31')] });
    assert.deepEqual(taskIps([status]), ['192.0.2.30', '192.0.2.33', '2001:db8::30']);
  });

  it('invalid candidates are dropped: ["bogus", "::FFFF:10.9.9.9"] -> A 10.9.9.9', () => {
    assert.deepEqual(taskIps([running(1, netinfo('bogus', '::FFFF:10.9.9.9'))]), ['10.9.9.9']);
  });

  it('a source whose candidates are all invalid does not win: the next source is tried', () => {
    const status = running(1, { ...netinfo('bogus', '', 'fe80::1%eth0'), labels: [label(MESOS_KEY, 'not-an-ip'), label(MESOS_KEY, '192.0.2.31')] });
    assert.deepEqual(taskIps([status]), ['192.0.2.31']);
    assert.deepEqual(taskIps([running(1, netinfo('bogus'))]), ['192.0.2.20']);
  });

  it('no winner: no task IPs, but the .slave names and SRVs are still generated', () => {
    const table = generateTask(task('web', 'test', { statuses: [running(1)], resources: { ports: '[80-80]' } }), { config: { ipSources: ['netinfo', 'mesos'] } });
    assert.equal(table.lookup(T), undefined);
    assert.deepEqual(at(table, 'web.marathon.slave.mesos.').a, ['192.0.2.20']);
    assert.deepEqual(at(table, '_web._tcp.marathon.mesos.').srv, ['web-iffe9-0.marathon.slave.mesos.:80']);
  });

  it('host: the slave addresses (IPv6 too); a non-IP slave host gives nothing', () => {
    assert.deepEqual(taskIps([], ['host']), ['192.0.2.20']);
    assert.deepEqual(taskIps([], ['host'], 'slave(1)@[2001:db8::20]:5051'), ['2001:db8::20']);
    assert.deepEqual(taskIps([], ['host'], 'slave(1)@agent1.example:5051'), []);
  });
});

describe('the reference status', () => {
  it('the TASK_RUNNING status with the latest timestamp (ts 5/9 Docker label and a TASK_FAILED at 99 -> ts 9)', () => {
    const statuses = [
      running(5, { labels: [label(DOCKER_KEY, '192.0.2.5')] }),
      running(9, { labels: [label(DOCKER_KEY, '192.0.2.9')] }),
      { state: 'TASK_FAILED', timestamp: 99, labels: [label(DOCKER_KEY, '192.0.2.99')] },
    ];
    assert.deepEqual(taskIps(statuses, ['docker']), ['192.0.2.9']);
    assert.deepEqual(taskIps([...statuses].reverse(), ['docker']), ['192.0.2.9']);
  });

  it('ties go to the earliest in array order', () => {
    const statuses = [running(7, netinfo('192.0.2.71')), running(7, netinfo('192.0.2.72'))];
    assert.deepEqual(taskIps(statuses, ['netinfo']), ['192.0.2.71']);
  });

  it('only that one status is consulted: an older status with an IP does not help', () => {
    const statuses = [running(1, netinfo('192.0.2.11')), running(2)];
    assert.deepEqual(taskIps(statuses, ['netinfo', 'host']), ['192.0.2.20']);
  });

  it('timestamps <= -1 never qualify; anything above -1 does', () => {
    assert.deepEqual(taskIps([running(-1, netinfo('192.0.2.1'))], ['netinfo']), []);
    assert.deepEqual(taskIps([running(-5, netinfo('192.0.2.1'))], ['netinfo']), []);
    assert.deepEqual(taskIps([running(-0.5, netinfo('192.0.2.1'))], ['netinfo']), ['192.0.2.1']);
    assert.deepEqual(taskIps([running(0, netinfo('192.0.2.1'))], ['netinfo']), ['192.0.2.1']);
  });

  it('a missing timestamp counts as 0', () => {
    assert.deepEqual(taskIps([{ state: 'TASK_RUNNING', ...netinfo('192.0.2.1') }], ['netinfo']), ['192.0.2.1']);
    assert.deepEqual(taskIps([{ state: 'TASK_RUNNING', ...netinfo('192.0.2.1') }, running(0, netinfo('192.0.2.2'))], ['netinfo']), ['192.0.2.1']);
  });

  it('statuses other than TASK_RUNNING are never the reference, even when they are the only ones', () => {
    const statuses = [{ state: 'TASK_STAGING', timestamp: 3, ...netinfo('192.0.2.3') }];
    assert.deepEqual(taskIps(statuses, ['netinfo', 'host']), ['192.0.2.20']);
  });
});

describe('netinfo and label sources', () => {
  it('netinfo: ip_addresses of every network_infos entry, in order', () => {
    const status = running(1, {
      container_status: {
        network_infos: [{ ip_addresses: [{ ip_address: '192.0.2.64' }] }, { ip_addresses: [{ ip_address: '2001:db8::64' }, { ip_address: '192.0.2.65' }] }],
      },
    });
    assert.deepEqual(taskIps([status], ['netinfo']), ['192.0.2.64', '192.0.2.65', '2001:db8::64']);
  });

  it('netinfo: the legacy ip_address only when ip_addresses is empty or missing', () => {
    const status = running(1, {
      container_status: {
        network_infos: [
          { ip_addresses: [], ip_address: '192.0.2.61' },
          { ip_addresses: [{ ip_address: '192.0.2.62' }], ip_address: '192.0.2.63' },
          { ip_address: '192.0.2.66' },
          // A non-empty list without usable addresses still hides the legacy field.
          { ip_addresses: [{ protocol: 'IPv4' }], ip_address: '192.0.2.67' },
        ],
      },
    });
    assert.deepEqual(taskIps([status], ['netinfo']), ['192.0.2.61', '192.0.2.62', '192.0.2.66']);
  });

  it('mesos and docker: every label with exactly the key, in order; near-miss keys are ignored', () => {
    const status = running(1, {
      labels: [
        label(MESOS_KEY.toLowerCase(), '192.0.2.90'),
        label(`${MESOS_KEY} `, '192.0.2.91'),
        label(MESOS_KEY, '192.0.2.92'),
        label('Docker.NetworkSettings.IPaddress', '192.0.2.93'),
        label(MESOS_KEY, '2001:db8::92'),
        label(DOCKER_KEY, '192.0.2.94'),
      ],
    });
    assert.deepEqual(taskIps([status], ['mesos']), ['192.0.2.92', '2001:db8::92']);
    assert.deepEqual(taskIps([status], ['docker']), ['192.0.2.94']);
  });

  it('IPs are stored in canonical form', () => {
    assert.deepEqual(taskIps([running(1, netinfo('2001:DB8:0:0:0:0:0:0A'))], ['netinfo']), ['2001:db8::a']);
  });
});
