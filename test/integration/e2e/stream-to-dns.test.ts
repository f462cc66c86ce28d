// End to end with the event stream (StateSourceMode "stream", docs/streaming.md): a streaming test
// master, the app's state source, the reload worker, the record store and DNS on a real UDP socket.
// RefreshSeconds is long, so only the stream can explain an answer changing in time. Covers events,
// a silent stream (missed heartbeats), a dropped connection (resync from a new snapshot), a 307 to
// the leader, and a master without the operator API (404: polling).
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { createApp, type App } from '../../../src/app.js';
import { validConfig } from '../../helpers/valid-config.js';
import type { Config } from '../../../src/config/types.js';
import { createSilentLogger } from '../../../src/log.js';
import { query } from '../../helpers/dns-client.js';
import { addressesOf } from '../../helpers/dns-codec.js';
import { startStreamingMaster, type StreamingMaster } from '../../helpers/streaming-master.js';
import { startTestMaster, withLeader } from '../../helpers/test-master.js';
import { waitFor } from '../../helpers/wait-for.js';

const FRAMEWORK = 'fw-0000';

function status(taskId: string, ip: string, timestamp: number) {
  return {
    task_id: { value: taskId },
    state: 'TASK_RUNNING',
    agent_id: { value: 'S0' },
    timestamp,
    uuid: `${taskId}-${timestamp}`,
    container_status: { network_infos: [{ ip_addresses: [{ protocol: 'IPv4', ip_address: ip }] }] },
  };
}

function snapshot(ip: string) {
  return {
    get_frameworks: { frameworks: [{ framework_info: { id: { value: FRAMEWORK }, name: 'marathon', hostname: '10.0.0.9' } }] },
    get_agents: { agents: [{ agent_info: { id: { value: 'S0' }, hostname: '10.0.0.1' }, pid: 'slave(1)@10.0.0.1:5051' }] },
    get_tasks: {
      tasks: [
        {
          name: 'nginx',
          task_id: { value: 'nginx.1' },
          framework_id: { value: FRAMEWORK },
          agent_id: { value: 'S0' },
          state: 'TASK_RUNNING',
          statuses: [status('nginx.1', ip, 1)],
        },
      ],
    },
  };
}

/** The event that moves nginx.1 to `ip` (a new acknowledged status). */
function moved(ip: string, timestamp: number) {
  return { type: 'TASK_UPDATED', task_updated: { framework_id: { value: FRAMEWORK }, state: 'TASK_RUNNING', status: status('nginx.1', ip, timestamp) } };
}

function testConfig(masterAddress: string, mode: 'stream' | 'poll', refreshSeconds = 60, stateTimeoutSeconds = 2): Config {
  return validConfig(
    {
      Masters: [masterAddress],
      RefreshSeconds: refreshSeconds,
      StateTimeoutSeconds: stateTimeoutSeconds,
      Listener: '127.0.0.1',
      Port: 0,
      HTTPListener: '127.0.0.1',
      HttpPort: 0,
      ExternalOn: false,
      StateSourceMode: mode,
    },
  );
}

async function startApp(t: TestContext, config: Config): Promise<{ app: App; ask: () => Promise<string[]> }> {
  const app = createApp({ config, logger: createSilentLogger(), version: 'test' });
  t.after(() => app.close());
  const { dns } = await app.start();
  const port = dns?.udp[0]?.port;
  assert.ok(port, 'DNS listens');
  return { app, ask: async () => addressesOf(await query({ qname: 'nginx.marathon.mesos', qtype: 1 }, { port })) };
}

async function answerBecomes(ask: () => Promise<string[]>, ip: string, what: string, timeoutMs?: number): Promise<void> {
  await waitFor(what, async () => ((await ask())[0] === ip ? true : undefined), timeoutMs, 10);
}

async function streamingMaster(t: TestContext, ip: string): Promise<StreamingMaster> {
  const master = await startStreamingMaster({ snapshot: snapshot(ip), heartbeatIntervalSeconds: 0.2 });
  t.after(() => master.close());
  return master;
}

test('an event at the master changes the DNS answer, with no poll', async (t) => {
  const master = await streamingMaster(t, '192.0.2.8');
  const { ask } = await startApp(t, testConfig(master.address, 'stream'));
  await answerBecomes(ask, '192.0.2.8', 'the snapshot\'s answer');
  // The snapshot is the first load: no poll at all.
  const polls = master.stateRequests();
  assert.equal(polls, 0);
  const latencies: number[] = [];
  for (let i = 0; i < 5; i++) {
    const ip = `192.0.2.${100 + i}`;
    const pushedAt = performance.now();
    master.push(moved(ip, 10 + i));
    await answerBecomes(ask, ip, `the answer after event ${i}`, 5000);
    latencies.push(Math.round(performance.now() - pushedAt));
  }
  t.diagnostic(`event to new DNS answer: ${latencies.join(', ')} ms (coalescing window 100 ms, RefreshSeconds 60)`);
  assert.equal(master.stateRequests(), polls, 'the stream alone fed the changes');
  assert.equal(master.subscriptions(), 1);
});

test('every RefreshSeconds a quiet stream resyncs from a fresh snapshot, without a poll; what the snapshot holds is served', async (t) => {
  const master = await streamingMaster(t, '192.0.2.8');
  const { ask } = await startApp(t, testConfig(master.address, 'stream', 1));
  await answerBecomes(ask, '192.0.2.8', 'the snapshot\'s answer');
  const polls = master.stateRequests();
  // A change only a fresh snapshot can bring (no event is pushed): the resync must pick it up.
  master.setSnapshot(snapshot('192.0.2.77'));
  await answerBecomes(ask, '192.0.2.77', 'the answer from the resync\'s snapshot', 10_000);
  assert.ok(master.subscriptions() >= 2, `${master.subscriptions()} subscriptions`);
  assert.equal(master.stateRequests(), polls, 'no poll while the stream is live');
});

test('a silent stream is judged dead after two heartbeats and resubscribed; events on the new stream arrive', async (t) => {
  const master = await streamingMaster(t, '192.0.2.8');
  const { ask } = await startApp(t, testConfig(master.address, 'stream'));
  await answerBecomes(ask, '192.0.2.8', 'the snapshot\'s answer');
  master.setSilent(true);
  const silentAt = performance.now();
  await master.waitForSubscriptions(2, 10_000);
  t.diagnostic(`silent stream replaced after ${Math.round(performance.now() - silentAt)} ms (heartbeat 0.2 s: 2 × 0.2 s + 1 s slack)`);
  master.setSilent(false);
  master.push(moved('192.0.2.50', 50));
  await answerBecomes(ask, '192.0.2.50', 'the answer from the new stream');
});

test('a dropped stream reconnects with back-off and resynchronises from a new snapshot', async (t) => {
  const master = await streamingMaster(t, '192.0.2.8');
  const { ask } = await startApp(t, testConfig(master.address, 'stream'));
  await answerBecomes(ask, '192.0.2.8', 'the snapshot\'s answer');
  // Refuse new subscriptions for a while, drop the stream, and change the cluster during the gap.
  master.setMode({ kind: 'status', status: 503 });
  master.dropSubscribers();
  master.push(moved('192.0.2.60', 60));
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const attempts = master.apiRequests();
  // 100 ms doubling with jitter: a handful of attempts in a second, not a busy loop.
  assert.ok(attempts < 10, `${attempts} SUBSCRIBE attempts in 1 s`);
  t.diagnostic(`SUBSCRIBE attempts in the first second of a refusing master: ${attempts}`);
  master.setMode({ kind: 'ok' });
  await answerBecomes(ask, '192.0.2.60', 'the change made during the gap');
});

test('a 307 from a non-leader is followed to the leader', async (t) => {
  const leader = await streamingMaster(t, '192.0.2.77');
  const follower = await streamingMaster(t, '192.0.2.1');
  follower.setMode({ kind: 'redirect', location: `//${leader.address}/api/v1` });
  const { app, ask } = await startApp(t, testConfig(follower.address, 'stream'));
  await answerBecomes(ask, '192.0.2.77', 'the leader\'s answer');
  assert.equal(leader.subscriptions(), 1);
  assert.equal(follower.subscriptions(), 0);
  assert.equal(app.source.status().leader, leader.address);
  leader.push(moved('192.0.2.78', 78));
  await answerBecomes(ask, '192.0.2.78', 'an event from the leader');
});

test('a master without the operator API (404) is polled every RefreshSeconds and not asked again', async (t) => {
  const master = await startTestMaster();
  t.after(() => master.close());
  const state = (ip: string) => ({
    leader: `master@${master.address}`,
    slaves: [{ id: 'S0', hostname: '10.0.0.1', pid: 'slave(1)@10.0.0.1:5051' }],
    frameworks: [
      {
        name: 'marathon',
        hostname: '10.0.0.9',
        tasks: [{ id: 'nginx.1', name: 'nginx', slave_id: 'S0', state: 'TASK_RUNNING', statuses: [{ state: 'TASK_RUNNING', timestamp: 1, container_status: { network_infos: [{ ip_addresses: [{ ip_address: ip }] }] } }] }],
      },
    ],
  });
  master.setState(withLeader(state('192.0.2.8'), master.address));
  const { ask } = await startApp(t, testConfig(master.address, 'stream', 1));
  await answerBecomes(ask, '192.0.2.8', 'the polled answer');
  master.setState(withLeader(state('192.0.2.9'), master.address));
  await answerBecomes(ask, '192.0.2.9', 'the next poll\'s answer');
  const subscribes = master.requests.filter((r) => r.path === '/api/v1').length;
  assert.equal(subscribes, 1, 'one SUBSCRIBE, answered 404, then polling only');
});

test('a quiet but live stream keeps the records fresh for /health and the source status', async (t) => {
  const master = await streamingMaster(t, '192.0.2.8');
  const { app, ask } = await startApp(t, testConfig(master.address, 'stream', 1));
  await answerBecomes(ask, '192.0.2.8', 'the snapshot\'s answer');
  // No event for more than STALE_AFTER_INTERVALS (3) × RefreshSeconds (1 s); heartbeats keep coming.
  await new Promise((resolve) => setTimeout(resolve, 3500));
  const status = app.source.status();
  const age = Date.now() - (status.lastSuccessAt ?? 0);
  t.diagnostic(`last success ${age} ms ago after 3.5 s without events`);
  assert.ok(age < 1500, `last success ${age} ms ago`);
  assert.equal(master.stateRequests(), 0, 'the snapshot was the first load: no poll at all');
});

/** The snapshot with 4,000 more tasks: about 2 MB, past STREAM_PIECES_FROM_BYTES (1 MB). */
function bigSnapshot(ip: string) {
  const s = snapshot(ip);
  for (let i = 0; i < 4000; i++) {
    s.get_tasks.tasks.push({
      name: `app-${i % 50}`,
      task_id: { value: `app-${i % 50}.${i}` },
      framework_id: { value: FRAMEWORK },
      agent_id: { value: 'S0' },
      state: 'TASK_RUNNING',
      statuses: [status(`app-${i % 50}.${i}`, `198.51.100.${i % 250}`, 1)],
    });
  }
  return s;
}

test('a snapshot too long to hold whole reaches the worker in pieces: served, then events and a resync follow', async (t) => {
  const big = bigSnapshot;
  const first = big('192.0.2.8');
  const bytes = Buffer.byteLength(JSON.stringify(first));
  assert.ok(bytes > 1024 * 1024, `snapshot of ${bytes} bytes`);
  const master = await startStreamingMaster({ snapshot: first, heartbeatIntervalSeconds: 0.2 });
  t.after(() => master.close());
  const { ask } = await startApp(t, testConfig(master.address, 'stream'));
  await master.waitForSubscriptions(1, 10_000);
  await answerBecomes(ask, '192.0.2.8', 'the snapshot\'s answer');
  const polls = master.stateRequests();
  // Only a worker holding the snapshot it read in pieces can apply an event to it.
  master.push(moved('192.0.2.20', 20));
  await answerBecomes(ask, '192.0.2.20', 'the answer after an event', 5000);
  master.setSnapshot(big('192.0.2.21'));
  master.dropSubscribers();
  await answerBecomes(ask, '192.0.2.21', 'the answer from the new subscription\'s snapshot', 10_000);
  master.push(moved('192.0.2.22', 22));
  await answerBecomes(ask, '192.0.2.22', 'an event after it', 5000);
  assert.equal(master.stateRequests(), polls, 'the stream alone fed the changes');
  assert.equal(master.subscriptions(), 2);
});

test('a stream that cannot subscribe at start gives way to a poll at once; the stream takes over when it can', async (t) => {
  const master = await startStreamingMaster({ snapshot: snapshot('192.0.2.8'), heartbeatIntervalSeconds: 0.2 });
  t.after(() => master.close());
  master.setMode({ kind: 'status', status: 503 });
  // RefreshSeconds 60: only the stream's request for a poll can explain a prompt answer.
  const { ask } = await startApp(t, testConfig(master.address, 'stream'));
  await answerBecomes(ask, '192.0.2.8', 'the polled answer', 5000);
  assert.equal(master.stateRequests(), 1);
  master.setMode({ kind: 'ok' });
  await master.waitForSubscriptions(1, 10_000);
  master.push(moved('192.0.2.9', 9));
  await answerBecomes(ask, '192.0.2.9', 'an event once subscribed', 5000);
  assert.equal(master.stateRequests(), 1, 'one poll, then the stream');
});

test('a snapshot slower to arrive than RefreshSeconds is waited for, not polled for, at the start and at a resync', async (t) => {
  const master = await startStreamingMaster({ snapshot: bigSnapshot('192.0.2.8'), heartbeatIntervalSeconds: 0.2 });
  t.after(() => master.close());
  // About 2 MB in 64 KiB chunks 100 ms apart: over 3 s each, through three RefreshSeconds ticks.
  master.setSnapshotPace(100);
  const { ask } = await startApp(t, testConfig(master.address, 'stream', 1, 10));
  await answerBecomes(ask, '192.0.2.8', 'the slow snapshot\'s answer', 15_000);
  master.setSnapshot(bigSnapshot('192.0.2.9'));
  master.dropSubscribers();
  await answerBecomes(ask, '192.0.2.9', 'the answer from the next slow snapshot', 15_000);
  assert.equal(master.stateRequests(), 0, 'no poll while a snapshot was arriving');
});
