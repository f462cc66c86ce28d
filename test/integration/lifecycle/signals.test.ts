// SIGTERM / SIGINT on the real process: it drains (a forward in flight still gets its answer), exits
// 0 promptly, and releases its DNS (UDP + TCP) and HTTP ports.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startFakeUpstream } from '../../helpers/fake-upstream.js';
import { query } from '../../helpers/dns-client.js';
import { addressesOf } from '../../helpers/dns-codec.js';
import { canBindTcp, canBindUdp } from '../../helpers/ports.js';
import { spawnServer, type SpawnedServer } from '../../helpers/spawn-server.js';

const A = 1;

async function started(t: { after: (fn: () => unknown) => void }, config: Record<string, unknown> = {}): Promise<SpawnedServer> {
  const server = await spawnServer({ config });
  t.after(() => server.kill());
  return server;
}

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  test(`${signal}: a serving process exits 0 promptly and releases its ports`, async (t) => {
    const server = await started(t);
    const reply = await query({ qname: 'nginx.marathon.mesos', qtype: A }, { port: server.dnsPort });
    assert.deepEqual(addressesOf(reply), ['192.0.2.8']);
    const { dnsPort, httpPort } = server;
    assert.equal(await canBindUdp(dnsPort), false, 'the DNS UDP port is taken while serving');

    const sentAt = Date.now();
    server.signal(signal);
    const status = await server.waitForExit(12_000);
    const tookMs = Date.now() - sentAt;
    t.diagnostic(`${signal} to exit: ${tookMs} ms`);
    assert.deepEqual(status, { code: 0, signal: null }, server.stderr());
    assert.ok(tookMs < 5000, `exit took ${tookMs} ms`);
    assert.ok(
      server.lines.some((l) => l.msg === 'shutting down' && l['signal'] === signal),
      'logs the signal it stops for',
    );
    assert.ok(server.lines.some((l) => l.msg === 'stopped'));
    assert.equal(server.stderr(), '');

    assert.equal(await canBindUdp(dnsPort), true, 'DNS UDP port released');
    assert.equal(await canBindTcp(dnsPort), true, 'DNS TCP port released');
    assert.equal(await canBindTcp(httpPort), true, 'HTTP port released');
  });
}

// Over UDP this guards the listener's close: replies handed to the socket during the drain still go out.
for (const transport of ['tcp', 'udp'] as const) {
  test(
    `SIGTERM while a forward over ${transport} waits on a slow upstream: the client still gets the answer, then exit 0`,
    async (t) => {
      const upstream = await startFakeUpstream({ defaultBehaviour: { kind: 'delay', ms: 400, then: { kind: 'answer', ttl: 77 } } });
      t.after(() => upstream.close());
      const server = await started(t, { Resolvers: [upstream.address], ExternalOn: true, Timeout: 5 });

      const pending = query({ qname: 'slow.example.org', qtype: A }, { port: server.dnsPort, transport, timeoutMs: 3000 });
      // Signal only once the upstream holds the query, so the forward is really in flight.
      const deadline = Date.now() + 5000;
      while (upstream.received.length === 0) {
        assert.ok(Date.now() < deadline, 'the forward reached the upstream');
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      server.signal('SIGTERM');
      const [reply, status] = await Promise.allSettled([pending, server.waitForExit(12_000)]);
      assert.deepEqual(status, { status: 'fulfilled', value: { code: 0, signal: null } });
      assert.equal(reply.status, 'fulfilled', `the answer arrived: ${reply.status === 'rejected' ? String(reply.reason) : ''}`);
      assert.equal(reply.value.rcode, 'NOERROR');
      assert.equal(reply.value.packet.answers.length, 1);
      assert.equal(reply.value.packet.answers[0]?.ttl, 77);
    },
  );
}

test('a second SIGTERM during the drain does not change the outcome', async (t) => {
  const server = await started(t);
  server.signal('SIGTERM');
  server.signal('SIGTERM');
  assert.deepEqual(await server.waitForExit(12_000), { code: 0, signal: null });
  assert.equal(server.lines.filter((l) => l.msg === 'shutting down').length, 1);
});
