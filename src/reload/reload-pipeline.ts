// One reload, start to finish, off the serving thread: fetch (or read the state file), parse, resolve
// host names, generate the table, count names added/removed against the previous table. Runs inside
// the reload worker; also usable directly (tests). The state body is parsed selectively from its bytes
// (parse-state.ts) and dropped as soon as it is read: only the parsed state lives on into generation.
import { readFile as fsReadFile } from 'node:fs/promises';
import type { StaticRecord } from '../config/static-records.js';
import type { RotationEntry } from '../records/rotation-list.js';
import { scanState, type ParseStateResult, type ScannedState } from '../mesos/parse-state.js';
import type { StateProblem } from '../records/state-types.js';
import { batchRecordBytes, createStreamTables, type StreamBatch, type StreamTables } from './stream-tables.js';
import { generateRecordsWithReport, type GenerateConfig, type GenerateReport } from '../records/generate.js';
import type { PartedTableMessage } from '../records/parted-table.js';
import type { PackedTableData } from '../records/table.js';
import { diffNames, nameHashes } from '../records/name-diff.js';
import type { MasterClientSettings } from '../mesos/client-settings.js';
import { fetchAll } from '../mesos/fetch-all.js';
import { FetchFailure, StateFetchError, serializeFetchError, type SerializedFetchError } from '../mesos/fetch-errors.js';
import { createHostLookup, lookUpStateHosts, type HostLookup, type LookupAll } from '../mesos/host-lookup.js';
import type { MasterClient } from '../mesos/master-client.js';

export interface ReloadPipelineConfig {
  readonly generate: GenerateConfig;
  /** Set when the state comes from masters. */
  readonly client?: MasterClientSettings;
  /** Set when the state comes from a file. */
  readonly stateFile?: string;
  readonly lookupTimeoutMs: number;
  readonly lookupCacheMs: number;
}

export interface ReloadRequest {
  readonly id: number;
  /** fetchAll's list: [presumed leader or '', ...fallbacks]. Ignored for a state file. */
  readonly masters: readonly string[];
  /** The master list given to generation (master records, behaviour §2.7). */
  readonly recordMasters: readonly string[];
  readonly listenerAddresses: readonly string[];
  /**
   * The serving table's name hashes (a previous result's `names`) to count added and removed names
   * against; without them every name counts as added. They travel with the request because a reload
   * worker lives for one reload.
   */
  readonly previousNames?: Float64Array;
  /** The StaticRecordsFile's records in use (they travel with each request: the file is read on the serving side). */
  readonly staticRecords?: readonly StaticRecord[];
  /** The out-of-rotation entries in force when the reload was asked for (kept on the serving side). */
  readonly outOfRotation?: readonly RotationEntry[];
  /**
   * Records from the event stream (a snapshot and events, as the master wrote them): decoded into the
   * operator model this worker keeps, and applied to the table kept in parts, instead of a fetch.
   */
  readonly stream?: StreamBatch;
}

export interface ReloadTimings {
  readonly fetchMs: number;
  readonly parseMs: number;
  readonly resolveMs: number;
  readonly generateMs: number;
  readonly diffMs: number;
  readonly totalMs: number;
}

export interface ReloadSuccess {
  readonly ok: true;
  readonly id: number;
  /** The table built whole; undefined when it comes in parts (`parted`). */
  readonly data: PackedTableData | undefined;
  /** The table built in parts (a streamed state with framework ids): its new parts and index. */
  readonly parted?: PartedTableMessage | undefined;
  /** Parts regenerated for this table (tables built in parts). */
  readonly partsRebuilt?: number;
  /** Streamed tables: when the carry-over of agents a new master has not heard from yet ends (wall-clock ms). */
  readonly carryOverUntil?: number | undefined;
  /** "host:port" the state came from, or the file path. */
  readonly source: string;
  /** The master-list entry that worked ('' for a file). */
  readonly master: string;
  readonly bytes: number;
  readonly timings: ReloadTimings;
  /** Names added / removed against the previous table (all added the first time). */
  readonly added: number;
  readonly removed: number;
  /** This table's name hashes, for the next reload's previousNames (undefined for a table built in parts). */
  readonly names: Float64Array | undefined;
  readonly problemCount: number;
  /** The first few problems, for the log. */
  readonly problems: readonly StateProblem[];
  /** Masters that failed before one answered. */
  readonly failures: readonly SerializedFetchError[];
  readonly lookups: { readonly names: number; readonly timeouts: number; readonly failures: number };
  /** Tasks whose port lists were cut to the per-task cap. */
  readonly portCap: GenerateReport['portCap'];
  /** PTR records made (undefined without ReverseZones). */
  readonly reverse: GenerateReport['reverse'];
  /** Static names left out because they are Mesos names. */
  readonly staticConflicts: GenerateReport['staticConflicts'];
  /** Unhealthy tasks and what health-aware generation did about them (zeros when HealthAwareOn is off). */
  readonly health: GenerateReport['health'];
  /** Running tasks held back because they are out of rotation. */
  readonly outOfRotationTasks: number;
}

export interface ReloadFailure {
  readonly ok: false;
  readonly id: number;
  readonly error: SerializedFetchError;
  readonly failures: readonly SerializedFetchError[];
  readonly timings: Pick<ReloadTimings, 'fetchMs' | 'totalMs'>;
}

export type ReloadResult = ReloadSuccess | ReloadFailure;

/** A reload that failed before any master or file gave a state (the worker, the stream, closing). */
export function failedReload(id: number, reason: SerializedFetchError['reason'], message: string, totalMs = 0, master = ''): ReloadFailure {
  return { ok: false, id, error: { reason, master, message }, failures: [], timings: { fetchMs: 0, totalMs } };
}

export interface ReloadPipeline {
  run(request: ReloadRequest, signal?: AbortSignal): Promise<ReloadResult>;
  /** A piece of a streamed record that arrives in pieces (a snapshot): read now, used by a later batch. */
  readPiece(record: number, piece: Uint8Array, length: number): void;
  close(): Promise<void>;
}

export interface CreateReloadPipelineOptions {
  readonly config: ReloadPipelineConfig;
  /** Reads the state file (default: fs.readFile, as bytes). */
  readonly readFile?: (path: string) => Promise<Uint8Array | string>;
  readonly lookup?: LookupAll;
}

export function createReloadPipeline(options: CreateReloadPipelineOptions): ReloadPipeline {
  return new ReloadPipelineImpl(options);
}

type Fetched = { parsed: ParseStateResult; source: string; master: string; bytes: number; failures: SerializedFetchError[] };

/** The parts of a success every reload fills the same way: what generation reported, and the host look-ups. */
function reportFields(report: GenerateReport, lookups: ReloadSuccess['lookups']): Pick<ReloadSuccess, 'lookups' | 'portCap' | 'reverse' | 'staticConflicts' | 'health' | 'outOfRotationTasks'> {
  return {
    lookups,
    portCap: report.portCap,
    reverse: report.reverse,
    staticConflicts: report.staticConflicts,
    health: report.health,
    outOfRotationTasks: report.outOfRotationTasks,
  };
}

class ReloadPipelineImpl implements ReloadPipeline {
  private readonly config: ReloadPipelineConfig;
  private readonly readFile: (path: string) => Promise<Uint8Array | string>;
  /** Time spent parsing the last state decoded (inside a master fetch or after reading the file). */
  private parseMs = 0;
  /** Loaded on first use: the HTTP client (undici) is a fifth of the worker's start-up, and a state file never needs it. */
  private client: Promise<MasterClient<ScannedState>> | undefined;
  private readonly lookup: HostLookup;
  private readonly streamTables: StreamTables;

  constructor(options: CreateReloadPipelineOptions) {
    this.config = options.config;
    this.readFile = options.readFile ?? ((p: string) => fsReadFile(p));
    this.lookup = createHostLookup({
      timeoutMs: this.config.lookupTimeoutMs,
      cacheMs: this.config.lookupCacheMs,
      ...(options.lookup ? { lookup: options.lookup } : {}),
    });
    this.streamTables = createStreamTables(this.config.generate);
  }

  readPiece(record: number, piece: Uint8Array, length: number): void {
    this.streamTables.readPiece(record, piece, length);
  }

  private decode(body: Uint8Array, master: string, what: string): ScannedState {
    const t = performance.now();
    const scanned = scanState(body);
    this.parseMs = performance.now() - t;
    if (scanned.invalidJson) {
      throw new StateFetchError(FetchFailure.INVALID_JSON, master, `${what} is not valid JSON`, {
        cause: new Error(scanned.result.ok ? '' : scanned.result.error),
      });
    }
    return scanned;
  }

  private masterClient(settings: MasterClientSettings): Promise<MasterClient<ScannedState>> {
    return (this.client ??= import('../mesos/master-client.js').then((m) =>
      m.createMasterClient(settings, { decode: (body, master) => this.decode(body, master, 'state') }),
    ));
  }

  private async obtain(request: ReloadRequest, signal: AbortSignal | undefined): Promise<Fetched> {
    const config = this.config;
    if (config.stateFile !== undefined) {
      const path = config.stateFile;
      let body: Uint8Array;
      try {
        const content = await this.readFile(path);
        body = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
      } catch (err) {
        throw new StateFetchError(FetchFailure.FILE, path, 'cannot read the state file', { cause: err });
      }
      return { parsed: this.decode(body, path, 'state file').result, source: path, master: '', bytes: body.length, failures: [] };
    }
    if (!config.client) throw new StateFetchError(FetchFailure.NO_MASTERS, '', 'no state source configured');
    const http = await this.masterClient(config.client);
    const r = await fetchAll(
      request.masters,
      (address) => http.fetchState(address, signal),
      (scanned) => scanned.leaderAnyCase,
    );
    return { parsed: r.document.result, source: r.source, master: r.master, bytes: r.bytes, failures: r.failures.map(serializeFetchError) };
  }

  private lookupsSince(before: HostLookup['stats'], names: number): ReloadSuccess['lookups'] {
    return { names, timeouts: this.lookup.stats.timeouts - before.timeouts, failures: this.lookup.stats.failures - before.failures };
  }

  /** A batch of streamed records: no fetch, no whole parse; the table changes in parts. */
  private async runStream(request: ReloadRequest, batch: StreamBatch): Promise<ReloadResult> {
    const t0 = performance.now();
    const before = { ...this.lookup.stats };
    // Counted now: applying the batch frees its buffers.
    const bytes = batch.records.reduce((n, r) => n + batchRecordBytes(r), 0);
    let hostNames = 0;
    const outcome = await this.streamTables.apply(
      batch,
      {
        masters: request.recordMasters,
        listenerAddresses: request.listenerAddresses,
        ...(request.staticRecords ? { staticRecords: request.staticRecords } : {}),
        ...(request.outOfRotation ? { outOfRotation: request.outOfRotation } : {}),
      },
      async (state) => {
        const looked = await lookUpStateHosts(this.lookup, state);
        hostNames += looked.names;
        return looked.hostAddresses;
      },
      Date.now(),
    );
    const t1 = performance.now();
    if (!outcome.ok) {
      return failedReload(request.id, FetchFailure.INVALID_STATE, outcome.error, t1 - t0, batch.source);
    }
    const { result } = outcome;
    const whole = result.kind === 'whole' ? result.table : undefined;
    const names = whole ? nameHashes(whole.data) : undefined;
    const { added, removed } = names ? diffNames(request.previousNames, names) : { added: result.partsRebuilt, removed: 0 };
    const t2 = performance.now();
    return {
      ok: true,
      id: request.id,
      data: whole?.data,
      parted: result.kind === 'parted' ? result.message : undefined,
      partsRebuilt: result.partsRebuilt,
      carryOverUntil: outcome.carryOverUntil,
      source: batch.source,
      master: batch.source,
      bytes,
      timings: {
        fetchMs: 0,
        parseMs: outcome.readMs,
        resolveMs: outcome.lookUpMs,
        generateMs: t1 - t0 - outcome.readMs - outcome.lookUpMs,
        diffMs: t2 - t1,
        totalMs: t2 - t0,
      },
      added,
      removed,
      names,
      problemCount: outcome.unreadable,
      problems: outcome.unreadable > 0 ? [{ path: 'stream', message: `${outcome.unreadable} record(s) were not JSON and were skipped` }] : [],
      failures: [],
      ...reportFields(result.report, this.lookupsSince(before, hostNames)),
    };
  }

  async run(request: ReloadRequest, signal?: AbortSignal): Promise<ReloadResult> {
    if (request.stream) return this.runStream(request, request.stream);
    const t0 = performance.now();
    let fetched: Fetched;
    try {
      fetched = await this.obtain(request, signal);
    } catch (err) {
      const t = performance.now() - t0;
      const failures = err instanceof StateFetchError ? err.earlier.map(serializeFetchError) : [];
      return { ok: false, id: request.id, error: serializeFetchError(err), failures, timings: { fetchMs: t, totalMs: t } };
    }
    const parsed = fetched.parsed;
    if (!parsed.ok) {
      const reason = parsed.noLeader ? FetchFailure.NO_LEADER : FetchFailure.INVALID_STATE;
      return {
        ok: false,
        id: request.id,
        error: { reason, master: fetched.source, message: `${parsed.error} (master ${fetched.source})` },
        failures: fetched.failures,
        timings: { fetchMs: performance.now() - this.parseMs - t0, totalMs: performance.now() - t0 },
      };
    }
    return this.generate(request, fetched, parsed, t0);
  }

  /** A fetched and parsed state into a whole table. */
  private async generate(request: ReloadRequest, fetched: Fetched, parsed: Extract<ParseStateResult, { ok: true }>, t0: number): Promise<ReloadSuccess> {
    const t2 = performance.now();
    const t1 = t2 - this.parseMs;
    const before = { ...this.lookup.stats };
    const { hostAddresses, names: hostNames } = await lookUpStateHosts(this.lookup, parsed.state);
    const t3 = performance.now();
    const { table, report } = generateRecordsWithReport({
      state: parsed.state,
      config: this.config.generate,
      masters: request.recordMasters,
      listenerAddresses: request.listenerAddresses,
      ...(hostAddresses ? { hostAddresses } : {}),
      ...(request.staticRecords ? { staticRecords: request.staticRecords } : {}),
      ...(request.outOfRotation ? { outOfRotation: request.outOfRotation } : {}),
    });
    const t4 = performance.now();
    const next = nameHashes(table.data);
    const { added, removed } = diffNames(request.previousNames, next);
    const t5 = performance.now();
    return {
      ok: true,
      id: request.id,
      data: table.data,
      source: fetched.source,
      master: fetched.master,
      bytes: fetched.bytes,
      timings: { fetchMs: t1 - t0, parseMs: t2 - t1, resolveMs: t3 - t2, generateMs: t4 - t3, diffMs: t5 - t4, totalMs: t5 - t0 },
      added,
      removed,
      names: next,
      problemCount: parsed.problems.length,
      problems: parsed.problems.slice(0, 5),
      failures: fetched.failures,
      ...reportFields(report, this.lookupsSince(before, hostNames)),
    };
  }

  async close(): Promise<void> {
    await (await this.client)?.close();
  }
}
