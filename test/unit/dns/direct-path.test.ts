// The direct path (straight from the table's bytes) and the general path (resolve, then encode) must
// give byte-identical replies for the same query and the same random numbers: same records, same
// shuffle, same compression, same truncation points.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DirectState } from '../../../src/dns/direct.js';
import { handleQuery } from '../../../src/dns/handle.js';
import { parseName } from '../../../src/dns/names.js';
import type { TableSnapshot } from '../../../src/records/store.js';
import { createFixtureStore, dnsTestConfig } from '../../cases/dns-fixture.js';
import { type QuerySpec, buildQuery, decodeReply } from '../../helpers/dns-codec.js';
import { seededRandom } from '../../helpers/seeded-random.js';

const store = createFixtureStore();
const snapshot = store.current() as TableSnapshot;
const wholeSnapshot = snapshot;
// The same cluster as the event stream builds it: the direct path reads blocks from the parts.
const partedSnapshot = createFixtureStore({ parted: true }).current() as TableSnapshot;

function spellings(name: string): string[] {
  const mixed = [...name].map((ch, i) => (i % 2 === 0 ? ch.toUpperCase() : ch)).join('');
  return [name, mixed];
}

function queries(): QuerySpec[] {
  const names = new Set<string>([
    'mesos.',
    'nope.mesos.',
    'deep.nope.mesos.',
    'marathon.slave.mesos.',
    'slave.mesos.',
    'nginx.*.marathon.mesos.',
    'many.marathon.mesos.',
    '_mid._tcp.marathon.mesos.',
    '_slave._tcp.mesos.',
    'hostapp.marathon.slave.mesos.',
    'example.com.',
  ]);
  // Every stored name a query can carry (a label over 63 octets cannot be asked for).
  for (const [name] of snapshot.table.entries()) if (parseName(name) && name.length < 90) names.add(name);
  const out: QuerySpec[] = [];
  let id = 1;
  for (const name of names) {
    for (const qtype of ['A', 'AAAA', 'SRV', 'ANY', 'SOA', 'NS', 'TXT']) {
      for (const qname of spellings(name)) {
        for (const edns of [undefined, { udpSize: 512 }, { udpSize: 4096, dnssecOk: true }, { udpSize: 1232, options: [0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8] }]) {
          const flags = id % 2 === 0 ? (['rd'] as const) : (['cd'] as const);
          out.push({ qname, qtype, id: id++ & 0xffff, flags, ...(edns ? { edns } : {}) });
        }
      }
    }
  }
  return out;
}

describe('direct path vs general path', () => {
  for (const [transport, table] of [['udp', 'whole'], ['tcp', 'whole'], ['udp', 'in parts'], ['tcp', 'in parts']] as const) {
    test(`byte-identical replies for every stored name, type, spelling, EDNS state and flags (${transport}, table ${table})`, () => {
      const snapshot = table === 'whole' ? wholeSnapshot : partedSnapshot;
      const config = dnsTestConfig();
      const direct = new DirectState();
      const paths = { direct: 0, general: 0 };
      let seed = 1;
      for (const spec of queries()) {
        const query = buildQuery(spec);
        seed++;
        const general = handleQuery(query, { transport, snapshot, config, random: seededRandom(seed) });
        const fast = handleQuery(query, { transport, snapshot, config, direct, random: seededRandom(seed) });
        const what = `${spec.qname} ${spec.qtype} ${JSON.stringify(spec.edns)}`;
        assert.equal(fast.kind, general.kind, what);
        if (general.kind !== 'reply' || fast.kind !== 'reply') continue;
        assert.equal(general.info.path, 'general');
        paths[fast.info.path]++;
        assert.deepEqual(Buffer.from(fast.bytes), Buffer.from(general.bytes), `${what}: byte-identical`);
        assert.equal(fast.info.rcode, general.info.rcode, what);
        assert.equal(fast.info.outcome, general.info.outcome, what);
      }
      // The names the direct path leaves to the general path are the apex, `.*` and the stored names
      // it cannot write as they are; everything else (most of the list) is answered directly.
      assert.ok(paths.direct > paths.general * 4, `direct ${paths.direct}, general ${paths.general}`);
    });
  }

  test('a query over the size limit is refused on both paths, even one the direct path could answer', () => {
    // An OPT stuffed with 4,080 octets of empty options behind a name the table holds.
    const options = Array.from({ length: 1020 }, (_, i) => [0xfe, i & 0xff, 0, 0]).flat();
    const query = buildQuery({ qname: 'nginx.marathon.mesos.', qtype: 'A', id: 7, edns: { udpSize: 1232, options } });
    assert.ok(query.length > 4096, `${query.length} octets`);
    const config = dnsTestConfig();
    for (const direct of [new DirectState(), undefined]) {
      const result = handleQuery(query, { transport: 'udp', snapshot, config, direct, random: seededRandom(1) });
      assert.equal(result.kind, 'reply');
      if (result.kind !== 'reply') continue;
      assert.equal(result.info.path, 'general');
      assert.equal(result.info.rejected, 'too_large');
      assert.equal(decodeReply(Buffer.from(result.bytes)).rcode, 'FORMERR');
    }
  });

  test('truncation cuts the same answers at the same place, with and without SetTruncateBit', () => {
    for (const setTruncateBit of [true, false]) {
      const config = dnsTestConfig({ setTruncateBit });
      const direct = new DirectState();
      for (const [qname, qtype] of [['many.marathon.mesos.', 'A'], ['_mid._tcp.marathon.mesos.', 'SRV'], ['dual.marathon.mesos.', 'ANY']] as const) {
        for (let seed = 1; seed <= 20; seed++) {
          const query = buildQuery({ qname, qtype });
          const general = handleQuery(query, { transport: 'udp', snapshot, config, random: seededRandom(seed) });
          const fast = handleQuery(query, { transport: 'udp', snapshot, config, direct, random: seededRandom(seed) });
          if (general.kind !== 'reply' || fast.kind !== 'reply') assert.fail('expected replies');
          assert.equal(fast.info.path, 'direct');
          assert.deepEqual(Buffer.from(fast.bytes), Buffer.from(general.bytes), `${qname} ${qtype} seed ${seed}`);
        }
      }
    }
  });

  test('the direct path copies the ID, RD and CD of each query', () => {
    const config = dnsTestConfig();
    const ctx = { transport: 'udp' as const, snapshot, config, direct: new DirectState(), random: Math.random };
    const r = handleQuery(buildQuery({ qname: 'nginx.marathon.mesos.', qtype: 'A', id: 0xbeef, flags: ['cd'] }), ctx);
    assert.equal(r.kind, 'reply');
    if (r.kind !== 'reply') return;
    assert.equal(r.info.path, 'direct');
    const d = decodeReply(r.bytes);
    assert.equal(d.id, 0xbeef);
    assert.deepEqual(d.flags, ['aa', 'cd', 'qr', 'ra']);
  });

  test('the direct path shuffles: over many queries every record comes first', () => {
    const config = dnsTestConfig();
    const ctx = { transport: 'tcp' as const, snapshot, config, direct: new DirectState(), random: seededRandom(7) };
    const query = buildQuery({ qname: 'many.marathon.mesos.', qtype: 'A' });
    const firsts = new Set<string>();
    for (let i = 0; i < 400; i++) {
      const r = handleQuery(query, ctx);
      if (r.kind !== 'reply') assert.fail('expected a reply');
      const d = decodeReply(r.bytes);
      assert.equal(d.answer.length, 40);
      firsts.add(d.answer[0] as string);
    }
    assert.equal(firsts.size, 40, 'every record leads some reply');
  });

  test('the general path shuffles uniformly (Fisher–Yates with the injected random)', () => {
    const config = dnsTestConfig();
    // A fixed sequence makes the order reproducible: random() = 0 swaps each position with the first.
    const r = handleQuery(buildQuery({ qname: 'dual.marathon.mesos.', qtype: 'ANY' }), { transport: 'udp', snapshot, config, random: () => 0 });
    const r2 = handleQuery(buildQuery({ qname: 'dual.marathon.mesos.', qtype: 'ANY' }), { transport: 'udp', snapshot, config, random: () => 0.99 });
    if (r.kind !== 'reply' || r2.kind !== 'reply') assert.fail('expected replies');
    assert.deepEqual(decodeReply(r.bytes).answer, ['dual.marathon.mesos. 60 AAAA 2001:db8::20', 'dual.marathon.mesos. 60 A 192.0.2.20']);
    assert.deepEqual(decodeReply(r2.bytes).answer, ['dual.marathon.mesos. 60 A 192.0.2.20', 'dual.marathon.mesos. 60 AAAA 2001:db8::20']);
  });
});
