// Canonical IP text as Go's net.IP.String() prints it (behaviour §2.1): what A/AAAA values look like.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { canonicalIp } from '../../../src/net/ip-text.js';

describe('canonicalIp', () => {
  const cases: [string, string, 4 | 6][] = [
    ['192.0.2.1', '192.0.2.1', 4],
    ['0.0.0.0', '0.0.0.0', 4],
    ['255.255.255.255', '255.255.255.255', 4],
    // IPv6: lower case, leading zeros dropped, the longest zero run compressed.
    ['2001:DB8::1', '2001:db8::1', 6],
    ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1', 6],
    ['2001:db8:0:0:1:0:0:0', '2001:db8:0:0:1::', 6],
    // Two runs of equal length: the first is compressed.
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1', 6],
    // A single zero group is never compressed.
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1', 6],
    ['2001:db8:1:0:1:0:1:0', '2001:db8:1:0:1:0:1:0', 6],
    ['::', '::', 6],
    ['::1', '::1', 6],
    ['1::', '1::', 6],
    ['0:0:0:0:0:0:0:1', '::1', 6],
    ['2001:db8::0:1', '2001:db8::1', 6],
    // IPv4-mapped IPv6 is IPv4 (goes to A).
    ['::FFFF:10.9.9.9', '10.9.9.9', 4],
    ['::ffff:192.0.2.7', '192.0.2.7', 4],
    ['0:0:0:0:0:ffff:c000:0201', '192.0.2.1', 4],
    // Other embedded dotted quads are plain IPv6.
    ['::192.0.2.1', '::c000:201', 6],
    ['2001:db8::192.0.2.1', '2001:db8::c000:201', 6],
    ['::ffff:0:192.0.2.1', '::ffff:0:c000:201', 6],
  ];
  for (const [input, text, family] of cases) {
    it(`${input} -> ${text} (IPv${family})`, () => assert.deepEqual(canonicalIp(input), { text, family }));
  }

  const invalid = [
    '',
    'bogus',
    '192.0.2',
    '192.0.2.256',
    '192.0.2.1.5',
    ' 192.0.2.1',
    '192.0.2.1 ',
    '2001:db8::g',
    '1:2:3:4:5:6:7:8:9',
    '1::2::3',
    ':::1',
    '[2001:db8::1]',
    '2001:db8::1:5050:',
    '::ffff:192.0.2.1:53',
    '192.0.2.1:53',
    'localhost',
    // Go's net.ParseIP does not accept zones.
    'fe80::1%eth0',
  ];
  for (const input of invalid) {
    it(`${JSON.stringify(input)} is not an IP`, () => assert.equal(canonicalIp(input), undefined));
  }
});
