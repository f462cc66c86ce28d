// Slow, malformed and greedy clients against the real server: each is cut off with the right status
// within its limit, and a normal request keeps being answered quickly meanwhile. Limits are shrunk
// (hundreds of ms) so the suite stays fast; production defaults are in DEFAULT_HTTP_LIMITS.
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { describe, it } from 'node:test';
import { ErrorCode, MesosDnsError } from '../../../src/errors.js';
import type { HttpLimits } from '../../../src/http/server.js';
import { createHttpServer } from '../../../src/http/server.js';
import { createSilentLogger } from '../../../src/log.js';
import { MetricsRegistry } from '../../../src/metrics.js';
import { embeddedConfig, storeWith } from '../../unit/http/embedded-table.js';
import { elapsedMs, fakeSource, httpRequest, openSocket, rawExchange, readUntilClosed, startHttp } from './harness.js';

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
  const started = performance.now();
  while (!condition()) {
    if (performance.now() - started > 5_000) throw new Error('condition not reached within 5 s');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function metricValue(metrics: MetricsRegistry, line: string): number {
  const found = metrics
    .render()
    .split('\n')
    .find((l) => l.startsWith(`${line} `));
  return found === undefined ? 0 : Number(found.slice(line.length + 1));
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
    const { port, metrics } = await startHttp(t, { limits: LIMITS });
    const idle: Socket[] = [];
    t.after(() => idle.forEach((s) => s.destroy()));
    for (let i = 0; i < 300; i++) idle.push(await openSocket(port));
    const normal = await slowestOf(port, 10);
    t.diagnostic(`300 idle connections open; slowest of 10 normal requests ${normal} ms`);
    assert.ok(normal < 250, `a normal request took ${normal} ms`);
    assert.ok(metricValue(metrics, 'mesos_dns_http_connections') >= 300);
  });

  it('at the connection cap the oldest idle connection makes room for a new one', async (t) => {
    const { port, metrics } = await startHttp(t, { limits: { ...LIMITS, maxConnections: 20 } });
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

  it('at the connection cap with every connection busy, the new connection is refused', async (t) => {
    const { port, metrics } = await startHttp(t, { limits: { ...LIMITS, maxConnections: 2, requestTimeoutMs: 5_000 } });
    // Busy: a request whose chunked body never ends keeps its handler waiting for the body.
    const busy: Socket[] = [];
    t.after(() => busy.forEach((s) => s.destroy()));
    for (let i = 0; i < 2; i++) {
      const socket = await openSocket(port);
      busy.push(socket);
      socket.write('POST /v1/version HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n');
    }
    await until(() => metricValue(metrics, 'mesos_dns_http_requests_in_flight') === 2);
    const refused = await rawExchange(port, 'GET /v1/version HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    assert.equal(refused, '');
    assert.equal(metricValue(metrics, 'mesos_dns_http_connections_closed_total{reason="over_cap"}'), 1);
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
