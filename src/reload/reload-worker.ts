// The reload worker thread: runs the reload pipeline on request and posts the table's buffers back by
// transfer. Importing this module does nothing; it starts only as a worker created by the poller
// (workerData.kind marks it).
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { isMainThread, parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { transferList } from '../records/packed-table.js';
import { partedTransferList } from '../records/parted-table.js';
import { FetchFailure } from '../mesos/fetch-errors.js';
import { collectWhenIdle, heapCollector, type HeapCollector, type IdleCollection } from './idle-collection.js';
import { createReloadPipeline, failedReload, type ReloadPipelineConfig, type ReloadRequest, type ReloadResult, type ReloadSuccess } from './reload-pipeline.js';

export const RELOAD_WORKER_KIND = 'mesos-dns-reload-worker';

export interface ReloadWorkerData {
  readonly kind: typeof RELOAD_WORKER_KIND;
  readonly config: ReloadPipelineConfig;
  /** Nice value for this thread (Linux): reloads yield the CPU to the serving thread. */
  readonly nice?: number;
}

/**
 * A reload (one that runs too long is not aborted: the poller's watchdog stops the whole worker), or
 * a piece of a streamed record that arrives in pieces, read at once (the reply says it was).
 */
export type ToWorker =
  | ({ readonly type: 'reload' } & ReloadRequest)
  | { readonly type: 'piece'; readonly record: number; readonly piece: Uint8Array; readonly length: number };

/** A reload's result, or a piece read (so that the serving thread sends no more than the worker keeps up with). */
export type FromWorker = { readonly type: 'result'; readonly result: ReloadResult } | { readonly type: 'piece-read'; readonly bytes: number };

/** Lowers this thread's scheduling priority (Linux: a thread id is accepted by setpriority). Best effort. */
function lowerPriority(nice: number): void {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(tid) && tid > 0) setPriority(tid, nice);
  } catch {
    // not Linux, or not permitted: run at normal priority
  }
}

/** What a successful result transfers: the whole table's buffers, or the new parts and the index. */
function resultBuffers(result: ReloadSuccess): ArrayBuffer[] {
  const buffers: ArrayBuffer[] = [];
  if (result.data) buffers.push(...transferList(result.data));
  if (result.parted) buffers.push(...partedTransferList(result.parted, transferList));
  if (result.names) buffers.push(result.names.buffer as ArrayBuffer);
  return buffers;
}

/** Reloads that read at least this much (one poll, one snapshot, a storm's batches) leave enough garbage behind to collect it. */
const BIG_RELOAD_BYTES = 8 * 1024 * 1024;

function serve(port: MessagePort, data: ReloadWorkerData): void {
  if (data.nice !== undefined && data.nice !== 0) lowerPriority(data.nice);
  const pipeline = createReloadPipeline({ config: data.config });
  const heap = heapCollector();
  let running = 0;
  let collection: IdleCollection | undefined;
  // What the reloads since the last collection read: a storm of small stream batches adds up too.
  let uncollectedBytes = 0;
  const collector: HeapCollector | undefined = heap && {
    ...heap,
    collect() {
      uncollectedBytes = 0;
      heap.collect();
    },
  };
  port.on('message', (message: ToWorker) => {
    collection?.cancel();
    if (message.type === 'piece') {
      const bytes = message.piece.byteLength;
      pipeline.readPiece(message.record, message.piece, message.length);
      const reply: FromWorker = { type: 'piece-read', bytes };
      port.postMessage(reply);
      return;
    }
    running++;
    void pipeline
      .run(message)
      .then((result) => {
        const reply: FromWorker = { type: 'result', result };
        port.postMessage(reply, result.ok ? resultBuffers(result) : []);
        if (result.ok) uncollectedBytes += result.bytes;
        if (collector && uncollectedBytes >= BIG_RELOAD_BYTES) collection = collectWhenIdle(collector, () => running === 0);
      })
      .finally(() => running--)
      .catch((err: unknown) => {
        // A bug in parsing or generation: report it as this reload's failure, keep the worker.
        const reply: FromWorker = {
          type: 'result',
          result: failedReload(message.id, FetchFailure.WORKER, `reload failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`),
        };
        port.postMessage(reply);
      });
  });
}

if (!isMainThread && parentPort && (workerData as Partial<ReloadWorkerData> | null)?.kind === RELOAD_WORKER_KIND) {
  serve(parentPort, workerData as ReloadWorkerData);
}
