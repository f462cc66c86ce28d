import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bracketHost, joinHostPort, splitHostPort, splitHostPortLoosely } from '../../../src/net/host-port.js';
import { parseIpPort } from '../../../src/net/ip-port.js';

test('splitHostPort follows Go: one colon or [v6]:port; more colons after the bracket are refused', () => {
  assert.deepEqual(splitHostPort('[::1]:53'), { ok: true, value: { host: '::1', port: '53' } });
  assert.deepEqual(splitHostPort('[::1]:53:54'), { ok: false, error: 'too many colons in address' });
  assert.deepEqual(splitHostPortLoosely('a:b:c'), { host: 'a', port: 'b:c' });
  assert.equal(splitHostPortLoosely('nocolon'), undefined);
});

test('joinHostPort and bracketHost bracket IPv6 literals only', () => {
  assert.equal(joinHostPort('2001:db8::1', 53), '[2001:db8::1]:53');
  assert.equal(joinHostPort('192.0.2.1', '53'), '192.0.2.1:53');
  assert.equal(bracketHost('::1'), '[::1]');
  assert.equal(bracketHost('host'), 'host');
});

test('parseIpPort accepts ip, ip:port, [v6]:port, [v6] and bare v6; rejects host names and bad ports', () => {
  assert.deepEqual(parseIpPort('192.0.2.1:5353', 53), { host: '192.0.2.1', port: 5353, family: 4 });
  assert.deepEqual(parseIpPort('192.0.2.1', 53), { host: '192.0.2.1', port: 53, family: 4 });
  assert.deepEqual(parseIpPort('[2001:db8::1]:53', 53), { host: '2001:db8::1', port: 53, family: 6 });
  assert.deepEqual(parseIpPort('[2001:db8::1]', 53), { host: '2001:db8::1', port: 53, family: 6 });
  assert.deepEqual(parseIpPort('2001:db8::2', 53), { host: '2001:db8::2', port: 53, family: 6 });
  assert.deepEqual(parseIpPort('[fe80::1%eth0]:53', 53), { host: 'fe80::1%eth0', port: 53, family: 6 });
  for (const bad of ['dns.example.org:53', '192.0.2.1:0', '192.0.2.1:65536', '192.0.2.1:x', '[2001:db8::1', '[2001:db8::1]x', '']) {
    assert.equal(parseIpPort(bad, 53), undefined, bad);
  }
});
