// bench:records — parse + generate for a 10,000-agent, 100,000-task state.
// Prints parse time, generation time, records produced, the longest single synchronous step and peak RSS.
// Target on the 2-core machine: parse + generate < 1.5 s, peak RSS < 400 MB.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_CONFIG } from '../src/config/types.js';
import { parseState } from '../src/mesos/parse-state.js';
import { generateRecords } from '../src/records/generate.js';

const AGENTS = Number(process.env.BENCH_AGENTS ?? 10_000);
const TASKS = Number(process.env.BENCH_TASKS ?? 100_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);

const dir = mkdtempSync(join(tmpdir(), 'bench-records-'));
try {
  const file = join(dir, 'state.json');
  // Generated in a child process so this process's peak RSS counts only what the server would hold.
  const generator = fileURLToPath(new URL('./lib/generate-state.js', import.meta.url));
  execFileSync(process.execPath, [generator, '--agents', String(AGENTS), '--tasks', String(TASKS), '--out', file]);
  if (!existsSync(file)) throw new Error('state generator wrote nothing');
  const text = readFileSync(file, 'utf8');
  const config = { ...DEFAULT_CONFIG, listener: '127.0.0.1' };
  console.log(`state: ${AGENTS} agents, ${TASKS} tasks, ${(text.length / 1e6).toFixed(1)} MB of JSON`);
  for (let run = 1; run <= RUNS; run++) {
    const t0 = performance.now();
    // Parsed in a function so the raw document can be collected before generation, as in the worker.
    const parsed = (() => {
      const doc: unknown = JSON.parse(text);
      const t1 = performance.now();
      const result = parseState(doc);
      return { result, jsonMs: t1 - t0, parseMs: performance.now() - t1 };
    })();
    if (!parsed.result.ok) throw new Error(parsed.result.error);
    const t2 = performance.now();
    const table = generateRecords({ state: parsed.result.state, config, masters: ['127.0.0.1:5050'], listenerAddresses: [] });
    const t3 = performance.now();
    const c = table.counts;
    console.log(
      `run ${run}: JSON.parse ${parsed.jsonMs.toFixed(0)} ms, parseState ${parsed.parseMs.toFixed(0)} ms, ` +
        `generate ${(t3 - t2).toFixed(0)} ms, total ${(t3 - t0).toFixed(0)} ms; ` +
        `records ${c.a + c.aaaa + c.srv} (A ${c.a}, AAAA ${c.aaaa}, SRV ${c.srv}) in ${c.names} names; ` +
        `table ${(tableBytes(table.data) / 1e6).toFixed(1)} MB; peak RSS so far ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`,
    );
    (globalThis as { gc?: () => void }).gc?.();
  }
  console.log(`peak RSS: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

function tableBytes(data: object): number {
  let total = 0;
  for (const value of Object.values(data)) if (ArrayBuffer.isView(value)) total += value.byteLength;
  return total;
}
