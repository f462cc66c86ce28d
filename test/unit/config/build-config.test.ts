// buildConfig: config.json object -> effective Config, pure (behaviour §5.1, §5.2, §8).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { ConfigProblem } from '../../../src/errors.js';
import { DEFAULT_CONFIG, type Config } from '../../../src/config/types.js';
import { buildConfig, type BuildContext } from '../../../src/config/validate.js';

const CONTEXT: BuildContext = {
  file: '/etc/mesos-dns/config.json',
  resolvConf: 'nameserver 192.0.2.53\n',
  interfaceAddresses: ['127.0.0.1', '::1', '192.0.2.10'],
};
const MINIMAL = { Masters: ['127.0.0.1:5050'] };

function build(raw: Record<string, unknown>, context: Partial<BuildContext> = {}): { config: Config; warnings: readonly string[] } {
  const result = buildConfig({ ...MINIMAL, ...raw }, { ...CONTEXT, ...context });
  if ('problems' in result) assert.fail(`unexpected problems: ${JSON.stringify(result.problems)}`);
  return result;
}

function problems(raw: Record<string, unknown>, context: Partial<BuildContext> = {}): readonly ConfigProblem[] {
  const result = buildConfig({ ...MINIMAL, ...raw }, { ...CONTEXT, ...context });
  if (!('problems' in result)) return assert.fail(`expected problems for ${JSON.stringify(raw)}`);
  return result.problems;
}

/** Asserts exactly one problem, about `key`, whose message matches `pattern`. */
function assertProblem(raw: Record<string, unknown>, key: string, pattern: RegExp, context: Partial<BuildContext> = {}): void {
  const found = problems(raw, context);
  assert.equal(found.length, 1, JSON.stringify(found));
  assert.equal(found[0]?.key, key);
  assert.match(found[0]?.message ?? '', pattern);
}

describe('buildConfig defaults', () => {
  it('fills every Mesos-DNS default (behaviour §5.1) around a minimal config', () => {
    const { config, warnings } = build({});
    assert.deepEqual(warnings, []);
    const expected: Config = {
      ...DEFAULT_CONFIG,
      masters: ['127.0.0.1:5050'],
      resolvers: ['192.0.2.53:53'],
      file: '/etc/mesos-dns/config.json',
    };
    assert.deepEqual({ ...config }, expected);
    assert.equal(config.refreshSeconds, 60);
    assert.equal(config.port, 53);
    assert.equal(config.httpPort, 8123);
    assert.equal(config.soaMname, 'ns1.mesos.');
    assert.equal(config.soaRname, 'root.ns1.mesos.');
    assert.deepEqual(config.ipSources, ['netinfo', 'mesos', 'host']);
    assert.equal(config.masters?.length, 1);
  });

  it('returns a frozen config', () => {
    const { config } = build({ ZoneResolvers: { consul: ['127.0.0.1:8600'] } });
    assert.ok(Object.isFrozen(config));
    assert.ok(Object.isFrozen(config.resolvers));
    assert.ok(Object.isFrozen(config.zoneResolvers));
    assert.ok(Object.isFrozen(config.zoneResolvers['consul']));
    assert.ok(Object.isFrozen(config.mesosCredentials));
  });

  it('keeps the default when a key is null', () => {
    const { config } = build({ RefreshSeconds: null, Domain: null, IPSources: null, MesosCredentials: null, TTL: null });
    assert.equal(config.refreshSeconds, 60);
    assert.equal(config.domain, 'mesos');
    assert.deepEqual(config.ipSources, ['netinfo', 'mesos', 'host']);
    assert.equal(config.ttl, 60);
  });

  it('Masters stays null when unset (a StateFile-only config)', () => {
    const result = buildConfig({ StateFile: 'state.json' }, CONTEXT);
    assert.ok('config' in result);
    assert.equal(result.config.masters, null);
    assert.equal(result.config.stateFile, '/etc/mesos-dns/state.json');
  });
});

describe('buildConfig key matching', () => {
  it('quirk #31: config keys match case-insensitively (httpport == HttpPort == HTTPPORT)', () => {
    for (const key of ['httpport', 'HttpPort', 'HTTPPORT', 'hTtPpOrT']) {
      assert.equal(build({ [key]: 9000 }).config.httpPort, 9000, key);
    }
    const { config } = build({
      soamname: 'ns2.example.org',
      ipsources: ['host'],
      EXTERNALON: false,
      refreshseconds: 5,
      statetimeoutseconds: 7,
      mesoscredentials: { principal: 'p', SECRET: 's' },
      mesosauthentication: 'basic',
      statefile: 'x.json',
      forwardcachemaxentries: 5,
    });
    assert.equal(config.soaMname, 'ns2.example.org.');
    assert.deepEqual(config.ipSources, ['host']);
    assert.equal(config.externalOn, false);
    assert.equal(config.refreshSeconds, 5);
    assert.equal(config.stateTimeoutSeconds, 7);
    assert.deepEqual(config.mesosCredentials, { principal: 'p', secret: 's' });
    assert.equal(config.stateFile, '/etc/mesos-dns/x.json');
    assert.equal(config.forwardCacheMaxEntries, 5);
  });

  it('the last of several spellings of one key wins, with a warning', () => {
    const { config, warnings } = build({ port: 1053, PORT: 2053 });
    assert.equal(config.port, 2053);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0] ?? '', /"Port" is given more than once/);
  });

  it('warns about unknown keys and ignores them (e.g. the sample\'s "ns")', () => {
    const { config, warnings } = build({ ns: 'ns1', email: 'root.mesos-dns.mesos', MesosCredentials: { Principal: 'p', Token: 'x' }, MesosAuthentication: 'basic' });
    assert.equal(config.domain, 'mesos');
    assert.deepEqual(warnings, [
      'unknown configuration key "ns" ignored',
      'unknown configuration key "email" ignored',
      'unknown configuration key "MesosCredentials.Token" ignored',
    ]);
  });

  it('merges ZoneResolvers given under two spellings', () => {
    const { config } = build({ zoneresolvers: { consul: ['127.0.0.1:8600'] }, ZoneResolvers: { weave: ['127.0.0.2'] } });
    assert.deepEqual(config.zoneResolvers, { consul: ['127.0.0.1:8600'], weave: ['127.0.0.2:53'] });
  });
});

describe('buildConfig JSON types', () => {
  const cases: [string, unknown, RegExp][] = [
    ['RefreshSeconds', '60', /must be an integer, got string "60"/],
    ['Port', 53.5, /must be an integer/],
    ['HttpPort', true, /must be an integer, got boolean/],
    ['TTL', 2 ** 31, /out of range/],
    ['SRVRecordDefaultWeight', 65_536, /out of range \(0 to 65535\)/],
    ['SOARefresh', -1, /out of range \(0 to 4294967295\)/],
    ['Domain', 5, /must be a string, got number 5/],
    ['ExternalOn', 'true', /must be true or false/],
    ['Masters', '127.0.0.1:5050', /must be a list of strings/],
    ['Resolvers', ['192.0.2.1', 53], /item 1 is number 53/],
    ['IPSources', {}, /must be a list of strings, got an object/],
    ['ZoneResolvers', [], /must be an object/],
    ['ZoneResolvers', { consul: '127.0.0.1' }, /zone "consul" must be a list of strings/],
    ['MesosCredentials', 'user:pass', /must be an object/],
    ['MesosCredentials', { Principal: 1 }, /Principal must be a string/],
    ['TcpIdleTimeoutSeconds', 'ten', /must be a number/],
    ['LogLevel', 3, /must be a string/],
  ];
  for (const [key, value, pattern] of cases) {
    it(`a wrong JSON type for ${key} (${JSON.stringify(value)}) is a problem naming ${key}`, () => {
      assertProblem({ [key]: value }, key, pattern);
    });
  }

  it('a document that is not an object is one problem', () => {
    for (const raw of [[], 'x', 5, null]) {
      const result = buildConfig(raw, CONTEXT);
      assert.ok('problems' in result);
      assert.equal(result.problems.length, 1);
      assert.match(result.problems[0]?.message ?? '', /must be a JSON object/);
    }
  });
});

describe('buildConfig normalisation', () => {
  it('SOAMname: all trailing dots trimmed, exactly one added, case kept', () => {
    assert.equal(build({ SOAMname: 'NS1.Example.ORG...' }).config.soaMname, 'NS1.Example.ORG.');
    assert.equal(build({ SOAMname: 'ns1.mesos' }).config.soaMname, 'ns1.mesos.');
  });

  it('SOARname: every "@" becomes ".", then the same dot rule', () => {
    assert.equal(build({ SOARname: 'admin@example.org.' }).config.soaRname, 'admin.example.org.');
    assert.equal(build({ SOARname: 'a@b@Example.org' }).config.soaRname, 'a.b.Example.org.');
  });

  it('Domain is lower-cased', () => {
    assert.equal(build({ Domain: 'DC1.Mesos' }).config.domain, 'dc1.mesos');
  });

  it('File is the config path unless a File key overrides it (verbatim)', () => {
    assert.equal(build({}).config.file, '/etc/mesos-dns/config.json');
    assert.equal(build({ File: 'elsewhere.json' }).config.file, 'elsewhere.json');
  });

  it('Timeout 0 means 5 seconds', () => {
    assert.equal(build({ Timeout: 0 }).config.timeout, 5);
    assert.equal(build({ Timeout: 2 }).config.timeout, 2);
  });

  it('StateFile is resolved against the config file\'s directory; an absolute one is kept', () => {
    assert.equal(build({ StateFile: 'fixtures/state.json' }).config.stateFile, '/etc/mesos-dns/fixtures/state.json');
    assert.equal(build({ StateFile: '/var/lib/state.json' }).config.stateFile, '/var/lib/state.json');
    assert.equal(build({ StateFile: 'a.json' }, { stateFile: '/tmp/b.json' }).config.stateFile, '/tmp/b.json');
  });

  it('Resolvers are normalised to "ip:port" with IPv6 bracketed', () => {
    const { config } = build({ Resolvers: ['192.0.2.1', '192.0.2.2:5353', '2001:DB8:0:0::1', '[2001:db8::2]:54', '[2001:db8::3]'] });
    assert.deepEqual(config.resolvers, ['192.0.2.1:53', '192.0.2.2:5353', '[2001:db8::1]:53', '[2001:db8::2]:54', '[2001:db8::3]:53']);
  });

  it('an IPv4-mapped IPv6 resolver is shown as IPv4, as Go prints it', () => {
    assert.deepEqual(build({ Resolvers: ['::ffff:192.0.2.1'] }).config.resolvers, ['192.0.2.1:53']);
  });

  it('keeps Masters as written', () => {
    assert.deepEqual(build({ Masters: ['[2001:DB8::1]:5050', '127.0.0.1:05050'] }).config.masters, ['[2001:DB8::1]:5050', '127.0.0.1:05050']);
  });
});

describe('buildConfig validation (Mesos-DNS checks)', () => {
  it('DnsOn or HttpOn must be on', () => {
    assertProblem({ DnsOn: false, HttpOn: false }, 'DnsOn', /either DnsOn or HttpOn/);
    assert.equal(build({ DnsOn: false }).config.httpOn, true);
  });

  it('Masters or Zk is required unless StateFile is set', () => {
    const result = buildConfig({}, CONTEXT);
    assert.ok('problems' in result);
    assert.deepEqual(result.problems.map((p) => p.key), ['Masters']);
    assert.ok('config' in buildConfig({ Zk: 'zk://127.0.0.1:2181/mesos' }, CONTEXT));
    assert.ok('config' in buildConfig({ StateFile: 's.json' }, CONTEXT));
    assert.ok('problems' in buildConfig({ Masters: [] }, CONTEXT));
  });

  it('warns that Masters/Zk are not contacted when StateFile is set', () => {
    assert.match(build({ StateFile: 's.json' }).warnings.join('\n'), /StateFile is set/);
  });

  it('Masters entries must be host:port with a port 1-65535', () => {
    assertProblem({ Masters: ['127.0.0.1'] }, 'Masters', /not host:port/);
    assertProblem({ Masters: ['127.0.0.1:0'] }, 'Masters', /invalid port/);
    assertProblem({ Masters: ['127.0.0.1:65536'] }, 'Masters', /invalid port/);
    assertProblem({ Masters: ['127.0.0.1:http'] }, 'Masters', /invalid port/);
    assertProblem({ Masters: ['2001:db8::1:5050'] }, 'Masters', /not host:port/);
    assert.deepEqual(build({ Masters: ['127.0.0.1:65535', '[2001:db8::1]:1'] }).config.masters?.length, 2);
  });

  it('duplicate Masters are rejected after normalising IPs; the port text is compared as written', () => {
    assertProblem({ Masters: ['[2001:db8::1]:5050', '[2001:DB8:0::1]:5050'] }, 'Masters', /duplicate master/);
    assertProblem({ Masters: ['127.0.0.1:5050', '127.0.0.1:5050'] }, 'Masters', /duplicate master/);
    assert.equal(build({ Masters: ['1.2.3.4:5050', '1.2.3.4:05050'] }).config.masters?.length, 2);
  });

  it('Resolvers: IP or IP:port only, no host names, no duplicates after adding :53', () => {
    assertProblem({ Resolvers: ['dns.example.org'] }, 'Resolvers', /not an IP address/);
    assertProblem({ Resolvers: ['192.0.2.1:0'] }, 'Resolvers', /invalid port/);
    assertProblem({ Resolvers: ['192.0.2.1:-1'] }, 'Resolvers', /invalid port/);
    assertProblem({ Resolvers: [''] }, 'Resolvers', /not an IP/);
    assertProblem({ Resolvers: ['192.0.2.1', '192.0.2.1:53'] }, 'Resolvers', /duplicate resolver/);
    assertProblem({ Resolvers: ['2001:db8::1', '[2001:0db8::1]:53'] }, 'Resolvers', /duplicate resolver/);
    assertProblem({ Resolvers: ['fe80::1%eth0'] }, 'Resolvers', /not an IP/);
  });

  it('Resolvers and ZoneResolvers are not validated when ExternalOn is false (as Mesos-DNS)', () => {
    const { config } = build({ ExternalOn: false, Resolvers: ['dns.example.org', '192.0.2.1'], ZoneResolvers: { Consul: ['x'] } });
    assert.deepEqual(config.resolvers, ['dns.example.org', '192.0.2.1:53']);
    assert.deepEqual(config.zoneResolvers, { consul: ['x'] });
    assert.deepEqual(build({ ExternalOn: false }).config.resolvers, []);
  });

  it('ZoneResolvers: non-empty lists, valid zone names, resolvers as above', () => {
    assertProblem({ ZoneResolvers: { weave: [] } }, 'ZoneResolvers', /zone "weave" has no resolvers/);
    assertProblem({ ZoneResolvers: { weave: null } }, 'ZoneResolvers', /zone "weave" has no resolvers/);
    assertProblem({ ZoneResolvers: { '': ['192.0.2.1'] } }, 'ZoneResolvers', /not a valid domain name/);
    assertProblem({ ZoneResolvers: { 'we_ave': ['192.0.2.1'] } }, 'ZoneResolvers', /not a valid domain name/);
    assertProblem({ ZoneResolvers: { 'weave.': ['192.0.2.1'] } }, 'ZoneResolvers', /not a valid domain name/);
    assertProblem({ ZoneResolvers: { weave: ['weave.local'] } }, 'ZoneResolvers', /zone "weave": "weave.local" is not an IP/);
    assertProblem({ ZoneResolvers: { weave: ['192.0.2.1', '192.0.2.1:53'] } }, 'ZoneResolvers', /duplicate resolver/);
  });

  it('ZoneResolvers: a zone may not be the domain, nor a dot-suffix of another zone or of the domain', () => {
    const fn = (zones: Record<string, string[]>) => buildConfig({ ...MINIMAL, Domain: 'dc.mesos', ZoneResolvers: zones }, CONTEXT);
    const ips = ['192.0.2.1'];
    const ok = (zones: Record<string, string[]>) => assert.ok('config' in fn(zones), JSON.stringify(zones));
    const bad = (zones: Record<string, string[]>) => assert.ok('problems' in fn(zones), JSON.stringify(zones));
    ok({ weave: ips });
    bad({ 'dc.mesos': ips });
    bad({ mesos: ips });
    ok({ 'acdc.mesos': ips });
    bad({ 'site.dc.mesos': ips });
    bad({ 'abc.com': ips, com: ips });
    ok({ 'abc.com': ips, 'bc.com': ips });
    bad({ 'a.b': ips, b: ips });
  });

  it('quirk #26: ZoneResolvers keys are lower-cased (and a zone given twice is rejected)', () => {
    const { config } = build({ ZoneResolvers: { Consul: ['127.0.0.1:8600'], 'WEAVE.Local': ['192.0.2.7'] } });
    assert.deepEqual(config.zoneResolvers, { consul: ['127.0.0.1:8600'], 'weave.local': ['192.0.2.7:53'] });
    assertProblem({ ZoneResolvers: { Consul: ['127.0.0.1'], consul: ['127.0.0.2'] } }, 'ZoneResolvers', /given twice/);
    assertProblem({ Domain: 'mesos', ZoneResolvers: { MESOS: ['127.0.0.1'] } }, 'ZoneResolvers', /Mesos domain itself/);
  });

  it('IPSources: non-empty, unique, each one of host/docker/mesos/netinfo (case-sensitive)', () => {
    assertProblem({ IPSources: [] }, 'IPSources', /must not be empty/);
    assertProblem({ IPSources: ['host', 'host'] }, 'IPSources', /duplicate ip source "host"/);
    assertProblem({ IPSources: ['Host'] }, 'IPSources', /invalid ip source "Host"/);
    assertProblem({ IPSources: ['rkt'] }, 'IPSources', /invalid ip source "rkt"/);
    assert.deepEqual(build({ IPSources: ['docker', 'host', 'mesos', 'netinfo'] }).config.ipSources, ['docker', 'host', 'mesos', 'netinfo']);
  });

  it('StateTimeoutSeconds must be > 0', () => {
    assertProblem({ StateTimeoutSeconds: 0 }, 'StateTimeoutSeconds', /positive/);
    assertProblem({ StateTimeoutSeconds: -3 }, 'StateTimeoutSeconds', /positive/);
  });

  it('Domain must match the domain regex after lower-casing', () => {
    assertProblem({ Domain: 'mesos.' }, 'Domain', /not a valid domain name/);
    assertProblem({ Domain: 'my_domain' }, 'Domain', /not a valid domain name/);
    assertProblem({ Domain: '' }, 'Domain', /not a valid domain name/);
    assertProblem({ Domain: `${'a'.repeat(64)}.mesos` }, 'Domain', /longer than 63/);
    assert.equal(build({ Domain: 'a-b.c-d' }).config.domain, 'a-b.c-d');
  });

  it('MesosAuthentication: "", "basic" (needs Principal or Secret) or "iam" (needs IAMConfigFile)', () => {
    assertProblem({ MesosAuthentication: 'kerberos' }, 'MesosAuthentication', /must be "", "basic" or "iam"/);
    assertProblem({ MesosAuthentication: 'Basic' }, 'MesosAuthentication', /must be/);
    assertProblem({ MesosAuthentication: 'basic' }, 'MesosCredentials', /Principal or Secret is required/);
    assert.equal(build({ MesosAuthentication: 'basic', MesosCredentials: { Secret: 's' } }).config.mesosAuthentication, 'basic');
    assertProblem({ MesosAuthentication: 'iam' }, 'IAMConfigFile', /required when MesosAuthentication is "iam"/);
  });

  it('warns when credentials or an IAM file are set but not used', () => {
    const { warnings } = build({ MesosCredentials: { Principal: 'p' }, IAMConfigFile: 'iam.json' });
    assert.equal(warnings.length, 2);
    assert.match(warnings[0] ?? '', /MesosCredentials is set but MesosAuthentication is ""/);
    assert.match(warnings[1] ?? '', /IAMConfigFile is set/);
  });

  it('CertFile and KeyFile: both or neither', () => {
    assertProblem({ CertFile: 'c.pem' }, 'KeyFile', /KeyFile is required when CertFile is set/);
    assertProblem({ KeyFile: 'k.pem' }, 'CertFile', /CertFile is required when KeyFile is set/);
  });
});

describe('buildConfig validation (our FIXes and cheap checks)', () => {
  it('quirk #16: RefreshSeconds <= 0 is rejected at start-up', () => {
    assertProblem({ RefreshSeconds: 0 }, 'RefreshSeconds', /positive/);
    assertProblem({ RefreshSeconds: -60 }, 'RefreshSeconds', /positive/);
  });

  it('quirk #13: a host name in Masters is rejected at start-up instead of crashing the first reload', () => {
    assertProblem({ Masters: ['localhost:5050'] }, 'Masters', /"localhost" is not an IP address.*crashes on the first reload/);
    assertProblem({ Masters: ['master.example.org:5050'] }, 'Masters', /not an IP address/);
  });

  it('quirk #13: a non-IP Listener (it becomes the SOA mname A record) is rejected at start-up', () => {
    assertProblem({ Listener: 'localhost' }, 'Listener', /not an IP address.*ns1\.mesos\. record/);
    assertProblem({ Listener: '' }, 'Listener', /not an IP address/);
    assert.equal(build({ Listener: '::1' }).config.listener, '::1');
    assert.equal(build({ Listener: '0.0.0.0' }).config.listener, '0.0.0.0');
  });

  it('HTTPListener must be an IP address or a host name', () => {
    assertProblem({ HTTPListener: 'not a host' }, 'HTTPListener', /not an IP address or host name/);
    assert.equal(build({ HTTPListener: 'localhost' }).config.httpListener, 'localhost');
  });

  it('quirk #34: Zk must be zk://host:port,.../path; other detector forms are rejected', () => {
    for (const zk of ['file:///etc/mesos/zk', '127.0.0.1:5050', 'master@127.0.0.1:5050', 'zk://127.0.0.1:2181', 'zk:///mesos', 'zk://127.0.0.1:99999/mesos', 'zk://127.0.0.1:2181/']) {
      assertProblem({ Zk: zk }, 'Zk', /expected zk:\/\/host1:port1,host2:port2\/path/);
    }
    assert.equal(build({ Zk: 'zk://zk-1.zk:2181,zk-2.zk:2181,[2001:db8::1]:2181/mesos' }).config.zk, 'zk://zk-1.zk:2181,zk-2.zk:2181,[2001:db8::1]:2181/mesos');
    assert.equal(build({ Zk: 'zk://user:pass@127.0.0.1/dcos/mesos' }).config.zk, 'zk://user:pass@127.0.0.1/dcos/mesos');
  });

  it('ports are integers 0-65535 (Port and HttpPort)', () => {
    assertProblem({ Port: 65_536 }, 'Port', /0-65535/);
    assertProblem({ HttpPort: -1 }, 'HttpPort', /0-65535/);
    assert.equal(build({ Port: 0, HttpPort: 0 }).config.port, 0);
  });

  it('DNS Port and HttpPort may not collide on overlapping addresses', () => {
    assertProblem({ Port: 8053, HttpPort: 8053 }, 'HttpPort', /also the DNS Port/);
    assert.equal(build({ Port: 8053, HttpPort: 8053, Listener: '127.0.0.1', HTTPListener: '127.0.0.2' }).config.port, 8053);
    assert.equal(build({ Port: 8053, HttpPort: 8053, HttpOn: false }).config.port, 8053);
  });

  it('TTL, Timeout and ZkDetectionTimeout may not be negative', () => {
    assertProblem({ TTL: -1 }, 'TTL', /0 or more/);
    assertProblem({ Timeout: -1 }, 'Timeout', /0 or more/);
    assertProblem({ ZkDetectionTimeout: -1 }, 'ZkDetectionTimeout', /0 \(no timeout\) or more/);
    assert.equal(build({ ZkDetectionTimeout: 0 }).config.zkDetectionTimeout, 0);
  });

  it('SOAMname and SOARname must be encodable names', () => {
    assertProblem({ SOAMname: '' }, 'SOAMname', /must not be empty/);
    assertProblem({ SOARname: 'root..mesos' }, 'SOARname', /empty label/);
    assertProblem({ SOAMname: `${'n'.repeat(64)}.mesos` }, 'SOAMname', /longer than 63/);
  });

  it('validates our additions', () => {
    assertProblem({ ForwardCacheMaxEntries: 0 }, 'ForwardCacheMaxEntries', /at least 1/);
    assertProblem({ ForwardCacheMaxBytes: -5 }, 'ForwardCacheMaxBytes', /at least 1/);
    assertProblem({ MaxForwardsInFlight: 0 }, 'MaxForwardsInFlight', /at least 1/);
    assertProblem({ MaxTcpConnections: 0 }, 'MaxTcpConnections', /at least 1/);
    assertProblem({ MaxTcpConnectionsPerClient: 0 }, 'MaxTcpConnectionsPerClient', /at least 1/);
    assertProblem({ RotationToken: 'short' }, 'RotationToken', /at least 16 characters/);
    assertProblem({ RotationToken: 'a token with spaces in it' }, 'RotationToken', /printable ASCII/);
    assert.equal(build({}).config.rotationToken, '');
    assert.equal(build({ RotationToken: 'r0tation-t0ken-0123' }).config.rotationToken, 'r0tation-t0ken-0123');
    assert.equal(build({}).config.maxTcpConnectionsPerClient, 64);
    assertProblem({ TcpIdleTimeoutSeconds: 0 }, 'TcpIdleTimeoutSeconds', /positive/);
    assertProblem({ MaxHttpConnections: 0 }, 'MaxHttpConnections', /at least 1/);
    assertProblem({ MaxHttpConnectionsPerClient: 0 }, 'MaxHttpConnectionsPerClient', /at least 1/);
    assertProblem({ LogLevel: 'verbose' }, 'LogLevel', /must be one of fatal, error, warn, info, debug, trace, silent/);
    assert.equal(build({ TcpIdleTimeoutSeconds: 0.25 }).config.tcpIdleTimeoutSeconds, 0.25);
    assert.equal(build({ LogLevel: 'debug' }).config.logLevel, 'debug');
    assertProblem({ StateSourceMode: 'push' }, 'StateSourceMode', /must be one of stream, poll/);
    assert.equal(build({ StateSourceMode: 'stream' }).config.stateSourceMode, 'stream');
    assertProblem({ MaxForwardsPerClient: 0 }, 'MaxForwardsPerClient', /at least 1/);
    assertProblem({ MaxUdpReplyBytes: 511 }, 'MaxUdpReplyBytes', /512-65535/);
    assertProblem({ MaxUdpReplyBytes: 65_536 }, 'MaxUdpReplyBytes', /512-65535/);
    assertProblem({ ExternalAllowFrom: ['10.0.0.0/33'] }, 'ExternalAllowFrom', /invalid prefix length/);
    assertProblem({ ExternalAllowFrom: ['10.0.0.1/8'] }, 'ExternalAllowFrom', /host bits/);
    assertProblem({ ExternalAllowFrom: ['intranet'] }, 'ExternalAllowFrom', /not an IP address or network/);
    const defaults = build({}).config;
    assert.equal(defaults.maxUdpReplyBytes, 1232);
    assert.deepEqual(defaults.externalAllowFrom, ['0.0.0.0/0', '::/0']);
    assert.deepEqual(build({ ExternalAllowFrom: ['10.0.0.0/8', '2001:db8::/32', '127.0.0.1'] }).config.externalAllowFrom, [
      '10.0.0.0/8',
      '2001:db8::/32',
      '127.0.0.1',
    ]);
    assert.equal(build({ MaxHttpConnectionsPerClient: 8 }).config.maxHttpConnectionsPerClient, 8);
    assert.deepEqual(defaults.zoneTransferAllowFrom, []);
    assert.deepEqual(defaults.notifySecondaries, []);
    assertProblem({ ZoneTransferAllowFrom: ['10.0.0.1/8'] }, 'ZoneTransferAllowFrom', /host bits/);
    assertProblem({ ZoneTransferAllowFrom: ['secondary.example'] }, 'ZoneTransferAllowFrom', /not an IP address or network/);
    assert.deepEqual(build({ ZoneTransferAllowFrom: ['10.0.0.0/8', '::1'] }).config.zoneTransferAllowFrom, ['10.0.0.0/8', '::1']);
    assertProblem({ NotifySecondaries: ['ns2.example'] }, 'NotifySecondaries', /host names are not accepted/);
    assertProblem({ NotifySecondaries: ['192.0.2.1:0'] }, 'NotifySecondaries', /invalid port/);
    assertProblem({ NotifySecondaries: ['192.0.2.1', '192.0.2.1:53'] }, 'NotifySecondaries', /duplicate secondary/);
    assert.deepEqual(build({ NotifySecondaries: ['192.0.2.1', '[2001:db8::1]:5300', '::1'] }).config.notifySecondaries, [
      '192.0.2.1:53',
      '[2001:db8::1]:5300',
      '[::1]:53',
    ]);
  });

  it('quirk #22: InsecureSkipVerify with MesosHTTPSOn is a start-up warning', () => {
    assert.match(build({ MesosHTTPSOn: true, InsecureSkipVerify: true }).warnings.join('\n'), /NOT verified/);
    assert.match(build({ InsecureSkipVerify: true }).warnings.join('\n'), /no effect without MesosHTTPSOn/);
    assert.deepEqual(build({ MesosHTTPSOn: true }).warnings, []);
  });

  it('reports every problem at once, each naming its key', () => {
    const found = problems({
      RefreshSeconds: 0,
      Masters: ['localhost:5050', 'nope'],
      Resolvers: ['dns.example.org'],
      IPSources: ['rkt'],
      Domain: 'bad_domain',
      Port: '53',
      StateTimeoutSeconds: 0,
      MesosAuthentication: 'x',
      LogLevel: 'loud',
      CertFile: 'c.pem',
    });
    assert.deepEqual(
      found.map((p) => p.key).sort(),
      ['Domain', 'IPSources', 'KeyFile', 'LogLevel', 'Masters', 'Masters', 'MesosAuthentication', 'Port', 'RefreshSeconds', 'Resolvers', 'StateTimeoutSeconds'],
    );
  });
});

describe('buildConfig resolv.conf fallback', () => {
  const RESOLV = '# comment\nsearch example.org\nnameserver 192.0.2.53\nnameserver 2001:db8::53 # trailing\n; other\nnameserver 192.0.2.10\nnameserver 127.0.0.1\nnameserver 127.0.0.53\nnameserver bogus\n';

  it('quirk #35: Resolvers absent -> the nameservers of resolv.conf minus this server itself', () => {
    const { config, warnings } = build({}, { resolvConf: RESOLV });
    // 192.0.2.10 is an interface address and 127.0.0.0/8 is loopback: both are this server on 0.0.0.0:53.
    assert.deepEqual(config.resolvers, ['192.0.2.53:53', '[2001:db8::53]:53']);
    assert.equal(warnings.filter((w) => /is this server/.test(w)).length, 3);
    assert.equal(warnings.filter((w) => /"bogus" is not an IP/.test(w)).length, 1);
  });

  it('quirk #35: Resolvers empty -> resolv.conf too', () => {
    assert.deepEqual(build({ Resolvers: [] }, { resolvConf: 'nameserver 192.0.2.1' }).config.resolvers, ['192.0.2.1:53']);
  });

  it('quirk #35: a non-empty Resolvers list is used as given', () => {
    assert.deepEqual(build({ Resolvers: ['192.0.2.9'] }, { resolvConf: RESOLV }).config.resolvers, ['192.0.2.9:53']);
  });

  it('keeps local nameservers that cannot be this server (other port, other listener address)', () => {
    assert.deepEqual(build({ Port: 8053 }, { resolvConf: RESOLV }).config.resolvers, [
      '192.0.2.53:53',
      '[2001:db8::53]:53',
      '192.0.2.10:53',
      '127.0.0.1:53',
      '127.0.0.53:53',
    ]);
    assert.deepEqual(build({ Listener: '127.0.0.1' }, { resolvConf: RESOLV }).config.resolvers, [
      '192.0.2.53:53',
      '[2001:db8::53]:53',
      '192.0.2.10:53',
      '127.0.0.53:53',
    ]);
  });

  it('no usable nameserver -> no resolvers and a warning (forwarding answers SERVFAIL)', () => {
    const empty = build({}, { resolvConf: 'search example.org\n' });
    assert.deepEqual(empty.config.resolvers, []);
    assert.match(empty.warnings.join('\n'), /lists no other nameserver/);
    const unreadable = buildConfig(MINIMAL, { file: CONTEXT.file, resolvConfPath: '/nonexistent/resolv.conf' });
    assert.ok('config' in unreadable);
    assert.deepEqual(unreadable.config.resolvers, []);
    assert.match(unreadable.warnings.join('\n'), /\/nonexistent\/resolv.conf cannot be read/);
  });

  it('keeps a link-local IPv6 nameserver\'s zone', () => {
    assert.deepEqual(build({}, { resolvConf: 'nameserver fe80::1%eth0\n' }).config.resolvers, ['[fe80::1%eth0]:53']);
  });
});

describe('buildConfig file checks (contents passed in the context)', () => {
  const ok = (text: string) => ({ ok: true as const, text });
  const fail = (error: string) => ({ ok: false as const, error });

  it('CACertFile must be readable and hold at least one PEM certificate', () => {
    assertProblem({ CACertFile: 'ca.pem' }, 'CACertFile', /cannot read "ca.pem": ENOENT/, { files: new Map([['ca.pem', fail('ENOENT')]]) });
    assertProblem({ CACertFile: 'ca.pem' }, 'CACertFile', /contains no PEM certificate/, {
      files: new Map([['ca.pem', ok('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n')]]),
    });
  });

  it('IAMConfigFile must be JSON; with "iam" it needs uid, private_key and login_endpoint', () => {
    const files = (text: string) => ({ files: new Map([['iam.json', ok(text)]]) });
    assertProblem({ IAMConfigFile: 'iam.json' }, 'IAMConfigFile', /invalid IAM JSON/, files('{'));
    assertProblem({ IAMConfigFile: 'iam.json', MesosAuthentication: 'iam' }, 'IAMConfigFile', /lacks private_key, login_endpoint/, files('{"uid":"u"}'));
    // Without "iam" the file is still loaded (as Mesos-DNS does) but its fields are not required.
    assert.equal(build({ IAMConfigFile: 'iam.json' }, files('{"uid":"u"}')).config.iamConfigFile, 'iam.json');
  });

  it('StateFile must be readable when the contents are checked', () => {
    assertProblem({ StateFile: 'state.json' }, 'StateFile', /cannot read "\/etc\/mesos-dns\/state.json": EACCES/, {
      files: new Map([['/etc/mesos-dns/state.json', fail('EACCES')]]),
    });
  });
});

describe('buildConfig: ReverseZones and StaticRecordsFile', () => {
  const ok = (text: string) => ({ ok: true as const, text });
  const fail = (error: string) => ({ ok: false as const, error });

  it('ReverseZones defaults to none and is normalised (lower case, no trailing dot)', () => {
    assert.deepEqual(build({}).config.reverseZones, []);
    assert.deepEqual(build({ ReverseZones: ['10.IN-ADDR.ARPA.', '2.0.192.in-addr.arpa', '8.B.D.0.1.0.0.2.ip6.arpa'] }).config.reverseZones, [
      '10.in-addr.arpa',
      '2.0.192.in-addr.arpa',
      '8.b.d.0.1.0.0.2.ip6.arpa',
    ]);
  });

  it('ReverseZones must be whole octets or nibbles under in-addr.arpa or ip6.arpa, not overlapping', () => {
    assertProblem({ ReverseZones: ['10.example.com'] }, 'ReverseZones', /must end in in-addr\.arpa or ip6\.arpa/);
    assertProblem({ ReverseZones: ['in-addr.arpa'] }, 'ReverseZones', /whole reverse tree/);
    assertProblem({ ReverseZones: ['0/25.2.0.192.in-addr.arpa'] }, 'ReverseZones', /only whole octets/);
    assertProblem({ ReverseZones: ['010.in-addr.arpa'] }, 'ReverseZones', /no leading zeros/);
    assertProblem({ ReverseZones: ['256.in-addr.arpa'] }, 'ReverseZones', /octet \(0-255/);
    assertProblem({ ReverseZones: ['1.2.3.4.5.in-addr.arpa'] }, 'ReverseZones', /more than 4 octets/);
    assertProblem({ ReverseZones: ['db8.ip6.arpa'] }, 'ReverseZones', /nibble/);
    assertProblem({ ReverseZones: ['10.in-addr.arpa', '0.10.in-addr.arpa'] }, 'ReverseZones', /"10\.in-addr\.arpa" and "0\.10\.in-addr\.arpa" overlap/);
    assertProblem({ ReverseZones: ['10.in-addr.arpa', '10.in-addr.arpa.'] }, 'ReverseZones', /overlap/);
    assertProblem({ ReverseZones: ['10.in-addr.arpa'], ZoneResolvers: { '1.10.in-addr.arpa': ['192.0.2.1'] } }, 'ReverseZones', /lies inside the reverse zone/);
    // A ZoneResolvers zone above a reverse zone is fine: the more specific zone is answered here.
    assert.deepEqual(build({ ReverseZones: ['10.in-addr.arpa'], ZoneResolvers: { 'in-addr.arpa': ['192.0.2.1'] } }).config.reverseZones, ['10.in-addr.arpa']);
  });

  it('StaticRecordsFile is resolved against the config file\'s directory', () => {
    assert.equal(build({}).config.staticRecordsFile, '');
    assert.equal(build({ StaticRecordsFile: 'static.zone' }).config.staticRecordsFile, '/etc/mesos-dns/static.zone');
    assert.equal(build({ StaticRecordsFile: '/srv/static.zone' }).config.staticRecordsFile, '/srv/static.zone');
  });

  it('StaticRecordsFile must be readable, and each bad line is a problem naming file:line', () => {
    assertProblem({ StaticRecordsFile: 'static.zone' }, 'StaticRecordsFile', /cannot read "\/etc\/mesos-dns\/static.zone": ENOENT/, {
      files: new Map([['/etc/mesos-dns/static.zone', fail('ENOENT')]]),
    });
    const found = problems({ StaticRecordsFile: 'static.zone' }, {
      files: new Map([['/etc/mesos-dns/static.zone', ok('db A 192.0.2.1\nbad A 1.2.3\n@ CNAME db\n')]]),
    });
    assert.deepEqual(
      found.map((p) => `${p.key}: ${p.message}`),
      [
        'StaticRecordsFile: /etc/mesos-dns/static.zone:2: "1.2.3" is not an IPv4 address',
        'StaticRecordsFile: /etc/mesos-dns/static.zone:3: a CNAME at the apex is not allowed (the apex has SOA and NS)',
      ],
    );
    // The file is read with the effective Domain and TTL.
    const good = { files: new Map([['/etc/mesos-dns/static.zone', ok('db.dc.example. 30 A 192.0.2.1\n')]]) };
    assert.equal(build({ StaticRecordsFile: 'static.zone', Domain: 'DC.Example', TTL: 30 }, good).config.domain, 'dc.example');
  });
});
