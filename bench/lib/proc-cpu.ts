// CPU time of a child process and of its threads, from /proc (Linux). On a machine shared with other
// work the QPS a server reaches depends on how much CPU it was given; queries per CPU-second of the
// server does not, so the benchmarks print both. Elsewhere these return undefined and the benchmarks
// print QPS only.
import { readFileSync, readdirSync } from 'node:fs';

/** USER_HZ: the unit of utime/stime in /proc/<pid>/stat; 100 on every Linux architecture Node runs on. */
const CLOCK_TICKS_PER_SECOND = 100;

function ticksOf(stat: string): { ticks: number; nice: number } {
  // Fields after "(comm)": state is field 3; utime 14, stime 15, nice 19 (1-based, see proc(5)).
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { ticks: Number(fields[11]) + Number(fields[12]), nice: Number(fields[16]) };
}

/** User + system CPU seconds of a whole process so far, or undefined without /proc. */
export function processCpuSeconds(pid: number): number | undefined {
  try {
    return ticksOf(readFileSync(`/proc/${pid}/stat`, 'utf8')).ticks / CLOCK_TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

export interface CpuByNice {
  /** CPU seconds of threads at each nice value (the reload worker runs at nice 10). */
  readonly byNice: ReadonlyMap<number, number>;
  readonly total: number;
}

/** CPU seconds per nice value over the process's live threads, or undefined without /proc. */
export function threadCpuSeconds(pid: number): CpuByNice | undefined {
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return undefined;
  }
  const byNice = new Map<number, number>();
  let total = 0;
  for (const tid of tids) {
    try {
      const { ticks, nice } = ticksOf(readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8'));
      const seconds = ticks / CLOCK_TICKS_PER_SECOND;
      byNice.set(nice, (byNice.get(nice) ?? 0) + seconds);
      total += seconds;
    } catch {
      // the thread ended
    }
  }
  return { byNice, total };
}

/** CPU seconds `pid` used while `work` ran, with its result. */
export async function measureCpu<T>(pid: number, work: () => Promise<T>): Promise<{ result: T; cpuSeconds: number | undefined }> {
  const before = processCpuSeconds(pid);
  const result = await work();
  const after = processCpuSeconds(pid);
  return { result, cpuSeconds: before === undefined || after === undefined ? undefined : after - before };
}

/**
 * Waits until `pid` uses under `fraction` of one CPU over two consecutive `intervalMs` samples (work left
 * over from start-up, e.g. a collection after the first table, is done), or `maxMs` passed. Resolves to the
 * milliseconds waited; at once without /proc.
 */
export async function waitForIdle(pid: number, options: { fraction?: number; intervalMs?: number; maxMs?: number } = {}): Promise<number> {
  const fraction = options.fraction ?? 0.05;
  const intervalMs = options.intervalMs ?? 250;
  const maxMs = options.maxMs ?? 15_000;
  const started = Date.now();
  let last = processCpuSeconds(pid);
  let quiet = 0;
  while (last !== undefined && quiet < 2 && Date.now() - started < maxMs) {
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
    const now = processCpuSeconds(pid);
    if (now === undefined) break;
    quiet = now - last < (fraction * intervalMs) / 1000 ? quiet + 1 : 0;
    last = now;
  }
  return Date.now() - started;
}
