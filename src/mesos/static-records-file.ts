// The StaticRecordsFile as an input of the reloads: read at start (a bad file refuses the start), then
// hot-reloaded when it changes (a watch on its directory, debounced, so editors that write a new file
// and rename it, and Kubernetes ConfigMaps that swap a symlink, are seen too) and on SIGHUP. A new
// version that has problems is logged line by line and ignored: the last good records stay in use.
import { type FSWatcher, watch } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import {
  MAX_STATIC_PROBLEMS_SHOWN,
  MAX_STATIC_RECORDS_FILE_BYTES,
  type StaticRecord,
  type StaticRecordsProblem,
  type StaticRecordsSettings,
  formatStaticProblem,
  parseStaticRecords,
} from '../config/static-records.js';
import type { Logger } from '../log.js';
import type { MetricsRegistry } from '../metrics.js';

/** Changes closer together than this are read once (an editor's write, rename and chmod). */
export const STATIC_RECORDS_DEBOUNCE_MS = 200;

export interface StaticRecordsFile {
  /** The last good version's records (none before load()). */
  current(): readonly StaticRecord[];
  /** Reads the file: rejects, naming every problem, when it cannot be read or is not good. */
  load(): Promise<void>;
  /** Watches the file; `onChange` runs after a changed good version is taken. */
  watch(onChange: () => void): void;
  /**
   * Reads the file again (SIGHUP), with new settings if given (TTL, SRV weight): true when a changed
   * good version was taken; a bad one is logged and the previous records stay.
   */
  reread(settings?: StaticRecordsSettings): Promise<boolean>;
  close(): void;
}

export interface CreateStaticRecordsFileOptions {
  /** Absolute path. */
  readonly file: string;
  readonly settings: StaticRecordsSettings;
  readonly logger: Logger;
  readonly metrics: MetricsRegistry;
  readonly debounceMs?: number;
}

/** The settings a file's reading depends on, compared by value. */
function settingsKey(s: StaticRecordsSettings): string {
  return `${s.domain} ${s.ttl} ${s.srvRecordDefaultWeight}`;
}

type ReadOutcome = { readonly text: string; readonly problems: readonly StaticRecordsProblem[]; readonly records: readonly StaticRecord[] };

/** Reads and checks the file; one past MAX_STATIC_RECORDS_FILE_BYTES is refused unread. */
async function readRecordsFile(file: string, settings: StaticRecordsSettings): Promise<ReadOutcome> {
  const size = (await stat(file)).size;
  if (size > MAX_STATIC_RECORDS_FILE_BYTES) {
    return { text: `\0size ${size}`, records: [], problems: [{ line: 0, message: `is ${size} octets, more than ${MAX_STATIC_RECORDS_FILE_BYTES}` }] };
  }
  const text = await readFile(file, 'utf8');
  return { text, ...parseStaticRecords(text, settings) };
}

function logRejected(logger: Logger, file: string, reason: string, problems: readonly StaticRecordsProblem[], keptRecords: number): void {
  for (const problem of problems.slice(0, MAX_STATIC_PROBLEMS_SHOWN)) {
    logger.error({ file, line: problem.line, problem: problem.message }, formatStaticProblem(file, problem));
  }
  logger.error({ file, reason, problems: problems.length, keptRecords }, 'static records file rejected; keeping the previous static records');
}

/**
 * Watches the file's directory: any change there may be ours (a ConfigMap swaps a "..data" symlink);
 * reading a file whose text did not change costs one small read and nothing else.
 */
function watchFile(file: string, logger: Logger, debounceMs: number, changed: () => void): { close(): void } | undefined {
  const name = basename(file);
  let timer: NodeJS.Timeout | undefined;
  let watcher: FSWatcher;
  try {
    // A change comes as a burst of events: one read once the burst is over.
    watcher = watch(dirname(file), { persistent: false }, (_event, entry) => {
      if (entry !== null && entry !== name && !entry.startsWith('..')) return;
      clearTimeout(timer);
      timer = setTimeout(changed, debounceMs);
      timer.unref();
    });
    watcher.on('error', (err) => logger.warn({ file, err }, 'watching the static records file failed; SIGHUP still re-reads it'));
  } catch (err) {
    logger.warn({ file, err }, 'cannot watch the static records file; SIGHUP re-reads it');
    return undefined;
  }
  return {
    close() {
      clearTimeout(timer);
      watcher.close();
    },
  };
}

export function createStaticRecordsFile(options: CreateStaticRecordsFileOptions): StaticRecordsFile {
  const { file, metrics } = options;
  const logger = options.logger.child({ component: 'static-records' });
  const loads = metrics.counter('mesos_dns_static_records_loads_total', 'Versions of StaticRecordsFile read, by result: ok, rejected (the previous records stay).');
  const recordsGauge = metrics.gauge('mesos_dns_static_records', 'Records of the StaticRecordsFile version in use.');
  let settings = options.settings;
  let records: readonly StaticRecord[] = [];
  /** The text last read (good or bad): an unchanged file is neither reloaded nor logged again. */
  let lastText: string | undefined;
  let lastSettings = settingsKey(settings);
  let watcher: { close(): void } | undefined;
  let reading: Promise<boolean> = Promise.resolve(false);
  let closed = false;

  function take(outcome: ReadOutcome): void {
    records = outcome.records;
    recordsGauge.set(records.length);
    loads.inc({ result: 'ok' });
  }

  /** Reads once; true when a changed good version was taken. */
  async function refresh(reason: string): Promise<boolean> {
    let outcome: ReadOutcome;
    try {
      outcome = await readRecordsFile(file, settings);
    } catch (err) {
      // Gone for a moment while it is replaced, or unreadable: the previous records stay.
      if (lastText !== undefined) logger.warn({ file, reason, err }, 'cannot read the static records file; keeping the previous static records');
      lastText = undefined;
      return false;
    }
    if (closed || (outcome.text === lastText && settingsKey(settings) === lastSettings)) return false;
    lastText = outcome.text;
    lastSettings = settingsKey(settings);
    if (outcome.problems.length > 0) {
      loads.inc({ result: 'rejected' });
      logRejected(logger, file, reason, outcome.problems, records.length);
      return false;
    }
    take(outcome);
    logger.info({ file, reason, records: records.length }, 'static records file loaded');
    return true;
  }

  /** Reads run one after another: a slow read must not overtake a later one. */
  function queue(reason: string): Promise<boolean> {
    reading = reading.then(() => refresh(reason));
    return reading;
  }

  return {
    current: () => records,
    async load() {
      const outcome = await readRecordsFile(file, settings);
      if (outcome.problems.length > 0) {
        loads.inc({ result: 'rejected' });
        throw new Error(outcome.problems.slice(0, MAX_STATIC_PROBLEMS_SHOWN).map((p) => formatStaticProblem(file, p)).join('; '));
      }
      lastText = outcome.text;
      take(outcome);
    },
    watch(onChange) {
      if (watcher || closed) return;
      watcher = watchFile(file, logger, options.debounceMs ?? STATIC_RECORDS_DEBOUNCE_MS, () => {
        void queue('file changed').then((changedRecords) => {
          if (changedRecords && !closed) onChange();
        });
      });
    },
    reread(next) {
      if (next) settings = next;
      return queue('SIGHUP');
    },
    close() {
      closed = true;
      watcher?.close();
      watcher = undefined;
    },
  };
}
