// bench:records — load a 10,000-agent, 100,000-task state the way a reload does: in a fresh worker
// thread with the reload worker's heap limits, read the file, parse it selectively from its bytes,
// generate the table and hand it to the main thread by transfer. Prints per run the read, parse and
// generation times (each one synchronous step in the worker), the records produced, the process's
// RSS once the table is in the main thread and the worker gone, and the peak RSS; then minimum and
// median over the runs. Targets on the 2-core machine: load (parse + generate) < 1.5 s, RSS after
// load < 400 MB. The machine's load average is printed too: figures from a loaded machine are not
// comparable with a quiet one. BENCH_WARM=1 does every run in one worker instead (JIT-compiled code
// reused, as by a long-lived reload worker), for comparison.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { DEFAULT_CONFIG } from '../src/config/types.js';
import { parseStateBytes } from '../src/mesos/parse-state.js';
import { DEFAULT_WORKER_RESOURCE_LIMITS } from '../src/reload/poller.js';
import { generateRecords } from '../src/records/generate.js';
import { openRecordTable, transferList } from '../src/records/packed-table.js';
import type { PackedTableData } from '../src/records/table.js';

const AGENTS = Number(process.env.BENCH_AGENTS ?? 10_000);
const TASKS = Number(process.env.BENCH_TASKS ?? 100_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const WARM = process.env.BENCH_WARM === '1';
/** How long after the worker's exit RSS is read. */
const SETTLE_MS = 500;

interface LoadWorkerData {
  readonly role: 'bench-records-load';
  readonly file: string;
  /** Loads to do one after the other, each when the main thread asks ('next'). */
  readonly loads: number;
}

interface LoadTimes {
  readonly readMs: number;
  readonly parseMs: number;
  readonly generateMs: number;
}

/** In the worker: loads, each table going to the main thread. */
function serveLoads(data: LoadWorkerData): void {
  let left = data.loads;
  const next = (): void => {
    if (left-- > 0) load(data);
  };
  parentPort?.on('message', next);
  next();
}

function load(data: LoadWorkerData): void {
  const config = { ...DEFAULT_CONFIG, listener: '127.0.0.1' };
  const t0 = performance.now();
  let bytes: Buffer | undefined = readFileSync(data.file);
  const t1 = performance.now();
  const parsed = parseStateBytes(bytes);
  bytes = undefined;
  const t2 = performance.now();
  if (!parsed.ok) throw new Error(parsed.error);
  const table = generateRecords({ state: parsed.state, config, masters: ['127.0.0.1:5050'], listenerAddresses: [] });
  const t3 = performance.now();
  const times: LoadTimes = { readMs: t1 - t0, parseMs: t2 - t1, generateMs: t3 - t2 };
  parentPort?.postMessage({ times, data: table.data }, transferList(table.data));
}

/** MB (10^6 bytes); maxRSS is in KiB. */
function peakRssMb(): number {
  return (process.resourceUsage().maxRSS * 1024) / 1e6;
}

function rssMb(): number {
  return process.memoryUsage().rss / 1e6;
}

function tableBytes(data: PackedTableData): number {
  let total = 0;
  for (const value of Object.values(data)) if (ArrayBuffer.isView(value)) total += value.byteLength;
  return total;
}

function summary(label: string, values: readonly number[], unit = 'ms'): string {
  const sorted = [...values].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)] as number;
  return `${label} min ${(sorted[0] as number).toFixed(0)} ${unit}, median ${median.toFixed(0)} ${unit}`;
}

const loadAverage = (): string => loadavg().map((l) => l.toFixed(2)).join(' ');

interface RunFigures extends LoadTimes {
  readonly totalMs: number;
  readonly rssMb: number;
  readonly line: string;
}

function startWorker(file: string, loads: number): Worker {
  return new Worker(new URL(import.meta.url), {
    workerData: { role: 'bench-records-load', file, loads } satisfies LoadWorkerData,
    resourceLimits: DEFAULT_WORKER_RESOURCE_LIMITS,
  });
}

/** One load by `shared` (asking it for the next one) or by a fresh worker that ends afterwards. */
async function run(file: string, shared: Worker | undefined, first: boolean): Promise<RunFigures> {
  const worker = shared ?? startWorker(file, 1);
  const message = await new Promise<{ times: LoadTimes; data: PackedTableData }>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
    if (shared && !first) shared.postMessage('next');
  });
  if (!shared) await worker.terminate();
  const table = openRecordTable(message.data);
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  const rss = rssMb();
  const { readMs, parseMs, generateMs } = message.times;
  const totalMs = parseMs + generateMs;
  const c = table.counts;
  const line =
    `read ${readMs.toFixed(0)} ms, parse ${parseMs.toFixed(0)} ms, generate ${generateMs.toFixed(0)} ms, load (parse + generate) ${totalMs.toFixed(0)} ms; ` +
    `records ${c.a + c.aaaa + c.srv} (A ${c.a}, AAAA ${c.aaaa}, SRV ${c.srv}) in ${c.names} names; table ${(tableBytes(table.data) / 1e6).toFixed(1)} MB; ` +
    `RSS with the table${shared ? ' (worker alive)' : ', worker gone'} ${rss.toFixed(0)} MB; peak RSS so far ${peakRssMb().toFixed(0)} MB`;
  return { readMs, parseMs, generateMs, totalMs, rssMb: rss, line };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-records-'));
  try {
    const file = join(dir, 'state.json');
    // Generated in a child process so this process's peak RSS counts only what the server would hold.
    const generator = fileURLToPath(new URL('./lib/generate-state.js', import.meta.url));
    execFileSync(process.execPath, [generator, '--agents', String(AGENTS), '--tasks', String(TASKS), '--out', file]);
    if (!existsSync(file)) throw new Error('state generator wrote nothing');
    const megabytes = (statSync(file).size / 1e6).toFixed(1);
    const how = WARM ? 'all runs in one worker' : 'each run in a fresh worker';
    console.log(`state: ${AGENTS} agents, ${TASKS} tasks, ${megabytes} MB of JSON; ${how}, with the reload worker's limits; load average ${loadAverage()}`);
    const runs: RunFigures[] = [];
    let firstRunPeak = 0;
    const shared = WARM ? startWorker(file, RUNS) : undefined;
    for (let i = 1; i <= RUNS; i++) {
      const figures = await run(file, shared, i === 1);
      runs.push(figures);
      console.log(`run ${i}: ${figures.line}`);
      if (i === 1) firstRunPeak = peakRssMb();
      (globalThis as { gc?: () => void }).gc?.();
    }
    await shared?.terminate();
    console.log(
      `${summary('load (parse + generate)', runs.map((r) => r.totalMs))}; ${summary('generate', runs.map((r) => r.generateMs))}; ` +
        `${summary('parse', runs.map((r) => r.parseMs))}; ${summary('read', runs.map((r) => r.readMs))}`,
    );
    console.log(
      `${summary('RSS after load', runs.map((r) => r.rssMb), 'MB')}; peak RSS: ${firstRunPeak.toFixed(0)} MB after one run, ` +
        `${peakRssMb().toFixed(0)} MB after ${RUNS}; load average ${loadAverage()}`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (isMainThread) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
} else if ((workerData as Partial<LoadWorkerData> | null)?.role === 'bench-records-load') {
  serveLoads(workerData as LoadWorkerData);
}
