// Fuzz: over 100,000 hostile packets (FUZZ_UDP_PACKETS + TCP frames; `npm run fuzz` sends 1,000,000) at the real UDP and TCP listeners (in-process app on 127.0.0.1,
// embedded cluster from a StateFile, nothing forwarded off the machine). UDP goes out in bursts, each
// followed by a normal query that must come back right (so in-flight datagrams stay bounded and the
// server is checked alive after every burst). TCP sessions carry many frames split across writes at
// random, and end normally, with a zero-length or oversized frame, or by closing mid-frame. One packet
// in 200 is one of the most expensive shapes a client can send (test/fuzz/hostile.ts): pointer
// chains, record and option floods, datagrams of the largest size.
// Then: normal answers over UDP and TCP, the same table generation, no handler failures, every reply
// well formed, no TCP connection left behind, and no memory growth over a second identical round.
//
// Reproduce a failure with FUZZ_SEED=<seed from the diagnostics>.
import assert from 'node:assert/strict';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createApp, type App } from '../../src/app.js';
import { validConfig } from '../helpers/valid-config.js';
import { createLogger } from '../../src/log.js';
import type { RecordStore } from '../../src/records/store.js';
import { FrameReader, query, tcpFrame } from '../helpers/dns-client.js';
import { addressesOf, buildQuery, decodeReply } from '../helpers/dns-codec.js';
import { EMBEDDED_CONFIG, EMBEDDED_STATE, mergeConfig } from '../helpers/spawn-server.js';
import { seededRandom } from '../helpers/seeded-random.js';
import { HostileKind, MAX_TCP_QUERY, hostileMessage } from './hostile.js';
import { Fuzz, QTYPE, fuzzPacket } from './packets.js';
import { waitUntil } from '../helpers/wait-for.js';

const SEED = Number(process.env['FUZZ_SEED'] ?? 0x5eed_2026) >>> 0;
const UDP_PACKETS = Number(process.env['FUZZ_UDP_PACKETS'] ?? 80_000);
/** Datagrams per burst before the next normal query is awaited. */
const UDP_BURST = 250;
/** About 75 frames each: 320 sessions carry some 24,000 frames. */
const TCP_SESSIONS = Number(process.env['FUZZ_TCP_SESSIONS'] ?? 320);
const TCP_PARALLEL = 8;
/** Sessions carry about 75 frames on average; 62.5 is a floor the seeded plans always pass. */
const MIN_PACKETS = Math.round(UDP_PACKETS + TCP_SESSIONS * 62.5);
const HOSTILE_SHARE = 1 / 200;

const HOSTILE_KINDS = Object.values(HostileKind);

/** A fuzz packet, or (one in 200) one of the most expensive messages that fits the transport. */
function nextPacket(f: Fuzz, maxBytes: number): { readonly kind: string; readonly bytes: Buffer } {
  if (f.chance(HOSTILE_SHARE)) {
    const bytes = hostileMessage(f, f.pick(HOSTILE_KINDS));
    if (bytes.length <= maxBytes) return { kind: 'hostile', bytes };
  }
  return fuzzPacket(f);
}
const SESSION_TIMEOUT_MS = 10_000;
const SENTINEL_NAME = 'nginx.marathon.mesos';
const SENTINEL_IP = '192.0.2.8';
/** Every reason the server gives for rejecting a query before routing (src/dns/handle.ts RejectReason). */
const REJECT_REASONS = [
  'truncated',
  'bad_label',
  'name_too_long',
  'bad_pointer',
  'trailing_bytes',
  'bad_opt',
  'opcode',
  'qdcount',
  'record',
  'edns_version',
  'qclass',
  'too_many_records',
  'too_large',
] as const;
const RCODE_NAMES = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED'];

class Stats {
  udpSent = 0;
  tcpFrames = 0;
  tcpSessions = 0;
  readonly kinds = new Map<string, number>();
  readonly endings = new Map<string, number>();
  replies = 0;
  readonly rcodes = new Map<string, number>();
  readonly bad: string[] = [];
  decoded = 0;

  kind(kind: string): void {
    this.kinds.set(kind, (this.kinds.get(kind) ?? 0) + 1);
  }

  /** Every reply must be a well-formed response; every 32nd is fully decoded. */
  reply(bytes: Buffer, transport: string): void {
    this.replies++;
    if (bytes.length < 12 || ((bytes[2] as number) & 0x80) === 0) {
      if (this.bad.length < 10) this.bad.push(`${transport} reply without QR or header: ${bytes.toString('hex').slice(0, 80)}`);
      return;
    }
    const rcode = (bytes[3] as number) & 0x0f;
    const name = RCODE_NAMES[rcode] ?? `rcode${rcode}`;
    this.rcodes.set(name, (this.rcodes.get(name) ?? 0) + 1);
    if (this.replies % 32 === 0) {
      this.decoded++;
      try {
        decodeReply(bytes);
      } catch (err) {
        if (this.bad.length < 10) this.bad.push(`${transport} reply does not decode (${(err as Error).message}): ${bytes.toString('hex').slice(0, 160)}`);
      }
    }
  }

  get packets(): number {
    return this.udpSent + this.tcpFrames;
  }
}

function sentinelQuery(id: number): Buffer {
  return buildQuery({ id, qname: SENTINEL_NAME, qtype: QTYPE.A });
}

/** The right answer to the sentinel: same ID, NOERROR, authoritative, nginx's address. */
function isSentinelAnswer(reply: Buffer, id: number): boolean {
  if (reply.length < 12 || reply.readUInt16BE(0) !== id) return false;
  try {
    const decoded = decodeReply(reply);
    return decoded.qr && decoded.aa && decoded.rcode === 'NOERROR' && addressesOf(decoded).join() === SENTINEL_IP;
  } catch {
    return false;
  }
}

async function udpRound(port: number, seed: number, stats: Stats): Promise<void> {
  const f = new Fuzz(seededRandom(seed));
  const socket: UdpSocket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  socket.setRecvBufferSize(4 * 1024 * 1024);
  const sendErrors: Error[] = [];
  socket.on('error', (err) => sendErrors.push(err));
  let waiting: { id: number; resolve: () => void } | undefined;
  socket.on('message', (reply) => {
    if (waiting && isSentinelAnswer(reply, waiting.id)) {
      const w = waiting;
      waiting = undefined;
      w.resolve();
      return;
    }
    stats.reply(reply, 'udp');
  });
  const sentinel = async (id: number): Promise<void> => {
    for (let attempt = 1; ; attempt++) {
      const answered = new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), 2000);
        waiting = {
          id,
          resolve: () => {
            clearTimeout(timer);
            resolve(true);
          },
        };
      });
      socket.send(sentinelQuery(id), port, '127.0.0.1');
      if (await answered) return;
      if (attempt === 3) throw new Error(`no correct answer to a normal UDP query after ${stats.udpSent} fuzz datagrams (seed ${seed})`);
    }
  };
  try {
    for (let burst = 0; stats.udpSent < UDP_PACKETS; burst++) {
      const n = Math.min(UDP_BURST, UDP_PACKETS - stats.udpSent);
      for (let i = 0; i < n; i++) {
        const packet = nextPacket(f, Infinity);
        stats.kind(`udp ${packet.kind}`);
        socket.send(packet.bytes, port, '127.0.0.1');
      }
      stats.udpSent += n;
      await sentinel(0xa000 | (burst & 0x0fff));
    }
    assert.deepEqual(sendErrors, [], 'UDP sends failed');
  } finally {
    await new Promise<void>((resolve) => socket.close(resolve));
  }
}

const Ending = {
  SENTINEL: 'sentinel',
  ZERO_LENGTH: 'zero-length frame',
  OVERSIZED: 'oversized frame',
  DESTROY_MID_FRAME: 'destroyed mid-frame',
  HALF_CLOSE_MID_FRAME: 'half-closed mid-frame',
} as const;
type Ending = (typeof Ending)[keyof typeof Ending];

interface TcpPlan {
  readonly ending: Ending;
  readonly stream: Buffer;
  /** Write sizes, summing to stream.length. */
  readonly writes: readonly number[];
  /** Yield to the event loop between writes (so the server sees the splits). */
  readonly slow: boolean;
  readonly frames: number;
  readonly sentinelId: number;
}

/** Everything a session will do, drawn up front so a round replays exactly. */
function planSession(seed: number, index: number, stats: Stats): TcpPlan {
  const f = new Fuzz(seededRandom((seed ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0));
  const roll = f.random();
  const ending: Ending =
    roll < 0.6
      ? Ending.SENTINEL
      : roll < 0.7
        ? Ending.ZERO_LENGTH
        : roll < 0.8
          ? Ending.OVERSIZED
          : roll < 0.9
            ? Ending.DESTROY_MID_FRAME
            : Ending.HALF_CLOSE_MID_FRAME;
  const parts: Buffer[] = [];
  let frames = 0;
  const count = 1 + f.int(150);
  for (let i = 0; i < count; i++) {
    const packet = nextPacket(f, MAX_TCP_QUERY);
    // A zero-length frame closes the connection; only the session meant to test that sends one.
    if (packet.bytes.length === 0) continue;
    stats.kind(`tcp ${packet.kind}`);
    parts.push(tcpFrame(packet.bytes));
    frames++;
  }
  const sentinelId = 0xb000 | (index & 0x0fff);
  switch (ending) {
    case Ending.SENTINEL:
      parts.push(tcpFrame(sentinelQuery(sentinelId)));
      break;
    case Ending.ZERO_LENGTH:
      parts.push(Buffer.from([0, 0]), tcpFrame(sentinelQuery(sentinelId)));
      frames++;
      break;
    case Ending.OVERSIZED:
      parts.push(Buffer.from([0xff, 0xff]), f.bytes(f.int(2000)));
      frames++;
      break;
    default: {
      const partial = tcpFrame(fuzzPacket(f).bytes);
      parts.push(partial.subarray(0, f.int(partial.length)));
      frames++;
    }
  }
  const stream = Buffer.concat(parts);
  const writes: number[] = [];
  const style = f.random();
  for (let left = stream.length; left > 0; ) {
    const size = style < 0.3 ? left : style < 0.7 ? 1 + f.int(64) : 1 + f.int(2000);
    writes.push(Math.min(size, left));
    left -= Math.min(size, left);
  }
  return { ending, stream, writes, slow: f.chance(0.2), frames, sentinelId };
}

async function tcpSession(port: number, plan: TcpPlan, stats: Stats): Promise<void> {
  const socket = connect({ host: '127.0.0.1', port });
  const frames = new FrameReader();
  let sentinelAnswered = false;
  let onSentinel: (() => void) | undefined;
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.on('error', () => undefined); // resets are expected when the server cuts a connection
  socket.on('data', (chunk: Buffer) => {
    for (const reply of frames.push(chunk)) {
      if (!sentinelAnswered && isSentinelAnswer(reply, plan.sentinelId)) {
        sentinelAnswered = true;
        onSentinel?.();
      } else {
        stats.reply(Buffer.from(reply), 'tcp');
      }
    }
  });
  socket.on('end', () => socket.end());
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });

  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`TCP session (${plan.ending}, ${plan.frames} frames) did not finish in ${SESSION_TIMEOUT_MS} ms`));
    }, SESSION_TIMEOUT_MS);
  });
  const run = async (): Promise<void> => {
    let at = 0;
    for (const size of plan.writes) {
      if (socket.destroyed) break;
      socket.write(plan.stream.subarray(at, at + size));
      at += size;
      if (plan.slow) await new Promise((resolve) => setImmediate(resolve));
    }
    switch (plan.ending) {
      case Ending.SENTINEL:
        if (!sentinelAnswered) await new Promise<void>((resolve) => (onSentinel = resolve));
        socket.end();
        await closed;
        return;
      case Ending.DESTROY_MID_FRAME:
        socket.destroy();
        await closed;
        return;
      case Ending.HALF_CLOSE_MID_FRAME:
        socket.end();
        await closed;
        return;
      default:
        // The server closes the connection on a zero-length or oversized frame.
        await closed;
        assert.equal(sentinelAnswered, false, 'no query after a zero-length frame is answered');
    }
  };
  try {
    await Promise.race([run(), timeout]);
  } finally {
    clearTimeout(timer);
    socket.destroy();
  }
  stats.tcpFrames += plan.frames;
  stats.tcpSessions++;
  stats.endings.set(plan.ending, (stats.endings.get(plan.ending) ?? 0) + 1);
}

async function tcpRound(port: number, seed: number, stats: Stats): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < TCP_SESSIONS) {
      const plan = planSession(seed, next++, stats);
      await tcpSession(port, plan, stats);
    }
  };
  await Promise.all(Array.from({ length: TCP_PARALLEL }, worker));
}

async function fuzzRound(port: number, seed: number): Promise<{ stats: Stats; ms: number }> {
  const stats = new Stats();
  const started = performance.now();
  await Promise.all([udpRound(port, seed, stats), tcpRound(port, seed, stats)]);
  return { stats, ms: performance.now() - started };
}

/** Sum of every sample of a metric in the registry's exposition text. */
function metricSum(app: App, name: string, labelFilter = ''): number {
  let sum = 0;
  for (const line of app.metrics.render().split('\n')) {
    if (!line.startsWith(name) || (line[name.length] !== ' ' && line[name.length] !== '{')) continue;
    if (labelFilter && !line.includes(labelFilter)) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

function firstTable(store: RecordStore): Promise<void> {
  if (store.current()) return Promise.resolve();
  return new Promise((resolve) => {
    const off = store.onSwap(() => {
      off();
      resolve();
    });
  });
}

function memory(gc: () => void): { heapUsed: number; external: number; rss: number } {
  gc();
  gc();
  const m = process.memoryUsage();
  return { heapUsed: m.heapUsed, external: m.external, rss: m.rss };
}

const mb = (bytes: number): string => `${(bytes / 1048576).toFixed(1)} MB`;

function describeStats(stats: Stats): string {
  const list = (m: Map<string, number>): string => [...m].map(([k, v]) => `${k} ${v}`).join(', ');
  return (
    `${stats.packets} packets (${stats.udpSent} UDP datagrams, ${stats.tcpFrames} TCP frames in ${stats.tcpSessions} connections); ` +
    `kinds: ${list(stats.kinds)}; TCP endings: ${list(stats.endings)}; ` +
    `${stats.replies} replies: ${list(stats.rcodes)}; ${stats.decoded} replies fully decoded`
  );
}

test(`over ${MIN_PACKETS.toLocaleString('en-US')} hostile packets on UDP and TCP: the server keeps answering, same table, no leak`, async (t) => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const errorLines: string[] = [];
  const logger = createLogger({ level: 'error', destination: { write: (line: string) => void errorLines.push(line) } });
  const raw = JSON.parse(readFileSync(EMBEDDED_CONFIG, 'utf8')) as Record<string, unknown>;
  const config = validConfig(
    mergeConfig(raw, {
      StateFile: EMBEDDED_STATE,
      Listener: '127.0.0.1',
      Port: 0,
      HttpOn: false,
      ExternalOn: false,
      RefreshSeconds: 3600,
    }),
    EMBEDDED_CONFIG,
  );
  const app = createApp({ config, logger, version: 'fuzz' });
  t.after(() => app.close());
  const { dns } = await app.start();
  const port = dns?.udp[0]?.port;
  assert.ok(port, 'DNS listens');
  await firstTable(app.store);
  const generation = app.store.current()?.generation;
  t.diagnostic(`seed ${SEED} (FUZZ_SEED=${SEED} reproduces)`);

  const before = memory(gc);
  const first = await fuzzRound(port, SEED);
  const afterFirst = memory(gc);
  const second = await fuzzRound(port, SEED);
  const afterSecond = memory(gc);

  t.diagnostic(`round 1: ${describeStats(first.stats)}; ${(first.ms / 1000).toFixed(1)} s`);
  t.diagnostic(`round 2 (identical): ${second.stats.packets} packets, ${second.stats.replies} replies; ${(second.ms / 1000).toFixed(1)} s`);
  t.diagnostic(
    `memory after GC: before ${mb(before.heapUsed)} heap / ${mb(before.rss)} RSS; after round 1 ${mb(afterFirst.heapUsed)} / ${mb(afterFirst.rss)}; ` +
      `after round 2 ${mb(afterSecond.heapUsed)} / ${mb(afterSecond.rss)} (external ${mb(afterFirst.external)} -> ${mb(afterSecond.external)})`,
  );
  const dropped = metricSum(app, 'mesos_dns_dropped_packets_total');
  const direct = metricSum(app, 'mesos_dns_direct_answers_total');
  const general = metricSum(app, 'mesos_dns_general_answers_total');
  t.diagnostic(`server counters: ${dropped} dropped (short or QR), ${direct} direct answers, ${general} general-path answers`);
  const rejected = REJECT_REASONS.map((reason) => [reason, metricSum(app, 'mesos_dns_rejected_queries_total', `reason="${reason}"`)] as const);
  t.diagnostic(`rejected by reason (both rounds): ${rejected.map(([reason, n]) => `${reason} ${n}`).join(', ')}`);

  assert.ok(first.stats.packets >= MIN_PACKETS, `only ${first.stats.packets} packets in a round`);
  assert.equal(second.stats.packets, first.stats.packets, 'the second round replays the first');
  assert.deepEqual([...first.stats.bad, ...second.stats.bad], [], 'malformed replies');
  assert.equal(metricSum(app, 'mesos_dns_query_errors_total'), 0, `queries whose handling threw:\n${errorLines.join('')}`);
  assert.deepEqual(errorLines, [], 'error log lines');
  // The fuzz reached every outcome: answers, each rejection, and silent drops.
  for (const rcode of ['NOERROR', 'NXDOMAIN', 'FORMERR', 'NOTIMP', 'REFUSED']) {
    assert.ok((first.stats.rcodes.get(rcode) ?? 0) > 0, `no ${rcode} reply during the fuzz`);
  }
  assert.ok(metricSum(app, 'mesos_dns_dropped_packets_total', 'reason="short"') > 0, 'no datagram shorter than a header was dropped');
  assert.ok(metricSum(app, 'mesos_dns_dropped_packets_total', 'reason="response"') > 0, 'no response (QR set) was dropped');
  assert.equal(metricSum(app, 'mesos_dns_dropped_packets_total', 'reason="send_failed"'), 0, 'replies the kernel refused');
  // ...and every check of the query reader and of routing.
  for (const [reason, n] of rejected) assert.ok(n > 0, `no query was rejected for ${reason}`);
  assert.ok(direct > 0 && general > 0, 'both answer paths answered');
  for (const ending of Object.values(Ending)) assert.ok((first.stats.endings.get(ending) ?? 0) > 0, `no TCP session ended by ${ending}`);

  // Still serving, correctly, on both transports, from the same table.
  for (const transport of ['udp', 'tcp'] as const) {
    const reply = await query({ qname: SENTINEL_NAME, qtype: QTYPE.A }, { port, transport });
    assert.equal(reply.rcode, 'NOERROR', transport);
    assert.equal(reply.aa, true, transport);
    assert.deepEqual(addressesOf(reply), [SENTINEL_IP], transport);
  }
  assert.equal(app.store.current()?.generation, generation, 'the record table was not replaced');

  // No connection left behind (the server may still be closing the last ones).
  await waitUntil(() => metricSum(app, 'mesos_dns_tcp_connections') === 0, 5000, 10);
  assert.equal(metricSum(app, 'mesos_dns_tcp_connections'), 0, 'open TCP connections after the fuzz');

  // An identical second round must not leave more memory behind than the first did.
  const heapGrowth = afterSecond.heapUsed - afterFirst.heapUsed;
  const rssGrowth = afterSecond.rss - afterFirst.rss;
  assert.ok(heapGrowth < 8 * 1048576, `heap grew ${mb(heapGrowth)} over the second round`);
  assert.ok(rssGrowth < 32 * 1048576, `RSS grew ${mb(rssGrowth)} over the second round`);
});
