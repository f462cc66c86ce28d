// Amplification and open-resolver limits, end to end through the real DNS server and forwarder on
// loopback: the UDP reply ceiling (MaxUdpReplyBytes) on both answer paths and on forwarded replies,
// the 512-octet rule for ANY over UDP on forwarded names too, the ExternalAllowFrom allow-list, and
// each client's share of the forwards in flight (MaxForwardsPerClient).
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import type { Config } from '../../../src/config/types.js';
import { forwardSettingsOf } from '../../../src/app.js';
import { createForwarder } from '../../../src/forward/forwarder.js';
import { createSilentLogger } from '../../../src/log.js';
import { MetricsRegistry } from '../../../src/metrics.js';
import { createFixtureStore, dnsTestConfig } from '../../cases/dns-fixture.js';
import { query, udpExchange } from '../../helpers/dns-client.js';
import { type DecodedReply, type QuerySpec, buildQuery, decodeReply } from '../../helpers/dns-codec.js';
import { type FakeUpstreamOptions, startFakeUpstream } from '../../helpers/fake-upstream.js';
import { startDnsServer } from './harness.js';

async function serve(t: TestContext, overrides: Partial<Config>, options: { direct?: false } = {}): Promise<number> {
  const config = dnsTestConfig({ externalOn: true, timeout: 2, ...overrides });
  const forwarder = createForwarder({ logger: createSilentLogger(), metrics: new MetricsRegistry(), settings: forwardSettingsOf(config) });
  const started = await startDnsServer({ store: createFixtureStore(), forwarder, config, ...options });
  t.after(async () => {
    await started.server.close();
    await forwarder.close();
  });
  return started.port;
}

async function upstream(t: TestContext, options: FakeUpstreamOptions): Promise<string> {
  const up = await startFakeUpstream(options);
  t.after(() => up.close());
  return up.address;
}

/** One UDP exchange from a chosen loopback source address (the server listens on 127.0.0.1). */
async function askFrom(source: string, port: number, spec: QuerySpec, timeoutMs = 5000): Promise<{ bytes: Buffer; reply: DecodedReply }> {
  const bytes = await udpExchange(buildQuery(spec), { port, localAddress: source, timeoutMs });
  return { bytes, reply: decodeReply(bytes) };
}

test('forwarded UDP replies stay within MaxUdpReplyBytes (default 1232) whatever EDNS size the client advertises', async (t) => {
  const resolver = await upstream(t, { defaultBehaviour: { kind: 'huge', count: 100 } });
  const port = await serve(t, { resolvers: [resolver] });
  const { bytes, reply } = await askFrom('127.0.0.1', port, { qname: 'big.example.org', edns: { udpSize: 65_535 } });
  assert.ok(bytes.length <= 1232, `${bytes.length} octets over UDP`);
  assert.equal(reply.tc, true);
  const overTcp = await query({ qname: 'big.example.org', edns: { udpSize: 65_535 } }, { port, transport: 'tcp' });
  assert.equal(overTcp.packet.answers.length, 100, 'TCP carries the whole answer');
});

for (const direct of [true, false]) {
  test(`in-domain UDP replies stay within MaxUdpReplyBytes (${direct ? 'direct' : 'general'} path)`, async (t) => {
    const port = await serve(t, { maxUdpReplyBytes: 600 }, direct ? {} : { direct: false });
    // many.marathon.mesos has 40 A records: some 700 octets.
    const { bytes, reply } = await askFrom('127.0.0.1', port, { qname: 'many.marathon.mesos', edns: { udpSize: 4096 } });
    assert.ok(bytes.length <= 600, `${bytes.length} octets`);
    assert.equal(reply.tc, true);
    const roomy = await serve(t, { maxUdpReplyBytes: 4096 }, direct ? {} : { direct: false });
    const whole = await askFrom('127.0.0.1', roomy, { qname: 'many.marathon.mesos', edns: { udpSize: 4096 } });
    assert.equal(whole.reply.tc, false);
    assert.equal(whole.reply.packet.answers.length, 40);
  });
}

test('forwarded ANY over UDP is held to 512 octets, as ANY inside the domain is', async (t) => {
  const resolver = await upstream(t, { defaultBehaviour: { kind: 'huge', count: 60 } });
  const port = await serve(t, { resolvers: [resolver], maxUdpReplyBytes: 4096 });
  const any = await askFrom('127.0.0.1', port, { qname: 'big.example.org', qtype: 'ANY', edns: { udpSize: 4096 } });
  assert.ok(any.bytes.length <= 512, `${any.bytes.length} octets`);
  assert.equal(any.reply.tc, true);
  const a = await askFrom('127.0.0.1', port, { qname: 'big.example.org', qtype: 'A', edns: { udpSize: 4096 } });
  assert.equal(a.reply.tc, false, 'other types follow the client size');
  assert.equal(a.reply.packet.answers.length, 60);
});

test('ExternalAllowFrom: clients outside the networks get REFUSED for forwarded names, and answers inside the domain', async (t) => {
  const resolver = await upstream(t, { defaultBehaviour: { kind: 'answer' } });
  const port = await serve(t, { resolvers: [resolver], externalAllowFrom: ['127.0.0.2/32', '10.0.0.0/8'] });
  const outside = await askFrom('127.0.0.1', port, { qname: 'www.example.org' });
  assert.equal(outside.reply.rcode, 'REFUSED');
  const inDomain = await askFrom('127.0.0.1', port, { qname: 'nginx.marathon.mesos' });
  assert.equal(inDomain.reply.rcode, 'NOERROR');
  assert.equal(inDomain.reply.packet.answers.length, 1);
  const inside = await askFrom('127.0.0.2', port, { qname: 'www.example.org' });
  assert.equal(inside.reply.rcode, 'NOERROR');
  assert.ok(inside.reply.packet.answers.length > 0);
});

test('one client cannot hold every forward slot: a zone that never answers takes only its share', async (t) => {
  const silent = await upstream(t, { defaultBehaviour: { kind: 'silent' } });
  const answering = await upstream(t, { defaultBehaviour: { kind: 'answer' } });
  const port = await serve(t, {
    resolvers: [answering],
    zoneResolvers: { 'slow.test': [silent] },
    maxForwardsInFlight: 8,
    maxForwardsPerClient: 4,
  });
  // 127.0.0.2 asks 20 different names of the silent zone at once (different names: no sharing).
  const flood = Array.from({ length: 20 }, (_, i) => askFrom('127.0.0.2', port, { qname: `n${i}.slow.test` }, 8000));
  await new Promise((resolve) => setTimeout(resolve, 200));
  const other = await askFrom('127.0.0.3', port, { qname: 'www.example.org' }, 1500);
  assert.equal(other.reply.rcode, 'NOERROR', 'another client is still forwarded');
  const refusedAtOnce = (await Promise.all(flood)).filter(({ reply }) => reply.rcode === 'SERVFAIL').length;
  assert.equal(refusedAtOnce, 20, 'the flood ends in SERVFAIL (16 at once, 4 at the timeout)');
});
