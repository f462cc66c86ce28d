// The hot path (pre-encoded replies, patched) and the general path (full decode, resolve, encode) must
// answer identically, modulo the order of shuffled answers.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { handleQuery } from '../../../src/dns/handle.js';
import { createResponseCache } from '../../../src/dns/response-cache.js';
import { createFixtureStore, dnsTestConfig } from '../../cases/dns-fixture.js';
import { type QuerySpec, buildQuery, decodeReply } from '../../helpers/dns-codec.js';

const store = createFixtureStore();
const snapshot = store.current();

function spellings(name: string): string[] {
  const mixed = [...name].map((ch, i) => (i % 2 === 0 ? ch.toUpperCase() : ch)).join('');
  return [name, mixed];
}

function queries(): QuerySpec[] {
  const names = new Set<string>([
    'mesos.',
    'nope.mesos.',
    'marathon.slave.mesos.',
    'nginx.*.marathon.mesos.',
    'many.marathon.mesos.',
    '_mid._tcp.marathon.mesos.',
    '_slave._tcp.mesos.',
    'hostapp.marathon.slave.mesos.',
  ]);
  // A third of the stored names (every kind of name is there several times over).
  let i = 0;
  for (const [name] of snapshot?.table.entries() ?? []) if (name.length < 90 && i++ % 3 === 0) names.add(name);
  const out: QuerySpec[] = [];
  let id = 1;
  for (const name of names) {
    for (const qtype of ['A', 'AAAA', 'SRV', 'ANY', 'SOA', 'NS', 'TXT']) {
      for (const qname of spellings(name)) {
        for (const edns of [undefined, { udpSize: 512 }, { udpSize: 4096, dnssecOk: true }]) {
          const flags = id % 2 === 0 ? (['rd'] as const) : (['cd'] as const);
          out.push({ qname, qtype, id: id++ & 0xffff, flags, ...(edns ? { edns } : {}) });
        }
      }
    }
  }
  return out;
}

describe('hot path vs general path', () => {
  for (const transport of ['udp', 'tcp'] as const) {
    test(`same replies for every name, type, spelling, EDNS state and flags (${transport})`, () => {
      const config = dnsTestConfig();
      const cache = createResponseCache();
      let hits = 0;
      let count = 0;
      for (const spec of queries()) {
        const query = buildQuery(spec);
        const general = handleQuery(query, { transport, snapshot, config, random: Math.random });
        handleQuery(query, { transport, snapshot, config, cache, random: Math.random }); // seeds the cache
        const hot = handleQuery(query, { transport, snapshot, config, cache, random: Math.random });
        assert.equal(general.kind, 'reply');
        assert.equal(hot.kind, 'reply');
        if (general.kind !== 'reply' || hot.kind !== 'reply') continue;
        if (general.info.authoritative) count++; // names with a label over 63 octets are FORMERR
        if (hot.info.path === 'hot') hits++;
        const g = decodeReply(general.bytes);
        const h = decodeReply(hot.bytes);
        assert.equal(h.size, g.size, `${spec.qname} ${spec.qtype}: size`);
        // A cut reply keeps a different (random) subset of the answers: compare how many. The dns2
        // packet and the TTL list hold the records in wire order, which the shuffle changes.
        const normal = ({ packet, ttls, ...d }: typeof g) => ({
          ...d,
          answer: d.tc ? d.answer.length : [...d.answer].sort(),
          additional: [...d.additional].sort(),
        });
        assert.deepEqual(normal(h), normal(g), `${spec.qname} ${spec.qtype}`);
        if (g.answer.length <= 1 && g.additional.length <= 1) {
          assert.deepEqual(Buffer.from(hot.bytes), Buffer.from(general.bytes), `${spec.qname} ${spec.qtype}: byte-identical`);
        }
      }
      assert.equal(hits, count, 'every plain in-domain query is a hot-path hit the second time');
    });
  }

  test('the hot path patches the ID, RD and CD of each query into the shared reply', () => {
    const config = dnsTestConfig();
    const cache = createResponseCache();
    const ctx = { transport: 'udp' as const, snapshot, config, cache, random: Math.random };
    handleQuery(buildQuery({ qname: 'nginx.marathon.mesos.', qtype: 'A', id: 1 }), ctx);
    const r = handleQuery(buildQuery({ qname: 'nginx.marathon.mesos.', qtype: 'A', id: 0xbeef, flags: ['cd'] }), ctx);
    assert.equal(r.kind, 'reply');
    if (r.kind !== 'reply') return;
    assert.equal(r.info.path, 'hot');
    const d = decodeReply(r.bytes);
    assert.equal(d.id, 0xbeef);
    assert.deepEqual(d.flags, ['aa', 'cd', 'qr', 'ra']);
  });

  test('rotates among several pre-encoded answer orders, each with every record', () => {
    const config = dnsTestConfig();
    const cache = createResponseCache();
    const ctx = { transport: 'tcp' as const, snapshot, config, cache, random: Math.random };
    const query = buildQuery({ qname: 'many.marathon.mesos.', qtype: 'A' });
    const firsts = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const r = handleQuery(query, ctx);
      if (r.kind !== 'reply') assert.fail('expected a reply');
      const d = decodeReply(r.bytes);
      assert.equal(d.answer.length, 40);
      firsts.add(d.answer[0] as string);
    }
    assert.ok(firsts.size >= 4, `first record varies (${firsts.size} distinct)`);
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
