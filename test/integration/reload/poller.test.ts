// The state source end to end with real test masters: the worker pipeline, the store, failures
// keeping the last table, fail-over, worker crashes, the file source.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CreateStateSourceOptions, ReloadOutcome } from '../../../src/reload/poller.js';
import { EMBEDDED, embeddedState, setupSource } from './source-harness.js';
import { startTestMaster, withLeader } from '../../helpers/test-master.js';
import { capturedLogger } from '../../helpers/captured-logger.js';

const embedded = embeddedState();
const setup = setupSource;

function nextReload(source: { onReload(l: (o: ReloadOutcome) => void): () => void }, accept: (o: ReloadOutcome) => boolean = () => true) {
  return new Promise<ReloadOutcome>((resolve) => {
    const off = source.onReload((o) => {
      if (accept(o)) {
        off();
        resolve(o);
      }
    });
  });
}

test('loads at start, and a state change at the master reaches the store on the next refresh', async (t) => {
  const master = await startTestMaster();
  t.after(() => master.close());
  master.setState(withLeader(embedded, master.address));
  const { store, source, metrics } = setup({ masters: [master.address], refreshSeconds: 0.2 });
  t.after(() => source.close());
  const first = nextReload(source);
  await source.start();
  const o = await first;
  assert.ok(o.ok);
  const snap = store.current();
  assert.ok(snap);
  assert.deepEqual(snap.table.lookup('leader.mesos.')?.a, ['127.0.0.1']);
  assert.deepEqual(snap.table.lookup('nginx.marathon.mesos.')?.a, ['192.0.2.8']);
  assert.equal(source.status().leader, master.address);
  assert.equal(source.status().consecutiveFailures, 0);

  // Rename nginx → web at the master; the ticker (0.2 s) brings it in without being asked.
  const changed = JSON.parse(JSON.stringify(embedded).replaceAll('"nginx', '"web')) as Record<string, unknown>;
  const t0 = performance.now();
  const arrived = nextReload(source, (r) => r.ok && r.snapshot.table.lookup('web.marathon.mesos.') !== undefined);
  master.setState(withLeader(changed, master.address));
  const r = await arrived;
  const latencyMs = performance.now() - t0;
  assert.ok(r.ok);
  assert.equal(store.current()?.table.lookup('nginx.marathon.mesos.'), undefined);
  assert.ok(r.added > 0 && r.removed > 0, 'the worker counted names added and removed');
  assert.ok(latencyMs < 5000, `state change took ${latencyMs} ms to arrive`);
  t.diagnostic(`state change to store with refreshSeconds 0.2: ${latencyMs.toFixed(0)} ms`);
  assert.ok(metrics.counter('mesos_dns_state_fetches_total', '').get() >= 2);
  assert.ok(metrics.histogram('mesos_dns_state_fetch_duration_seconds', '', []).count() >= 2);
});

test('failures keep the last table and are counted by cause; a success clears them', async (t) => {
  const master = await startTestMaster();
  t.after(() => master.close());
  master.setState(withLeader(embedded, master.address));
  const { store, source, metrics } = setup({ masters: [master.address], stateTimeoutSeconds: 0.3 });
  t.after(() => source.close());
  await source.start();
  assert.ok((await source.reloadNow()).ok);
  const generation = store.current()?.generation;
  const failures = metrics.counter('mesos_dns_state_fetch_failures_total', '');

  const cases: [Parameters<typeof master.setMode>[0], string][] = [
    [{ kind: 'status', status: 500, body: 'oops' }, 'http_status'],
    [{ kind: 'status', status: 503 }, 'http_status'],
    [{ kind: 'garbage' }, 'invalid_json'],
    [{ kind: 'hang' }, 'timeout'],
  ];
  let n = 0;
  for (const [mode, cause] of cases) {
    master.setMode(mode);
    const o = await source.reloadNow();
    n++;
    assert.equal(o.ok, false);
    if (!o.ok) {
      assert.equal(o.error.reason, cause);
      assert.equal(o.error.master, master.address);
    }
    assert.equal(store.current()?.generation, generation, 'the last table stays');
    assert.equal(source.status().consecutiveFailures, n);
    assert.ok(source.status().lastError);
  }
  assert.equal(failures.get({ cause: 'http_status' }), 2);
  assert.equal(failures.get({ cause: 'invalid_json' }), 1);
  assert.equal(failures.get({ cause: 'timeout' }), 1);

  master.setMode({ kind: 'ok' });
  master.setState({ frameworks: [] });
  const noLeader = await source.reloadNow();
  assert.equal(noLeader.ok ? '' : noLeader.error.reason, 'no_leader');
  assert.equal(store.current()?.generation, generation);

  master.setState(withLeader(embedded, master.address));
  const ok = await source.reloadNow();
  assert.ok(ok.ok);
  assert.equal(source.status().consecutiveFailures, 0);
  assert.equal(source.status().lastError, undefined);
  assert.equal(store.current()?.generation, (generation ?? 0) + 1);
});

test('fail-over between static masters; the answering master is reported and changes are counted', async (t) => {
  const a = await startTestMaster();
  const b = await startTestMaster();
  t.after(() => a.close());
  t.after(() => b.close());
  a.setState(withLeader(embedded, a.address));
  b.setState(withLeader(embedded, b.address));
  const { store, source, metrics } = setup({ masters: [a.address, b.address] });
  t.after(() => source.close());
  await source.start();
  assert.ok((await source.reloadNow()).ok);
  assert.equal(source.status().leader, a.address);
  a.setMode({ kind: 'status', status: 503 });
  const o = await source.reloadNow();
  assert.ok(o.ok);
  assert.equal(source.status().leader, b.address);
  assert.equal(metrics.counter('mesos_dns_leader_changes_total', '').get(), 1);
  assert.equal(metrics.counter('mesos_dns_state_fetch_failures_total', '').get({ cause: 'http_status' }), 1);
  // Both masters are in the master records; master0 is the first configured one (behaviour §2.7).
  assert.deepEqual(store.current()?.table.lookup('master0.mesos.')?.a, ['127.0.0.1']);
});

let manyTasksText: string | undefined;

/**
 * A state whose 300,000 tasks the parser must keep: far more than a 16 MB heap holds. Its leader is
 * on 127.0.0.1, like the test masters, so it is served as it is (made once: it takes a while).
 */
function manyTasks(): string {
  if (manyTasksText === undefined) {
    const tasks = Array.from({ length: 300_000 }, (_, i) => ({ id: `task-${i}`, name: `app-${i}`, slave_id: `agent-${i}`, state: 'TASK_RUNNING' }));
    manyTasksText = JSON.stringify({ ...embedded, leader: 'master@127.0.0.1:5050', frameworks: [...(embedded.frameworks as unknown[]), { name: 'huge', tasks }] });
  }
  return manyTasksText;
}

const SMALL_HEAP = { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 4 };

test('a state too big for the worker heap fails that reload only: the last table stays, the failure is counted, a new worker takes the next', async (t) => {
  const master = await startTestMaster({ gzip: false });
  t.after(() => master.close());
  master.setState(withLeader(embedded, master.address));
  const { store, source, metrics } = setup({ masters: [master.address] }, { workerResourceLimits: SMALL_HEAP });
  t.after(() => source.close());
  await source.start();
  assert.ok((await source.reloadNow()).ok);
  const generation = store.current()?.generation;
  master.setState(manyTasks());
  const crashed = await source.reloadNow();
  assert.equal(crashed.ok ? '' : crashed.error.reason, 'worker');
  assert.equal(store.current()?.generation, generation);
  assert.deepEqual(store.current()?.table.lookup('nginx.marathon.mesos.')?.a, ['192.0.2.8']);
  assert.equal(metrics.counter('mesos_dns_worker_restarts_total', '').get({ reason: 'heap' }), 1);
  assert.equal(metrics.counter('mesos_dns_state_fetch_failures_total', '').get({ cause: 'worker' }), 1);
  assert.equal(source.status().consecutiveFailures, 1);
  master.setState(withLeader(embedded, master.address));
  const back = await source.reloadNow();
  assert.ok(back.ok, 'a new worker takes the next reload');
});

test('a state file too big for the worker heap fails the reload; the table read before keeps serving', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'poller-heap-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'state.json');
  writeFileSync(file, JSON.stringify(embedded));
  const { store, source, metrics } = setup({ stateFile: file }, { workerResourceLimits: SMALL_HEAP });
  t.after(() => source.close());
  await source.start();
  assert.ok((await source.reloadNow()).ok);
  const generation = store.current()?.generation;
  writeFileSync(file, manyTasks());
  const crashed = await source.reloadNow();
  assert.equal(crashed.ok ? '' : crashed.error.reason, 'worker');
  assert.equal(store.current()?.generation, generation);
  assert.deepEqual(store.current()?.table.lookup('nginx.marathon.mesos.')?.a, ['192.0.2.8']);
  assert.equal(metrics.counter('mesos_dns_state_fetch_failures_total', '').get({ cause: 'worker' }), 1);
});

test('recycleWorker: a new worker per reload, not counted as a restart; names are counted against the last table', async (t) => {
  const master = await startTestMaster();
  t.after(() => master.close());
  master.setState(withLeader(embedded, master.address));
  const { store, source, metrics } = setup({ masters: [master.address] }, { recycleWorker: true });
  t.after(() => source.close());
  await source.start();
  assert.ok((await source.reloadNow()).ok);
  master.setState(withLeader(JSON.parse(JSON.stringify(embedded).replaceAll('"nginx', '"web')) as Record<string, unknown>, master.address));
  const second = await source.reloadNow();
  assert.ok(second.ok && second.added > 0 && second.removed > 0, 'the second worker diffed against the first table');
  const third = await source.reloadNow();
  assert.ok(third.ok && third.added === 0 && third.removed === 0);
  assert.deepEqual(store.current()?.table.lookup('web.marathon.mesos.')?.a, ['192.0.2.8']);
  for (const reason of ['timeout', 'heap', 'crash']) assert.equal(metrics.counter('mesos_dns_worker_restarts_total', '').get({ reason }), 0);
});

test('members the records do not need cost no heap: 60 MB of them load within a 16 MB worker heap', async (t) => {
  const master = await startTestMaster({ gzip: false });
  t.after(() => master.close());
  const padded = { ...embedded, pad: Array.from({ length: 400_000 }, (_, i) => ({ k: `padding-${i}`, v: [i, i, i] })) };
  master.setState(withLeader(padded, master.address));
  const { store, source } = setup({ masters: [master.address] }, { workerResourceLimits: SMALL_HEAP });
  t.after(() => source.close());
  await source.start();
  const o = await source.reloadNow();
  assert.ok(o.ok, o.ok ? '' : o.error.message);
  assert.deepEqual(store.current()?.table.lookup('nginx.marathon.mesos.')?.a, ['192.0.2.8']);
});

test('file source: reads the state file each reload through the worker; a missing file keeps the table', async (t) => {
  const { store, source } = setup({ stateFile: EMBEDDED });
  t.after(() => source.close());
  assert.equal(source.kind, 'file');
  await source.start();
  assert.ok((await source.reloadNow()).ok);
  assert.deepEqual(store.current()?.table.lookup('nginx.marathon.mesos.')?.a, ['192.0.2.8']);
  assert.ok(store.current()?.table.lookup('toy-store.ipv6-framework.mesos.')?.aaaa.length);
  const missing = setup({ stateFile: '/nonexistent/state.json' });
  t.after(() => missing.source.close());
  await missing.source.start();
  const o = await missing.source.reloadNow();
  assert.equal(o.ok ? '' : o.error.reason, 'file');
  assert.equal(missing.store.current(), undefined);
});

test('close is idempotent, stops reloads and answers pending callers', async (t) => {
  const master = await startTestMaster();
  t.after(() => master.close());
  master.setMode({ kind: 'hang' });
  const { source } = setup({ masters: [master.address] });
  await source.start();
  const pending = source.reloadNow();
  await source.close();
  await source.close();
  const o = await pending;
  assert.equal(o.ok, false);
  assert.equal((await source.reloadNow()).ok, false);
});

test('a configuration without any source is rejected', () => {
  assert.throws(() => setup({ masters: null, zk: '', stateFile: '' }), /no state source/);
  assert.throws(() => setup({ zk: 'file:///etc/zk' }), { code: 'E_CONFIG_INVALID', message: /^Zk: / });
});

test('credentials to masters over plain HTTP: one warning at start-up, naming the risk, without the secret', async (t) => {
  const master = await startTestMaster();
  t.after(() => master.close());
  master.setState(withLeader(embedded, master.address));
  const warningsOf = async (config: Partial<CreateStateSourceOptions['config']>) => {
    const { lines, logger } = capturedLogger();
    const { source } = setup({ masters: [master.address], ...config }, { logger });
    await source.start();
    await source.close();
    return lines.filter((l) => l['level'] === 40 && /plain HTTP/.test(String(l['msg'])));
  };
  const credentials = { principal: 'dns', secret: 'the-s3cret-value' };
  const plain = await warningsOf({ mesosAuthentication: 'basic', mesosCredentials: credentials });
  assert.equal(plain.length, 1);
  assert.equal(plain[0]?.['mesosAuthentication'], 'basic');
  assert.doesNotMatch(JSON.stringify(plain), /the-s3cret-value|ZG5z/);
  assert.deepEqual(await warningsOf({ mesosAuthentication: 'basic', mesosCredentials: credentials, mesosHTTPSOn: true, insecureSkipVerify: true }), []);
  assert.deepEqual(await warningsOf({}), [], 'no credentials, nothing to leak');
});
