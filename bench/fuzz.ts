// npm run fuzz — the long fuzz and the per-message CPU budget, outside the test suite.
//
//   npm run fuzz [-- --packets N] [--tcp-rounds N] [--skip-budget] [--skip-sockets]
//
// 1. Budget: every expensive message shape a client can send (test/fuzz/hostile.ts: pointer chains,
//    record and option floods, the largest datagrams and frames, the longest question) and ordinary
//    fuzz packets go through the query handler in-process, on the embedded cluster's table, 200 fresh
//    messages per shape, each timed alone. The check fails when any shape's median exceeds
//    BUDGET_MEDIAN_MS or its 99th percentile BUDGET_P99_MS (docs/benchmarks.md, "Fuzz").
// 2. Sockets: the fuzz tests (test/fuzz/*.test.js) with their counts raised to at least 1,000,000
//    packets over real UDP and TCP, two identical rounds each, and the TCP half-open family for
//    FUZZ_TCP_ROUNDS rounds.
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildTableFromText } from '../src/commands/records.js';
import { type Config, DEFAULT_CONFIG } from '../src/config/types.js';
import { DirectState } from '../src/dns/direct.js';
import { handleQuery } from '../src/dns/handle.js';
import { createRecordStore } from '../src/records/store.js';
import { HostileKind, hostileMessage } from '../test/fuzz/hostile.js';
import { Fuzz, fuzzPacket } from '../test/fuzz/packets.js';
import { EMBEDDED_STATE } from '../test/helpers/spawn-server.js';
import { seededRandom } from '../test/helpers/seeded-random.js';

const BUDGET_MEDIAN_MS = 0.25;
const BUDGET_P99_MS = 2;
const MESSAGES_PER_SHAPE = 200;

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const packets = Number(arg('packets') ?? 1_000_000);
const tcpRounds = Number(arg('tcp-rounds') ?? 200);

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] as number;
}

function budget(): boolean {
  const config: Config = { ...DEFAULT_CONFIG, listener: '127.0.0.1', externalOn: false, file: 'fuzz' };
  const { table } = buildTableFromText(config, readFileSync(EMBEDDED_STATE, 'utf8'), []);
  const snapshot = createRecordStore().swap(table);
  const direct = new DirectState();
  const random = seededRandom(7);
  const shapes: [string, (f: Fuzz) => Buffer][] = [
    ...Object.values(HostileKind).map((kind): [string, (f: Fuzz) => Buffer] => [kind, (f) => hostileMessage(f, kind)]),
    ['ordinary fuzz packets', (f) => fuzzPacket(f).bytes],
  ];
  let ok = true;
  console.log(`per-message handling time, ${MESSAGES_PER_SHAPE} messages per shape (budget: median ≤ ${BUDGET_MEDIAN_MS} ms, p99 ≤ ${BUDGET_P99_MS} ms)`);
  for (const [name, make] of shapes) {
    const f = new Fuzz(seededRandom(0x5eed));
    const messages = Array.from({ length: MESSAGES_PER_SHAPE }, () => make(f));
    const times: number[] = [];
    const outcomes = new Map<string, number>();
    // A first pass warms the code up (a running server is warm); the second is timed.
    for (const warm of [true, false]) {
      for (const message of messages) {
        const started = performance.now();
        const result = handleQuery(message, { transport: 'udp', snapshot, config, direct, random });
        if (warm) continue;
        times.push(performance.now() - started);
        const outcome = result.kind === 'reply' ? (result.info.rejected ?? `rcode ${result.info.rcode}`) : result.kind;
        outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
      }
    }
    times.sort((a, b) => a - b);
    const median = percentile(times, 0.5);
    const p99 = percentile(times, 0.99);
    const within = median <= BUDGET_MEDIAN_MS && p99 <= BUDGET_P99_MS;
    ok &&= within;
    const seen = [...outcomes].map(([k, v]) => `${k} ${v}`).join(', ');
    console.log(`  ${within ? 'ok  ' : 'OVER'} ${name}: median ${median.toFixed(4)} ms, p99 ${p99.toFixed(4)} ms, max ${(times.at(-1) as number).toFixed(3)} ms (${seen})`);
  }
  return ok;
}

function sockets(): boolean {
  const here = dirname(fileURLToPath(import.meta.url));
  const fuzzDir = join(here, '..', 'test', 'fuzz');
  const files = readdirSync(fuzzDir).filter((f) => f.endsWith('.test.js')).map((f) => join(fuzzDir, f));
  // The DNS fuzz sends at least 62.5 TCP frames per session (about 75 on average) beside its datagrams; keep TCP near a quarter.
  const tcpSessions = Math.ceil((packets * 0.25) / 62.5);
  const udpPackets = Math.max(0, packets - Math.round(tcpSessions * 62.5));
  console.log(`\nsocket fuzz: ${udpPackets} UDP datagrams + ${tcpSessions} TCP sessions per round, TCP half-open rounds ${tcpRounds}`);
  const run = spawnSync(process.execPath, ['--test', '--test-concurrency=1', ...files], {
    stdio: 'inherit',
    env: {
      ...process.env,
      FUZZ_UDP_PACKETS: String(udpPackets),
      FUZZ_TCP_SESSIONS: String(tcpSessions),
      FUZZ_TCP_ROUNDS: String(tcpRounds),
      FUZZ_LONG: '1',
    },
  });
  return run.status === 0;
}

const skipBudget = process.argv.includes('--skip-budget');
const skipSockets = process.argv.includes('--skip-sockets');
const budgetOk = skipBudget || budget();
const socketsOk = skipSockets || sockets();
if (!budgetOk) console.error('the per-message CPU budget was exceeded');
process.exitCode = budgetOk && socketsOk ? 0 : 1;
