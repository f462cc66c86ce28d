// One reload at a time: requests that arrive while one runs are folded into one more after it, and
// everyone who asked (reloadNow) and every listener gets the outcome of the reload that served them.
import type { Logger } from '../log.js';
import { FetchFailure } from '../mesos/fetch-errors.js';
import type { ReloadOutcome } from './poller.js';

export class ReloadLoop {
  private running = false;
  private pending = false;
  private waiters: ((o: ReloadOutcome) => void)[] = [];
  private readonly listeners = new Set<(outcome: ReloadOutcome) => void>();
  private done: Promise<void> = Promise.resolve();
  private active = false;
  private closed = false;

  constructor(
    private readonly reloadOnce: () => Promise<ReloadOutcome>,
    private readonly logger: Logger,
  ) {}

  /** Requests are taken from now on (until close). */
  open(): void {
    this.active = true;
  }

  request(reason: string): void {
    if (this.closed || !this.active) return;
    this.logger.debug({ reason, busy: this.running }, 'reload requested');
    this.pending = true;
    if (!this.running) this.done = this.run();
  }

  /** A reload now (or folded into the next one), resolved with its outcome. */
  requestAndWait(reason: string): Promise<ReloadOutcome> {
    return new Promise<ReloadOutcome>((resolve) => {
      this.waiters.push(resolve);
      this.request(reason);
    });
  }

  onReload(listener: (outcome: ReloadOutcome) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Stops taking requests; waits for the running reload; everyone still waiting gets `outcome`. */
  async close(outcome: ReloadOutcome): Promise<void> {
    this.closed = true;
    await this.done;
    for (const w of this.waiters.splice(0)) w(outcome);
  }

  private async run(): Promise<void> {
    this.running = true;
    try {
      while (this.pending && !this.closed) {
        this.pending = false;
        const mine = this.waiters;
        this.waiters = [];
        const outcome = await this.reloadOnce().catch((err: unknown): ReloadOutcome => {
          this.logger.error({ err }, 'reload failed unexpectedly');
          return { ok: false, error: { reason: FetchFailure.WORKER, master: '', message: err instanceof Error ? err.message : String(err) }, durationMs: 0 };
        });
        for (const w of mine) w(outcome);
        for (const l of this.listeners) {
          try {
            l(outcome);
          } catch (err) {
            this.logger.error({ err }, 'reload listener failed');
          }
        }
      }
    } finally {
      this.running = false;
    }
  }
}
