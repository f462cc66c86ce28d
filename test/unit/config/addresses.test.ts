// Address parsers used by the config: host:port, resolvers, zk:// URLs, resolv.conf.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { normaliseResolver, parseZkUrl } from '../../../src/config/addresses.js';
import { parsePort, splitHostPort } from '../../../src/net/host-port.js';
import { parseResolvConf } from '../../../src/config/resolv-conf.js';

describe('splitHostPort (Go net.SplitHostPort rules)', () => {
  const cases: [string, { host: string; port: string } | undefined][] = [
    ['127.0.0.1:5050', { host: '127.0.0.1', port: '5050' }],
    ['[2001:db8::1]:5050', { host: '2001:db8::1', port: '5050' }],
    ['master.example.org:5050', { host: 'master.example.org', port: '5050' }],
    [':5050', { host: '', port: '5050' }],
    ['127.0.0.1:', { host: '127.0.0.1', port: '' }],
    ['127.0.0.1', undefined],
    ['2001:db8::1:5050', undefined],
    ['[2001:db8::1]', undefined],
    ['[2001:db8::1]x:5050', undefined],
    ['a]:5050', undefined],
  ];
  for (const [input, expected] of cases) {
    it(`${JSON.stringify(input)} -> ${JSON.stringify(expected)}`, () => {
      const result = splitHostPort(input);
      assert.deepEqual(result.ok ? result.value : undefined, expected);
    });
  }
});

describe('parsePort', () => {
  it('accepts decimal 1-65535 (leading zeros as Go\'s Atoi) and rejects the rest', () => {
    assert.equal(parsePort('53'), 53);
    assert.equal(parsePort('05050'), 5050);
    assert.equal(parsePort('65535'), 65_535);
    for (const bad of ['0', '65536', '-1', '', 'http', '5e3', ' 53', '0x35']) assert.equal(parsePort(bad), undefined, bad);
    assert.equal(parsePort('0', 0), 0);
  });
});

describe('normaliseResolver', () => {
  const good: [string, string][] = [
    ['8.8.8.8', '8.8.8.8:53'],
    ['8.8.8.8:5353', '8.8.8.8:5353'],
    ['2001:0db8:3c4d:0015:0000:0000:1a2f:1a2b', '[2001:db8:3c4d:15::1a2f:1a2b]:53'],
    ['[2001:db8:3c4d:15::1a2f:1a2b]:55', '[2001:db8:3c4d:15::1a2f:1a2b]:55'],
    ['[::1]', '[::1]:53'],
    ['::1', '[::1]:53'],
  ];
  for (const [input, expected] of good) {
    it(`${input} -> ${expected}`, () => assert.deepEqual(normaliseResolver(input), { ok: true, value: expected }));
  }
  for (const bad of ['', 'dns.example.org', 'dns.example.org:53', '5.6.7.8:-1', '5.6.7.8:65536', '5.6.7.8:abc', '1.2.3.04', '[8.8.8.8']) {
    it(`rejects ${JSON.stringify(bad)}`, () => assert.equal(normaliseResolver(bad).ok, false));
  }
});

describe('parseZkUrl', () => {
  it('parses servers (default port 2181, IPv6 bracketed) and the path', () => {
    assert.deepEqual(parseZkUrl('zk://zk-1.zk:2181,192.0.2.2,[2001:db8::1]:2182/dcos/mesos'), {
      ok: true,
      value: {
        servers: [
          { host: 'zk-1.zk', port: 2181 },
          { host: '192.0.2.2', port: 2181 },
          { host: '2001:db8::1', port: 2182 },
        ],
        path: '/dcos/mesos',
      },
    });
  });

  it('tolerates a trailing slash on the path', () => {
    const url = parseZkUrl('zk://127.0.0.1:2181/mesos/');
    assert.ok(url.ok);
    assert.equal(url.value.path, '/mesos');
  });

  it('ignores credentials as Mesos-DNS does', () => {
    const url = parseZkUrl('zk://super:secret@127.0.0.1:2181/mesos');
    assert.ok(url.ok);
    assert.deepEqual(url.value.servers, [{ host: '127.0.0.1', port: 2181 }]);
  });

  for (const bad of ['', 'zk:/127.0.0.1/mesos', 'ZK://127.0.0.1/mesos', 'file:///zk', '127.0.0.1:2181', 'zk://127.0.0.1:2181', 'zk:///mesos', 'zk://127.0.0.1:2181/', 'zk://127.0.0.1:2181//', 'zk://127.0.0.1:2181/a//b', 'zk://a,,b/mesos', 'zk://2001:db8::1/mesos', 'zk://127.0.0.1:0/mesos', 'zk://bad host/mesos']) {
    it(`rejects ${JSON.stringify(bad)}`, () => assert.equal(parseZkUrl(bad).ok, false));
  }
});

describe('parseResolvConf', () => {
  it('reads nameserver lines only, skipping comments, duplicates and non-addresses', () => {
    const conf = parseResolvConf(
      '# generated\nsearch example.org\n  nameserver   192.0.2.1  \nnameserver 192.0.2.1\nnameserver 2001:DB8::1 ; comment\n#nameserver 192.0.2.9\noptions ndots:5\nnameserver dns.example.org\nnameserver\nnameserver fe80::1%eth0\nnameserver 192.0.2.2%eth0\n',
    );
    assert.deepEqual(conf.servers.map((s) => s.address), ['192.0.2.1:53', '[2001:db8::1]:53', '[fe80::1%eth0]:53']);
    assert.deepEqual(conf.invalid, ['dns.example.org', '192.0.2.2%eth0']);
  });

  it('handles CRLF line ends and an empty file', () => {
    assert.deepEqual(parseResolvConf('nameserver 192.0.2.1\r\nnameserver 192.0.2.2\r\n').servers.map((s) => s.ip), ['192.0.2.1', '192.0.2.2']);
    assert.deepEqual(parseResolvConf('').servers, []);
  });
});
