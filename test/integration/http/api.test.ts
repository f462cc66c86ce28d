// The HTTP API over real HTTP on 127.0.0.1: statuses, headers and exact JSON for every endpoint and
// error case of behaviour §6, plus /health and /metrics.
import assert from 'node:assert/strict';
import { Agent } from 'node:http';
import { describe, it } from 'node:test';
import { FIXED_NOW } from '../../helpers/embedded-table.js';
import { fakeSource, httpRequest, rawExchange, startHttp } from './harness.js';

describe('HTTP API over HTTP', () => {
  it('GET /v1/version: exact body, application/json without charset, Content-Length', async (t) => {
    const { port } = await startHttp(t);
    const reply = await httpRequest(port, '/v1/version');
    assert.equal(reply.status, 200);
    assert.equal(reply.headers['content-type'], 'application/json');
    assert.equal(reply.headers['content-length'], String(Buffer.byteLength(reply.body)));
    assert.equal(
      reply.body,
      '{\n  "Service": "Mesos-DNS",\n  "URL": "https://github.com/mesosphere/mesos-dns",\n  "Version": "0.1.0-test"\n }',
    );
  });

  it('quirk #23: /v1/config redacts the secret', async (t) => {
    const { port } = await startHttp(t, { config: { mesosCredentials: { principal: 'dns', secret: 's3cr3t-value' } } });
    const reply = await httpRequest(port, '/v1/config');
    assert.equal(reply.status, 200);
    assert.ok(!reply.body.includes('s3cr3t-value'));
    const doc = JSON.parse(reply.body) as Record<string, unknown>;
    assert.deepEqual(doc['MesosCredentials'], { Principal: 'dns', Secret: '[redacted]' });
    assert.equal(doc['SOASerial'], FIXED_NOW / 1000);
  });

  it('GET /v1/hosts/{host}: A then AAAA records of the normalised name', async (t) => {
    const { port } = await startHttp(t);
    const reply = await httpRequest(port, '/v1/hosts/Toy-Store.*.ipv6-framework.MESOS.');
    assert.equal(reply.status, 200);
    assert.equal(reply.headers['content-type'], 'application/json');
    assert.deepEqual(JSON.parse(reply.body), [
      { host: 'toy-store.ipv6-framework.mesos.', ip: '192.0.2.11' },
      { host: 'toy-store.ipv6-framework.mesos.', ip: '192.0.2.10' },
      { host: 'toy-store.ipv6-framework.mesos.', ip: '2001:db8:b::1:8000:2' },
    ]);
  });

  it('quirk #29: /v1/hosts and /v1/services return 200 with one all-empty object when nothing matches', async (t) => {
    const { port } = await startHttp(t);
    const hosts = await httpRequest(port, '/v1/hosts/missing.marathon.mesos');
    assert.equal(hosts.status, 200);
    assert.equal(hosts.body, '[\n  {\n   "host": "",\n   "ip": ""\n  }\n ]');
    const services = await httpRequest(port, '/v1/services/_missing._tcp.marathon.mesos');
    assert.equal(services.status, 200);
    assert.equal(services.body, '[\n  {\n   "service": "",\n   "host": "",\n   "ip": "",\n   "port": ""\n  }\n ]');
  });

  it('GET /v1/services/{service}: one row per SRV target address, the service echoed as sent', async (t) => {
    const { port } = await startHttp(t);
    const reply = await httpRequest(port, '/v1/services/_Leader._TCP.mesos');
    assert.equal(reply.status, 200);
    assert.deepEqual(JSON.parse(reply.body), [{ service: '_Leader._TCP.mesos', host: 'leader.mesos.', ip: '127.0.0.1', port: '5050' }]);
  });

  it('GET /v1/hosts/{host}/ports: 501 To be implemented...', async (t) => {
    const { port } = await startHttp(t);
    const reply = await httpRequest(port, '/v1/hosts/leader.mesos/ports');
    assert.equal(reply.status, 501);
    assert.equal(reply.headers['content-type'], 'text/plain; charset=utf-8');
    assert.equal(reply.body, 'To be implemented...');
  });

  it('quirk #30: /v1/enumerate shows "frameworks": null for a cluster without frameworks', async (t) => {
    const { tableFromState } = await import('../../helpers/embedded-table.js');
    const empty = tableFromState({ leader: 'master@127.0.0.1:5050', frameworks: [], slaves: [] });
    const { port } = await startHttp(t, { table: empty });
    const reply = await httpRequest(port, '/v1/enumerate');
    assert.equal(reply.status, 200);
    assert.equal(reply.body, '{\n  "frameworks": null\n }');
  });

  it('GET /v1/enumerate and /v1/axfr stream JSON (chunked) for the embedded cluster', async (t) => {
    const { port } = await startHttp(t, { chunkSize: 512 });
    for (const path of ['/v1/enumerate', '/v1/axfr']) {
      const reply = await httpRequest(port, path);
      assert.equal(reply.status, 200, path);
      assert.equal(reply.headers['content-type'], 'application/json');
      assert.equal(reply.headers['transfer-encoding'], 'chunked');
      assert.equal(reply.headers['content-length'], undefined);
      JSON.parse(reply.body);
    }
    const axfr = JSON.parse((await httpRequest(port, '/v1/axfr')).body) as { Serial: number; Domain: string };
    assert.equal(axfr.Serial, FIXED_NOW / 1000);
    assert.equal(axfr.Domain, 'mesos');
  });

  it('EnumerationOn false: /v1/enumerate and /v1/axfr are 404', async (t) => {
    const { port } = await startHttp(t, { config: { enumerationOn: false } });
    assert.equal((await httpRequest(port, '/v1/enumerate')).status, 404);
    assert.equal((await httpRequest(port, '/v1/axfr')).status, 404);
  });

  it('framework behaviours: 404, 405, 406, trailing slash, 301 cleaning, case, query strings, percent-decoding', async (t) => {
    const { port } = await startHttp(t);
    const text = 'text/plain; charset=utf-8';
    const expect = async (
      path: string,
      init: { method?: string; headers?: Record<string, string> },
      status: number,
      body?: string,
    ): Promise<void> => {
      const reply = await httpRequest(port, path, init);
      assert.equal(reply.status, status, `${init.method ?? 'GET'} ${path}`);
      if (body !== undefined) {
        assert.equal(reply.body, body, `${init.method ?? 'GET'} ${path}`);
        assert.equal(reply.headers['content-type'], text);
      }
    };
    await expect('/nope', {}, 404, '404: Page Not Found');
    await expect('/v1/hosts/', {}, 404, '404: Page Not Found');
    await expect('/V1/VERSION', {}, 404, '404: Page Not Found');
    await expect('/v1/version', { method: 'POST' }, 405, '405: Method Not Allowed');
    await expect('/v1/version', { method: 'PUT', headers: { 'content-type': 'application/json' } }, 405, '405: Method Not Allowed');
    await expect('/v1/version', { headers: { accept: 'text/html' } }, 406, '406: Not Acceptable');
    await expect('/v1/version', { headers: { accept: 'application/*' } }, 406, '406: Not Acceptable');
    await expect('/v1/version', { headers: { accept: '*/*' } }, 200);
    await expect('/v1/version/', {}, 200);
    await expect('/v1/version?x=1&y', {}, 200);
    await expect('/v1/hosts/nginx%2Emarathon%2Emesos', {}, 200);

    const head = await httpRequest(port, '/v1/version', { method: 'HEAD' });
    assert.equal(head.status, 405);
    assert.equal(head.body, '');

    const redirect = await httpRequest(port, '//v1/version?a=b');
    assert.equal(redirect.status, 301);
    assert.equal(redirect.headers['location'], '/v1/version?a=b');
    assert.equal(redirect.body, '<a href="/v1/version?a=b">Moved Permanently</a>.\n\n');
  });

  it('Accept: the first of repeated headers decides, as Go\'s Header.Get does', async (t) => {
    const { port } = await startHttp(t);
    const reply = await rawExchange(
      port,
      'GET /v1/version HTTP/1.1\r\nHost: x\r\nAccept: text/html\r\nAccept: application/json\r\nConnection: close\r\n\r\n',
    );
    assert.match(reply, /^HTTP\/1\.1 406 Not Acceptable\r\n/);
  });

  it('a bad percent escape and an asterisk target are 400', async (t) => {
    const { port } = await startHttp(t);
    assert.equal((await httpRequest(port, '/v1/hosts/%zz')).status, 400);
    const star = await rawExchange(port, 'OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n');
    assert.match(star, /^HTTP\/1\.1 400 Bad Request\r\n/);
  });

  it('quirk #19: before the first table, lookups are 503 and /health says why; version still answers', async (t) => {
    const { port, store } = await startHttp(t, { table: null, source: fakeSource({ lastSuccessAt: undefined }) });
    const hosts = await httpRequest(port, '/v1/hosts/leader.mesos');
    assert.equal(hosts.status, 503);
    assert.equal(hosts.headers['retry-after'], '1');
    const health = await httpRequest(port, '/health');
    assert.equal(health.status, 503);
    assert.equal((JSON.parse(health.body) as { reason: string }).reason, 'no table yet');
    assert.equal((await httpRequest(port, '/v1/version')).status, 200);

    const { embeddedTable } = await import('../../helpers/embedded-table.js');
    store.swap(embeddedTable());
    assert.equal((await httpRequest(port, '/v1/hosts/leader.mesos')).status, 200);
    assert.equal((await httpRequest(port, '/health')).status, 200);
  });

  it('/health: ready, stale and no-leader states driven by the source and the clock', async (t) => {
    const source = fakeSource();
    const { port, clock } = await startHttp(t, { source, config: { refreshSeconds: 60, zkDetectionTimeout: 30 } });

    const ok = await httpRequest(port, '/health');
    assert.equal(ok.status, 200);
    assert.equal(ok.headers['content-type'], 'application/json');
    assert.equal(ok.headers['cache-control'], 'no-store');
    assert.deepEqual(JSON.parse(ok.body), {
      status: 'ok',
      serial: FIXED_NOW / 1000,
      generation: 1,
      tableAgeSeconds: 0,
      lastRefreshAgeSeconds: 0,
      leader: '127.0.0.1:5050',
      consecutiveFailures: 0,
    });

    clock.now = FIXED_NOW + 200_000;
    source.current = { ...source.current, lastError: 'fetch failed', consecutiveFailures: 3 };
    const stale = await httpRequest(port, '/health');
    assert.equal(stale.status, 503);
    const staleBody = JSON.parse(stale.body) as Record<string, unknown>;
    assert.equal(staleBody['status'], 'unavailable');
    assert.equal(staleBody['reason'], 'stale: last refresh 200s ago');
    assert.equal(staleBody['tableAgeSeconds'], 200);
    assert.equal(staleBody['lastError'], 'fetch failed');

    source.current = { ...source.current, lastSuccessAt: clock.now, leader: undefined, leaderLostSince: clock.now - 40_000 };
    const noLeader = await httpRequest(port, '/health');
    assert.equal(noLeader.status, 503);
    assert.equal((JSON.parse(noLeader.body) as { reason: string }).reason, 'no leader for 40s');

    const head = await httpRequest(port, '/health', { method: 'HEAD' });
    assert.equal(head.status, 503);
    assert.equal(head.body, '');
  });

  it('/metrics: Prometheus text with table gauges and request counters', async (t) => {
    const { port, clock, store } = await startHttp(t);
    await httpRequest(port, '/v1/version');
    await httpRequest(port, '/v1/version', { method: 'POST' });
    await httpRequest(port, '/v1/hosts/leader.mesos');
    await httpRequest(port, '/v1/hosts/example.org');
    clock.now = FIXED_NOW + 12_500;

    const reply = await httpRequest(port, '/metrics', { headers: { accept: 'application/openmetrics-text; version=1.0.0' } });
    assert.equal(reply.status, 200);
    assert.equal(reply.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8');
    const counts = store.current()?.table.counts;
    assert.ok(counts);
    const lines = reply.body.split('\n');
    const has = (line: string): void => assert.ok(lines.includes(line), `missing ${line}`);
    has(`mesos_dns_records{type="A"} ${counts.a}`);
    has(`mesos_dns_records{type="AAAA"} ${counts.aaaa}`);
    has(`mesos_dns_records{type="SRV"} ${counts.srv}`);
    has(`mesos_dns_record_names ${counts.names}`);
    has('mesos_dns_table_generation 1');
    has(`mesos_dns_table_serial ${FIXED_NOW / 1000}`);
    has('mesos_dns_table_age_seconds 12.5');
    has('mesos_dns_http_requests_total{route="version",status="200"} 1');
    has('mesos_dns_http_requests_total{route="version",status="405"} 1');
    has('mesos_dns_http_lookups_total{route="hosts",result="found"} 1');
    has('mesos_dns_http_lookups_total{route="hosts",result="outside_domain"} 1');
    has('# TYPE mesos_dns_http_request_duration_seconds histogram');
    assert.ok(reply.body.endsWith('\n'));

    const head = await httpRequest(port, '/metrics', { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.body, '');
  });

  it('keep-alive: several requests on one connection', async (t) => {
    const { port } = await startHttp(t);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    t.after(() => agent.destroy());
    const sockets = new Set<unknown>();
    agent.on('free', (socket) => sockets.add(socket));
    for (let i = 0; i < 5; i++) assert.equal((await httpRequest(port, '/v1/version', { agent })).status, 200);
    assert.equal(sockets.size, 1);
  });

  it('setConfig: later requests see the new config', async (t) => {
    const { port, server } = await startHttp(t);
    assert.equal((await httpRequest(port, '/v1/axfr')).status, 200);
    const { embeddedConfig } = await import('../../helpers/embedded-table.js');
    server.setConfig(embeddedConfig({ enumerationOn: false }));
    assert.equal((await httpRequest(port, '/v1/axfr')).status, 404);
  });
});
