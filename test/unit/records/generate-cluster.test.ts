// Cluster records (behaviour §2.4-§2.7): frameworks, slaves, the listener (SOA mname) and leader/masters.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { splitHostPort as splitMasterAddress } from '../../../src/mesos/host-port.js';
import { SLAVE_0, SLAVE_S3, at, flat, framework, generate, names, netinfo, running, slave, state, task } from './helpers.js';

describe('framework records (behaviour §2.4)', () => {
  it('a pid gives F.D. A and _framework._tcp.F.D. SRV to F.D.:<pid port>', () => {
    const table = generate(state({ frameworks: [framework('marathon', 'scheduler(1)@192.0.2.2:25501')] }));
    assert.deepEqual(at(table, 'marathon.mesos.').a, ['192.0.2.2']);
    assert.deepEqual(at(table, '_framework._tcp.marathon.mesos.').srv, ['marathon.mesos.:25501']);
    assert.equal(table.lookup('_framework._udp.marathon.mesos.'), undefined);
  });

  it('an IPv6 pid gives AAAA and the SRV', () => {
    const table = generate(state({ frameworks: [framework('ipv6-framework', 'scheduler(1)@[2001:db8::1]:25501')] }));
    assert.deepEqual(at(table, 'ipv6-framework.mesos.'), { a: [], aaaa: ['2001:db8::1'], srv: [] });
    assert.deepEqual(at(table, '_framework._tcp.ipv6-framework.mesos.').srv, ['ipv6-framework.mesos.:25501']);
  });

  it('without a pid the hostname is used and there is no SRV (an IP literal needs no lookup)', () => {
    const table = generate(state({ frameworks: [framework('nopid', undefined, [], { hostname: '192.0.2.9' })] }));
    assert.deepEqual(at(table, 'nopid.mesos.').a, ['192.0.2.9']);
    assert.equal(table.lookup('_framework._tcp.nopid.mesos.'), undefined);
  });

  it('#33: pid-less frameworks use the pre-resolved hostAddresses (all v4 and v6, invalid dropped, deduplicated)', () => {
    const doc = state({ frameworks: [framework('No Pid', undefined, [], { hostname: 'scheduler.example' })] });
    assert.equal(generate(doc).lookup('nopid.mesos.'), undefined, 'no lookup result: no records');
    const hostAddresses = new Map([['scheduler.example', ['192.0.2.77', '2001:db8::77', 'bogus', '192.0.2.77', '::ffff:192.0.2.78']]]);
    const table = generate(doc, { hostAddresses });
    assert.deepEqual(at(table, 'nopid.mesos.'), { a: ['192.0.2.77', '192.0.2.78'], aaaa: ['2001:db8::77'], srv: [] });
  });

  it('a pid with a host name uses hostAddresses too, and keeps its SRV', () => {
    const doc = state({ frameworks: [framework('chronos', 'scheduler(1)@chronos.example:4400')] });
    assert.deepEqual(names(generate(doc)).filter((n) => n.includes('chronos')), []);
    const table = generate(doc, { hostAddresses: new Map([['chronos.example', ['192.0.2.44']]]) });
    assert.deepEqual(at(table, 'chronos.mesos.').a, ['192.0.2.44']);
    assert.deepEqual(at(table, '_framework._tcp.chronos.mesos.').srv, ['chronos.mesos.:4400']);
  });

  it('quirk #17: a bad framework pid loses only its scheduler records; its tasks still get records', () => {
    const table = generate(state({ frameworks: [framework('marathon', 'not a pid', [task('web', 'test')], { hostname: '192.0.2.9' })] }));
    assert.equal(table.lookup('marathon.mesos.'), undefined);
    assert.equal(table.lookup('_framework._tcp.marathon.mesos.'), undefined);
    assert.deepEqual(at(table, 'web.marathon.mesos.').a, ['192.0.2.20']);
  });

  it('framework names become domain fragments; frameworks sharing one merge their addresses', () => {
    const table = generate(
      state({
        frameworks: [
          framework('chronos with a space AND MIXED CASE-2.0.1', 'scheduler(2)@192.0.2.3:25501'),
          framework('Chronos With A Space and MIXED case-2.0.1', 'scheduler(2)@192.0.2.4:25502'),
        ],
      }),
    );
    assert.deepEqual(at(table, 'chronoswithaspaceandmixedcase-2.0.1.mesos.').a, ['192.0.2.3', '192.0.2.4']);
    assert.deepEqual(at(table, '_framework._tcp.chronoswithaspaceandmixedcase-2.0.1.mesos.').srv, [
      'chronoswithaspaceandmixedcase-2.0.1.mesos.:25501',
      'chronoswithaspaceandmixedcase-2.0.1.mesos.:25502',
    ]);
  });

  it('a framework name that sanitises to nothing gives the names Mesos-DNS builds (".D.")', () => {
    const table = generate(state({ frameworks: [framework('$$$', 'scheduler(1)@192.0.2.5:1', [task('web', 'test')])] }));
    assert.deepEqual(at(table, '.mesos.').a, ['192.0.2.5']);
    assert.deepEqual(at(table, 'web..mesos.').a, ['192.0.2.20']);
  });
});

describe('slave records (behaviour §2.5)', () => {
  it('slave.D. holds every slave IP (A and AAAA); _slave._tcp.D. points at slave.D.:<port>', () => {
    const table = generate(
      state({ slaves: [slave(SLAVE_0, 'slave(1)@192.0.2.1:5051'), slave(SLAVE_S3, 'slave(1)@[2001:db8::1]:5051')] }),
    );
    assert.deepEqual(at(table, 'slave.mesos.'), { a: ['192.0.2.1'], aaaa: ['2001:db8::1'], srv: [] });
    assert.deepEqual(at(table, '_slave._tcp.mesos.').srv, ['slave.mesos.:5051']);
  });

  it('quirk #27: _slave._tcp collapses to one SRV per distinct port', () => {
    const table = generate(
      state({
        slaves: [
          slave('s-1', 'slave(1)@192.0.2.1:5051'),
          slave('s-2', 'slave(1)@192.0.2.2:5051'),
          slave('s-3', 'slave(1)@192.0.2.3:5052'),
          slave('s-4', 'slave(1)@192.0.2.4:5051'),
        ],
      }),
    );
    assert.deepEqual(at(table, '_slave._tcp.mesos.').srv, ['slave.mesos.:5051', 'slave.mesos.:5052']);
    assert.equal(at(table, 'slave.mesos.').a.length, 4);
  });

  it('quirk #14: a slave without pid is skipped, never a crash', () => {
    const table = generate(
      state({
        slaves: [slave(SLAVE_0, undefined), slave(SLAVE_S3, 'slave(1)@192.0.2.3:5051')],
        frameworks: [
          framework('marathon', undefined, [
            task('web', 'test', { statuses: [running(1, netinfo('192.0.2.40'))], resources: { ports: '[80-80]' } }),
          ]),
        ],
      }),
    );
    assert.deepEqual(at(table, 'slave.mesos.').a, ['192.0.2.3']);
    assert.deepEqual(at(table, '_slave._tcp.mesos.').srv, ['slave.mesos.:5051']);
    // Its tasks keep the records that do not need a slave address.
    assert.deepEqual(at(table, 'web.marathon.mesos.').a, ['192.0.2.40']);
    assert.equal(table.lookup('web.marathon.slave.mesos.'), undefined);
    assert.deepEqual(at(table, '_web._tcp.marathon.mesos.').srv, ['web-iffe9-0.marathon.slave.mesos.:80']);
    assert.ok(!flat(table).some((r) => r.includes('.slave.mesos. A')));
  });

  it('a non-IP slave host: no slave records; its tasks store the host fragment as .slave "A" text', () => {
    const table = generate(
      state({
        slaves: [slave(SLAVE_0, 'slave(1)@Agent_1.Example..Org:5051')],
        frameworks: [framework('marathon', undefined, [task('web', 'test', { resources: { ports: '[80-80]' } })])],
      }),
    );
    assert.equal(table.lookup('slave.mesos.'), undefined);
    assert.equal(table.lookup('_slave._tcp.mesos.'), undefined);
    assert.deepEqual(at(table, 'web.marathon.slave.mesos.').a, ['agent-1.example.org']);
    assert.deepEqual(at(table, 'web-iffe9-0.marathon.slave.mesos.').a, ['agent-1.example.org']);
    // "host" does not yield the fragment as a task IP.
    assert.equal(table.lookup('web.marathon.mesos.'), undefined);
    assert.deepEqual(at(table, '_web._tcp.marathon.mesos.').srv, ['web-iffe9-0.marathon.slave.mesos.:80']);
  });

  it('a slave host name resolved ahead of time (hostAddresses) gives slave records and task addresses', () => {
    const doc = state({ slaves: [slave(SLAVE_0, 'slave(1)@agent1.example:5051')], frameworks: [framework('marathon', undefined, [task('web', 'test')])] });
    const table = generate(doc, { hostAddresses: new Map([['agent1.example', ['192.0.2.101', '2001:db8::101']]]) });
    assert.deepEqual(at(table, 'slave.mesos.'), { a: ['192.0.2.101'], aaaa: ['2001:db8::101'], srv: [] });
    assert.deepEqual(at(table, '_slave._tcp.mesos.').srv, ['slave.mesos.:5051']);
    assert.deepEqual(at(table, 'web.marathon.slave.mesos.'), { a: ['192.0.2.101'], aaaa: ['2001:db8::101'], srv: [] });
    assert.deepEqual(at(table, 'web.marathon.mesos.'), { a: ['192.0.2.101'], aaaa: ['2001:db8::101'], srv: [] });
  });
});

describe('listener records (behaviour §2.6)', () => {
  const soa = (listener: string, listenerAddresses: string[] = [], soaMname = 'ns1.mesos.') =>
    at(generate(state(), { config: { listener, soaMname }, listenerAddresses }), soaMname);

  it('0.0.0.0: one record per given interface address', () => {
    assert.deepEqual(soa('0.0.0.0', ['192.0.2.53', '2001:db8::53', 'fe80::1', '192.0.2.54']), {
      a: ['192.0.2.53', '192.0.2.54'],
      aaaa: ['2001:db8::53', 'fe80::1'],
      srv: [],
    });
    assert.deepEqual(soa('0.0.0.0', []), { a: [], aaaa: [], srv: [] });
  });

  it('127.0.0.1, an IPv4 and an IPv6 listener', () => {
    assert.deepEqual(soa('127.0.0.1').a, ['127.0.0.1']);
    assert.deepEqual(soa('192.0.2.53').a, ['192.0.2.53']);
    assert.deepEqual(soa('2001:db8::53').aaaa, ['2001:db8::53']);
  });

  it('quirk #13: a non-IP listener gives no record instead of crashing the reload', () => {
    const table = generate(state(), { config: { listener: 'dns.example' } });
    assert.equal(table.lookup('ns1.mesos.'), undefined);
  });

  it('SOAMname keeps its case and need not lie inside the domain', () => {
    const table = generate(state(), { config: { listener: '192.0.2.53', soaMname: 'NS1.Mesos.' } });
    assert.deepEqual(at(table, 'NS1.Mesos.').a, ['192.0.2.53']);
    assert.equal(table.lookup('ns1.mesos.'), undefined);
    const outside = generate(state(), { config: { listener: '192.0.2.53', soaMname: 'dns.example.org.' } });
    assert.deepEqual(at(outside, 'dns.example.org.').a, ['192.0.2.53']);
  });
});

describe('leader and master records (behaviour §2.7)', () => {
  const masters = (leader: string, list: string[]) => generate(state({ leader, slaves: [] }), { masters: list });
  const masterN = (table: ReturnType<typeof generate>): string[] =>
    names(table)
      .filter((n) => /^master\d+\.mesos\.$/.test(n))
      .map((n) => `${n} ${[...at(table, n).a, ...at(table, n).aaaa].join(',')}`);

  it('leader.D., master.D., _leader._tcp and _leader._udp; master0 when no masters are listed', () => {
    const table = masters('master@127.0.0.1:5050', []);
    assert.deepEqual(at(table, 'leader.mesos.').a, ['127.0.0.1']);
    assert.deepEqual(at(table, 'master.mesos.').a, ['127.0.0.1']);
    assert.deepEqual(at(table, '_leader._tcp.mesos.').srv, ['leader.mesos.:5050']);
    assert.deepEqual(at(table, '_leader._udp.mesos.').srv, ['leader.mesos.:5050']);
    assert.deepEqual(masterN(table), ['master0.mesos. 127.0.0.1']);
  });

  it('upstream example: masters [0.0.0.8:9, 0.0.0.6:7], leader 5@0.0.0.6:7 -> master0=.8, master1=.6', () => {
    const table = masters('5@0.0.0.6:7', ['0.0.0.8:9', '0.0.0.6:7']);
    assert.deepEqual(masterN(table), ['master0.mesos. 0.0.0.8', 'master1.mesos. 0.0.0.6']);
    assert.deepEqual(at(table, 'master.mesos.').a, ['0.0.0.6', '0.0.0.8']);
    assert.deepEqual(at(table, 'leader.mesos.').a, ['0.0.0.6']);
  });

  it('upstream example: masters [0.0.0.8:9], leader 5@0.0.0.6:7 -> master0=.8, master1=.6 (leader appended)', () => {
    const table = masters('5@0.0.0.6:7', ['0.0.0.8:9']);
    assert.deepEqual(masterN(table), ['master0.mesos. 0.0.0.8', 'master1.mesos. 0.0.0.6']);
  });

  it('a non-leader master whose IP is already in master.D. gets no masterN', () => {
    assert.deepEqual(masterN(masters('5@0.0.0.6:7', ['0.0.0.8:9', '0.0.0.8:10'])), ['master0.mesos. 0.0.0.8', 'master1.mesos. 0.0.0.6']);
    // The leader's IP with another port is not the leader (textual compare) and is already in master.D.
    assert.deepEqual(masterN(masters('5@0.0.0.6:7', ['0.0.0.6:8'])), ['master0.mesos. 0.0.0.6']);
  });

  it('the leader listed twice is numbered once', () => {
    assert.deepEqual(masterN(masters('5@0.0.0.6:7', ['0.0.0.6:7', '0.0.0.8:9', '0.0.0.6:7'])), ['master0.mesos. 0.0.0.6', 'master1.mesos. 0.0.0.8']);
  });

  it('IPv6 leader and masters (bracketed)', () => {
    const table = masters('master@[2001:db8::5]:5050', ['[2001:db8::4]:5050', '[2001:db8::5]:5050']);
    assert.deepEqual(at(table, 'leader.mesos.').aaaa, ['2001:db8::5']);
    assert.deepEqual(at(table, 'master.mesos.').aaaa, ['2001:db8::5', '2001:db8::4']);
    assert.deepEqual(masterN(table), ['master0.mesos. 2001:db8::4', 'master1.mesos. 2001:db8::5']);
    assert.deepEqual(at(table, '_leader._tcp.mesos.').srv, ['leader.mesos.:5050']);
  });

  it('quirk #28: there is no _master._tcp or _master._udp record', () => {
    const table = masters('master@127.0.0.1:5050', ['127.0.0.1:5050', '192.0.2.2:5050']);
    for (const n of ['_master._tcp.mesos.', '_master._udp.mesos.']) assert.equal(table.lookup(n), undefined, n);
    assert.ok(!names(table).some((n) => n.startsWith('_master')));
  });

  it('a leader without "@" gives no leader or master records at all', () => {
    const table = masters('127.0.0.1:5050', ['192.0.2.2:5050']);
    assert.deepEqual(names(table).filter((n) => /leader|master/.test(n)), []);
  });

  it('quirk #13: a non-IP leader host gives no leader records instead of crashing', () => {
    const table = masters('master@mesos-master.example:5050', []);
    assert.deepEqual(names(table).filter((n) => /leader|master/.test(n)), []);
  });

  it('masters that do not split or are not IPs are skipped', () => {
    assert.deepEqual(masterN(masters('5@0.0.0.6:7', ['nocolon', 'host.example:5050', '0.0.0.8:9'])), ['master0.mesos. 0.0.0.8', 'master1.mesos. 0.0.0.6']);
  });

  it('the leader address falls back to a split at the first ":" (behaviour §1.5)', () => {
    const table = masters('master@192.0.2.1:5050:1', []);
    assert.deepEqual(at(table, 'leader.mesos.').a, ['192.0.2.1']);
    assert.deepEqual(at(table, '_leader._tcp.mesos.').srv, ['leader.mesos.:5050:1']);
  });
});

describe('splitMasterAddress (behaviour §1.5)', () => {
  const cases: [string, { host: string; port: string } | undefined][] = [
    ['192.0.2.1:5050', { host: '192.0.2.1', port: '5050' }],
    ['[2001:db8::1]:5050', { host: '2001:db8::1', port: '5050' }],
    ['a:b:c', { host: 'a', port: 'b:c' }],
    ['2001:db8::1', { host: '2001', port: 'db8::1' }],
    [':5050', { host: '', port: '5050' }],
    ['192.0.2.1', undefined],
    ['', undefined],
  ];
  for (const [input, expected] of cases) {
    it(`${JSON.stringify(input)} -> ${JSON.stringify(expected)}`, () => assert.deepEqual(splitMasterAddress(input), expected));
  }
});

describe('generation order (behaviour §2.3)', () => {
  it('framework, slave, listener, master/leader, then task names', () => {
    const table = generate(
      state({ frameworks: [framework('marathon', 'scheduler(1)@192.0.2.2:25501', [task('web', 'test')])] }),
      { masters: ['127.0.0.1:5050'] },
    );
    assert.deepEqual(names(table), [
      'marathon.mesos.',
      '_framework._tcp.marathon.mesos.',
      'slave.mesos.',
      '_slave._tcp.mesos.',
      'ns1.mesos.',
      'leader.mesos.',
      'master.mesos.',
      '_leader._tcp.mesos.',
      '_leader._udp.mesos.',
      'master0.mesos.',
      'web.marathon.mesos.',
      'web-iffe9-0.marathon.mesos.',
      'web.marathon.slave.mesos.',
      'web-iffe9-0.marathon.slave.mesos.',
    ]);
  });
});
