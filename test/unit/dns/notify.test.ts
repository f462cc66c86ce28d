// NOTIFY to secondaries (RFC 1996), against fake secondaries on the loopback that answer late, never,
// or with an error: the message, the resends with backoff until an answer with the same ID, the give-up
// after five sends, and a newer table replacing the pending NOTIFY.
import assert from 'node:assert/strict';
import { type Socket, createSocket } from 'node:dgram';
import { describe, test } from 'node:test';
import { createSilentLogger } from '../../../src/log.js';
import { MetricsRegistry } from '../../../src/metrics.js';
import { createNotifier, notifyMessage, notifyResponseRcode } from '../../../src/dns/notify.js';
import { zoneSoa } from '../../../src/dns/zone.js';
import type { SoaRecord } from '../../../src/dns/records.js';
import type { TableSnapshot } from '../../../src/records/store.js';
import { FIXTURE_SERIAL, createFixtureStore, dnsTestConfig } from '../../cases/dns-fixture.js';
import { decodeReply } from '../../helpers/dns-codec.js';
import { metricValue } from '../../helpers/metric-value.js';
import { waitFor } from '../../helpers/wait-for.js';

const DELAYS = [40, 80, 160, 320, 640];

/** A fake secondary: records every NOTIFY; answers the n-th (1-based) with `rcode`, or never. */
class FakeSecondary {
  readonly received: Buffer[] = [];
  private constructor(
    private readonly socket: Socket,
    readonly port: number,
  ) {}

  static async start(answer: (n: number) => number | undefined): Promise<FakeSecondary> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    const secondary = new FakeSecondary(socket, socket.address().port);
    socket.on('message', (message, rinfo) => {
      secondary.received.push(message);
      const rcode = answer(secondary.received.length);
      if (rcode === undefined) return;
      const reply = Buffer.from(message);
      reply[2] = (reply[2] as number) | 0x80;
      reply[3] = rcode;
      socket.send(reply, rinfo.port, rinfo.address);
    });
    return secondary;
  }

  get ids(): number[] {
    return this.received.map((m) => m.readUInt16BE(0));
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}

function setUp(t: { after: (fn: () => unknown) => void }, secondaries: readonly string[]) {
  const store = createFixtureStore();
  const metrics = new MetricsRegistry();
  const config = dnsTestConfig({ notifySecondaries: secondaries });
  const notifier = createNotifier({ logger: createSilentLogger(), metrics, config, retryDelaysMs: DELAYS });
  t.after(() => notifier.close());
  return { store, metrics, notifier, snapshot: store.current() as TableSnapshot };
}

async function until(what: string, check: () => boolean, ms = 5000): Promise<void> {
  await waitFor(what, () => check() || undefined, ms, 10);
}

describe('NOTIFY', () => {
  test('the message: opcode NOTIFY, AA, the question <apex> SOA IN and the SOA with the serial', () => {
    const soa = zoneSoa(createFixtureStore().current() as TableSnapshot, dnsTestConfig()) as SoaRecord;
    const message = notifyMessage(0x2b2b, soa);
    const decoded = decodeReply(Buffer.from(message.map((b, i) => (i === 2 ? b | 0x80 : b)))); // decoded as a response
    assert.equal(decoded.id, 0x2b2b);
    assert.equal(decoded.opcode, 4);
    assert.equal(decoded.aa, true);
    assert.equal(decoded.question, 'mesos. SOA IN');
    assert.deepEqual(decoded.answer, [`mesos. 60 SOA ns1.mesos. root.ns1.mesos. ${FIXTURE_SERIAL} 60 600 86400 30`]);
    assert.equal(notifyResponseRcode(message, 0x2b2b), undefined, 'a query is not a response');
  });

  test('resent with backoff until the secondary answers with the same ID, then counted as acknowledged', async (t) => {
    const secondary = await FakeSecondary.start((n) => (n === 3 ? 0 : undefined));
    t.after(() => secondary.close());
    const { notifier, metrics, snapshot } = setUp(t, [`127.0.0.1:${secondary.port}`]);
    notifier.notify(snapshot);
    await until('the acknowledgement', () => metricValue(metrics, 'mesos_dns_notify_acked_total') === 1);
    await new Promise((resolve) => setTimeout(resolve, DELAYS.reduce((a, b) => a + b)));
    assert.equal(secondary.received.length, 3, 'no send after the answer');
    assert.equal(new Set(secondary.ids).size, 1, 'resends keep the ID');
    assert.equal(metricValue(metrics, 'mesos_dns_notify_sent_total'), 3);
    assert.equal(metricValue(metrics, 'mesos_dns_notify_failed_total'), 0);
  });

  test('a secondary that never answers gets five sends, then the NOTIFY counts as failed', async (t) => {
    const secondary = await FakeSecondary.start(() => undefined);
    t.after(() => secondary.close());
    const { notifier, metrics, snapshot } = setUp(t, [`127.0.0.1:${secondary.port}`]);
    const startedAt = Date.now();
    notifier.notify(snapshot);
    await until('the give-up', () => metricValue(metrics, 'mesos_dns_notify_failed_total', 'reason="timeout"') === 1);
    t.diagnostic(`given up after ${secondary.received.length} sends in ${Date.now() - startedAt} ms (delays ${DELAYS.join(', ')} ms)`);
    assert.equal(secondary.received.length, 5);
    assert.equal(metricValue(metrics, 'mesos_dns_notify_sent_total'), 5);
  });

  test('an error answer (the secondary refuses) stops the resends and counts as failed', async (t) => {
    const secondary = await FakeSecondary.start(() => 5);
    t.after(() => secondary.close());
    const { notifier, metrics, snapshot } = setUp(t, [`127.0.0.1:${secondary.port}`]);
    notifier.notify(snapshot);
    await until('the failure', () => metricValue(metrics, 'mesos_dns_notify_failed_total', 'reason="rcode"') === 1);
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(secondary.received.length, 1);
  });

  test('a newer table replaces the pending NOTIFY: the older one is not resent', async (t) => {
    const secondary = await FakeSecondary.start(() => undefined);
    t.after(() => secondary.close());
    const { notifier, store, snapshot } = setUp(t, [`127.0.0.1:${secondary.port}`]);
    notifier.notify(snapshot);
    await until('the first NOTIFY', () => secondary.received.length === 1);
    const newer = store.swap(snapshot.table);
    notifier.notify(newer);
    await until('the newer NOTIFY resent', () => secondary.received.length >= 4, 5000);
    const [first, ...rest] = secondary.ids;
    assert.ok(rest.every((id) => id !== first), 'only the newer NOTIFY is resent');
    const serials = secondary.received.map((m) => decodeReply(Buffer.from(m.map((b, i) => (i === 2 ? b | 0x80 : b)))).packet.answers[0]?.serial);
    assert.deepEqual(serials.slice(1), serials.slice(1).map(() => newer.serial));
  });

  test('no secondaries: nothing is sent', async (t) => {
    const { notifier, metrics, snapshot } = setUp(t, []);
    notifier.notify(snapshot);
    assert.equal(metricValue(metrics, 'mesos_dns_notify_sent_total'), 0);
  });
});
