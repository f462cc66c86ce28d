// Zone transfer with real parts: the server (createApp, a test master or a state file, real sockets on
// the loopback), the real `dig`, and a real Knot DNS secondary (knotd) that transfers the zone, gets a
// NOTIFY for every new table and answers the new records.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { type App, createApp } from '../../../src/app.js';
import type { Config } from '../../../src/config/types.js';
import { validConfig } from '../../helpers/valid-config.js';
import { zoneRecords } from '../../../src/dns/zone.js';
import { createSilentLogger } from '../../../src/log.js';
import type { TableSnapshot } from '../../../src/records/store.js';
import { generateState } from '../../../bench/lib/generate-state.js';
import { MAX_CONCURRENT_TRANSFERS } from '../../../src/dns/transfer-out.js';
import { transferZone } from '../../helpers/axfr-client.js';
import { HalfOpenClient } from '../../helpers/half-open-client.js';
import { UdpClient, query } from '../../helpers/dns-client.js';
import { addressesOf, buildQuery, decodeReply } from '../../helpers/dns-codec.js';
import { startKnotSecondary } from '../../helpers/knot.js';
import { metricValue } from '../../helpers/metric-value.js';
import { freeUdpAndTcpPort } from '../../helpers/ports.js';
import { startTestMaster, withLeader } from '../../helpers/test-master.js';
import { embeddedState, withNginxIp } from '../../helpers/embedded-state.js';
import { waitFor } from '../../helpers/wait-for.js';
import { DIG, KNOTD, requireTool } from '../../helpers/tools.js';
import { dig } from '../../helpers/dig.js';

const digMissing = await requireTool(DIG);
const knotMissing = await requireTool(KNOTD);
/** dig's own defaults (a zone transfer is one TCP exchange that may take a while). */
const DIG_DEFAULT_TRIES = { tries: 3, time: 5 };

const STATE = embeddedState();

function appConfig(raw: Record<string, unknown>): Config {
  return validConfig({ StateTimeoutSeconds: 5, Listener: '127.0.0.1', Port: 0, HttpOn: false, ExternalOn: false, ZoneTransferAllowFrom: ['127.0.0.1'], ...raw });
}

async function startApp(t: { after: (fn: () => unknown) => void }, config: Config): Promise<{ app: App; port: number; snapshot: TableSnapshot }> {
  const app = createApp({ config, logger: createSilentLogger(), version: 'test' });
  t.after(() => app.close());
  const { dns } = await app.start();
  const port = dns?.tcp[0]?.port as number;
  const snapshot = await waitFor('the first table', () => app.store.current(), 15_000);
  return { app, port, snapshot };
}

/** Record lines of dig's zone transfer output, "<name> <ttl> <TYPE> <rdata>" (class dropped). */
function digRecords(stdout: string): string[] {
  return stdout
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.startsWith(';'))
    .map((line) => {
      const fields = line.trim().split(/\s+/);
      return [fields[0], fields[1], ...fields.slice(3)].join(' ');
    });
}

/** A 10,000-task state file (65,000 names), written once for the tests that need a zone of many messages. */
let largeStateDir: string | undefined;
function largeStateFile(): string {
  const path = (dir: string): string => join(dir, 'state.json');
  if (largeStateDir) return path(largeStateDir);
  largeStateDir = mkdtempSync(join(tmpdir(), 'zone-transfer-'));
  writeFileSync(path(largeStateDir), JSON.stringify(generateState({ agents: 1000, tasks: 10_000, seed: 7 })));
  return path(largeStateDir);
}
after(() => {
  if (largeStateDir) rmSync(largeStateDir, { recursive: true, force: true });
});

describe('zone transfer', () => {
  test('dig AXFR: an allowed client gets the zone, SOA first and last; 127.0.0.2 is REFUSED; AXFR over UDP is NOTIMP', { skip: digMissing }, async (t) => {
    const master = await startTestMaster();
    t.after(() => master.close());
    master.setState(withLeader(STATE, master.address));
    const { app, port, snapshot } = await startApp(t, appConfig({ Masters: [master.address], RefreshSeconds: 60 }));

    const stdout = await dig(port, ['+noall', '+answer', 'AXFR', 'mesos'], DIG_DEFAULT_TRIES);
    const lines = digRecords(stdout);
    const soa = `mesos. 60 SOA ns1.mesos. root.ns1.mesos. ${snapshot.serial} 60 600 86400 60`;
    assert.equal(lines[0], soa);
    assert.equal(lines.at(-1), soa);
    assert.equal(lines.length, [...zoneRecords(snapshot, app.config())].length + 1);
    // What a query gets is in the transfer: an A name and an SRV name.
    const nginx = addressesOf(await query({ qname: 'nginx.marathon.mesos', qtype: 'A' }, { port }));
    assert.deepEqual(nginx.map((ip) => `nginx.marathon.mesos. 60 A ${ip}`), lines.filter((l) => l.startsWith('nginx.marathon.mesos. 60 A ')));
    const srv = (await query({ qname: '_big-dog._tcp.marathon.mesos', qtype: 'SRV' }, { port, transport: 'tcp' })).answer;
    assert.ok(srv.length > 0);
    for (const record of srv) assert.ok(lines.includes(record), record);
    t.diagnostic(`dig AXFR: ${lines.length} records`);

    const refusedDig = await dig(port, ['-b', '127.0.0.2', 'AXFR', 'mesos'], DIG_DEFAULT_TRIES);
    assert.match(refusedDig, /Transfer failed/);
    const refused = await transferZone({ port, zone: 'mesos.', localAddress: '127.0.0.2', timeoutMs: 5000 });
    assert.equal(refused.rcode, 5, 'REFUSED');
    assert.equal(refused.messages, 1);

    const udp = await UdpClient.open();
    t.after(() => udp.close());
    const overUdp = decodeReply(await udp.exchange(port, buildQuery({ qname: 'mesos.', qtype: 'AXFR' })));
    assert.equal(overUdp.rcode, 'NOTIMP');
    assert.equal(metricValue(app.metrics, 'mesos_dns_zone_transfers_total', 'outcome="complete"'), 1);
  });

  test('a 10,000-task zone: messages of at most 65,535 octets with the query ID, SOA first and last, every record; queries answered meanwhile', async (t) => {
    const { app, port, snapshot } = await startApp(t, appConfig({ StateFile: largeStateFile(), RefreshSeconds: 3600 }));
    const expected = [...zoneRecords(snapshot, app.config())].length + 1;

    // UDP questions every 2 ms while the transfer runs: answered in between its messages.
    const client = await UdpClient.open();
    t.after(() => client.close());
    const probe = buildQuery({ qname: 'leader.mesos', qtype: 'A' });
    let transferring = true;
    let answered = 0;
    let slowest = 0;
    const probing = (async () => {
      while (transferring) {
        const sentAt = performance.now();
        const reply = await client.exchange(port, probe, 5000);
        if (transferring && reply.length > 0) {
          answered++;
          slowest = Math.max(slowest, performance.now() - sentAt);
        }
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    })();
    const result = await transferZone({ port, zone: 'mesos.', id: 0x5151, timeoutMs: 60_000 });
    transferring = false;
    await probing;

    t.diagnostic(
      `${snapshot.table.counts.names} names: ${result.records} records in ${result.messages} messages, ${result.bytes} octets, largest ${result.largest}, ${result.ms.toFixed(0)} ms; ${answered} UDP queries answered during it, slowest ${slowest.toFixed(1)} ms`,
    );
    assert.ok(result.complete);
    assert.equal(result.records, expected);
    assert.equal(result.firstType, 6);
    assert.equal(result.lastType, 6);
    assert.equal(result.soaRecords, 2);
    assert.ok(result.messages > 10, `${result.messages} messages`);
    assert.ok(result.largest <= 65_535, `largest message ${result.largest}`);
    assert.ok(result.ids.every((id) => id === 0x5151));
    assert.deepEqual(result.questions, result.questions.map((_, i) => (i === 0 ? 1 : 0)));
    assert.ok(answered > 0, 'UDP queries were answered while the transfer ran');
  });

  test(`at most ${MAX_CONCURRENT_TRANSFERS} transfers at once: one more is REFUSED; clients that go away end theirs`, async (t) => {
    const { app, port } = await startApp(t, appConfig({ StateFile: largeStateFile(), RefreshSeconds: 3600 }));
    const active = (): number => metricValue(app.metrics, 'mesos_dns_zone_transfers_active');
    // Clients that ask and never read: their transfers stay open (the zone is bigger than the socket buffers).
    const stalled: HalfOpenClient[] = [];
    t.after(() => stalled.forEach((c) => c.destroy()));
    for (let i = 0; i < MAX_CONCURRENT_TRANSFERS; i++) {
      const client = await HalfOpenClient.open({ port, read: false });
      stalled.push(client);
      await client.sendFrame(buildQuery({ qname: 'mesos.', qtype: 'AXFR', id: i }));
    }
    await waitFor('the transfers to start', () => (active() === MAX_CONCURRENT_TRANSFERS ? true : undefined), 15_000);
    const refused = await transferZone({ port, zone: 'mesos.', timeoutMs: 5000 });
    assert.equal(refused.rcode, 5, 'REFUSED');
    assert.equal(metricValue(app.metrics, 'mesos_dns_zone_transfers_total', 'outcome="refused_busy"'), 1);
    for (const client of stalled) client.destroy();
    await waitFor('the transfers to end', () => (active() === 0 ? true : undefined), 15_000);
    assert.equal(metricValue(app.metrics, 'mesos_dns_zone_transfers_total', 'outcome="aborted"'), MAX_CONCURRENT_TRANSFERS);
    const after = await transferZone({ port, zone: 'mesos.', timeoutMs: 30_000 });
    assert.ok(after.complete, 'a transfer runs again once the others ended');
  });

  test('a Knot secondary transfers the zone, answers as we do, and follows a state change after NOTIFY', { skip: knotMissing }, async (t) => {
    const master = await startTestMaster();
    t.after(() => master.close());
    master.setState(withLeader(withNginxIp('192.0.2.8'), master.address));
    const port = await freeUdpAndTcpPort();
    const knot = await startKnotSecondary({ zone: 'mesos.', primaryHost: '127.0.0.1', primaryPort: port });
    t.after(() => knot.close());
    const knotStartedAt = Date.now();
    const { app, snapshot } = await startApp(
      t,
      appConfig({ Masters: [master.address], RefreshSeconds: 1, Port: port, NotifySecondaries: [`127.0.0.1:${knot.port}`] }),
    );

    // The first table's NOTIFY makes knotd transfer at once (its own first try found no server).
    await waitFor('knotd to hold the zone', async () => ((await knot.serial()) !== undefined ? true : undefined), 15_000, 50);
    t.diagnostic(`knotd holds the zone ${Date.now() - knotStartedAt} ms after it started`);
    assert.ok((await knot.serial()) as number >= snapshot.serial);

    // Knot answers what we answer.
    for (const [qname, qtype] of [
      ['nginx.marathon.mesos', 'A'],
      ['_big-dog._tcp.marathon.mesos', 'SRV'],
      ['leader.mesos', 'A'],
      ['slave.mesos', 'AAAA'],
    ] as const) {
      const ours = await query({ qname, qtype }, { port, transport: 'tcp' });
      const theirs = await query({ qname, qtype }, { port: knot.port, transport: 'tcp' });
      assert.equal(theirs.rcode, ours.rcode, qname);
      assert.deepEqual([...theirs.answer].sort(), [...ours.answer].sort(), `${qname} ${qtype}`);
    }
    assert.deepEqual(addressesOf(await query({ qname: 'nginx.marathon.mesos', qtype: 'A' }, { port: knot.port })), ['192.0.2.8']);

    // A state change: the first table holding it is announced, and knotd answers it soon after.
    let swappedAt = 0;
    const off = app.store.onSwap((next) => {
      if (swappedAt === 0 && next.table.lookup('nginx.marathon.mesos.')?.a.includes('192.0.2.88')) swappedAt = Date.now();
    });
    t.after(off);
    master.setState(withLeader(withNginxIp('192.0.2.88'), master.address));
    await waitFor(
      'knotd to answer the new address',
      async () => (addressesOf(await query({ qname: 'nginx.marathon.mesos', qtype: 'A' }, { port: knot.port })).includes('192.0.2.88') ? true : undefined),
      15_000,
      10,
    );
    const followMs = Date.now() - swappedAt;
    t.diagnostic(`new table -> knotd answers the new record: ${followMs} ms (delta, NOTIFY, SOA check, incremental IXFR)`);
    assert.ok(swappedAt > 0);
    assert.ok(followMs < 5000, `knotd followed after ${followMs} ms`);
    assert.ok(metricValue(app.metrics, 'mesos_dns_notify_acked_total') >= 2);
    assert.ok(metricValue(app.metrics, 'mesos_dns_zone_journal_records') >= 2, 'the change is in the journal');
    // A secondary that asks while the newest delta is still being computed gets the whole zone
    // (AXFR-style); with RefreshSeconds 1 the next table's NOTIFY brings an incremental one.
    await waitFor(
      'an incremental IXFR',
      async () => (metricValue(app.metrics, 'mesos_dns_zone_transfers_total', 'style="incremental",outcome="complete"') >= 1 ? true : undefined),
      5_000,
      20,
    );
    assert.match(knot.log(), /IXFR, incoming, remote 127\.0\.0\.1@\d+, finished/);
  });
});
