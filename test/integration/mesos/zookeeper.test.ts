// Leader detection against a real ZooKeeper (Debian's package), one server for this file. Masters are
// played by sessions creating ephemeral sequential json.info_ nodes, as Mesos masters do.
import { before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DEFAULT_CONFIG } from '../../../src/config/types.js';
import { createSilentLogger } from '../../../src/log.js';
import { MetricsRegistry } from '../../../src/metrics.js';
import { CreateMode } from '../../../src/mesos/leader/jute.js';
import { DEFAULT_RECONNECT_BACKOFF, backoffCapFor } from '../../../src/mesos/leader/reconnect-policy.js';
import { parseZkUrl } from '../../../src/config/addresses.js';
import type { MasterDetector, MasterList } from '../../../src/mesos/leader/types.js';
import { createZkClient, type ZkClient, type ZkClientOptions } from '../../../src/mesos/leader/zk-client.js';
import { createZkDetector } from '../../../src/mesos/leader/zk-detector.js';
import { createStateSource, type ReloadOutcome } from '../../../src/reload/poller.js';
import { createRecordStore } from '../../../src/records/store.js';
import { startTestMaster, withLeader } from '../../helpers/test-master.js';
import { freeTcpPort } from '../../helpers/ports.js';
import { startTcpProxy, startZooKeeper, type TestZooKeeper } from '../../helpers/zookeeper.js';
import { capturedLogger } from '../../helpers/captured-logger.js';
import { ZOOKEEPER, requireTool } from '../../helpers/tools.js';

const zooKeeperMissing = await requireTool(ZOOKEEPER);
const EMBEDDED = fileURLToPath(new URL('../../../../fixtures/embedded/state.json', import.meta.url));
const embedded = JSON.parse(readFileSync(EMBEDDED, 'utf8')) as Record<string, unknown>;
const WAIT_MS = 15_000;

let zk: TestZooKeeper;
let admin: ZkClient;
before(async () => {
  if (zooKeeperMissing) return;
  zk = await startZooKeeper({ tickTime: 500 }); // sessions of 1–10 s
  admin = client();
  admin.start();
  await admin.waitConnected(WAIT_MS);
});
after(async () => {
  await admin?.close();
  await zk?.close();
});

function client(extra: Partial<ZkClientOptions> = {}): ZkClient {
  return createZkClient({
    servers: [{ host: zk.host, port: zk.port }],
    sessionTimeoutMs: 4000,
    logger: createSilentLogger(),
    ...extra,
  });
}

function masterInfo(id: string, address: string): Buffer {
  const [ip, port] = address.split(':') as [string, string];
  return Buffer.from(
    JSON.stringify({ id, pid: `master@${address}`, port: Number(port), hostname: `${id}.test`, address: { hostname: `${id}.test`, ip, port: Number(port) } }),
  );
}

/** A Mesos master registering in ZooKeeper with its own session. */
async function registerMaster(path: string, id: string, address: string, sessionTimeoutMs = 4000): Promise<{ node: string; session: ZkClient }> {
  const session = client({ sessionTimeoutMs });
  session.start();
  await session.waitConnected(WAIT_MS);
  const node = await session.create(`${path}/json.info_`, masterInfo(id, address), CreateMode.EPHEMERAL_SEQUENTIAL);
  return { node, session };
}

function waitForList(detector: MasterDetector, predicate: (l: MasterList) => boolean, what: string): Promise<MasterList> {
  if (predicate(detector.current())) return Promise.resolve(detector.current());
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`timed out waiting for ${what}; list is ${JSON.stringify(detector.current())}`));
    }, WAIT_MS);
    const off = detector.onChange((l) => {
      if (predicate(l)) {
        clearTimeout(timer);
        off();
        resolve(l);
      }
    });
  });
}

test('leader election, other masters sorted (#37), leader change and leader loss', { skip: zooKeeperMissing }, async (t) => {
  const path = '/mesos-election';
  await admin.create(path, Buffer.alloc(0), CreateMode.PERSISTENT);
  // Three addresses, the first dead (nothing listens); the other two reach the one test server.
  const dead = await freeTcpPort();
  const second = await startTcpProxy(zk.port);
  t.after(() => second.close());
  const parsed = parseZkUrl(`zk://127.0.0.1:${dead},${second.address},${zk.address}${path}`);
  assert.ok(parsed.ok);
  const url = parsed.value;
  const metrics = new MetricsRegistry();
  const detector = createZkDetector({
    url,
    fallbackMasters: ['192.0.2.200:5050'],
    detectionTimeoutSeconds: 30,
    logger: createSilentLogger(),
    metrics,
    sessionTimeoutMs: 4000,
  });
  t.after(() => detector.close());
  await detector.start();
  assert.deepEqual(detector.current().masters, ['', '192.0.2.200:5050'], 'config masters are the fallback until ZooKeeper answers');
  assert.ok(detector.leaderLostSince() !== undefined);

  const m1 = await registerMaster(path, 'm1', '127.0.0.5:5050');
  t.after(() => m1.session.close());
  let list = await waitForList(detector, (l) => l.leader === '127.0.0.5:5050', 'first leader');
  assert.deepEqual(list.masters, ['127.0.0.5:5050']);
  assert.equal(detector.leaderLostSince(), undefined);
  assert.equal(metrics.counter('mesos_dns_zk_sessions_total', '').get(), 1, 'one of three addresses dead at start-up is survived');
  assert.equal(metrics.gauge('mesos_dns_zk_connected', '').get(), 1);

  const m2 = await registerMaster(path, 'm2', '127.0.0.9:5050');
  const m3 = await registerMaster(path, 'm3', '127.0.0.7:5050');
  t.after(() => m2.session.close());
  t.after(() => m3.session.close());
  list = await waitForList(detector, (l) => l.masters.length === 3, 'three masters');
  assert.deepEqual(list.masters, ['127.0.0.5:5050', '127.0.0.7:5050', '127.0.0.9:5050'], 'leader first, the others sorted');

  // The leader's node goes away: the next lowest sequence (m2) leads.
  await m1.session.close();
  list = await waitForList(detector, (l) => l.leader === '127.0.0.9:5050', 'fail-over to m2');
  assert.deepEqual(list.masters, ['127.0.0.9:5050', '127.0.0.7:5050']);

  // Every master gone: leader unknown, the last known masters and the config ones become fallbacks.
  await m2.session.delete(m2.node);
  await m3.session.delete(m3.node);
  list = await waitForList(detector, (l) => l.leader === undefined, 'leader loss');
  assert.equal(list.masters[0], '');
  assert.ok(list.masters.includes('127.0.0.9:5050'));
  assert.ok(list.masters.includes('192.0.2.200:5050'));
  assert.ok(detector.leaderLostSince() !== undefined);
});

test('session expiry: the server says so on reconnect; a new session is created and the watch set again', { skip: zooKeeperMissing }, async (t) => {
  const path = '/mesos-expiry';
  await admin.create(path, Buffer.alloc(0), CreateMode.PERSISTENT);
  const proxy = await startTcpProxy(zk.port);
  t.after(() => proxy.close());
  let captured: ZkClient | undefined;
  const metrics = new MetricsRegistry();
  const detector = createZkDetector({
    url: { servers: [{ host: '127.0.0.1', port: proxy.port }], path },
    fallbackMasters: [],
    detectionTimeoutSeconds: 0,
    logger: createSilentLogger(),
    metrics,
    sessionTimeoutMs: 6000,
    createClient: (o) => (captured = createZkClient(o)),
  });
  t.after(() => detector.close());
  await detector.start();
  const m1 = await registerMaster(path, 'm1', '127.0.0.5:5050');
  t.after(() => m1.session.close());
  await waitForList(detector, (l) => l.leader === '127.0.0.5:5050', 'leader');

  // Cut the detector off, end its session on the server meanwhile (a second client attached to the
  // same session closes it), then let it reconnect: the server answers that the session expired.
  const session = captured?.session();
  assert.ok(session);
  proxy.block();
  const thief = client({ session });
  thief.start();
  await thief.waitConnected(WAIT_MS);
  await thief.close();
  const unknown = waitForList(detector, (l) => l.leader === undefined, 'leader unknown after expiry');
  proxy.unblock();
  await unknown;
  await waitForList(detector, (l) => l.leader === '127.0.0.5:5050', 'leader read again in the new session');
  assert.equal(metrics.counter('mesos_dns_zk_sessions_total', '').get(), 2);

  // The new session watches again: a new leader is noticed.
  await m1.session.close();
  const m2 = await registerMaster(path, 'm2', '127.0.0.6:5050');
  t.after(() => m2.session.close());
  await waitForList(detector, (l) => l.leader === '127.0.0.6:5050', 'change seen by the new watch');
});

test('no ZooKeeper for a whole session timeout: the session is given up locally, leader unknown, then recovered', { skip: zooKeeperMissing }, async (t) => {
  const path = '/mesos-partition';
  await admin.create(path, Buffer.alloc(0), CreateMode.PERSISTENT);
  const proxy = await startTcpProxy(zk.port);
  t.after(() => proxy.close());
  const metrics = new MetricsRegistry();
  const detector = createZkDetector({
    url: { servers: [{ host: '127.0.0.1', port: proxy.port }], path },
    fallbackMasters: [],
    detectionTimeoutSeconds: 0,
    logger: createSilentLogger(),
    metrics,
    sessionTimeoutMs: 1000,
  });
  t.after(() => detector.close());
  await detector.start();
  const m1 = await registerMaster(path, 'm1', '127.0.0.5:5050');
  t.after(() => m1.session.close());
  await waitForList(detector, (l) => l.leader === '127.0.0.5:5050', 'leader');
  proxy.block();
  await waitForList(detector, (l) => l.leader === undefined, 'leader unknown once the session is lost');
  assert.equal(metrics.gauge('mesos_dns_zk_connected', '').get(), 0);
  assert.ok(detector.current().masters.includes('127.0.0.5:5050'), 'the last leader stays a fallback');
  proxy.unblock();
  await waitForList(detector, (l) => l.leader === '127.0.0.5:5050', 'leader again after the partition');
  assert.equal(metrics.counter('mesos_dns_zk_sessions_total', '').get(), 2);
});

test('ZooKeeper down 2 s and restarted within the session timeout: back within one backoff cap, the session resumes, watches keep working', { skip: zooKeeperMissing }, async (t) => {
  const path = '/mesos-restart';
  await admin.create(path, Buffer.alloc(0), CreateMode.PERSISTENT);
  const metrics = new MetricsRegistry();
  const detector = createZkDetector({
    url: { servers: [{ host: zk.host, port: zk.port }], path },
    fallbackMasters: [],
    detectionTimeoutSeconds: 0,
    logger: createSilentLogger(),
    metrics,
    sessionTimeoutMs: 10_000,
  });
  t.after(() => detector.close());
  await detector.start();
  const m1 = await registerMaster(path, 'm1', '127.0.0.5:5050', 10_000);
  t.after(() => m1.session.close());
  await waitForList(detector, (l) => l.leader === '127.0.0.5:5050', 'leader');
  let changes = 0;
  detector.onChange(() => changes++);
  // Down long enough for the reconnect backoff to grow; once ZooKeeper answers again the detector is
  // back within one wait at its cap (a third of the session timeout), not after the whole streak.
  let t0 = performance.now();
  await zk.stop();
  await new Promise((resolve) => setTimeout(resolve, 2000));
  await zk.restart();
  t.diagnostic(`ZooKeeper down ${Math.round(performance.now() - t0)} ms`);
  t0 = performance.now();
  await detector.client.waitConnected(backoffCapFor(DEFAULT_RECONNECT_BACKOFF, 10_000).maxMs + 2000);
  t.diagnostic(`detector reconnected ${Math.round(performance.now() - t0)} ms after ZooKeeper was back`);
  t0 = performance.now();
  await admin.waitConnected(WAIT_MS);
  await m1.session.waitConnected(WAIT_MS);
  t.diagnostic(`reconnect ${Math.round(performance.now() - t0)} ms`);
  t0 = performance.now();
  const m2 = await registerMaster(path, 'm2', '127.0.0.6:5050');
  t.after(() => m2.session.close());
  const list = await waitForList(detector, (l) => l.masters.length === 2, 'second master after restart');
  t.diagnostic(`second master seen ${Math.round(performance.now() - t0)} ms`);
  assert.equal(list.leader, '127.0.0.5:5050', 'leader kept across the reconnect');
  assert.equal(metrics.counter('mesos_dns_zk_sessions_total', '').get(), 1, 'session resumed, not renewed');
  assert.ok(changes >= 1);
});

test('poller with ZooKeeper: records from the leader, immediate reload on leader change, loss keeps records', { skip: zooKeeperMissing }, async (t) => {
  const path = '/mesos-poller';
  await admin.create(path, Buffer.alloc(0), CreateMode.PERSISTENT);
  const a = await startTestMaster();
  const b = await startTestMaster();
  t.after(() => a.close());
  t.after(() => b.close());
  a.setState(withLeader(embedded, a.address));
  b.setState(withLeader(JSON.parse(JSON.stringify(embedded).replaceAll('"nginx', '"web')) as Record<string, unknown>, b.address));
  const { lines, logger } = capturedLogger();
  const store = createRecordStore();
  const source = createStateSource({
    config: { ...DEFAULT_CONFIG, zk: `zk://${zk.address}${path}`, masters: null, listener: '127.0.0.1', refreshSeconds: 60, zkDetectionTimeout: 1 },
    store,
    logger,
    metrics: new MetricsRegistry(),
    zkSessionTimeoutMs: 4000,
  });
  t.after(() => source.close());
  const reloaded = (pred: (o: ReloadOutcome) => boolean) =>
    new Promise<ReloadOutcome>((resolve) => {
      const off = source.onReload((o) => {
        if (pred(o)) {
          off();
          resolve(o);
        }
      });
    });
  await source.start();
  const ma = await registerMaster(path, 'ma', a.address);
  t.after(() => ma.session.close());
  const fromA = await reloaded((o) => o.ok && o.source === a.address);
  assert.ok(fromA.ok);
  assert.deepEqual(store.current()?.table.lookup('nginx.marathon.mesos.')?.a, ['192.0.2.8']);
  assert.equal(source.status().leader, a.address);
  assert.equal(source.status().leaderLostSince, undefined);

  const mb = await registerMaster(path, 'mb', b.address);
  t.after(() => mb.session.close());
  await ma.session.close();
  // refreshSeconds is 60: only the leader change can bring this reload.
  const fromB = await reloaded((o) => o.ok && o.source === b.address);
  assert.ok(fromB.ok);
  assert.ok(store.current()?.table.lookup('web.marathon.mesos.'));
  assert.equal(source.status().leader, b.address);

  const generation = store.current()?.generation;
  await mb.session.close();
  await new Promise<void>((resolve) => {
    const check = () => (source.status().leaderLostSince !== undefined ? resolve() : setTimeout(check, 20));
    check();
  });
  assert.equal(store.current()?.generation !== undefined && store.current()!.generation >= (generation ?? 0), true);
  assert.ok(store.current()?.table.lookup('web.marathon.mesos.'), 'records kept without a leader');
  // zkDetectionTimeout (1 s) passes: a warning, and the process keeps serving.
  await new Promise<void>((resolve) => {
    const check = () => (lines.some((l) => l['msg'] === 'no leading master detected; serving the last records') ? resolve() : setTimeout(check, 50));
    check();
  });
  // Without a leader the last known masters are still tried, so records stay fresh.
  const stillFresh = await source.reloadNow();
  assert.ok(stillFresh.ok);
});

test('ZooKeeper unreachable: the configured masters are used meanwhile', { skip: zooKeeperMissing }, async (t) => {
  const a = await startTestMaster();
  t.after(() => a.close());
  a.setState(withLeader(embedded, a.address));
  const dead = await freeTcpPort();
  const store = createRecordStore();
  const source = createStateSource({
    config: { ...DEFAULT_CONFIG, zk: `zk://127.0.0.1:${dead}/mesos`, masters: [a.address], listener: '127.0.0.1' },
    store,
    logger: createSilentLogger(),
    metrics: new MetricsRegistry(),
    zkSessionTimeoutMs: 2000,
  });
  t.after(() => source.close());
  await source.start();
  const o = await source.reloadNow();
  assert.ok(o.ok);
  assert.equal(source.status().leader, a.address);
  assert.ok(source.status().leaderLostSince !== undefined);
});
