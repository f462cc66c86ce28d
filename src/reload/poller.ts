// The state source: keeps the record store fed from the masters (static list or ZooKeeper) or from a
// state file, with the StaticRecordsFile's records added. Reloads every refreshSeconds, at once on
// start, on every leader change and when the static records change, never two at once. The whole reload (fetch, parse, host lookups, generation) runs in a worker thread; the serving
// thread only opens the transferred table (O(1)) and swaps it in. A failed reload keeps the last table.
import type { ResourceLimits } from 'node:worker_threads';
import type { Config } from '../config/types.js';
import { ErrorCode, MesosDnsError } from '../errors.js';
import type { Logger } from '../log.js';
import type { MetricsRegistry } from '../metrics.js';
import { openRecordTable } from '../records/packed-table.js';
import { assemblePartedTable, openPartedTable, type PartedTableData } from '../records/parted-table.js';
import type { RecordTable } from '../records/table.js';
import type { RecordStore, TableSnapshot } from '../records/store.js';
import {
  type ClientSettingsConfig,
  loadMasterClientSettings,
  type LoadClientSettingsOptions,
  plainHttpCredentialTargets,
} from '../mesos/client-settings.js';
import type { GenerateConfig } from '../records/generate.js';
import { FetchFailure, type SerializedFetchError } from '../mesos/fetch-errors.js';
import { HOST_LOOKUP_TIMEOUT_MS } from '../mesos/host-lookup.js';
import { parseZkUrl } from '../config/addresses.js';
import { interfaceAddresses } from '../host-interfaces.js';
import { createStaticDetector } from '../mesos/leader/static-detector.js';
import type { MasterDetector, MasterList } from '../mesos/leader/types.js';
import { createZkDetector } from '../mesos/leader/zk-detector.js';
import type { ZkClient, ZkClientOptions } from '../mesos/leader/zk-client.js';
import { failedReload, type ReloadPipelineConfig, type ReloadResult, type ReloadSuccess } from './reload-pipeline.js';
import { RELOAD_WORKER_KIND, type ReloadWorkerData, type ToWorker } from './reload-worker.js';
import { ReloadWorkerClient } from './worker-client.js';
import { registerReloadMetrics, reportReload } from './reload-report.js';
import { ReloadLoop } from './reload-loop.js';
import type { SourceStatus, StateSource } from './source.js';
import type { StaticRecordsSettings } from '../config/static-records.js';
import { createStaticRecordsFile, type StaticRecordsFile } from '../mesos/static-records-file.js';
import type { RotationView } from '../records/rotation-list.js';
import type { StreamDriver } from '../mesos/stream-driver.js';
import { packRecords, type StreamBatch } from './stream-tables.js';

export const SourceKind = { FILE: 'file', STATIC: 'static', ZOOKEEPER: 'zookeeper' } as const;
export type SourceKind = (typeof SourceKind)[keyof typeof SourceKind];

/** What the source reads: the master client's and the generator's settings, plus where state comes from. */
export type StateSourceConfig = ClientSettingsConfig &
  GenerateConfig &
  Pick<Config, 'refreshSeconds' | 'zkDetectionTimeout' | 'masters' | 'zk' | 'stateFile'> &
  Partial<Pick<Config, 'staticRecordsFile' | 'ttl' | 'srvRecordDefaultWeight' | 'stateSourceMode'>>;

export interface CreateStateSourceOptions {
  readonly config: StateSourceConfig;
  readonly store: RecordStore;
  readonly logger: Logger;
  readonly metrics: MetricsRegistry;
  readonly now?: () => number;
  /** Interface addresses for the listener record when listener is 0.0.0.0; default: this host's, minus loopback. */
  readonly listenerAddresses?: readonly string[];
  /** ZooKeeper session timeout (default 30 s). */
  readonly zkSessionTimeoutMs?: number;
  /** Builds the ZooKeeper client (tests capture it to inject faults). */
  readonly createZkClient?: (options: ZkClientOptions) => ZkClient;
  /** Heap limits of the reload worker (default DEFAULT_WORKER_RESOURCE_LIMITS). */
  readonly workerResourceLimits?: ResourceLimits;
  /** How long one reload may take before its worker is stopped and replaced (default reloadDeadlineMs). */
  readonly reloadTimeoutMs?: number;
  /**
   * End the reload worker after each reload and start a new one for the next (default false). It
   * returns the worker's memory between reloads (~200 MB RSS instead of ~250-420 MB at 100,000
   * tasks), but every reload then runs cold code (~15% more CPU) and tearing down a worker that
   * held a large state stalls the serving thread (~100 ms measured), so a long-lived worker is the
   * default. The peak during a reload is the same either way.
   */
  readonly recycleWorker?: boolean;
  /** Nice value of the reload worker thread on Linux (default 10; 0 = unchanged). */
  readonly workerNice?: number;
  /** Host-name lookup timeout (default 1 s). */
  readonly lookupTimeoutMs?: number;
  /** Options for reading TLS/IAM files at start-up. */
  readonly clientSettings?: LoadClientSettingsOptions;
  /** How long the static records file watch waits for more changes before reading (default 200 ms). */
  readonly staticRecordsDebounceMs?: number;
  /** The out-of-rotation list: its entries in force go with each reload, and a change asks for one. */
  readonly rotation?: RotationView;
  /** StateSourceMode "stream": how long events are gathered before one rebuild (default DEFAULT_COALESCE_MS). */
  readonly streamCoalesceMs?: number;
}

export type ReloadOutcome =
  | {
      readonly ok: true;
      readonly snapshot: TableSnapshot;
      readonly source: string;
      readonly added: number;
      readonly removed: number;
      readonly durationMs: number;
    }
  | { readonly ok: false; readonly error: SerializedFetchError; readonly durationMs: number };

export interface PollingStateSource extends StateSource {
  readonly kind: SourceKind;
  /**
   * Reads what the source needs from the files the config names (CA bundle, client key pair, IAM
   * file) and rejects, with nothing started, if it cannot. start() does it when it has not been done:
   * calling it first lets a caller find out whether a new source can run before stopping the old one.
   */
  prepare(): Promise<void>;
  /** Asks for a reload (coalesced with one in flight) and resolves with the first one that starts after the call. */
  reloadNow(): Promise<ReloadOutcome>;
  onReload(listener: (outcome: ReloadOutcome) => void): () => void;
  /** The current master list ([leader or '', ...fallbacks]); empty for a state file. */
  masters(): MasterList;
  /**
   * Reads the StaticRecordsFile again (SIGHUP), with the config's current TTL and SRV weight; a changed
   * good version is applied by a reload, a bad one is logged and the previous records stay.
   */
  rereadStaticRecords(settings: StaticRecordsSettings): Promise<void>;
}

/**
 * The reload worker's heap. A 100,000-task state needs ~150 MB of it at the peak of a reload; a state
 * that needs more than the old-generation cap fails that reload (the worker is stopped and replaced,
 * the last table keeps serving) instead of growing the process without bound. The buffers of the
 * body and of the table are outside the heap and outside this cap. The young generation is larger
 * than V8's default: nearly everything a reload allocates survives it, and with 8 MB semi-spaces the
 * scavenges copying it cost about a third of the parse.
 */
/** A reload that did not run: the source is closed or not started. */
function abortedOutcome(message: string): ReloadOutcome {
  return { ok: false, error: { reason: FetchFailure.ABORTED, master: '', message }, durationMs: 0 };
}

export const DEFAULT_WORKER_RESOURCE_LIMITS: ResourceLimits = { maxOldGenerationSizeMb: 512, maxYoungGenerationSizeMb: 48 };

/**
 * With the event stream the worker keeps the operator model and the state between reloads (about
 * 220 MB of heap at 100,000 tasks) and decodes a new snapshot (a 75 MB JSON record at that size,
 * some 400 MB of heap while it is read) before the old model goes: twice the polling cap and more.
 */
export const STREAM_WORKER_RESOURCE_LIMITS: ResourceLimits = { maxOldGenerationSizeMb: 1536, maxYoungGenerationSizeMb: 48 };

/** The least time a reload gets after its fetches, for host-name lookups, parsing and generation. */
export const MIN_RELOAD_PROCESSING_MS = 60_000;

/**
 * The deadline of one reload, after which its worker is stopped and replaced (the last table keeps
 * serving). No new key: it is StateTimeoutSeconds for every fetch the reload may make (`fetches`),
 * plus as long again, at least MIN_RELOAD_PROCESSING_MS, for what follows (lookups of up to 32 host
 * names at a time with a 1 s timeout, parse, generation: ~2 s for 100,000 tasks). So a reload that
 * every timeout allows is never cut short, and one that no timeout covers (a bug, a read that never
 * returns) ends. With the defaults and one master: 300 × 2 + 300 = 900 s.
 */
export function reloadDeadlineMs(stateTimeoutSeconds: number, fetches: number): number {
  const fetchMs = stateTimeoutSeconds * 1000;
  return fetchMs * Math.max(1, fetches) + Math.max(fetchMs, MIN_RELOAD_PROCESSING_MS);
}

export { WorkerRestartReason } from './worker-client.js';


export function sourceKindOf(config: Pick<Config, 'stateFile' | 'zk' | 'masters'>): SourceKind | undefined {
  if (config.stateFile) return SourceKind.FILE;
  if (config.zk) return SourceKind.ZOOKEEPER;
  if (config.masters && config.masters.length > 0) return SourceKind.STATIC;
  return undefined;
}

/** Who names the leading master: ZooKeeper, the configured Masters, or nobody (a state file). */
function createDetector(kind: SourceKind, options: CreateStateSourceOptions, now: () => number): MasterDetector | undefined {
  const { config, metrics } = options;
  const configMasters = config.masters ?? [];
  if (kind === SourceKind.ZOOKEEPER) {
    const parsed = parseZkUrl(config.zk);
    if (!parsed.ok) throw new MesosDnsError(ErrorCode.CONFIG_INVALID, `Zk: ${parsed.error}`);
    return createZkDetector({
      url: parsed.value,
      fallbackMasters: configMasters,
      detectionTimeoutSeconds: config.zkDetectionTimeout,
      logger: options.logger,
      metrics,
      now,
      ...(options.zkSessionTimeoutMs !== undefined ? { sessionTimeoutMs: options.zkSessionTimeoutMs } : {}),
      ...(options.createZkClient ? { createClient: options.createZkClient } : {}),
    });
  }
  return kind === SourceKind.STATIC ? createStaticDetector({ masters: configMasters }) : undefined;
}

/** The reload worker's settings: the static records loaded, the TLS and IAM files read, risky settings warned about. */
async function prepareWorkerData(kind: SourceKind, options: CreateStateSourceOptions, staticFile: StaticRecordsFile | undefined, logger: Logger): Promise<ReloadWorkerData> {
  const { config } = options;
  if (staticFile) {
    try {
      await staticFile.load();
    } catch (err) {
      throw new MesosDnsError(ErrorCode.CONFIG_INVALID, `StaticRecordsFile: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
  }
  let pipelineConfig: ReloadPipelineConfig = {
    generate: {
      domain: config.domain,
      ipSources: config.ipSources,
      enforceRFC952: config.enforceRFC952,
      soaMname: config.soaMname,
      listener: config.listener,
      reverseZones: config.reverseZones ?? [],
      healthAwareOn: config.healthAwareOn ?? false,
    },
    lookupTimeoutMs: options.lookupTimeoutMs ?? HOST_LOOKUP_TIMEOUT_MS,
    lookupCacheMs: Math.max(1, config.refreshSeconds * 1000),
  };
  if (kind === SourceKind.FILE) {
    pipelineConfig = { ...pipelineConfig, stateFile: config.stateFile };
  } else {
    const client = await loadMasterClientSettings(config, options.clientSettings ?? {});
    pipelineConfig = { ...pipelineConfig, client };
    if (config.mesosHTTPSOn && config.insecureSkipVerify) logger.warn('HTTPS to masters without certificate verification (insecureSkipVerify)');
    const plainHttp = plainHttpCredentialTargets(client);
    if (plainHttp.length > 0) {
      logger.warn(
        { mesosAuthentication: client.auth.kind, plainHttp },
        'credentials sent over plain HTTP: anyone on the network path can read and reuse them (set MesosHTTPSOn)',
      );
    }
  }
  return { kind: RELOAD_WORKER_KIND, config: pipelineConfig, nice: options.workerNice ?? 10 };
}

export function createStateSource(options: CreateStateSourceOptions): PollingStateSource {
  const { config, store, metrics } = options;
  const logger = options.logger.child({ component: 'state-source' });
  const now = options.now ?? Date.now;
  const kind = sourceKindOf(config);
  if (kind === undefined) {
    throw new MesosDnsError(ErrorCode.CONFIG_INVALID, 'no state source: set Masters, Zk or stateFile');
  }
  const refreshMs = Math.max(1, config.refreshSeconds * 1000);
  const configMasters = config.masters ?? [];

  const m = registerReloadMetrics(metrics);
  const staticFile: StaticRecordsFile | undefined = config.staticRecordsFile
    ? createStaticRecordsFile({
        file: config.staticRecordsFile,
        settings: { domain: config.domain, ttl: config.ttl ?? 60, srvRecordDefaultWeight: config.srvRecordDefaultWeight ?? 1 },
        logger: options.logger,
        metrics,
        ...(options.staticRecordsDebounceMs !== undefined ? { debounceMs: options.staticRecordsDebounceMs } : {}),
      })
    : undefined;

  const detector = createDetector(kind, options, now);

  const status = {
    leader: undefined as string | undefined,
    lastAttemptAt: undefined as number | undefined,
    lastSuccessAt: undefined as number | undefined,
    lastError: undefined as string | undefined,
    consecutiveFailures: 0,
  };
  let started = false;
  let closed = false;
  let ticker: NodeJS.Timeout | undefined;
  let workers: ReloadWorkerClient | undefined;
  /** The current table's name hashes, sent with each reload for its added/removed counts. */
  let lastNames: Float64Array | undefined;
  let nextId = 1;
  let listenerAddresses: readonly string[] = [];
  let offDetector: (() => void) | undefined;
  let offRotation: (() => void) | undefined;
  /** StateSourceMode "stream" with masters: the event stream; reloads poll only while it is not live. */
  let stream: StreamDriver | undefined;
  const streaming = config.stateSourceMode === 'stream' && kind !== SourceKind.FILE;

  const resourceLimits = options.workerResourceLimits ?? (streaming ? STREAM_WORKER_RESOURCE_LIMITS : DEFAULT_WORKER_RESOURCE_LIMITS);

  async function runInWorker(masters: MasterList, batch: StreamBatch | undefined): Promise<ReloadResult> {
    const id = nextId++;
    if (!workers || closed) return failedReload(id, FetchFailure.ABORTED, 'closed');
    const recordMasters = masters.masters.filter((m) => m !== '');
    const deadlineMs =
      options.reloadTimeoutMs ?? reloadDeadlineMs(config.stateTimeoutSeconds, kind === SourceKind.FILE ? 1 : 2 * recordMasters.length);
    const message: ToWorker = {
        type: 'reload',
        id,
        masters: masters.masters,
        recordMasters: kind === SourceKind.FILE ? configMasters : recordMasters,
        listenerAddresses,
        ...(lastNames ? { previousNames: lastNames } : {}),
        ...(staticFile ? { staticRecords: staticFile.current() } : {}),
        ...(options.rotation ? { outOfRotation: options.rotation.active() } : {}),
      ...(batch ? { stream: batch } : {}),
    };
    return workers.run(message, batch ? [batch.bytes.buffer as ArrayBuffer, batch.lengths.buffer as ArrayBuffer] : [], deadlineMs);
  }

  function logFailure(error: SerializedFetchError, failures: readonly SerializedFetchError[]): void {
    logger.warn(
      {
        cause: error.reason,
        master: error.master || undefined,
        status: error.status,
        err: { message: error.message },
        ...(failures.length > 0 ? { earlier: failures.map((f) => ({ cause: f.reason, master: f.master, message: f.message })) } : {}),
        consecutiveFailures: status.consecutiveFailures,
      },
      'state reload failed; keeping the last records',
    );
  }

  /** The last table received in parts: the parts a new one does not carry come from it. */
  let lastParted: PartedTableData | undefined;
  /** The reload worker holds the stream's state as of the last document sent (changes can follow). */
  let workerHoldsStream = false;

  /** The result's table: whole, or assembled from its new parts and the last parted table's. */
  function openResultTable(result: ReloadSuccess): RecordTable | undefined {
    if (result.data) return openRecordTable(result.data);
    if (!result.parted) return undefined;
    const parted = assemblePartedTable(result.parted, lastParted);
    if (!parted) return undefined;
    lastParted = parted;
    return openPartedTable(parted);
  }

  function applySuccess(result: ReloadSuccess, startedAt: number): ReloadOutcome {
    const applyStart = performance.now();
    const table = openResultTable(result);
    if (!table) {
      // Parts the serving side no longer has: the next document is sent whole.
      workerHoldsStream = false;
      const error = { reason: FetchFailure.WORKER, master: '', message: 'a table in parts arrived without parts it builds on' };
      status.consecutiveFailures++;
      logFailure(error, []);
      return { ok: false, error, durationMs: performance.now() - startedAt };
    }
    const snapshot = store.swap(table);
    if (result.names) lastNames = result.names;
    const durationMs = performance.now() - startedAt;
    if (status.leader !== undefined && status.leader !== result.source) {
      m.leaderChanges.inc();
      logger.info({ previous: status.leader, leader: result.source }, 'state now comes from another master');
    }
    status.leader = kind === SourceKind.FILE ? undefined : result.source;
    status.lastSuccessAt = now();
    status.lastError = undefined;
    status.consecutiveFailures = 0;
    reportReload(m, logger, result, snapshot, { durationMs, swapMs: performance.now() - applyStart, staticFile: staticFile ? config.staticRecordsFile : undefined });
    return { ok: true, snapshot, source: result.source, added: result.added, removed: result.removed, durationMs };
  }

  /**
   * The stream's records since the last reload, for the worker; undefined (poll instead) while the
   * stream is not live, or when the worker lost the stream's state (then a new subscription brings a
   * fresh snapshot).
   */
  function streamBatch(): StreamBatch | undefined {
    const taken = stream?.takeRecords();
    if (!taken) return undefined;
    if (!taken.fresh && !workerHoldsStream) {
      stream?.resubscribe();
      return undefined;
    }
    return packRecords(taken.records, taken.fresh, taken.source);
  }

  async function reloadOnce(): Promise<ReloadOutcome> {
    const startedAt = performance.now();
    status.lastAttemptAt = now();
    m.fetchesTotal.inc();
    const masters = detector?.current() ?? { masters: [], leader: undefined };
    const batch = streamBatch();
    const result = await runInWorker(masters, batch);
    if (batch) {
      // The worker holds the stream's state only while every batch since a snapshot has been applied.
      workerHoldsStream = result.ok;
      if (!result.ok) stream?.resubscribe();
      else if (result.carryOverUntil !== undefined) stream?.publishAt(result.carryOverUntil);
    }
    if (closed) {
      return abortedOutcome('closed');
    }
    if (result.ok) return applySuccess(result, startedAt);
    status.consecutiveFailures++;
    status.lastError = result.error.message;
    for (const f of result.failures) m.failuresTotal.inc({ cause: f.reason });
    m.failuresTotal.inc({ cause: result.error.reason });
    logFailure(result.error, result.failures);
    return { ok: false, error: result.error, durationMs: performance.now() - startedAt };
  }

  let prepared: Promise<ReloadWorkerData> | undefined;
  /** The reload worker's settings, with the TLS and IAM files read (once); rejects if they cannot be. */
  const loadWorkerData = (): Promise<ReloadWorkerData> => (prepared ??= prepareWorkerData(kind, options, staticFile, logger));

  const loop = new ReloadLoop(reloadOnce, logger);
  const requestReload = (reason: string): void => loop.request(reason);

  return {
    kind,
    async prepare() {
      await loadWorkerData();
    },
    async start() {
      if (started || closed) return;
      const data = await loadWorkerData();
      // Closed (or started by another caller) while the files were read.
      if (started || closed) return;
      workers = new ReloadWorkerClient({
        data,
        resourceLimits,
        logger,
        restarts: m.workerRestarts,
        recycle: options.recycleWorker ?? false,
        onSpawn: () => (workerHoldsStream = false), // a new worker holds no streamed state
      });
      listenerAddresses = options.listenerAddresses ?? (config.listener === '0.0.0.0' ? interfaceAddresses({ loopback: false }) : []);
      started = true;
      loop.open();
      workers.start();
      if (streaming && detector && data.config.client) {
        const { createStreamDriver } = await import('../mesos/stream-driver.js');
        if (closed) return;
        stream = createStreamDriver({
          settings: data.config.client,
          detector,
          logger: options.logger,
          metrics,
          onPublish: (reason) => requestReload(reason),
          ...(options.streamCoalesceMs !== undefined ? { coalesceMs: options.streamCoalesceMs } : {}),
        });
      }
      if (detector) {
        offDetector = detector.onChange((_list, leaderChanged) => {
          // The stream follows the leader itself and publishes the new leader's snapshot; a poll of a
          // master that just took over would publish the zone its unregistered agents have emptied.
          if (stream) return;
          requestReload(leaderChanged ? 'leader changed' : 'master list changed');
        });
        await detector.start();
      }
      logger.info(
        { kind, mode: streaming ? 'stream' : 'poll', refreshSeconds: config.refreshSeconds, ...(kind === SourceKind.FILE ? { stateFile: config.stateFile } : { masters: detector?.current().masters }) },
        'state source started',
      );
      // While the event stream is live it brings every change, and the refresh is a resync from a fresh
      // snapshot (at a quiet moment); the refresh polls only while the stream is not live.
      ticker = setInterval(() => {
        if (!stream?.live()) requestReload('refresh');
        else stream.periodicResync();
      }, refreshMs);
      stream?.start();
      staticFile?.watch(() => requestReload('static records changed'));
      offRotation = options.rotation?.onChange(() => requestReload('rotation changed'));
      requestReload('start');
    },
    status(): SourceStatus {
      return {
        leader: status.leader,
        lastAttemptAt: status.lastAttemptAt,
        // A live stream whose last publish worked is current as of its last record, even in a quiet cluster.
        lastSuccessAt:
          status.lastSuccessAt !== undefined && status.consecutiveFailures === 0 && stream?.live()
            ? Math.max(status.lastSuccessAt, stream.lastHeardAt() ?? 0)
            : status.lastSuccessAt,
        lastError: status.lastError,
        consecutiveFailures: status.consecutiveFailures,
        leaderLostSince: detector?.leaderLostSince(),
        refreshSeconds: config.refreshSeconds,
      };
    },
    reloadNow() {
      if (closed || !started) {
        return Promise.resolve(abortedOutcome(closed ? 'closed' : 'not started'));
      }
      return loop.requestAndWait('requested');
    },
    onReload: (listener) => loop.onReload(listener),
    masters: () => detector?.current() ?? { masters: [], leader: undefined },
    async rereadStaticRecords(settings) {
      if (!staticFile || closed) return;
      if (await staticFile.reread(settings)) requestReload('static records changed');
    },
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(ticker);
      staticFile?.close();
      offRotation?.();
      offDetector?.();
      await Promise.all([detector?.close(), workers?.close(), stream?.close()]);
      await loop.close(abortedOutcome('closed'));
    },
  };
}
