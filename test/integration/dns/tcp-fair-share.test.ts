// Each client address gets a bounded share of the DNS/TCP connections: a client that fills the listener
// with busy connections (queries waiting on a slow upstream) cannot keep another client's query from
// being answered. Several clients on the loopback: Linux routes all of 127/8 to lo.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Config } from '../../../src/config/types.js';
import { createFakeForwarder, createFixtureStore, dnsTestConfig } from '../../cases/dns-fixture.js';
import { buildQuery, decodeReply } from '../../helpers/dns-codec.js';
import { HalfOpenClient, sleep } from '../../helpers/half-open-client.js';
import { metricValue } from '../../helpers/metric-value.js';
import { startDnsServer } from './harness.js';
import { waitUntil } from '../../helpers/wait-for.js';

const ATTACKER = '127.0.0.2';
const VICTIM = '127.0.0.3';

function gate(): { wait: () => Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { wait: () => promise, open };
}

/** A server whose forwards wait until the test opens the gate; closes are counted by reason. */
async function start(t: { after: (fn: () => unknown) => void }, config: Partial<Config>) {
  const g = gate();
  const forwarder = createFakeForwarder(g.wait);
  const started = await startDnsServer({ store: createFixtureStore(), forwarder, config: dnsTestConfig(config) });
  t.after(async () => {
    g.open();
    await started.server.close();
  });
  return { ...started, forwarder };
}

/** Opens connections from `source`, each with a query waiting on the upstream; returns those still open. */
async function fillWithBusy(port: number, source: string, count: number, forwarder: { requests: unknown[] }, t: { after: (fn: () => unknown) => void }) {
  const clients: HalfOpenClient[] = [];
  for (let i = 0; i < count; i++) {
    const client = await HalfOpenClient.open({ port, localAddress: source });
    t.after(() => client.destroy());
    clients.push(client);
    const before = forwarder.requests.length;
    await client.sendFrame(buildQuery({ qname: `slow${i}.example.com.`, qtype: 'A', id: 100 + i }));
    // Busy once the forwarder holds its query, or refused (closed) by the server.
    await waitUntil(() => forwarder.requests.length !== before || client.serverGone, 2000, 5);
  }
  await sleep(50);
  return clients.filter((c) => !c.serverGone);
}

async function victimAnswered(port: number): Promise<string> {
  const client = await HalfOpenClient.open({ port, localAddress: VICTIM });
  try {
    await client.sendFrame(buildQuery({ qname: 'nginx.marathon.mesos.', qtype: 'A', id: 0x7777 }));
    const reply = await client.nextReply(2000);
    return reply ? decodeReply(reply).rcode : client.serverGone ? 'connection closed' : 'no reply';
  } finally {
    client.destroy();
  }
}

describe('fair share of DNS/TCP connections', () => {
  test('a client at its share (2 of 4) is refused further connections; another client is answered', async (t) => {
    const { port, metrics, forwarder } = await start(t, { maxTcpConnections: 4, maxTcpConnectionsPerClient: 2 });
    const held = await fillWithBusy(port, ATTACKER, 4, forwarder, t);
    t.diagnostic(`the attacker holds ${held.length} of 4 connections`);
    assert.equal(held.length, 2);
    assert.equal(metricValue(metrics, 'mesos_dns_tcp_connections_closed_total', 'reason="client_limit"'), 2);
    assert.equal(await victimAnswered(port), 'NOERROR');
    assert.equal(metricValue(metrics, 'mesos_dns_tcp_connections_closed_total', 'reason="limit"'), 0, 'nobody was evicted');
  });

  test('a client holding every slot with busy connections loses its longest-busy one to a newcomer', async (t) => {
    // The per-client share (64 by default) is above the cap here, so the attacker can take every slot.
    const { port, metrics, forwarder } = await start(t, { maxTcpConnections: 4 });
    const held = await fillWithBusy(port, ATTACKER, 4, forwarder, t);
    assert.equal(held.length, 4);
    const answer = await victimAnswered(port);
    t.diagnostic(`with the attacker on all 4 slots, busy, the other client's query got: ${answer}`);
    assert.equal(answer, 'NOERROR');
    // The connection that went is the attacker's oldest.
    assert.deepEqual(held.map((c) => c.serverGone), [true, false, false, false]);
    assert.equal(metricValue(metrics, 'mesos_dns_tcp_connections_closed_total', 'reason="limit"'), 1);
  });

  test("a client at its share with idle connections recycles its own, never another client's", async (t) => {
    const { port, metrics } = await start(t, { maxTcpConnections: 3, maxTcpConnectionsPerClient: 2 });
    const other = await HalfOpenClient.open({ port, localAddress: VICTIM });
    t.after(() => other.destroy());
    const own: HalfOpenClient[] = [];
    for (let i = 0; i < 5; i++) {
      const c = await HalfOpenClient.open({ port, localAddress: ATTACKER });
      t.after(() => c.destroy());
      own.push(c);
      await sleep(20);
    }
    await sleep(100);
    assert.deepEqual(own.map((c) => c.serverGone), [true, true, true, false, false]);
    assert.equal(other.serverGone, false);
    await other.sendFrame(buildQuery({ qname: 'nginx.marathon.mesos.', qtype: 'A', id: 9 }));
    const reply = await other.nextReply(2000);
    assert.equal(reply && decodeReply(reply).id, 9);
    assert.equal(metricValue(metrics, 'mesos_dns_tcp_connections_closed_total', 'reason="client_limit"'), 3);
  });
});
