// The ZooKeeper client against a misbehaving fake server on loopback (test/helpers/fake-zookeeper.ts):
// reconnect storms, absurd session timeouts, oversized and finely chunked frames.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSilentLogger } from '../../../src/log.js';
import { MetricsRegistry } from '../../../src/metrics.js';
import { MAX_FRAME_BYTES } from '../../../src/mesos/leader/frames.js';
import { OpCode } from '../../../src/mesos/leader/jute.js';
import { createZkClient } from '../../../src/mesos/leader/zk-client.js';
import { createZkDetector } from '../../../src/mesos/leader/zk-detector.js';
import { startFakeZooKeeper, type FakeZkConnection } from '../../helpers/fake-zookeeper.js';
import { capturedLogger } from '../../helpers/captured-logger.js';
import { waitUntil } from '../../helpers/wait-for.js';

const PING_XID = -2;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Answers pings, so a connection stays up as long as the client wants it. */
function answerPings(conn: FakeZkConnection, onPing: () => void = () => undefined): void {
  conn.onRequest((_xid, op) => {
    if (op === OpCode.PING) {
      onPing();
      conn.reply(PING_XID, 0, Buffer.alloc(0));
    }
  });
}


// 4000: a session, then the connection drops at once. 0: "session expired", even for a new session.
for (const offered of [4000, 0]) {
  test(`a server that completes the handshake (session timeout ${offered}) and closes: a handful of reconnects in 2 s, not thousands`, async (t) => {
    const fake = await startFakeZooKeeper((conn) => {
      void conn.requested.then(() => {
        conn.answerConnect(offered);
        setImmediate(() => conn.close());
      });
    });
    t.after(() => fake.close());
    let getChildren = 0;
    const detector = createZkDetector({
      url: { servers: [{ host: fake.host, port: fake.port }], path: '/mesos' },
      fallbackMasters: [],
      detectionTimeoutSeconds: 0,
      logger: createSilentLogger(),
      metrics: new MetricsRegistry(),
      sessionTimeoutMs: 4000,
      createClient: (o) => {
        const c = createZkClient(o);
        const original = c.getChildren.bind(c);
        c.getChildren = (path, watch) => {
          getChildren++;
          return original(path, watch);
        };
        return c;
      },
    });
    await detector.start();
    await sleep(2000);
    await detector.close();
    const connections = fake.connections();
    t.diagnostic(`offered ${offered}: ${connections} connections, ${getChildren} detector reads in 2 s`);
    assert.ok(connections < 20, `${connections} connections in 2 s`);
    assert.ok(getChildren <= connections);
  });
}

for (const [offered, expected] of [
  [0x7fffffff, 60_000],
  [1, 1000],
] as const) {
  test(`an absurd negotiated session timeout is clamped: ${offered} ms becomes ${expected} ms`, async (t) => {
    let pings = 0;
    const fake = await startFakeZooKeeper((conn) => {
      answerPings(conn, () => pings++);
      void conn.requested.then(() => conn.answerConnect(offered));
    });
    t.after(() => fake.close());
    const { lines, logger } = capturedLogger('debug');
    const client = createZkClient({ servers: [{ host: fake.host, port: fake.port }], sessionTimeoutMs: 4000, logger });
    client.start();
    await client.waitConnected(5000);
    await sleep(1500);
    const connections = fake.connections();
    await client.close();
    const connected = lines.filter((l) => l['msg'] === 'ZooKeeper connected');
    const clamped = lines.filter((l) => l['msg'] === 'ZooKeeper session timeout out of bounds; clamped');
    t.diagnostic(`offered ${offered}: ${connections} connections, ${pings} pings in 1.5 s`);
    assert.equal(connected[0]?.['timeoutMs'], expected);
    assert.equal(clamped.length, 1);
    assert.equal(clamped[0]?.['offeredTimeoutMs'], offered);
    // At 1 ms the client used to judge the server dead before any answer could come, every 50 ms.
    assert.equal(connections, 1, 'the connection stays up while the server answers pings');
    assert.ok(pings <= 10, `${pings} pings`);
  });
}

test('a frame declaring more than the limit closes the connection before buffering it', async (t) => {
  let closedAt: number | undefined;
  const fake = await startFakeZooKeeper((conn) => {
    conn.socket.on('close', () => (closedAt ??= performance.now()));
    void conn.requested.then(() => {
      conn.answerConnect(4000);
      const header = Buffer.alloc(4);
      header.writeInt32BE(MAX_FRAME_BYTES + 1, 0);
      conn.socket.write(header);
      conn.socket.write(Buffer.alloc(64 * 1024));
    });
  });
  t.after(() => fake.close());
  const client = createZkClient({
    servers: [{ host: fake.host, port: fake.port }],
    sessionTimeoutMs: 60_000,
    logger: createSilentLogger(),
  });
  client.start();
  const closedByClient = await waitUntil(() => closedAt !== undefined, 3000);
  await client.close();
  assert.ok(closedByClient, 'the client closed the connection');
});

test('a 1 MiB reply written in 1 KiB pieces is reassembled intact', async (t) => {
  const data = Buffer.alloc(1024 * 1024);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7) & 0xff;
  const fake = await startFakeZooKeeper((conn) => {
    conn.onRequest((xid, op) => {
      if (op === OpCode.PING) conn.reply(PING_XID, 0, Buffer.alloc(0));
      if (op !== OpCode.GET_DATA) return;
      const body = Buffer.alloc(4 + data.length + 68);
      body.writeInt32BE(data.length, 0);
      data.copy(body, 4);
      conn.reply(xid, 0, body, 1024);
    });
    void conn.requested.then(() => conn.answerConnect(4000));
  });
  t.after(() => fake.close());
  const client = createZkClient({ servers: [{ host: fake.host, port: fake.port }], sessionTimeoutMs: 4000, logger: createSilentLogger() });
  t.after(() => client.close());
  client.start();
  await client.waitConnected(5000);
  const got = await client.getData('/big', false);
  assert.equal(got.length, data.length);
  assert.ok(got.equals(data));
});
