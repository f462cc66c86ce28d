// DNS/TCP connections the server decided to close: once it sent its FIN (after a zero-length frame, or
// after the client's own FIN), it reads nothing more, and it destroys the connection after a short grace
// even when the client ignores the FIN and keeps writing (an allowHalfOpen client) or never reads the
// answers queued in front of the FIN; the connection cap and the idle timeout apply to such connections
// too.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createTcpListener } from '../../../src/dns/tcp-server.js';
import { createSilentLogger } from '../../../src/log.js';
import { createFakeForwarder, createFixtureStore, dnsTestConfig } from '../../cases/dns-fixture.js';
import { buildQuery, decodeReply } from '../../helpers/dns-codec.js';
import { tcpExchange } from '../../helpers/dns-client.js';
import { HalfOpenClient, sleep, within } from '../../helpers/half-open-client.js';
import { metricValue } from '../../helpers/metric-value.js';
import { startDnsServer } from './harness.js';
import { waitUntil } from '../../helpers/wait-for.js';

const MiB = 1024 * 1024;
const ZERO_LENGTH_FRAME = Buffer.from([0, 0]);
const mib = (bytes: number): string => `${(bytes / MiB).toFixed(1)} MiB`;

describe('a DNS/TCP connection the server is closing', () => {
  test('a zero-length frame: nothing sent after the FIN is read, and the connection is destroyed within the grace', async (t) => {
    const { server, port, metrics } = await startDnsServer({ store: createFixtureStore(), forwarder: createFakeForwarder(), config: dnsTestConfig() });
    t.after(() => server.close());
    const client = await HalfOpenClient.open({ port });
    t.after(() => client.destroy());
    await client.write(ZERO_LENGTH_FRAME);
    await waitUntil(() => client.sawFin || client.closed, 2000, 10);
    assert.ok(client.sawFin, 'the server answers a zero-length frame with its FIN');

    // Ignore the FIN and stream 128 MiB: at most what the kernel buffers may be taken from us.
    const finAt = performance.now();
    const rssBefore = process.memoryUsage().rss;
    let maxBuffered = 0;
    const sampler = setInterval(() => {
      maxBuffered = Math.max(maxBuffered, metricValue(metrics, 'mesos_dns_tcp_buffered_bytes'));
    }, 20);
    await client.stream(128 * MiB, { deadlineMs: 4000 });
    const closed = await client.waitClosed(3000);
    clearInterval(sampler);
    const closedAfterMs = performance.now() - finAt;
    const rssGrowth = process.memoryUsage().rss - rssBefore;
    t.diagnostic(
      `after the server's FIN: ${mib(client.flushed)} taken from the client, closed ${closed} after ${closedAfterMs.toFixed(0)} ms ` +
        `(${client.errorCode ?? 'no error'}), server buffered at most ${mib(maxBuffered)}, RSS grew ${mib(rssGrowth)}`,
    );
    assert.ok(closed, 'the server destroyed the connection although the client never closed it');
    assert.ok(client.flushed < 24 * MiB, `the server kept reading after its FIN: ${mib(client.flushed)} taken`);
    assert.ok(maxBuffered < MiB, `the server buffered ${mib(maxBuffered)}`);
    assert.ok(rssGrowth < 50 * MiB, `RSS grew ${mib(rssGrowth)}`);
    assert.equal(metricValue(metrics, 'mesos_dns_tcp_connections'), 0);
    assert.equal(metricValue(metrics, 'mesos_dns_tcp_connections_closed_total', 'reason="zero_length"'), 1);
  });

  test('cap 3, idle 0.5 s: of ten clients that ignore the FIN and keep writing, at most 3 stay, and none past the grace', async (t) => {
    const { server, port, metrics } = await startDnsServer({
      store: createFixtureStore(),
      forwarder: createFakeForwarder(),
      config: dnsTestConfig({ maxTcpConnections: 3, tcpIdleTimeoutSeconds: 0.5 }),
    });
    t.after(() => server.close());
    let maxOpen = 0;
    const sample = (): void => {
      maxOpen = Math.max(maxOpen, metricValue(metrics, 'mesos_dns_tcp_connections'));
    };
    const sampler = setInterval(sample, 10);
    t.after(() => clearInterval(sampler));
    const clients: HalfOpenClient[] = [];
    const streams: Promise<void>[] = [];
    for (let i = 0; i < 10; i++) {
      const client = await HalfOpenClient.open({ port });
      t.after(() => client.destroy());
      clients.push(client);
      await client.write(ZERO_LENGTH_FRAME);
      // Keep writing slowly (1 KiB every 20 ms) so the connection never looks idle from the client's side.
      streams.push(
        (async () => {
          const deadline = Date.now() + 3000;
          while (!client.closed && Date.now() < deadline) {
            await client.write(Buffer.alloc(1024, 0x42));
            await sleep(20);
          }
        })(),
      );
      sample();
    }
    // Every one of them is gone within the grace (the idle timeout, 0.5 s, is the smaller) plus a margin.
    const all = await within(Promise.all(clients.map((c) => c.closedPromise)), 2500);
    clearInterval(sampler);
    const open = clients.filter((c) => !c.closed).length;
    t.diagnostic(`at most ${maxOpen} connections open at once; ${open} of 10 still open 2.5 s after the last connected`);
    await Promise.all(streams);
    assert.ok(maxOpen <= 3, `${maxOpen} connections open at once with a cap of 3`);
    assert.notEqual(all, undefined, `${open} of 10 connections still open`);
    assert.equal(metricValue(metrics, 'mesos_dns_tcp_connections'), 0);
    // And the listener still answers.
    assert.equal(decodeReply(await tcpExchange(buildQuery({ qname: 'nginx.marathon.mesos.', qtype: 'A' }), port)).rcode, 'NOERROR');
  });

  test('a client that half-closes and never reads its answers is destroyed within the grace', async (t) => {
    // Two batches of 63 queries (one fewer than stops reading), each answered with 64 KiB once released:
    // the first fills the kernel's buffers, the second arrives with the client's FIN and is queued behind
    // them, so our FIN never goes out. Nothing is read by the client.
    const gates = [deferred(), deferred()];
    let answered = 0;
    const reply = Buffer.alloc(65_535, 0x52);
    const listener = createTcpListener({
      logger: createSilentLogger(),
      address: '127.0.0.1',
      port: 0,
      dualStack: false,
      onQuery: () => (gates[answered++ < 63 ? 0 : 1] as Deferred).promise.then(() => reply),
      limits: () => ({ maxConnections: 16, maxConnectionsPerClient: 16, idleTimeoutMs: 2000 }),
    });
    const { port } = await listener.listen();
    t.after(() => listener.close(0));
    const client = await HalfOpenClient.open({ port, read: false });
    t.after(() => client.destroy());
    const batch = Buffer.concat(Array.from({ length: 63 }, () => Buffer.from([0, 12, ...Buffer.alloc(12)])));
    await client.write(batch);
    await sleep(100);
    gates[0]?.resolve();
    await sleep(200);
    await client.write(batch);
    client.socket.end();
    await sleep(100);
    gates[1]?.resolve();
    await sleep(50);
    const queued = listener.bufferedBytes().write;
    await waitUntil(() => listener.connectionCount === 0, 4000);
    t.diagnostic(`${queued} octets (${mib(queued)}) of answers queued behind the FIN; ${listener.connectionCount} connection(s) open 4 s later`);
    assert.ok(queued > 1024 * 1024, 'the kernel took nearly every answer: the test proves nothing');
    assert.equal(listener.connectionCount, 0);
  });
});

interface Deferred {
  readonly promise: Promise<void>;
  resolve(): void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}
