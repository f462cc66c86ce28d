// Zone transfer rules and messages (pure): who may transfer, what each kind of transfer query gets,
// and the answer stream (SOA first and last, every served record once, messages within the size bound,
// the question in the first message only, the query's ID on every message).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { QType } from '../../../src/wire/constants.js';
import { type HandleResult, handleQuery } from '../../../src/dns/handle.js';
import { transferMessages } from '../../../src/dns/transfer-messages.js';
import { serialAtLeast } from '../../../src/dns/zone-transfer.js';
import { zoneRecords } from '../../../src/dns/zone.js';
import type { TableSnapshot } from '../../../src/records/store.js';
import { parseLayout } from '../../../src/wire/message.js';
import { FIXTURE_SERIAL, createFixtureStore, dnsTestConfig } from '../../cases/dns-fixture.js';
import { buildQuery, decodeReply, ixfrQuery } from '../../helpers/dns-codec.js';

const snapshot = createFixtureStore().current() as TableSnapshot;
const allowed = dnsTestConfig({ zoneTransferAllowFrom: ['127.0.0.0/8', '2001:db8::/32'] });

function handle(message: Buffer, options: { transport?: 'udp' | 'tcp'; client?: string; config?: typeof allowed } = {}): HandleResult {
  return handleQuery(message, {
    transport: options.transport ?? 'tcp',
    snapshot,
    config: options.config ?? allowed,
    random: () => 0,
    client: options.client ?? '127.0.0.1',
  });
}

function rcodeOf(result: HandleResult): string {
  assert.equal(result.kind, 'reply');
  return result.kind === 'reply' ? decodeReply(result.bytes).rcode : '';
}

const axfr = (qname = 'mesos.'): Buffer => buildQuery({ qname, qtype: 'AXFR', id: 0x4242 });

describe('who may transfer the zone', () => {
  test('nobody by default: AXFR and IXFR are REFUSED as before (over TCP and UDP)', () => {
    const config = dnsTestConfig();
    assert.deepEqual(config.zoneTransferAllowFrom, []);
    assert.equal(rcodeOf(handle(axfr(), { config })), 'REFUSED');
    assert.equal(rcodeOf(handle(ixfrQuery('mesos.', 1), { config })), 'REFUSED');
    assert.equal(rcodeOf(handle(axfr(), { config, transport: 'udp' })), 'REFUSED');
  });

  test('a client outside ZoneTransferAllowFrom is REFUSED; one inside gets the transfer (IPv4-mapped too)', () => {
    assert.equal(rcodeOf(handle(axfr(), { client: '192.0.2.7' })), 'REFUSED');
    assert.equal(rcodeOf(handle(axfr(), { client: '2001:db9::1' })), 'REFUSED');
    assert.equal(handle(axfr(), { client: '127.0.0.1' }).kind, 'transfer');
    assert.equal(handle(axfr(), { client: '::ffff:127.0.0.2' }).kind, 'transfer');
    assert.equal(handle(axfr(), { client: '2001:db8::53' }).kind, 'transfer');
  });

  test('before the first table an allowed client gets SERVFAIL, never a transfer of nothing', () => {
    const result = handleQuery(axfr(), { transport: 'tcp', snapshot: undefined, config: allowed, random: () => 0, client: '127.0.0.1' });
    assert.equal(rcodeOf(result), 'SERVFAIL');
  });
});

describe('what a transfer query gets', () => {
  test('AXFR of a name below the apex: NOTAUTH (RFC 5936 §2.2.1, as Knot and NSD)', () => {
    assert.equal(rcodeOf(handle(axfr('marathon.mesos.'))), 'NOTAUTH');
    assert.equal(rcodeOf(handle(axfr('nginx.marathon.mesos.'))), 'NOTAUTH');
  });

  test('AXFR over UDP: NOTIMP (RFC 5936 §4.2 leaves it undefined; Knot and NSD answer NOTIMP)', () => {
    assert.equal(rcodeOf(handle(axfr(), { transport: 'udp' })), 'NOTIMP');
  });

  test('IXFR without the client SOA in the authority section: FORMERR (RFC 1995 §3)', () => {
    assert.equal(rcodeOf(handle(buildQuery({ qname: 'mesos.', qtype: QType.IXFR }))), 'FORMERR');
  });

  test('IXFR from a secondary already at our serial (or later, RFC 1982): one message with our SOA', () => {
    for (const serial of [FIXTURE_SERIAL, FIXTURE_SERIAL + 5, (FIXTURE_SERIAL + 0x7fffffff) >>> 0]) {
      const result = handle(ixfrQuery('mesos.', serial));
      assert.equal(result.kind, 'reply', String(serial));
      if (result.kind !== 'reply') continue;
      const reply = decodeReply(result.bytes);
      assert.equal(reply.aa, true);
      assert.deepEqual(reply.answer, [`mesos. 60 SOA ns1.mesos. root.ns1.mesos. ${FIXTURE_SERIAL} 60 600 86400 30`]);
    }
  });

  test('IXFR over UDP: our SOA, so the secondary comes back over TCP (RFC 1995 §2)', () => {
    const result = handle(ixfrQuery('mesos.', 1), { transport: 'udp' });
    assert.equal(result.kind, 'reply');
    if (result.kind === 'reply') assert.equal(decodeReply(result.bytes).answer.length, 1);
  });

  test('IXFR from an older serial: the whole zone, AXFR-style (RFC 1995 §4)', () => {
    for (const serial of [1, FIXTURE_SERIAL - 1, (FIXTURE_SERIAL + 0x80000001) >>> 0]) {
      const result = handle(ixfrQuery('mesos.', serial));
      assert.equal(result.kind, 'transfer', String(serial));
      if (result.kind === 'transfer') assert.equal(result.request.qtype, QType.IXFR);
    }
  });

  test('RFC 1982 serial order', () => {
    assert.ok(serialAtLeast(5, 5));
    assert.ok(serialAtLeast(6, 5));
    assert.ok(serialAtLeast(0, 0xffffffff), 'wraps');
    assert.ok(!serialAtLeast(5, 6));
    assert.ok(!serialAtLeast(0xffffffff, 0));
  });
});

interface Stream {
  readonly messages: Uint8Array[];
  readonly records: number[];
}

function streamOf(limit?: number, message = axfr()): Stream {
  const result = handle(message);
  assert.equal(result.kind, 'transfer');
  if (result.kind !== 'transfer') throw new Error('unreachable');
  const messages = [...transferMessages(result.request.head, result.request.zone, limit)];
  const records: number[] = [];
  for (const m of messages) {
    const parsed = parseLayout(m);
    assert.ok(parsed.ok);
    if (parsed.ok) for (const r of parsed.layout.records) if (r.type !== 41) records.push(r.type);
  }
  return { messages, records };
}

describe('the answer stream', () => {
  test('SOA first and last, then exactly the served zone in between, in one message when it fits', () => {
    const { messages, records } = streamOf();
    assert.equal(messages.length, 1);
    const zone = [...zoneRecords(snapshot, allowed)];
    assert.equal(records.length, zone.length + 1);
    assert.equal(records[0], QType.SOA);
    assert.equal(records.at(-1), QType.SOA);
    assert.deepEqual(records.slice(0, -1), zone.map((r) => r.type));
    const reply = decodeReply(messages[0] as Uint8Array);
    assert.equal(reply.id, 0x4242);
    assert.equal(reply.aa, true);
    assert.equal(reply.rcode, 'NOERROR');
    assert.equal(reply.question, 'mesos. AXFR IN');
    const listed = zone.length;
    assert.ok(listed > 50, `the fixture zone has ${listed} records`);
  });

  test('split into messages within the bound: the question only in the first, the ID in all, no record lost', () => {
    const whole = streamOf().records;
    for (const limit of [2048, 4096]) {
      const { messages, records } = streamOf(limit);
      assert.ok(messages.length > 1, `${messages.length} messages at ${limit}`);
      for (const [i, m] of messages.entries()) {
        assert.ok(m.length <= limit, `message ${i} is ${m.length} octets, over ${limit}`);
        const reply = decodeReply(m);
        assert.equal(reply.id, 0x4242);
        assert.equal(reply.packet.questions.length, i === 0 ? 1 : 0);
        assert.ok(reply.answer.length > 0);
      }
      assert.deepEqual(records, whole);
    }
  });

  test('an OPT in every message when the query had EDNS', () => {
    const { messages } = streamOf(2048, buildQuery({ qname: 'mesos.', qtype: 'AXFR', edns: { udpSize: 4096 } }));
    for (const m of messages) assert.ok(decodeReply(m).opt);
  });
});
