// Keeps one operator API subscription to the leading master alive (docs/streaming.md): picks the
// master from the detector's list, reconnects with jittered back-off, starts over at once when the
// leader changes, gathers the records (the snapshot, then events) as the master wrote them for the
// reload worker, which decodes them and keeps the model, and tells the state source to publish once
// per coalescing window. While it is not live the source polls instead; a master
// without the operator API (404) is not asked again until the leader changes.
import type { Dispatcher } from 'undici';
import type { Logger } from '../log.js';
import type { MetricsRegistry } from '../metrics.js';
import type { MasterClientSettings } from './client-settings.js';
import { backoffDelay, DEFAULT_RECONNECT_BACKOFF, STABLE_CONNECTION_MS, type BackoffPolicy } from './leader/reconnect-policy.js';
import type { MasterDetector } from './leader/types.js';
import { createMasterDispatcher, masterConnectTimeoutMs } from './master-client.js';
import { StreamEnd, StreamEndReason, subscribe } from './operator-stream.js';

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
}

/** Records gathered since the last take, in order. */
export interface StreamRecords {
  readonly records: readonly Buffer[];
  /** The first record is a SUBSCRIBED (a new subscription): it replaces whatever the worker holds. */
  readonly fresh: boolean;
  /** "host:port" of the master streaming them. */
  readonly source: string;
}

export interface StreamDriver {
  start(): void;
  /** A SUBSCRIBED arrived on the connection that is open now. */
  live(): boolean;
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
  const { settings, detector, metrics } = options;
  const logger = options.logger.child({ component: 'event-stream' });
  const coalesceMs = options.coalesceMs ?? DEFAULT_COALESCE_MS;
  const backoff = options.backoff ?? DEFAULT_RECONNECT_BACKOFF;
  const connected = metrics.gauge('mesos_dns_stream_connected', '1 while the operator API event stream is subscribed, else 0 (then the state is polled).');
  const ends = metrics.counter('mesos_dns_stream_ends_total', 'Ends of the operator API event stream, by reason.');
  const events = metrics.counter('mesos_dns_stream_events_total', 'Operator API events received, by type.');
  // The stream's own connection pool: a held response must not take a connection a poll needs.
  const dispatcher: Dispatcher = createMasterDispatcher(settings.tls, settings.timeoutMs, masterConnectTimeoutMs(settings));
  let pending: Buffer[] = [];
  /** Wall-clock ms of the last event that changes something. */
  let lastChangeAt = 0;
  let resyncDeferrals = 0;
  /** The current connection is being ended on purpose, for a fresh snapshot. */
  let restarting = false;
  let pendingFresh = false;
  let isLive = false;
  let heardAt: number | undefined;
  let source = '';
  let closed = false;
  let current: AbortController | undefined;
  let wake: (() => void) | undefined;
  let coalescing: NodeJS.Timeout | undefined;
  let carryOverEnd: NodeJS.Timeout | undefined;
  let loopDone: Promise<void> = Promise.resolve();
  /** The leader that answered 404: not asked again until the leader changes. */
  let unsupportedLeader: string | undefined;
  let leaderChangedSinceStart = false;

  function publishSoon(reason: string): void {
    if (coalescing) return;
    coalescing = setTimeout(() => {
      coalescing = undefined;
      if (isLive && !closed) options.onPublish(reason);
    }, coalesceMs);
  }

  /** Ends the current connection on purpose; the loop subscribes again at once. */
  function restart(): void {
    restarting = isLive || current !== undefined;
    setLive(false);
    pending = [];
    pendingFresh = false;
    current?.abort(new Error('restart'));
    wake?.();
  }

  function setLive(next: boolean): void {
    isLive = next;
    connected.set(next ? 1 : 0);
  }

  /** The master to subscribe to: the known leader, else the list's entries in turn. */
  function target(attempt: number): string | undefined {
    const list = detector.current();
    if (list.leader) return list.leader;
    const candidates = list.masters.filter((m) => m !== '');
    return candidates.length === 0 ? undefined : candidates[attempt % candidates.length];
  }

  function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      function done(): void {
        clearTimeout(t);
        wake = undefined;
        resolve();
      }
      wake = done;
    });
  }

  async function loop(): Promise<void> {
    let failures = 0;
    for (let attempt = 0; !closed; attempt++) {
      const master = target(attempt);
      if (master === undefined || master === unsupportedLeader) {
        // No master known, or the leader has no operator API: wait for a change (polling covers it).
        await sleep(master === undefined ? backoff.maxMs : 60_000);
        continue;
      }
      const controller = new AbortController();
      current = controller;
      const startedAt = performance.now();
      try {
        await subscribe(master, {
          settings,
          dispatcher,
          signal: controller.signal,
          handlers: {
            onSubscribed(record, answeredBy) {
              heardAt = Date.now();
              // A snapshot voids everything before it.
              pending = [record];
              pendingFresh = true;
              source = answeredBy;
              setLive(true);
              logger.info({ master: answeredBy, snapshotBytes: record.length }, 'event stream subscribed');
              publishSoon('stream snapshot');
            },
            onEvent(record, type) {
              heardAt = Date.now();
              const known = KNOWN_EVENT_TYPES.has(type);
              // The label is the master's text: only known types get their own series.
              events.inc({ type: known ? type : 'other' });
              // Heartbeats and types no record depends on change nothing.
              if (!known || type === 'HEARTBEAT') return;
              pending.push(record);
              lastChangeAt = Date.now();
              publishSoon('stream events');
            },
          },
        });
      } catch (err) {
        const end = err instanceof StreamEnd ? err : new StreamEnd(StreamEndReason.CONNECT, master, String(err), { cause: err });
        const wasLive = isLive;
        setLive(false);
        current = undefined;
        if (closed) break;
        ends.inc({ reason: end.reason });
        if (performance.now() - startedAt >= STABLE_CONNECTION_MS && wasLive) failures = 0;
        if (end.reason === StreamEndReason.UNSUPPORTED) {
          unsupportedLeader = master;
          logger.warn({ master: end.master }, 'the master has no operator API (HTTP 404); polling /master/state every RefreshSeconds instead');
          // The start-up reload has polled already; after a leader change nothing has, so poll now.
          if (leaderChangedSinceStart) options.onPublish('no operator API');
          continue;
        }
        if (end.reason !== StreamEndReason.ABORTED) failures++;
        const delayMs = backoffDelay(failures, backoff, options.random);
        if (restarting) {
          restarting = false;
          logger.info({ master: end.master, retryInMs: delayMs }, 'event stream restarted for a fresh snapshot');
        } else {
          logger.warn({ master: end.master, cause: end.reason, err: { message: end.message }, wasLive, retryInMs: delayMs }, 'event stream ended; polling until it is back');
        }
        await sleep(delayMs);
      }
    }
  }

  const offDetector = detector.onChange((_list, leaderChanged) => {
    if (!leaderChanged) return;
    unsupportedLeader = undefined;
    leaderChangedSinceStart = true;
    // A new leader: the old stream is from a master that no longer leads. Start over now, and let
    // reloads poll until the new one is subscribed.
    setLive(false);
    current?.abort(new Error('leader changed'));
    wake?.();
  });

  return {
    start() {
      loopDone = loop();
    },
    live: () => isLive,
    lastHeardAt: () => (isLive ? heardAt : undefined),
    takeRecords() {
      if (!isLive) return undefined;
      const taken: StreamRecords = { records: pending, fresh: pendingFresh, source };
      pending = [];
      pendingFresh = false;
      return taken;
    },
    publishAt(wallMs) {
      clearTimeout(carryOverEnd);
      carryOverEnd = setTimeout(() => publishSoon('carry-over ended'), Math.max(0, wallMs - Date.now()) + 1);
      carryOverEnd.unref();
    },
    resubscribe() {
      logger.warn({ master: source }, 'the reload worker does not hold the streamed state; subscribing again for a fresh snapshot');
      restart();
    },
    periodicResync() {
      if (!isLive) return;
      const quiet = Date.now() - lastChangeAt >= RESYNC_QUIET_MS;
      if (!quiet && ++resyncDeferrals < RESYNC_MAX_DEFERRALS) return;
      resyncDeferrals = 0;
      logger.info({ master: source, quiet }, 'periodic resync: subscribing again for a fresh snapshot');
      restart();
    },
    async close() {
      if (closed) return;
      closed = true;
      offDetector();
      clearTimeout(coalescing);
      clearTimeout(carryOverEnd);
      current?.abort(new Error('closed'));
      wake?.();
      await loopDone;
      setLive(false);
      await dispatcher.destroy();
    },
  };
}
