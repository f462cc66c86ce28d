// The reply octets all DNS/TCP connections together keep queued for clients that do not read are
// bounded by the listener's write budget, not by connections × the per-connection cap. The listener runs
// on the loopback with a handler that answers every query with a 32 KiB reply (a large answer, so that
// few queries fill the kernel's buffers), and a small budget so that the test stays small.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createSilentLogger } from '../../../src/log.js';
import { type TcpCloseReason, type TcpListener, createTcpListener } from '../../../src/dns/tcp-server.js';
import type { QueryHandler } from '../../../src/dns/udp-server.js';
import { HalfOpenClient, sleep, within } from '../../helpers/half-open-client.js';
import { poll } from '../../helpers/wait-for.js';
import { tcpFrame } from '../../helpers/dns-client.js';

const KiB = 1024;
const MiB = 1024 * KiB;
const BUDGET = 4 * MiB;
/** Below what the kernel leaves queued in the second test, so that it must close slow readers. */
const SMALL_BUDGET = MiB;
const REPLY = Buffer.alloc(32 * KiB, 0x52);
/** The largest a reply can be (a forwarded one, say). */
const LARGEST_REPLY = Buffer.alloc(65_535, 0x46);
const mib = (bytes: number): string => `${(bytes / MiB).toFixed(1)} MiB`;

/** A 12-octet message in a frame: the handler does not look at it. */
function queries(count: number): Buffer {
  const frame = tcpFrame(Buffer.alloc(12));
  return Buffer.concat(Array.from({ length: count }, () => frame));
}

async function startListener(
  t: { after: (fn: () => unknown) => void },
  onQuery: QueryHandler,
  budget: number,
): Promise<{ listener: TcpListener; port: number; closes: Map<TcpCloseReason, number> }> {
  const closes = new Map<TcpCloseReason, number>();
  const listener = createTcpListener({
    logger: createSilentLogger(),
    address: '127.0.0.1',
    port: 0,
    dualStack: false,
    onQuery,
    limits: () => ({ maxConnections: 1024, maxConnectionsPerClient: 1024, idleTimeoutMs: 30_000 }),
    writeBudgetBytes: budget,
    onClose: (reason) => closes.set(reason, (closes.get(reason) ?? 0) + 1),
  });
  const { port } = await listener.listen();
  t.after(() => listener.close(0));
  return { listener, port, closes };
}

/** Samples the listener's queued reply octets every 5 ms until stopped; returns the largest seen. */
function sampleWrites(listener: TcpListener): { stop: () => number } {
  let max = 0;
  const sample = (): void => {
    max = Math.max(max, listener.bufferedBytes().write);
  };
  const timer = setInterval(sample, 5);
  return {
    stop: () => {
      clearInterval(timer);
      sample();
      return max;
    },
  };
}

/** Waits until the queued total stops changing for 300 ms (bounded by 10 s). */
async function settle(listener: TcpListener): Promise<void> {
  let last = -1;
  const unchanged = (): true | undefined => {
    const now = listener.bufferedBytes().write;
    if (now === last) return true;
    last = now;
    return undefined;
  };
  await poll(unchanged, 10_000, 300);
}

describe('the DNS/TCP write budget', () => {
  test('24 clients that send 400 queries each and never read: the queued total stays near the budget; a reader is still answered', async (t) => {
    const { listener, port } = await startListener(t, () => REPLY, BUDGET);
    const sampler = sampleWrites(listener);
    const clients: HalfOpenClient[] = [];
    for (let i = 0; i < 24; i++) {
      const client = await HalfOpenClient.open({ port, read: false });
      t.after(() => client.destroy());
      clients.push(client);
      await client.write(queries(400));
    }
    await settle(listener);
    // A client that reads gets its answers while the others hold the budget.
    const reader = await HalfOpenClient.open({ port });
    t.after(() => reader.destroy());
    await reader.write(queries(3));
    const answered = await within(
      (async () => {
        while (reader.received < 3 * (REPLY.length + 2) && !reader.serverGone) await sleep(10);
        return true;
      })(),
      5000,
    );
    const max = sampler.stop();
    t.diagnostic(`queued reply octets of 24 non-reading clients: at most ${mib(max)} (budget ${mib(BUDGET)}); the reader got ${reader.received} octets`);
    assert.equal(answered, true);
    assert.equal(reader.received, 3 * (REPLY.length + 2), 'the reading client was answered');
    // Past the budget only connections with nothing queued read on, each up to one reply that did not fit.
    assert.ok(max <= BUDGET + 25 * (REPLY.length + 2), `${mib(max)} queued`);
    assert.equal(listener.connectionCount, 25);
  });

  test('replies arriving for queries already in flight are bounded by closing the slowest readers past twice the budget', async (t) => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const { listener, port, closes } = await startListener(t, () => gate.then(() => LARGEST_REPLY), SMALL_BUDGET);
    const clients: HalfOpenClient[] = [];
    for (let i = 0; i < 24; i++) {
      const client = await HalfOpenClient.open({ port, read: false });
      t.after(() => client.destroy());
      clients.push(client);
      // 64 queries: as many as one connection has in flight before it stops reading.
      await client.write(queries(64));
    }
    await sleep(200);
    const sampler = sampleWrites(listener);
    release();
    await settle(listener);
    const max = sampler.stop();
    const shed = closes.get('slow_reader') ?? 0;
    t.diagnostic(`24 × 64 replies of 64 KiB released at once: at most ${mib(max)} queued (budget ${mib(SMALL_BUDGET)}), ${shed} slowest readers closed`);
    assert.ok(max <= 2 * SMALL_BUDGET + LARGEST_REPLY.length + 2, `${mib(max)} queued`);
    assert.ok(shed > 0, 'no slow reader was closed: the test did not pass twice the budget');
  });
});
