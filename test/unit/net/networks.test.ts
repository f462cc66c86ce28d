import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { clientKey, networkMatcher, parseNetwork, parseNetworks } from '../../../src/net/networks.js';

function matcher(...texts: string[]): (address: string) => boolean {
  for (const text of texts) assert.ok(parseNetwork(text).ok, text);
  return networkMatcher(parseNetworks(texts));
}

describe('client networks', () => {
  test('parses addresses and networks of both families, and says what is wrong with the rest', () => {
    assert.deepEqual(parseNetwork('10.0.0.0/8'), { ok: true, network: { octets: new Uint8Array([10, 0, 0, 0]), prefix: 8 } });
    const single = parseNetwork('192.0.2.7');
    assert.ok(single.ok && single.network.prefix === 32);
    const v6 = parseNetwork('2001:db8::/32');
    assert.ok(v6.ok && v6.network.octets.length === 16 && v6.network.prefix === 32);
    for (const [text, why] of [
      ['10.0.0.0/33', /invalid prefix length \(expected 0-32\)/],
      ['::/129', /invalid prefix length \(expected 0-128\)/],
      ['10.0.0.0/', /invalid prefix length/],
      ['10.0.0.0/+8', /invalid prefix length/],
      ['10.1.0.0/8', /host bits set below \/8/],
      ['2001:db8::1/32', /host bits/],
      ['10.0.0', /not an IP address/],
      ['example.org', /not an IP address/],
      ['', /not an IP address/],
    ] as const) {
      const parsed = parseNetwork(text);
      assert.equal(parsed.ok, false, text);
      if (!parsed.ok) assert.match(parsed.error, why, text);
    }
  });

  test('matches source addresses by prefix, IPv4-mapped IPv6 as IPv4, scoped IPv6 without its scope', () => {
    const allow = matcher('10.0.0.0/8', '192.0.2.0/25', '2001:db8::/32', '127.0.0.1');
    for (const yes of ['10.1.2.3', '192.0.2.127', '::ffff:10.9.9.9', '2001:db8:ffff::1', '127.0.0.1', '::ffff:127.0.0.1']) {
      assert.equal(allow(yes), true, yes);
    }
    for (const no of ['11.0.0.1', '192.0.2.128', '2001:db9::1', '127.0.0.2', '::1', '', 'garbage', '::ffff:11.0.0.1']) {
      assert.equal(allow(no), false, no);
    }
    assert.equal(matcher('fe80::/10')('fe80::1%eth0'), true);
    assert.equal(matcher('10.0.0.0/12')('10.15.255.255'), true);
    assert.equal(matcher('10.0.0.0/12')('10.16.0.0'), false);
  });

  test('both families open lets everyone through; one family open only that family; none nobody', () => {
    const everyone = matcher('0.0.0.0/0', '::/0');
    for (const address of ['192.0.2.1', '::1', 'not even an address']) assert.equal(everyone(address), true, address);
    const v4 = matcher('0.0.0.0/0');
    assert.equal(v4('203.0.113.9'), true);
    assert.equal(v4('::ffff:203.0.113.9'), true);
    assert.equal(v4('2001:db8::1'), false);
    assert.equal(matcher()('127.0.0.1'), false);
  });

  test('one client key per client: IPv4-mapped IPv6 (dotted or hex) as IPv4, other IPv6 lower-case, none as empty', () => {
    assert.equal(clientKey('::ffff:192.0.2.7'), '192.0.2.7');
    assert.equal(clientKey('::FFFF:192.0.2.7'), '192.0.2.7');
    assert.equal(clientKey('::ffff:c000:207'), '192.0.2.7');
    assert.equal(clientKey('192.0.2.7'), '192.0.2.7');
    assert.equal(clientKey('2001:DB8::1'), '2001:db8::1');
    assert.equal(clientKey('::1'), '::1');
    assert.equal(clientKey('::ffff:1'), '::ffff:1');
    assert.equal(clientKey('::ffff:1:2:3'), '::ffff:1:2:3');
    assert.equal(clientKey('::ffff:300.1.1.1'), '::ffff:300.1.1.1');
    assert.equal(clientKey(undefined), '', 'a socket reset before its address was seen');
  });
});
