// Reverse names of IPs and the ReverseZones a config may name.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseReverseZone, reverseNameOf, reverseZoneOf } from '../../../src/net/reverse-names.js';

describe('reverseNameOf', () => {
  it('IPv4: the octets reversed under in-addr.arpa', () => {
    assert.equal(reverseNameOf('10.1.0.5', 4), '5.0.1.10.in-addr.arpa.');
    assert.equal(reverseNameOf('192.0.2.1', 4), '1.2.0.192.in-addr.arpa.');
  });

  it('IPv6: 32 nibbles reversed under ip6.arpa', () => {
    assert.equal(
      reverseNameOf('2001:db8::567:89ab', 6),
      'b.a.9.8.7.6.5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.',
    );
  });

  it('undefined for text that is not an address of the family', () => {
    assert.equal(reverseNameOf('agent-1', 4), undefined);
    assert.equal(reverseNameOf('2001:db8::1', 4), undefined);
    assert.equal(reverseNameOf('192.0.2.1', 6), undefined);
  });
});

describe('parseReverseZone and reverseZoneOf', () => {
  it('normalises good zones', () => {
    assert.deepEqual(parseReverseZone('10.In-Addr.Arpa.'), { ok: true, zone: '10.in-addr.arpa' });
    assert.deepEqual(parseReverseZone('0.0.0.0.8.B.D.0.1.0.0.2.ip6.arpa'), { ok: true, zone: '0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa' });
    assert.deepEqual(parseReverseZone('0.2.0.192.in-addr.arpa'), { ok: true, zone: '0.2.0.192.in-addr.arpa' });
  });

  it('names a zone on label boundaries only', () => {
    const zones = ['10.in-addr.arpa', '8.b.d.0.1.0.0.2.ip6.arpa'];
    assert.equal(reverseZoneOf('5.0.1.10.in-addr.arpa.', zones), '10.in-addr.arpa');
    assert.equal(reverseZoneOf('10.in-addr.arpa.', zones), '10.in-addr.arpa');
    assert.equal(reverseZoneOf('5.0.1.110.in-addr.arpa.', zones), undefined);
    assert.equal(reverseZoneOf('1.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.', zones), '8.b.d.0.1.0.0.2.ip6.arpa');
  });
});
