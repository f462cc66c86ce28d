// What the state source tells about its reloads: the metrics it keeps, and what one successful
// reload adds to them and to the log (one "records reloaded" line, warnings for what was left out).
import type { Logger } from '../log.js';
import type { Counter, Gauge, Histogram, MetricsRegistry } from '../metrics.js';
import type { TableSnapshot } from '../records/store.js';
import type { ReloadSuccess } from './reload-pipeline.js';

const FETCH_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

export interface ReloadMetrics {
  readonly fetchesTotal: Counter;
  readonly failuresTotal: Counter;
  readonly fetchDuration: Histogram;
  readonly generationDuration: Histogram;
  readonly reloadDuration: Histogram;
  readonly leaderChanges: Counter;
  readonly workerRestarts: Counter;
  readonly portsDropped: Counter;
  readonly problemsTotal: Counter;
  readonly staticConflicts: Gauge;
  readonly healthFailOpen: Gauge;
  readonly outOfRotationTasks: Gauge;
}

export function registerReloadMetrics(metrics: MetricsRegistry): ReloadMetrics {
  const fetchesTotal = metrics.counter('mesos_dns_state_fetches_total', 'State reloads attempted.');
  const failuresTotal = metrics.counter('mesos_dns_state_fetch_failures_total', 'State reloads that failed, by cause.');
  const fetchDuration = metrics.histogram(
    'mesos_dns_state_fetch_duration_seconds',
    'Time to fetch and decode the state (or read the state file).',
    FETCH_BUCKETS,
  );
  const generationDuration = metrics.histogram(
    'mesos_dns_table_generation_seconds',
    'Time to parse the state and generate the record table (in the reload worker).',
    FETCH_BUCKETS,
  );
  const reloadDuration = metrics.histogram(
    'mesos_dns_reload_duration_seconds',
    'Whole reload time, request to table swapped in.',
    FETCH_BUCKETS,
  );
  const leaderChanges = metrics.counter(
    'mesos_dns_leader_changes_total',
    'Changes of the master the state comes from (fail-over or election).',
  );
  const workerRestarts = metrics.counter(
    'mesos_dns_worker_restarts_total',
    'Reload worker threads replaced, by reason: timeout (no result by the reload deadline), heap (past its heap cap), crash.',
  );
  const portsDropped = metrics.counter(
    'mesos_dns_task_ports_dropped_total',
    'Ports of tasks declaring more than the per-task cap, left out of the records (counted at each reload).',
  );
  const problemsTotal = metrics.counter(
    'mesos_dns_state_problems_total',
    'Parts of fetched states skipped as malformed (e.g. an unparsable framework pid).',
  );
  const staticConflicts = metrics.gauge(
    'mesos_dns_static_records_conflicts',
    'Names of the StaticRecordsFile left out of the current table because Mesos generates them too.',
  );
  const healthFailOpen = metrics.gauge(
    'mesos_dns_health_fail_open_names',
    'Names of the current table whose instances are all unhealthy or out of rotation and so all answered (fail open).',
  );
  const outOfRotationTasks = metrics.gauge(
    'mesos_dns_out_of_rotation_tasks',
    'Running tasks of the current table held back from answers because the out-of-rotation list names them.',
  );
  return { fetchesTotal, failuresTotal, fetchDuration, generationDuration, reloadDuration, leaderChanges, workerRestarts, portsDropped, problemsTotal, staticConflicts, healthFailOpen, outOfRotationTasks };
}

/** What a successful reload adds to the metrics and the log (the table is already swapped in). */
export function reportReload(
  m: ReloadMetrics,
  logger: Logger,
  result: ReloadSuccess,
  snapshot: TableSnapshot,
  timing: { readonly durationMs: number; readonly swapMs: number; readonly staticFile: string | undefined },
): void {
  const table = snapshot.table;
  m.fetchDuration.observe(result.timings.fetchMs / 1000);
  m.generationDuration.observe((result.timings.parseMs + result.timings.generateMs) / 1000);
  m.reloadDuration.observe(timing.durationMs / 1000);
  if (result.problemCount > 0) {
    m.problemsTotal.inc({}, result.problemCount);
    logger.warn({ count: result.problemCount, first: result.problems }, 'parts of the state were skipped');
  }
  if (timing.staticFile !== undefined) m.staticConflicts.set(result.staticConflicts.count);
  if (result.staticConflicts.count > 0) {
    logger.warn(
      { file: timing.staticFile, names: result.staticConflicts.count, first: result.staticConflicts.first },
      'static records name Mesos names; the Mesos names win and those static records are left out',
    );
  }
  m.healthFailOpen.set(result.health.failOpenNames);
  m.outOfRotationTasks.set(result.outOfRotationTasks);
  if (result.health.failOpenNames > 0) {
    logger.warn(
      { names: result.health.failOpenNames, unhealthyTasks: result.health.unhealthyTasks, outOfRotationTasks: result.outOfRotationTasks, heldBack: result.health.heldBack },
      'every instance of some names is unhealthy or out of rotation; those names answer all of them (fail open)',
    );
  }
  if (result.portCap.tasks > 0) {
    m.portsDropped.inc({}, result.portCap.droppedPorts);
    logger.warn(
      { tasks: result.portCap.tasks, droppedPorts: result.portCap.droppedPorts, limit: result.portCap.limit, first: result.portCap.firstTaskId },
      'tasks declare more ports than the per-task cap; the ports beyond it get no records',
    );
  }
  for (const f of result.failures) {
    m.failuresTotal.inc({ cause: f.reason });
    logger.warn({ cause: f.reason, master: f.master, err: { message: f.message } }, 'master failed; another one answered');
  }
  logger.info(
    {
      source: result.source,
      generation: snapshot.generation,
      serial: snapshot.serial,
      names: table.counts.names,
      a: table.counts.a,
      aaaa: table.counts.aaaa,
      srv: table.counts.srv,
      ...(table.counts.ptr > 0 ? { ptr: table.counts.ptr } : {}),
      ...(table.counts.cname > 0 ? { cname: table.counts.cname } : {}),
      ...(result.reverse && result.reverse.shared > 0 ? { sharedIpsWithoutPtr: result.reverse.shared } : {}),
      added: result.added,
      removed: result.removed,
      bytes: result.bytes,
      fetchMs: Math.round(result.timings.fetchMs),
      parseMs: Math.round(result.timings.parseMs),
      resolveMs: Math.round(result.timings.resolveMs),
      generateMs: Math.round(result.timings.generateMs),
      diffMs: Math.round(result.timings.diffMs),
      ...(result.partsRebuilt !== undefined ? { partsRebuilt: result.partsRebuilt } : {}),
      workerMs: Math.round(result.timings.totalMs),
      swapMs: Number(timing.swapMs.toFixed(2)),
      totalMs: Math.round(timing.durationMs),
      ...(result.lookups.names > 0 ? { lookups: result.lookups } : {}),
    },
    'records reloaded',
  );
}
