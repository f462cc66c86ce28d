// The event stream across a master fail-over, with a real ZooKeeper electing the masters (two
// streaming test masters registered as json.info_ nodes, as Mesos does). The stream follows the new
// leader, and the new leader's snapshot, which lists the agent as recovered (not re-registered yet)
// and none of its tasks, does not empty the task's name; the agent's re-registration and the
// task's re-announcement then come through as events.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createApp } from '../../../src/app.js';
import { validConfig } from '../../helpers/valid-config.js';
import { createSilentLogger } from '../../../src/log.js';
import { CreateMode } from '../../../src/mesos/leader/jute.js';
import { createZkClient, type ZkClient } from '../../../src/mesos/leader/zk-client.js';
import { query } from '../../helpers/dns-client.js';
import { addressesOf } from '../../helpers/dns-codec.js';
import { startStreamingMaster } from '../../helpers/streaming-master.js';
import { startZooKeeper, type TestZooKeeper } from '../../helpers/zookeeper.js';
import { ZOOKEEPER, requireTool } from '../../helpers/tools.js';
import { waitFor } from '../../helpers/wait-for.js';

const zooKeeperMissing = await requireTool(ZOOKEEPER);
const WAIT_MS = 15_000;
const FRAMEWORK = { framework_info: { id: { value: 'fw-0000' }, name: 'marathon', hostname: '10.0.0.9' } };
const AGENT = { agent_info: { id: { value: 'S0' }, hostname: '10.0.0.1' }, pid: 'slave(1)@10.0.0.1:5051' };

function task(ip: string) {
  return {
    name: 'nginx',
    task_id: { value: 'nginx.1' },
    framework_id: { value: 'fw-0000' },
    agent_id: { value: 'S0' },
    state: 'TASK_RUNNING',
    statuses: [
      { task_id: { value: 'nginx.1' }, state: 'TASK_RUNNING', timestamp: 1, container_status: { network_infos: [{ ip_addresses: [{ ip_address: ip }] }] } },
    ],
  };
}

let zk: TestZooKeeper;
let admin: ZkClient;
const sessions: ZkClient[] = [];
before(async () => {
  if (zooKeeperMissing) return;
  zk = await startZooKeeper({ tickTime: 500 });
  admin = session();
  await admin.waitConnected(WAIT_MS);
  await admin.create('/mesos', Buffer.alloc(0), CreateMode.PERSISTENT);
});
after(async () => {
  for (const s of sessions) await s.close();
  await zk?.close();
});

function session(): ZkClient {
  const client = createZkClient({ servers: [{ host: zk.host, port: zk.port }], sessionTimeoutMs: 4000, logger: createSilentLogger() });
  client.start();
  sessions.push(client);
  return client;
}

/** A master electing itself: an ephemeral sequential json.info_ node in its own session. */
async function register(id: string, address: string): Promise<ZkClient> {
  const s = session();
  await s.waitConnected(WAIT_MS);
  const [ip, port] = address.split(':') as [string, string];
  const info = { id, pid: `master@${address}`, port: Number(port), hostname: `${id}.test`, address: { hostname: `${id}.test`, ip, port: Number(port) } };
  await s.create('/mesos/json.info_', Buffer.from(JSON.stringify(info)), CreateMode.EPHEMERAL_SEQUENTIAL);
  return s;
}

test('after a fail-over the stream follows the new leader and the zone is not emptied by unregistered agents', { skip: zooKeeperMissing }, async (t) => {
  const a = await startStreamingMaster({
    snapshot: { get_frameworks: { frameworks: [FRAMEWORK] }, get_agents: { agents: [AGENT] }, get_tasks: { tasks: [task('192.0.2.8')] } },
  });
  t.after(() => a.close());
  // The new leader knows S0 from its registry only, so far: no tasks.
  const b = await startStreamingMaster({
    snapshot: { get_frameworks: { frameworks: [] }, get_agents: { agents: [], recovered_agents: [AGENT.agent_info] }, get_tasks: { tasks: [] } },
  });
  t.after(() => b.close());
  const config = validConfig({ Zk: `zk://${zk.address}/mesos`, RefreshSeconds: 60, StateTimeoutSeconds: 2, Listener: '127.0.0.1', Port: 0, HTTPListener: '127.0.0.1', HttpPort: 0, ExternalOn: false, StateSourceMode: 'stream' });
  const app = createApp({ config, logger: createSilentLogger(), version: 'test' });
  t.after(() => app.close());
  const { dns } = await app.start();
  const port = dns?.udp[0]?.port as number;
  const ask = async (): Promise<{ rcode: string; addresses: string[] }> => {
    const reply = await query({ qname: 'nginx.marathon.mesos', qtype: 1 }, { port });
    return { rcode: reply.rcode, addresses: addressesOf(reply) };
  };

  const sessionA = await register('a', a.address);
  await waitFor('the answer from master A', async () => (await ask()).addresses[0] === '192.0.2.8' || undefined, WAIT_MS);

  await register('b', b.address);
  await sessionA.close();
  await b.waitForSubscriptions(1, WAIT_MS);
  // B's snapshot is published (its stream is live); nginx is still answered from the carried-over agent.
  await waitFor('the stream to be B\'s', async () => app.source.status().leader === b.address || undefined, WAIT_MS);
  const during = await ask();
  assert.deepEqual(during, { rcode: 'NOERROR', addresses: ['192.0.2.8'] }, 'the recovered agent\'s task is not dropped');
  assert.equal(b.stateRequests(), 0, 'B was not polled (a poll would see the emptied cluster)');

  // S0 re-registers with B, and B re-announces its task with a new address.
  const reannouncedAt = performance.now();
  b.push({ type: 'AGENT_ADDED', agent_added: { agent: AGENT } });
  b.push({ type: 'FRAMEWORK_ADDED', framework_added: { framework: FRAMEWORK } });
  b.push({ type: 'TASK_ADDED', task_added: { task: task('192.0.2.9') } });
  await waitFor('the re-announced task', async () => (await ask()).addresses[0] === '192.0.2.9' || undefined, WAIT_MS);
  t.diagnostic(`fail-over: re-announced task to new DNS answer ${Math.round(performance.now() - reannouncedAt)} ms`);
});
