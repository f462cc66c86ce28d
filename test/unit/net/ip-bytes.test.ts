// IP text to octets, read from bytes: the rules the table's values are written with.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseIPv4Into, parseIPv6Into } from '../../../src/net/ip-bytes.js';

function v4(text: string): string | undefined {
  const out = new Uint8Array(4);
  return parseIPv4Into(Buffer.from(text, 'latin1'), 0, text.length, out, 0) ? [...out].join('.') : undefined;
}

function v6(text: string): string | undefined {
  const out = new Uint8Array(16);
  return parseIPv6Into(Buffer.from(text, 'latin1'), 0, text.length, out, 0) ? Buffer.from(out).toString('hex') : undefined;
}

describe('parseIPv4Into', () => {
  test('dotted quads of 1–3 digit parts up to 255', () => {
    assert.equal(v4('192.0.2.1'), '192.0.2.1');
    assert.equal(v4('0.0.0.0'), '0.0.0.0');
    assert.equal(v4('255.255.255.255'), '255.255.255.255');
    assert.equal(v4('010.001.2.3'), '10.1.2.3');
  });
  test('anything else is not an address', () => {
    for (const text of ['', '1.2.3', '1.2.3.4.5', '256.1.1.1', '1..2.3', '1.2.3.', '.1.2.3', '1.2.3.4 ', 'a.b.c.d', '1234.1.1.1', 'agent-1.example.test']) {
      assert.equal(v4(text), undefined, text);
    }
  });
  test('reads only the given range and writes at the given offset', () => {
    const src = Buffer.from('xx192.0.2.7yy');
    const out = new Uint8Array(8);
    assert.equal(parseIPv4Into(src, 2, 11, out, 3), true);
    assert.deepEqual([...out], [0, 0, 0, 192, 0, 2, 7, 0]);
  });
});

describe('parseIPv6Into', () => {
  test('full, compressed and dotted-quad forms', () => {
    assert.equal(v6('2001:db8::1'), '20010db8000000000000000000000001');
    assert.equal(v6('::'), '00000000000000000000000000000000');
    assert.equal(v6('::1'), '00000000000000000000000000000001');
    assert.equal(v6('1::'), '00010000000000000000000000000000');
    assert.equal(v6('2001:DB8:0:0:0:0:0:A'), '20010db800000000000000000000000a');
    assert.equal(v6('::ffff:192.0.2.9'), '00000000000000000000ffffc0000209');
    assert.equal(v6('1:2:3:4:5:6:1.2.3.4'), '00010002000300040005000601020304');
  });
  test('anything else is not an address', () => {
    for (const text of ['', ':', ':::', '1::2::3', '::::', ':1::2', '1::2:', '1:2:3:4:5:6:7', '1:2:3:4:5:6:7:8:9', '1:2:3:4::5:6:7:8', '12345::', 'g::1', '1.2.3.4', '::1.2.3', '1.2::3', '::1.2.3.4.5', '2001:db8::1%eth0']) {
      assert.equal(v6(text), undefined, text);
    }
  });
});
