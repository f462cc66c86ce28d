// bench:xfr — zone transfer of a large cluster's zone (default 10,000 agents / 100,000 tasks, ~650,000
// names). The server runs in this process (createApp, a StateFile, the reload worker as always), so the
// serving thread is this thread and its event-loop delay is measured here (monitorEventLoopDelay and a
// 1 ms timer probe). Everything that talks to it runs elsewhere:
//   1. AXFR by our own client in a worker thread: time, messages, octets, records, the largest message;
//      the same worker asks a UDP question every 2 ms meanwhile and reports the slowest answer.
//   2. A real Knot secondary (knotd, a child process) transferring the same zone: time to hold it, and
//      knotd's own figures from its log.
//   3. A change: a framework is added to the state file, the table reloaded, and the time from the new
//      table to knotd answering the new name (NOTIFY, its SOA check, an AXFR-style IXFR) is measured.
//
//   npm run bench:xfr -- [--tasks N] [--agents N] [--changes N] [--no-knot]
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { type IntervalHistogram, PerformanceObserver, monitorEventLoopDelay } from 'node:perf_hooks';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { createApp } from '../src/app.js';
import { buildConfig } from '../src/config/validate.js';
import { createLogger } from '../src/log.js';
import type { TableSnapshot } from '../src/records/store.js';
import { type TransferResult, transferZone } from '../test/helpers/axfr-client.js';
import { UdpClient, query } from '../test/helpers/dns-client.js';
import { addressesOf, buildQuery } from '../test/helpers/dns-codec.js';
import { type KnotSecondary, startKnotSecondary } from '../test/helpers/knot.js';
import { metricValue } from '../test/helpers/metric-value.js';
import { freeUdpAndTcpPort } from '../test/helpers/ports.js';
import { generateState } from './lib/generate-state.js';
import { waitFor } from '../test/helpers/wait-for.js';

interface ClientWork {
  readonly role: 'bench-xfr-client';
  readonly port: number;
}

interface ClientReport {
  readonly transfer: TransferResult;
  readonly probes: number;
  readonly slowestProbeMs: number;
}

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : NaN;
  return Number.isFinite(v) ? v : fallback;
}

/** The server's log lines about transfers, the journal and NOTIFY (the rest is dropped). */
const serverLines: Record<string, unknown>[] = [];
const KEPT_MESSAGES = new Set(['zone transfer sent', 'zone journal: delta ready', 'NOTIFY acknowledged']);
const logger = createLogger({
  level: 'debug',
  destination: {
    write(line: string) {
      const parsed = JSON.parse(line) as Record<string, unknown>;
      if (KEPT_MESSAGES.has(parsed['msg'] as string)) serverLines.push(parsed);
    },
  },
});
const lastLine = (msg: string): Record<string, unknown> | undefined => serverLines.filter((l) => l['msg'] === msg).at(-1);
/** Garbage the benchmark itself made (states of 52 MB) is collected before a measured phase. */
const collectGarbage = (): void => (globalThis as { gc?: () => void }).gc?.();

const loadAverage = (): string => loadavg().map((l) => l.toFixed(2)).join(' ');
const ms = (n: number): string => `${n.toFixed(0)} ms`;

/** The worker: one AXFR, with a UDP question every 2 ms until it ends. */
async function runClient(work: ClientWork): Promise<void> {
  const udp = await UdpClient.open();
  const probe = buildQuery({ qname: 'leader.mesos', qtype: 'A' });
  let running = true;
  let probes = 0;
  let slowest = 0;
  const probing = (async () => {
    while (running) {
      const sentAt = performance.now();
      await udp.exchange(work.port, probe, 10_000);
      if (running) {
        probes++;
        slowest = Math.max(slowest, performance.now() - sentAt);
      }
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  })();
  const transfer = await transferZone({ port: work.port, zone: 'mesos.', timeoutMs: 300_000 });
  running = false;
  await probing;
  await udp.close();
  // The worker keeps no messages: only counts go back.
  parentPort?.postMessage({ transfer, probes, slowestProbeMs: slowest } satisfies ClientReport);
}

/**
 * The serving thread's scheduler figures (Linux /proc/<pid>/task/<pid>/schedstat): nanoseconds on a
 * CPU and waiting for one. On a shared machine a late timer is often a thread that was ready but had
 * no CPU; these tell that apart from a thread that was busy.
 */
function schedstat(): { onCpu: number; waiting: number } | undefined {
  try {
    const [onCpu, waiting] = readFileSync(`/proc/${process.pid}/task/${process.pid}/schedstat`, 'utf8').split(' ').map(Number);
    return onCpu === undefined || waiting === undefined ? undefined : { onCpu, waiting };
  } catch {
    return undefined;
  }
}

interface Stalls {
  /** monitorEventLoopDelay's maximum and 99th percentile. */
  readonly maxMs: number;
  readonly p99Ms: number;
  /** The 1 ms timer's longest lateness, and in that interval the time on a CPU and waiting for one. */
  readonly timerMaxMs: number;
  readonly timerMaxOnCpuMs: number;
  readonly timerMaxWaitingMs: number;
  /** The most time on a CPU within one timer interval: the longest the thread ran without a timer getting in. */
  readonly onCpuMaxMs: number;
  readonly gcMaxMs: number;
}

function describeStalls(s: Stalls): string {
  const busy = s.timerMaxWaitingMs > 0 || s.timerMaxOnCpuMs > 0 ? ` (${s.timerMaxOnCpuMs.toFixed(1)} ms of it on a CPU, ${s.timerMaxWaitingMs.toFixed(1)} ms waiting for one)` : '';
  return (
    `max event-loop delay ${s.maxMs.toFixed(1)} ms (p99 ${s.p99Ms.toFixed(1)} ms); 1 ms timer late by at most ${s.timerMaxMs.toFixed(1)} ms${busy}; ` +
    `longest run on a CPU between two timer ticks ${s.onCpuMaxMs.toFixed(1)} ms; longest GC pause ${s.gcMaxMs.toFixed(1)} ms`
  );
}

/** The serving thread's delays from now until stop(). */
function stallProbe(): { stop: () => Stalls } {
  const histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  let gcMax = 0;
  const gc = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) gcMax = Math.max(gcMax, entry.duration);
  });
  gc.observe({ entryTypes: ['gc'] });
  let last = performance.now();
  let lastSched = schedstat();
  let timerMax = 0;
  let timerMaxOnCpu = 0;
  let timerMaxWaiting = 0;
  let onCpuMax = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    const sched = schedstat();
    const late = now - last - 1;
    const onCpu = sched && lastSched ? (sched.onCpu - lastSched.onCpu) / 1e6 : 0;
    const waiting = sched && lastSched ? (sched.waiting - lastSched.waiting) / 1e6 : 0;
    if (late > timerMax) {
      timerMax = late;
      timerMaxOnCpu = onCpu;
      timerMaxWaiting = waiting;
    }
    onCpuMax = Math.max(onCpuMax, onCpu);
    last = now;
    lastSched = sched;
  }, 1);
  return {
    stop() {
      clearInterval(timer);
      histogram.disable();
      gc.disconnect();
      return {
        maxMs: histogram.max / 1e6,
        p99Ms: histogram.percentile(99) / 1e6,
        timerMaxMs: timerMax,
        timerMaxOnCpuMs: timerMaxOnCpu,
        timerMaxWaitingMs: timerMaxWaiting,
        onCpuMaxMs: onCpuMax,
        gcMaxMs: gcMax,
      };
    },
  };
}

/** knotd's own line for its last finished incoming transfer: seconds, messages, octets. */
function knotTransferLine(log: string): string | undefined {
  const lines = log.split('\n').filter((l) => /XFR, incoming, .*finished/.test(l));
  return lines.at(-1)?.replace(/^.*finished, /, '');
}

async function main(): Promise<void> {
  const tasks = arg('tasks', 100_000);
  const agents = arg('agents', Math.max(1, Math.round(tasks / 10)));
  const changes = arg('changes', 3);
  const withKnot = !process.argv.includes('--no-knot');
  console.log(`zone transfer benchmark: ${tasks} tasks on ${agents} agents; load average ${loadAverage()}`);

  const dir = mkdtempSync(join(tmpdir(), 'bench-xfr-'));
  let knot: KnotSecondary | undefined;
  const stateFile = join(dir, 'state.json');
  const state = generateState({ agents, tasks, seed: 42 });
  const text = JSON.stringify(state);
  writeFileSync(stateFile, text);
  console.log(`state: ${(text.length / 1e6).toFixed(1)} MB of JSON`);

  const port = await freeUdpAndTcpPort();
  const knotPort = withKnot ? await freeUdpAndTcpPort() : 0;
  const built = buildConfig(
    {
      StateFile: stateFile,
      RefreshSeconds: 3600,
      StateTimeoutSeconds: 120,
      Listener: '127.0.0.1',
      Port: port,
      HttpOn: false,
      ExternalOn: false,
      ZoneTransferAllowFrom: ['127.0.0.1'],
      NotifySecondaries: withKnot ? [`127.0.0.1:${knotPort}`] : [],
    },
    { file: join(dir, 'config.json') },
  );
  if (!('config' in built)) throw new Error(JSON.stringify(built.problems));
  const app = createApp({ config: built.config, logger, version: 'bench' });
  try {
    await app.start();
    const snapshot = await waitFor('the first table', () => app.store.current(), 180_000, 50);
    const counts = snapshot.table.counts;
    console.log(`table: ${counts.names} names (${counts.a} A, ${counts.aaaa} AAAA, ${counts.srv} SRV values), serial ${snapshot.serial}`);
    await new Promise((resolve) => setTimeout(resolve, 2000)); // the load's garbage collected

    // 1. AXFR by our client.
    collectGarbage();
    const quiet = stallProbe();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const baseline = quiet.stop();
    console.log(`serving thread idle for 1 s: ${describeStalls(baseline)}`);
    const stalls = stallProbe();
    const worker = new Worker(new URL(import.meta.url), { workerData: { role: 'bench-xfr-client', port } satisfies ClientWork });
    const report = await new Promise<ClientReport>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    const stall = stalls.stop();
    await worker.terminate();
    // The transfer ends on the server's turn after its last message went out.
    const sent = await waitFor('the transfer log line', () => lastLine('zone transfer sent'), 5000, 10);
    const r = report.transfer;
    console.log(
      `AXFR (our client): ${ms(r.ms)}, ${r.messages} messages, ${(r.bytes / 1e6).toFixed(1)} MB, ${r.records} records ` +
        `(${Math.round(r.records / (r.ms / 1000))} records/s), largest message ${r.largest} octets, SOA first ${r.firstType === 6} and last ${r.lastType === 6}, complete ${r.complete}`,
    );
    console.log(`  serving thread during it: ${describeStalls(stall)}`);
    console.log(`  ${report.probes} UDP questions answered meanwhile, slowest ${report.slowestProbeMs.toFixed(1)} ms`);
    console.log(`  longest the serving thread spent making one message (wall clock): ${String(sent['slowestMessageMs'])} ms`);
    console.log(`  target: stall <= 50 ms -> ${stall.maxMs <= 50 ? 'MET' : 'NOT MET'} (the thread's own longest run: ${stall.onCpuMaxMs <= 50 ? 'MET' : 'NOT MET'})`);

    if (withKnot) {
      // 2. knotd transfers the zone (its first refresh at start-up).
      const knotStall = stallProbe();
      const knotStart = performance.now();
      knot = await startKnotSecondary({ zone: 'mesos.', primaryHost: '127.0.0.1', primaryPort: port, port: knotPort, timeoutMs: 20_000 });
      const k = knot;
      await waitFor('knotd to hold the zone', async () => ((await k.serial()) === snapshot.serial ? true : undefined), 300_000, 50);
      const knotMs = performance.now() - knotStart;
      const knotStalls = knotStall.stop();
      console.log(`knotd secondary: holds the zone ${ms(knotMs)} after it was started (knotd: ${knotTransferLine(k.log()) ?? 'no transfer line'})`);
      console.log(`  serving thread during it: ${describeStalls(knotStalls)}`);

      // 3. Changes: a framework added; new table -> knotd answers its name.
      const follows: number[] = [];
      for (let i = 1; i <= changes; i++) {
        const name = `xfrbench${i}.mesos.`;
        const changed = text.replace('"frameworks":[', `"frameworks":[{"name":"xfrbench${i}","pid":"scheduler@192.0.2.${100 + i}:1","tasks":[]},`);
        writeFileSync(stateFile, changed);
        collectGarbage();
        let swappedAt = 0;
        let swapped: TableSnapshot | undefined;
        const off = app.store.onSwap((next) => {
          swappedAt = performance.now();
          swapped = next;
        });
        const changeStall = stallProbe();
        // When the transfer (after the delta and its NOTIFY) was handed to the kernel.
        const transfersBefore = metricValue(app.metrics, 'mesos_dns_zone_transfers_total', 'outcome="complete"');
        let transferredMs = 0;
        const watch = setInterval(() => {
          if (swappedAt && !transferredMs && metricValue(app.metrics, 'mesos_dns_zone_transfers_total', 'outcome="complete"') > transfersBefore) {
            transferredMs = performance.now() - swappedAt;
          }
        }, 2);
        const outcome = await app.source.reloadNow();
        off();
        if (!outcome.ok || !swapped) throw new Error('the reload failed');
        await waitFor(
          `knotd to answer ${name}`,
          async () => (addressesOf(await query({ qname: name, qtype: 'A' }, { port: knotPort, timeoutMs: 1000 })).length > 0 ? true : undefined),
          120_000,
          5,
        );
        const followMs = performance.now() - swappedAt;
        clearInterval(watch);
        const delta = lastLine('zone journal: delta ready');
        const changeStalls = changeStall.stop();
        follows.push(followMs);
        console.log(
          `change ${i}: new table (serial ${swapped.serial}) -> delta (${String(delta?.['deleted'])} deleted, ${String(delta?.['added'])} added) ` +
            `and NOTIFY at ${String(delta?.['ms'])} ms (longest slice ${String(delta?.['longestSliceMs'])} ms) -> transfer sent at ${ms(transferredMs)} -> knotd answers ${name} at ${ms(followMs)} ` +
            `(knotd: ${knotTransferLine(k.log()) ?? '?'})`,
        );
        console.log(`  serving thread over the reload, the delta and the transfer: ${describeStalls(changeStalls)}`);
      }
      follows.sort((a, b) => a - b);
      if (follows.length > 0) {
        console.log(`new table -> knotd answers the change: min ${ms(follows[0] as number)}, median ${ms(follows[Math.floor(follows.length / 2)] as number)}, max ${ms(follows.at(-1) as number)}`);
        console.log(`  target: within 1 s -> ${(follows.at(-1) as number) <= 1000 ? 'MET' : 'NOT MET'}`);
      }
    }
    console.log(`load average at the end: ${loadAverage()}`);
  } finally {
    await knot?.close();
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (isMainThread) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
} else if ((workerData as Partial<ClientWork> | null)?.role === 'bench-xfr-client') {
  void runClient(workerData as ClientWork);
}
