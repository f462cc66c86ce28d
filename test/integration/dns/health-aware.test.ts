// Health-aware answers (HealthAwareOn) on the real process over real sockets: of two instances one
// unhealthy, `dig` gets only the healthy one (A and SRV); both unhealthy, it gets both (fail open),
// which /metrics counts and the reload logs. fixtures/states/health.json holds the cases.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { query } from '../../helpers/dns-client.js';
import { REPO_ROOT, spawnServer } from '../../helpers/spawn-server.js';
import { DIG, requireTool } from '../../helpers/tools.js';
import { digShort } from '../../helpers/dig.js';

const digMissing = await requireTool(DIG);

async function startWith(healthAwareOn: boolean) {
  return spawnServer({
    config: {
      StateFile: join(REPO_ROOT, 'fixtures/states/health.json'),
      IPSources: ['netinfo', 'host'],
      ExternalOn: false, // nothing leaves loopback
      HealthAwareOn: healthAwareOn,
    },
  });
}

test('HealthAwareOn: the unhealthy instance leaves the answers; all unhealthy answers all (fail open)', { skip: digMissing }, async (t) => {
  const server = await startWith(true);
  t.after(() => server.kill());
  await server.waitForHealth();
  const port = server.dnsPort;

  assert.deepEqual(await digShort(port, 'web.marathon.mesos', 'A'), ['10.1.0.1']);
  const srv = await digShort(port, '_web._tcp.marathon.mesos', 'SRV');
  assert.equal(srv.length, 1, srv.join('\n'));
  assert.match(srv[0] as string, / 31000 web-/);
  assert.deepEqual(await digShort(port, 'db.marathon.mesos', 'A'), ['10.1.0.3', '10.1.0.4']);
  assert.deepEqual(await digShort(port, 'cache.marathon.mesos', 'A'), ['10.1.0.5'], 'the unchecked instance stays, the unhealthy one leaves');

  // Our own client too, over TCP: the same table serves both transports.
  const overTcp = await query({ qname: 'web.marathon.mesos.', qtype: 'A' }, { port, transport: 'tcp' });
  assert.deepEqual(overTcp.answer.map((line) => line.split(' ').at(-1)), ['10.1.0.1']);

  const metrics = await server.get('/metrics');
  const gauge = /^mesos_dns_health_fail_open_names (\d+)$/m.exec(metrics.body);
  assert.ok(gauge && Number(gauge[1]) > 0, metrics.body.split('\n').filter((l) => l.includes('health')).join('\n'));
  const logged = await server.waitForLog((line) => typeof line.msg === 'string' && line.msg.includes('fail open'), 5_000);
  assert.equal(logged['names'], Number(gauge[1]));

  const hosts = JSON.parse((await server.get('/v1/hosts/web.marathon.mesos.')).body) as { ip: string }[];
  assert.deepEqual(hosts.map((h) => h.ip), ['10.1.0.1'], 'HTTP answers agree with DNS');
});

test('HealthAwareOn off (the default): both instances answered', { skip: digMissing }, async (t) => {
  const server = await startWith(false);
  t.after(() => server.kill());
  await server.waitForHealth();
  assert.deepEqual(await digShort(server.dnsPort, 'web.marathon.mesos', 'A'), ['10.1.0.1', '10.1.0.2']);
});
