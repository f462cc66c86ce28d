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
import { registerReloadMetrics, reportReload, type ReloadMetrics } from './reload-report.js';
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
  /** Stream records of at least this many bytes reach the worker in pieces as they arrive (default STREAM_PIECES_FROM_BYTES). */
  readonly streamPiecesFromBytes?: number;
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

/** A reload that did not run: the source is closed or not started. */
function abortedOutcome(message: string): ReloadOutcome {
  return { ok: false, error: { reason: FetchFailure.ABORTED, master: '', message }, durationMs: 0 };
}

/**
 * The reload worker's heap. A 100,000-task state needs ~150 MB of it at the peak of a reload; a state
 * that needs more than the old-generation cap fails that reload (the worker is stopped and replaced,
 * the last table keeps serving) instead of growing the process without bound. The buffers of the
 * body and of the table are outside the heap and outside this cap. The young generation is larger
 * than V8's default: nearly everything a reload allocates survives it, and with 8 MB semi-spaces the
 * scavenges copying it cost about a third of the parse.
 */
export const DEFAULT_WORKER_RESOURCE_LIMITS: ResourceLimits = { maxOldGenerationSizeMb: 512, maxYoungGenerationSizeMb: 48 };

/**
 * With the event stream the worker keeps the parsed tasks and the tables' index between reloads
 * (about 130 MB of heap at 100,000 tasks) and reads a new snapshot's tasks (from an 80 MB record,
 * read selectively) before the old ones go: twice the polling cap leaves the same headroom. The young
 * generation is small: it stays committed for as long as the worker lives, and what a snapshot's read
 * allocates mostly dies young (the copies of unchanged tasks), so 8 MB of it cost the read about 10%
 * and save 24 MB for good.
 */
export const STREAM_WORKER_RESOURCE_LIMITS: ResourceLimits = { maxOldGenerationSizeMb: 1024, maxYoungGenerationSizeMb: 12 };

/**
 * Stream records this long or longer (snapshots) go to the worker in pieces as they arrive; shorter
 * ones (events) are gathered whole and sent with their batch.
 */
export const STREAM_PIECES_FROM_BYTES = 1024 * 1024;

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
  return new StateSourceImpl(options);
}

/** Where the source stands, for /health and the status API. */
interface SourceProgress {
  leader: string | undefined;
  lastAttemptAt: number | undefined;
  lastSuccessAt: number | undefined;
  lastError: string | undefined;
  consecutiveFailures: number;
}

class StateSourceImpl implements PollingStateSource {
  readonly kind: SourceKind;
  private readonly config: StateSourceConfig;
  private readonly logger: Logger;
  private readonly now: () => number;
  private readonly m: ReloadMetrics;
  private readonly staticFile: StaticRecordsFile | undefined;
  private readonly detector: MasterDetector | undefined;
  private readonly streaming: boolean;
  private readonly loop: ReloadLoop;
  private readonly progress: SourceProgress = { leader: undefined, lastAttemptAt: undefined, lastSuccessAt: undefined, lastError: undefined, consecutiveFailures: 0 };
  private started = false;
  private closed = false;
  private ticker: NodeJS.Timeout | undefined;
  private workers: ReloadWorkerClient | undefined;
  /** The current table's name hashes, sent with each reload for its added/removed counts. */
  private lastNames: Float64Array | undefined;
  private nextId = 1;
  private listenerAddresses: readonly string[] = [];
  private offDetector: (() => void) | undefined;
  private offRotation: (() => void) | undefined;
  /** StateSourceMode "stream" with masters: the event stream; reloads poll only while it is not live. */
  private stream: StreamDriver | undefined;
  /** The last table received in parts: the parts a new one does not carry come from it. */
  private lastParted: PartedTableData | undefined;
  /** The reload worker holds the stream's state as of the last batch sent (more events can follow). */
  private workerHoldsStream = false;
  private prepared: Promise<ReloadWorkerData> | undefined;

  constructor(private readonly options: CreateStateSourceOptions) {
    const { config, metrics } = options;
    this.config = config;
    this.logger = options.logger.child({ component: 'state-source' });
    this.now = options.now ?? Date.now;
    const kind = sourceKindOf(config);
    if (kind === undefined) throw new MesosDnsError(ErrorCode.CONFIG_INVALID, 'no state source: set Masters, Zk or stateFile');
    this.kind = kind;
    this.m = registerReloadMetrics(metrics);
    this.staticFile = config.staticRecordsFile
      ? createStaticRecordsFile({
          file: config.staticRecordsFile,
          settings: { domain: config.domain, ttl: config.ttl ?? 60, srvRecordDefaultWeight: config.srvRecordDefaultWeight ?? 1 },
          logger: options.logger,
          metrics,
          ...(options.staticRecordsDebounceMs !== undefined ? { debounceMs: options.staticRecordsDebounceMs } : {}),
        })
      : undefined;
    this.detector = createDetector(kind, options, this.now);
    this.streaming = config.stateSourceMode === 'stream' && kind !== SourceKind.FILE;
    this.loop = new ReloadLoop(() => this.reloadOnce(), this.logger);
  }

  private requestReload(reason: string): void {
    this.loop.request(reason);
  }

  /** The reload worker's settings, with the TLS and IAM files read (once); rejects if they cannot be. */
  private loadWorkerData(): Promise<ReloadWorkerData> {
    return (this.prepared ??= prepareWorkerData(this.kind, this.options, this.staticFile, this.logger));
  }

  async prepare(): Promise<void> {
    await this.loadWorkerData();
  }

  async start(): Promise<void> {
    if (this.started || this.closed) return;
    const data = await this.loadWorkerData();
    // Closed (or started by another caller) while the files were read.
    if (this.started || this.closed) return;
    const { options, config } = this;
    this.workers = new ReloadWorkerClient({
      data,
      resourceLimits: options.workerResourceLimits ?? (this.streaming ? STREAM_WORKER_RESOURCE_LIMITS : DEFAULT_WORKER_RESOURCE_LIMITS),
      logger: this.logger,
      restarts: this.m.workerRestarts,
      recycle: options.recycleWorker ?? false,
      onSpawn: () => (this.workerHoldsStream = false), // a new worker holds no streamed state
    });
    this.listenerAddresses = options.listenerAddresses ?? (config.listener === '0.0.0.0' ? interfaceAddresses({ loopback: false }) : []);
    this.started = true;
    this.loop.open();
    this.workers.start();
    if (this.streaming && this.detector && data.config.client) await this.createStream(data.config.client);
    if (this.closed) return;
    await this.followDetector();
    this.logger.info(
      { kind: this.kind, mode: this.streaming ? 'stream' : 'poll', refreshSeconds: config.refreshSeconds, ...(this.kind === SourceKind.FILE ? { stateFile: config.stateFile } : { masters: this.detector?.current().masters }) },
      'state source started',
    );
    // While the event stream is live it brings every change, and the refresh is a resync from a fresh
    // snapshot (at a quiet moment); the refresh polls only while the stream is neither live nor
    // receiving a snapshot (which, under load, can take longer than RefreshSeconds).
    this.ticker = setInterval(() => {
      if (this.stream?.live()) this.stream.periodicResync();
      else if (!this.stream?.snapshotArriving()) this.requestReload('refresh');
    }, Math.max(1, config.refreshSeconds * 1000));
    this.stream?.start();
    this.staticFile?.watch(() => this.requestReload('static records changed'));
    this.offRotation = options.rotation?.onChange(() => this.requestReload('rotation changed'));
    // With the stream, its snapshot is the first load (the stream asks for a poll if it cannot
    // subscribe): a start-up poll would read the whole state twice and build a whole table only for
    // the snapshot's table in parts to replace it a moment later.
    if (!this.stream) this.requestReload('start');
  }

  private async createStream(settings: NonNullable<ReloadWorkerData['config']['client']>): Promise<void> {
    const { createStreamDriver } = await import('../mesos/stream-driver.js');
    if (this.closed || !this.detector) return;
    this.stream = createStreamDriver({
      settings,
      detector: this.detector,
      logger: this.options.logger,
      metrics: this.options.metrics,
      onPublish: (reason) => this.requestReload(reason),
      ...(this.options.streamCoalesceMs !== undefined ? { coalesceMs: this.options.streamCoalesceMs } : {}),
      // A snapshot goes to the worker piece by piece as it arrives, read there at once: neither thread holds it whole.
      pieces: {
        fromBytes: this.options.streamPiecesFromBytes ?? STREAM_PIECES_FROM_BYTES,
        onPiece: (record, piece, length) => this.workers?.sendPiece(record, piece, length),
        room: () => this.workers?.pieceRoom(),
      },
    });
  }

  private async followDetector(): Promise<void> {
    const detector = this.detector;
    if (!detector) return;
    this.offDetector = detector.onChange((_list, leaderChanged) => {
      // The stream follows the leader itself and publishes the new leader's snapshot; a poll of a
      // master that just took over would publish the zone its unregistered agents have emptied.
      if (this.stream) return;
      this.requestReload(leaderChanged ? 'leader changed' : 'master list changed');
    });
    await detector.start();
  }

  status(): SourceStatus {
    const p = this.progress;
    const stream = this.stream;
    return {
      leader: p.leader,
      lastAttemptAt: p.lastAttemptAt,
      // A live stream whose last publish worked is current as of its last record, even in a quiet cluster.
      lastSuccessAt: p.lastSuccessAt !== undefined && p.consecutiveFailures === 0 && stream?.live() ? Math.max(p.lastSuccessAt, stream.lastHeardAt() ?? 0) : p.lastSuccessAt,
      lastError: p.lastError,
      consecutiveFailures: p.consecutiveFailures,
      leaderLostSince: this.detector?.leaderLostSince(),
      refreshSeconds: this.config.refreshSeconds,
    };
  }

  reloadNow(): Promise<ReloadOutcome> {
    if (this.closed || !this.started) return Promise.resolve(abortedOutcome(this.closed ? 'closed' : 'not started'));
    return this.loop.requestAndWait('requested');
  }

  onReload(listener: (outcome: ReloadOutcome) => void): () => void {
    return this.loop.onReload(listener);
  }

  masters(): MasterList {
    return this.detector?.current() ?? { masters: [], leader: undefined };
  }

  async rereadStaticRecords(settings: StaticRecordsSettings): Promise<void> {
    if (!this.staticFile || this.closed) return;
    if (await this.staticFile.reread(settings)) this.requestReload('static records changed');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.ticker);
    this.staticFile?.close();
    this.offRotation?.();
    this.offDetector?.();
    await Promise.all([this.detector?.close(), this.workers?.close(), this.stream?.close()]);
    await this.loop.close(abortedOutcome('closed'));
  }

  private async runInWorker(masters: MasterList, batch: StreamBatch | undefined): Promise<ReloadResult> {
    const id = this.nextId++;
    const { config, options, kind, workers } = this;
    if (!workers || this.closed) return failedReload(id, FetchFailure.ABORTED, 'closed');
    const recordMasters = masters.masters.filter((m) => m !== '');
    const deadlineMs = options.reloadTimeoutMs ?? reloadDeadlineMs(config.stateTimeoutSeconds, kind === SourceKind.FILE ? 1 : 2 * recordMasters.length);
    const message: ToWorker = {
      type: 'reload',
      id,
      masters: masters.masters,
      recordMasters: kind === SourceKind.FILE ? (config.masters ?? []) : recordMasters,
      listenerAddresses: this.listenerAddresses,
      // Copied with every message (5 MB at 100,000 tasks): held only while the table serving is whole.
      ...(this.lastNames ? { previousNames: this.lastNames } : {}),
      ...(this.staticFile ? { staticRecords: this.staticFile.current() } : {}),
      ...(options.rotation ? { outOfRotation: options.rotation.active() } : {}),
      ...(batch ? { stream: batch } : {}),
    };
    return workers.run(message, batch ? [...batch.buffers] : [], deadlineMs);
  }

  private logFailure(error: SerializedFetchError, failures: readonly SerializedFetchError[]): void {
    this.logger.warn(
      {
        cause: error.reason,
        master: error.master || undefined,
        status: error.status,
        err: { message: error.message },
        ...(failures.length > 0 ? { earlier: failures.map((f) => ({ cause: f.reason, master: f.master, message: f.message })) } : {}),
        consecutiveFailures: this.progress.consecutiveFailures,
      },
      'state reload failed; keeping the last records',
    );
  }

  /** The result's table: whole, or assembled from its new parts and the last parted table's. */
  private openResultTable(result: ReloadSuccess): RecordTable | undefined {
    if (result.data) return openRecordTable(result.data);
    if (!result.parted) return undefined;
    const parted = assemblePartedTable(result.parted, this.lastParted);
    if (!parted) return undefined;
    this.lastParted = parted;
    return openPartedTable(parted);
  }

  private applySuccess(result: ReloadSuccess, startedAt: number): ReloadOutcome {
    const applyStart = performance.now();
    const table = this.openResultTable(result);
    const p = this.progress;
    if (!table) {
      // Parts the serving side no longer has: the stream starts over from a fresh snapshot.
      this.workerHoldsStream = false;
      const error = { reason: FetchFailure.WORKER, master: '', message: 'a table in parts arrived without parts it builds on' };
      p.consecutiveFailures++;
      this.logFailure(error, []);
      return { ok: false, error, durationMs: performance.now() - startedAt };
    }
    const snapshot = this.options.store.swap(table);
    // A table in parts has no name hashes: the last whole table's no longer describe what serves.
    this.lastNames = result.names;
    const durationMs = performance.now() - startedAt;
    if (p.leader !== undefined && p.leader !== result.source) {
      this.m.leaderChanges.inc();
      this.logger.info({ previous: p.leader, leader: result.source }, 'state now comes from another master');
    }
    p.leader = this.kind === SourceKind.FILE ? undefined : result.source;
    p.lastSuccessAt = this.now();
    p.lastError = undefined;
    p.consecutiveFailures = 0;
    reportReload(this.m, this.logger, result, snapshot, { durationMs, swapMs: performance.now() - applyStart, staticFile: this.staticFile ? this.config.staticRecordsFile : undefined });
    return { ok: true, snapshot, source: result.source, added: result.added, removed: result.removed, durationMs };
  }

  /**
   * The stream's records since the last reload, for the worker; undefined (poll instead) while the
   * stream is not live, or when the worker lost the stream's state (then a new subscription brings a
   * fresh snapshot).
   */
  private streamBatch(): StreamBatch | undefined {
    const taken = this.stream?.takeRecords();
    if (!taken) return undefined;
    if (!taken.fresh && !this.workerHoldsStream) {
      this.stream?.resubscribe();
      return undefined;
    }
    return packRecords(taken.records, taken.fresh, taken.source);
  }

  private async reloadOnce(): Promise<ReloadOutcome> {
    const startedAt = performance.now();
    const p = this.progress;
    p.lastAttemptAt = this.now();
    this.m.fetchesTotal.inc();
    const batch = this.streamBatch();
    const result = await this.runInWorker(this.masters(), batch);
    if (batch) {
      // The worker holds the stream's state only while every batch since a snapshot has been applied.
      this.workerHoldsStream = result.ok;
      if (!result.ok) this.stream?.resubscribe();
      else if (result.carryOverUntil !== undefined) this.stream?.publishAt(result.carryOverUntil);
    }
    if (this.closed) return abortedOutcome('closed');
    if (result.ok) return this.applySuccess(result, startedAt);
    p.consecutiveFailures++;
    p.lastError = result.error.message;
    for (const f of result.failures) this.m.failuresTotal.inc({ cause: f.reason });
    this.m.failuresTotal.inc({ cause: result.error.reason });
    this.logFailure(result.error, result.failures);
    return { ok: false, error: result.error, durationMs: performance.now() - startedAt };
  }
}
