import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Packet } from 'dns2';
import type { Resource } from 'dns2';
import { cacheKeyOf, cacheTtlOf, createForwardCache, MAX_CACHE_TTL_SECONDS } from '../../../src/forward/cache.js';
import { parseLayout } from '../../../src/forward/wire.js';
import type { MessageLayout } from '../../../src/forward/wire.js';
import { buildQuery, decodeReply } from '../../helpers/dns-codec.js';

function layoutOf(bytes: Uint8Array): MessageLayout {
  const parsed = parseLayout(bytes);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.layout;
}

interface ReplySpec {
  rcode?: number;
  tc?: boolean;
  answerTtls?: number[];
  soa?: { ttl: number; minimum: number };
  additionalTtl?: number;
}

function reply(spec: ReplySpec): Buffer {
  const name = 'www.example.org';
  const p = new Packet();
  p.header = new Packet.Header({ id: 1, qr: 1, rd: 1, ra: 1, tc: spec.tc ? 1 : 0, rcode: spec.rcode ?? 0 });
  p.questions = [new Packet.Question(name, Packet.TYPE.A, Packet.CLASS.IN)];
  p.answers = (spec.answerTtls ?? []).map(
    (ttl, i) => new Packet.Resource({ name, type: Packet.TYPE.A, class: 1, ttl, address: `192.0.2.${(i % 250) + 1}` }),
  );
  const authorities: Resource[] = [];
  if (spec.soa) {
    authorities.push(
      new Packet.Resource({
        name: 'example.org',
        type: Packet.TYPE.SOA,
        class: 1,
        ttl: spec.soa.ttl,
        primary: 'ns1.example.org',
        admin: 'hostmaster.example.org',
        serial: 1,
        refresh: 2,
        retry: 3,
        expiration: 4,
        minimum: spec.soa.minimum,
      }),
    );
  }
  p.authorities = authorities;
  if (spec.additionalTtl !== undefined) {
    p.additionals = [new Packet.Resource({ name: 'ns1.example.org', type: Packet.TYPE.A, class: 1, ttl: spec.additionalTtl, address: '192.0.2.53' })];
  }
  return p.toBuffer();
}

test('cacheTtlOf: positive answers live for the smallest answer/authority TTL, capped at one day', () => {
  const ttl = (spec: ReplySpec): number | undefined => {
    const bytes = reply(spec);
    return cacheTtlOf(bytes, layoutOf(bytes))?.ttl;
  };
  assert.equal(ttl({ answerTtls: [300, 120, 600] }), 120);
  assert.equal(ttl({ answerTtls: [300], soa: { ttl: 60, minimum: 10 } }), 60, 'SOA MINIMUM is for negative answers only');
  assert.equal(ttl({ answerTtls: [300], additionalTtl: 5 }), 300, 'additional records do not bound the entry');
  assert.equal(ttl({ answerTtls: [10 * MAX_CACHE_TTL_SECONDS] }), MAX_CACHE_TTL_SECONDS);
  assert.equal(ttl({ answerTtls: [300, 0] }), undefined, 'TTL 0 is not cached');
});

test('cacheTtlOf: negative answers use min(SOA TTL, MINIMUM) and need an SOA; errors and TC are not cached', () => {
  const ttl = (spec: ReplySpec): number | undefined => {
    const bytes = reply(spec);
    return cacheTtlOf(bytes, layoutOf(bytes))?.ttl;
  };
  assert.equal(ttl({ rcode: 3, soa: { ttl: 300, minimum: 60 } }), 60);
  assert.equal(ttl({ rcode: 3, soa: { ttl: 30, minimum: 600 } }), 30);
  assert.equal(ttl({ rcode: 0, soa: { ttl: 300, minimum: 45 } }), 45, 'NODATA');
  assert.equal(ttl({ rcode: 3 }), undefined, 'NXDOMAIN without SOA');
  assert.equal(ttl({ rcode: 0 }), undefined, 'NODATA without SOA');
  assert.equal(ttl({ rcode: 2, soa: { ttl: 300, minimum: 60 } }), undefined, 'SERVFAIL');
  assert.equal(ttl({ rcode: 1, answerTtls: [300] }), undefined, 'FORMERR');
  assert.equal(ttl({ tc: true, answerTtls: [300] }), undefined, 'truncated');
});

test('cacheKeyOf: lower-cased name, type, class and RD/CD/DO/EDNS bits; no key for other opcodes or ECS', () => {
  const key = (q: Buffer): string | undefined => cacheKeyOf(layoutOf(q));
  assert.equal(key(buildQuery({ qname: 'WWW.example.org' })), key(buildQuery({ qname: 'www.example.org', id: 9 })));
  const distinct = new Set([
    key(buildQuery({ qname: 'www.example.org' })),
    key(buildQuery({ qname: 'www.example.org', qtype: 'AAAA' })),
    key(buildQuery({ qname: 'www.example.org', qclass: 3 })),
    key(buildQuery({ qname: 'www.example.org', flags: [] })),
    key(buildQuery({ qname: 'www.example.org', flags: ['rd', 'cd'] })),
    key(buildQuery({ qname: 'www.example.org', edns: { udpSize: 1232 } })),
    key(buildQuery({ qname: 'www.example.org', edns: { udpSize: 1232, dnssecOk: true } })),
  ]);
  assert.equal(distinct.size, 7);
  assert.equal(key(buildQuery({ qname: 'www.example.org', opcode: 2 })), undefined);
  assert.equal(key(buildQuery({ qname: 'www.example.org', edns: { udpSize: 1232, ecs: '192.0.2.0/24' } })), undefined);
  assert.ok(key(buildQuery({ qname: 'www.example.org', edns: { udpSize: 1232, cookie: Buffer.alloc(8) } })));
});

test('the cache rewrites TTLs by whole elapsed seconds and expires exactly at the TTL', () => {
  let now = 1_000_000;
  const cache = createForwardCache({ maxEntries: 10, maxBytes: 1 << 20, now: () => now });
  const bytes = reply({ answerTtls: [100, 200], additionalTtl: 50 });
  assert.equal(cache.set('k', bytes, layoutOf(bytes)), true);
  now += 1_999;
  const hit = cache.get('k');
  assert.ok(hit);
  assert.deepEqual(decodeReply(hit.bytes).ttls, [99, 199]);
  assert.equal(decodeReply(hit.bytes).packet.additionals[0]?.ttl, 49);
  now += 60_000; // 61.999 s: the additional record is past its TTL, clamped to 0
  assert.equal(decodeReply(cache.get('k')!.bytes).packet.additionals[0]?.ttl, 0);
  now = 1_000_000 + 99_999;
  assert.deepEqual(decodeReply(cache.get('k')!.bytes).ttls, [1, 101]);
  now = 1_000_000 + 100_000;
  assert.equal(cache.get('k'), undefined);
  assert.equal(cache.entries, 0, 'expired entries are dropped');
});

test('a stored hit is an independent copy', () => {
  const now = 0;
  const cache = createForwardCache({ maxEntries: 10, maxBytes: 1 << 20, now: () => now });
  const bytes = reply({ answerTtls: [100] });
  cache.set('k', bytes, layoutOf(bytes));
  bytes.fill(0);
  const hit = cache.get('k')!;
  hit.bytes.fill(0);
  assert.deepEqual(decodeReply(cache.get('k')!.bytes).ttls, [100]);
});

test('negative entries serve the SOA with the negative TTL', () => {
  let now = 0;
  const cache = createForwardCache({ maxEntries: 10, maxBytes: 1 << 20, now: () => now });
  const bytes = reply({ rcode: 3, soa: { ttl: 3600, minimum: 60 } });
  cache.set('k', bytes, layoutOf(bytes));
  now = 10_000;
  assert.deepEqual(decodeReply(cache.get('k')!.bytes).ttls, [50]);
});

test('uncacheable replies are refused by set()', () => {
  const cache = createForwardCache({ maxEntries: 10, maxBytes: 1 << 20, now: () => 0 });
  const bytes = reply({ rcode: 2 });
  assert.equal(cache.set('k', bytes, layoutOf(bytes)), false);
  assert.equal(cache.entries, 0);
});

test('the cache is bounded by entries and by bytes', () => {
  const byCount = createForwardCache({ maxEntries: 3, maxBytes: 1 << 20, now: () => 0 });
  const bytes = reply({ answerTtls: [100] });
  for (let i = 0; i < 10; i++) byCount.set(`k${i}`, bytes, layoutOf(bytes));
  assert.equal(byCount.entries, 3);
  assert.ok(byCount.get('k9') && !byCount.get('k0'));

  const big = reply({ answerTtls: Array.from({ length: 30 }, () => 100) });
  const bySize = createForwardCache({ maxEntries: 1000, maxBytes: 4096, now: () => 0 });
  for (let i = 0; i < 50; i++) bySize.set(`k${i}`, big, layoutOf(big));
  assert.ok(bySize.bytes <= 4096, `${bySize.bytes} bytes`);
  assert.ok(bySize.entries >= 1 && bySize.entries < 50);
  const huge = reply({ answerTtls: Array.from({ length: 300 }, () => 100) });
  assert.equal(bySize.set('huge', huge, layoutOf(huge)), false, 'an entry bigger than the whole cache is not stored');
});
