// The served zone: what AXFR sends and `records` prints must be what queries get.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { QType } from '../../../src/wire/constants.js';
import { handleQuery } from '../../../src/dns/handle.js';
import type { ResourceRecord } from '../../../src/dns/records.js';
import { newZoneTally, zoneRecords } from '../../../src/dns/zone.js';
import { parseStateText } from '../../../src/mesos/parse-state.js';
import { generateRecords } from '../../../src/records/generate.js';
import { type TableSnapshot, createRecordStore } from '../../../src/records/store.js';
import { createFixtureStore, dnsTestConfig, fixturePath } from '../../cases/dns-fixture.js';
import { parseName } from '../../../src/dns/names.js';
import { headerBytes } from '../../helpers/dns-bytes.js';
import { framework, generate, state, task } from '../records/helpers.js';
import { buildQuery, decodeReply } from '../../helpers/dns-codec.js';

const snapshot = createFixtureStore().current() as TableSnapshot;
const config = dnsTestConfig();

function key(rr: ResourceRecord): string {
  if (rr.type === QType.A || rr.type === QType.AAAA) return `${rr.name} ${rr.type} ${[...rr.address].join('.')}`;
  if (rr.type === QType.SRV) return `${rr.name} SRV ${rr.port} ${rr.target}`;
  return `${rr.name} ${rr.type}`;
}

describe('the served zone', () => {
  test('starts with the apex SOA (the snapshot serial) and NS, then the stored names', () => {
    const records = [...zoneRecords(snapshot, config)];
    assert.equal(records[0]?.type, QType.SOA);
    assert.equal(records[0]?.type === QType.SOA && records[0].serial, snapshot.serial);
    assert.equal(records[1]?.type, QType.NS);
    assert.ok(records.slice(2).every((r) => r.type === QType.A || r.type === QType.AAAA || r.type === QType.SRV));
  });

  test('holds, for every stored name, exactly the A, AAAA and SRV records a query gets', () => {
    const byName = new Map<string, string[]>();
    const tally = newZoneTally();
    for (const rr of zoneRecords(snapshot, config, tally)) {
      if (rr.type === QType.SOA || rr.type === QType.NS) continue;
      byName.set(rr.name, [...(byName.get(rr.name) ?? []), key(rr)]);
    }
    let compared = 0;
    for (const [name] of snapshot.table.entries()) {
      if (tally.unencodable.has(name)) continue;
      const served: string[] = [];
      for (const qtype of ['A', 'AAAA', 'SRV'] as const) {
        const result = handleQuery(buildQuery({ qname: name, qtype }), { transport: 'tcp', snapshot, config, random: () => 0 });
        if (result.kind !== 'reply') continue;
        for (const rr of decodeReply(Buffer.from(result.bytes)).packet.answers) {
          const r = rr as { name: string; type: number; address?: string; port?: number; target?: string };
          if (r.type === 1 || r.type === 28) served.push(`${name} ${r.type} ${r.type === 1 ? r.address : ''}`);
          else if (r.type === 33) served.push(`${name} SRV ${r.port} ${r.target}.`);
        }
      }
      const listed = (byName.get(name) ?? []).map((k) => (k.includes(` ${QType.AAAA} `) ? k.replace(/ 28 .*/, ' 28 ') : k));
      assert.deepEqual(listed.sort(), served.sort(), name);
      compared++;
    }
    assert.ok(compared > 10);
    assert.ok(tally.skipped > 0, 'the fixture has a slave host fragment, which DNS does not serve');
  });
});

describe('the served zones with PTR and CNAME records', () => {
  const zones = ['2.0.192.in-addr.arpa'];
  const withReverse = dnsTestConfig({ reverseZones: zones });
  const table = generateRecords({
    state: (parseStateText(readFileSync(fixturePath('dns/state.json'), 'utf8')) as { state: Parameters<typeof generateRecords>[0]['state'] }).state,
    config: { domain: 'mesos', ipSources: ['netinfo', 'mesos', 'host'], enforceRFC952: false, soaMname: 'ns1.mesos.', listener: '192.0.2.53', reverseZones: zones },
    masters: ['192.0.2.100:5050'],
    listenerAddresses: [],
    staticRecords: [{ name: 'www.mesos.', type: 'CNAME', value: 'nginx.marathon.mesos.', line: 1 }],
  });
  const store = createRecordStore({ now: () => 1_700_000_000_000 });
  store.swap(table);
  const snap = store.current() as TableSnapshot;

  test('the domain\'s walk has the CNAME and no reverse names', () => {
    const records = [...zoneRecords(snap, withReverse, newZoneTally(), { reverseZones: zones })];
    assert.ok(records.some((r) => r.type === QType.CNAME && r.name === 'www.mesos.' && r.target === 'nginx.marathon.mesos.'));
    assert.ok(!records.some((r) => r.name.endsWith('.arpa.')));
  });

  test('a reverse zone\'s walk: its SOA and NS, then exactly the PTR records queries get', () => {
    const records = [...zoneRecords(snap, withReverse, newZoneTally(), { zone: '2.0.192.in-addr.arpa', reverseZones: zones })];
    assert.equal(records[0]?.type === QType.SOA && records[0].name, '2.0.192.in-addr.arpa.');
    assert.equal(records[1]?.type === QType.NS && records[1].name, '2.0.192.in-addr.arpa.');
    const ptrs = records.slice(2);
    assert.ok(ptrs.length > 2);
    for (const rr of ptrs) {
      assert.equal(rr.type, QType.PTR);
      const result = handleQuery(buildQuery({ qname: rr.name, qtype: 'PTR' }), { transport: 'tcp', snapshot: snap, config: withReverse, random: () => 0 });
      assert.equal(result.kind, 'reply');
      const answer = decodeReply(Buffer.from(result.kind === 'reply' ? result.bytes : [])).answer;
      assert.deepEqual(answer, [`${rr.name} 60 PTR ${rr.type === QType.PTR ? rr.target : ''}`]);
    }
  });
});

describe('the served zone leaves out stored names no question reaches', () => {
  // Mesos-DNS's raw DiscoveryInfo pass (behaviour §2.10) stores the name as the task gave it: with a space,
  // UTF-8 characters or upper case it is not the form a question is looked up in, so no query gets its
  // records. Written with escapes (`a\.b`, `caf\195\169`, `web\ gw`) it is, and it is served.
  const discovery = (name: string) => ({ discovery: { name, ports: { ports: [{ number: 80, name: 'http', protocol: 'tcp' }] } } });
  const table = generate(
    state({
      frameworks: [
        framework('fw', 'scheduler(1)@192.0.2.2:25501', [
          task('t1', 't1', discovery('web frontend')),
          task('t2', 't2', discovery('日本語タスク')),
          task('t3', 't3', discovery('Mixed_Case')),
          task('t4', 't4', discovery('a\\.b')),
          task('t5', 't5', discovery('caf\\195\\169')),
          task('t6', 't6', discovery('web\\ gw')),
        ]),
      ],
    }),
  );
  const store = createRecordStore();
  const raw = store.swap(table);

  /** A question for the stored name's wire octets, in the name's own case. */
  function ask(name: string, qtype: number): string[] {
    const labels = parseName(name)?.labels ?? [];
    const question = [...labels.flatMap((l) => [l.length, ...l]), 0, qtype >> 8, qtype & 0xff, 0, 1];
    const message = Uint8Array.from([...headerBytes(7, 0x01, { qd: 1 }), ...question]);
    const result = handleQuery(message, { transport: 'tcp', snapshot: raw, config, random: () => 0 });
    if (result.kind !== 'reply') return [];
    return decodeReply(Buffer.from(result.bytes)).packet.answers.map((rr) => {
      const r = rr as { type: number; address?: string; port?: number; target?: string };
      return r.type === QType.SRV ? `SRV ${r.port}` : `${r.type} ${r.address}`;
    });
  }

  test('every stored name: the zone lists exactly what a query for it gets', () => {
    const tally = newZoneTally();
    const listed = new Map<string, string[]>();
    for (const rr of zoneRecords(raw, config, tally)) {
      if (rr.type === QType.SOA || rr.type === QType.NS) continue;
      const text = rr.type === QType.SRV ? `SRV ${rr.port}` : `${rr.type} ${rr.type === QType.A ? [...rr.address].join('.') : ''}`;
      listed.set(rr.name, [...(listed.get(rr.name) ?? []), text]);
    }
    const mismatches: string[] = [];
    for (const [name] of raw.table.entries()) {
      const served = [QType.A, QType.SRV].flatMap((qtype) => ask(name, qtype)).sort();
      const inZone = (listed.get(name) ?? []).sort();
      if (JSON.stringify(served) !== JSON.stringify(inZone)) mismatches.push(`${name}: zone ${inZone.length}, served ${served.length}`);
    }
    assert.deepEqual(mismatches, []);
    const unreachable = [...tally.unreachable].filter((n) => !n.startsWith('_')).sort();
    assert.deepEqual(unreachable, [
      'Mixed_Case-epcg1-0.fw.mesos.',
      'Mixed_Case-epcg1-0.fw.slave.mesos.',
      'Mixed_Case.fw.mesos.',
      'Mixed_Case.fw.slave.mesos.',
      'web frontend-hw4uo-0.fw.mesos.',
      'web frontend-hw4uo-0.fw.slave.mesos.',
      'web frontend.fw.mesos.',
      'web frontend.fw.slave.mesos.',
      '日本語タスク-fjp7y-0.fw.mesos.',
      '日本語タスク-fjp7y-0.fw.slave.mesos.',
      '日本語タスク.fw.mesos.',
      '日本語タスク.fw.slave.mesos.',
    ]);
    for (const escaped of ['a\\.b.fw.mesos.', 'caf\\195\\169.fw.mesos.', 'web\\ gw.fw.mesos.']) assert.ok(listed.has(escaped), escaped);
  });
});

describe('the served zone tallies names it cannot hold', () => {
  test('a name a question reaches but with nothing to serve (only host text as A) is empty: queries get no data, the zone has no such owner', () => {
    const tally = newZoneTally();
    const owners = new Set([...zoneRecords(snapshot, config, tally)].map((rr) => rr.name));
    assert.ok(tally.empty.size > 0, 'the fixture has a slave known by host name only');
    for (const name of tally.empty) {
      assert.ok(!owners.has(name), name);
      const result = handleQuery(buildQuery({ qname: name, qtype: 'A' }), { transport: 'tcp', snapshot, config, random: () => 0 });
      assert.equal(result.kind, 'reply');
      const reply = decodeReply(Buffer.from(result.kind === 'reply' ? result.bytes : new Uint8Array()));
      assert.equal(reply.rcode, 'NOERROR', name);
      assert.deepEqual(reply.answer, [], name);
    }
  });
});
