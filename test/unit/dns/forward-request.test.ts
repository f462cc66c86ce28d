// What the DNS server hands the forwarder (src/forward/types.ts contract).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { handleQuery } from '../../../src/dns/handle.js';
import { DirectState } from '../../../src/dns/direct.js';
import { createFixtureStore, dnsTestConfig } from '../../cases/dns-fixture.js';
import { type QuerySpec, buildQuery } from '../../helpers/dns-codec.js';

const store = createFixtureStore();

function forwardOf(spec: QuerySpec, transport: 'udp' | 'tcp' = 'udp', maxUdpReplyBytes = 65_535) {
  const query = buildQuery(spec);
  const config = dnsTestConfig({ maxUdpReplyBytes });
  const result = handleQuery(query, { transport, snapshot: store.current(), config, direct: new DirectState(), random: Math.random });
  assert.equal(result.kind, 'forward');
  if (result.kind !== 'forward') throw new Error('unreachable');
  return { query, request: result.request };
}

describe('forward requests', () => {
  test('quirk #24: the reply limit is the client EDNS size (512..65535), 512 without EDNS, 65535 over TCP', () => {
    assert.equal(forwardOf({ qname: 'example.com.', qtype: 'A', edns: { udpSize: 4096 } }).request.maxSize, 4096);
    assert.equal(forwardOf({ qname: 'example.com.', qtype: 'A', edns: { udpSize: 100 } }).request.maxSize, 512);
    assert.equal(forwardOf({ qname: 'example.com.', qtype: 'A' }).request.maxSize, 512);
    assert.equal(forwardOf({ qname: 'example.com.', qtype: 'A', edns: { udpSize: 4096 } }, 'tcp').request.maxSize, 65535);
  });

  test('over UDP the limit never exceeds MaxUdpReplyBytes (1232 by default), and ANY gets 512', () => {
    assert.equal(forwardOf({ qname: 'example.com.', qtype: 'A', edns: { udpSize: 4096 } }, 'udp', 1232).request.maxSize, 1232);
    assert.equal(forwardOf({ qname: 'example.com.', qtype: 'A', edns: { udpSize: 1000 } }, 'udp', 1232).request.maxSize, 1000);
    assert.equal(forwardOf({ qname: 'example.com.', qtype: 'ANY', edns: { udpSize: 4096 } }, 'udp', 1232).request.maxSize, 512);
    assert.equal(forwardOf({ qname: 'example.com.', qtype: 'ANY', edns: { udpSize: 4096 } }, 'tcp', 1232).request.maxSize, 65535);
  });

  test('the client message is passed unchanged with its ID, question as asked and transport', () => {
    const { query, request } = forwardOf({ qname: 'WWW.Example.COM.', qtype: 'AAAA', id: 0x4321, flags: ['rd', 'cd'], edns: { udpSize: 1232, options: [0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8] } }, 'tcp');
    assert.deepEqual(Buffer.from(request.query), query);
    assert.equal(request.id, 0x4321);
    assert.equal(request.qname, 'WWW.Example.COM.');
    assert.equal(request.qtype, 28);
    assert.equal(request.qclass, 1);
    assert.equal(request.transport, 'tcp');
  });

  test('quirk #7: nothing inside the domain is forwarded, whatever the type; the root and other zones are', () => {
    for (const qtype of ['DS', 'A', 'TXT', 'MX', 'PTR', 'CNAME', 'TYPE65']) {
      const r = handleQuery(buildQuery({ qname: 'x.mesos.', qtype }), { transport: 'udp', snapshot: store.current(), config: dnsTestConfig(), random: Math.random });
      assert.equal(r.kind, 'reply', qtype);
    }
    assert.equal(forwardOf({ qname: '.', qtype: 'NS' }).request.qname, '.');
    assert.equal(forwardOf({ qname: 'mesos.com.', qtype: 'DS' }).request.qname, 'mesos.com.');
  });
});
