// SIGHUP on the real process: a changed TTL is applied to the next answers; an invalid config is
// refused with an error line naming the key, and the old settings keep serving.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { query } from '../../helpers/dns-client.js';
import { spawnServer, type LogLine } from '../../helpers/spawn-server.js';
import { DIG, requireTool } from '../../helpers/tools.js';
import { dig } from '../../helpers/dig.js';

const digMissing = await requireTool(DIG);
const A = 1;
const SRV = 33;

async function ttlOf(port: number, name: string, type = A): Promise<number> {
  const reply = await query({ qname: name, qtype: type }, { port });
  assert.equal(reply.rcode, 'NOERROR', `${name} answers`);
  const ttl = reply.packet.answers[0]?.ttl;
  assert.ok(ttl !== undefined, `${name} has an answer`);
  return ttl;
}

/** dig's view of the same answer (the real client operators use). */
async function digTtl(port: number, name: string): Promise<number> {
  const stdout = await dig(port, ['+noall', '+answer', name, 'A'], { time: 2, timeoutMs: 5000 });
  const fields = stdout.trim().split(/\s+/);
  return Number(fields[1]);
}

function countOf(lines: readonly LogLine[], msg: string): number {
  return lines.filter((l) => l.msg === msg).length;
}

test('SIGHUP applies a new TTL; an invalid config is refused and the old TTL keeps serving', { skip: digMissing }, async (t) => {
  const server = await spawnServer({ config: { TTL: 60 } });
  t.after(() => server.kill());
  const port = server.dnsPort;
  assert.equal(await ttlOf(port, 'nginx.marathon.mesos'), 60);
  assert.equal(await ttlOf(port, '_liquor-store._tcp.marathon.mesos', SRV), 60);

  // A valid change: the TTL applies to the next answer, on the direct path too.
  server.writeConfig({ TTL: 7 });
  const reloads = countOf(server.lines, 'config reloaded');
  server.signal('SIGHUP');
  await server.waitForLog((l) => l.msg === 'config reloaded' && countOf(server.lines, 'config reloaded') > reloads);
  assert.equal(await ttlOf(port, 'nginx.marathon.mesos'), 7);
  assert.equal(await ttlOf(port, '_liquor-store._tcp.marathon.mesos', SRV), 7);
  assert.equal(await digTtl(port, 'nginx.marathon.mesos'), 7);

  // An invalid value: refused, the error line names the key, the process keeps the last good config.
  server.writeConfig({ TTL: 9, IPSources: ['carrier-pigeon'] });
  server.signal('SIGHUP');
  const rejected = await server.waitForLog((l) => l.level === 50 && /rejected/.test(String(l.msg)));
  const problems = rejected['problems'] as { key: string; message: string }[] | undefined;
  assert.ok(problems?.some((p) => p.key === 'IPSources'), `the error line names IPSources: ${JSON.stringify(rejected)}`);
  assert.equal(rejected['file'], server.configPath);
  assert.equal(await ttlOf(port, 'nginx.marathon.mesos'), 7);

  // Unreadable JSON is refused too.
  server.writeConfig('{ "TTL": 11,');
  const errors = server.lines.filter((l) => l.level === 50).length;
  server.signal('SIGHUP');
  await server.waitForLog((l) => l.level === 50 && server.lines.filter((x) => x.level === 50).length > errors);
  assert.equal(await ttlOf(port, 'nginx.marathon.mesos'), 7);
  assert.equal((await server.get('/health')).status, 200, 'still healthy');

  // And a later valid config still applies.
  server.writeConfig({ TTL: 13 });
  const before = countOf(server.lines, 'config reloaded');
  server.signal('SIGHUP');
  await server.waitForLog((l) => l.msg === 'config reloaded' && countOf(server.lines, 'config reloaded') > before);
  assert.equal(await ttlOf(port, 'nginx.marathon.mesos'), 13);
  assert.equal(server.child.exitCode, null, 'still running');
});

test('SIGHUP with a changed listener port: ignored until a restart, with a warning naming the key', async (t) => {
  const server = await spawnServer();
  t.after(() => server.kill());
  server.writeConfig({ Port: server.dnsPort + 1 === 65536 ? 1 : server.dnsPort + 1, TTL: 21 });
  server.signal('SIGHUP');
  const warning = await server.waitForLog((l) => l.msg === 'config changes that need a restart are ignored until then');
  assert.deepEqual(warning['keys'], ['port']);
  await server.waitForLog((l) => l.msg === 'config reloaded');
  // The TTL (live) applied; the port (restart-only) did not move.
  assert.equal(await ttlOf(server.dnsPort, 'nginx.marathon.mesos'), 21);
});
