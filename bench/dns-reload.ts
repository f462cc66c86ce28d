// DNS throughput while the record table reloads back to back (issue 4): the real server (child
// process) polls a test master serving a large generated state with RefreshSeconds 1, and dnsperf
// measures QPS in alternating windows: reloads running, then reloads stopped (the master answers 503,
// so the same server keeps serving the same last good table with no reload work). Reloads during each
// window are counted from the server's "records reloaded" log lines and checked against /metrics.
//
//   npm run bench:dns-reload -- [--agents N] [--tasks N] [--seconds N] [--rounds N]
//                               [--clients N --threads N --outstanding N]
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildConfig } from '../src/config/validate.js';
import { buildTableFromText } from '../src/commands/records.js';
import { spawnServer, type LogLine, type SpawnedServer } from '../test/helpers/spawn-server.js';
import { startTestMaster, withLeader, type TestMaster } from '../test/helpers/test-master.js';
import { type DnsperfResult, type DnsperfSettings, describeSettings, findDnsperf, runDnsperf } from './lib/dnsperf.js';
import { generateState } from './lib/generate-state.js';
import { STANDARD_MIX, buildQueryMix } from './lib/query-mix.js';

export interface ReloadQpsOptions {
  readonly binary: string;
  /** The state the master serves (its leader is set to the master's address). */
  readonly state: Record<string, unknown>;
  /** dnsperf input with names from that state. */
  readonly queryFile: string;
  readonly settings: DnsperfSettings;
  readonly seconds: number;
  /** Alternating (reloading, steady) window pairs. */
  readonly rounds: number;
  readonly log: (line: string) => void;
}

export interface ReloadWindow {
  readonly phase: 'reloading' | 'steady';
  readonly result: DnsperfResult;
  /** "records reloaded" lines logged while dnsperf ran. */
  readonly reloads: number;
  /** totalMs of those reloads (fetch to swap). */
  readonly reloadMs: readonly number[];
}

export interface ReloadQpsResult {
  readonly windows: readonly ReloadWindow[];
  readonly reloadingQps: number;
  readonly steadyQps: number;
  readonly ratio: number;
  readonly stateBytes: number;
  /** mesos_dns_state_fetches_total at the end, from /metrics. */
  readonly fetchesTotal: number | undefined;
}

const RELOADED = 'records reloaded';

function isReload(line: LogLine): boolean {
  return line.msg === RELOADED;
}

async function until(what: string, check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
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
  let master: TestMaster | undefined;
  let server: SpawnedServer | undefined;
  try {
    master = await startTestMaster({ gzip: true });
    const text = JSON.stringify(withLeader(options.state, master.address));
    master.setState(text);
    // The master compresses once; do it now, before anything is measured.
    await fetch(`${master.origin}/master/state`, { headers: { 'accept-encoding': 'gzip' } }).then((r) => r.arrayBuffer());

    server = await spawnServer({
      config: {
        StateFile: '',
        Masters: [master.address],
        RefreshSeconds: 1,
        StateTimeoutSeconds: 60,
        ExternalOn: false,
        Port: 0,
        HttpPort: 0,
      },
      timeoutMs: 180_000,
    });
    const s = server;
    const m = master;
    const first = await s.waitForLog(isReload, 180_000);
    log(`first reload: ${String(first['totalMs'])} ms (fetch ${String(first['fetchMs'])}, parse ${String(first['parseMs'])}, generate ${String(first['generateMs'])} ms)`);
    log(`server pid ${s.pid} on 127.0.0.1:${s.dnsPort}, polling ${m.address} every second (${(text.length / 1048576).toFixed(1)} MiB state)`);
    await runDnsperf({ binary: options.binary, port: s.dnsPort, file: options.queryFile, ...options.settings, seconds: 1 });

    const windows: ReloadWindow[] = [];
    const measure = async (phase: ReloadWindow['phase']): Promise<ReloadWindow> => {
      const from = s.lines.length;
      const result = await runDnsperf({ binary: options.binary, port: s.dnsPort, file: options.queryFile, ...options.settings, seconds: options.seconds });
      const during = s.lines.slice(from).filter(isReload);
      const window: ReloadWindow = { phase, result, reloads: during.length, reloadMs: during.map((l) => Number(l['totalMs'])) };
      log(
        `  ${phase.padEnd(9)} ${result.qps.toFixed(0).padStart(7)} qps, lost ${result.lost}, reloads during the window: ${window.reloads}` +
          (window.reloadMs.length > 0 ? ` (${window.reloadMs.map((ms) => ms.toFixed(0)).join(', ')} ms each)` : ''),
      );
      windows.push(window);
      return window;
    };

    for (let round = 0; round < options.rounds; round++) {
      // Reloads on: make sure one has completed since the master came back, so they are flowing.
      m.setMode({ kind: 'ok' });
      const before = s.lines.filter(isReload).length;
      await until('a reload', () => s.lines.filter(isReload).length > before, 120_000);
      const reloading = await measure('reloading');
      if (reloading.reloads === 0) throw new Error('no reload completed during a "reloading" window: make --seconds longer');

      // Reloads off: the master fails fast; once a request reaches it, the last reload has finished.
      m.setMode({ kind: 'status', status: 503, body: 'paused by the benchmark' });
      const requests = m.stateRequests();
      await until('the reload in flight to finish', () => m.stateRequests() > requests, 120_000);
      const steady = await measure('steady');
      if (steady.reloads !== 0) throw new Error('a reload completed during a "steady" window');
    }

    const metrics = await s.get('/metrics');
    const fetchesTotal = metricValue(metrics.body, 'mesos_dns_state_fetches_total');
    const reloadingQps = pooledQps(windows.filter((w) => w.phase === 'reloading').map((w) => w.result));
    const steadyQps = pooledQps(windows.filter((w) => w.phase === 'steady').map((w) => w.result));
    return { windows, reloadingQps, steadyQps, ratio: steadyQps > 0 ? reloadingQps / steadyQps : 0, stateBytes: text.length, fetchesTotal };
  } finally {
    await server?.kill();
    await master?.close();
  }
}

export function printReloadResult(result: ReloadQpsResult, log: (line: string) => void): void {
  const reloads = result.windows.filter((w) => w.phase === 'reloading');
  const reloadMs = reloads.flatMap((w) => w.reloadMs).sort((a, b) => a - b);
  const lost = result.windows.reduce((sum, w) => sum + w.result.lost, 0);
  log(`QPS during back-to-back reloads: ${result.reloadingQps.toFixed(0)}`);
  log(`QPS with reloads stopped (same server, same table): ${result.steadyQps.toFixed(0)}`);
  log(
    `reloads during the measured windows: ${reloads.reduce((sum, w) => sum + w.reloads, 0)}, ` +
      `fetch-to-swap median ${(reloadMs[Math.floor(reloadMs.length / 2)] ?? NaN).toFixed(0)} ms; ` +
      `mesos_dns_state_fetches_total ${result.fetchesTotal ?? 'n/a'}; lost queries ${lost}`,
  );
  log(`ratio reloading/steady: ${result.ratio.toFixed(3)} (target >= 0.9: ${result.ratio >= 0.9 ? 'MET' : 'NOT MET'})`);
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
    clients: numberArg('clients', 4),
    threads: numberArg('threads', 1),
    outstanding: numberArg('outstanding', 256),
  };
  console.log(`bench:dns-reload  ${agents} agents, ${tasks} tasks, dnsperf ${describeSettings(settings)}; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  const dir = mkdtempSync(join(tmpdir(), 'bench-dns-reload-'));
  try {
    const state = generateState({ agents, tasks, seed: 42 });
    const config = buildConfig({ Masters: ['127.0.0.1:5050'], IPSources: ['netinfo', 'mesos', 'host'] }, { file: join(dir, 'config.json') });
    if (!('config' in config)) throw new Error(JSON.stringify(config.problems));
    const { table } = buildTableFromText(config.config, JSON.stringify(state), []);
    const mix = buildQueryMix({ table, shares: STANDARD_MIX, lines: 50_000, distinct: { a: 3000, srv: 700, miss: 400, aaaa: 200 }, seed: 1 });
    const queryFile = join(dir, 'mix.txt');
    writeFileSync(queryFile, mix.text);
    const result = await measureReloadQps({
      binary,
      state,
      queryFile,
      settings,
      seconds: numberArg('seconds', 10),
      rounds: numberArg('rounds', 2),
      log: (line) => console.log(line),
    });
    printReloadResult(result, (line) => console.log(line));
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
