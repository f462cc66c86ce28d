// The reload watchdog with real workers and a real test master: a reload that gives no result by its
// deadline fails, its worker is stopped and replaced, the last table keeps answering and
// mesos_dns_worker_restarts_total{reason="timeout"} counts it. (A worker past its heap cap, counted as
// reason="heap", is in poller.test.ts.) The production deadline is derived from StateTimeoutSeconds.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MIN_RELOAD_PROCESSING_MS, reloadDeadlineMs, type CreateStateSourceOptions, type ReloadOutcome } from '../../../src/reload/poller.js';
import { embeddedState, setupSource } from './source-harness.js';
import { startTestMaster, withLeader } from '../../helpers/test-master.js';

const embedded = embeddedState();

function setup(config: Partial<CreateStateSourceOptions['config']>, extra: Partial<CreateStateSourceOptions> = {}) {
  return setupSource({ refreshSeconds: 600, ...config }, extra);
}

/** The outcome, or 'pending' if none arrived within `ms` (the test must not hang on the old code). */
function within(ms: number, outcome: Promise<ReloadOutcome>): Promise<ReloadOutcome | 'pending'> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    outcome,
    new Promise<'pending'>((resolve) => {
      timer = setTimeout(() => resolve('pending'), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

test('the deadline: StateTimeoutSeconds per possible fetch, then as long again (at least 60 s) for the rest', () => {
  assert.equal(MIN_RELOAD_PROCESSING_MS, 60_000);
  assert.equal(reloadDeadlineMs(300, 2), 900_000, 'defaults, one master (a fetch and a fetch from the leader it names)');
  assert.equal(reloadDeadlineMs(300, 6), 2_100_000, 'three masters');
  assert.equal(reloadDeadlineMs(5, 1), 65_000, 'a state file with a short timeout still gets a minute to generate');
  assert.equal(reloadDeadlineMs(5, 0), 65_000);
});

test('a reload with no result by its deadline: the worker is replaced, the table stays, the restart is counted', async (t) => {
  const master = await startTestMaster();
  t.after(() => master.close());
  master.setState(withLeader(embedded, master.address));
  // The fetch timeout (30 s) is far beyond the deadline: only the watchdog can end this reload.
  const { store, source, metrics } = setup({ masters: [master.address], stateTimeoutSeconds: 30 }, { reloadTimeoutMs: 1000 });
  t.after(() => source.close());
  await source.start();
  assert.ok((await source.reloadNow()).ok);
  const generation = store.current()?.generation;
  const restarts = metrics.counter('mesos_dns_worker_restarts_total', '');

  master.setMode({ kind: 'hang' });
  const t0 = performance.now();
  const hung = await within(10_000, source.reloadNow());
  t.diagnostic(`hung reload ended after ${(performance.now() - t0).toFixed(0)} ms (deadline 1000 ms, fetch timeout 30000 ms)`);
  assert.notEqual(hung, 'pending', 'the hung reload ended');
  assert.ok(hung !== 'pending' && !hung.ok);
  assert.equal(hung.error.reason, 'worker');
  assert.match(hung.error.message, /no result within 1 s/);
  assert.equal(restarts.get({ reason: 'timeout' }), 1);
  assert.equal(metrics.counter('mesos_dns_state_fetch_failures_total', '').get({ cause: 'worker' }), 1);
  assert.equal(store.current()?.generation, generation, 'the last table stays');
  assert.deepEqual(store.current()?.table.lookup('nginx.marathon.mesos.')?.a, ['192.0.2.8']);

  // A fresh worker takes the next reload.
  master.setMode({ kind: 'ok' });
  master.setState(withLeader(JSON.parse(JSON.stringify(embedded).replaceAll('"nginx', '"web')) as Record<string, unknown>, master.address));
  const next = await within(10_000, source.reloadNow());
  assert.ok(next !== 'pending' && next.ok, JSON.stringify(next));
  assert.deepEqual(store.current()?.table.lookup('web.marathon.mesos.')?.a, ['192.0.2.8']);
  assert.equal(restarts.get({ reason: 'timeout' }), 1);
});
