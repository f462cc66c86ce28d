// bench:records — parse + generate for a 10,000-agent, 100,000-task state.
// Prints per run the JSON.parse, parseState and generation times (each one synchronous step, so the
// longest of them is the longest the event loop would be held), the records produced and peak RSS,
// then the minimum and median over the runs. Target on the 2-core machine: parse + generate < 1.5 s,
// peak RSS < 400 MB. The machine's load average is printed too: figures from a loaded machine are
// not comparable with a quiet one.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_CONFIG } from '../src/config/types.js';
import { parseState } from '../src/mesos/parse-state.js';
import { generateRecords } from '../src/records/generate.js';
import type { PackedTableData } from '../src/records/table.js';

const AGENTS = Number(process.env.BENCH_AGENTS ?? 10_000);
const TASKS = Number(process.env.BENCH_TASKS ?? 100_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);

interface RunFigures {
  readonly jsonMs: number;
  readonly parseMs: number;
  readonly generateMs: number;
  readonly totalMs: number;
  readonly line: string;
}

/**
 * One reload's worth of work, as the reload worker does it: the text and the raw document become
 * garbage once parsed, and nothing of the run outlives it but the figures.
 */
function run(file: string): RunFigures {
  const config = { ...DEFAULT_CONFIG, listener: '127.0.0.1' };
  const parsed = (() => {
    const text = readFileSync(file, 'utf8');
    const t0 = performance.now();
    const doc: unknown = JSON.parse(text);
    const t1 = performance.now();
    const result = parseState(doc);
    return { result, jsonMs: t1 - t0, parseMs: performance.now() - t1 };
  })();
  if (!parsed.result.ok) throw new Error(parsed.result.error);
  const t2 = performance.now();
  const table = generateRecords({ state: parsed.result.state, config, masters: ['127.0.0.1:5050'], listenerAddresses: [] });
  const generateMs = performance.now() - t2;
  const totalMs = parsed.jsonMs + parsed.parseMs + generateMs;
  const c = table.counts;
  const line =
    `JSON.parse ${parsed.jsonMs.toFixed(0)} ms, parseState ${parsed.parseMs.toFixed(0)} ms, ` +
    `generate ${generateMs.toFixed(0)} ms, total ${totalMs.toFixed(0)} ms; ` +
    `records ${c.a + c.aaaa + c.srv} (A ${c.a}, AAAA ${c.aaaa}, SRV ${c.srv}) in ${c.names} names; ` +
    `table ${(tableBytes(table.data) / 1e6).toFixed(1)} MB; peak RSS so far ${peakRssMb()} MB`;
  return { jsonMs: parsed.jsonMs, parseMs: parsed.parseMs, generateMs, totalMs, line };
}

function peakRssMb(): string {
  return (process.resourceUsage().maxRSS / 1024).toFixed(0);
}

function tableBytes(data: PackedTableData): number {
  let total = 0;
  for (const value of Object.values(data)) if (ArrayBuffer.isView(value)) total += value.byteLength;
  return total;
}

function summary(label: string, values: readonly number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)] as number;
  return `${label} min ${(sorted[0] as number).toFixed(0)} ms, median ${median.toFixed(0)} ms`;
}

const dir = mkdtempSync(join(tmpdir(), 'bench-records-'));
try {
  const file = join(dir, 'state.json');
  // Generated in a child process so this process's peak RSS counts only what the server would hold.
  const generator = fileURLToPath(new URL('./lib/generate-state.js', import.meta.url));
  execFileSync(process.execPath, [generator, '--agents', String(AGENTS), '--tasks', String(TASKS), '--out', file]);
  if (!existsSync(file)) throw new Error('state generator wrote nothing');
  const megabytes = (readFileSync(file).length / 1e6).toFixed(1);
  console.log(`state: ${AGENTS} agents, ${TASKS} tasks, ${megabytes} MB of JSON; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  const runs: RunFigures[] = [];
  let firstRunRss = '';
  for (let i = 1; i <= RUNS; i++) {
    const figures = run(file);
    runs.push(figures);
    console.log(`run ${i}: ${figures.line}`);
    if (i === 1) firstRunRss = peakRssMb();
    (globalThis as { gc?: () => void }).gc?.();
  }
  console.log(
    `${summary('parse + generate', runs.map((r) => r.totalMs))}; ${summary('generate', runs.map((r) => r.generateMs))}; ` +
      `${summary('JSON.parse', runs.map((r) => r.jsonMs))}; ${summary('parseState', runs.map((r) => r.parseMs))}`,
  );
  console.log(`peak RSS: ${firstRunRss} MB after one run, ${peakRssMb()} MB after ${RUNS}; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
