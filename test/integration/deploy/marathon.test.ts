// deploy/marathon.json: the shape Marathon needs for two DNS replicas on port 53 (host network,
// UNIQUE hosts, fixed ports, a health check on the HTTP port of deploy/config.json, rolling
// upgrades that keep one replica serving), and the health-check path answering 200 on a real server.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { test } from 'node:test';
import { loadConfigWithWarnings } from '../../../src/config/load.js';
import { REPO_ROOT, spawnServer } from '../../helpers/spawn-server.js';

interface PortDefinition {
  readonly port: number;
  readonly protocol?: string;
  readonly name?: string;
}
interface HealthCheck {
  readonly protocol: string;
  readonly path?: string;
  readonly portIndex?: number;
  readonly gracePeriodSeconds: number;
  readonly intervalSeconds: number;
  readonly timeoutSeconds: number;
  readonly maxConsecutiveFailures: number;
}
interface MarathonApp {
  readonly id: string;
  readonly instances: number;
  readonly cpus: number;
  readonly mem: number;
  readonly constraints: readonly (readonly string[])[];
  readonly networks: readonly { readonly mode: string }[];
  readonly requirePorts: boolean;
  readonly portDefinitions: readonly PortDefinition[];
  readonly container: {
    readonly type: string;
    readonly docker: { readonly image: string };
    readonly volumes?: readonly { readonly containerPath: string; readonly hostPath: string; readonly mode: string }[];
  };
  readonly env: Readonly<Record<string, string>>;
  readonly healthChecks: readonly HealthCheck[];
  readonly upgradeStrategy: { readonly minimumHealthCapacity: number; readonly maximumOverCapacity: number };
  readonly killSelection: string;
  readonly taskKillGracePeriodSeconds: number;
}

const app = JSON.parse(readFileSync(join(REPO_ROOT, 'deploy', 'marathon.json'), 'utf8')) as MarathonApp;
const exampleConfigPath = join(REPO_ROOT, 'deploy', 'config.json');
const exampleRaw = JSON.parse(readFileSync(exampleConfigPath, 'utf8')) as Record<string, unknown>;


import { STALE_AFTER_INTERVALS } from '../../../src/http/health.js';
/** main.ts's bound on the SIGTERM drain. */
const DRAIN_SECONDS = 10;

async function exampleConfig() {
  // Loaded exactly as the server would, minus this machine's resolv.conf and interfaces.
  return loadConfigWithWarnings(exampleConfigPath, { resolvConfPath: '/nonexistent/resolv.conf', interfaceAddresses: [] });
}

function protocolsOf(def: PortDefinition): string[] {
  return (def.protocol ?? 'tcp').split(',').map((p) => p.trim());
}

test('deploy/config.json is a valid config for the app: port 53, HTTP 8123, every interface', async () => {
  const { config, warnings } = await exampleConfig();
  assert.equal(config.port, 53);
  assert.equal(config.httpPort, 8123);
  assert.equal(config.listener, '0.0.0.0');
  assert.equal(config.dnsOn && config.httpOn, true);
  assert.ok(config.resolvers.length > 0, 'explicit upstream resolvers: the hosts resolv.conf lists the replicas themselves');
  assert.deepEqual(warnings, []);
  assert.ok(Object.keys(exampleRaw).length > 0);
});

test('marathon.json: two replicas on distinct hosts, host network, fixed DNS and HTTP ports', async () => {
  const { config } = await exampleConfig();
  assert.equal(app.instances, 2);
  assert.ok(app.constraints.some((c) => c[0] === 'hostname' && c[1] === 'UNIQUE'), 'UNIQUE hostname constraint');
  assert.deepEqual(app.networks, [{ mode: 'host' }]);
  assert.equal(app.requirePorts, true, 'the ports are the real host ports, not random ones');

  const dns = app.portDefinitions.filter((d) => d.port === config.port);
  const protocols = dns.flatMap(protocolsOf).sort();
  assert.deepEqual(protocols, ['tcp', 'udp'], `port ${config.port} over UDP and TCP`);
  // Mesos port resources have no protocol: asking for 53 twice could never be satisfied by an offer.
  const ports = app.portDefinitions.map((d) => d.port);
  assert.equal(new Set(ports).size, ports.length, 'each port requested once');
  assert.ok(app.portDefinitions.some((d) => d.port === config.httpPort && protocolsOf(d).includes('tcp')), 'the HTTP port');

  assert.equal(app.container.type, 'DOCKER');
  assert.ok(app.container.docker.image.length > 0);
  // The config comes from a host directory mounted where MESOS_DNS_CONFIG points.
  const configDir = posix.dirname(app.env['MESOS_DNS_CONFIG'] as string);
  assert.ok(app.container.volumes?.some((v) => v.containerPath === configDir && v.mode === 'RO'), `a read-only volume at ${configDir}`);
});

test('marathon.json: the health check is /health on the HTTP port, tolerant of a master outage', async () => {
  const { config } = await exampleConfig();
  assert.equal(app.healthChecks.length, 1);
  const check = app.healthChecks[0] as HealthCheck;
  assert.ok(['MESOS_HTTP', 'HTTP'].includes(check.protocol), check.protocol);
  assert.equal(check.path, '/health');
  const target = app.portDefinitions[check.portIndex ?? 0];
  assert.ok(target, 'portIndex points at a port definition');
  assert.equal(target.port, config.httpPort, 'portIndex points at the HttpPort of deploy/config.json');

  // A refresh older than 3 intervals makes /health 503; Marathon kills only after
  // maxConsecutiveFailures more checks. Both replicas see the same masters, so a short outage must
  // not get both killed (a restarted replica has no records at all): at least 5 minutes on top.
  const staleAfter = STALE_AFTER_INTERVALS * config.refreshSeconds;
  const killAfter = check.maxConsecutiveFailures * check.intervalSeconds;
  assert.ok(check.maxConsecutiveFailures > 0, 'a wedged process is still replaced eventually');
  assert.ok(killAfter >= 300, `killed after ${killAfter} s of failed checks`);
  assert.ok(staleAfter + killAfter >= 8 * 60, `a master outage must last ${staleAfter + killAfter} s before a kill`);
  assert.ok(check.gracePeriodSeconds >= 60, 'time for the first state load of a big cluster');
  assert.ok(check.timeoutSeconds < check.intervalSeconds);
});

test('marathon.json: rolling upgrade keeps one replica serving; SIGTERM gets time to drain; memory for reloads', () => {
  assert.deepEqual(app.upgradeStrategy, { minimumHealthCapacity: 0.5, maximumOverCapacity: 0 });
  assert.ok(['YOUNGEST_FIRST', 'OLDEST_FIRST'].includes(app.killSelection));
  assert.ok(app.taskKillGracePeriodSeconds > DRAIN_SECONDS, 'SIGKILL only after the drain bound');
  assert.ok(app.cpus >= 1);
  // Two V8 heaps (server + reload worker) and the packed tables must fit under the container limit.
  const heap = /--max-old-space-size=(\d+)/.exec(app.env['NODE_OPTIONS'] ?? '');
  assert.ok(heap, 'the V8 heap is sized to the container, not to the host');
  assert.ok(Number(heap[1]) * 2 <= app.mem + 1e-9, `2 x ${heap[1]} MB heap fits in mem ${app.mem} MB`);
});

test('the health check path answers 200 on a running server', async (t) => {
  const server = await spawnServer();
  t.after(() => server.kill());
  const check = app.healthChecks[0] as HealthCheck;
  const reply = await server.get(check.path ?? '/');
  assert.equal(reply.status, 200);
  assert.equal((JSON.parse(reply.body) as { status: string }).status, 'ok');
});
