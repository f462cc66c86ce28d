// The event stream's side of the reload worker (docs/streaming.md): the records the serving thread
// gathered (a SUBSCRIBED snapshot, then events, as the master wrote them) are decoded here into the
// operator model, and what they changed is applied to the table kept in parts. The serving thread
// never decodes a snapshot; a new subscription replaces the model, and a snapshot of an unchanged
// cluster regenerates nothing.
import { isDeepStrictEqual } from 'node:util';
import { IncrementalTables, type IncrementalResult, type TableInputs } from '../records/incremental-tables.js';
import type { GenerateConfig } from '../records/settings.js';
import type { MesosState } from '../records/state-types.js';
import { JsonSyntaxError, newInternTable } from '../mesos/json-reader.js';
import { readOperatorRecord, type OperatorTask } from '../mesos/operator-reader.js';
import { applyEvent, emptyModel, expireCarried, keptTask, renderChanges, renderWhole, type OperatorModel } from '../mesos/operator-state.js';

/** Records as they travel to the worker, in order. */
export interface StreamBatch {
  readonly records: readonly Uint8Array[];
  /** The buffers to transfer with the batch (the records are views of them). */
  readonly buffers: readonly ArrayBuffer[];
  /** The first record is SUBSCRIBED: the model starts over from it. */
  readonly fresh: boolean;
  /** "host:port" of the master streaming. */
  readonly source: string;
}

/**
 * Packs records for postMessage. A record with an ArrayBuffer of its own (a snapshot: tens of MB) goes
 * as it is, transferred: copying it would hold the serving thread. The others (small records share
 * Node's buffer pool, which must not be transferred) are copied into one buffer.
 */
export function packRecords(records: readonly Uint8Array[], fresh: boolean, source: string): StreamBatch {
  const ownsBuffer = (r: Uint8Array): boolean => r.byteOffset === 0 && r.byteLength === r.buffer.byteLength && r.byteLength > 0;
  let small = 0;
  for (const r of records) if (!ownsBuffer(r)) small += r.byteLength;
  const pool = new ArrayBuffer(small);
  const buffers: ArrayBuffer[] = small > 0 ? [pool] : [];
  let at = 0;
  const packed = records.map((r) => {
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
   * Applies a batch; its buffers are freed, so its records cannot be read afterwards. `lookUp`
   * resolves the host names of the state it is given and returns them (the tables keep every host
   * looked up since the last snapshot).
   */
  apply(
    batch: StreamBatch,
    inputs: Omit<TableInputs, 'hostAddresses'>,
    lookUp: (state: MesosState) => Promise<ReadonlyMap<string, readonly string[]> | undefined>,
    nowMs: number,
  ): Promise<StreamTablesOutcome>;
}

export function createStreamTables(config: GenerateConfig): StreamTables {
  let model: OperatorModel | undefined;
  let tables: IncrementalTables | undefined;
  let hosts = new Map<string, readonly string[]>();
  // Ids, names and states repeat from one event to the next: one intern cache for the stream's records.
  const interned = newInternTable();

  return {
    async apply(batch, inputs, lookUp, nowMs) {
      // A snapshot replaces the model's content itself, carrying over what a new master has not heard of yet.
      if (batch.fresh) model ??= emptyModel();
      if (!model) return { ok: false, error: 'events arrived for a stream this worker does not hold (a new subscription is needed)' };
      const started = performance.now();
      let unreadable = 0;
      const current = model;
      const keep = (task: OperatorTask): OperatorTask => keptTask(current, task);
      for (const record of batch.records) {
        try {
          applyEvent(model, readOperatorRecord(record, { interned, keep }), nowMs);
        } catch (err) {
          if (!(err instanceof JsonSyntaxError)) throw err;
          unreadable++;
        }
      }
      expireCarried(model, nowMs);
      releaseBuffers(batch.buffers);
      const readMs = performance.now() - started;
      let lookUpMs = 0;
      const timedLookUp = async (state: MesosState): Promise<ReadonlyMap<string, readonly string[]> | undefined> => {
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
