// One exchange with the upstream resolvers for one query: the attempts, their slots and the deadline.
//
// The client's message goes out with a fresh random ID, over the client's transport, retried over TCP
// when a UDP reply is truncated, failing over to the next resolver on timeout, network error,
// unparsable reply, SERVFAIL or REFUSED.
//
// Deadline budget (so a client such as dig, waiting `timeout` seconds, gets SERVFAIL in time):
// the whole exchange has `timeout` minus a margin of min(0.5 s, timeout/10) (4.5 s for the
// default 5 s). Each resolver in turn gets a slot of min(remaining, max(250 ms,
// remaining / resolvers not yet tried)); a fast failure (ICMP refused, SERVFAIL, REFUSED) moves
// to the next resolver at once and leaves its time to the others. When a slot runs out the next
// resolver is asked but the slow one is still listened to: whichever valid reply comes first,
// before the overall deadline, wins.
import { randomFillSync } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Logger } from '../log.js';
import { startTcpAttempt, startUdpAttempt } from './exchange.js';
import type { Attempt, AttemptOutcome } from './exchange.js';
import type { ForwardMetrics } from './forward-metrics.js';
import type { Transport } from './types.js';
import type { Upstream } from './upstreams.js';
import { Flag, fullRcode, Rcode, setId } from './wire.js';
import type { MessageLayout, QuestionInfo } from './wire.js';

/** Smallest slot an upstream attempt gets, whatever the number of resolvers. */
export const MIN_ATTEMPT_MS = 250;

/** The overall budget of one exchange for a `timeout` in seconds (see the file comment). */
export function exchangeBudgetMs(timeoutSeconds: number): number {
  const timeoutMs = (timeoutSeconds > 0 ? timeoutSeconds : 5) * 1000;
  return timeoutMs - Math.min(500, timeoutMs / 10);
}

/** The slot of the next attempt, given the time left and the resolvers not yet tried. */
export function attemptSlotMs(remainingMs: number, upstreamsLeft: number): number {
  return Math.min(remainingMs, Math.max(MIN_ATTEMPT_MS, remainingMs / Math.max(1, upstreamsLeft)));
}

/** Query IDs: from `random` (like Math.random) when given, else crypto-random, drawn 512 at a time. */
export function createIdSource(random: (() => number) | undefined): () => number {
  if (random) return () => Math.floor(random() * 0x10000) & 0xffff;
  const pool = new Uint16Array(512);
  let next = pool.length;
  return () => {
    if (next >= pool.length) {
      randomFillSync(pool);
      next = 0;
    }
    return pool[next++] as number;
  };
}

export interface UpstreamReply {
  readonly bytes: Buffer;
  readonly layout: MessageLayout;
  readonly upstream: Upstream;
}

export type ExchangeResult =
  | (UpstreamReply & {
      readonly kind: 'reply';
      /** A truncated UDP reply relayed because the TCP retry (and every other resolver) failed. */
      readonly fallback: boolean;
    })
  | { readonly kind: 'failed'; readonly attempts: readonly AttemptRecord[] };

export interface AttemptRecord {
  readonly upstream: string;
  readonly transport: Transport;
  readonly outcome: string;
  readonly code?: string;
}

export interface RunningExchange {
  readonly result: Promise<ExchangeResult>;
  cancel(): void;
}

export interface ExchangeContext {
  readonly budgetMs: number;
  readonly nextId: () => number;
  readonly metrics: Pick<ForwardMetrics, 'attempts' | 'duration'>;
  readonly logger: Logger;
}

/** Starts the exchange at once; its result never rejects. */
export function runExchange(
  query: Uint8Array,
  layout: MessageLayout,
  upstreams: readonly Upstream[],
  transport: Transport,
  context: ExchangeContext,
): RunningExchange {
  const question = layout.question;
  if (!question) throw new Error('runExchange needs a question');
  const exchange = new UpstreamExchange(query, question, upstreams, transport, context);
  return { result: exchange.result, cancel: () => exchange.finish(undefined, true) };
}

interface Live {
  readonly attempt: Attempt;
  readonly startedAt: number;
  slotExpired: boolean;
}

class UpstreamExchange {
  readonly result: Promise<ExchangeResult>;
  private resolveResult: (result: ExchangeResult) => void = () => undefined;
  private readonly deadline: number;
  private readonly overallTimer: NodeJS.Timeout;
  private readonly live = new Set<Live>();
  private readonly attempts: AttemptRecord[] = [];
  /** The attempt whose slot is running (undefined once the last resolver's slot has run out). */
  private current: Live | undefined;
  private slotTimer: NodeJS.Timeout | undefined;
  private next = 0;
  private finished = false;
  private fallback: UpstreamReply | undefined;

  constructor(
    private readonly query: Uint8Array,
    private readonly question: QuestionInfo,
    private readonly upstreams: readonly Upstream[],
    private readonly transport: Transport,
    private readonly context: ExchangeContext,
  ) {
    this.result = new Promise<ExchangeResult>((resolve) => {
      this.resolveResult = resolve;
    });
    this.deadline = performance.now() + context.budgetMs;
    this.overallTimer = setTimeout(() => this.finish(undefined, true), context.budgetMs);
    this.launchNext();
  }

  private count(upstream: Upstream, outcome: string): void {
    this.context.metrics.attempts.inc({ upstream: upstream.label, outcome });
  }

  private launch(upstream: Upstream, transport: Transport): Live {
    const id = this.context.nextId();
    const bytes = Buffer.from(this.query);
    setId(bytes, id);
    const q = this.question;
    const expected = { id, qnameKey: q.key, qtype: q.qtype, qclass: q.qclass };
    const onSpoof = (reason: string): void => {
      this.count(upstream, 'spoofed');
      this.context.logger.debug({ upstream: upstream.label, reason }, 'ignored a reply that does not match the query');
    };
    const attempt =
      transport === 'udp' ? startUdpAttempt(upstream, bytes, expected, onSpoof) : startTcpAttempt(upstream, bytes, expected, onSpoof);
    const entry: Live = { attempt, startedAt: performance.now(), slotExpired: false };
    this.live.add(entry);
    void attempt.done.then((outcome) => this.onOutcome(entry, outcome));
    return entry;
  }

  private launchNext(): void {
    if (this.slotTimer) clearTimeout(this.slotTimer);
    this.slotTimer = undefined;
    this.current = undefined;
    if (this.finished) return;
    const remaining = this.deadline - performance.now();
    const upstream = this.upstreams[this.next];
    if (!upstream || remaining < 1) {
      if (this.live.size === 0) this.finish(undefined, false);
      return;
    }
    this.next += 1;
    const slot = attemptSlotMs(remaining, this.upstreams.length - this.next + 1);
    const entry = this.launch(upstream, this.transport);
    this.current = entry;
    this.slotTimer = setTimeout(() => {
      entry.slotExpired = true;
      this.launchNext();
    }, slot);
  }

  private failed(entry: Live): void {
    if (this.current === entry) this.launchNext();
    else if (this.current === undefined && this.live.size === 0) this.finish(undefined, false);
  }

  private onOutcome(entry: Live, outcome: AttemptOutcome): void {
    this.live.delete(entry);
    if (this.finished || outcome.kind === 'cancelled') return;
    if (outcome.kind === 'reply') this.onReply(entry, outcome.bytes, outcome.layout);
    else this.onFailure(entry, outcome.kind === 'error' ? outcome.code : undefined);
  }

  private onReply(entry: Live, bytes: Buffer, layout: MessageLayout): void {
    const { upstream, transport } = entry.attempt;
    this.context.metrics.duration.observe((performance.now() - entry.startedAt) / 1000, { upstream: upstream.label });
    const rcode = fullRcode(layout);
    if (rcode === Rcode.SERVFAIL || rcode === Rcode.REFUSED) {
      const name = rcode === Rcode.SERVFAIL ? 'servfail' : 'refused';
      this.count(upstream, name);
      this.attempts.push({ upstream: upstream.label, transport, outcome: name });
      this.failed(entry);
      return;
    }
    if (transport === 'udp' && layout.flags & Flag.TC) {
      this.count(upstream, 'truncated_retry');
      this.attempts.push({ upstream: upstream.label, transport, outcome: 'truncated_retry' });
      this.fallback ??= { bytes, layout, upstream };
      const retry = this.launch(upstream, 'tcp');
      retry.slotExpired = entry.slotExpired;
      if (this.current === entry) this.current = retry;
      return;
    }
    this.count(upstream, 'ok');
    this.finish({ bytes, layout, upstream }, false);
  }

  /** `code` is the network error's code; undefined for an unparsable reply. */
  private onFailure(entry: Live, code: string | undefined): void {
    const { upstream, transport } = entry.attempt;
    const name = code === undefined ? 'unparsable' : 'error';
    this.count(upstream, name);
    const record: AttemptRecord =
      code === undefined
        ? { upstream: upstream.label, transport, outcome: name }
        : { upstream: upstream.label, transport, outcome: name, code };
    this.attempts.push(record);
    this.context.logger.debug(record, 'upstream attempt failed');
    this.failed(entry);
  }

  finish(reply: UpstreamReply | undefined, deadlineHit: boolean): void {
    if (this.finished) return;
    this.finished = true;
    if (this.slotTimer) clearTimeout(this.slotTimer);
    clearTimeout(this.overallTimer);
    for (const entry of this.live) {
      const { upstream, transport } = entry.attempt;
      const outcome = deadlineHit || entry.slotExpired || !reply ? 'timeout' : 'abandoned';
      this.count(upstream, outcome);
      this.attempts.push({ upstream: upstream.label, transport, outcome });
      entry.attempt.cancel();
    }
    this.live.clear();
    if (reply) this.resolveResult({ kind: 'reply', ...reply, fallback: false });
    else if (this.fallback) this.resolveResult({ kind: 'reply', ...this.fallback, fallback: true });
    else this.resolveResult({ kind: 'failed', attempts: this.attempts });
  }
}
