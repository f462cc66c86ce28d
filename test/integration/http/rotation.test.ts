// Out of rotation over real sockets (docs/dns.md "Out of rotation"): POST /v1/rotation takes an app out of
// DNS answers (dig) and /v1/hosts, all instances out answers all (fail open), DELETE puts it back, an
// entry expires by itself, and changes need the RotationToken (403 without it, with a bad one, or
// when none is configured). fixtures/states/health.json: web on 10.1.0.1 (agent-0) and 10.1.0.2 (agent-1).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT, type SpawnedServer, spawnServer } from '../../helpers/spawn-server.js';
import { DIG, requireTool } from '../../helpers/tools.js';
import { waitUntil } from '../../helpers/wait-for.js';
import { digShort } from '../../helpers/dig.js';

const digMissing = await requireTool(DIG);
const TOKEN = 'r0tation-test-token-7f3a9c';

async function start(rotationToken: string): Promise<SpawnedServer> {
  return spawnServer({
    config: {
      StateFile: join(REPO_ROOT, 'fixtures/states/health.json'),
      IPSources: ['netinfo', 'host'],
      ExternalOn: false, // nothing leaves loopback
      RefreshSeconds: 3600, // only the rotation change can rebuild the table during the test
      RotationToken: rotationToken,
    },
  });
}

async function call(server: SpawnedServer, method: string, path: string, body?: unknown, token?: string): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`http://127.0.0.1:${server.httpPort}${path}`, {
    method,
    headers: { ...(token === undefined ? {} : { Authorization: `Bearer ${token}` }), 'Content-Type': 'application/json' },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    signal: AbortSignal.timeout(5_000),
  });
  return { status: res.status, json: await res.json() };
}

/** Polls dig until the answer equals `want` (bounded); returns the ms it took. */
async function waitForAnswer(port: number, name: string, want: string[], timeoutMs = 10_000): Promise<number> {
  const started = performance.now();
  let last: string[] = [];
  const answered = async (): Promise<boolean> => {
    last = await digShort(port, name, 'A');
    return JSON.stringify(last) === JSON.stringify(want);
  };
  if (await waitUntil(answered, timeoutMs, 50)) return performance.now() - started;
  assert.fail(`${name}: still ${JSON.stringify(last)}, wanted ${JSON.stringify(want)}`);
}

test('rotation: take an agent and an app out, put them back, expiry; DNS and /v1/hosts agree', { skip: digMissing }, async (t) => {
  const server = await start(TOKEN);
  t.after(() => server.kill());
  await server.waitForHealth();
  const port = server.dnsPort;
  assert.deepEqual(await digShort(port, 'web.marathon.mesos', 'A'), ['10.1.0.1', '10.1.0.2']);

  const added = await call(server, 'POST', '/v1/rotation', { kind: 'agent', value: 'agent-1', seconds: 600, reason: 'kernel upgrade' }, TOKEN);
  assert.equal(added.status, 200, JSON.stringify(added.json));
  const outMs = await waitForAnswer(port, 'web.marathon.mesos', ['10.1.0.1']);
  t.diagnostic(`agent out → answer changed after ${outMs.toFixed(0)} ms`);
  const srv = await digShort(port, '_web._tcp.marathon.mesos', 'SRV');
  assert.equal(srv.length, 1, srv.join('\n'));
  const hosts = JSON.parse((await server.get('/v1/hosts/web.marathon.mesos.')).body) as { ip: string }[];
  assert.deepEqual(hosts.map((h) => h.ip), ['10.1.0.1'], 'HTTP answers agree with DNS');

  const listed = await call(server, 'GET', '/v1/rotation');
  assert.equal(listed.status, 200);
  const [entry] = listed.json as { kind: string; value: string; remainingSeconds: number; reason: string }[];
  assert.equal(entry?.kind, 'agent');
  assert.equal(entry?.reason, 'kernel upgrade');
  assert.ok(entry && entry.remainingSeconds > 590 && entry.remainingSeconds <= 600, String(entry?.remainingSeconds));

  // The whole app out as well: every instance is out, so all are answered (fail open).
  assert.equal((await call(server, 'POST', '/v1/rotation', { kind: 'app', value: 'web', seconds: 600 }, TOKEN)).status, 200);
  // agent-1's web, db and api instances, then web.1 (app): the rebuild has happened once the gauge says 4.
  await waitUntil(async () => /^mesos_dns_out_of_rotation_tasks 4$/m.test((await server.get('/metrics')).body), 5000, 50);
  assert.match((await server.get('/metrics')).body, /^mesos_dns_out_of_rotation_tasks 4$/m);
  assert.deepEqual(await digShort(port, 'web.marathon.mesos', 'A'), ['10.1.0.1', '10.1.0.2'], 'every instance out: all answered (fail open)');

  // Back in rotation.
  assert.equal((await call(server, 'DELETE', '/v1/rotation/agent/agent-1', undefined, TOKEN)).status, 200);
  assert.equal((await call(server, 'DELETE', '/v1/rotation/app/web', undefined, TOKEN)).status, 200);
  assert.equal((await call(server, 'POST', '/v1/rotation', { kind: 'task', value: 'db.1a2b3c4d-0000-4000-8000-000000000003', seconds: 600 }, TOKEN)).status, 200);
  await waitForAnswer(port, 'db.marathon.mesos', ['10.1.0.4']);
  assert.deepEqual(await digShort(port, 'web.marathon.mesos', 'A'), ['10.1.0.1', '10.1.0.2']);
  assert.equal((await call(server, 'DELETE', '/v1/rotation/task/db.1a2b3c4d-0000-4000-8000-000000000003', undefined, TOKEN)).status, 200);
  await waitForAnswer(port, 'db.marathon.mesos', ['10.1.0.3', '10.1.0.4']);
  assert.equal((await call(server, 'DELETE', '/v1/rotation/agent/agent-1', undefined, TOKEN)).status, 404);
  assert.deepEqual((await call(server, 'GET', '/v1/rotation')).json, []);

  // Expiry: out for one second, then back without any call.
  assert.equal((await call(server, 'POST', '/v1/rotation', { kind: 'agent', value: 'c0ffee00-0000-4000-8000-000000000000-S0', seconds: 1 }, TOKEN)).status, 200);
  await waitForAnswer(port, 'db.marathon.mesos', ['10.1.0.4']);
  const backMs = await waitForAnswer(port, 'db.marathon.mesos', ['10.1.0.3', '10.1.0.4']);
  t.diagnostic(`a 1 s entry was back in answers ${backMs.toFixed(0)} ms after it was seen out`);

  const logged = await server.waitForLog((line) => line.msg === 'rotation list changed', 5_000);
  assert.equal(logged['kind'], 'agent');
  assert.ok(!server.stdout().includes(TOKEN) && !server.stderr().includes(TOKEN), 'the token is never logged');
  assert.ok(!(await server.get('/v1/config')).body.includes(TOKEN), 'nor shown by /v1/config');
});

test('rotation: changes need the token; bad input is a 400', { skip: digMissing }, async (t) => {
  const server = await start(TOKEN);
  t.after(() => server.kill());
  await server.waitForHealth();
  const body = { kind: 'app', value: 'web', seconds: 60 };
  assert.equal((await call(server, 'POST', '/v1/rotation', body)).status, 403, 'no token');
  assert.equal((await call(server, 'POST', '/v1/rotation', body, `${TOKEN}x`)).status, 403, 'bad token');
  assert.equal((await call(server, 'DELETE', '/v1/rotation/app/web', undefined, 'nope')).status, 403);
  assert.deepEqual((await call(server, 'GET', '/v1/rotation')).json, [], 'nothing was added');
  for (const bad of [{ kind: 'host', value: 'x', seconds: 60 }, { kind: 'app', value: 'x', seconds: 8 * 24 * 3600 }, 'not json']) {
    const res = await call(server, 'POST', '/v1/rotation', bad, TOKEN);
    assert.equal(res.status, 400, JSON.stringify(bad));
    assert.match((res.json as { error: string }).error, /kind|seconds|JSON/);
  }
  assert.deepEqual(await digShort(server.dnsPort, 'web.marathon.mesos', 'A'), ['10.1.0.1', '10.1.0.2']);
});

test('rotation: without a RotationToken, changes are disabled (403) and the list is readable', async (t) => {
  const server = await start('');
  t.after(() => server.kill());
  await server.waitForHealth();
  const res = await call(server, 'POST', '/v1/rotation', { kind: 'app', value: 'web', seconds: 60 }, '');
  assert.equal(res.status, 403);
  assert.match((res.json as { error: string }).error, /disabled/);
  assert.deepEqual((await call(server, 'GET', '/v1/rotation')).json, []);
});
