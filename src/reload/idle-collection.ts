// The reload worker's memory upkeep (docs/streaming.md, "Costs"). After a big reload (a state body,
// a stream snapshot, a storm's batches) the old state and the read's garbage sit in the worker's old
// generation until allocation forces a full collection, which an idle worker never does; and a
// worker's heap is not visited by V8's memory reducer, so the pages that garbage leaves half empty
// stay committed. Once the worker is idle this collects, then compacts a step at a time.
//
// Compaction runs in V8's optimise-for-memory mode, which moves a few MB of objects per collection:
// compacting the whole heap at once would first copy every live object (about 120 MB at 100,000
// tasks) to new pages, raising the process's peak by that much just when it should fall.
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

export interface HeapCollector {
  /** A full collection. */
  collect(): void;
  /** A full collection that also empties some sparse pages (a few MB of objects moved). */
  compactStep(): void;
  /** The heap's committed size, in bytes. */
  committedBytes(): number;
}

/**
 * The `--max-semi-space-size` this process started with ("0": V8's own choice). The optimise-for-memory
 * flag implies a 1 MB one, which stays once the flag is unset: every worker made later (a replaced
 * reload worker) would get a young generation of 1 MB, whatever its resource limits say.
 */
export function startingMaxSemiSpace(args: readonly string[] = [...process.execArgv, ...(process.env['NODE_OPTIONS'] ?? '').split(/\s+/)]): string {
  let value = '0';
  args.forEach((arg, i) => {
    const match = /^--max[-_]semi[-_]space[-_]size(?:=(\d+))?$/.exec(arg);
    if (match) value = match[1] ?? (/^\d+$/.test(args[i + 1] ?? '') ? (args[i + 1] as string) : value);
  });
  return value;
}

/**
 * V8's full collection, exposed to this thread by `--expose-gc` (the flag only adds `gc` to contexts
 * made after it, as jest does); undefined where the flag is refused. The optimise-for-memory flag is
 * process-wide: it is set for one collection only (the serving thread may compile or collect with it
 * meanwhile, which costs nothing but a little speed), and what it implies is put back.
 */
export function heapCollector(): HeapCollector | undefined {
  let gc: unknown;
  try {
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc');
  } catch {
    return undefined;
  }
  if (typeof gc !== 'function') return undefined;
  const collect = gc as () => void;
  const semiSpace = `--max-semi-space-size=${startingMaxSemiSpace()}`;
  return {
    collect,
    compactStep() {
      setFlagsFromString('--optimize-for-size');
      try {
        collect();
      } finally {
        setFlagsFromString('--no-optimize-for-size');
        setFlagsFromString(semiSpace);
      }
    },
    committedBytes: () => getHeapStatistics().total_heap_size,
  };
}

/** The first collection waits this long for the worker to stay idle. */
export const COLLECT_AFTER_MS = 200;
/** The pause between compacting steps: a reload that arrives meanwhile runs first. */
export const COMPACT_EVERY_MS = 50;
/** Compaction stops once a step gives back less than this. */
export const MIN_STEP_GAIN_BYTES = 1024 * 1024;
export const MAX_COMPACT_STEPS = 24;

export interface IdleCollection {
  cancel(): void;
}

/**
 * Collects once the worker has stayed idle for COLLECT_AFTER_MS, then compacts step by step while it
 * stays idle, until a step gives back less than MIN_STEP_GAIN_BYTES (or MAX_COMPACT_STEPS). A busy
 * worker ends the sequence; the next big reload starts a new one.
 */
export function collectWhenIdle(collector: HeapCollector, idle: () => boolean): IdleCollection {
  let timer: NodeJS.Timeout | undefined;
  let steps = 0;
  const compact = (): void => {
    if (!idle()) return;
    const before = collector.committedBytes();
    collector.compactStep();
    steps++;
    if (before - collector.committedBytes() >= MIN_STEP_GAIN_BYTES && steps < MAX_COMPACT_STEPS) timer = setTimeout(compact, COMPACT_EVERY_MS).unref();
  };
  timer = setTimeout(() => {
    if (!idle()) return;
    collector.collect();
    timer = setTimeout(compact, COMPACT_EVERY_MS).unref();
  }, COLLECT_AFTER_MS).unref();
  return { cancel: () => clearTimeout(timer) };
}
