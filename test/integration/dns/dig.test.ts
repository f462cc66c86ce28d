// The real `dig` (bind9-dnsutils) against the server on 127.0.0.1: what operators will actually run.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { FIXTURE_SERIAL, createFakeForwarder, createFixtureStore, dnsTestConfig } from '../../cases/dns-fixture.js';
import { type StartedServer, startDnsServer } from './harness.js';
import { DIG, requireTool } from '../../helpers/tools.js';
import { type DigResult, dig as runDig, parseDigOutput } from '../../helpers/dig.js';

const SOA = `mesos. 60 SOA ns1.mesos. root.ns1.mesos. ${FIXTURE_SERIAL} 60 600 86400 30`;

describe('dig', { skip: await requireTool(DIG) }, () => {
  let started: StartedServer;
  before(async () => {
    started = await startDnsServer({ store: createFixtureStore(), forwarder: createFakeForwarder(), config: dnsTestConfig() });
  });
  after(() => started.server.close());

  async function dig(...args: string[]): Promise<DigResult> {
    return parseDigOutput(await runDig(started.port, args));
  }

  test('A over UDP without EDNS: flags, status and sections', async () => {
    const r = await dig('+notcp', '+noedns', 'nginx.marathon.mesos', 'A');
    assert.equal(r.status, 'NOERROR');
    assert.deepEqual(r.flags, ['aa', 'qr', 'ra', 'rd']);
    assert.deepEqual(r.counts, { QUERY: 1, ANSWER: 1, AUTHORITY: 0, ADDITIONAL: 0 });
    assert.deepEqual(r.question, ['nginx.marathon.mesos. IN A']);
    assert.deepEqual(r.answer, ['nginx.marathon.mesos. 60 A 192.0.2.8']);
    assert.equal(r.edns, undefined, 'no OPT when the query had none');
  });

  test('A over TCP with dig defaults (EDNS and a cookie option: the general path)', async () => {
    const r = await dig('+tcp', 'NGINX.marathon.mesos', 'A');
    assert.equal(r.status, 'NOERROR');
    assert.deepEqual(r.question, ['NGINX.marathon.mesos. IN A']);
    assert.deepEqual(r.answer, ['nginx.marathon.mesos. 60 A 192.0.2.8']);
    assert.deepEqual(r.edns && { version: r.edns.version, udp: r.edns.udp }, { version: 0, udp: 1232 });
  });

  test('quirk #1: +bufsize=4096 gets all 40 records over UDP with an OPT record', async () => {
    const r = await dig('+notcp', '+bufsize=4096', '+nocookie', 'many.marathon.mesos', 'A');
    assert.equal(r.status, 'NOERROR');
    assert.ok(!r.flags.includes('tc'));
    assert.equal(r.counts.ANSWER, 40);
    assert.equal(r.edns?.udp, 1232);
  });

  test('without EDNS the reply is cut to 29 records with TC; dig retries over TCP and gets all 40', async () => {
    const cut = await dig('+notcp', '+noedns', '+ignore', 'many.marathon.mesos', 'A');
    assert.ok(cut.flags.includes('tc'));
    assert.equal(cut.counts.ANSWER, 29);
    const retried = await dig('+notcp', '+noedns', 'many.marathon.mesos', 'A');
    assert.match(retried.raw, /Truncated, retrying in TCP mode/);
    assert.equal(retried.counts.ANSWER, 40);
  });

  test('quirk #2: SRV reply without its additionals has no TC', async () => {
    const r = await dig('+notcp', '+noedns', '_mid._tcp.marathon.mesos', 'SRV');
    assert.ok(!r.flags.includes('tc'));
    assert.equal(r.counts.ANSWER, 8);
    assert.equal(r.counts.ADDITIONAL, 0);
    const tcp = await dig('+tcp', '+noedns', '_mid._tcp.marathon.mesos', 'SRV');
    assert.equal(tcp.counts.ADDITIONAL, 8);
    assert.ok(tcp.additional.every((line) => /^mid-\w{5}-s1\.marathon\.slave\.mesos\. 60 A 192\.0\.2\.1$/.test(line)));
  });

  test('quirk #3 and #4: missing SRV name NXDOMAIN with SOA; SOA at the apex in the answer', async () => {
    const missing = await dig('_missing._tcp.marathon.mesos', 'SRV');
    assert.equal(missing.status, 'NXDOMAIN');
    assert.deepEqual(missing.authority, [SOA]);
    const soa = await dig('mesos', 'SOA');
    assert.equal(soa.status, 'NOERROR');
    assert.deepEqual(soa.answer, [SOA]);
  });

  test('quirk #7 and #8: DS inside the domain and an empty non-terminal are NODATA with AA', async () => {
    for (const [name, type] of [
      ['nginx.marathon.mesos', 'DS'],
      ['marathon.slave.mesos', 'A'],
    ] as const) {
      const r = await dig(name, type);
      assert.equal(r.status, 'NOERROR');
      assert.ok(r.flags.includes('aa'));
      assert.equal(r.counts.ANSWER, 0);
      assert.deepEqual(r.authority, [SOA]);
    }
  });

  test('quirk #32: CH class REFUSED, STATUS opcode NOTIMP', async () => {
    const ch = await dig('-c', 'CH', 'version.bind', 'TXT');
    assert.equal(ch.status, 'REFUSED');
    const status = await dig('+opcode=status', 'nginx.marathon.mesos', 'A');
    assert.equal(status.status, 'NOTIMP');
  });

  test('names outside the domain go through the forwarder', async () => {
    const r = await dig('www.example.com', 'A');
    assert.equal(r.status, 'NOERROR');
    assert.deepEqual(r.answer, ['www.example.com. 60 A 192.0.2.250']);
  });
});
