// The event stream's side of the reload worker (docs/streaming.md): the records the serving thread
// gathered (a SUBSCRIBED snapshot, then events, as the master wrote them) are decoded here into the
// operator model, and what they changed is applied to the table kept in parts. The serving thread
// never decodes a snapshot; a new subscription replaces the model, and a snapshot of an unchanged
// cluster regenerates nothing.
import { isDeepStrictEqual } from 'node:util';
import type { CompactTask } from '../records/compact-task.js';
import { IncrementalTables, type IncrementalResult, type TableInputs } from '../records/incremental-tables.js';
import type { GenerateConfig } from '../records/settings.js';
import type { MesosState } from '../records/state-types.js';
import { JsonSyntaxError, newInternTable, type InternTable } from '../mesos/json-reader.js';
import {
  readOperatorRecord,
  readOperatorRecordInPieces,
  type KeepingReadOptions,
  type KeepTask,
  type OperatorEvent,
  type OperatorTask,
  type PiecewiseRecordReader,
} from '../mesos/operator-reader.js';
import type { PiecedRecord } from '../mesos/recordio.js';
import { applyEvent, emptyModel, expireCarried, keptTask, renderChanges, renderWhole, type OperatorModel } from '../mesos/operator-state.js';

/** A record that went to the worker in pieces as it arrived (see RecordPieces): read there already. */
export interface StreamedRecordRef {
  readonly streamed: number;
  readonly length: number;
}

export type BatchRecord = Uint8Array | StreamedRecordRef;

export function batchRecordBytes(record: BatchRecord): number {
  return record instanceof Uint8Array ? record.byteLength : record.length;
}

/** Records as they travel to the worker, in order. */
export interface StreamBatch {
  readonly records: readonly BatchRecord[];
  /** The buffers to transfer with the batch (the records are views of them). */
  readonly buffers: readonly ArrayBuffer[];
  /** The first record is SUBSCRIBED: the model starts over from it. */
  readonly fresh: boolean;
  /** "host:port" of the master streaming. */
  readonly source: string;
}

/**
 * Packs records for postMessage. A record that went to the worker in pieces goes as its reference. A
 * record with an ArrayBuffer of its own goes as it is, transferred: copying it would hold the serving
 * thread. The others (small records share Node's buffer pool, which must not be transferred) are
 * copied into one buffer.
 */
export function packRecords(records: readonly (Uint8Array | PiecedRecord)[], fresh: boolean, source: string): StreamBatch {
  const ownsBuffer = (r: Uint8Array): boolean => r.byteOffset === 0 && r.byteLength === r.buffer.byteLength && r.byteLength > 0;
  let small = 0;
  for (const r of records) if (r instanceof Uint8Array && !ownsBuffer(r)) small += r.byteLength;
  const pool = new ArrayBuffer(small);
  const buffers: ArrayBuffer[] = small > 0 ? [pool] : [];
  let at = 0;
  const packed = records.map((r): BatchRecord => {
    if (!(r instanceof Uint8Array)) return { streamed: r.id, length: r.length };
    if (ownsBuffer(r)) {
      buffers.push(r.buffer as ArrayBuffer);
      return new Uint8Array(r.buffer, 0, r.byteLength);
    }
    const copy = new Uint8Array(pool, at, r.byteLength);
    copy.set(r);
    at += r.byteLength;
    return copy;
  });
  return { records: packed, buffers, fresh, source };
}

export type StreamTablesOutcome =
  | {
      readonly ok: true;
      readonly result: IncrementalResult;
      /** The state the table was made from, as generated (whole) or changed (for host look-ups). */
      readonly events: number;
      /** Records that were not JSON (skipped). */
      readonly unreadable: number;
      /** Time spent reading the records into the model, and looking up host names (ms). */
      readonly readMs: number;
      readonly lookUpMs: number;
      /** When the carry-over of agents a new master has not heard from yet ends (wall-clock ms), if any. */
      readonly carryOverUntil: number | undefined;
    }
  | { readonly ok: false; readonly error: string };

export interface StreamTables {
  /**
   * A piece of a record that arrives in pieces (a snapshot), read at once: the batch that holds the
   * record later finds it read. A record whose pieces stop coming is dropped when the next one starts.
   */
  readPiece(record: number, piece: Uint8Array, length: number): void;
  /**
   * Applies a batch; its buffers are freed, so its records cannot be read afterwards. `lookUp`
   * resolves the host names of the state it is given and returns them (the tables keep every host
   * looked up since the last snapshot).
   */
  apply(
    batch: StreamBatch,
    inputs: Omit<TableInputs, 'hostAddresses'>,
    lookUp: (state: MesosState<unknown>) => Promise<ReadonlyMap<string, readonly string[]> | undefined>,
    nowMs: number,
  ): Promise<StreamTablesOutcome>;
}

export function createStreamTables(config: GenerateConfig): StreamTables {
  let model: OperatorModel | undefined;
  let tables: IncrementalTables | undefined;
  let hosts = new Map<string, readonly string[]>();
  // Ids, names and states repeat from one event to the next: one intern cache for the stream's records.
  const interned = newInternTable();

  const keep = (task: OperatorTask): OperatorTask<CompactTask> => keptTask(model, task);
  const pieced = new PiecedRecords(interned, keep);

  return {
    readPiece: (record, piece, length) => pieced.read(record, piece, length),

    async apply(batch, inputs, lookUp, nowMs) {
      // A snapshot replaces the model's content itself, carrying over what a new master has not heard of yet.
      if (batch.fresh) model ??= emptyModel();
      if (!model) return { ok: false, error: 'events arrived for a stream this worker does not hold (a new subscription is needed)' };
      const started = performance.now();
      let unreadable = 0;
      for (const record of batch.records) {
        const event = record instanceof Uint8Array ? readRecord(record, { interned, keep }) : pieced.take(record.streamed);
        if (event === MISSING) return { ok: false, error: `a record that came in pieces (${batchRecordBytes(record)} bytes) is not all here (a new subscription is needed)` };
        if (event === UNREADABLE) unreadable++;
        else applyEvent(model, event, nowMs);
      }
      expireCarried(model, nowMs);
      releaseBuffers(batch.buffers);
      const readMs = performance.now() - started;
      let lookUpMs = 0;
      const timedLookUp = async (state: MesosState<unknown>): Promise<ReadonlyMap<string, readonly string[]> | undefined> => {
        const t = performance.now();
        const looked = await lookUp(state);
        lookUpMs += performance.now() - t;
        return looked;
      };
      const leader = `master@${batch.source}`;
      const changes = tables ? renderChanges(model, leader) : undefined;
      let result: IncrementalResult | undefined;
      if (changes && tables) {
        hosts = withLookedUp(hosts, await timedLookUp({ leader, frameworks: changes.frameworks, slaves: changes.slaves }));
        result = tables.apply(changes, withHosts(inputs, hosts));
      }
      if (!result) {
        const whole = renderWhole(model, leader);
        hosts = new Map((await timedLookUp(whole.state)) ?? []);
        tables ??= new IncrementalTables(config);
        result = tables.reset(whole.state, whole.frameworkIds, withHosts(inputs, hosts));
      }
      const carried = [...model.carried.values()];
      return { ok: true, result, events: batch.records.length, unreadable, readMs, lookUpMs, carryOverUntil: carried.length > 0 ? Math.min(...carried) : undefined };
    },
  };
}

/**
 * Frees the records' buffers now that they are read. A snapshot's (80 MB at 100,000 tasks) has lived
 * through the read's many young-generation collections, so once unreachable it would wait for the next
 * full one; detached, its memory goes with the short-lived clone at the next scavenge.
 */
function releaseBuffers(buffers: readonly ArrayBuffer[]): void {
  for (const buffer of buffers) if (buffer.byteLength > 0) structuredClone(buffer, { transfer: [buffer] });
}

/**
 * The host addresses with what was looked up now: a new map when an address changed (the tables
 * compare the maps they are given, so a map changed in place would look unchanged), else the same one.
 */
function withLookedUp(hosts: Map<string, readonly string[]>, looked: ReadonlyMap<string, readonly string[]> | undefined): Map<string, readonly string[]> {
  let next = hosts;
  for (const [host, addresses] of looked ?? []) {
    if (isDeepStrictEqual(next.get(host), addresses)) continue;
    if (next === hosts) next = new Map(hosts);
    next.set(host, addresses);
  }
  return next;
}

function withHosts(inputs: Omit<TableInputs, 'hostAddresses'>, hosts: ReadonlyMap<string, readonly string[]>): TableInputs {
  return hosts.size > 0 ? { ...inputs, hostAddresses: hosts } : inputs;
}

const UNREADABLE = Symbol('unreadable');
const MISSING = Symbol('missing');

/** The record's event; UNREADABLE when it is not JSON. */
function readRecord(bytes: Uint8Array, options: KeepingReadOptions<CompactTask>): OperatorEvent<CompactTask> | typeof UNREADABLE {
  try {
    return readOperatorRecord(bytes, options);
  } catch (err) {
    if (!(err instanceof JsonSyntaxError)) throw err;
    return UNREADABLE;
  }
}

/** A record arriving in pieces: its reader until the last piece, then what it read. */
interface PiecedRead {
  readonly reader: PiecewiseRecordReader<CompactTask>;
  readonly length: number;
  received: number;
  event: OperatorEvent<CompactTask> | typeof UNREADABLE | undefined;
  /** A bug met while reading: thrown when the record is taken, failing that reload as a whole read would. */
  failure?: unknown;
}

/** The records the worker reads as their pieces arrive, until a batch takes them. */
class PiecedRecords {
  private readonly reads = new Map<number, PiecedRead>();

  constructor(
    private readonly interned: InternTable,
    private readonly keep: KeepTask<CompactTask>,
  ) {}

  read(id: number, piece: Uint8Array, length: number): void {
    const read = this.reads.get(id) ?? this.start(id, length);
    if (read.event === undefined) this.feed(read, piece);
    // The piece's memory goes now, not at the next full collection (see releaseBuffers).
    releaseBuffers([piece.buffer as ArrayBuffer]);
  }

  private start(id: number, length: number): PiecedRead {
    // A new record: one whose pieces stopped coming belonged to a connection that is gone.
    for (const [other, earlier] of this.reads) if (earlier.event === undefined) this.reads.delete(other);
    const read: PiecedRead = { reader: readOperatorRecordInPieces({ interned: this.interned, keep: this.keep }), length, received: 0, event: undefined };
    this.reads.set(id, read);
    return read;
  }

  private feed(read: PiecedRead, piece: Uint8Array): void {
    read.received += piece.length;
    try {
      read.reader.push(piece);
      if (read.received >= read.length) read.event = read.reader.finish();
    } catch (err) {
      read.event = UNREADABLE;
      if (!(err instanceof JsonSyntaxError)) read.failure = err;
    }
  }

  /** The record's event, once all its pieces are read; MISSING otherwise. Records before it are dropped. */
  take(id: number): OperatorEvent<CompactTask> | typeof UNREADABLE | typeof MISSING {
    const read = this.reads.get(id);
    for (const other of this.reads.keys()) if (other <= id) this.reads.delete(other);
    if (read?.failure !== undefined) throw read.failure;
    return read?.event ?? MISSING;
  }
}
