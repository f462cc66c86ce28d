// The hand-written IPv4 check behind canonicalIp's fast path must accept exactly what Node's
// isIPv4 accepts (dotted quads without leading zeros), or canonical A values would change.
import assert from 'node:assert/strict';
import { isIPv4 } from 'node:net';
import { describe, it } from 'node:test';

import { isDottedQuad } from '../../../src/net/ip-text.js';
import { seededRandom as random } from '../../helpers/seeded-random.js';


describe('isDottedQuad', () => {
  const cases = [
    '0.0.0.0', '255.255.255.255', '192.0.2.1', '10.0.0.10', '1.2.3.4',
    '', '1.2.3', '1.2.3.4.', '.1.2.3.4', '1..2.3', '1.2.3.4.5', '256.1.1.1', '1.2.3.256', '01.2.3.4',
    '1.2.3.04', '00.0.0.0', '1.2.3.-4', '1.2.3.+4', ' 1.2.3.4', '1.2.3.4 ', '1.2.3.4\n', '1.2.3.4x',
    '1234.1.1.1', '1.2.3.1000', '999.999.999.999', '١.٢.٣.٤', '::ffff:1.2.3.4', '1.2.3.4:53',
  ];
  for (const text of cases) {
    it(`${JSON.stringify(text)} agrees with isIPv4`, () => assert.equal(isDottedQuad(text), isIPv4(text)));
  }

  it('agrees with isIPv4 on 200,000 generated near-addresses', () => {
    const next = random(7);
    const chars = '0123456789.x-';
    for (let i = 0; i < 200_000; i++) {
      let text = '';
      if (next() < 0.5) {
        const length = 1 + Math.floor(next() * 16);
        for (let j = 0; j < length; j++) text += chars[Math.floor(next() * chars.length)];
      } else {
        const octets = next() < 0.1 ? 3 : 4;
        const parts: string[] = [];
        for (let j = 0; j < octets; j++) parts.push(String(Math.floor(next() * 300)).padStart(next() < 0.1 ? 3 : 1, '0'));
        text = parts.join('.');
      }
      assert.equal(isDottedQuad(text), isIPv4(text), JSON.stringify(text));
    }
  });
});
