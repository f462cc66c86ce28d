// The out-of-rotation list shared through a real ZooKeeper (docs/dns.md "Out of rotation"): two instances
// with the same Zk; a POST to one changes the other's DNS answers within a bound, a DELETE to the
// other puts it back on both; the list lives beside Mesos's path, never inside it.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createLogger } from '../../../src/log.js';
import { createZkClient } from '../../../src/mesos/leader/zk-client.js';
import { REPO_ROOT, type SpawnedServer, spawnServer } from '../../helpers/spawn-server.js';
import { startZooKeeper, type TestZooKeeper } from '../../helpers/zookeeper.js';
import { DIG, ZOOKEEPER, requireTools } from '../../helpers/tools.js';
import { waitUntil } from '../../helpers/wait-for.js';
import { digShort } from '../../helpers/dig.js';

const toolsMissing = await requireTools([ZOOKEEPER, DIG]);
const TOKEN = 'r0tation-zk-token-4c1e88';
let zk: TestZooKeeper;

before(async () => {
  if (toolsMissing) return;
  zk = await startZooKeeper({ tickTime: 500 });
});
after(async () => {
  await zk?.close();
});

async function start(): Promise<SpawnedServer> {
  return spawnServer({
    config: {
      // State from the file (it takes precedence); Zk is there for the shared rotation list.
      StateFile: join(REPO_ROOT, 'fixtures/states/health.json'),
      Zk: `zk://${zk.address}/mesos`,
      IPSources: ['netinfo', 'host'],
      ExternalOn: false,
      RefreshSeconds: 3600,
      RotationToken: TOKEN,
    },
  });
}

async function call(server: SpawnedServer, method: string, path: string, body?: unknown): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${server.httpPort}${path}`, {
    method,
    headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(5_000),
  });
  await res.text();
  return res.status;
}

/** Polls until the answer equals `want` (bounded); returns the ms it took. */
async function waitForAnswer(port: number, want: string[], timeoutMs = 5_000): Promise<number> {
  const started = performance.now();
  let last: string[] = [];
  const answered = async (): Promise<boolean> => {
    last = await digShort(port, 'web.marathon.mesos', 'A');
    return JSON.stringify(last) === JSON.stringify(want);
  };
  if (await waitUntil(answered, timeoutMs)) return performance.now() - started;
  assert.fail(`still ${JSON.stringify(last)}, wanted ${JSON.stringify(want)}`);
}

test('two instances sharing a ZooKeeper agree on the rotation list', { skip: toolsMissing }, async (t) => {
  const [one, two] = await Promise.all([start(), start()]);
  t.after(() => Promise.all([one.kill(), two.kill()]));
  await Promise.all([one.waitForHealth(), two.waitForHealth()]);
  assert.deepEqual(await digShort(two.dnsPort, 'web.marathon.mesos', 'A'), ['10.1.0.1', '10.1.0.2']);

  assert.equal(await call(one, 'POST', '/v1/rotation', { kind: 'task', value: 'web.1a2b3c4d-0000-4000-8000-000000000002', seconds: 600 }), 200);
  const outMs = await waitForAnswer(two.dnsPort, ['10.1.0.1'], 5_000);
  t.diagnostic(`POST on one → the other's answer changed after ${outMs.toFixed(0)} ms`);
  assert.ok(outMs < 5_000);
  const listed = JSON.parse((await two.get('/v1/rotation')).body) as { value: string }[];
  assert.deepEqual(listed.map((e) => e.value), ['web.1a2b3c4d-0000-4000-8000-000000000002']);

  assert.equal(await call(two, 'DELETE', '/v1/rotation/task/web.1a2b3c4d-0000-4000-8000-000000000002'), 200);
  const backMs = await waitForAnswer(one.dnsPort, ['10.1.0.1', '10.1.0.2'], 5_000);
  t.diagnostic(`DELETE on the other → the first's answer back after ${backMs.toFixed(0)} ms`);

  // The list's znode is beside Mesos's path, not inside it.
  const client = createZkClient({ servers: [{ host: zk.host, port: zk.port }], sessionTimeoutMs: 5_000, logger: createLogger({ level: 'silent' }) });
  client.start();
  try {
    await client.waitConnected(5_000);
    assert.equal(await client.exists('/mesos-dns-rotation', false), true);
    assert.equal(await client.exists('/mesos', false), false, 'nothing was written under Mesos\'s path');
  } finally {
    await client.close();
  }
});
