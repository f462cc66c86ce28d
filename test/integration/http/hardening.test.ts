// Slow, malformed and greedy clients against the real server: each is cut off with the right status
// within its limit, and a normal request keeps being answered quickly meanwhile. Limits are shrunk
// (hundreds of ms) so the suite stays fast; production defaults are in DEFAULT_HTTP_LIMITS.
import assert from 'node:assert/strict';
import { Agent } from 'node:http';
import type { Socket } from 'node:net';
import { describe, it, type TestContext } from 'node:test';
import { ErrorCode, MesosDnsError } from '../../../src/errors.js';
import type { HttpLimits } from '../../../src/http/server.js';
import { createHttpServer } from '../../../src/http/server.js';
import { createSilentLogger } from '../../../src/log.js';
import { MetricsRegistry } from '../../../src/metrics.js';
import { embeddedConfig, storeWith } from '../../helpers/embedded-table.js';
import { elapsedMs, fakeSource, httpRequest, openSocket, rawExchange, readUntilClosed, startHttp } from './harness.js';
import { waitFor } from '../../helpers/wait-for.js';

const LIMITS: Partial<HttpLimits> = {
  headersTimeoutMs: 400,
  requestTimeoutMs: 800,
  keepAliveTimeoutMs: 60_000,
  connectionsCheckingIntervalMs: 50,
  closeGraceMs: 300,
};

/** Times `count` sequential normal requests; returns the slowest, in ms. */
async function slowestOf(port: number, count: number): Promise<number> {
  let max = 0;
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    const reply = await httpRequest(port, '/v1/hosts/leader.mesos');
    assert.equal(reply.status, 200);
    max = Math.max(max, performance.now() - started);
  }
  return Math.round(max * 10) / 10;
}

/** Writes `text` one byte at a time every `everyMs` until the socket closes; never finishes. */
function dribble(socket: Socket, text: string, everyMs: number): void {
  let i = 0;
  const timer = setInterval(() => {
    if (socket.destroyed || !socket.writable) {
      clearInterval(timer);
      return;
    }
    socket.write(text[i % text.length] as string);
    i++;
  }, everyMs);
  socket.on('close', () => clearInterval(timer));
}

/** Waits (polling every few ms, at most 5 s) until `condition` holds. */
async function until(condition: () => boolean): Promise<void> {
  await waitFor('the condition (5 s)', () => condition() || undefined, 5_000, 5);
}

/** The request head of a POST whose chunked body follows, a chunk at a time. */
const CHUNKED_POST = 'POST /v1/version HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n';

interface BusyConnection {
  readonly socket: Socket;
  /** Resolves with what the server sent once it closes the connection. */
  readonly closed: Promise<string>;
}

/**
 * A connection from `localAddress` kept busy by a slow chunked body: a one-byte chunk every 100 ms,
 * never the last chunk, so its handler waits for the body until the server cuts it.
 */
async function openBusy(port: number, localAddress: string): Promise<BusyConnection> {
  const socket = await openSocket(port, localAddress);
  const closed = readUntilClosed(socket);
  socket.write(CHUNKED_POST);
  const timer = setInterval(() => {
    if (socket.writable) socket.write('1\r\na\r\n');
  }, 100);
  socket.on('close', () => clearInterval(timer));
  return { socket, closed };
}

/** Opens `count` busy connections from `localAddress`, one after the other. */
async function openBusyMany(port: number, localAddress: string, count: number): Promise<BusyConnection[]> {
  const opened: BusyConnection[] = [];
  for (let i = 0; i < count; i++) opened.push(await openBusy(port, localAddress));
  return opened;
}

/** Whether the connection is closed within `waitMs`. */
function closesWithin(connection: { closed: Promise<string> }, waitMs: number): Promise<boolean> {
  return Promise.race([connection.closed.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), waitMs))]);
}

/** Asserts that the server closed exactly the connections `shouldClose` picks (each given up to 2 s). */
async function assertClosedExactly<C extends { closed: Promise<string> }>(connections: C[], shouldClose: (c: C, i: number) => boolean): Promise<void> {
  const expected = connections.map(shouldClose);
  const closed = await Promise.all(connections.map((c, i) => closesWithin(c, expected[i] ? 2_000 : 100)));
  assert.deepEqual(closed, expected);
}

/** A GET of /health from `localAddress`: its status and time, or the error if the connection was refused. */
async function healthFrom(port: number, localAddress: string): Promise<{ status: number | string; ms: number }> {
  const started = performance.now();
  try {
    const reply = await httpRequest(port, '/health', { localAddress });
    return { status: reply.status, ms: elapsedMs(started) };
  } catch (err) {
    return { status: (err as NodeJS.ErrnoException).code ?? String(err), ms: elapsedMs(started) };
  }
}

function metricValue(metrics: MetricsRegistry, line: string): number {
  const found = metrics
    .render()
    .split('\n')
    .find((l) => l.startsWith(`${line} `));
  return found === undefined ? 0 : Number(found.slice(line.length + 1));
}

/**
 * A server at its cap of 20 connections, all of them one client's (127.0.0.2) with a request in
 * flight. Long request timeouts: only the connection cap may cut the greedy connections.
 */
async function fullOfBusy(t: TestContext): Promise<Awaited<ReturnType<typeof startHttp>> & { greedy: Awaited<ReturnType<typeof openBusyMany>> }> {
  const started = await startHttp(t, {
    limits: { ...LIMITS, headersTimeoutMs: 60_000, requestTimeoutMs: 60_000 },
    config: { maxHttpConnections: 20, maxHttpConnectionsPerClient: 20 },
  });
  const greedy = await openBusyMany(started.port, '127.0.0.2', 20);
  t.after(() => greedy.forEach((c) => c.socket.destroy()));
  await until(() => metricValue(started.metrics, 'mesos_dns_http_requests_in_flight') === 20);
  return { ...started, greedy };
}

describe('HTTP hardening', () => {
  it('a client sending its headers byte by byte is cut off with 408 after headersTimeout', async (t) => {
    const { port, metrics } = await startHttp(t, { limits: LIMITS });
    const socket = await openSocket(port);
    const closed = readUntilClosed(socket);
    const started = performance.now();
    dribble(socket, 'GET /v1/version HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', 10);
    const normal = await slowestOf(port, 20);
    const reply = await closed;
    const cutAfter = elapsedMs(started);
    t.diagnostic(`slow-headers client cut after ${cutAfter} ms (headersTimeout 400 ms); slowest normal request meanwhile ${normal} ms`);
    assert.match(reply, /^HTTP\/1\.1 408 Request Timeout\r\n/);
    assert.ok(cutAfter < 400 + 1000, `cut only after ${cutAfter} ms`);
    assert.ok(normal < 250, `a normal request took ${normal} ms`);
    assert.equal(metricValue(metrics, 'mesos_dns_http_client_errors_total{code="ERR_HTTP_REQUEST_TIMEOUT"}'), 1);
  });

  it('a client that never finishes its headers is cut off with 408', async (t) => {
    const { port } = await startHttp(t, { limits: LIMITS });
    const started = performance.now();
    const reply = await rawExchange(port, 'GET /v1/version HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    const cutAfter = elapsedMs(started);
    t.diagnostic(`unfinished headers cut after ${cutAfter} ms`);
    assert.match(reply, /^HTTP\/1\.1 408 Request Timeout\r\n/);
    assert.ok(cutAfter >= 350 && cutAfter < 1400, `cut after ${cutAfter} ms`);
  });

  it('headers over maxHeaderSize get 431 and the connection closes', async (t) => {
    const { port, metrics } = await startHttp(t, { limits: LIMITS });
    const started = performance.now();
    const reply = await rawExchange(port, `GET /v1/version HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${'a'.repeat(20 * 1024)}\r\n\r\n`);
    t.diagnostic(`20 KiB header answered in ${elapsedMs(started)} ms`);
    assert.match(reply, /^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/);
    assert.equal(metricValue(metrics, 'mesos_dns_http_client_errors_total{code="HPE_HEADER_OVERFLOW"}'), 1);
    // Headers just under the limit are fine.
    const fits = await httpRequest(port, '/v1/version', { headers: { 'x-big': 'a'.repeat(15 * 1024) } });
    assert.equal(fits.status, 200);
  });

  it('garbage gets 400 and the connection closes', async (t) => {
    const { port } = await startHttp(t, { limits: LIMITS });
    const garbageLines = ['HELLO\r\n\r\n', 'GET /v1/version HTTP/9.9\r\n\r\n', '\u0000\u0001\u0002\u00ff\r\n\r\n', 'GET /v1/ver sion HTTP/1.1\r\n\r\n'];
    for (const garbage of garbageLines) {
      const reply = await rawExchange(port, Buffer.from(garbage, 'latin1'));
      assert.match(reply, /^HTTP\/1\.1 400 Bad Request\r\n/, JSON.stringify(garbage));
    }
    assert.equal((await httpRequest(port, '/v1/version')).status, 200);
  });

  it('many idle connections do not slow a normal request', async (t) => {
    const { port, metrics } = await startHttp(t, { limits: LIMITS, config: { maxHttpConnectionsPerClient: 1024 } });
    const idle: Socket[] = [];
    t.after(() => idle.forEach((s) => s.destroy()));
    for (let i = 0; i < 300; i++) idle.push(await openSocket(port));
    const normal = await slowestOf(port, 10);
    t.diagnostic(`300 idle connections open; slowest of 10 normal requests ${normal} ms`);
    assert.ok(normal < 250, `a normal request took ${normal} ms`);
    assert.ok(metricValue(metrics, 'mesos_dns_http_connections') >= 300);
  });

  it('at the connection cap the oldest idle connection makes room for a new one', async (t) => {
    const { port, metrics } = await startHttp(t, { limits: LIMITS, config: { maxHttpConnections: 20 } });
    const idle: Socket[] = [];
    t.after(() => idle.forEach((s) => s.destroy()));
    for (let i = 0; i < 20; i++) idle.push(await openSocket(port));
    const oldestClosed = readUntilClosed(idle[0] as Socket);
    const started = performance.now();
    assert.equal((await httpRequest(port, '/v1/version')).status, 200);
    t.diagnostic(`request at the cap of 20 idle connections answered in ${elapsedMs(started)} ms`);
    assert.equal(await oldestClosed, '');
    assert.ok(metricValue(metrics, 'mesos_dns_http_connections_closed_total{reason="evicted_idle"}') >= 1);
  });

  it('one client holding every connection with slow chunked bodies: /health from another is still answered', async (t) => {
    const { port, metrics, greedy } = await fullOfBusy(t);
    const health = await healthFrom(port, '127.0.0.3');
    t.diagnostic(`20 of 20 connections busy from 127.0.0.2; /health from 127.0.0.3: ${health.status} in ${health.ms} ms`);
    assert.equal(health.status, 200);
    assert.ok(health.ms < 2_000, `/health took ${health.ms} ms`);
    // The connection busy the longest gave way, and only it.
    await assertClosedExactly(greedy, (_, i) => i === 0);
    assert.equal(metricValue(metrics, 'mesos_dns_http_connections_closed_total{reason="evicted_busy"}'), 1);
  });

  it('a fresh connection is not the first to go when the next newcomer arrives at a full server', async (t) => {
    const { port, metrics, greedy } = await fullOfBusy(t);
    // A health checker connects (taking a busy slot) but has not sent its request yet...
    const checker = await openSocket(port, '127.0.0.3');
    t.after(() => checker.destroy());
    const checkerReply = readUntilClosed(checker);
    // ...when the greedy client opens two more connections.
    greedy.push(...(await openBusyMany(port, '127.0.0.2', 2)));
    await until(() => metricValue(metrics, 'mesos_dns_http_connections_closed_total{reason="evicted_busy"}') === 3);
    checker.end('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
    const reply = await checkerReply;
    t.diagnostic(`health checker's connection, opened before two greedy newcomers: ${reply.slice(0, 15) || 'closed unanswered'}`);
    assert.match(reply, /^HTTP\/1\.1 200 /);
    await assertClosedExactly(greedy, (_, i) => i < 3);
  });

  it('a client reconnecting in a loop at a full server does not starve /health from another', async (t) => {
    const { port, metrics } = await startHttp(t, {
      limits: { ...LIMITS, headersTimeoutMs: 60_000, requestTimeoutMs: 60_000 },
      config: { maxHttpConnections: 20, maxHttpConnectionsPerClient: 20 },
    });
    const greedy: BusyConnection[] = [];
    t.after(() => greedy.forEach((c) => c.socket.destroy()));
    let stop = false;
    // Until the health checks are done, at most 5000 connections or 10 s.
    const flood = (async () => {
      const started = performance.now();
      while (!stop && greedy.length < 5_000 && performance.now() - started < 10_000) greedy.push(await openBusy(port, '127.0.0.2'));
    })();
    await until(() => greedy.length >= 20);
    const openedBefore = greedy.length;
    const checks: { status: number | string; ms: number }[] = [];
    for (let i = 0; i < 10; i++) {
      checks.push(await healthFrom(port, '127.0.0.3'));
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const openedDuring = greedy.length - openedBefore;
    stop = true;
    await flood;
    const answered = checks.filter((c) => c.status === 200).length;
    const slowest = Math.max(...checks.map((c) => c.ms));
    t.diagnostic(`127.0.0.2 opened ${openedDuring} busy connections in a loop during 10 /health from 127.0.0.3: ${answered} answered, slowest ${slowest} ms`);
    assert.ok(openedDuring > 0, 'the flood ran during the health checks');
    assert.equal(answered, 10);
    assert.ok(slowest < 2_000, `a /health took ${slowest} ms`);
    assert.ok(metricValue(metrics, 'mesos_dns_http_connections') <= 20);
  });

  it('a full server of busy connections from several clients evicts the longest-busy one of the largest holder', async (t) => {
    const { port, metrics } = await startHttp(t, {
      limits: { ...LIMITS, headersTimeoutMs: 60_000, requestTimeoutMs: 60_000 },
      config: { maxHttpConnections: 20, maxHttpConnectionsPerClient: 8 },
    });
    // The smallest holder's connections are the oldest; they must survive anyway.
    const small = await openBusyMany(port, '127.0.0.5', 4);
    const large = await openBusyMany(port, '127.0.0.2', 8);
    const alsoLarge = await openBusyMany(port, '127.0.0.4', 8);
    const all = [...small, ...large, ...alsoLarge];
    t.after(() => all.forEach((c) => c.socket.destroy()));
    await until(() => metricValue(metrics, 'mesos_dns_http_requests_in_flight') === 20);
    const health = await healthFrom(port, '127.0.0.3');
    t.diagnostic(`20 of 20 connections busy from 3 clients (4, 8, 8); /health from a fourth: ${health.status} in ${health.ms} ms`);
    assert.equal(health.status, 200);
    assert.ok(health.ms < 2_000, `/health took ${health.ms} ms`);
    await assertClosedExactly(all, (c) => c === large[0]);
    assert.equal(metricValue(metrics, 'mesos_dns_http_connections_closed_total{reason="evicted_busy"}'), 1);
  });

  it('a client over its share churns its own connections and cannot take another client\'s slots', async (t) => {
    const { port, metrics } = await startHttp(t, {
      limits: { ...LIMITS, headersTimeoutMs: 60_000, requestTimeoutMs: 60_000 },
      config: { maxHttpConnections: 20, maxHttpConnectionsPerClient: 5 },
    });
    // The greedy client tries to take the whole cap with busy connections.
    const greedy = await openBusyMany(port, '127.0.0.2', 20);
    t.after(() => greedy.forEach((c) => c.socket.destroy()));
    // Settled: every connection the server still holds has its request in flight.
    await until(() => metricValue(metrics, 'mesos_dns_http_requests_in_flight') === metricValue(metrics, 'mesos_dns_http_connections'));
    const greedyHeld = metricValue(metrics, 'mesos_dns_http_connections');
    // Another client then makes 15 requests over its share of keep-alive connections.
    const agent = new Agent({ keepAlive: true, maxSockets: 5, localAddress: '127.0.0.3' });
    t.after(() => agent.destroy());
    const answers = await Promise.all(
      Array.from({ length: 15 }, () => httpRequest(port, '/v1/version', { agent }).then((r) => r.status, (err: NodeJS.ErrnoException) => err.code)),
    );
    const answered = answers.filter((status) => status === 200).length;
    t.diagnostic(`127.0.0.2 opened 20 busy connections and holds ${greedyHeld}; 127.0.0.3 got ${answered} of 15 answered`);
    assert.equal(greedyHeld, 5);
    // The greedy client's newest five remain: each newcomer evicted its own longest-busy connection.
    await assertClosedExactly(greedy, (_, i) => i < 15);
    assert.equal(answered, 15);
    // Busy, mostly; one whose request had not arrived yet counts as idle.
    const ownEvicted =
      metricValue(metrics, 'mesos_dns_http_connections_closed_total{reason="client_share_evicted_busy"}') +
      metricValue(metrics, 'mesos_dns_http_connections_closed_total{reason="client_share_evicted_idle"}');
    assert.equal(ownEvicted, 15);
    assert.equal(metricValue(metrics, 'mesos_dns_http_connections_closed_total{reason="evicted_busy"}'), 0);
  });

  it('a client at its share loses its own least recently active idle connection, not an older one of another client', async (t) => {
    const { port, metrics } = await startHttp(t, { limits: LIMITS, config: { maxHttpConnections: 20, maxHttpConnectionsPerClient: 3 } });
    const open = async (localAddress: string): Promise<{ socket: Socket; closed: Promise<string> }> => {
      const socket = await openSocket(port, localAddress);
      return { socket, closed: readUntilClosed(socket) };
    };
    // Three connections of another client first, so they are the oldest.
    const other = [await open('127.0.0.3'), await open('127.0.0.3'), await open('127.0.0.3')];
    const own = [await open('127.0.0.2'), await open('127.0.0.2'), await open('127.0.0.2')];
    const all = [...other, ...own];
    t.after(() => all.forEach((c) => c.socket.destroy()));
    // Each of its own connections serves a request, then the first one serves another: the second is
    // now its least recently active.
    for (const c of [...own, own[0]] as { socket: Socket }[]) {
      c.socket.write('GET /v1/version HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
      await new Promise<void>((resolve) => c.socket.once('data', () => resolve()));
    }
    const fourth = await open('127.0.0.2');
    all.push(fourth);
    await until(() => metricValue(metrics, 'mesos_dns_http_connections_closed_total{reason="client_share_evicted_idle"}') === 1);
    await assertClosedExactly(all, (c) => c === own[1]);
  });

  it('a reloaded share applies to the next connection', async (t) => {
    const { port, server, metrics } = await startHttp(t, { limits: LIMITS, config: { maxHttpConnections: 20, maxHttpConnectionsPerClient: 20 } });
    const open: Socket[] = [];
    t.after(() => open.forEach((s) => s.destroy()));
    for (let i = 0; i < 4; i++) open.push(await openSocket(port, '127.0.0.2'));
    server.setConfig(embeddedConfig({ httpListener: '127.0.0.1', httpPort: 0, maxHttpConnections: 20, maxHttpConnectionsPerClient: 2 }));
    const oldest = { closed: readUntilClosed(open[0] as Socket) };
    open.push(await openSocket(port, '127.0.0.2'));
    assert.equal(await closesWithin(oldest, 2_000), true);
    assert.equal(metricValue(metrics, 'mesos_dns_http_connections_closed_total{reason="client_share_evicted_idle"}'), 1);
  });

  it('a chunked body trickled a chunk every 100 ms is cut off with 408 at requestTimeout', async (t) => {
    const { port, metrics } = await startHttp(t, { limits: LIMITS });
    const started = performance.now();
    const trickled = await openBusy(port, '127.0.0.2');
    t.after(() => trickled.socket.destroy());
    const reply = await Promise.race([trickled.closed, new Promise<string>((resolve) => setTimeout(() => resolve('still open after 5 s'), 5_000))]);
    const cutAfter = elapsedMs(started);
    t.diagnostic(`trickled chunked body cut after ${cutAfter} ms (requestTimeout 800 ms, headersTimeout 400 ms)`);
    assert.match(reply, /^HTTP\/1\.1 408 Request Timeout\r\n/);
    assert.ok(cutAfter >= 700 && cutAfter < 800 + 1000, `cut after ${cutAfter} ms`);
    assert.equal(metricValue(metrics, 'mesos_dns_http_client_errors_total{code="ERR_HTTP_REQUEST_TIMEOUT"}'), 1);
  });

  it('a declared body trickled a byte every 100 ms is cut off with 408 at requestTimeout', async (t) => {
    const { port } = await startHttp(t, { limits: LIMITS });
    const socket = await openSocket(port);
    t.after(() => socket.destroy());
    const closed = readUntilClosed(socket);
    const started = performance.now();
    socket.write('POST /v1/version HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000\r\n\r\n');
    dribble(socket, 'x', 100);
    const reply = await Promise.race([closed, new Promise<string>((resolve) => setTimeout(() => resolve('still open after 5 s'), 5_000))]);
    const cutAfter = elapsedMs(started);
    t.diagnostic(`trickled declared body cut after ${cutAfter} ms (requestTimeout 800 ms)`);
    assert.match(reply, /^HTTP\/1\.1 408 Request Timeout\r\n/);
    assert.ok(cutAfter >= 700 && cutAfter < 800 + 1000, `cut after ${cutAfter} ms`);
  });

  it('a declared body over the limit gets 413 without being read, and the connection closes', async (t) => {
    const { port } = await startHttp(t, { limits: { ...LIMITS, maxBodyBytes: 1024 } });
    const reply = await rawExchange(port, 'POST /v1/version HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1048576\r\n\r\nabc');
    assert.match(reply, /^HTTP\/1\.1 413 Payload Too Large\r\n/);
    assert.match(reply, /\r\nConnection: close\r\n/i);
    assert.ok(reply.endsWith('413: Request Entity Too Large'));
  });

  it('a chunked body that grows over the limit gets 413', async (t) => {
    const { port } = await startHttp(t, { limits: { ...LIMITS, maxBodyBytes: 1024 } });
    const chunk = `800\r\n${'x'.repeat(0x800)}\r\n`;
    const reply = await rawExchange(port, `GET /v1/version HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n${chunk}`);
    assert.match(reply, /^HTTP\/1\.1 413 Payload Too Large\r\n/);
  });

  it('a small body is ignored and the connection stays usable', async (t) => {
    const { port } = await startHttp(t, { limits: LIMITS });
    const reply = await rawExchange(
      port,
      'GET /v1/version HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\n\r\nhello' +
        'GET /v1/hosts/leader.mesos HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n',
    );
    const statuses = reply.match(/HTTP\/1\.1 \d{3}/g);
    assert.deepEqual(statuses, ['HTTP/1.1 200', 'HTTP/1.1 200']);
  });

  it('listen() on a taken port rejects with a LISTEN error naming address and port', async (t) => {
    const first = await startHttp(t);
    const second = createHttpServer({
      logger: createSilentLogger(),
      metrics: new MetricsRegistry(),
      store: storeWith(undefined),
      config: embeddedConfig({ httpListener: '127.0.0.1', httpPort: first.port }),
      source: fakeSource(),
      version: 'x',
    });
    t.after(() => second.close());
    await assert.rejects(second.listen(), (err: unknown) => {
      assert.ok(err instanceof MesosDnsError);
      assert.equal(err.code, ErrorCode.LISTEN);
      assert.match(err.message, new RegExp(`127\\.0\\.0\\.1:${first.port}`));
      return true;
    });
  });

  it('close(): idempotent, ends idle keep-alive connections at once, then refuses connections', async (t) => {
    const { port, server } = await startHttp(t, { limits: LIMITS });
    const socket = await openSocket(port);
    const closed = readUntilClosed(socket);
    socket.write('GET /v1/version HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'); // keep-alive (60 s)
    await new Promise<void>((resolve) => socket.once('data', () => resolve()));
    const started = performance.now();
    const first = server.close();
    assert.equal(server.close(), first);
    await first;
    await closed;
    const took = elapsedMs(started);
    t.diagnostic(`close() with an idle keep-alive connection took ${took} ms`);
    assert.ok(took < 250, `close took ${took} ms`);
    await assert.rejects(openSocket(port), /ECONNREFUSED/);
  });

  it('close() cuts a stuck request after the grace period', async (t) => {
    const { port, server, metrics } = await startHttp(t, { limits: { ...LIMITS, requestTimeoutMs: 60_000, headersTimeoutMs: 60_000 } });
    const socket = await openSocket(port);
    const closed = readUntilClosed(socket);
    socket.write('POST /v1/version HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n');
    await until(() => metricValue(metrics, 'mesos_dns_http_requests_in_flight') === 1);
    const started = performance.now();
    await server.close();
    await closed;
    const took = elapsedMs(started);
    t.diagnostic(`close() with a stuck request took ${took} ms (grace 300 ms)`);
    assert.ok(took >= 250 && took < 1500, `close took ${took} ms`);
  });

  it('close() before listen() resolves', async () => {
    const server = createHttpServer({
      logger: createSilentLogger(),
      metrics: new MetricsRegistry(),
      store: storeWith(undefined),
      config: embeddedConfig(),
      source: fakeSource(),
      version: 'x',
    });
    await server.close();
    await server.close();
  });
});
