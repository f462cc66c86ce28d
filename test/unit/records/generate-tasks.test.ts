// Task records (behaviour §2.8, §2.10-§2.12): which tasks count, their A names, SRV name sets with and
// without DiscoveryInfo, resource port expansion and the quirks that go with them.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { expandResourcePorts } from '../../../src/records/generate.js';
import {
  SLAVE_0,
  SLAVE_S3,
  at,
  enumeration,
  flat,
  framework,
  generate,
  generateTask,
  names,
  namesWith,
  netinfo,
  running,
  slave,
  state,
  task,
} from './helpers.js';

const NGINX_ID = 'nginx.1bc32344-3dda-11e4-a088-c20493233aa5'; // hash 6ud99
const LIQUOR_ID = 'liquor-store.b8db9f73-562f-11e4-a088-c20493233aa5'; // hash 4dfjd
const SLAVE_IP = '192.0.2.20';

/** The records one task inserted, as "name TYPE value" in generation order. */
function taskRecords(table: ReturnType<typeof generate>, index = 0): string[] {
  const tasks = enumeration(table)[0]?.tasks ?? [];
  return (tasks[index]?.records ?? []).map((r) => `${r.name} ${r.rtype} ${r.host}`);
}

describe('which tasks produce records (behaviour §2.8)', () => {
  it('only TASK_RUNNING tasks on a known slave; other states and orphans are skipped', () => {
    const states = ['TASK_STAGING', 'TASK_STARTING', 'TASK_KILLING', 'TASK_FINISHED', 'TASK_FAILED', 'TASK_KILLED', 'TASK_LOST', 'TASK_UNREACHABLE', 'task_running', ''];
    const tasks = states.map((s, i) => task(`skipped${i}`, `skipped${i}.1`, { state: s }));
    tasks.push(task('orphan', 'orphan.1', { slave_id: 'no-such-slave-S9' }));
    tasks.push(task('kept', 'kept.1'));
    const table = generate(state({ frameworks: [framework('marathon', undefined, tasks)] }));
    const taskNames = names(table).filter((n) => n.includes('marathon'));
    assert.ok(taskNames.length > 0);
    for (const name of taskNames) assert.match(name, /kept/, name);
    assert.deepEqual(enumeration(table)[0]?.tasks.map((t) => t.name), ['kept']);
  });

  it("the task's statuses do not decide whether it counts: a running task without statuses gets records", () => {
    const table = generateTask(task('bare', 'bare.1', { statuses: [] }));
    assert.deepEqual(at(table, 'bare.marathon.mesos.').a, [SLAVE_IP]);
  });

  it('a task whose slave is listed twice uses the last listing (a map keyed by slave id)', () => {
    const table = generateTask(task('web', 'web.1', { statuses: [] }), {}, [
      slave(SLAVE_0, 'slave(1)@192.0.2.21:5051'),
      slave(SLAVE_0, 'slave(1)@192.0.2.22:5051'),
    ]);
    assert.deepEqual(at(table, 'web.marathon.slave.mesos.').a, ['192.0.2.22']);
    assert.deepEqual(at(table, 'slave.mesos.').a, ['192.0.2.21', '192.0.2.22']);
  });
});

describe('task names (behaviour §2.10, §2.11)', () => {
  it('a task without DiscoveryInfo: T and C names, .slave variants and four SRV names per port, in order', () => {
    const table = generateTask(task('nginx', NGINX_ID, { resources: { ports: '[31000-31001]' } }));
    const slaveTarget = 'nginx-6ud99-0.marathon.slave.mesos.';
    const srvNames = ['_nginx._tcp.marathon.slave.mesos.', '_nginx._udp.marathon.slave.mesos.', '_nginx._tcp.marathon.mesos.', '_nginx._udp.marathon.mesos.'];
    assert.deepEqual(taskRecords(table), [
      `nginx.marathon.mesos. A ${SLAVE_IP}`,
      `nginx-6ud99-0.marathon.mesos. A ${SLAVE_IP}`,
      `nginx.marathon.slave.mesos. A ${SLAVE_IP}`,
      `nginx-6ud99-0.marathon.slave.mesos. A ${SLAVE_IP}`,
      ...srvNames.map((n) => `${n} SRV ${slaveTarget}:31000`),
      ...srvNames.map((n) => `${n} SRV ${slaveTarget}:31001`),
    ]);
  });

  it('the slave-id tail is the lower-cased last "-" field (…-2410-0 -> 0, …-S3 -> s3, no dash -> whole id)', () => {
    const slaves = [slave(SLAVE_0, 'slave(1)@192.0.2.20:5051'), slave(SLAVE_S3, 'slave(1)@192.0.2.23:5051'), slave('AGENT7', 'slave(1)@192.0.2.27:5051')];
    const table = generate(
      state({
        slaves,
        frameworks: [
          framework('marathon', undefined, [
            task('a', 'test', { slave_id: SLAVE_0 }),
            task('b', 'test', { slave_id: SLAVE_S3 }),
            task('c', 'test', { slave_id: 'AGENT7' }),
          ]),
        ],
      }),
    );
    assert.deepEqual(at(table, 'a-iffe9-0.marathon.mesos.').a, ['192.0.2.20']);
    assert.deepEqual(at(table, 'b-iffe9-s3.marathon.mesos.').a, ['192.0.2.23']);
    assert.deepEqual(at(table, 'c-iffe9-agent7.marathon.mesos.').a, ['192.0.2.27']);
  });

  it('the task label is one label: dots become dashes, case is folded, junk deleted', () => {
    const table = generateTask(task('Big.Dog_2 $', 'big.1'));
    assert.deepEqual(at(table, 'big-dog-2.marathon.mesos.').a, [SLAVE_IP]);
  });

  it('a task whose label is empty still gets names (".F.D." forms), as Mesos-DNS builds them', () => {
    const table = generateTask(task('$$$', 'test'));
    assert.deepEqual(at(table, '.marathon.mesos.').a, [SLAVE_IP]);
    assert.deepEqual(at(table, '-iffe9-0.marathon.mesos.').a, [SLAVE_IP]);
  });

  it('quirk #11: canonical labels can exceed 63 octets (kept, not re-sanitised)', () => {
    const long = 'a'.repeat(63);
    const table = generateTask(task(long, 'test', { resources: { ports: '[80-80]' } }));
    const canonical = `${long}-iffe9-0`;
    assert.equal(canonical.length, 71);
    assert.deepEqual(at(table, `${canonical}.marathon.mesos.`).a, [SLAVE_IP]);
    assert.deepEqual(at(table, `_${long}._tcp.marathon.mesos.`).srv, [`${canonical}.marathon.slave.mesos.:80`]);
  });

  it('EnforceRFC952 shortens task labels and framework fragments', () => {
    const table = generate(
      state({ frameworks: [framework('9Chronos.2.0', undefined, [task('0-web-frontend-service-production', 'test')])] }),
      { config: { enforceRFC952: true } },
    );
    // "0-web-frontend-service-production" -> strip "0-", cut at 24: "web-frontend-service-pro"
    assert.deepEqual(at(table, 'web-frontend-service-pro.chronos.mesos.').a, [SLAVE_IP]);
    assert.deepEqual(at(table, 'web-frontend-service-pro-iffe9-0.chronos.mesos.').a, [SLAVE_IP]);
    const rfc1123 = generate(state({ frameworks: [framework('9Chronos.2.0', undefined, [task('0-web-frontend-service-production', 'test')])] }));
    assert.deepEqual(at(rfc1123, '0-web-frontend-service-production.9chronos.2.0.mesos.').a, [SLAVE_IP]);
  });

  it('the domain is appended as configured', () => {
    const table = generateTask(task('web', 'test'), { config: { domain: 'dc1.example' } });
    assert.deepEqual(at(table, 'web.marathon.dc1.example.').a, [SLAVE_IP]);
    assert.deepEqual(at(table, 'web-iffe9-0.marathon.slave.dc1.example.').a, [SLAVE_IP]);
  });
});

describe('SRV records (behaviour §2.12)', () => {
  const liquor = task('liquor.store', LIQUOR_ID, {
    resources: { ports: '[31354-31355]' },
    discovery: {
      name: 'liquor.store',
      visibility: 'FRAMEWORK',
      ports: {
        ports: [
          { number: 80, protocol: 'tcp', name: 'http' },
          { number: 443, protocol: 'tcp', name: 'https' },
        ],
      },
    },
  });

  it('the worked example of behaviour §2.15: DiscoveryInfo names, raw pass then sanitised pass', () => {
    const table = generateTask(liquor);
    const A = (n: string): void => assert.deepEqual(at(table, n).a, [SLAVE_IP], n);
    for (const t of ['liquor.store', 'liquor-store']) {
      A(`${t}.marathon.mesos.`);
      A(`${t}-4dfjd-0.marathon.mesos.`);
      A(`${t}.marathon.slave.mesos.`);
      A(`${t}-4dfjd-0.marathon.slave.mesos.`);
      const slaveTarget = `${t}-4dfjd-0.marathon.slave.mesos.`;
      const diTarget = `${t}-4dfjd-0.marathon.mesos.`;
      assert.deepEqual(at(table, `_${t}._tcp.marathon.slave.mesos.`).srv, [`${slaveTarget}:31354`, `${slaveTarget}:31355`]);
      assert.deepEqual(at(table, `_${t}._udp.marathon.slave.mesos.`).srv, [`${slaveTarget}:31354`, `${slaveTarget}:31355`]);
      assert.deepEqual(at(table, `_${t}._tcp.marathon.mesos.`).srv, [`${diTarget}:80`, `${diTarget}:443`]);
      assert.deepEqual(at(table, `_http._${t}._tcp.marathon.mesos.`).srv, [`${diTarget}:80`]);
      assert.deepEqual(at(table, `_https._${t}._tcp.marathon.mesos.`).srv, [`${diTarget}:443`]);
      // With DiscoveryInfo the resource ports are not published under F.D., and no udp DI names exist.
      assert.equal(table.lookup(`_${t}._udp.marathon.mesos.`), undefined);
    }
  });

  it('the generation order within a pass: A names, then per resource port, then per DI port (plain before named)', () => {
    const table = generateTask(liquor);
    const records = taskRecords(table);
    const firstPass = records.slice(0, records.length / 2);
    assert.deepEqual(firstPass, [
      `liquor.store.marathon.mesos. A ${SLAVE_IP}`,
      `liquor.store-4dfjd-0.marathon.mesos. A ${SLAVE_IP}`,
      `liquor.store.marathon.slave.mesos. A ${SLAVE_IP}`,
      `liquor.store-4dfjd-0.marathon.slave.mesos. A ${SLAVE_IP}`,
      '_liquor.store._tcp.marathon.slave.mesos. SRV liquor.store-4dfjd-0.marathon.slave.mesos.:31354',
      '_liquor.store._udp.marathon.slave.mesos. SRV liquor.store-4dfjd-0.marathon.slave.mesos.:31354',
      '_liquor.store._tcp.marathon.slave.mesos. SRV liquor.store-4dfjd-0.marathon.slave.mesos.:31355',
      '_liquor.store._udp.marathon.slave.mesos. SRV liquor.store-4dfjd-0.marathon.slave.mesos.:31355',
      '_liquor.store._tcp.marathon.mesos. SRV liquor.store-4dfjd-0.marathon.mesos.:80',
      '_http._liquor.store._tcp.marathon.mesos. SRV liquor.store-4dfjd-0.marathon.mesos.:80',
      '_liquor.store._tcp.marathon.mesos. SRV liquor.store-4dfjd-0.marathon.mesos.:443',
      '_https._liquor.store._tcp.marathon.mesos. SRV liquor.store-4dfjd-0.marathon.mesos.:443',
    ]);
    assert.deepEqual(records.slice(records.length / 2), firstPass.map((r) => r.replaceAll('liquor.store', 'liquor-store')));
  });

  it('quirk #10: raw DiscoveryInfo names are stored too (upper case kept, so unreachable by lower-cased lookups)', () => {
    const table = generateTask(task('ignored-task-name', 'test', { discovery: { name: 'Disco.Svc', ports: { ports: [{ number: 8080, protocol: 'tcp', name: 'Web' }] } } }));
    assert.deepEqual(at(table, 'Disco.Svc.marathon.mesos.').a, [SLAVE_IP]);
    assert.deepEqual(at(table, 'Disco.Svc-iffe9-0.marathon.slave.mesos.').a, [SLAVE_IP]);
    assert.deepEqual(at(table, '_web._Disco.Svc._tcp.marathon.mesos.').srv, ['Disco.Svc-iffe9-0.marathon.mesos.:8080']);
    assert.equal(table.lookup('disco.svc.marathon.mesos.'), undefined);
    // The sanitised pass is reachable; the task name is ignored entirely.
    assert.deepEqual(at(table, 'disco-svc.marathon.mesos.').a, [SLAVE_IP]);
    assert.deepEqual(at(table, '_web._disco-svc._tcp.marathon.mesos.').srv, ['disco-svc-iffe9-0.marathon.mesos.:8080']);
    assert.ok(!names(table).some((n) => n.includes('ignored')));
  });

  it('DiscoveryInfo protocols: "" gives tcp and udp, "UDP" gives udp, "sctp" gives _sctp, junk gives tcp and udp', () => {
    const ports = [
      { number: 1000, protocol: '', name: '' },
      { number: 2000, protocol: 'UDP', name: '' },
      { number: 3000, protocol: 'sctp', name: '' },
      { number: 4000, protocol: '$$', name: '' },
      { number: 5000 },
    ];
    const table = generateTask(task('svc', 'test', { discovery: { name: 'svc', ports: { ports } } }));
    const target = 'svc-iffe9-0.marathon.mesos.';
    assert.deepEqual(at(table, '_svc._tcp.marathon.mesos.').srv, [`${target}:1000`, `${target}:4000`, `${target}:5000`]);
    assert.deepEqual(at(table, '_svc._udp.marathon.mesos.').srv, [`${target}:1000`, `${target}:2000`, `${target}:4000`, `${target}:5000`]);
    assert.deepEqual(at(table, '_svc._sctp.marathon.mesos.').srv, [`${target}:3000`]);
  });

  it('named DiscoveryInfo ports are sanitised (Web_UI -> _web-ui.) and follow the protocol set', () => {
    const ports = [
      { number: 8080, protocol: '', name: 'Web_UI' },
      { number: 9090, protocol: 'udp', name: '$$$' },
    ];
    const table = generateTask(task('svc', 'test', { discovery: { name: 'svc', ports: { ports } } }));
    const target = 'svc-iffe9-0.marathon.mesos.';
    assert.deepEqual(at(table, '_web-ui._svc._tcp.marathon.mesos.').srv, [`${target}:8080`]);
    assert.deepEqual(at(table, '_web-ui._svc._udp.marathon.mesos.').srv, [`${target}:8080`]);
    // A name that sanitises to nothing adds no named records.
    assert.deepEqual(namesWith(table, 'srv').filter((n) => n.includes('svc') && !n.startsWith('_svc')), ['_web-ui._svc._tcp.marathon.mesos.', '_web-ui._svc._udp.marathon.mesos.']);
    // Order for one port with both protocols: plain tcp, plain udp, then named tcp, named udp.
    assert.deepEqual(taskRecords(table).filter((r) => r.includes(':8080')), [
      `_svc._tcp.marathon.mesos. SRV ${target}:8080`,
      `_svc._udp.marathon.mesos. SRV ${target}:8080`,
      `_web-ui._svc._tcp.marathon.mesos. SRV ${target}:8080`,
      `_web-ui._svc._udp.marathon.mesos. SRV ${target}:8080`,
    ]);
  });

  it('a DiscoveryInfo with an empty name counts as absent: task name used, DI ports ignored', () => {
    const table = generateTask(
      task('web', 'test', { resources: { ports: '[80-80]' }, discovery: { name: '', ports: { ports: [{ number: 8080, protocol: 'tcp', name: 'http' }] } } }),
    );
    assert.deepEqual(at(table, '_web._tcp.marathon.mesos.').srv, ['web-iffe9-0.marathon.slave.mesos.:80']);
    assert.deepEqual(at(table, '_web._udp.marathon.mesos.').srv, ['web-iffe9-0.marathon.slave.mesos.:80']);
    assert.ok(!flat(table).some((r) => r.includes('8080') || r.includes('_http.')));
  });

  it('no resource ports and no DI ports: no SRV records for the task', () => {
    for (const ports of [undefined, '', '[]']) {
      const table = generateTask(task('web', 'test', ports === undefined ? {} : { resources: { ports } }));
      assert.deepEqual(namesWith(table, 'srv').filter((n) => n.includes('web')), [], String(ports));
    }
  });

  it("quirk #15: a port range without '-' is skipped, not a crash", () => {
    const table = generateTask(task('web', 'test', { resources: { ports: '[31000, 31005-31006]' } }));
    assert.deepEqual(at(table, '_web._tcp.marathon.mesos.').srv, ['web-iffe9-0.marathon.slave.mesos.:31005', 'web-iffe9-0.marathon.slave.mesos.:31006']);
  });

  it('SRV targets keep pointing at C.F.D. when the task has no task IP (the target dangles)', () => {
    const table = generateTask(task('svc', 'test', { discovery: { name: 'svc', ports: { ports: [{ number: 80, protocol: 'tcp' }] } } }), {
      config: { ipSources: ['netinfo'] },
    });
    assert.deepEqual(at(table, '_svc._tcp.marathon.mesos.').srv, ['svc-iffe9-0.marathon.mesos.:80']);
    assert.equal(table.lookup('svc-iffe9-0.marathon.mesos.'), undefined);
    assert.deepEqual(at(table, 'svc-iffe9-0.marathon.slave.mesos.').a, [SLAVE_IP]);
  });
});

describe('set semantics (behaviour §2.1)', () => {
  it('an identical name/value pair is stored once; a different value is added', () => {
    const table = generate(
      state({
        slaves: [slave(SLAVE_0, 'slave(1)@192.0.2.20:5051'), slave(SLAVE_S3, 'slave(1)@192.0.2.23:5051')],
        frameworks: [
          framework('marathon', undefined, [
            task('web', 'web.1', { resources: { ports: '[80-80]' } }),
            task('web', 'web.2', { resources: { ports: '[80-80]' } }),
            task('web', 'web.3', { slave_id: SLAVE_S3 }),
          ]),
        ],
      }),
    );
    assert.deepEqual(at(table, 'web.marathon.mesos.').a, ['192.0.2.20', '192.0.2.23']);
    assert.deepEqual(at(table, 'web.marathon.slave.mesos.').a, ['192.0.2.20', '192.0.2.23']);
    // Each task has its own canonical target, so the SRV name holds both.
    assert.equal(at(table, '_web._tcp.marathon.mesos.').srv.length, 2);
  });

  it('a lower-case undotted DiscoveryInfo name makes the second pass insert nothing new', () => {
    const table = generateTask(task('x', 'test', { resources: { ports: '[80-80]' }, discovery: { name: 'web', ports: { ports: [{ number: 8080, protocol: 'tcp', name: 'http' }] } } }));
    const records = taskRecords(table);
    assert.equal(new Set(records).size, records.length);
    assert.equal(records.length, 4 + 2 + 2);
    assert.deepEqual(at(table, '_web._tcp.marathon.slave.mesos.').srv, ['web-iffe9-0.marathon.slave.mesos.:80']);
  });

  it('SRV weight is not part of what is stored: values are "target:port" only', () => {
    const table = generateTask(task('web', 'test', { resources: { ports: '[80-80]' } }));
    for (const [, r] of table.entries()) for (const v of r.srv) assert.match(v, /^[^ ]+\.:\d+$/);
  });
});

describe('expandResourcePorts', () => {
  const cases: [string, string[]][] = [
    ['', []],
    ['[]', []],
    ['[31000-31001, 31005-31005]', ['31000', '31001', '31005']],
    ['[31000-31000]', ['31000']],
    ['[ 7-8 ,9-9 ]', ['7', '8', '9']],
    ['[010-011]', ['10', '11']],
    ['[+5-6]', ['5', '6']],
    // quirk #15: a range without "-" is skipped instead of crashing.
    ['[80]', []],
    ['[80, 90-91]', ['90', '91']],
    // A side that is not an integer skips that range.
    ['[a-b, 5-6]', ['5', '6']],
    ['[-5-6]', []],
    ['[5--6]', []],
    // Only the first two "-" fields count.
    ['[1-2-3]', ['1', '2']],
    // lo > hi gives nothing.
    ['[6-5]', []],
    // Text outside the first [...] is ignored; a missing "]" reads to the end.
    ['x[5-6]y[7-8]', ['5', '6']],
    ['[1-3', ['1', '2', '3']],
    ['no brackets', []],
  ];
  for (const [input, expected] of cases) {
    it(`${JSON.stringify(input)} -> ${JSON.stringify(expected)}`, () => assert.deepEqual(expandResourcePorts(input), expected));
  }

  it('an absurdly wide range is skipped rather than filling memory', () => {
    assert.deepEqual(expandResourcePorts('[0-999999999, 1-1]'), ['1']);
    assert.equal(expandResourcePorts('[0-65535]').length, 65536);
  });

  it('bounds too large for exact arithmetic are skipped (p++ would stop advancing and never end)', () => {
    assert.deepEqual(expandResourcePorts('[99999999999999999999-99999999999999999999, 2-2]'), ['2']);
    assert.deepEqual(expandResourcePorts('[9007199254740993-9007199254740993]'), []);
    assert.deepEqual(expandResourcePorts('[1-99999999999999999999]'), []);
  });

  it('running tasks with resource ports on the embedded slave layout expand in order', () => {
    const table = generateTask(task('web', 'test', { resources: { ports: '[3-4, 1-1]' } }));
    assert.deepEqual(at(table, '_web._tcp.marathon.slave.mesos.').srv, ['3', '4', '1'].map((p) => `web-iffe9-0.marathon.slave.mesos.:${p}`));
  });
});

describe('task IPs in names', () => {
  it('task IPs go to T.F.D./C.F.D. (A or AAAA by family), slave addresses to the .slave names', () => {
    const table = generateTask(task('web', 'test', { statuses: [running(1, netinfo('192.0.2.40', '2001:db8::40'))] }));
    assert.deepEqual(at(table, 'web.marathon.mesos.'), { a: ['192.0.2.40'], aaaa: ['2001:db8::40'], srv: [] });
    assert.deepEqual(at(table, 'web-iffe9-0.marathon.mesos.'), { a: ['192.0.2.40'], aaaa: ['2001:db8::40'], srv: [] });
    assert.deepEqual(at(table, 'web.marathon.slave.mesos.'), { a: [SLAVE_IP], aaaa: [], srv: [] });
    // Order: per task IP T then C, then per slave address T then C.
    assert.deepEqual(taskRecords(table), [
      'web.marathon.mesos. A 192.0.2.40',
      'web-iffe9-0.marathon.mesos. A 192.0.2.40',
      'web.marathon.mesos. AAAA 2001:db8::40',
      'web-iffe9-0.marathon.mesos. AAAA 2001:db8::40',
      `web.marathon.slave.mesos. A ${SLAVE_IP}`,
      `web-iffe9-0.marathon.slave.mesos. A ${SLAVE_IP}`,
    ]);
  });
});
