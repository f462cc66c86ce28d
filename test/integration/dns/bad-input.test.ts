// Malformed and hostile input over real sockets. After each case the server must still answer a
// normal query (on the same TCP connection where the protocol allows it).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createFakeForwarder, createFixtureStore, dnsTestConfig } from '../../cases/dns-fixture.js';
import { A_IN, headerBytes, nameBytes, rawOpt } from '../../helpers/dns-bytes.js';
import { TcpClient, UdpClient, tcpFrame } from '../../helpers/dns-client.js';
import { buildQuery, decodeReply } from '../../helpers/dns-codec.js';
import { type StartedServer, startDnsServer } from './harness.js';

const GOOD = buildQuery({ qname: 'nginx.marathon.mesos.', qtype: 'A', id: 0x7777 });

const header = (id: number, flags1: number, qd: number, ar = 0): number[] => headerBytes(id, flags1, { qd, ar });
const longName: number[] = [];
for (let i = 0; i < 5; i++) longName.push(60, ...new Array(60).fill(0x61));

interface BadCase {
  readonly name: string;
  readonly bytes: Buffer;
  /** Expected rcode of the reply, or 'drop' for no reply at all. */
  readonly expect: string;
  readonly id?: number;
}

const BAD: readonly BadCase[] = [
  { name: 'truncated header (5 octets)', bytes: Buffer.from([1, 2, 3, 4, 5]), expect: 'drop' },
  { name: 'QR set (a response)', bytes: Buffer.from([...header(1, 0x81, 1), ...nameBytes('a.mesos.'), ...A_IN]), expect: 'drop' },
  { name: 'QDCOUNT 0', bytes: Buffer.from(header(2, 0x01, 0)), expect: 'FORMERR', id: 2 },
  { name: 'QDCOUNT 2', bytes: buildQuery({ qname: 'a.mesos.', qtype: 'A', qdcount: 2, id: 3 }), expect: 'FORMERR', id: 3 },
  { name: 'label over 63 octets', bytes: Buffer.from([...header(4, 1, 1), 64, ...new Array(64).fill(0x61), 0, ...A_IN]), expect: 'FORMERR', id: 4 },
  { name: 'name over 255 octets', bytes: Buffer.from([...header(5, 1, 1), ...longName, 0, ...A_IN]), expect: 'FORMERR', id: 5 },
  { name: 'compression loop', bytes: Buffer.from([...header(6, 1, 1), 0xc0, 12, ...A_IN]), expect: 'FORMERR', id: 6 },
  { name: 'forward compression pointer', bytes: Buffer.from([...header(7, 1, 1), 0xc0, 18, ...A_IN, 1, 0x61, 0]), expect: 'FORMERR', id: 7 },
  { name: 'question cut short', bytes: Buffer.from([...header(8, 1, 1), 5, 0x6d, 0x65, 0x73]), expect: 'FORMERR', id: 8 },
  { name: 'unknown opcode (5, UPDATE)', bytes: buildQuery({ qname: 'a.mesos.', qtype: 'A', opcode: 5, id: 9 }), expect: 'NOTIMP', id: 9 },
  { name: 'CH class', bytes: buildQuery({ qname: 'a.mesos.', qtype: 'A', qclass: 3, id: 10 }), expect: 'REFUSED', id: 10 },
  { name: 'trailing garbage', bytes: Buffer.concat([buildQuery({ qname: 'a.mesos.', qtype: 'A', id: 11 }), Buffer.from([0xde, 0xad, 0xbe, 0xef])]), expect: 'FORMERR', id: 11 },
  { name: 'malformed additional record (RDLENGTH past the end)', bytes: Buffer.from([...header(12, 1, 1, 1), ...nameBytes('a.mesos.'), ...A_IN, 0, 0, 41, 16, 0, 0, 0, 0, 0, 0, 40]), expect: 'FORMERR', id: 12 },
  { name: 'OPT with EDNS version 1', bytes: buildQuery({ qname: 'a.mesos.', qtype: 'A', edns: { version: 1 }, id: 13 }), expect: 'BADVERS', id: 13 },
  { name: 'two OPT records', bytes: Buffer.concat([Buffer.from([...header(14, 1, 1, 2), ...nameBytes('a.mesos.'), ...A_IN]), rawOpt({ udpSize: 1024 }), rawOpt({ udpSize: 1024 })]), expect: 'FORMERR', id: 14 },
  { name: 'only a header', bytes: Buffer.from(header(15, 1, 1)), expect: 'FORMERR', id: 15 },
];

describe('bad input over UDP', () => {
  let started: StartedServer;
  let client: UdpClient;
  before(async () => {
    started = await startDnsServer({ store: createFixtureStore(), forwarder: createFakeForwarder(), config: dnsTestConfig() });
    client = await UdpClient.open();
  });
  after(async () => {
    await client.close();
    await started.server.close();
  });

  for (const c of BAD) {
    test(`${c.name}: ${c.expect === 'drop' ? 'dropped' : c.expect}, then a normal query is answered`, async () => {
      client.send(started.port, c.bytes);
      // Datagrams on loopback are handled in order: whatever comes before the good reply answers the bad one.
      client.send(started.port, GOOD);
      const first = decodeReply(await client.next());
      if (c.expect === 'drop') {
        assert.equal(first.id, 0x7777, 'no reply to the bad packet');
      } else {
        assert.equal(first.id, c.id, 'the reply carries the query ID');
        assert.equal(first.rcode, c.expect);
        assert.ok(first.flags.includes('qr'));
        const good = decodeReply(await client.next());
        assert.equal(good.id, 0x7777);
      }
      assert.equal(client.pending, 0);
    });
  }

  test('the drops and rejections are counted by reason', () => {
    const text = started.metrics.render();
    assert.match(text, /mesos_dns_dropped_packets_total\{reason="short",transport="udp"\} 1/);
    assert.match(text, /mesos_dns_dropped_packets_total\{reason="response",transport="udp"\} 1/);
    assert.match(text, /mesos_dns_rejected_queries_total\{reason="bad_pointer"\} 2/);
    assert.match(text, /mesos_dns_rejected_queries_total\{reason="qdcount"\} 2/);
    assert.match(text, /mesos_dns_rejected_queries_total\{reason="edns_version"\} 1/);
    assert.match(text, /mesos_dns_queries_total\{qtype="A",rcode="NOERROR"\} \d+/);
  });
});

describe('bad input over TCP', () => {
  let started: StartedServer;
  before(async () => {
    started = await startDnsServer({ store: createFixtureStore(), forwarder: createFakeForwarder(), config: dnsTestConfig() });
  });
  after(() => started.server.close());

  for (const c of BAD) {
    test(`${c.name}: ${c.expect === 'drop' ? 'dropped' : c.expect}, and the connection still answers`, async (t) => {
      const client = await TcpClient.open(started.port);
      t.after(() => client.close());
      client.send(c.bytes);
      client.send(GOOD);
      const first = decodeReply(await client.next());
      if (c.expect === 'drop') {
        assert.equal(first.id, 0x7777);
      } else {
        assert.equal(first.id, c.id);
        assert.equal(first.rcode, c.expect);
        assert.equal(decodeReply(await client.next()).id, 0x7777);
      }
    });
  }

  test('a zero-length frame closes the connection; a new one is answered', async () => {
    const client = await TcpClient.open(started.port);
    client.writeRaw(Buffer.from([0, 0]));
    await client.waitClosed();
    const again = await TcpClient.open(started.port);
    assert.equal(decodeReply(await again.exchange(GOOD)).rcode, 'NOERROR');
    again.close();
  });

  test('a frame declaring more than 16 KiB closes the connection unread; a new one is answered', async () => {
    const client = await TcpClient.open(started.port);
    client.writeRaw(Buffer.from([0xff, 0xff, 1, 2, 3]));
    await client.waitClosed();
    const again = await TcpClient.open(started.port);
    assert.equal(decodeReply(await again.exchange(GOOD)).rcode, 'NOERROR');
    again.close();
    assert.match(started.metrics.render(), /mesos_dns_tcp_connections_closed_total\{reason="oversized_frame"\} 1/);
  });

  test('a 16 KiB frame of garbage gets FORMERR and the connection keeps working', async () => {
    const client = await TcpClient.open(started.port);
    const garbage = Buffer.alloc(16 * 1024, 0x41);
    garbage.set(headerBytes(0x4242, 0x01, { qd: 1 }).slice(0, 6));
    client.send(garbage);
    const reply = decodeReply(await client.next());
    assert.equal(reply.id, 0x4242);
    assert.equal(reply.rcode, 'FORMERR');
    assert.equal(decodeReply(await client.exchange(GOOD)).rcode, 'NOERROR');
    client.close();
  });

  test('a query split into single octets is reassembled', async () => {
    const client = await TcpClient.open(started.port);
    for (const octet of tcpFrame(GOOD)) client.writeRaw(Buffer.from([octet]));
    assert.equal(decodeReply(await client.next()).id, 0x7777);
    client.close();
  });
});
