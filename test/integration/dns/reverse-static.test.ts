// Reverse names and static records on the real process over real sockets: `dig -x` gets the PTR of a
// container IP, a static CNAME is followed, an edit of the static records file is served within a
// bound (no restart, no SIGHUP), and a bad edit is logged line by line while the last good records
// keep serving.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { query } from '../../helpers/dns-client.js';
import { REPO_ROOT, spawnServer } from '../../helpers/spawn-server.js';
import { DIG, requireTool } from '../../helpers/tools.js';
import { waitUntil } from '../../helpers/wait-for.js';
import { digAnswer } from '../../helpers/dig.js';

const digMissing = await requireTool(DIG);

/** How long an edit of the static file may take to be served (debounce 200 ms + one small reload). */
const RELOAD_BOUND_MS = 5_000;

async function addressesOf(port: number, name: string): Promise<string[]> {
  const reply = await query({ qname: name, qtype: 'A' }, { port });
  return reply.answer.filter((line) => line.includes(' A ')).map((line) => line.split(' ').at(-1) as string);
}

/** Polls until `name` answers `address`; returns how long it took, or fails past the bound. */
async function waitForAddress(port: number, name: string, address: string): Promise<number> {
  const start = performance.now();
  if (await waitUntil(async () => (await addressesOf(port, name)).includes(address), RELOAD_BOUND_MS, 25)) return performance.now() - start;
  return assert.fail(`${name} did not answer ${address} within ${RELOAD_BOUND_MS} ms`);
}

test('PTR for container and agent IPs, static CNAME and A, hot reload of the static file', { skip: digMissing }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'static-records-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'static.zone');
  await writeFile(file, 'www CNAME web.marathon.mesos.\ndb A 192.0.2.200\n');
  const server = await spawnServer({
    config: {
      StateFile: join(REPO_ROOT, 'fixtures/states/reverse.json'),
      IPSources: ['netinfo', 'host'],
      ReverseZones: ['10.in-addr.arpa', '1.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa'],
      StaticRecordsFile: file,
      ExternalOn: false, // nothing leaves loopback: a name the server does not answer is REFUSED
    },
  });
  t.after(() => server.kill());
  const port = server.dnsPort;

  // dig -x: container IPs → the task's canonical name, an agent IP → slave.mesos., authoritative.
  assert.deepEqual(await digAnswer(port, '-x', '10.1.0.5'), ['5.0.1.10.in-addr.arpa. 60 PTR web-1tir7-s0.marathon.mesos.']);
  assert.deepEqual(await digAnswer(port, '-x', '2001:db8:1::a:6'), [
    '6.0.0.0.a.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa. 60 PTR api-iorbc-s1.marathon.mesos.',
  ]);
  assert.deepEqual(await digAnswer(port, '-x', '10.0.1.2'), ['2.1.0.10.in-addr.arpa. 60 PTR slave.mesos.']);
  // An IP two tasks share: no PTR, an authoritative NXDOMAIN.
  const shared = await query({ qname: '7.0.1.10.in-addr.arpa.', qtype: 'PTR' }, { port });
  assert.equal(shared.rcode, 'NXDOMAIN');
  assert.ok(shared.aa);

  // The static CNAME is followed to the task's address; the static A is served.
  assert.deepEqual(await digAnswer(port, 'www.mesos', 'A'), ['www.mesos. 60 CNAME web.marathon.mesos.', 'web.marathon.mesos. 60 A 10.1.0.5']);
  assert.deepEqual(await addressesOf(port, 'db.mesos.'), ['192.0.2.200']);

  // An edit in place is served without a restart or SIGHUP.
  await writeFile(file, 'www CNAME api.marathon.mesos.\ndb A 192.0.2.201\n');
  const inPlaceMs = await waitForAddress(port, 'db.mesos.', '192.0.2.201');
  assert.deepEqual(await digAnswer(port, 'www.mesos', 'A'), ['www.mesos. 60 CNAME api.marathon.mesos.', 'api.marathon.mesos. 60 A 10.1.0.6']);

  // So is a new file renamed over it (how editors and config tools replace files).
  await writeFile(join(dir, 'static.zone.new'), 'www CNAME api.marathon.mesos.\ndb A 192.0.2.202\n');
  await rename(join(dir, 'static.zone.new'), file);
  const renamedMs = await waitForAddress(port, 'db.mesos.', '192.0.2.202');
  t.diagnostic(`static file edit served after ${Math.round(inPlaceMs)} ms (in place), ${Math.round(renamedMs)} ms (renamed over)`);

  // A bad edit: each bad line is logged with file:line, and the last good records keep serving.
  const rejectedBefore = server.lines.filter((l) => l.msg === 'static records file rejected; keeping the previous static records').length;
  await writeFile(file, 'db A 192.0.2.203\nbroken A 1.2.3\n');
  const rejected = await server.waitForLog(
    (l) => l.msg === 'static records file rejected; keeping the previous static records' &&
      server.lines.filter((x) => x.msg === l.msg).length > rejectedBefore,
    RELOAD_BOUND_MS,
  );
  assert.equal(rejected['problems'], 1);
  const badLine = server.lines.find((l) => l.msg === `${file}:2: "1.2.3" is not an IPv4 address`);
  assert.ok(badLine, 'the bad line is logged with file:line');
  assert.equal(badLine['line'], 2);
  assert.deepEqual(await addressesOf(port, 'db.mesos.'), ['192.0.2.202']);

  // Fixed again: served.
  await writeFile(file, 'db A 192.0.2.204\n');
  await waitForAddress(port, 'db.mesos.', '192.0.2.204');
  const www = await query({ qname: 'www.mesos.', qtype: 'A' }, { port });
  assert.equal(www.rcode, 'NXDOMAIN', 'a removed static name is gone');

  // /v1/hosts serves the static A name; /v1/axfr lists the PTRs.
  const hosts = await server.get('/v1/hosts/db.mesos');
  assert.deepEqual(JSON.parse(hosts.body), [{ host: 'db.mesos.', ip: '192.0.2.204' }]);
  const axfr = JSON.parse((await server.get('/v1/axfr')).body) as { Records: { PTRs?: Record<string, string[]> } };
  assert.deepEqual(axfr.Records.PTRs?.['5.0.1.10.in-addr.arpa.'], ['web-1tir7-s0.marathon.mesos.']);
  assert.equal(server.child.exitCode, null, 'still running');
});

test('a bad static records file refuses the start with exit 2 and one error line per bad line', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'static-records-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'static.zone');
  await writeFile(file, 'db A 192.0.2.1\nweb MX 10 mail\n@ CNAME db\n');
  const server = await spawnServer({ config: { StaticRecordsFile: file, ExternalOn: false }, waitFor: 'none' });
  t.after(() => server.kill());
  const status = await server.waitForExit(15_000);
  assert.equal(status.code, 2);
  assert.deepEqual(
    server.stderr().trim().split('\n'),
    [
      `ERROR: StaticRecordsFile: ${file}:2: type "MX" is not supported (A, AAAA, SRV and CNAME are)`,
      `ERROR: StaticRecordsFile: ${file}:3: a CNAME at the apex is not allowed (the apex has SOA and NS)`,
    ],
  );
});

test('SIGHUP re-reads the static records file (here a symlink whose target lives in a directory that is not watched)', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'static-records-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await mkdir(join(dir, 'real'));
  await mkdir(join(dir, 'conf'));
  const target = join(dir, 'real', 'static.zone');
  const link = join(dir, 'conf', 'static.zone');
  await writeFile(target, 'db A 192.0.2.10\n');
  await symlink(target, link);
  const server = await spawnServer({ config: { StaticRecordsFile: link, ExternalOn: false } });
  t.after(() => server.kill());
  const port = server.dnsPort;
  assert.deepEqual(await addressesOf(port, 'db.mesos.'), ['192.0.2.10']);

  await writeFile(target, 'db A 192.0.2.11\n');
  await new Promise((resolve) => setTimeout(resolve, 500));
  assert.deepEqual(await addressesOf(port, 'db.mesos.'), ['192.0.2.10'], 'not watched: unchanged until SIGHUP');
  server.signal('SIGHUP');
  const sighupMs = await waitForAddress(port, 'db.mesos.', '192.0.2.11');
  t.diagnostic(`served ${Math.round(sighupMs)} ms after SIGHUP`);
});
