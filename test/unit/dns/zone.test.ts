// The served zone: what AXFR sends and `records` prints must be what queries get.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { QType } from '../../../src/dns/constants.js';
import { handleQuery } from '../../../src/dns/handle.js';
import type { ResourceRecord } from '../../../src/dns/records.js';
import { newZoneTally, zoneRecords } from '../../../src/dns/zone.js';
import { parseStateText } from '../../../src/mesos/parse-state.js';
import { generateRecords } from '../../../src/records/generate.js';
import { type TableSnapshot, createRecordStore } from '../../../src/records/store.js';
import { createFixtureStore, dnsTestConfig, fixturePath } from '../../cases/dns-fixture.js';
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
