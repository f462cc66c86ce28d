// The answer cache (with an injected clock) and sizing replies to the client, against a real fake upstream.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildQuery, decodeReply } from '../../helpers/dns-codec.js';
import { requestFor, startForwarder, startUpstream } from './harness.js';

test('a second identical query is answered from the cache, with the TTL decremented by whole seconds', async (t) => {
  const up = await startUpstream(t, { defaultBehaviour: { kind: 'answer', count: 2, ttl: 300 } });
  const { forwarder, metrics, clock } = startForwarder(t, { resolvers: [up.address] });
  const first = decodeReply(await forwarder.forward(requestFor(buildQuery({ qname: 'www.example.org', id: 1 }))));
  assert.deepEqual(first.ttls, [300, 300]);
  clock.advance(30_900);
  const second = decodeReply(await forwarder.forward(requestFor(buildQuery({ qname: 'WWW.example.org', id: 2 }))));
  assert.equal(up.received.length, 1, 'served from the cache');
  assert.equal(second.id, 2);
  assert.equal(second.packet.questions[0]?.name, 'WWW.example.org');
  assert.deepEqual(second.ttls, [270, 270]);
  assert.deepEqual(second.packet.answers.map((a) => a.address), ['192.0.2.1', '192.0.2.2']);
  assert.equal(metrics.counter('mesos_dns_forward_cache_hits_total', '').get(), 1);
  assert.equal(metrics.counter('mesos_dns_forward_cache_misses_total', '').get(), 1);
  assert.match(metrics.render(), /mesos_dns_forward_cache_entries 1/);
});

test('a cached answer is never served at or past its TTL', async (t) => {
  const up = await startUpstream(t, { defaultBehaviour: { kind: 'answer', ttl: 10 } });
  const { forwarder, clock } = startForwarder(t, { resolvers: [up.address] });
  await forwarder.forward(requestFor(buildQuery({ qname: 'www.example.org' })));
  clock.advance(9_999);
  const last = decodeReply(await forwarder.forward(requestFor(buildQuery({ qname: 'www.example.org' }))));
  assert.deepEqual(last.ttls, [1]);
  assert.equal(up.received.length, 1);
  clock.advance(1);
  const fresh = decodeReply(await forwarder.forward(requestFor(buildQuery({ qname: 'www.example.org' }))));
  assert.deepEqual(fresh.ttls, [10]);
  assert.equal(up.received.length, 2, 'expired at exactly 10 s');
});

test('the smallest TTL of answer and authority records bounds the entry', async (t) => {
  const up = await startUpstream(t, { defaultBehaviour: { kind: 'answer', ttl: 300, soaTtl: 20 } });
  const { forwarder, clock } = startForwarder(t, { resolvers: [up.address] });
  await forwarder.forward(requestFor(buildQuery({ qname: 'www.example.org' })));
  clock.advance(20_000);
  await forwarder.forward(requestFor(buildQuery({ qname: 'www.example.org' })));
  assert.equal(up.received.length, 2);
});

test('TTL 0 answers are not cached', async (t) => {
  const up = await startUpstream(t, { defaultBehaviour: { kind: 'answer', ttl: 0 } });
  const { forwarder } = startForwarder(t, { resolvers: [up.address] });
  await forwarder.forward(requestFor(buildQuery({ qname: 'www.example.org' })));
  await forwarder.forward(requestFor(buildQuery({ qname: 'www.example.org' })));
  assert.equal(up.received.length, 2);
});

test('NXDOMAIN is cached for min(SOA TTL, SOA MINIMUM) and served with that TTL counting down (RFC 2308)', async (t) => {
  const up = await startUpstream(t, { defaultBehaviour: { kind: 'nxdomain', soaTtl: 300, minimum: 60 } });
  const { forwarder, clock } = startForwarder(t, { resolvers: [up.address] });
  await forwarder.forward(requestFor(buildQuery({ qname: 'missing.example.org' })));
  clock.advance(59_000);
  const cached = decodeReply(await forwarder.forward(requestFor(buildQuery({ qname: 'missing.example.org' }))));
  assert.equal(cached.rcode, 'NXDOMAIN');
  assert.deepEqual(cached.ttls, [1], 'the SOA carries the negative TTL');
  assert.equal(up.received.length, 1);
  clock.advance(1_000);
  await forwarder.forward(requestFor(buildQuery({ qname: 'missing.example.org' })));
  assert.equal(up.received.length, 2);
});

test('NODATA with an SOA is cached; NXDOMAIN without an SOA is not', async (t) => {
  const up = await startUpstream(t, {
    behaviours: { 'nodata.example.org': { kind: 'nodata', soaTtl: 30, minimum: 300 }, 'nosoa.example.org': { kind: 'nxdomain', soaTtl: null } },
  });
  const { forwarder } = startForwarder(t, { resolvers: [up.address] });
  for (let i = 0; i < 2; i++) {
    await forwarder.forward(requestFor(buildQuery({ qname: 'nodata.example.org' })));
    await forwarder.forward(requestFor(buildQuery({ qname: 'nosoa.example.org' })));
  }
  assert.deepEqual(up.received.map((r) => r.name), ['nodata.example.org', 'nosoa.example.org', 'nosoa.example.org']);
});

test('truncated replies are not cached', async (t) => {
  const up = await startUpstream(t, { defaultBehaviour: { kind: 'close-tcp' } });
  const { forwarder } = startForwarder(t, { resolvers: [up.address] });
  const first = decodeReply(await forwarder.forward(requestFor(buildQuery({ qname: 'big.example.org' }))));
  assert.equal(first.tc, true);
  await forwarder.forward(requestFor(buildQuery({ qname: 'big.example.org' })));
  assert.equal(up.received.filter((r) => r.transport === 'udp').length, 2);
});

test('the cache key separates types, the RD/CD/DO bits and EDNS presence', async (t) => {
  const up = await startUpstream(t, { defaultBehaviour: { kind: 'answer', ttl: 300 } });
  const { forwarder } = startForwarder(t, { resolvers: [up.address] });
  const variants = [
    buildQuery({ qname: 'k.example.org' }),
    buildQuery({ qname: 'k.example.org', qtype: 'AAAA' }),
    buildQuery({ qname: 'k.example.org', flags: [] }),
    buildQuery({ qname: 'k.example.org', flags: ['rd', 'cd'] }),
    buildQuery({ qname: 'k.example.org', edns: { udpSize: 1232 } }),
    buildQuery({ qname: 'k.example.org', edns: { udpSize: 1232, dnssecOk: true } }),
  ];
  for (const q of variants) await forwarder.forward(requestFor(q));
  for (const q of variants) await forwarder.forward(requestFor(q));
  assert.equal(up.received.length, variants.length);
});

test('queries with EDNS Client Subnet are never cached', async (t) => {
  const up = await startUpstream(t, { defaultBehaviour: { kind: 'answer', ttl: 300 } });
  const { forwarder } = startForwarder(t, { resolvers: [up.address] });
  await forwarder.forward(requestFor(buildQuery({ qname: 'ecs.example.org', edns: { udpSize: 1232, ecs: '192.0.2.0/24' } })));
  await forwarder.forward(requestFor(buildQuery({ qname: 'ecs.example.org', edns: { udpSize: 1232, ecs: '192.0.2.0/24' } })));
  assert.equal(up.received.length, 2);
});

test('cached answers do not carry another client\'s DNS cookie; the asking client gets its own', async (t) => {
  const up = await startUpstream(t, { defaultBehaviour: { kind: 'answer', ttl: 300 } });
  up.setCookies(true);
  const { forwarder } = startForwarder(t, { resolvers: [up.address] });
  const cookieA = Buffer.from('aaaaaaaaaaaaaaaa', 'hex');
  const cookieB = Buffer.from('bbbbbbbbbbbbbbbb', 'hex');
  const a = decodeReply(await forwarder.forward(requestFor(buildQuery({ qname: 'c.example.org', edns: { udpSize: 1232, cookie: cookieA } }))));
  assert.deepEqual(a.opt?.cookie, cookieA, 'the client that caused the exchange sees its cookie echoed');
  const b = decodeReply(await forwarder.forward(requestFor(buildQuery({ qname: 'c.example.org', edns: { udpSize: 1232, cookie: cookieB } }))));
  assert.equal(up.received.length, 1);
  assert.ok(b.opt, 'OPT kept');
  assert.equal(b.opt?.cookie, undefined, 'no foreign cookie');
});

test('forwardCacheOn=false: every query goes upstream', async (t) => {
  const up = await startUpstream(t, { defaultBehaviour: { kind: 'answer', ttl: 300 } });
  const { forwarder, metrics } = startForwarder(t, { resolvers: [up.address], forwardCacheOn: false });
  await forwarder.forward(requestFor(buildQuery({ qname: 'www.example.org' })));
  await forwarder.forward(requestFor(buildQuery({ qname: 'www.example.org' })));
  assert.equal(up.received.length, 2);
  assert.equal(metrics.counter('mesos_dns_forward_cache_hits_total', '').get(), 0);
  assert.match(metrics.render(), /mesos_dns_forward_cache_entries 0/);
});

test('the cache is bounded in entries (least recently used evicted)', async (t) => {
  const up = await startUpstream(t, { defaultBehaviour: { kind: 'answer', ttl: 300 } });
  const { forwarder, metrics } = startForwarder(t, { resolvers: [up.address], forwardCacheMaxEntries: 2 });
  const ask = (name: string): Promise<Uint8Array> => forwarder.forward(requestFor(buildQuery({ qname: name })));
  await ask('one.example.org');
  await ask('two.example.org');
  await ask('one.example.org'); // hit: one is now the most recent
  await ask('three.example.org'); // evicts two
  assert.match(metrics.render(), /mesos_dns_forward_cache_entries 2/);
  await ask('one.example.org');
  await ask('two.example.org');
  assert.deepEqual(up.received.map((r) => r.name), ['one.example.org', 'two.example.org', 'three.example.org', 'two.example.org']);
});

test('the cache is bounded in bytes', async (t) => {
  const up = await startUpstream(t, { defaultBehaviour: { kind: 'huge', count: 40, ttl: 300 } });
  const maxBytes = 8 * 1024;
  const { forwarder, metrics } = startForwarder(t, { resolvers: [up.address], forwardCacheMaxBytes: maxBytes });
  for (let i = 0; i < 10; i++) await forwarder.forward(requestFor(buildQuery({ qname: `n${i}.example.org` }), 'tcp'));
  const text = metrics.render();
  const bytes = Number(/mesos_dns_forward_cache_bytes (\d+)/.exec(text)?.[1]);
  const entries = Number(/mesos_dns_forward_cache_entries (\d+)/.exec(text)?.[1]);
  assert.ok(bytes > 0 && bytes <= maxBytes, `cache bytes ${bytes}`);
  assert.ok(entries >= 1 && entries < 10, `cache entries ${entries}`);
});

test('quirk #24: a reply too big for a UDP client without EDNS (512) becomes TC with no records', async (t) => {
  const up = await startUpstream(t, { defaultBehaviour: { kind: 'truncated', count: 40 } });
  const { forwarder, metrics } = startForwarder(t, { resolvers: [up.address] });
  const bytes = await forwarder.forward(requestFor(buildQuery({ qname: 'big.example.org', id: 5 })));
  assert.ok(bytes.length <= 512);
  const reply = decodeReply(bytes);
  assert.equal(reply.id, 5);
  assert.equal(reply.tc, true);
  assert.equal(reply.rcode, 'NOERROR');
  assert.equal(reply.ra, true, 'upstream RA kept');
  assert.equal(reply.packet.questions[0]?.name, 'big.example.org');
  assert.equal(reply.packet.answers.length + reply.packet.authorities.length + reply.packet.additionals.length, 0);
  assert.equal(metrics.counter('mesos_dns_forward_truncated_total', '').get(), 1);

  // The client's TCP retry gets everything (from the cache: the full reply came over TCP).
  const full = decodeReply(await forwarder.forward(requestFor(buildQuery({ qname: 'big.example.org', id: 6 }), 'tcp')));
  assert.equal(full.tc, false);
  assert.equal(full.packet.answers.length, 40);
  assert.deepEqual(up.received.map((r) => r.transport), ['udp', 'tcp']);
});

test('quirk #24: the client\'s EDNS size decides, not the upstream\'s', async (t) => {
  const up = await startUpstream(t, { defaultBehaviour: { kind: 'huge', count: 40 } });
  const { forwarder } = startForwarder(t, { resolvers: [up.address] });
  const big = decodeReply(await forwarder.forward(requestFor(buildQuery({ qname: 'big.example.org', edns: { udpSize: 4096 } }))));
  assert.equal(big.tc, false);
  assert.equal(big.packet.answers.length, 40);
  const small = await forwarder.forward(requestFor(buildQuery({ qname: 'big.example.org', edns: { udpSize: 600, dnssecOk: true } })));
  const decoded = decodeReply(small);
  assert.equal(decoded.tc, true);
  assert.equal(decoded.packet.answers.length, 0);
  assert.equal(decoded.opt?.dnssecOk, true, 'OPT kept on the TC reply');
});

test('SetTruncateBit=false: no TC; as many whole records as fit', async (t) => {
  const up = await startUpstream(t, { defaultBehaviour: { kind: 'truncated', count: 40 } });
  const { forwarder } = startForwarder(t, { resolvers: [up.address], setTruncateBit: false });
  const bytes = await forwarder.forward(requestFor(buildQuery({ qname: 'big.example.org' })));
  assert.ok(bytes.length <= 512, `reply is ${bytes.length} bytes`);
  const reply = decodeReply(bytes);
  assert.equal(reply.tc, false);
  assert.ok(reply.packet.answers.length > 20 && reply.packet.answers.length < 40, `${reply.packet.answers.length} answers`);
});

test('SetTruncateBit=false also clears a TC relayed from upstream', async (t) => {
  const up = await startUpstream(t, { defaultBehaviour: { kind: 'close-tcp' } });
  const { forwarder } = startForwarder(t, { resolvers: [up.address], setTruncateBit: false });
  const reply = decodeReply(await forwarder.forward(requestFor(buildQuery({ qname: 'big.example.org' }))));
  assert.equal(reply.tc, false);
});
