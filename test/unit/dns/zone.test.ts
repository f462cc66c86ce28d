// The served zone: what AXFR sends and `records` prints must be what queries get.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { QType } from '../../../src/dns/constants.js';
import { handleQuery } from '../../../src/dns/handle.js';
import type { ResourceRecord } from '../../../src/dns/records.js';
import { newZoneTally, zoneRecords } from '../../../src/dns/zone.js';
import type { TableSnapshot } from '../../../src/records/store.js';
import { createFixtureStore, dnsTestConfig } from '../../cases/dns-fixture.js';
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
