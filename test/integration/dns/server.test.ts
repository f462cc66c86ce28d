// The DNS server's lifecycle and TCP behaviour over real sockets: listening before the first table,
// table swaps, pipelining, idle timeout, connection cap, close with queries in flight, bind errors,
// dual-stack listening and failure containment.
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import { describe, test } from 'node:test';
import { createDnsServer } from '../../../src/dns/server.js';
import { ErrorCode, MesosDnsError } from '../../../src/errors.js';
import { createSilentLogger } from '../../../src/log.js';
import { MetricsRegistry } from '../../../src/metrics.js';
import type { RecordStore, TableSnapshot } from '../../../src/records/store.js';
import {
  FIXTURE_SERIAL,
  createFakeForwarder,
  createFixtureStore,
  dnsTestConfig,
  loadDnsFixtureTable,
} from '../../cases/dns-fixture.js';
import { buildQuery, decodeReply } from '../../helpers/dns-codec.js';
import { TcpClient, UdpClient, tcpExchange, tcpFrame, udpExchange } from '../../helpers/dns-client.js';
import { startDnsServer } from './harness.js';
import { capturedLogger } from '../../helpers/captured-logger.js';

function gate(): { wait: () => Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { wait: () => promise, open };
}

const q = (qname: string, qtype: string, id = 0x1234) => buildQuery({ qname, qtype, id });

describe('listening before the first table (behaviour §8 #19) and table swaps', () => {
  test('quirk #19: SERVFAIL inside the domain until a table arrives, forwarding works, then swaps apply at once', async (t) => {
    let now = 1_700_000_000_000;
    const store = createFixtureStore({ empty: true, now: () => now });
    const { server, port } = await startDnsServer({ store, forwarder: createFakeForwarder(), config: dnsTestConfig() });
    t.after(() => server.close());

    for (const exchange of [udpExchange, tcpExchange]) {
      const early = decodeReply(await exchange(q('nginx.marathon.mesos.', 'A'), port));
      assert.equal(early.rcode, 'SERVFAIL');
      assert.equal(early.answer.length + early.authority.length, 0, 'never a cacheable negative answer');
      assert.ok(!early.flags.includes('aa'));
      const forwarded = decodeReply(await exchange(q('www.example.com.', 'A'), port));
      assert.equal(forwarded.rcode, 'NOERROR');
      assert.deepEqual(forwarded.answer, ['www.example.com. 60 A 192.0.2.250']);
    }

    store.swap(loadDnsFixtureTable());
    const first = decodeReply(await udpExchange(q('many.marathon.mesos.', 'A'), port));
    assert.equal(first.rcode, 'NOERROR');
    const soa1 = decodeReply(await udpExchange(q('mesos.', 'SOA'), port)).answer[0];
    assert.match(soa1 ?? '', new RegExp(` ${FIXTURE_SERIAL} `));

    // Mid-run swap to another cluster: answers must come from the new table at once.
    now += 5000;
    store.swap(loadDnsFixtureTable('embedded/state.json'));
    for (const exchange of [udpExchange, tcpExchange]) {
      const gone = decodeReply(await exchange(q('many.marathon.mesos.', 'A'), port));
      assert.equal(gone.rcode, 'NXDOMAIN');
      const toy = decodeReply(await exchange(q('toy-store.ipv6-framework.mesos.', 'AAAA'), port));
      assert.deepEqual(toy.answer, ['toy-store.ipv6-framework.mesos. 60 AAAA 2001:db8:b::1:8000:2']);
    }
    const soa2 = decodeReply(await udpExchange(q('mesos.', 'SOA'), port)).answer[0];
    assert.match(soa2 ?? '', new RegExp(` ${FIXTURE_SERIAL + 5} `), 'the serial follows the new table');
  });
});

describe('TCP', () => {
  test('pipelined queries on one connection are all answered', async (t) => {
    const { server, port } = await startDnsServer({ store: createFixtureStore(), forwarder: createFakeForwarder(), config: dnsTestConfig() });
    t.after(() => server.close());
    const client = await TcpClient.open(port);
    t.after(() => client.close());
    const frames = [1, 2, 3].map((id) => tcpFrame(q('nginx.marathon.mesos.', 'A', id)));
    client.writeRaw(Buffer.concat(frames));
    const ids = new Set([decodeReply(await client.next()).id, decodeReply(await client.next()).id, decodeReply(await client.next()).id]);
    assert.deepEqual(ids, new Set([1, 2, 3]));
  });

  test('replies follow completion: an in-domain answer overtakes a slow forward', async (t) => {
    const g = gate();
    const { server, port } = await startDnsServer({ store: createFixtureStore(), forwarder: createFakeForwarder(g.wait), config: dnsTestConfig() });
    t.after(() => server.close());
    const client = await TcpClient.open(port);
    t.after(() => client.close());
    client.send(q('slow.example.com.', 'A', 1));
    client.send(q('nginx.marathon.mesos.', 'A', 2));
    assert.equal(decodeReply(await client.next()).id, 2);
    g.open();
    assert.equal(decodeReply(await client.next()).id, 1);
  });

  test('idle connections are closed (nothing sent, or a frame left unfinished), busy ones are not', async (t) => {
    const g = gate();
    const { server, port, metrics } = await startDnsServer({
      store: createFixtureStore(),
      forwarder: createFakeForwarder(g.wait),
      config: dnsTestConfig({ tcpIdleTimeoutSeconds: 0.2 }),
    });
    t.after(() => server.close());
    const busy = await TcpClient.open(port);
    t.after(() => busy.close());
    busy.send(q('slow.example.com.', 'A', 9));
    const silent = await TcpClient.open(port);
    const halfway = await TcpClient.open(port);
    halfway.writeRaw(Buffer.from([0, 40, 0x12, 0x34]));
    await silent.waitClosed();
    await halfway.waitClosed();
    // The idle ones are gone while the busy one still waits for its forward.
    assert.equal(busy.isClosed, false);
    g.open();
    assert.equal(decodeReply(await busy.next()).id, 9);
    assert.match(metrics.render(), /mesos_dns_tcp_connections_closed_total\{reason="idle"\} 2/);
  });

  test('past maxTcpConnections the oldest idle connection is closed', async (t) => {
    const { server, port, metrics } = await startDnsServer({
      store: createFixtureStore(),
      forwarder: createFakeForwarder(),
      config: dnsTestConfig({ maxTcpConnections: 2 }),
    });
    t.after(() => server.close());
    const a = await TcpClient.open(port);
    const b = await TcpClient.open(port);
    t.after(() => b.close());
    // b is used after a connected, so a is the least recently active idle connection.
    assert.equal(decodeReply(await b.exchange(q('nginx.marathon.mesos.', 'A', 2))).id, 2);
    const c = await TcpClient.open(port);
    t.after(() => c.close());
    await a.waitClosed();
    assert.equal(decodeReply(await c.exchange(q('nginx.marathon.mesos.', 'A', 3))).id, 3);
    assert.equal(decodeReply(await b.exchange(q('nginx.marathon.mesos.', 'A', 4))).id, 4);
    assert.match(metrics.render(), /mesos_dns_tcp_connections_closed_total\{reason="limit"\} 1/);
    assert.match(metrics.render(), /mesos_dns_tcp_connections 2/);
  });

  test('when every connection is busy, a new one is refused instead', async (t) => {
    const g = gate();
    const { server, port } = await startDnsServer({
      store: createFixtureStore(),
      forwarder: createFakeForwarder(g.wait),
      config: dnsTestConfig({ maxTcpConnections: 1 }),
    });
    t.after(() => server.close());
    const busy = await TcpClient.open(port);
    t.after(() => busy.close());
    busy.send(q('slow.example.com.', 'A', 5));
    // Wait until the server has the query in flight: an in-domain query on the same connection is answered.
    assert.equal(decodeReply(await busy.exchange(q('nginx.marathon.mesos.', 'A', 6))).id, 6);
    const refused = await TcpClient.open(port);
    await refused.waitClosed();
    g.open();
    assert.equal(decodeReply(await busy.next()).id, 5);
  });

  test('a client that half-closes after its query still gets the answer', async (t) => {
    const g = gate();
    const { server, port } = await startDnsServer({ store: createFixtureStore(), forwarder: createFakeForwarder(g.wait), config: dnsTestConfig() });
    t.after(() => server.close());
    const client = await TcpClient.open(port);
    client.send(q('slow.example.com.', 'A', 8));
    client.socket.end();
    g.open();
    assert.equal(decodeReply(await client.next()).id, 8);
    await client.waitClosed();
  });
});

describe('close()', () => {
  test('waits for forwards in flight, answers them, then stops listening; idempotent', async () => {
    const g = gate();
    const forwarder = createFakeForwarder(g.wait);
    const { server, port } = await startDnsServer({ store: createFixtureStore(), forwarder, config: dnsTestConfig() });
    const client = await UdpClient.open();
    client.send(port, q('slow.example.com.', 'A', 21));
    // The forward is in flight once the forwarder saw it; an in-domain reply proves the datagram was read.
    assert.equal(decodeReply(await client.exchange(port, q('nginx.marathon.mesos.', 'A', 22))).id, 22);
    assert.equal(forwarder.requests.length, 1);
    let closed = false;
    const closing = server.close().then(() => {
      closed = true;
    });
    assert.equal(server.close(), server.close(), 'the same promise every time');
    assert.equal(closed, false);
    g.open();
    assert.equal(decodeReply(await client.next()).id, 21);
    await closing;
    await client.close();
    await assert.rejects(TcpClient.open(port), /ECONNREFUSED/);
  });
});

describe('listen()', () => {
  const make = (config = dnsTestConfig()) =>
    createDnsServer({
      logger: createSilentLogger(),
      metrics: new MetricsRegistry(),
      store: createFixtureStore(),
      forwarder: createFakeForwarder(),
      config,
    });

  test('a UDP port in use rejects with a LISTEN error naming protocol, address and port', async (t) => {
    const blocker = createSocket('udp4');
    await new Promise<void>((resolve) => blocker.bind(0, '127.0.0.1', resolve));
    t.after(() => blocker.close());
    const port = blocker.address().port;
    const server = make(dnsTestConfig({ port }));
    const err = await server.listen().then(
      () => assert.fail('listen should fail'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof MesosDnsError);
    assert.equal(err.code, ErrorCode.LISTEN);
    assert.match(err.message, new RegExp(`udp 127\\.0\\.0\\.1:${port}: EADDRINUSE`));
    await server.close();
  });

  test('a TCP port in use rejects with a LISTEN error naming tcp', async (t) => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    t.after(() => blocker.close());
    const port = (blocker.address() as { port: number }).port;
    const server = make(dnsTestConfig({ port }));
    await assert.rejects(server.listen(), (e: unknown) => e instanceof MesosDnsError && e.code === ErrorCode.LISTEN && new RegExp(`tcp 127\\.0\\.0\\.1:${port}: EADDRINUSE`).test(e.message));
    await server.close();
  });

  test('listener 0.0.0.0 listens dual-stack: IPv4 and IPv6 clients, UDP and TCP', async (t) => {
    const server = make(dnsTestConfig({ listener: '0.0.0.0' }));
    const addresses = await server.listen();
    t.after(() => server.close());
    const port = addresses.udp[0]?.port as number;
    assert.equal(addresses.tcp[0]?.port, port);
    assert.equal(decodeReply(await udpExchange(q('nginx.marathon.mesos.', 'A'), port)).rcode, 'NOERROR');
    assert.equal(decodeReply(await tcpExchange(q('nginx.marathon.mesos.', 'A'), port)).rcode, 'NOERROR');
    if (addresses.udp[0]?.family !== 'IPv6') return; // IPv6 unavailable here: the IPv4 fallback was used
    assert.equal(decodeReply(await udpExchange(q('nginx.marathon.mesos.', 'A'), { port, host: '::1' })).rcode, 'NOERROR');
    const tcp6 = await tcpExchange(q('nginx.marathon.mesos.', 'A'), { port, host: '::1' });
    assert.equal(decodeReply(tcp6).rcode, 'NOERROR');
  });
});

describe('failure containment', () => {
  test('a failure while answering becomes SERVFAIL and is counted; the next query works', async (t) => {
    const real = createFixtureStore();
    let broken = true;
    const snapshot = real.current() as TableSnapshot;
    const failing: TableSnapshot = {
      ...snapshot,
      table: {
        ...snapshot.table,
        // Both answer paths fail: the direct one reads the table's answer index, the general one looks up.
        get answers(): never {
          throw new Error('injected table failure');
        },
        lookup: () => {
          throw new Error('injected lookup failure');
        },
      },
    };
    const store: RecordStore = { ...real, current: () => (broken ? failing : snapshot) };
    const { server, port, metrics } = await startDnsServer({ store, forwarder: createFakeForwarder(), config: dnsTestConfig() });
    t.after(() => server.close());
    const bad = decodeReply(await udpExchange(q('nginx.marathon.mesos.', 'A', 31), port));
    assert.equal(bad.id, 31);
    assert.equal(bad.rcode, 'SERVFAIL');
    assert.equal(bad.question, 'nginx.marathon.mesos. A IN');
    assert.match(metrics.render(), /mesos_dns_query_errors_total 1/);
    broken = false;
    assert.equal(decodeReply(await udpExchange(q('nginx.marathon.mesos.', 'A', 32), port)).rcode, 'NOERROR');
  });

  test('quirk #12: an unencodable name is logged once per table, with the names in a field', async (t) => {
    const { lines, logger } = capturedLogger();
    const server = createDnsServer({
      logger,
      metrics: new MetricsRegistry(),
      store: createFixtureStore(),
      forwarder: createFakeForwarder(),
      config: dnsTestConfig(),
    });
    const port = (await server.listen()).udp[0]?.port as number;
    t.after(() => server.close());
    // With an EDNS option every query takes the general path and meets the name again.
    const srv = buildQuery({ qname: `_${'a'.repeat(60)}._tcp.marathon.mesos.`, qtype: 'SRV', edns: { options: [0, 10, 0, 0] } });
    for (let i = 0; i < 3; i++) assert.equal(decodeReply(await udpExchange(srv, port)).rcode, 'SERVFAIL');
    const warnings = lines.filter((l) => l.msg === 'records left out of a reply: names cannot be encoded');
    assert.equal(warnings.length, 1);
    assert.deepEqual(warnings[0]?.names, [`${'a'.repeat(60)}-foybs-s1.marathon.slave.mesos.`]);
    assert.equal(warnings[0]?.component, 'dns');
  });

  test('queries are counted by type and rcode, and by answer path', async (t) => {
    const { server, port, metrics } = await startDnsServer({ store: createFixtureStore(), forwarder: createFakeForwarder(), config: dnsTestConfig() });
    t.after(() => server.close());
    for (let i = 0; i < 3; i++) await udpExchange(q('nginx.marathon.mesos.', 'A'), port);
    await udpExchange(q('nope.mesos.', 'AAAA'), port);
    await udpExchange(q('nginx.*.marathon.mesos.', 'A'), port); // `.*` takes the general path
    await udpExchange(q('www.example.com.', 'A'), port);
    const text = metrics.render();
    assert.match(text, /mesos_dns_queries_total\{qtype="A",rcode="NOERROR"\} 5/);
    assert.match(text, /mesos_dns_queries_total\{qtype="AAAA",rcode="NXDOMAIN"\} 1/);
    assert.match(text, /mesos_dns_direct_answers_total 4/);
    assert.match(text, /mesos_dns_general_answers_total 1/);
    assert.match(text, /mesos_dns_mesos_requests_total 5/);
    assert.match(text, /mesos_dns_mesos_success_total 4/);
    assert.match(text, /mesos_dns_mesos_nxdomain_total 1/);
    assert.match(text, /mesos_dns_non_mesos_requests_total 1/);
  });
});
