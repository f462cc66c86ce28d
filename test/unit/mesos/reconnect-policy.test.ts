import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEFAULT_RECONNECT_BACKOFF,
  SESSION_TIMEOUT_BOUNDS_MS,
  backoffCapFor,
  backoffDelay,
  clampSessionTimeout,
} from '../../../src/mesos/leader/reconnect-policy.js';

test('backoffDelay: none before the first failure, then doubling between half and all of each step, capped', () => {
  const policy = DEFAULT_RECONNECT_BACKOFF;
  assert.equal(backoffDelay(0, policy), 0);
  const low = (n: number) => backoffDelay(n, policy, () => 0);
  const high = (n: number) => backoffDelay(n, policy, () => 1);
  assert.deepEqual([1, 2, 3, 4, 5].map(low), [50, 100, 200, 400, 800]);
  assert.deepEqual([1, 2, 3, 4, 5].map(high), [100, 200, 400, 800, 1600]);
  assert.equal(low(8), 5000);
  assert.equal(high(8), 10_000);
  assert.equal(high(1000), 10_000, 'no overflow for a long failure streak');
  assert.equal(low(1000), 5000);
});

test('backoffCapFor: at most a third of the session timeout, never below the first step', () => {
  assert.deepEqual(backoffCapFor(DEFAULT_RECONNECT_BACKOFF, 30_000), { initialMs: 100, maxMs: 10_000 });
  assert.deepEqual(backoffCapFor(DEFAULT_RECONNECT_BACKOFF, 4000), { initialMs: 100, maxMs: 1333 });
  assert.deepEqual(backoffCapFor(DEFAULT_RECONNECT_BACKOFF, 60_000), { initialMs: 100, maxMs: 10_000 });
  assert.deepEqual(backoffCapFor(DEFAULT_RECONNECT_BACKOFF, 100), { initialMs: 100, maxMs: 100 });
});

test('clampSessionTimeout keeps negotiated timeouts within bounds', () => {
  assert.deepEqual(SESSION_TIMEOUT_BOUNDS_MS, { min: 1000, max: 60_000 });
  assert.equal(clampSessionTimeout(30_000), 30_000);
  assert.equal(clampSessionTimeout(1), 1000);
  assert.equal(clampSessionTimeout(0x7fffffff), 60_000);
  assert.equal(clampSessionTimeout(4000), 4000);
});
