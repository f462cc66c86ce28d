// Reload benchmark: the state source polling a test master that serves a large generated state
// (default 100,000 tasks on 10,000 agents) with a short refreshSeconds, while a probe on the serving
// thread measures event-loop stalls. The test master runs in its own worker thread so that only the
// state source's own cost lands on the measured thread.
//
//   npm run bench:reload -- [--tasks N] [--agents N] [--reloads N] [--refresh S] [--gzip 0|1]
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { DEFAULT_CONFIG } from '../src/config/types.js';
import { createLogger, createSilentLogger } from '../src/log.js';
import { MetricsRegistry } from '../src/metrics.js';
import { createStateSource, type ReloadOutcome } from '../src/reload/poller.js';
import { createRecordStore } from '../src/records/store.js';
import { startTestMaster, withLeader } from '../test/helpers/test-master.js';
import { generateState } from './lib/generate-state.js';

interface MasterWorkerData {
  readonly role: 'bench-reload-master';
  readonly tasks: number;
  readonly agents: number;
  readonly gzip: boolean;
}

type MasterMessage =
  | { type: 'ready'; address: string; bytes: number }
  | { type: 'changed'; at: number };

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : NaN;
  return Number.isFinite(v) ? v : fallback;
}

async function runMaster(data: MasterWorkerData): Promise<void> {
  const port = parentPort;
  if (!port) return;
  const master = await startTestMaster({ gzip: data.gzip });
  const big = generateState({ agents: data.agents, tasks: data.tasks, seed: 42, leader: master.address });
  const text = JSON.stringify(big);
  master.setState(text);
  // Warm the gzip cache here, off the measured thread.
  if (data.gzip) await fetch(`${master.origin}/master/state`, { headers: { 'accept-encoding': 'gzip' } }).then((r) => r.arrayBuffer());
  const small = generateState({ agents: 20, tasks: 200, seed: 7, leader: master.address });
  port.postMessage({ type: 'ready', address: master.address, bytes: Buffer.byteLength(text) } satisfies MasterMessage);
  port.on('message', (m: { type: 'small'; tag: number } | { type: 'big' } | { type: 'close' }) => {
    if (m.type === 'small') {
      master.setState(withLeader({ ...small, frameworks: [{ name: `tag${m.tag}`, pid: 'sched@192.0.2.1:1', tasks: [] }, ...(small.frameworks as unknown[])] }, master.address));
      port.postMessage({ type: 'changed', at: Date.now() } satisfies MasterMessage);
    } else if (m.type === 'big') {
      master.setState(text);
    } else {
      void master.close().then(() => port.close());
    }
  });
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

async function main(): Promise<void> {
  const tasks = arg('tasks', 100_000);
  const agents = arg('agents', 10_000);
  const reloads = arg('reloads', 6);
  const refresh = arg('refresh', 1);
  const gzip = arg('gzip', 1) !== 0;
  const deadline = Date.now() + arg('max-seconds', 300) * 1000;

  console.log(`reload benchmark: ${tasks} tasks, ${agents} agents, refreshSeconds ${refresh}, gzip ${gzip}`);
  const masterWorker = new Worker(new URL(import.meta.url), {
    workerData: { role: 'bench-reload-master', tasks, agents, gzip } satisfies MasterWorkerData,
  });
  const messages: MasterMessage[] = [];
  let notify: (() => void) | undefined;
  masterWorker.on('message', (m: MasterMessage) => {
    messages.push(m);
    notify?.();
  });
  const nextMessage = async (): Promise<MasterMessage> => {
    while (messages.length === 0) await new Promise<void>((r) => (notify = r));
    return messages.shift() as MasterMessage;
  };
  const ready = await nextMessage();
  if (ready.type !== 'ready') throw new Error('unexpected message');
  console.log(`test master ${ready.address}: state ${(ready.bytes / 1024 / 1024).toFixed(1)} MiB of JSON`);

  const store = createRecordStore();
  const source = createStateSource({
    config: { ...DEFAULT_CONFIG, masters: [ready.address], refreshSeconds: refresh, listener: '127.0.0.1', stateTimeoutSeconds: 120 },
    store,
    logger: process.argv.includes('--verbose') ? createLogger({ level: 'debug' }) : createSilentLogger(),
    metrics: new MetricsRegistry(),
  });

  // Serving-thread probes: the histogram, plus a 1 ms interval measuring its own lateness.
  const histogram = monitorEventLoopDelay({ resolution: 5 });
  let last = performance.now();
  let maxDrift = 0;
  const drifts: number[] = [];
  const probe = setInterval(() => {
    const t = performance.now();
    const drift = t - last - 1;
    last = t;
    drifts.push(drift);
    if (drift > maxDrift) maxDrift = drift;
  }, 1);

  const outcomes: ReloadOutcome[] = [];
  const done = new Promise<void>((resolve) => {
    source.onReload((o) => {
      outcomes.push(o);
      if (outcomes.length >= reloads || Date.now() > deadline) resolve();
    });
  });
  histogram.enable();
  const t0 = performance.now();
  await source.start();
  await done;
  const elapsed = performance.now() - t0;
  histogram.disable();
  clearInterval(probe);

  const ok = outcomes.filter((o) => o.ok);
  const durations = ok.map((o) => o.durationMs).sort((a, b) => a - b);
  const table = store.current()?.table;
  console.log(`reloads: ${outcomes.length} (${ok.length} ok) in ${(elapsed / 1000).toFixed(1)} s`);
  for (const o of outcomes) if (!o.ok) console.log(`  failed: ${o.error.reason}: ${o.error.message}`);
  if (table) console.log(`table: ${table.counts.names} names, ${table.counts.a} A, ${table.counts.aaaa} AAAA, ${table.counts.srv} SRV`);
  console.log(
    `reload time (request to swap): min ${durations[0]?.toFixed(0)} ms, median ${percentile(durations, 50).toFixed(0)} ms, max ${durations.at(-1)?.toFixed(0)} ms`,
  );
  const sortedDrifts = drifts.sort((a, b) => a - b);
  console.log(
    `serving-thread stall (1 ms interval probe): max ${maxDrift.toFixed(1)} ms, p99 ${percentile(sortedDrifts, 99).toFixed(2)} ms, p99.9 ${percentile(sortedDrifts, 99.9).toFixed(2)} ms`,
  );
  console.log(
    `event-loop delay (monitorEventLoopDelay): max ${(histogram.max / 1e6).toFixed(1)} ms, p99 ${(histogram.percentile(99) / 1e6).toFixed(2)} ms, mean ${(histogram.mean / 1e6).toFixed(2)} ms`,
  );
  console.log(`serving-thread heap used: ${(process.memoryUsage().heapUsed / 1024 / 1024).toFixed(0)} MiB`);
  console.log(`target: max stall < 50 ms -> ${maxDrift < 50 ? 'MET' : 'NOT MET'}`);

  // Freshness: a change at the master until it is in the store, with a small state.
  masterWorker.postMessage({ type: 'small', tag: 0 });
  await nextMessage();
  await source.reloadNow();
  const latencies: number[] = [];
  for (let i = 1; i <= 5 && Date.now() < deadline; i++) {
    await new Promise((r) => setTimeout(r, 137 * i));
    const name = `tag${i}.mesos.`;
    const seen = new Promise<number>((resolve) => {
      const off = source.onReload((o) => {
        if (o.ok && o.snapshot.table.lookup(name)) {
          off();
          resolve(Date.now());
        }
      });
    });
    masterWorker.postMessage({ type: 'small', tag: i });
    const changed = await nextMessage();
    const at = await seen;
    if (changed.type === 'changed') latencies.push(at - changed.at);
  }
  latencies.sort((a, b) => a - b);
  console.log(
    `state change -> new table in the store (refreshSeconds ${refresh}): min ${latencies[0]} ms, median ${percentile(latencies, 50)} ms, max ${latencies.at(-1)} ms`,
  );

  await source.close();
  masterWorker.postMessage({ type: 'close' });
  await new Promise((r) => masterWorker.once('exit', r));
}

if (isMainThread) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
} else if ((workerData as Partial<MasterWorkerData> | null)?.role === 'bench-reload-master') {
  void runMaster(workerData as MasterWorkerData);
}
