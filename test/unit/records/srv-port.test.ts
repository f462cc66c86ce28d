// The one rule for the port of a stored SRV value, as Mesos-DNS reads it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SrvPortText, parseSrvPort, srvPortOf } from '../../../src/records/srv-value.js';

const bytes = (text: string): Uint8Array => Buffer.from(text, 'latin1');

test('an optional sign and 1–18 digits, modulo 2^16', () => {
  assert.equal(srvPortOf('31000'), 31000);
  assert.equal(srvPortOf('+80'), 80);
  assert.equal(srvPortOf('-1'), 65535);
  assert.equal(srvPortOf('65536'), 0);
  assert.equal(srvPortOf('000053'), 53);
  assert.equal(srvPortOf('123456789012345678'), Number('123456789012345678') & 0xffff);
});

test('anything else is not a port', () => {
  for (const text of ['', '+', '-', '80a', ' 80', '1234567890123456789', '８０', '0x50', '8.0']) assert.equal(srvPortOf(text), undefined, text);
});

test('the byte form reads a range and says when only Number() rounds a long port exactly', () => {
  assert.equal(parseSrvPort(bytes('t.:31000'), 3, 8), 31000);
  assert.equal(parseSrvPort(bytes('1234567890'), 0, 10), SrvPortText.LONG);
  assert.equal(parseSrvPort(bytes('x'), 0, 1), SrvPortText.NONE);
});
