// Keeps one operator API subscription to the leading master alive (docs/streaming.md): picks the
// master from the detector's list, reconnects with jittered back-off, starts over at once when the
// leader changes, gathers the records (the snapshot, then events) as the master wrote them for the
// reload worker, which decodes them and keeps the model, and tells the state source to publish once
// per coalescing window. While it is not live the source polls instead; a master
// without the operator API (404) is not asked again until the leader changes.
import type { Dispatcher } from 'undici';
import type { Logger } from '../log.js';
import type { Counter, Gauge, MetricsRegistry } from '../metrics.js';
import type { MasterClientSettings } from './client-settings.js';
import { backoffDelay, DEFAULT_RECONNECT_BACKOFF, STABLE_CONNECTION_MS, type BackoffPolicy } from './leader/reconnect-policy.js';
import type { MasterDetector } from './leader/types.js';
import { createMasterDispatcher, masterConnectTimeoutMs } from './master-client.js';
import { StreamEnd, StreamEndReason, subscribe, type SubscribeHandlers } from './operator-stream.js';
import type { DecodedRecord, RecordPieces } from './recordio.js';

/**
 * A periodic resync waits for the stream to be this quiet (no change for this long), so that a
 * storm of events is not held up behind a snapshot...
 */
export const RESYNC_QUIET_MS = 2000;
/** ...but no longer than this many RefreshSeconds ticks. */
export const RESYNC_MAX_DEFERRALS = 10;

/** Events arriving within this window after the first of a batch are published together, in one rebuild. */
export const DEFAULT_COALESCE_MS = 100;

const KNOWN_EVENT_TYPES: ReadonlySet<string> = new Set([
  'HEARTBEAT',
  'TASK_ADDED',
  'TASK_UPDATED',
  'AGENT_ADDED',
  'AGENT_REMOVED',
  'FRAMEWORK_ADDED',
  'FRAMEWORK_UPDATED',
  'FRAMEWORK_REMOVED',
]);

export interface StreamDriverOptions {
  readonly settings: MasterClientSettings;
  readonly detector: MasterDetector;
  readonly logger: Logger;
  readonly metrics: MetricsRegistry;
  /** Called when there is something new to publish (a snapshot, a window of events), or a poll is due now (no operator API). */
  readonly onPublish: (reason: string) => void;
  readonly coalesceMs?: number;
  readonly backoff?: BackoffPolicy;
  readonly random?: () => number;
  /** Long records (a snapshot) go out in pieces as they arrive (to the reload worker) instead of being held whole. */
  readonly pieces?: RecordPieces;
}

/** Records gathered since the last take, in order. */
export interface StreamRecords {
  /** A pieced record's pieces went out as it arrived. */
  readonly records: readonly DecodedRecord[];
  /** The first record is a SUBSCRIBED (a new subscription): it replaces whatever the worker holds. */
  readonly fresh: boolean;
  /** "host:port" of the master streaming them. */
  readonly source: string;
}

export interface StreamDriver {
  start(): void;
  /** A SUBSCRIBED arrived on the connection that is open now. */
  live(): boolean;
  /**
   * Not live yet, but the master has answered the subscription and its SUBSCRIBED is on the way (a
   * large cluster's snapshot comes at the pace the worker reads it, bounded by StateTimeoutSeconds
   * while it does not): a poll now would read the same state a second time, and slow the snapshot.
   */
  snapshotArriving(): boolean;
  /** Wall-clock ms of the last record (heartbeats included) on the live stream; undefined when not live. */
  lastHeardAt(): number | undefined;
  /** The records gathered since the last take, while live (undefined when not live). */
  takeRecords(): StreamRecords | undefined;
  /** Publish again at this wall-clock time, even without an event (the end of a fail-over carry-over). */
  publishAt(wallMs: number): void;
  /** Starts over with a new subscription (the worker lost the records it was given). */
  resubscribe(): void;
  /**
   * The RefreshSeconds tick while live: starts over from a fresh snapshot when the stream has been
   * quiet for RESYNC_QUIET_MS, or regardless after RESYNC_MAX_DEFERRALS ticks that were not.
   */
  periodicResync(): void;
  close(): Promise<void>;
}

export function createStreamDriver(options: StreamDriverOptions): StreamDriver {
  return new StreamDriverImpl(options);
}

class StreamDriverImpl implements StreamDriver {
  private readonly logger: Logger;
  private readonly coalesceMs: number;
  private readonly backoff: BackoffPolicy;
  private readonly connected: Gauge;
  private readonly ends: Counter;
  private readonly events: Counter;
  /** The stream's own connection pool: a held response must not take a connection a poll needs. */
  private readonly dispatcher: Dispatcher;
  private pending: DecodedRecord[] = [];
  private pendingFresh = false;
  /** Wall-clock ms of the last event that changes something. */
  private lastChangeAt = 0;
  private resyncDeferrals = 0;
  /** The current connection is being ended on purpose, for a fresh snapshot. */
  private restarting = false;
  private isLive = false;
  private arriving = false;
  private heardAt: number | undefined;
  private source = '';
  private closed = false;
  private current: AbortController | undefined;
  private wake: (() => void) | undefined;
  private coalescing: NodeJS.Timeout | undefined;
  private carryOverEnd: NodeJS.Timeout | undefined;
  private loopDone: Promise<void> = Promise.resolve();
  /** The leader that answered 404: not asked again until the leader changes. */
  private unsupportedLeader: string | undefined;
  /** A snapshot has arrived since the start; until one has, a failed subscription asks for a poll (once). */
  private everLive = false;
  private askedForPoll = false;
  private readonly offDetector: () => void;

  constructor(private readonly options: StreamDriverOptions) {
    const { settings, metrics } = options;
    this.logger = options.logger.child({ component: 'event-stream' });
    this.coalesceMs = options.coalesceMs ?? DEFAULT_COALESCE_MS;
    this.backoff = options.backoff ?? DEFAULT_RECONNECT_BACKOFF;
    this.connected = metrics.gauge('mesos_dns_stream_connected', '1 while the operator API event stream is subscribed, else 0 (then the state is polled).');
    this.ends = metrics.counter('mesos_dns_stream_ends_total', 'Ends of the operator API event stream, by reason.');
    this.events = metrics.counter('mesos_dns_stream_events_total', 'Operator API events received, by type.');
    this.dispatcher = createMasterDispatcher(settings.tls, settings.timeoutMs, masterConnectTimeoutMs(settings));
    this.offDetector = options.detector.onChange((_list, leaderChanged) => {
      if (!leaderChanged) return;
      this.unsupportedLeader = undefined;
      // A new leader: the old stream is from a master that no longer leads. Start over now, and let
      // reloads poll until the new one is subscribed.
      this.setLive(false);
      this.current?.abort(new Error('leader changed'));
      this.wake?.();
    });
  }

  start(): void {
    this.loopDone = this.loop();
  }

  live(): boolean {
    return this.isLive;
  }

  snapshotArriving(): boolean {
    return !this.isLive && this.arriving;
  }

  lastHeardAt(): number | undefined {
    return this.isLive ? this.heardAt : undefined;
  }

  takeRecords(): StreamRecords | undefined {
    if (!this.isLive) return undefined;
    const taken: StreamRecords = { records: this.pending, fresh: this.pendingFresh, source: this.source };
    this.pending = [];
    this.pendingFresh = false;
    return taken;
  }

  publishAt(wallMs: number): void {
    clearTimeout(this.carryOverEnd);
    this.carryOverEnd = setTimeout(() => this.publishSoon('carry-over ended'), Math.max(0, wallMs - Date.now()) + 1);
    this.carryOverEnd.unref();
  }

  resubscribe(): void {
    this.logger.warn({ master: this.source }, 'the reload worker does not hold the streamed state; subscribing again for a fresh snapshot');
    this.restart();
  }

  periodicResync(): void {
    if (!this.isLive) return;
    const quiet = Date.now() - this.lastChangeAt >= RESYNC_QUIET_MS;
    if (!quiet && ++this.resyncDeferrals < RESYNC_MAX_DEFERRALS) return;
    this.resyncDeferrals = 0;
    this.logger.info({ master: this.source, quiet }, 'periodic resync: subscribing again for a fresh snapshot');
    this.restart();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.offDetector();
    clearTimeout(this.coalescing);
    clearTimeout(this.carryOverEnd);
    this.current?.abort(new Error('closed'));
    this.wake?.();
    await this.loopDone;
    this.setLive(false);
    await this.dispatcher.destroy();
  }

  private publishSoon(reason: string): void {
    if (this.coalescing) return;
    this.coalescing = setTimeout(() => {
      this.coalescing = undefined;
      if (this.isLive && !this.closed) this.options.onPublish(reason);
    }, this.coalesceMs);
  }

  /** Ends the current connection on purpose; the loop subscribes again at once. */
  private restart(): void {
    this.restarting = this.isLive || this.current !== undefined;
    this.setLive(false);
    this.pending = [];
    this.pendingFresh = false;
    this.current?.abort(new Error('restart'));
    this.wake?.();
  }

  private setLive(next: boolean): void {
    this.isLive = next;
    this.arriving = false;
    this.connected.set(next ? 1 : 0);
  }

  /** The master to subscribe to: the known leader, else the list's entries in turn. */
  private target(attempt: number): string | undefined {
    const list = this.options.detector.current();
    if (list.leader) return list.leader;
    const candidates = list.masters.filter((m) => m !== '');
    return candidates.length === 0 ? undefined : candidates[attempt % candidates.length];
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(t);
        this.wake = undefined;
        resolve();
      };
      const t = setTimeout(done, ms);
      this.wake = done;
    });
  }

  private readonly handlers: SubscribeHandlers = {
    onAnswered: () => {
      this.arriving = true;
    },
    onSubscribed: (record, answeredBy) => {
      this.heardAt = Date.now();
      // A snapshot voids everything before it.
      this.pending = [record];
      this.pendingFresh = true;
      this.source = answeredBy;
      this.everLive = true;
      this.setLive(true);
      this.logger.info({ master: answeredBy, snapshotBytes: record.length }, 'event stream subscribed');
      this.publishSoon('stream snapshot');
    },
    onEvent: (record, type) => {
      this.heardAt = Date.now();
      const known = KNOWN_EVENT_TYPES.has(type);
      // The label is the master's text: only known types get their own series.
      this.events.inc({ type: known ? type : 'other' });
      // Heartbeats and types no record depends on change nothing.
      if (!known || type === 'HEARTBEAT') return;
      this.pending.push(record);
      this.lastChangeAt = Date.now();
      this.publishSoon('stream events');
    },
  };

  /** Subscriptions that failed in a row (reset by one that stayed up STABLE_CONNECTION_MS). */
  private failures = 0;

  private async loop(): Promise<void> {
    for (let attempt = 0; !this.closed; attempt++) {
      const master = this.target(attempt);
      if (master === undefined || master === this.unsupportedLeader) {
        // No master known, or the leader has no operator API: wait for a change (polling covers it).
        await this.sleep(master === undefined ? this.backoff.maxMs : 60_000);
        continue;
      }
      const controller = new AbortController();
      this.current = controller;
      const startedAt = performance.now();
      try {
        await subscribe(master, {
          settings: this.options.settings,
          dispatcher: this.dispatcher,
          signal: controller.signal,
          handlers: this.handlers,
          ...(this.options.pieces ? { pieces: this.options.pieces } : {}),
        });
      } catch (err) {
        const wasLive = this.isLive;
        this.setLive(false);
        this.current = undefined;
        if (this.closed) break;
        if (performance.now() - startedAt >= STABLE_CONNECTION_MS && wasLive) this.failures = 0;
        const delayMs = this.ended(err, master, wasLive);
        if (delayMs !== undefined) await this.sleep(delayMs);
      }
    }
  }

  /** Counts and logs how a subscription ended: the back-off before the next, or undefined to go on at once (no operator API). */
  private ended(err: unknown, master: string, wasLive: boolean): number | undefined {
    const end = err instanceof StreamEnd ? err : new StreamEnd(StreamEndReason.CONNECT, master, String(err), { cause: err });
    this.ends.inc({ reason: end.reason });
    if (end.reason === StreamEndReason.UNSUPPORTED) {
      this.unsupportedLeader = master;
      this.logger.warn({ master: end.master }, 'the master has no operator API (HTTP 404); polling /master/state every RefreshSeconds instead');
      // Nothing has polled since the start or the leader change: poll now.
      this.options.onPublish('no operator API');
      return undefined;
    }
    // Before the first snapshot there is no table at all: poll now rather than at the next refresh.
    if (!this.everLive && !this.askedForPoll) {
      this.askedForPoll = true;
      this.options.onPublish('stream not up yet');
    }
    if (end.reason !== StreamEndReason.ABORTED) this.failures++;
    const retryInMs = backoffDelay(this.failures, this.backoff, this.options.random);
    if (this.restarting) {
      this.restarting = false;
      this.logger.info({ master: end.master, retryInMs }, 'event stream restarted for a fresh snapshot');
    } else {
      this.logger.warn({ master: end.master, cause: end.reason, err: { message: end.message }, wasLive, retryInMs }, 'event stream ended; polling until it is back');
    }
    return retryInMs;
  }
}
