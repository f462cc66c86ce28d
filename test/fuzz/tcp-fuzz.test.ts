// Fuzz: hostile DNS/TCP sessions (test/fuzz/tcp-sessions.ts) against the real DNS server on 127.0.0.1,
// in rounds of concurrent sessions from four client addresses, with a small connection cap, per-client
// share and idle timeout so that eviction, refusal, the idle timeout and the closing grace all happen.
// Clients are created with allowHalfOpen: they may keep writing after the server's FIN, never read, or
// walk away and leave the connection to the server. After every round: the server's open connection
// count returns to 0 on its own, normal UDP and TCP queries are answered, every reply read was a well
// formed response, no query failed inside the server and no error was logged; and the octets the server
// held for TCP connections stayed bounded throughout.
//
// FUZZ_TCP_ROUNDS=<n> runs more rounds (a few by default, a few seconds); FUZZ_SEED=<seed> reproduces.
import assert from 'node:assert/strict';
import { type Socket, connect } from 'node:net';
import { test } from 'node:test';
import { createDnsServer } from '../../src/dns/server.js';
import { createLogger } from '../../src/log.js';
import { MetricsRegistry } from '../../src/metrics.js';
import { createFakeForwarder, createFixtureStore, dnsTestConfig } from '../cases/dns-fixture.js';
import { FrameReader, query } from '../helpers/dns-client.js';
import { addressesOf, decodeReply } from '../helpers/dns-codec.js';
import { sleep, within } from '../helpers/half-open-client.js';
import { metricValue } from '../helpers/metric-value.js';
import { seededRandom } from '../helpers/seeded-random.js';
import { Fuzz, QTYPE } from './packets.js';
import { Ending, STEP_KINDS, type SessionPlan, type Step, StepKind, planSession } from './tcp-sessions.js';
import { waitUntil } from '../helpers/wait-for.js';

const SEED = Number(process.env['FUZZ_SEED'] ?? 0x7c9_2026) >>> 0;
const ROUNDS = Math.max(1, Number(process.env['FUZZ_TCP_ROUNDS'] ?? 3));
const SESSIONS_PER_ROUND = 16;
/** Four clients, each allowed 2 of the 6 connections. */
const SOURCES = ['127.0.0.11', '127.0.0.12', '127.0.0.13', '127.0.0.14'];
const LIMITS = { maxTcpConnections: 6, maxTcpConnectionsPerClient: 2, tcpIdleTimeoutSeconds: 0.5 };
/** A session stops acting after this long (it may still be abandoned to the server). */
const SESSION_MS = 2000;
/** Idle timeout plus closing grace plus a margin: how long the server gets to drop every connection. */
const DRAIN_MS = 5000;
const SENTINEL_NAME = 'nginx.marathon.mesos';
const SENTINEL_IP = '192.0.2.8';
const MiB = 1024 * 1024;
/** Of the replies read, every one's header is checked and every DECODE_EVERY-th fully decoded. */
const DECODE_EVERY = 16;

class Stats {
  sessions = 0;
  replies = 0;
  decoded = 0;
  octetsStreamed = 0;
  refusedOrCut = 0;
  readonly steps = new Map<StepKind, number>();
  readonly endings = new Map<string, number>();
  readonly bad: string[] = [];
  maxRead = 0;
  maxWrite = 0;

  reply(bytes: Buffer): void {
    this.replies++;
    if (bytes.length < 12 || ((bytes[2] as number) & 0x80) === 0) {
      if (this.bad.length < 10) this.bad.push(`reply without QR or header: ${bytes.toString('hex').slice(0, 80)}`);
      return;
    }
    if (this.replies % DECODE_EVERY !== 0) return;
    this.decoded++;
    try {
      decodeReply(bytes);
    } catch (err) {
      if (this.bad.length < 10) this.bad.push(`reply does not decode (${(err as Error).message}): ${bytes.toString('hex').slice(0, 160)}`);
    }
  }
}

function count<K>(map: Map<K, number>, key: K): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

/** Runs one planned session; resolves with the socket if the plan abandons it (the server must drop it). */
async function runSession(port: number, plan: SessionPlan, stats: Stats): Promise<Socket | undefined> {
  const socket = connect({ port, host: '127.0.0.1', localAddress: plan.source, allowHalfOpen: true });
  const deadline = Date.now() + SESSION_MS;
  const left = (): number => deadline - Date.now();
  let closed = false;
  let writable = true;
  const closedPromise = new Promise<void>((resolve) =>
    socket.once('close', () => {
      closed = true;
      resolve();
    }),
  );
  socket.on('error', () => undefined); // resets are expected
  const frames = new FrameReader();
  socket.on('data', (chunk: Buffer) => {
    for (const reply of frames.push(chunk)) stats.reply(reply);
  });
  if (!plan.reads) socket.pause();
  const connected = await within(
    new Promise<boolean>((resolve) => {
      socket.once('connect', () => resolve(true));
      socket.once('error', () => resolve(false));
    }),
    left(),
  );
  if (connected !== true) {
    socket.destroy();
    return undefined;
  }

  /** Writes and waits (bounded) for the kernel to take the octets; false once writing is pointless. */
  const write = async (bytes: Buffer): Promise<boolean> => {
    if (closed || !writable || socket.destroyed) return false;
    const done = new Promise<boolean>((resolve) => socket.write(bytes, (err) => resolve(!err)));
    return (await within(Promise.race([done, closedPromise.then(() => false)]), left())) === true;
  };

  const run = async (s: Step): Promise<void> => {
    switch (s.kind) {
      case StepKind.SPLIT:
        for (const piece of s.pieces) {
          if (!(await write(piece))) return;
          await new Promise((resolve) => setImmediate(resolve));
        }
        return;
      case StepKind.PAUSE:
        await sleep(Math.min(s.ms, Math.max(0, left())));
        return;
      case StepKind.STOP_READING:
        socket.pause();
        return;
      case StepKind.HALF_CLOSE:
        if (writable) socket.end();
        writable = false;
        return;
      case StepKind.STREAM: {
        const junk = Buffer.alloc(64 * 1024, 0x5a);
        const until = Math.min(deadline, Date.now() + 300);
        for (let sent = 0; sent < s.octets && Date.now() < until; sent += junk.length) {
          if (!(await write(junk))) return;
          stats.octetsStreamed += junk.length;
        }
        return;
      }
      default:
        await write(s.bytes);
    }
  };

  for (const s of plan.steps) {
    if (closed || left() <= 0) break;
    count(stats.steps, s.kind);
    await run(s);
  }
  if (closed) stats.refusedOrCut++;
  stats.sessions++;
  count(stats.endings, plan.ending);
  switch (plan.ending) {
    case Ending.CLOSE:
      if (writable) socket.end();
      await within(closedPromise, 1000);
      socket.destroy();
      return undefined;
    case Ending.RESET:
      // After end(), resetAndDestroy() can leave the process spinning at exit (Node 20.20: the handle
      // never finishes closing), so a client that half-closed just closes.
      if (socket.writableEnded) socket.destroy();
      else socket.resetAndDestroy();
      return undefined;
    case Ending.ABANDON:
      return socket;
  }
}

test('hostile DNS/TCP sessions: the server drops every connection on its own and keeps answering', async (t) => {
  const errorLines: string[] = [];
  const logger = createLogger({ level: 'error', destination: { write: (line: string) => void errorLines.push(line) } });
  const metrics = new MetricsRegistry();
  const server = createDnsServer({
    logger,
    metrics,
    store: createFixtureStore(),
    forwarder: createFakeForwarder(),
    config: dnsTestConfig(LIMITS),
  });
  const port = (await server.listen()).tcp[0]?.port as number;
  t.after(() => server.close());
  t.diagnostic(`seed ${SEED}, ${ROUNDS} rounds (FUZZ_SEED=${SEED} FUZZ_TCP_ROUNDS=${ROUNDS} reproduces)`);

  const stats = new Stats();
  const sampler = setInterval(() => {
    stats.maxRead = Math.max(stats.maxRead, metricValue(metrics, 'mesos_dns_tcp_buffered_bytes', 'direction="read"'));
    stats.maxWrite = Math.max(stats.maxWrite, metricValue(metrics, 'mesos_dns_tcp_buffered_bytes', 'direction="write"'));
  }, 20);
  t.after(() => clearInterval(sampler));
  const started = performance.now();

  for (let round = 0; round < ROUNDS; round++) {
    const f = new Fuzz(seededRandom((SEED ^ Math.imul(round + 1, 0x9e3779b1)) >>> 0));
    const plans = Array.from({ length: SESSIONS_PER_ROUND }, (_, i) =>
      planSession(f, SOURCES, STEP_KINDS[(round * SESSIONS_PER_ROUND + i) % STEP_KINDS.length] as StepKind),
    );
    const abandoned = (await Promise.all(plans.map((plan) => runSession(port, plan, stats)))).filter((s) => s !== undefined);

    // Every connection goes, abandoned and half-open ones included, without the clients' help.
    await waitUntil(() => metricValue(metrics, 'mesos_dns_tcp_connections') === 0, DRAIN_MS);
    const open = metricValue(metrics, 'mesos_dns_tcp_connections');
    for (const socket of abandoned) socket.destroy();
    assert.equal(open, 0, `round ${round}: ${open} connections still open ${DRAIN_MS} ms after the sessions ended`);

    for (const transport of ['udp', 'tcp'] as const) {
      const reply = await query({ qname: SENTINEL_NAME, qtype: QTYPE.A }, { port, transport });
      assert.equal(reply.rcode, 'NOERROR', `round ${round}, ${transport}`);
      assert.deepEqual(addressesOf(reply), [SENTINEL_IP], `round ${round}, ${transport}`);
    }
    assert.deepEqual(stats.bad, [], `round ${round}: malformed replies`);
    assert.equal(metricValue(metrics, 'mesos_dns_query_errors_total'), 0, `round ${round}: queries failed:\n${errorLines.join('')}`);
    assert.deepEqual(errorLines, [], `round ${round}: error log lines`);
  }
  clearInterval(sampler);

  const list = (m: Map<string, number>): string => [...m].map(([k, v]) => `${k} ${v}`).join(', ');
  const closes = ['client', 'idle', 'limit', 'client_limit', 'slow_reader', 'zero_length', 'oversized_frame', 'error', 'shutdown'].map(
    (reason) => `${reason} ${metricValue(metrics, 'mesos_dns_tcp_connections_closed_total', `reason="${reason}"`)}`,
  );
  t.diagnostic(
    `${stats.sessions} sessions in ${((performance.now() - started) / 1000).toFixed(1)} s; steps: ${list(stats.steps)}; ` +
      `endings: ${list(stats.endings)}; ${stats.refusedOrCut} cut short by the server; ${(stats.octetsStreamed / MiB).toFixed(1)} MiB of junk taken`,
  );
  t.diagnostic(`server closes by reason: ${closes.join(', ')}`);
  t.diagnostic(
    `${stats.replies} replies (${stats.decoded} fully decoded); the server held at most ${(stats.maxRead / MiB).toFixed(2)} MiB of queries ` +
      `and ${(stats.maxWrite / MiB).toFixed(2)} MiB of replies for TCP connections`,
  );

  for (const kind of STEP_KINDS) assert.ok((stats.steps.get(kind) ?? 0) > 0, `no session took the step "${kind}"`);
  // Queries are read frame by frame, at most one socket chunk ahead, and reading pauses past 1 MiB of
  // queued replies per connection: with 6 connections, a few MiB at most.
  assert.ok(stats.maxRead < 4 * MiB, `the server held ${(stats.maxRead / MiB).toFixed(1)} MiB of unread queries`);
  assert.ok(stats.maxWrite < 16 * MiB, `the server held ${(stats.maxWrite / MiB).toFixed(1)} MiB of unsent replies`);
});
