// One operator API subscription (src/mesos/operator-stream.ts) against the streaming test master and
// small misbehaving servers: every way a stream ends is named for what it is, and nothing is
// buffered past the record cap.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test, type TestContext } from 'node:test';
import type { MasterClientSettings } from '../../../src/mesos/client-settings.js';
import { createMasterDispatcher } from '../../../src/mesos/master-client.js';
import { MAX_REDIRECTS } from '../../../src/mesos/master-client.js';
import { StreamEnd, StreamEndReason, subscribe } from '../../../src/mesos/operator-stream.js';
import { startStreamingMaster } from '../../helpers/streaming-master.js';

const SETTINGS: MasterClientSettings = {
  https: false,
  timeoutMs: 2000,
  maxBodyBytes: 64 * 1024,
  tls: { rejectUnauthorized: true },
  auth: { kind: 'none' },
};

interface Seen {
  snapshots: number;
  events: unknown[];
}

async function run(t: TestContext, address: string, settings: MasterClientSettings = SETTINGS, seen: Seen = { snapshots: 0, events: [] }): Promise<StreamEnd> {
  const dispatcher = createMasterDispatcher(settings.tls, settings.timeoutMs);
  t.after(() => dispatcher.destroy());
  const controller = new AbortController();
  t.after(() => controller.abort());
  try {
    await subscribe(address, {
      settings,
      dispatcher,
      signal: controller.signal,
      handlers: {
        onSubscribed: () => {
          seen.snapshots++;
        },
        onEvent: (_record, type) => {
          seen.events.push({ type });
        },
      },
    });
  } catch (err) {
    assert.ok(err instanceof StreamEnd, String(err));
    return err;
  }
  throw new Error('subscribe resolved');
}

async function rawServer(t: TestContext, handler: Parameters<typeof createServer>[1]): Promise<string> {
  const server: Server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  }));
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

test('a broken record header ends the stream as framing, after the snapshot and events before it', async (t) => {
  const master = await startStreamingMaster({ heartbeatIntervalSeconds: 0.1 });
  t.after(() => master.close());
  const seen: Seen = { snapshots: 0, events: [] };
  const ended = run(t, master.address, SETTINGS, seen);
  await master.waitForSubscriptions(1);
  master.push({ type: 'AGENT_REMOVED', agent_removed: { agent_id: { value: 'x' } } });
  master.writeRaw(Buffer.from('12x\n{}'));
  const end = await ended;
  assert.equal(end.reason, StreamEndReason.FRAMING);
  assert.equal(seen.snapshots, 1);
  assert.ok(seen.events.some((e) => (e as { type?: string }).type === 'AGENT_REMOVED'));
});

test('a record over the cap ends the stream before it is buffered', async (t) => {
  const master = await startStreamingMaster();
  t.after(() => master.close());
  const ended = run(t, master.address);
  await master.waitForSubscriptions(1);
  master.writeRaw(Buffer.from(`${SETTINGS.maxBodyBytes + 1}\n`));
  const end = await ended;
  assert.equal(end.reason, StreamEndReason.FRAMING);
  assert.match(end.message, /over the cap/);
});

test('a stream that does not begin with SUBSCRIBED is refused', async (t) => {
  const address = await rawServer(t, (_req, res) => {
    res.writeHead(200);
    res.write('20\n{"type":"HEARTBEAT"}');
  });
  assert.equal((await run(t, address)).reason, StreamEndReason.FRAMING);
});

test('silence after SUBSCRIBED ends the stream as a missed heartbeat', async (t) => {
  const master = await startStreamingMaster({ heartbeatIntervalSeconds: 0.1 });
  t.after(() => master.close());
  master.setSilent(true);
  const started = performance.now();
  const end = await run(t, master.address);
  assert.equal(end.reason, StreamEndReason.HEARTBEAT);
  t.diagnostic(`silent stream judged dead after ${Math.round(performance.now() - started)} ms (2 × 100 ms + 1 s)`);
});

test('a response that never gets to SUBSCRIBED is bounded by the state timeout', async (t) => {
  const address = await rawServer(t, (_req, res) => {
    res.writeHead(200);
    res.write('100\n{"type":');
  });
  const end = await run(t, address, { ...SETTINGS, timeoutMs: 300 });
  assert.equal(end.reason, StreamEndReason.HEARTBEAT);
  assert.match(end.message, /no SUBSCRIBED within 300 ms/);
});

test('404 is "no operator API", other statuses are HTTP failures, a redirect loop stops', async (t) => {
  const master = await startStreamingMaster();
  t.after(() => master.close());
  master.setMode({ kind: 'status', status: 404 });
  assert.equal((await run(t, master.address)).reason, StreamEndReason.UNSUPPORTED);
  master.setMode({ kind: 'status', status: 503 });
  assert.equal((await run(t, master.address)).reason, StreamEndReason.HTTP_STATUS);
  master.setMode({ kind: 'redirect', location: `//${master.address}/api/v1` });
  const before = master.apiRequests();
  assert.equal((await run(t, master.address)).reason, StreamEndReason.REDIRECT);
  assert.equal(master.apiRequests() - before, MAX_REDIRECTS);
});

test('the end of the response and a refused connection are named', async (t) => {
  const master = await startStreamingMaster();
  const ended = run(t, master.address);
  await master.waitForSubscriptions(1);
  master.dropSubscribers();
  assert.ok([StreamEndReason.ENDED, StreamEndReason.CONNECT].includes((await ended).reason as 'ended'));
  const address = master.address;
  await master.close();
  assert.equal((await run(t, address)).reason, StreamEndReason.CONNECT);
});

test('basic credentials go with SUBSCRIBE', async (t) => {
  let authorization: string | undefined;
  const address = await rawServer(t, (req, res) => {
    authorization = req.headers.authorization;
    res.writeHead(401).end();
  });
  const end = await run(t, address, { ...SETTINGS, auth: { kind: 'basic', principal: 'p', secret: 's' } });
  assert.equal(end.reason, StreamEndReason.HTTP_STATUS);
  assert.equal(authorization, `Basic ${Buffer.from('p:s').toString('base64')}`);
});
