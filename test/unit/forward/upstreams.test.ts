import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planUpstreams, selectUpstreams } from '../../../src/forward/upstreams.js';
import { attemptSlotMs, exchangeBudgetMs, MIN_ATTEMPT_MS } from '../../../src/forward/upstream-exchange.js';
import { forwardSettingsOf } from '../../../src/app.js';
import { DEFAULT_CONFIG } from '../../../src/config/types.js';

test('quirk #26: zone keys are lower-cased and trimmed of dots; selection is label-aware and most specific', () => {
  const settings = forwardSettingsOf({
    ...DEFAULT_CONFIG,
    file: '',
    resolvers: ['192.0.2.1:53'],
    zoneResolvers: {
      'EXAMPLE.org.': ['192.0.2.2:53'],
      'org': ['192.0.2.3:53'],
      'a.b.example.org': ['192.0.2.4:53', 'not-an-ip'],
    },
  });
  assert.deepEqual(settings.unusableResolvers, ['not-an-ip']);
  const plan = planUpstreams(settings.resolvers, settings.zoneResolvers);
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

test('upstream labels are "ip:port" with IPv6 in brackets; resolv.conf zones are kept', () => {
  const settings = forwardSettingsOf({ ...DEFAULT_CONFIG, file: '', resolvers: ['192.0.2.1:5353', '[2001:db8::1]:53', '[fe80::1%eth0]:53', ' 192.0.2.9 '] });
  const plan = planUpstreams(settings.resolvers, settings.zoneResolvers);
  assert.deepEqual(
    plan.resolvers.map((u) => [u.label, u.family]),
    [['192.0.2.1:5353', 4], ['[2001:db8::1]:53', 6], ['[fe80::1%eth0]:53', 6], ['192.0.2.9:53', 4]],
  );
});
