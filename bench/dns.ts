// bench:dns — DNS throughput and latency of the real server (a child process) measured with dnsperf,
// against the embedded fixture cluster and a generated 10,000-agent / 100,000-task cluster, as a ratio
// to a ceiling: a minimal Node UDP reflector measured with the same dnsperf settings in the same run.
// Then QPS while the table reloads back to back (bench/dns-reload.ts). Loopback only; every run is
// bounded by dnsperf's -l and an overall deadline.
//
//   npm run bench:dns -- [--seconds N] [--rounds N] [--agents N] [--tasks N] [--skip-reload] [--no-pin]
//
// Method: with taskset and 2+ CPUs the server (and the reflector) run on the last CPU and dnsperf on
// the others, so the load generator and the server do not fight over one core. A short tuning pass
// tries a few dnsperf settings against the reflector (the fastest server there is, so the setting
// that drives it hardest is the one where dnsperf is least the bottleneck) and keeps the best. Peak
// QPS is the best of `rounds` windows, alternating server and reflector so both see the same
// background load (the median is printed too). Latency is measured at 80% of the server's peak with
// -Q and -v, and the reflector is measured at the same rate for comparison.
import { readFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildTableFromText } from '../src/commands/records.js';
import type { Config } from '../src/config/types.js';
import { buildConfig } from '../src/config/validate.js';
import type { RecordTable } from '../src/records/table.js';
import { buildQuery } from '../test/helpers/fake-upstream.js';
import { exchangeUdp } from '../test/helpers/dns-query.js';
import { EMBEDDED_CONFIG, EMBEDDED_STATE, mergeConfig, type SpawnedServer } from '../test/helpers/spawn-server.js';
import { measureReloadQps, printReloadResult } from './dns-reload.js';
import { type DnsperfResult, type DnsperfSettings, cpuPlan, describeSettings, findDnsperf, runDnsperf } from './lib/dnsperf.js';
import { generateState } from './lib/generate-state.js';
import { HITS_ONLY, type QueryMix, type QueryMixShares, STANDARD_MIX, buildQueryMix } from './lib/query-mix.js';
import { measureCpu } from './lib/proc-cpu.js';
import { type Reflector, spawnReflector } from './lib/reflector.js';
import { startBenchServer } from './lib/server.js';

/** Settings tried in the tuning pass (dnsperf gets one thread per CPU it may use). */
function candidates(clientCpus: number): DnsperfSettings[] {
  const threads = Math.max(1, clientCpus);
  return [
    { clients: 1, threads: 1, outstanding: 128 },
    { clients: 4, threads, outstanding: 256 },
    { clients: 8, threads, outstanding: 256 },
    { clients: 8, threads, outstanding: 512 },
  ];
}
const TUNE_SECONDS = 3;
/** Latency is measured at these fractions of the server's median peak QPS (the first is the target's). */
const LATENCY_LOADS = [0.8, 0.25] as const;
const OVERALL_LIMIT_MS = 15 * 60 * 1000;

interface Cluster {
  readonly label: string;
  readonly statePath: string;
  readonly table: RecordTable;
  readonly mixes: readonly { readonly label: string; readonly file: string; readonly mix: QueryMix }[];
}

interface ThroughputRow {
  readonly cluster: string;
  readonly mix: string;
  readonly ours: DnsperfResult;
  readonly ceiling: DnsperfResult;
  readonly oursMedian: number;
  readonly ceilingMedian: number;
  /** Completed queries per CPU-second of the server / reflector process over all peak windows. */
  readonly oursPerCpu: number | undefined;
  readonly ceilingPerCpu: number | undefined;
  /** At each of LATENCY_LOADS (the light loads only for the standard mix). */
  readonly latency: readonly { readonly load: number; readonly rate: number; readonly ours: DnsperfResult; readonly ceiling: DnsperfResult }[];
}

function numberArg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : NaN;
  return Number.isFinite(v) && v > 0 ? v : fallback;
}

const log = (line = ''): void => console.log(line);

function embeddedConfig(dir: string): Config {
  const raw = JSON.parse(readFileSync(EMBEDDED_CONFIG, 'utf8')) as Record<string, unknown>;
  const built = buildConfig(mergeConfig(raw, { StateFile: EMBEDDED_STATE, ExternalOn: false }), { file: join(dir, 'config.json') });
  if (!('config' in built)) throw new Error(`embedded config: ${JSON.stringify(built.problems)}`);
  return built.config;
}

function writeMixes(
  dir: string,
  name: string,
  table: RecordTable,
  lines: number,
  distinct: QueryMixShares,
): Cluster['mixes'] {
  return [
    { label: 'mix 70/15/10/5', shares: STANDARD_MIX, file: join(dir, `${name}-mix.txt`) },
    { label: 'hits A+SRV', shares: HITS_ONLY, file: join(dir, `${name}-hits.txt`) },
  ].map(({ label, shares, file }) => {
    const mix = buildQueryMix({ table, shares, lines, distinct, seed: 20260101 });
    writeFileSync(file, mix.text);
    return { label, file, mix };
  });
}

function describeMix(mix: QueryMix): string {
  const d = mix.distinct;
  return `${mix.lines} lines, distinct names: ${d.a} A, ${d.srv} SRV, ${d.miss} NXDOMAIN, ${d.aaaa} AAAA${mix.aaaaNoData ? ' (no AAAA records: AAAA queries on A names, NOERROR without data)' : ''}`;
}

async function startServer(statePath: string, cpus: string | undefined): Promise<SpawnedServer> {
  const { server, firstLoad } = await startBenchServer({
    config: { StateFile: statePath, Port: 0, HttpPort: 0, ExternalOn: false, RefreshSeconds: 3600 },
    cpus,
  });
  log(`  server pid ${server.pid} on 127.0.0.1:${server.dnsPort}: ${String(firstLoad['names'])} names loaded in ${String(firstLoad['totalMs'])} ms`);
  return server;
}

/** Completed queries and CPU seconds over several windows. */
class CpuTally {
  private completed = 0;
  private cpu: number | undefined = 0;

  add(measured: { result: DnsperfResult; cpuSeconds: number | undefined }): DnsperfResult {
    this.completed += measured.result.completed;
    this.cpu = this.cpu === undefined || measured.cpuSeconds === undefined ? undefined : this.cpu + measured.cpuSeconds;
    return measured.result;
  }

  perCpu(): number | undefined {
    return this.cpu === undefined || this.cpu === 0 ? undefined : this.completed / this.cpu;
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

function fmt(n: number, digits = 0): string {
  return Number.isFinite(n) ? n.toFixed(digits) : 'n/a';
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join('  ');
  log(line(header));
  log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) log(line(r));
}

async function main(): Promise<void> {
  const binary = findDnsperf();
  if (!binary) {
    console.error('dnsperf not found: apt-get install dnsperf');
    process.exit(1);
  }
  const seconds = numberArg('seconds', 4);
  const rounds = numberArg('rounds', 3);
  const plan = cpuPlan(cpus().length, !process.argv.includes('--no-pin'));
  const clientCpuCount = plan.client === undefined ? cpus().length : plan.client.includes('-') ? Number(plan.client.split('-')[1]) + 1 : 1;
  const agents = numberArg('agents', 10_000);
  const tasks = numberArg('tasks', 100_000);
  const started = Date.now();

  const cleanups: (() => Promise<void>)[] = [];
  const cleanup = async (): Promise<void> => {
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
  };
  const watchdog = setTimeout(() => {
    console.error(`bench:dns: over the ${OVERALL_LIMIT_MS / 60000}-minute limit, stopping`);
    void cleanup().then(() => process.exit(1));
  }, OVERALL_LIMIT_MS);
  watchdog.unref();
  process.once('SIGINT', () => void cleanup().then(() => process.exit(130)));

  const dir = mkdtempSync(join(tmpdir(), 'bench-dns-'));
  cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
  try {
    log(`bench:dns  node ${process.version}, ${cpus().length} CPUs, dnsperf at ${binary}`);
    log(`load average at start: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    log(`${plan.description}`);
    log(
      `peak: best (and median) of ${rounds} alternating ${seconds}-s windows; latency: ${seconds * 2}-s windows at ` +
        `${LATENCY_LOADS.map((l) => `${l * 100}%`).join(' and ')} of the median peak (the server's rate, for the reflector too)`,
    );
    log();

    // The clusters and their query files, built in-process with the server's own engine.
    const config = embeddedConfig(dir);
    const smallTable = buildTableFromText(config, readFileSync(EMBEDDED_STATE, 'utf8'), []).table;
    const largeState = generateState({ agents, tasks, seed: 42 });
    const largeText = JSON.stringify(largeState);
    const largePath = join(dir, 'large-state.json');
    writeFileSync(largePath, largeText);
    const largeTable = buildTableFromText(config, largeText, []).table;
    const clusters: Cluster[] = [
      {
        label: `embedded (${smallTable.counts.names} names)`,
        statePath: EMBEDDED_STATE,
        table: smallTable,
        mixes: writeMixes(dir, 'small', smallTable, 20_000, { a: 3000, srv: 700, miss: 400, aaaa: 200 }),
      },
      {
        label: `${agents / 1000}k agents/${tasks / 1000}k tasks (${largeTable.counts.names} names)`,
        statePath: largePath,
        table: largeTable,
        mixes: writeMixes(dir, 'large', largeTable, 50_000, { a: 3000, srv: 700, miss: 400, aaaa: 200 }),
      },
    ];
    for (const c of clusters) {
      log(`cluster ${c.label}`);
      for (const m of c.mixes) log(`  ${m.label}: ${describeMix(m.mix)}`);
    }
    log();

    // The reflector answers with a real reply of ours (nginx.marathon.mesos A).
    log('starting the embedded-cluster server');
    let server = await startServer(EMBEDDED_STATE, plan.server);
    let current: SpawnedServer | undefined = server;
    cleanups.push(async () => current?.kill());
    const reply = await exchangeUdp(buildQuery({ name: 'nginx.marathon.mesos', type: 1 }), { port: server.dnsPort });
    const reflector: Reflector = await spawnReflector(reply, { cpus: plan.server });
    cleanups.push(() => reflector.close());
    log(`  reflector pid ${reflector.pid} on 127.0.0.1:${reflector.port}, answering every query with a fixed ${reply.length}-octet reply`);
    log();

    const run = (port: number, file: string, settings: DnsperfSettings, secs: number, extra: { rate?: number; verbose?: boolean } = {}) =>
      runDnsperf({ binary, port, file, ...settings, seconds: secs, cpus: plan.client, ...extra });

    // Tuning pass on the embedded cluster's hits file.
    const hitsFile = (clusters[0] as Cluster).mixes[1]?.file as string;
    const tried = candidates(clientCpuCount);
    await run(server.dnsPort, hitsFile, tried[0] as DnsperfSettings, 1); // warm the reply cache
    log(`tuning dnsperf (${TUNE_SECONDS} s per run, embedded cluster, hits file):`);
    const tuning: string[][] = [];
    let best: { settings: DnsperfSettings; qps: number } | undefined;
    for (const settings of tried) {
      const ceiling = await run(reflector.port, hitsFile, settings, TUNE_SECONDS);
      const ours = await run(server.dnsPort, hitsFile, settings, TUNE_SECONDS);
      tuning.push([describeSettings(settings), '', fmt(ceiling.qps), fmt(ceiling.meanLatencyMs, 3), fmt(ours.qps), fmt(ours.meanLatencyMs, 3), String(ours.lost + ceiling.lost)]);
      if (!best || ceiling.qps > best.qps) best = { settings, qps: ceiling.qps };
    }
    table(['dnsperf', '', 'reflector qps', 'mean ms', 'server qps', 'mean ms', 'lost'], tuning);
    const settings = (best as { settings: DnsperfSettings }).settings;
    log(`chosen: ${describeSettings(settings)} (highest reflector QPS: dnsperf is least the bottleneck there)`);
    log();

    const rows: ThroughputRow[] = [];
    for (const [index, cluster] of clusters.entries()) {
      if (index > 0) {
        await server.kill();
        log(`starting the ${cluster.label} server`);
        server = await startServer(cluster.statePath, plan.server);
        current = server;
      }
      for (const m of cluster.mixes) {
        await run(server.dnsPort, m.file, settings, 1); // warm the reply cache
        const ours: DnsperfResult[] = [];
        const ceiling: DnsperfResult[] = [];
        const oursCpu = new CpuTally();
        const ceilingCpu = new CpuTally();
        for (let r = 0; r < rounds; r++) {
          const port = server.dnsPort;
          ceiling.push(ceilingCpu.add(await measureCpu(reflector.pid, () => run(reflector.port, m.file, settings, seconds))));
          ours.push(oursCpu.add(await measureCpu(server.pid, () => run(port, m.file, settings, seconds))));
        }
        const bestOurs = ours.reduce((a, b) => (b.qps > a.qps ? b : a));
        const bestCeiling = ceiling.reduce((a, b) => (b.qps > a.qps ? b : a));
        const oursMedian = median(ours.map((o) => o.qps));
        const latency: ThroughputRow['latency'][number][] = [];
        for (const load of m.label.startsWith('mix') ? LATENCY_LOADS : LATENCY_LOADS.slice(0, 1)) {
          const rate = oursMedian * load;
          const at = await run(server.dnsPort, m.file, settings, seconds * 2, { rate, verbose: true });
          const ceilingAt = await run(reflector.port, m.file, settings, seconds * 2, { rate, verbose: true });
          latency.push({ load, rate, ours: at, ceiling: ceilingAt });
        }
        const at80 = latency[0] as ThroughputRow['latency'][number];
        const row: ThroughputRow = {
          cluster: cluster.label,
          mix: m.label,
          ours: bestOurs,
          ceiling: bestCeiling,
          oursMedian,
          ceilingMedian: median(ceiling.map((o) => o.qps)),
          oursPerCpu: oursCpu.perCpu(),
          ceilingPerCpu: ceilingCpu.perCpu(),
          latency,
        };
        rows.push(row);
        log(
          `  ${m.label}: ${fmt(bestOurs.qps)} qps (runs ${ours.map((o) => fmt(o.qps)).join(', ')}), ceiling ${fmt(bestCeiling.qps)} (runs ${ceiling.map((o) => fmt(o.qps)).join(', ')}); ` +
            `at ${fmt(at80.rate)} qps p99 ${fmt(at80.ours.latency?.p99Ms ?? NaN, 3)} ms`,
        );
      }
    }
    await server.kill();
    current = undefined;
    log();

    log(`Throughput (peak, dnsperf ${describeSettings(settings)}; load average now ${loadavg().map((l) => l.toFixed(2)).join(' ')})`);
    table(
      ['cluster', 'mix', 'QPS', 'mean ms', 'p99 ms @80%', 'lost', 'ceiling QPS', 'ratio', 'median QPS', 'median ceiling', 'median ratio'],
      rows.map((r) => [
        r.cluster,
        r.mix,
        fmt(r.ours.qps),
        fmt(r.ours.meanLatencyMs, 3),
        fmt(r.latency[0]?.ours.latency?.p99Ms ?? NaN, 3),
        String(r.ours.lost + r.latency.reduce((n, l) => n + l.ours.lost, 0)),
        fmt(r.ceiling.qps),
        fmt(r.ours.qps / r.ceiling.qps, 3),
        fmt(r.oursMedian),
        fmt(r.ceilingMedian),
        fmt(r.oursMedian / r.ceilingMedian, 3),
      ]),
    );
    log();
    log('Work per CPU-second (completed queries / CPU seconds of the server or reflector process over all peak windows;');
    log('independent of how much CPU other work on the machine left them)');
    table(
      ['cluster', 'mix', 'server q/cpu-s', 'reflector q/cpu-s', 'ratio'],
      rows.map((r) => [
        r.cluster,
        r.mix,
        fmt(r.oursPerCpu ?? NaN),
        fmt(r.ceilingPerCpu ?? NaN),
        fmt((r.oursPerCpu ?? NaN) / (r.ceilingPerCpu ?? NaN), 3),
      ]),
    );
    log();
    log(`Latency at a fixed rate (dnsperf -Q; per-query latencies from -v); the reflector at the same rate`);
    table(
      ['cluster', 'mix', 'load', 'rate', 'QPS', 'mean ms', 'p50 ms', 'p99 ms', 'p99.9 ms', 'max ms', 'lost', 'reflector p50', 'reflector p99'],
      rows.flatMap((r) =>
        r.latency.map((l) => {
          const q = l.ours.latency;
          return [
            r.cluster,
            r.mix,
            `${l.load * 100}%`,
            fmt(l.rate),
            fmt(l.ours.qps),
            fmt(l.ours.meanLatencyMs, 3),
            fmt(q?.p50Ms ?? NaN, 3),
            fmt(q?.p99Ms ?? NaN, 3),
            fmt(q?.p999Ms ?? NaN, 3),
            fmt(q?.maxMs ?? NaN, 3),
            String(l.ours.lost),
            fmt(l.ceiling.latency?.p50Ms ?? NaN, 3),
            fmt(l.ceiling.latency?.p99Ms ?? NaN, 3),
          ];
        }),
      ),
    );
    log();
    const hitRows = rows.filter((r) => r.mix.startsWith('hits'));
    const minHitRatio = Math.min(...hitRows.map((r) => r.ours.qps / r.ceiling.qps));
    log(`in-domain hits, peak QPS / ceiling: worst ${fmt(minHitRatio, 3)} (target >= 0.9: ${minHitRatio >= 0.9 ? 'MET' : 'NOT MET'})`);
    const minHitCpuRatio = Math.min(...hitRows.map((r) => (r.oursPerCpu ?? NaN) / (r.ceilingPerCpu ?? NaN)));
    log(`in-domain hits, queries per CPU-second / reflector's: worst ${fmt(minHitCpuRatio, 3)}`);
    const at80 = rows.map((r) => r.latency[0] as ThroughputRow['latency'][number]);
    const worstP99 = Math.max(...at80.map((l) => l.ours.latency?.p99Ms ?? Infinity));
    const worstReflectorP99 = Math.max(...at80.map((l) => l.ceiling.latency?.p99Ms ?? Infinity));
    log(`p99 at 80% load: worst ${fmt(worstP99, 3)} ms, reflector at the same rates ${fmt(worstReflectorP99, 3)} ms (target < 2 ms: ${worstP99 < 2 ? 'MET' : 'NOT MET'})`);
    const lost = rows.reduce((sum, r) => sum + r.ours.lost + r.latency.reduce((n, l) => n + l.ours.lost, 0), 0);
    log(`lost queries (server runs): ${lost} (target 0: ${lost === 0 ? 'MET' : 'NOT MET'})`);
    for (const label of ['mix', 'hits']) {
      const [small, large] = [rows.find((r) => r.cluster === clusters[0]?.label && r.mix.startsWith(label)), rows.find((r) => r.cluster === clusters[1]?.label && r.mix.startsWith(label))];
      if (small && large) {
        const ratio = large.ours.qps / small.ours.qps;
        const perCpu = (large.oursPerCpu ?? NaN) / (small.oursPerCpu ?? NaN);
        log(
          `${label}: 100k-task cluster / embedded cluster: peak QPS ${fmt(ratio, 3)}, queries per CPU-second ${fmt(perCpu, 3)} ` +
            `(target within 10%: ${ratio >= 0.9 ? 'MET' : 'NOT MET'} on QPS)`,
        );
      }
    }
    log();

    if (!process.argv.includes('--skip-reload')) {
      await reflector.close();
      log(`QPS during reloads (${agents} agents, ${tasks} tasks served by a test master, RefreshSeconds 1; alternating 3-s windows), dnsperf ${describeSettings(settings)}:`);
      const result = await measureReloadQps({
        binary,
        state: largeState,
        queryFile: (clusters[1] as Cluster).mixes[0]?.file as string,
        settings,
        seconds: 3,
        minPairs: 6,
        minReloads: 1,
        maxPairs: 40,
        lightLoad: 0.25,
        lightSeconds: 10,
        cpus: plan,
        log,
      });
      printReloadResult(result, log);
      log();
    }
    log(`load average at end: ${loadavg().map((l) => l.toFixed(2)).join(' ')}; total ${((Date.now() - started) / 1000).toFixed(0)} s`);
  } finally {
    clearTimeout(watchdog);
    await cleanup();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
