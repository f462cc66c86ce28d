// The serving thread's side of the reload worker: one worker at a time, one reload at a time, a
// deadline per reload (past it the worker is stopped and replaced; the last table keeps serving), and
// a replacement for a worker that dies or runs out of heap. The next worker starts only once the last
// one has exited (or RETIRE_WAIT_MS passed), so two workers' memory never adds up.
import { Worker, type ResourceLimits } from 'node:worker_threads';
import type { Logger } from '../log.js';
import type { Counter } from '../metrics.js';
import { FetchFailure } from '../mesos/fetch-errors.js';
import { failedReload, type ReloadResult } from './reload-pipeline.js';
import type { FromWorker, ReloadWorkerData, ToWorker } from './reload-worker.js';

/** Pieces of a streamed record sent and not yet read by the worker, at most (then the stream waits). */
export const PIECES_UNREAD_MAX_BYTES = 8 * 1024 * 1024;

/** How long a stopped worker may take to exit before the next one starts anyway. */
export const RETIRE_WAIT_MS = 5_000;

/** Why a reload worker was replaced: the `reason` label of mesos_dns_worker_restarts_total. */
export const WorkerRestartReason = {
  TIMEOUT: 'timeout',
  HEAP: 'heap',
  CRASH: 'crash',
} as const;

export interface ReloadWorkerClientOptions {
  readonly data: ReloadWorkerData;
  readonly resourceLimits: ResourceLimits;
  readonly logger: Logger;
  /** mesos_dns_worker_restarts_total. */
  readonly restarts: Counter;
  /** End the worker after each reload (PollingStateSourceOptions.recycleWorker). */
  readonly recycle: boolean;
  /** A new worker started: it holds nothing from earlier reloads. */
  readonly onSpawn: () => void;
}

export class ReloadWorkerClient {
  private worker: Worker | undefined;
  /** Workers told to end: their exit is not a death. */
  private readonly retiring = new Set<Worker>();
  /** Settles once the last retired worker has exited, or after RETIRE_WAIT_MS. */
  private retired: Promise<void> = Promise.resolve();
  private inFlight: { id: number; resolve: (r: ReloadResult) => void } | undefined;
  private closed = false;
  /** Bytes of pieces sent to the current worker and not read yet. */
  private piecesUnread = 0;
  private roomWaiters: (() => void)[] = [];

  constructor(private readonly options: ReloadWorkerClientOptions) {}

  /** Starts the first worker now, so the first reload does not wait for it. */
  start(): void {
    this.worker ??= this.spawn();
  }

  /**
   * Sends a piece of a streamed record to the worker now (no reply): dropped when there is no worker
   * (one being replaced), and then the batch holding the record fails and a new subscription follows.
   */
  sendPiece(record: number, piece: Uint8Array, length: number): void {
    if (!this.worker) return;
    this.piecesUnread += piece.byteLength;
    const message: ToWorker = { type: 'piece', record, piece, length };
    this.worker.postMessage(message, [piece.buffer as ArrayBuffer]);
  }

  /**
   * Undefined while the worker has read all but PIECES_UNREAD_MAX_BYTES of the pieces sent; else a
   * promise that settles once it is down to half of that (RecordPieces.room).
   */
  pieceRoom(): Promise<void> | undefined {
    if (this.piecesUnread <= PIECES_UNREAD_MAX_BYTES) return undefined;
    return new Promise((resolve) => this.roomWaiters.push(resolve));
  }

  private piecesRead(bytes: number): void {
    this.piecesUnread = Math.max(0, this.piecesUnread - bytes);
    if (this.piecesUnread > PIECES_UNREAD_MAX_BYTES / 2) return;
    const waiters = this.roomWaiters;
    this.roomWaiters = [];
    for (const resolve of waiters) resolve();
  }

  /** Runs one reload; never rejects (a dead or hung worker gives a failed reload). */
  async run(message: Extract<ToWorker, { type: 'reload' }>, transfer: ArrayBuffer[], deadlineMs: number): Promise<ReloadResult> {
    if (!this.worker) await this.retired;
    if (this.closed) return failedReload(message.id, FetchFailure.ABORTED, 'closed');
    const w = (this.worker ??= this.spawn());
    return new Promise<ReloadResult>((resolve) => {
      const watchdog = setTimeout(() => this.stopHung(w, message.id, deadlineMs), deadlineMs);
      this.inFlight = {
        id: message.id,
        resolve: (result) => {
          clearTimeout(watchdog);
          resolve(result);
        },
      };
      w.postMessage(message, transfer);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const w = this.worker;
    this.worker = undefined;
    this.piecesRead(Infinity);
    this.settle((id) => failedReload(id, FetchFailure.ABORTED, 'closed'));
    await w?.terminate();
  }

  private settle(result: (id: number) => ReloadResult): void {
    const f = this.inFlight;
    if (!f) return;
    this.inFlight = undefined;
    f.resolve(result(f.id));
  }

  private spawn(): Worker {
    const { data, resourceLimits, logger, restarts } = this.options;
    this.options.onSpawn();
    const w = new Worker(new URL('./reload-worker.js', import.meta.url), { workerData: data, resourceLimits });
    let outOfHeap = false;
    w.on('message', (message: FromWorker) => {
      if (message.type === 'piece-read') {
        if (this.worker === w) this.piecesRead(message.bytes);
        return;
      }
      if (this.inFlight?.id !== message.result.id) return;
      if (this.options.recycle) this.retire(w);
      this.settle(() => message.result);
    });
    w.on('error', (err) => {
      if ((err as { code?: unknown }).code === 'ERR_WORKER_OUT_OF_MEMORY') outOfHeap = true;
      logger.error({ err }, 'reload worker failed');
    });
    w.on('exit', (code) => {
      if (this.worker === w) {
        this.worker = undefined;
        // Its unread pieces are gone with it.
        this.piecesRead(Infinity);
      }
      if (this.retiring.delete(w) || this.closed) return;
      const reason = outOfHeap ? WorkerRestartReason.HEAP : WorkerRestartReason.CRASH;
      restarts.inc({ reason });
      logger.error({ exitCode: code, reason }, 'reload worker died; a new one takes the next reload');
      const message = outOfHeap ? `reload worker ran out of heap (cap ${resourceLimits.maxOldGenerationSizeMb ?? '?'} MB)` : `reload worker died (exit code ${code})`;
      this.settle((id) => failedReload(id, FetchFailure.WORKER, message));
    });
    // A worker must not keep the process alive on its own.
    w.unref();
    return w;
  }

  private retire(w: Worker): void {
    if (this.worker === w) {
      this.worker = undefined;
      this.piecesRead(Infinity);
    }
    this.retiring.add(w);
    this.retired = new Promise((resolve) => {
      const waited = setTimeout(resolve, RETIRE_WAIT_MS);
      waited.unref();
      w.once('exit', () => {
        clearTimeout(waited);
        resolve();
      });
    });
    void w.terminate();
  }

  /** The watchdog: a reload past its deadline fails and its worker is replaced; the table stays. */
  private stopHung(w: Worker, id: number, deadlineMs: number): void {
    if (this.inFlight?.id !== id) return;
    this.retire(w);
    this.options.restarts.inc({ reason: WorkerRestartReason.TIMEOUT });
    this.options.logger.error(
      { reason: WorkerRestartReason.TIMEOUT, deadlineMs },
      'reload worker gave no result by the reload deadline; stopped, a new one takes the next reload',
    );
    this.settle(() => failedReload(id, FetchFailure.WORKER, `reload worker stopped: no result within ${deadlineMs / 1000} s`));
  }
}
