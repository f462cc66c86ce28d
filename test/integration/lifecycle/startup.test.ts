// Start-up of the real process: exit codes and messages for a taken port, a bad config and a missing
// one; -version; and a sanity bound on spawn-to-first-answer with the embedded default cluster
// (the figures come from `npm run bench:startup`).
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { query } from '../../helpers/dns-client.js';
import { addressesOf } from '../../helpers/dns-codec.js';
import { freeUdpAndTcpPort } from '../../helpers/ports.js';
import { MAIN_SCRIPT, embeddedTestConfig, runToExit, runWithConfigText, spawnServer } from '../../helpers/spawn-server.js';

const A = 1;


test('a second server on the same DNS port fails at start-up: exit 1, stderr names the address and port', async (t) => {
  const first = await spawnServer();
  t.after(() => first.kill());
  const port = first.dnsPort;

  const second = await runWithConfigText(JSON.stringify(embeddedTestConfig({ Port: port })));
  assert.equal(second.code, 1, second.stderr);
  assert.match(second.stderr, new RegExp(`^ERROR: .*127\\.0\\.0\\.1:${port}\\b.*EADDRINUSE`, 'm'));
  assert.equal(second.stderr.trim().split('\n').length, 1, `one clear line: ${second.stderr}`);
  const fatal = second.stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .find((l) => l['msg'] === 'cannot start');
  assert.ok(fatal, 'a fatal log line on stdout');
  assert.equal(fatal['level'], 60);

  // The first server is unaffected.
  assert.deepEqual(addressesOf(await query({ qname: 'nginx.marathon.mesos', qtype: A }, { port })), ['192.0.2.8']);
});

test('a taken HTTP port fails the same way, and the DNS port it had bound is released', async (t) => {
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => blocker.close(() => resolve())));
  const httpPort = (blocker.address() as { port: number }).port;

  // A DNS port free for both UDP and TCP (other tests run alongside), which we check afterwards.
  const dnsPort = await freeUdpAndTcpPort();

  const result = await runWithConfigText(JSON.stringify(embeddedTestConfig({ Port: dnsPort, HttpPort: httpPort })));
  assert.equal(result.code, 1, result.stderr);
  assert.match(result.stderr, new RegExp(`^ERROR: .*127\\.0\\.0\\.1:${httpPort}\\b`, 'm'));
  const again = createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    again.once('error', reject);
    again.bind(dnsPort, '127.0.0.1', resolve);
  });
  await new Promise<void>((resolve) => again.close(resolve));
});

test('a bad config exits 2 before binding anything, naming every bad key on stderr', async () => {
  const config = embeddedTestConfig({
    IPSources: ['netinfo', 'carrier-pigeon'],
    Domain: 'bad_domain',
    StateTimeoutSeconds: 0,
  });
  const result = await runWithConfigText(JSON.stringify(config));
  assert.equal(result.code, 2, result.stderr);
  for (const key of ['IPSources', 'Domain', 'StateTimeoutSeconds']) {
    assert.match(result.stderr, new RegExp(`^ERROR: ${key}: `, 'm'), `stderr names ${key}:\n${result.stderr}`);
  }
  assert.equal(result.stdout.includes('mesos-dns started'), false);
});

test('unreadable or missing config files exit 2 with the path', async () => {
  const broken = await runWithConfigText('{ "Domain": "mesos", ');
  assert.equal(broken.code, 2);
  assert.match(broken.stderr, /^ERROR: failed to unmarshal config file ".*config\.json"/m);

  const missing = await runToExit(process.execPath, [MAIN_SCRIPT, '-config=/nonexistent/mesos-dns/config.json']);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /^ERROR: missing configuration file: "\/nonexistent\/mesos-dns\/config\.json"/m);
});

test('usage errors exit 2; -version prints the package version and exits 0', async () => {
  const usage = await runToExit(process.execPath, [MAIN_SCRIPT, '-no-such-flag']);
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /flag provided but not defined: -no-such-flag/);

  const version = await runToExit(process.execPath, [MAIN_SCRIPT, '-version']);
  assert.equal(version.code, 0);
  assert.match(version.stdout, /^\d+\.\d+\.\d+\S*\n$/);
});

test('start-up to the first in-domain answer with the embedded default stays well under 10 s', async (t) => {
  const spawnedAt = Date.now();
  const server = await spawnServer({ waitFor: 'started' });
  t.after(() => server.kill());
  for (;;) {
    const reply = await query({ qname: 'nginx.marathon.mesos', qtype: A }, { port: server.dnsPort });
    if (reply.rcode === 'NOERROR' && addressesOf(reply).length > 0) break;
    assert.ok(Date.now() - spawnedAt < 10_000, 'answers within 10 s');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  t.diagnostic(`spawn to first answer: ${Date.now() - spawnedAt} ms (see npm run bench:startup)`);
});
