// SIGHUP that restarts the state source when the new source cannot start (its CA file is gone): the
// refusal is logged, the running source keeps polling (a change at the master still reaches DNS and
// /v1/hosts after the SIGHUP) and /health stays healthy.
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { query } from '../../helpers/dns-client.js';
import { addressesOf } from '../../helpers/dns-codec.js';
import { REPO_ROOT, spawnServer } from '../../helpers/spawn-server.js';
import { startTestMaster, withLeader } from '../../helpers/test-master.js';
import { readFileSync } from 'node:fs';
import { waitUntil } from '../../helpers/wait-for.js';

const A = 1;
const embedded = JSON.parse(readFileSync(join(REPO_ROOT, 'fixtures', 'embedded', 'state.json'), 'utf8')) as Record<string, unknown>;

test('SIGHUP whose new state source cannot start: refused, the old source keeps polling, /health stays 200', async (t) => {
  const master = await startTestMaster();
  t.after(() => master.close());
  master.setState(withLeader(embedded, master.address));
  const dir = mkdtempSync(join(tmpdir(), 'mesos-dns-sighup-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const ca = join(dir, 'ca.pem');
  copyFileSync(join(REPO_ROOT, 'fixtures', 'config', 'ca.pem'), ca);
  const base = { StateFile: '', Masters: [master.address], CACertFile: ca, RefreshSeconds: 1 };
  const server = await spawnServer({ config: base });
  t.after(() => server.kill());
  assert.deepEqual(addressesOf(await query({ qname: 'nginx.marathon.mesos', qtype: A }, { port: server.dnsPort })), ['192.0.2.8']);

  // The private CA goes away: the operator deletes the file and drops CACertFile, and changes the
  // refresh interval. CACertFile needs a restart, so the running value is kept, and the source that
  // RefreshSeconds restarts would read the deleted file.
  rmSync(ca);
  server.writeConfig({ ...base, CACertFile: '', RefreshSeconds: 2 });
  server.signal('SIGHUP');
  const refused = await server.waitForLog((l) => l.msg === 'new state source settings refused: the new source cannot start; the running source is kept');
  assert.match(JSON.stringify(refused['err']), /CACertFile/);
  const reloaded = await server.waitForLog((l) => l.msg === 'config reloaded');
  assert.equal(reloaded['restartedSource'], false);
  assert.deepEqual(reloaded['refusedKeys'], ['refreshSeconds']);
  const config = JSON.parse((await server.get('/v1/config')).body) as Record<string, unknown>;
  assert.equal(config['RefreshSeconds'], 1, '/v1/config shows the settings the source runs with');

  // The old source still polls: a change at the master shows up after the SIGHUP.
  const reloadsBefore = server.lines.filter((l) => l.msg === 'records reloaded').length;
  master.setState(withLeader(JSON.parse(JSON.stringify(embedded).replaceAll('"nginx', '"web')) as Record<string, unknown>, master.address));
  const renamed = await waitUntil(
    async () => addressesOf(await query({ qname: 'web.marathon.mesos', qtype: A }, { port: server.dnsPort })).includes('192.0.2.8'),
    10_000,
    100,
  );
  assert.ok(renamed, 'the renamed task in DNS within 10000 ms');
  const hosts = await server.get('/v1/hosts/web.marathon.mesos');
  assert.match(hosts.body, /192\.0\.2\.8/);
  // Longer than 3 × RefreshSeconds after the SIGHUP: a stopped source would be reported stale by now.
  await new Promise((resolve) => setTimeout(resolve, 3500));
  const health = await server.get('/health');
  assert.equal(health.status, 200, health.body);
  const reloadsAfter = server.lines.filter((l) => l.msg === 'records reloaded').length - reloadsBefore;
  t.diagnostic(`reloads in the ~4 s after the refused SIGHUP: ${reloadsAfter}`);
  assert.ok(reloadsAfter >= 2, `the old source kept reloading (${reloadsAfter})`);
  assert.equal(server.child.exitCode, null, 'still running');
});
