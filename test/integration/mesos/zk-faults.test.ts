// The ZooKeeper client against a misbehaving fake server on loopback (test/helpers/fake-zookeeper.ts):
// oversized and finely chunked frames.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSilentLogger } from '../../../src/log.js';
import { MAX_FRAME_BYTES } from '../../../src/mesos/leader/frames.js';
import { OpCode } from '../../../src/mesos/leader/jute.js';
import { createZkClient } from '../../../src/mesos/leader/zk-client.js';
import { startFakeZooKeeper } from '../../helpers/fake-zookeeper.js';

const PING_XID = -2;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
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
  const deadline = performance.now() + 3000;
  while (closedAt === undefined && performance.now() < deadline) await sleep(20);
  const closedByClient = closedAt !== undefined;
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
