// End to end with real parts: a test master over HTTP, the poller's worker, the record store and the
// DNS server on a real UDP socket. Checks answers before and after a state change, through a master
// failure (the last good records keep serving) and its recovery, and measures how long a change at
// the master takes to reach a DNS answer.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createApp } from '../../../src/app.js';
import { validConfig } from '../../helpers/valid-config.js';
import type { Config } from '../../../src/config/types.js';
import { createSilentLogger } from '../../../src/log.js';
import { query } from '../../helpers/dns-client.js';
import { addressesOf } from '../../helpers/dns-codec.js';
import { startTestMaster, withLeader } from '../../helpers/test-master.js';
import { embeddedState, withNginxIp } from '../../helpers/embedded-state.js';
import { waitFor } from '../../helpers/wait-for.js';

const STATE = embeddedState();

function testConfig(masterAddress: string): Config {
  return validConfig(
    {
      Masters: [masterAddress],
      RefreshSeconds: 1,
      StateTimeoutSeconds: 2,
      Listener: '127.0.0.1',
      Port: 0,
      HTTPListener: '127.0.0.1',
      HttpPort: 0,
      ExternalOn: false,
    },
  );
}

test('a state change at the master reaches DNS answers; a failing master keeps the last records', async (t) => {
  const master = await startTestMaster();
  t.after(() => master.close());
  master.setState(withLeader(withNginxIp('192.0.2.8'), master.address));
  const app = createApp({ config: testConfig(master.address), logger: createSilentLogger(), version: 'test' });
  t.after(() => app.close());
  const { dns } = await app.start();
  const port = dns?.udp[0]?.port;
  assert.ok(port, 'DNS listens');
  const ask = () => query({ qname: 'nginx.marathon.mesos', qtype: 1 }, { port });

  const first = await waitFor('the first table', async () => {
    const reply = await ask();
    return reply.rcode === 'NOERROR' && addressesOf(reply).length > 0 ? reply : undefined;
  });
  assert.deepEqual(addressesOf(first), ['192.0.2.8']);
  assert.equal(first.aa, true);

  const changedAt = Date.now();
  master.setState(withLeader(withNginxIp('192.0.2.88'), master.address));
  await waitFor('the new answer', async () => {
    const addresses = addressesOf(await ask());
    return addresses[0] === '192.0.2.88' ? true : undefined;
  });
  const latencyMs = Date.now() - changedAt;
  t.diagnostic(`state change to new DNS answer: ${latencyMs} ms with RefreshSeconds 1`);
  assert.ok(latencyMs < 5000, `change took ${latencyMs} ms`);

  // The master breaks: answers keep coming from the last good table through several refreshes.
  const failuresBefore = app.source.status().consecutiveFailures;
  master.setMode({ kind: 'status', status: 500, body: 'internal error' });
  await waitFor('a failed refresh', async () => (app.source.status().consecutiveFailures > failuresBefore + 1 ? true : undefined));
  assert.deepEqual(addressesOf(await ask()), ['192.0.2.88']);
  master.setMode({ kind: 'garbage' });
  await waitFor('another failed refresh', async () => (app.source.status().consecutiveFailures > failuresBefore + 2 ? true : undefined));
  assert.deepEqual(addressesOf(await ask()), ['192.0.2.88']);
  assert.equal((await query({ qname: 'gone.marathon.mesos', qtype: 1 }, { port })).rcode, 'NXDOMAIN');

  // It recovers with a state where nginx is gone: the name disappears.
  const withoutNginx = structuredClone(STATE) as { frameworks: { tasks: { name: string }[] }[] };
  for (const framework of withoutNginx.frameworks) framework.tasks = framework.tasks.filter((task) => task.name !== 'nginx');
  master.setState(withLeader(withoutNginx as unknown as Record<string, unknown>, master.address));
  master.setMode({ kind: 'ok' });
  await waitFor('nginx to disappear', async () => ((await ask()).rcode === 'NXDOMAIN' ? true : undefined));
  assert.equal(app.source.status().consecutiveFailures, 0);
});

test('before the first table, in-domain names get SERVFAIL, never a cacheable NXDOMAIN (quirk #19)', async (t) => {
  const master = await startTestMaster();
  t.after(() => master.close());
  master.setMode({ kind: 'hang' });
  const app = createApp({ config: testConfig(master.address), logger: createSilentLogger(), version: 'test' });
  t.after(() => app.close());
  const { dns } = await app.start();
  const port = dns?.udp[0]?.port as number;
  const reply = await query({ qname: 'nginx.marathon.mesos', qtype: 1 }, { port });
  assert.equal(reply.rcode, 'SERVFAIL');
  assert.equal(app.store.current(), undefined);
  master.setState(withLeader(STATE, master.address));
  master.setMode({ kind: 'ok' });
  await waitFor('the first table', async () => ((await query({ qname: 'nginx.marathon.mesos', qtype: 1 }, { port })).rcode === 'NOERROR' ? true : undefined));
});
