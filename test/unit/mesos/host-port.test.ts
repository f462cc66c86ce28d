import { test } from 'node:test';
import assert from 'node:assert/strict';
import { joinHostPort, parsePort, splitHostPort } from '../../../src/mesos/host-port.js';

test('splitHostPort: standard forms', () => {
  assert.deepEqual(splitHostPort('192.0.2.1:5050'), { host: '192.0.2.1', port: '5050' });
  assert.deepEqual(splitHostPort('[2001:db8::1]:5050'), { host: '2001:db8::1', port: '5050' });
  assert.deepEqual(splitHostPort('master.example:5050'), { host: 'master.example', port: '5050' });
  assert.deepEqual(splitHostPort('host:'), { host: 'host', port: '' });
});

test('splitHostPort: falls back to the first colon (behaviour §1.5)', () => {
  assert.deepEqual(splitHostPort('a:b:c'), { host: 'a', port: 'b:c' });
  assert.deepEqual(splitHostPort('[::1]'), { host: '[', port: ':1]' });
  assert.equal(splitHostPort('nocolon'), undefined);
});

test('joinHostPort brackets IPv6 and parsePort bounds', () => {
  assert.equal(joinHostPort('2001:db8::1', 5050), '[2001:db8::1]:5050');
  assert.equal(joinHostPort('192.0.2.1', '5050'), '192.0.2.1:5050');
  assert.equal(parsePort('5050'), 5050);
  assert.equal(parsePort('0'), undefined);
  assert.equal(parsePort('65536'), undefined);
  assert.equal(parsePort('50a'), undefined);
});
