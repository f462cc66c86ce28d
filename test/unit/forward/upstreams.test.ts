import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseUpstream, planUpstreams, selectUpstreams } from '../../../src/forward/upstreams.js';
import { attemptSlotMs, exchangeBudgetMs, MIN_ATTEMPT_MS } from '../../../src/forward/forwarder.js';

test('parseUpstream accepts ip, ip:port, [v6]:port and bare v6; rejects host names and bad ports', () => {
  assert.deepEqual(parseUpstream('192.0.2.1:5353'), { host: '192.0.2.1', port: 5353, family: 4, label: '192.0.2.1:5353' });
  assert.deepEqual(parseUpstream('192.0.2.1'), { host: '192.0.2.1', port: 53, family: 4, label: '192.0.2.1:53' });
  assert.deepEqual(parseUpstream('[2001:db8::1]:53'), { host: '2001:db8::1', port: 53, family: 6, label: '[2001:db8::1]:53' });
  assert.deepEqual(parseUpstream('[2001:db8::1]'), { host: '2001:db8::1', port: 53, family: 6, label: '[2001:db8::1]:53' });
  assert.deepEqual(parseUpstream('2001:db8::2'), { host: '2001:db8::2', port: 53, family: 6, label: '[2001:db8::2]:53' });
  for (const bad of ['dns.example.org:53', '192.0.2.1:0', '192.0.2.1:65536', '192.0.2.1:x', '[2001:db8::1', '[2001:db8::1]x', '']) {
    assert.equal(parseUpstream(bad), undefined, bad);
  }
});

test('quirk #26: zone keys are lower-cased and trimmed of dots; selection is label-aware and most specific', () => {
  const plan = planUpstreams(['192.0.2.1:53'], {
    'EXAMPLE.org.': ['192.0.2.2:53'],
    'org': ['192.0.2.3:53'],
    'a.b.example.org': ['192.0.2.4:53', 'not-an-ip'],
  });
  assert.deepEqual(plan.invalid, ['not-an-ip']);
  const pick = (name: string): string[] =>
    selectUpstreams(plan, name === '' ? [] : name.split('.')).map((u) => u.label);
  assert.deepEqual(pick('www.example.org'), ['192.0.2.2:53']);
  assert.deepEqual(pick('example.org'), ['192.0.2.2:53']);
  assert.deepEqual(pick('x.a.b.example.org'), ['192.0.2.4:53']);
  assert.deepEqual(pick('b.example.org'), ['192.0.2.2:53']);
  assert.deepEqual(pick('fooexample.org'), ['192.0.2.3:53']);
  assert.deepEqual(pick('www.example.com'), ['192.0.2.1:53']);
  assert.deepEqual(pick('org.example.com'), ['192.0.2.1:53']);
  assert.deepEqual(pick(''), ['192.0.2.1:53'], 'the root goes to the default resolvers');
});

test('the exchange budget leaves a margin inside the timeout; slots share what remains', () => {
  assert.equal(exchangeBudgetMs(5), 4500);
  assert.equal(exchangeBudgetMs(1), 900);
  assert.equal(exchangeBudgetMs(2), 1800);
  assert.equal(exchangeBudgetMs(30), 29500);
  assert.equal(exchangeBudgetMs(0), 4500, 'timeout 0 means 5 s');
  assert.equal(attemptSlotMs(4500, 3), 1500);
  assert.equal(attemptSlotMs(4500, 1), 4500);
  assert.equal(attemptSlotMs(4500, 100), MIN_ATTEMPT_MS, 'never below the floor');
  assert.equal(attemptSlotMs(100, 5), 100, 'never beyond the time left');
});
