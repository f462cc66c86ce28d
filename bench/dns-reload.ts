// DNS throughput while the record table reloads. Two real servers (child processes, same CPU
// pinning, same config, same 100,000-task table):
//   - "reloading": polls a test master serving the large state every --refresh seconds (default 15,
//     as an operator would run it; with 1 a reload takes longer than the period, so the next one
//     starts as soon as one finishes: one is always under way);
//   - "steady": reads the same state from a StateFile with RefreshSeconds 3600: no reload work.
// dnsperf alternates short windows between them, so both see the same background load on a shared
// machine. While the steady server is measured the reloading one is stopped (SIGSTOP, then SIGCONT),
// so its reload worker cannot take CPU from the steady one and flatter the ratio. Windows continue
// until enough reloads completed inside the reloading windows (bounded). Reloads are counted from the
// reloading server's "records reloaded" log lines and checked against its /metrics.
//
// The query file is the worst realistic case by default: 100,000 lines drawn uniformly from every
// name of the table (80% A, 15% SRV, 5% AAAA); --standard-mix uses the repeated-names mix instead.
// The light-load run reports the slowest answer while reloads run.
//
//   npm run bench:dns-reload -- [--agents N] [--tasks N] [--refresh S] [--seconds N] [--min-reloads N]
//                               [--standard-mix] [--no-pin] [--clients N --threads N --outstanding N]
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildTableFromText } from '../src/commands/records.js';
import { buildConfig } from '../src/config/validate.js';
import type { LogLine, SpawnedServer } from '../test/helpers/spawn-server.js';
import { startTestMaster, withLeader, type TestMaster } from '../test/helpers/test-master.js';
import { type CpuPlan, type DnsperfResult, type DnsperfSettings, cpuPlan, describeSettings, findDnsperf, runDnsperf } from './lib/dnsperf.js';
import { generateState } from './lib/generate-state.js';
import { STANDARD_MIX, UNIFORM_SHARES, buildQueryMix, buildUniformQueries } from './lib/query-mix.js';
import { type CpuByNice, processCpuSeconds, threadCpuSeconds } from './lib/proc-cpu.js';
import { fmtMb, processMemory } from './lib/proc-mem.js';
import { startBenchServer } from './lib/server.js';

export interface ReloadQpsOptions {
  readonly binary: string;
  /** The state both servers serve (its leader is set to the master's address). */
  readonly state: Record<string, unknown>;
  /** dnsperf input with names from that state. */
  readonly queryFile: string;
  readonly settings: DnsperfSettings;
  /** One dnsperf window. */
  readonly seconds: number;
  /** Window pairs at least. */
  readonly minPairs: number;
  /** Reloads that must complete inside the reloading windows (unless maxPairs is reached first). */
  readonly minReloads: number;
  readonly maxPairs: number;
  /** Then latency at this fraction of the steady QPS, reloads running, for lightSeconds. */
  readonly lightLoad: number;
  readonly lightSeconds: number;
  /** The reloading server's RefreshSeconds. */
  readonly refreshSeconds: number;
  readonly cpus: CpuPlan;
  readonly log: (line: string) => void;
}

export interface ReloadQpsResult {
  /** Latency at a light fixed rate: the reloading server (reloads running) and the steady one. */
  readonly light: { readonly rate: number; readonly reloading: DnsperfResult; readonly steady: DnsperfResult; readonly reloads: number };
  readonly reloading: readonly DnsperfResult[];
  readonly steady: readonly DnsperfResult[];
  readonly reloadingQps: number;
  readonly steadyQps: number;
  readonly ratio: number;
  /** "records reloaded" lines logged inside the reloading windows, with their fetch-to-swap times. */
  readonly reloadMs: readonly number[];
  /** The first reload, before any DNS load. */
  readonly idleReloadMs: number;
  readonly stateBytes: number;
  /** mesos_dns_state_fetches_total of the reloading server at the end, from /metrics. */
  readonly fetchesTotal: number | undefined;
  /** CPU seconds over the measured windows (undefined without /proc). */
  readonly cpu: { readonly reloadingServing: number; readonly reloadingWorker: number; readonly steady: number } | undefined;
  /**
   * Resident MB (undefined without /proc): the reloading server's right after its first load, the
   * steady one's 2 s after it; each server's peak at the end.
   */
  readonly memory: {
    readonly reloadingAfterLoadMb: number | undefined;
    readonly steadyAfterLoadMb: number | undefined;
    readonly reloadingPeakMb: number | undefined;
    readonly steadyPeakMb: number | undefined;
  };
}

/** The reload worker thread runs at nice 10 (src/reload/poller.ts workerNice); everything else at 0. */
const WORKER_NICE = 10;

function cpuDelta(before: CpuByNice | undefined, after: CpuByNice | undefined): { worker: number; other: number } | undefined {
  if (!before || !after) return undefined;
  const worker = (after.byNice.get(WORKER_NICE) ?? 0) - (before.byNice.get(WORKER_NICE) ?? 0);
  // A worker thread that ended takes its ticks out of the per-thread sum; never count that as negative.
  return { worker: Math.max(0, worker), other: Math.max(0, after.total - before.total - worker) };
}

function fmtMs(ms: number | undefined): string {
  return ms === undefined ? 'n/a' : `${ms.toFixed(3)} ms`;
}

function isReload(line: LogLine): boolean {
  return line.msg === 'records reloaded';
}

/** Queries per second over several windows: completed queries over total run time. */
function pooledQps(results: readonly DnsperfResult[]): number {
  const completed = results.reduce((sum, r) => sum + r.completed, 0);
  const seconds = results.reduce((sum, r) => sum + r.runSeconds, 0);
  return seconds > 0 ? completed / seconds : 0;
}

function metricValue(text: string, name: string): number | undefined {
  const match = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+]+)$`, 'm').exec(text);
  return match ? Number(match[1]) : undefined;
}

export async function measureReloadQps(options: ReloadQpsOptions): Promise<ReloadQpsResult> {
  const { log } = options;
  const dir = mkdtempSync(join(tmpdir(), 'bench-dns-reload-'));
  let master: TestMaster | undefined;
  let reloadingServer: SpawnedServer | undefined;
  let steadyServer: SpawnedServer | undefined;
  let stopped = false;
  try {
    master = await startTestMaster({ gzip: true });
    const text = JSON.stringify(withLeader(options.state, master.address));
    master.setState(text);
    // The master compresses once; do it now, before anything is measured.
    await fetch(`${master.origin}/master/state`, { headers: { 'accept-encoding': 'gzip' } }).then((r) => r.arrayBuffer());
    const statePath = join(dir, 'state.json');
    writeFileSync(statePath, text);

    const base = { ExternalOn: false, Port: 0, HttpPort: 0 };
    const reloading = await startBenchServer({
      config: { ...base, StateFile: '', Masters: [master.address], RefreshSeconds: options.refreshSeconds, StateTimeoutSeconds: 300 },
      cpus: options.cpus.server,
    });
    reloadingServer = reloading.server;
    const reloadingAfterLoad = processMemory(reloading.server.pid);
    const steady = await startBenchServer({ config: { ...base, StateFile: statePath, RefreshSeconds: 3600 }, cpus: options.cpus.server });
    steadyServer = steady.server;
    // Once the first load's garbage and its reload worker are gone (the reloading server never gets there).
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const steadyAfterLoad = processMemory(steady.server.pid);
    const r = reloading.server;
    const s = steady.server;
    const idleReloadMs = Number(reloading.firstLoad['totalMs']);
    log(
      `reloading server pid ${r.pid} polls ${master.address} every ${options.refreshSeconds} s (${(text.length / 1048576).toFixed(1)} MiB state); ` +
        `its first reload, before any DNS load: ${String(reloading.firstLoad['totalMs'])} ms ` +
        `(fetch ${String(reloading.firstLoad['fetchMs'])}, parse ${String(reloading.firstLoad['parseMs'])}, generate ${String(reloading.firstLoad['generateMs'])})`,
    );
    log(`steady server pid ${s.pid} reads the same state from a file (RefreshSeconds 3600): ${String(steady.firstLoad['names'])} names`);

    const dnsperf = (port: number): Promise<DnsperfResult> =>
      runDnsperf({ binary: options.binary, port, file: options.queryFile, ...options.settings, seconds: options.seconds, cpus: options.cpus.client });
    const stop = (): void => {
      r.signal('SIGSTOP');
      stopped = true;
    };
    const resume = (): void => {
      r.signal('SIGCONT');
      stopped = false;
    };
    // Warm both servers up (JIT, CPU caches).
    await runDnsperf({ binary: options.binary, port: r.dnsPort, file: options.queryFile, ...options.settings, seconds: 1, cpus: options.cpus.client });
    await runDnsperf({ binary: options.binary, port: s.dnsPort, file: options.queryFile, ...options.settings, seconds: 1, cpus: options.cpus.client });

    const reloadingResults: DnsperfResult[] = [];
    const steadyResults: DnsperfResult[] = [];
    const reloadMs: number[] = [];
    let cpu: { reloadingServing: number; reloadingWorker: number; steady: number } | undefined = { reloadingServing: 0, reloadingWorker: 0, steady: 0 };
    for (let pair = 0; pair < options.maxPairs && (pair < options.minPairs || reloadMs.length < options.minReloads); pair++) {
      const from = r.lines.length;
      const threadsBefore = threadCpuSeconds(r.pid);
      const a = await dnsperf(r.dnsPort);
      const reloadingCpu = cpuDelta(threadsBefore, threadCpuSeconds(r.pid));
      // Lines logged in this window (swaps happen on the serving thread, so they are in order).
      const during = r.lines.slice(from).filter(isReload);
      reloadMs.push(...during.map((l) => Number(l['totalMs'])));
      stop();
      const steadyBefore = processCpuSeconds(s.pid);
      const b = await dnsperf(s.dnsPort);
      const steadyAfter = processCpuSeconds(s.pid);
      resume();
      cpu =
        cpu && reloadingCpu && steadyBefore !== undefined && steadyAfter !== undefined
          ? {
              reloadingServing: cpu.reloadingServing + reloadingCpu.other,
              reloadingWorker: cpu.reloadingWorker + reloadingCpu.worker,
              steady: cpu.steady + steadyAfter - steadyBefore,
            }
          : undefined;
      reloadingResults.push(a);
      steadyResults.push(b);
      log(
        `  pair ${String(pair + 1).padStart(2)}: reloading ${a.qps.toFixed(0).padStart(6)} qps` +
          (reloadingCpu ? ` (CPU ${reloadingCpu.other.toFixed(2)} s serving + ${reloadingCpu.worker.toFixed(2)} s reload worker)` : '') +
          `, steady ${b.qps.toFixed(0).padStart(6)} qps` +
          (steadyBefore !== undefined && steadyAfter !== undefined ? ` (CPU ${(steadyAfter - steadyBefore).toFixed(2)} s)` : '') +
          (during.length > 0 ? `; reload completed in this window (${during.map((l) => `${String(l['totalMs'])} ms`).join(', ')} fetch to swap)` : ''),
      );
    }
    if (reloadMs.length === 0) throw new Error(`no reload completed during ${reloadingResults.length} reloading windows`);
    if (s.lines.filter(isReload).length !== 1) throw new Error('the steady server reloaded');

    const reloadingQps = pooledQps(reloadingResults);
    const steadyQps = pooledQps(steadyResults);

    // Latency at a light load while reloads run (they finish in seconds then, so several swaps land in
    // the window), against the steady server at the same rate: stalls on the serving thread show up
    // in the tail. The steady server is measured while the reloading one is stopped, as above.
    const lightRate = Math.round(steadyQps * options.lightLoad);
    const light = async (port: number): Promise<DnsperfResult> =>
      runDnsperf({ binary: options.binary, port, file: options.queryFile, ...options.settings, seconds: options.lightSeconds, rate: lightRate, verbose: true, cpus: options.cpus.client });
    const fromLight = r.lines.length;
    const reloadingLight = await light(r.dnsPort);
    const swapsDuringLight = r.lines.slice(fromLight).filter(isReload).length;
    stop();
    const steadyLight = await light(s.dnsPort);
    resume();
    log(
      `  at ${lightRate} qps (${options.lightLoad * 100}% of the steady QPS) for ${options.lightSeconds} s: ` +
        `reloading server (${swapsDuringLight} reloads completed) p50 ${fmtMs(reloadingLight.latency?.p50Ms)}, p99 ${fmtMs(reloadingLight.latency?.p99Ms)}, max ${fmtMs(reloadingLight.latency?.maxMs)}; ` +
        `steady server p50 ${fmtMs(steadyLight.latency?.p50Ms)}, p99 ${fmtMs(steadyLight.latency?.p99Ms)}, max ${fmtMs(steadyLight.latency?.maxMs)}`,
    );

    const metrics = await r.get('/metrics');
    const reloadingEnd = processMemory(r.pid);
    const steadyEnd = processMemory(s.pid);
    return {
      light: { rate: lightRate, reloading: reloadingLight, steady: steadyLight, reloads: swapsDuringLight },
      reloading: reloadingResults,
      steady: steadyResults,
      reloadingQps,
      steadyQps,
      ratio: steadyQps > 0 ? reloadingQps / steadyQps : 0,
      reloadMs,
      idleReloadMs,
      stateBytes: text.length,
      fetchesTotal: metricValue(metrics.body, 'mesos_dns_state_fetches_total'),
      cpu,
      memory: {
        reloadingAfterLoadMb: reloadingAfterLoad?.rssMb,
        steadyAfterLoadMb: steadyAfterLoad?.rssMb,
        reloadingPeakMb: reloadingEnd?.peakMb,
        steadyPeakMb: steadyEnd?.peakMb,
      },
    };
  } finally {
    if (stopped) reloadingServer?.signal('SIGCONT');
    await reloadingServer?.kill();
    await steadyServer?.kill();
    await master?.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export function printReloadResult(result: ReloadQpsResult, log: (line: string) => void): void {
  const sorted = [...result.reloadMs].sort((a, b) => a - b);
  const lost = [...result.reloading, ...result.steady].reduce((n, r) => n + r.lost, 0);
  log(`QPS during back-to-back reloads: ${result.reloadingQps.toFixed(0)} (${result.reloading.length} windows)`);
  log(`QPS of the same table with no reloads: ${result.steadyQps.toFixed(0)} (${result.steady.length} windows)`);
  log(
    `reloads completed inside the reloading windows: ${sorted.length}, fetch to swap median ${(sorted[Math.floor(sorted.length / 2)] ?? NaN).toFixed(0)} ms ` +
      `(before any DNS load: ${result.idleReloadMs.toFixed(0)} ms); reloading server's mesos_dns_state_fetches_total ${result.fetchesTotal ?? 'n/a'}; lost queries ${lost}`,
  );
  if (result.cpu) {
    const completed = (list: readonly DnsperfResult[]): number => list.reduce((n, r) => n + r.completed, 0);
    const { reloadingServing, reloadingWorker, steady } = result.cpu;
    log(
      `CPU over the windows: reloading server ${(reloadingServing + reloadingWorker).toFixed(1)} s ` +
        `(reload worker ${reloadingWorker.toFixed(1)} s = ${((100 * reloadingWorker) / (reloadingServing + reloadingWorker)).toFixed(0)}%), steady server ${steady.toFixed(1)} s; ` +
        `queries per serving CPU-second: reloading ${(completed(result.reloading) / reloadingServing).toFixed(0)}, steady ${(completed(result.steady) / steady).toFixed(0)}`,
    );
  }
  const { light } = result;
  log(
    `latency at ${light.rate} qps with reloads running (${light.reloads} completed): p99 ${fmtMs(light.reloading.latency?.p99Ms)}, max ${fmtMs(light.reloading.latency?.maxMs)}, lost ${light.reloading.lost}; ` +
      `no reloads: p99 ${fmtMs(light.steady.latency?.p99Ms)}, max ${fmtMs(light.steady.latency?.maxMs)}`,
  );
  log(`ratio reloading/steady: ${result.ratio.toFixed(3)} (target >= 0.9: ${result.ratio >= 0.9 ? 'MET' : 'NOT MET'})`);
  const { memory } = result;
  log(
    `first load (before any DNS load): ${result.idleReloadMs.toFixed(0)} ms; RSS after it: reloading server ${fmtMb(memory.reloadingAfterLoadMb)} (right after), steady server ${fmtMb(memory.steadyAfterLoadMb)} (2 s after); ` +
      `peak RSS (kernel high-water mark): reloading server ${fmtMb(memory.reloadingPeakMb)} after ${result.fetchesTotal ?? 'n/a'} reloads, steady server ${fmtMb(memory.steadyPeakMb)}`,
  );
}

function numberArg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : NaN;
  return Number.isFinite(v) && v > 0 ? v : fallback;
}

async function main(): Promise<void> {
  const binary = findDnsperf();
  if (!binary) {
    console.error('dnsperf not found: apt-get install dnsperf');
    process.exit(1);
  }
  const agents = numberArg('agents', 10_000);
  const tasks = numberArg('tasks', 100_000);
  const settings: DnsperfSettings = {
    clients: numberArg('clients', 8),
    threads: numberArg('threads', 1),
    outstanding: numberArg('outstanding', 256),
  };
  const plan = cpuPlan(cpus().length, !process.argv.includes('--no-pin'));
  console.log(`bench:dns-reload  ${agents} agents, ${tasks} tasks, dnsperf ${describeSettings(settings)}; ${plan.description}`);
  console.log(`load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  const dir = mkdtempSync(join(tmpdir(), 'bench-dns-reload-'));
  try {
    const state = generateState({ agents, tasks, seed: 42 });
    const config = buildConfig({ Masters: ['127.0.0.1:5050'], IPSources: ['netinfo', 'mesos', 'host'] }, { file: join(dir, 'config.json') });
    if (!('config' in config)) throw new Error(JSON.stringify(config.problems));
    const { table } = buildTableFromText(config.config, JSON.stringify(state), []);
    const standard = process.argv.includes('--standard-mix');
    const text = standard
      ? buildQueryMix({ table, shares: STANDARD_MIX, lines: 50_000, distinct: { a: 3000, srv: 700, miss: 400, aaaa: 200 }, seed: 20260101 }).text
      : buildUniformQueries({ table, shares: UNIFORM_SHARES, lines: 100_000, seed: 20260108 }).text;
    console.log(`queries: ${standard ? 'standard mix (repeated names)' : 'uniform over all names, 80% A, 15% SRV, 5% AAAA'}`);
    const queryFile = join(dir, 'queries.txt');
    writeFileSync(queryFile, text);
    const result = await measureReloadQps({
      binary,
      state,
      queryFile,
      settings,
      seconds: numberArg('seconds', 3),
      minPairs: numberArg('min-pairs', 6),
      minReloads: numberArg('min-reloads', 2),
      maxPairs: numberArg('max-pairs', 40),
      lightLoad: numberArg('light-load', 0.25),
      lightSeconds: numberArg('light-seconds', 15),
      refreshSeconds: numberArg('refresh', 15),
      cpus: plan,
      log: (line) => console.log(line),
    });
    printReloadResult(result, (line) => console.log(line));
    console.log(`load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
