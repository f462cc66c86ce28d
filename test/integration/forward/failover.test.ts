// Forwarding against real fake upstreams on loopback: relaying, IDs, failover, deadlines, spoofing.
import { parseLayout } from '../../../src/wire/message.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Packet } from 'dns2';
import { headerBytes } from '../../helpers/dns-bytes.js';
import { buildQuery, decodeReply } from '../../helpers/dns-codec.js';
import { closedPort, elapsedSince, makeConfig, requestFor, startForwarder, startUpstream } from './harness.js';
import { forwardSettingsOf } from '../../../src/app.js';

test('relays a NOERROR answer with a fresh random upstream ID and the client ID restored', async (t) => {
  const up = await startUpstream(t, { defaultBehaviour: { kind: 'answer', count: 2, ttl: 120 } });
  const { forwarder } = startForwarder(t, { resolvers: [up.address] }, { random: () => 0.5 });
  const reply = decodeReply(await forwarder.forward(requestFor(buildQuery({ qname: 'www.Example.org', id: 0x1234 }))));
  assert.equal(reply.id, 0x1234);
  assert.equal(reply.rcode, 'NOERROR');
  assert.equal(reply.qr, true);
  assert.equal(reply.rd, true);
  assert.deepEqual(reply.packet.answers.map((a) => a.address), ['192.0.2.1', '192.0.2.2']);
  assert.equal(reply.packet.questions[0]?.name, 'www.Example.org');
  assert.equal(up.received.length, 1);
  assert.equal(up.received[0]?.id, 0x8000, 'the injected random source chose the upstream ID');
  assert.equal(up.received[0]?.transport, 'udp');
});

test('upstream IDs are fresh per query and not the client ID (default crypto source)', async (t) => {
  const up = await startUpstream(t);
  const { forwarder } = startForwarder(t, { resolvers: [up.address], forwardCacheOn: false });
  for (let i = 0; i < 8; i++) {
    const reply = decodeReply(await forwarder.forward(requestFor(buildQuery({ qname: `n${i}.example.org`, id: 7 }))));
    assert.equal(reply.id, 7);
  }
  const ids = new Set(up.received.map((r) => r.id));
  assert.ok(ids.size >= 7, `expected distinct IDs, got ${[...ids].join(',')}`);
});

test('relays NXDOMAIN with its SOA', async (t) => {
  const up = await startUpstream(t, { defaultBehaviour: { kind: 'nxdomain' } });
  const { forwarder } = startForwarder(t, { resolvers: [up.address] });
  const reply = decodeReply(await forwarder.forward(requestFor(buildQuery({ qname: 'missing.example.org' }))));
  assert.equal(reply.rcode, 'NXDOMAIN');
  assert.equal(reply.packet.authorities[0]?.type, Packet.TYPE.SOA);
});

test('relays other rcodes (FORMERR without a question) as they are', async (t) => {
  const up = await startUpstream(t, { defaultBehaviour: { kind: 'rcode', rcode: Packet.RCODE.FORMERR, noQuestion: true } });
  const second = await startUpstream(t);
  const { forwarder } = startForwarder(t, { resolvers: [up.address, second.address] });
  const reply = decodeReply(await forwarder.forward(requestFor(buildQuery({ qname: 'odd.example.org', id: 99 }))));
  assert.equal(reply.rcode, 'FORMERR');
  assert.equal(reply.id, 99);
  assert.equal(reply.packet.questions[0]?.name, 'odd.example.org');
  assert.equal(second.received.length, 0);
});

test('quirk #25: fails over to the next resolver on SERVFAIL', async (t) => {
  const bad = await startUpstream(t, { defaultBehaviour: { kind: 'servfail' } });
  const good = await startUpstream(t);
  const { forwarder, metrics } = startForwarder(t, { resolvers: [bad.address, good.address] });
  const reply = decodeReply(await forwarder.forward(requestFor(buildQuery({ qname: 'a.example.org' }))));
  assert.equal(reply.rcode, 'NOERROR');
  assert.equal(bad.received.length, 1);
  assert.equal(good.received.length, 1);
  const total = metrics.counter('mesos_dns_forwards_total', '');
  assert.equal(total.get({ upstream: bad.address, outcome: 'servfail' }), 1);
  assert.equal(total.get({ upstream: good.address, outcome: 'ok' }), 1);
});

test('quirk #25: fails over to the next resolver on REFUSED', async (t) => {
  const bad = await startUpstream(t, { defaultBehaviour: { kind: 'refused' } });
  const good = await startUpstream(t);
  const { forwarder } = startForwarder(t, { resolvers: [bad.address, good.address] });
  const reply = decodeReply(await forwarder.forward(requestFor(buildQuery({ qname: 'a.example.org' }))));
  assert.equal(reply.rcode, 'NOERROR');
  assert.equal(good.received.length, 1);
});

test('quirk #25: a refused port (ICMP) fails over at once', async (t) => {
  const dead = await closedPort();
  const good = await startUpstream(t);
  const { forwarder, metrics } = startForwarder(t, { resolvers: [dead, good.address], timeout: 5 });
  const start = process.hrtime.bigint();
  const reply = decodeReply(await forwarder.forward(requestFor(buildQuery({ qname: 'a.example.org' }))));
  assert.equal(reply.rcode, 'NOERROR');
  assert.ok(elapsedSince(start) < 0.5, 'no waiting for the dead resolver');
  assert.equal(metrics.counter('mesos_dns_forwards_total', '').get({ upstream: dead, outcome: 'error' }), 1);
});

test('quirk #25: fails over on timeout, within the slot of the first resolver', async (t) => {
  const silent = await startUpstream(t, { defaultBehaviour: { kind: 'silent' } });
  const good = await startUpstream(t);
  const { forwarder, metrics } = startForwarder(t, { resolvers: [silent.address, good.address], timeout: 2 });
  const start = process.hrtime.bigint();
  const reply = decodeReply(await forwarder.forward(requestFor(buildQuery({ qname: 'a.example.org' }))));
  const elapsed = elapsedSince(start);
  assert.equal(reply.rcode, 'NOERROR');
  // Budget 1.8 s over two resolvers: the first gets 0.9 s.
  assert.ok(elapsed >= 0.85 && elapsed < 1.5, `elapsed ${elapsed}`);
  assert.equal(metrics.counter('mesos_dns_forwards_total', '').get({ upstream: silent.address, outcome: 'timeout' }), 1);
});

test('a slow resolver still wins if it answers before the deadline while the next one is asked', async (t) => {
  const slow = await startUpstream(t, { defaultBehaviour: { kind: 'delay', ms: 1100, then: { kind: 'answer', count: 3 } } });
  const silent = await startUpstream(t, { defaultBehaviour: { kind: 'silent' } });
  const { forwarder } = startForwarder(t, { resolvers: [slow.address, silent.address], timeout: 2 });
  const reply = decodeReply(await forwarder.forward(requestFor(buildQuery({ qname: 'slow.example.org' }))));
  assert.equal(reply.rcode, 'NOERROR');
  assert.equal(reply.packet.answers.length, 3);
  assert.equal(silent.received.length, 1, 'the second resolver was asked when the first one ran out of slot');
});

test('every resolver failing gives SERVFAIL within the configured timeout', async (t) => {
  const a = await startUpstream(t, { defaultBehaviour: { kind: 'silent' } });
  const b = await startUpstream(t, { defaultBehaviour: { kind: 'silent' } });
  const c = await startUpstream(t, { defaultBehaviour: { kind: 'silent' } });
  const { forwarder, metrics } = startForwarder(t, { resolvers: [a.address, b.address, c.address], timeout: 1 });
  const start = process.hrtime.bigint();
  const bytes = await forwarder.forward(requestFor(buildQuery({ qname: 'a.example.org', id: 4242, edns: { udpSize: 1232, dnssecOk: true } })));
  const elapsed = elapsedSince(start);
  const reply = decodeReply(bytes);
  // The budget is 0.9 s (see the unit test of exchangeBudgetMs); allow for scheduling noise only.
  assert.ok(elapsed < 1.0 + 0.25, `SERVFAIL after ${elapsed}s, the client waits 1 s`);
  assert.ok(elapsed > 0.8, `SERVFAIL after ${elapsed}s: resolvers got their time`);
  assert.equal(reply.rcode, 'SERVFAIL');
  assert.equal(reply.id, 4242);
  assert.equal(reply.rd, true);
  assert.equal(reply.ra, false);
  assert.equal(reply.aa, false);
  assert.equal(reply.packet.questions[0]?.name, 'a.example.org');
  assert.equal(reply.opt?.dnssecOk, true, 'the OPT is echoed with the DO bit');
  assert.equal(a.received.length + b.received.length + c.received.length, 3);
  assert.equal(metrics.counter('mesos_dns_forward_servfail_total', '').get({ reason: 'all_failed' }), 1);
});

test('every resolver answering SERVFAIL gives SERVFAIL at once', async (t) => {
  const a = await startUpstream(t, { defaultBehaviour: { kind: 'servfail' } });
  const b = await startUpstream(t, { defaultBehaviour: { kind: 'refused' } });
  const { forwarder } = startForwarder(t, { resolvers: [a.address, b.address], timeout: 5 });
  const start = process.hrtime.bigint();
  const reply = decodeReply(await forwarder.forward(requestFor(buildQuery({ qname: 'a.example.org' }))));
  assert.equal(reply.rcode, 'SERVFAIL');
  assert.ok(elapsedSince(start) < 0.5);
});

test('quirk #25: retries over TCP when the UDP reply is truncated', async (t) => {
  const up = await startUpstream(t, { defaultBehaviour: { kind: 'truncated', count: 20 } });
  const { forwarder, metrics } = startForwarder(t, { resolvers: [up.address] });
  const reply = decodeReply(
    await forwarder.forward(requestFor(buildQuery({ qname: 'big.example.org', edns: { udpSize: 4096 } }))),
  );
  assert.equal(reply.tc, false);
  assert.equal(reply.packet.answers.length, 20);
  assert.deepEqual(up.received.map((r) => r.transport), ['udp', 'tcp']);
  assert.notEqual(up.received[0]?.id, up.received[1]?.id, 'a fresh ID for the retry');
  assert.equal(metrics.counter('mesos_dns_forwards_total', '').get({ upstream: up.address, outcome: 'truncated_retry' }), 1);
});

test('quirk #25: a failed TCP retry moves on to the next resolver', async (t) => {
  const closing = await startUpstream(t, { defaultBehaviour: { kind: 'close-tcp' } });
  const good = await startUpstream(t, { defaultBehaviour: { kind: 'answer', count: 2 } });
  const { forwarder } = startForwarder(t, { resolvers: [closing.address, good.address] });
  const reply = decodeReply(await forwarder.forward(requestFor(buildQuery({ qname: 'big.example.org' }))));
  assert.equal(reply.tc, false);
  assert.equal(reply.packet.answers.length, 2);
  assert.deepEqual(closing.received.map((r) => r.transport), ['udp', 'tcp']);
});

test('when the only TCP retry fails, the truncated UDP reply is relayed (TC set)', async (t) => {
  const closing = await startUpstream(t, { defaultBehaviour: { kind: 'close-tcp' } });
  const { forwarder } = startForwarder(t, { resolvers: [closing.address] });
  const reply = decodeReply(await forwarder.forward(requestFor(buildQuery({ qname: 'big.example.org' }))));
  assert.equal(reply.rcode, 'NOERROR');
  assert.equal(reply.tc, true);
});

test('IPv6 upstreams ("[::1]:port") work over UDP and TCP', async (t) => {
  const up = await startUpstream(t, { host: '::1', defaultBehaviour: { kind: 'truncated', count: 5 } });
  const { forwarder } = startForwarder(t, { resolvers: [up.address] });
  const reply = decodeReply(await forwarder.forward(requestFor(buildQuery({ qname: 'v6.example.org', qtype: 'AAAA' }))));
  assert.equal(reply.packet.answers.length, 5);
  assert.equal(reply.packet.answers[0]?.address, '2001:db8::1');
  assert.deepEqual(up.received.map((r) => r.transport), ['udp', 'tcp']);
});

test('TCP clients are forwarded over TCP', async (t) => {
  const up = await startUpstream(t, { defaultBehaviour: { kind: 'answer', count: 1 } });
  const { forwarder } = startForwarder(t, { resolvers: [up.address] });
  const reply = decodeReply(await forwarder.forward(requestFor(buildQuery({ qname: 'tcp.example.org' }), 'tcp')));
  assert.equal(reply.packet.answers.length, 1);
  assert.deepEqual(up.received.map((r) => r.transport), ['tcp']);
});

for (const kind of ['wrong-id', 'wrong-question'] as const) {
  test(`a spoofed reply (${kind}) is ignored and counted; the real one is accepted`, async (t) => {
    const up = await startUpstream(t, { defaultBehaviour: { kind, then: { kind: 'answer', count: 2 } } });
    const { forwarder, metrics } = startForwarder(t, { resolvers: [up.address] });
    const reply = decodeReply(await forwarder.forward(requestFor(buildQuery({ qname: 'target.example.org' }))));
    assert.equal(reply.rcode, 'NOERROR');
    assert.equal(reply.packet.answers.length, 2);
    assert.ok(reply.packet.answers.every((a) => a.name === 'target.example.org'));
    assert.equal(metrics.counter('mesos_dns_forwards_total', '').get({ upstream: up.address, outcome: 'spoofed' }), 1);
  });
}

test('a reply from another port is never seen (connected socket); the real one is accepted', async (t) => {
  const up = await startUpstream(t, { defaultBehaviour: { kind: 'wrong-source', then: { kind: 'answer', count: 2 } } });
  const { forwarder } = startForwarder(t, { resolvers: [up.address] });
  const reply = decodeReply(await forwarder.forward(requestFor(buildQuery({ qname: 'target.example.org' }))));
  assert.equal(reply.packet.answers.length, 2);
});

test('only a reply from another port: SERVFAIL at the deadline', async (t) => {
  const up = await startUpstream(t, { defaultBehaviour: { kind: 'wrong-source' } });
  const { forwarder } = startForwarder(t, { resolvers: [up.address], timeout: 1 });
  const reply = decodeReply(await forwarder.forward(requestFor(buildQuery({ qname: 'target.example.org' }))));
  assert.equal(reply.rcode, 'SERVFAIL');
});

test('only spoofed replies: the forwarder keeps waiting until the deadline, then SERVFAIL', async (t) => {
  const up = await startUpstream(t, { defaultBehaviour: { kind: 'wrong-id' } });
  const { forwarder } = startForwarder(t, { resolvers: [up.address], timeout: 1 });
  const start = process.hrtime.bigint();
  const reply = decodeReply(await forwarder.forward(requestFor(buildQuery({ qname: 'target.example.org' }))));
  assert.equal(reply.rcode, 'SERVFAIL');
  assert.ok(elapsedSince(start) > 0.8);
});

test('an unparsable reply (right ID and question, broken records) fails over', async (t) => {
  const broken = await startUpstream(t, { defaultBehaviour: { kind: 'garbage' } });
  const good = await startUpstream(t);
  const { forwarder, metrics } = startForwarder(t, { resolvers: [broken.address, good.address] });
  const reply = decodeReply(await forwarder.forward(requestFor(buildQuery({ qname: 'a.example.org' }))));
  assert.equal(reply.rcode, 'NOERROR');
  assert.equal(metrics.counter('mesos_dns_forwards_total', '').get({ upstream: broken.address, outcome: 'unparsable' }), 1);
});

test('quirk #26: the most specific zone resolver wins; zone keys match case-insensitively, on label boundaries', async (t) => {
  const dflt = await startUpstream(t);
  const org = await startUpstream(t);
  const example = await startUpstream(t);
  const { forwarder } = startForwarder(t, {
    resolvers: [dflt.address],
    zoneResolvers: { org: [org.address], 'Example.ORG': [example.address] },
  });
  const ask = async (name: string): Promise<void> => {
    decodeReply(await forwarder.forward(requestFor(buildQuery({ qname: name }))));
  };
  await ask('www.EXAMPLE.org');
  await ask('example.org');
  await ask('www.other.org');
  await ask('fooexample.org');
  await ask('www.example.com');
  await ask('org.example.com');
  assert.deepEqual(example.received.map((r) => r.name), ['www.EXAMPLE.org', 'example.org']);
  assert.deepEqual(org.received.map((r) => r.name), ['www.other.org', 'fooexample.org']);
  assert.deepEqual(dflt.received.map((r) => r.name), ['www.example.com', 'org.example.com']);
});

test('ExternalOn=false answers REFUSED at once without asking anyone', async (t) => {
  const up = await startUpstream(t);
  const { forwarder, metrics } = startForwarder(t, { resolvers: [up.address], externalOn: false });
  const reply = decodeReply(
    await forwarder.forward(requestFor(buildQuery({ qname: 'www.example.org', id: 77, flags: ['rd', 'cd'], edns: { udpSize: 1232 } }))),
  );
  assert.equal(reply.rcode, 'REFUSED');
  assert.equal(reply.id, 77);
  assert.equal(reply.qr, true);
  assert.equal(reply.rd, true);
  assert.equal(reply.cd, true);
  assert.equal(reply.ra, false);
  assert.equal(reply.aa, false);
  assert.equal(reply.packet.questions[0]?.name, 'www.example.org');
  assert.equal(reply.packet.answers.length, 0);
  assert.ok(reply.opt, 'OPT echoed');
  assert.equal(up.received.length, 0);
  assert.equal(metrics.counter('mesos_dns_forward_refused_total', '').get(), 1);

  const plain = decodeReply(await forwarder.forward(requestFor(buildQuery({ qname: 'www.example.org', flags: [] }))));
  assert.equal(plain.rd, false);
  assert.equal(plain.opt, undefined, 'no OPT when the query had none');
});

test('no resolvers at all gives SERVFAIL', async (t) => {
  const { forwarder, metrics } = startForwarder(t, { resolvers: [] });
  const reply = decodeReply(await forwarder.forward(requestFor(buildQuery({ qname: 'www.example.org' }))));
  assert.equal(reply.rcode, 'SERVFAIL');
  assert.equal(metrics.counter('mesos_dns_forward_servfail_total', '').get({ reason: 'no_upstreams' }), 1);
});

test('past maxForwardsInFlight a query gets SERVFAIL at once and is counted', async (t) => {
  const up = await startUpstream(t, { defaultBehaviour: { kind: 'delay', ms: 200, then: { kind: 'answer' } } });
  const { forwarder, metrics } = startForwarder(t, { resolvers: [up.address], maxForwardsInFlight: 1 });
  let firstDone = false;
  const first = forwarder.forward(requestFor(buildQuery({ qname: 'one.example.org' })));
  void first.then(() => {
    firstDone = true;
  });
  const second = decodeReply(await forwarder.forward(requestFor(buildQuery({ qname: 'two.example.org' }))));
  assert.equal(firstDone, false, 'the rejected query did not wait for the one in flight');
  assert.equal(second.rcode, 'SERVFAIL');
  assert.equal(metrics.counter('mesos_dns_forwards_rejected_total', '').get(), 1);
  assert.equal(metrics.gauge('mesos_dns_forwards_in_flight', '').get(), 1);
  assert.equal(decodeReply(await first).rcode, 'NOERROR');
  assert.equal(metrics.gauge('mesos_dns_forwards_in_flight', '').get(), 0);
  // Capacity is back.
  assert.equal(decodeReply(await forwarder.forward(requestFor(buildQuery({ qname: 'three.example.org' })))).rcode, 'NOERROR');
});

test('identical concurrent queries share one upstream exchange, each with its own ID', async (t) => {
  const up = await startUpstream(t, { defaultBehaviour: { kind: 'delay', ms: 100, then: { kind: 'answer', count: 1 } } });
  const { forwarder, metrics } = startForwarder(t, { resolvers: [up.address], maxForwardsInFlight: 1 });
  const replies = await Promise.all(
    [1, 2, 3].map((id) => forwarder.forward(requestFor(buildQuery({ qname: id === 2 ? 'SAME.example.org' : 'same.example.org', id })))),
  );
  const decoded = replies.map(decodeReply);
  assert.deepEqual(decoded.map((r) => r.id), [1, 2, 3]);
  assert.deepEqual(decoded.map((r) => r.rcode), ['NOERROR', 'NOERROR', 'NOERROR']);
  assert.equal(decoded[1]?.packet.questions[0]?.name, 'SAME.example.org', 'each client sees its own spelling');
  assert.equal(up.received.length, 1);
  assert.equal(metrics.counter('mesos_dns_forward_dedup_total', '').get(), 2);
});

test('records the upstream round trip in the duration histogram', async (t) => {
  const up = await startUpstream(t);
  const { forwarder, metrics } = startForwarder(t, { resolvers: [up.address] });
  await forwarder.forward(requestFor(buildQuery({ qname: 'www.example.org' })));
  assert.equal(metrics.histogram('mesos_dns_forward_duration_seconds', '', []).count({ upstream: up.address }), 1);
  assert.match(metrics.render(), /mesos_dns_forwards_total\{upstream="127\.0\.0\.1:\d+",outcome="ok"\} 1/);
});

test('close() waits for exchanges in flight, then answers SERVFAIL; it is idempotent', async (t) => {
  const up = await startUpstream(t, { defaultBehaviour: { kind: 'delay', ms: 100, then: { kind: 'answer' } } });
  const { forwarder } = startForwarder(t, { resolvers: [up.address] });
  const pending = forwarder.forward(requestFor(buildQuery({ qname: 'www.example.org' })));
  const closed = forwarder.close();
  assert.equal(forwarder.close(), closed);
  await closed;
  assert.equal(decodeReply(await pending).rcode, 'NOERROR');
  const after = decodeReply(await forwarder.forward(requestFor(buildQuery({ qname: 'www.example.org' }))));
  assert.equal(after.rcode, 'SERVFAIL');
});

test('setSettings switches resolvers and forwarding on the fly', async (t) => {
  const first = await startUpstream(t);
  const second = await startUpstream(t);
  const { forwarder } = startForwarder(t, { resolvers: [first.address] });
  await forwarder.forward(requestFor(buildQuery({ qname: 'www.example.org' })));
  forwarder.setSettings(forwardSettingsOf(makeConfig({ resolvers: [second.address] })));
  await forwarder.forward(requestFor(buildQuery({ qname: 'www.example.org' })));
  assert.equal(first.received.length, 1);
  assert.equal(second.received.length, 1, 'the cache was dropped with the old resolvers');
  forwarder.setSettings(forwardSettingsOf(makeConfig({ resolvers: [second.address], externalOn: false })));
  const refused = decodeReply(await forwarder.forward(requestFor(buildQuery({ qname: 'www.example.org' }))));
  assert.equal(refused.rcode, 'REFUSED');
});

test('forward() never rejects, even for a query without a question', async (t) => {
  const up = await startUpstream(t);
  const { forwarder } = startForwarder(t, { resolvers: [up.address] });
  const garbage = Buffer.from(headerBytes(0x1234, 0x01)); // RD, no question
  const parsed = parseLayout(garbage);
  assert.ok(parsed.ok);
  const bytes = await forwarder.forward({ query: garbage, layout: parsed.layout, id: 0x1234, qname: 'a', qtype: 1, qclass: 1, transport: 'udp', client: '127.0.0.1', maxSize: 512 });
  assert.equal(bytes.length, 12);
  assert.equal(bytes[0], 0x12);
  assert.equal((bytes[3] as number) & 0x0f, Packet.RCODE.SERVFAIL);
});
