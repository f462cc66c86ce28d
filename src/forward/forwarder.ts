// The forwarder: answers a query that is not ours by asking upstream resolvers.
//
// Per query: REFUSED when forwarding is off; else pick the resolvers (most specific zone of
// ZoneResolvers, else Resolvers), serve from the answer cache if possible, join an identical
// exchange already in flight if there is one, else run an exchange: the client's message with a
// fresh random ID, over the client's transport, retried over TCP when a UDP reply is truncated,
// failing over to the next resolver on timeout, network error, unparsable reply, SERVFAIL or
// REFUSED. The reply goes back with the client's ID, sized to the client's limit.
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
import type { Config } from '../config/types.js';
import { type Logger, createLogLimiter } from '../log.js';
import type { MetricsRegistry } from '../metrics.js';
import { clientKey, networkMatcher, parseNetworks } from '../net/networks.js';
import { cacheKeyOf, createForwardCache } from './cache.js';
import type { ForwardCache } from './cache.js';
import { startTcpAttempt, startUdpAttempt } from './exchange.js';
import type { Attempt, AttemptOutcome } from './exchange.js';
import type { Forwarder, ForwardRequest, Transport } from './types.js';
import { planUpstreams, selectUpstreams } from './upstreams.js';
import type { Upstream, UpstreamPlan } from './upstreams.js';
import {
  bareOptOf,
  buildMinimalReply,
  copyQuestionSpelling,
  EdnsOption,
  encodeOpt,
  Flag,
  fullRcode,
  parseLayout,
  Rcode,
  setFlag,
  setId,
  truncateToFit,
  withoutEdnsOptions,
} from './wire.js';
import type { MessageLayout } from './wire.js';

export interface ForwarderOptions {
  readonly logger: Logger;
  readonly metrics: MetricsRegistry;
  readonly config: Config;
  /** Source of query IDs, like Math.random (a value in [0, 1)); crypto-random when absent. */
  readonly random?: () => number;
  /** Cache clock in milliseconds (Date.now when absent). */
  readonly now?: () => number;
}

export type ConfigurableForwarder = Forwarder & {
  /** Applies a new configuration (resolvers, timeout, cache settings, switches) to later queries. */
  setConfig(config: Config): void;
};

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

type ExchangeResult =
  | {
      readonly kind: 'reply';
      readonly bytes: Buffer;
      readonly layout: MessageLayout;
      readonly upstream: Upstream;
      /** A truncated UDP reply relayed because the TCP retry (and every other resolver) failed. */
      readonly fallback: boolean;
    }
  | { readonly kind: 'failed'; readonly attempts: readonly AttemptRecord[] };

interface AttemptRecord {
  readonly upstream: string;
  readonly transport: Transport;
  readonly outcome: string;
  readonly code?: string;
}

interface SharedResult {
  readonly result: ExchangeResult;
  /** The reply others may receive (client cookie removed), when it can be shared. */
  readonly shared: { readonly bytes: Uint8Array; readonly layout: MessageLayout } | undefined;
}

interface RunningExchange {
  readonly result: Promise<ExchangeResult>;
  cancel(): void;
}

const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

function createIdSource(random: (() => number) | undefined): () => number {
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

function planKey(config: Config): string {
  return JSON.stringify([config.resolvers, config.zoneResolvers]);
}

function cacheSettingsKey(config: Config): string {
  return JSON.stringify([config.forwardCacheOn, config.forwardCacheMaxEntries, config.forwardCacheMaxBytes]);
}

export function createForwarder(options: ForwarderOptions): ConfigurableForwarder {
  const logger = options.logger.child({ component: 'forward' });
  const now = options.now ?? Date.now;
  const nextId = createIdSource(options.random);
  const limitLog = createLogLimiter(now);
  const m = options.metrics;

  const forwardsTotal = m.counter('mesos_dns_forwards_total', 'Upstream attempts by upstream and outcome.');
  const duration = m.histogram(
    'mesos_dns_forward_duration_seconds',
    'Time from sending a query upstream to its reply, by upstream.',
    DURATION_BUCKETS,
  );
  const cacheHits = m.counter('mesos_dns_forward_cache_hits_total', 'Forwarded queries answered from the cache.');
  const cacheMisses = m.counter('mesos_dns_forward_cache_misses_total', 'Cacheable forwarded queries not in the cache.');
  const cacheEntries = m.gauge('mesos_dns_forward_cache_entries', 'Answers in the forward cache.');
  const cacheBytes = m.gauge('mesos_dns_forward_cache_bytes', 'Approximate size of the forward cache.');
  const inFlightGauge = m.gauge('mesos_dns_forwards_in_flight', 'Upstream exchanges in flight.');
  const rejected = m.counter('mesos_dns_forwards_rejected_total', 'Forwards refused because too many were in flight.');
  const servfails = m.counter('mesos_dns_forward_servfail_total', 'SERVFAIL answers given by the forwarder, by reason.');
  const refusedTotal = m.counter('mesos_dns_forward_refused_total', 'Queries refused because forwarding is off.');
  const notAllowedTotal = m.counter('mesos_dns_forward_not_allowed_total', 'Queries refused because the client is outside ExternalAllowFrom.');
  const dedupTotal = m.counter('mesos_dns_forward_dedup_total', 'Forwarded queries that joined an identical exchange in flight.');
  const truncatedTotal = m.counter('mesos_dns_forward_truncated_total', 'Forwarded replies too big for the client, sent truncated.');

  let config = options.config;
  let plan: UpstreamPlan = buildPlan(config);
  let currentPlanKey = planKey(config);
  let cache: ForwardCache | undefined = buildCache(config);
  let currentCacheKey = cacheSettingsKey(config);
  let inFlight = 0;
  /** Exchanges in flight per client address (clientKey form): one client gets MaxForwardsPerClient. */
  const inFlightByClient = new Map<string, number>();
  let allowedClient = networkMatcher(parseNetworks(config.externalAllowFrom));
  let allowedKey = config.externalAllowFrom.join(',');
  let closed = false;
  let closing: Promise<void> | undefined;
  const exchanges = new Set<RunningExchange>();
  const pendingByKey = new Map<string, Promise<SharedResult>>();

  cacheEntries.collect(() => cacheEntries.set(cache?.entries ?? 0));
  cacheBytes.collect(() => cacheBytes.set(cache?.bytes ?? 0));
  inFlightGauge.set(0);

  function buildPlan(c: Config): UpstreamPlan {
    const p = planUpstreams(c.resolvers, c.zoneResolvers);
    if (p.invalid.length > 0) logger.warn({ invalid: p.invalid }, 'ignoring resolver addresses that are not ip or ip:port');
    return p;
  }

  function buildCache(c: Config): ForwardCache | undefined {
    if (!c.forwardCacheOn || c.forwardCacheMaxEntries <= 0 || c.forwardCacheMaxBytes <= 0) return undefined;
    return createForwardCache({ maxEntries: c.forwardCacheMaxEntries, maxBytes: c.forwardCacheMaxBytes, now });
  }

  function servfail(request: ForwardRequest, layout: MessageLayout | undefined, reason: string): Uint8Array {
    servfails.inc({ reason });
    return buildMinimalReply(request.query, layout, { rcode: Rcode.SERVFAIL });
  }

  function countAttempt(upstream: Upstream, outcome: string): void {
    forwardsTotal.inc({ upstream: upstream.label, outcome });
  }

  function runExchange(query: Uint8Array, layout: MessageLayout, upstreams: readonly Upstream[], transport: Transport): RunningExchange {
    const question = layout.question;
    if (!question) throw new Error('runExchange needs a question');
    const budget = exchangeBudgetMs(config.timeout);
    const deadline = performance.now() + budget;
    interface Live {
      readonly attempt: Attempt;
      readonly startedAt: number;
      slotExpired: boolean;
    }
    const live = new Set<Live>();
    const attempts: AttemptRecord[] = [];
    let current: Live | undefined;
    let slotTimer: NodeJS.Timeout | undefined;
    let next = 0;
    let finished = false;
    let fallback: { bytes: Buffer; layout: MessageLayout; upstream: Upstream } | undefined;
    let resolveResult: (r: ExchangeResult) => void = () => undefined;
    const result = new Promise<ExchangeResult>((resolve) => {
      resolveResult = resolve;
    });
    const overallTimer = setTimeout(() => finish(undefined, true), budget);

    function launch(upstream: Upstream, t: Transport): Live {
      const id = nextId();
      const bytes = Buffer.from(query);
      setId(bytes, id);
      const expected = { id, qnameKey: question!.key, qtype: question!.qtype, qclass: question!.qclass };
      const onSpoof = (reason: string): void => {
        countAttempt(upstream, 'spoofed');
        logger.debug({ upstream: upstream.label, reason }, 'ignored a reply that does not match the query');
      };
      const attempt = t === 'udp' ? startUdpAttempt(upstream, bytes, expected, onSpoof) : startTcpAttempt(upstream, bytes, expected, onSpoof);
      const entry: Live = { attempt, startedAt: performance.now(), slotExpired: false };
      live.add(entry);
      void attempt.done.then((outcome) => onOutcome(entry, outcome));
      return entry;
    }

    function launchNext(): void {
      if (slotTimer) clearTimeout(slotTimer);
      slotTimer = undefined;
      current = undefined;
      if (finished) return;
      const remaining = deadline - performance.now();
      const upstream = upstreams[next];
      if (!upstream || remaining < 1) {
        if (live.size === 0) finish(undefined, false);
        return;
      }
      next += 1;
      const slot = attemptSlotMs(remaining, upstreams.length - next + 1);
      const entry = launch(upstream, transport);
      current = entry;
      slotTimer = setTimeout(() => {
        entry.slotExpired = true;
        launchNext();
      }, slot);
    }

    function failed(entry: Live): void {
      if (current === entry) launchNext();
      else if (current === undefined && live.size === 0) finish(undefined, false);
    }

    function onOutcome(entry: Live, outcome: AttemptOutcome): void {
      live.delete(entry);
      if (finished || outcome.kind === 'cancelled') return;
      const { upstream, transport: t } = entry.attempt;
      if (outcome.kind === 'reply') {
        duration.observe((performance.now() - entry.startedAt) / 1000, { upstream: upstream.label });
        const rcode = fullRcode(outcome.layout);
        if (rcode === Rcode.SERVFAIL || rcode === Rcode.REFUSED) {
          const name = rcode === Rcode.SERVFAIL ? 'servfail' : 'refused';
          countAttempt(upstream, name);
          attempts.push({ upstream: upstream.label, transport: t, outcome: name });
          failed(entry);
          return;
        }
        if (t === 'udp' && outcome.layout.flags & Flag.TC) {
          countAttempt(upstream, 'truncated_retry');
          attempts.push({ upstream: upstream.label, transport: t, outcome: 'truncated_retry' });
          fallback ??= { bytes: outcome.bytes, layout: outcome.layout, upstream };
          const retry = launch(upstream, 'tcp');
          retry.slotExpired = entry.slotExpired;
          if (current === entry) current = retry;
          return;
        }
        countAttempt(upstream, 'ok');
        finish({ bytes: outcome.bytes, layout: outcome.layout, upstream }, false);
        return;
      }
      const name = outcome.kind === 'unparsable' ? 'unparsable' : 'error';
      countAttempt(upstream, name);
      const record: AttemptRecord =
        outcome.kind === 'error'
          ? { upstream: upstream.label, transport: t, outcome: name, code: outcome.code }
          : { upstream: upstream.label, transport: t, outcome: name };
      attempts.push(record);
      logger.debug(record, 'upstream attempt failed');
      failed(entry);
    }

    function finish(reply: { bytes: Buffer; layout: MessageLayout; upstream: Upstream } | undefined, deadlineHit: boolean): void {
      if (finished) return;
      finished = true;
      if (slotTimer) clearTimeout(slotTimer);
      clearTimeout(overallTimer);
      for (const entry of live) {
        const { upstream, transport: t } = entry.attempt;
        const outcome = deadlineHit || entry.slotExpired || !reply ? 'timeout' : 'abandoned';
        countAttempt(upstream, outcome);
        attempts.push({ upstream: upstream.label, transport: t, outcome });
        entry.attempt.cancel();
      }
      live.clear();
      if (reply) resolveResult({ kind: 'reply', ...reply, fallback: false });
      else if (fallback) resolveResult({ kind: 'reply', ...fallback, fallback: true });
      else resolveResult({ kind: 'failed', attempts });
    }

    launchNext();
    return { result, cancel: () => finish(undefined, true) };
  }

  /** The reply for this client: its ID and question spelling, TC per config, within its size. */
  function finalize(
    bytes: Uint8Array,
    layout: MessageLayout,
    request: ForwardRequest,
    queryLayout: MessageLayout,
    owned: boolean,
  ): Uint8Array {
    if (layout.qdcount === 0) {
      // An error reply without a question (FORMERR/NOTIMP…): relay its rcode with the client's question.
      return buildMinimalReply(request.query, queryLayout, {
        rcode: layout.rcode,
        extraFlags: layout.flags & (Flag.AA | Flag.RA),
      });
    }
    const out = owned ? bytes : Buffer.from(bytes);
    setId(out, queryLayout.id);
    copyQuestionSpelling(out, layout, request.query, queryLayout);
    if (!config.setTruncateBit) setFlag(out, Flag.TC, false);
    if (out.length <= request.maxSize) return out;
    truncatedTotal.inc();
    const opt = queryLayout.opt
      ? layout.opt
        ? bareOptOf(out, layout.opt)
        : encodeOpt({ doBit: queryLayout.opt.doBit })
      : undefined;
    if (config.setTruncateBit) {
      // RFC 2181 §9 / RFC 1035: too big for UDP → no records and TC, the client retries over TCP.
      return buildMinimalReply(request.query, queryLayout, {
        rcode: layout.rcode,
        extraFlags: (layout.flags & (Flag.AA | Flag.RA | Flag.AD)) | Flag.TC,
        ...(opt ? { opt } : {}),
      });
    }
    // TC turned off by the operator: keep as many whole records as fit, like Mesos-DNS.
    return truncateToFit(out, layout, request.maxSize, opt);
  }

  function respond(shared: SharedResult, request: ForwardRequest, queryLayout: MessageLayout, leader: boolean): Uint8Array {
    const r = shared.result;
    if (r.kind === 'failed') return servfail(request, queryLayout, 'all_failed');
    if (!leader && shared.shared) return finalize(shared.shared.bytes, shared.shared.layout, request, queryLayout, false);
    return finalize(r.bytes, r.layout, request, queryLayout, false);
  }

  function shareable(bytes: Buffer, layout: MessageLayout): SharedResult['shared'] {
    const stripped = withoutEdnsOptions(bytes, layout, [EdnsOption.COOKIE]);
    if (!stripped) return undefined;
    if (stripped === bytes) return { bytes, layout };
    const parsed = parseLayout(stripped);
    return parsed.ok ? { bytes: stripped, layout: parsed.layout } : undefined;
  }

  async function forwardUnsafe(request: ForwardRequest): Promise<Uint8Array> {
    const queryLayout = request.layout;
    if (!queryLayout.question) {
      limitLog('bad-query', (suppressed) => logger.warn({ suppressed }, 'cannot forward a query without a readable question'));
      return servfail(request, queryLayout, 'bad_query');
    }
    const question = queryLayout.question;
    if (!config.externalOn) {
      refusedTotal.inc();
      return buildMinimalReply(request.query, queryLayout, { rcode: Rcode.REFUSED });
    }
    if (!allowedClient(request.client)) {
      notAllowedTotal.inc();
      return buildMinimalReply(request.query, queryLayout, { rcode: Rcode.REFUSED });
    }
    if (closed) {
      limitLog('closed', (suppressed) => logger.info({ suppressed }, 'forwarder closed, answering SERVFAIL'));
      return servfail(request, queryLayout, 'closed');
    }
    const upstreams = selectUpstreams(plan, question.labels);
    if (upstreams.length === 0) {
      limitLog('no-upstreams', (suppressed) =>
        logger.warn({ qname: question.key, suppressed }, 'no upstream resolvers configured for a forwarded query'),
      );
      return servfail(request, queryLayout, 'no_upstreams');
    }

    const key = cacheKeyOf(queryLayout);
    const activeCache = cache;
    if (activeCache && key !== undefined) {
      const hit = activeCache.get(key);
      if (hit) {
        cacheHits.inc();
        return finalize(hit.bytes, hit.layout, request, queryLayout, true);
      }
      cacheMisses.inc();
    }

    const pendingKey = key === undefined ? undefined : `${request.transport}|${key}`;
    if (pendingKey !== undefined) {
      const pending = pendingByKey.get(pendingKey);
      if (pending) {
        dedupTotal.inc();
        return respond(await pending, request, queryLayout, false);
      }
    }

    if (inFlight >= config.maxForwardsInFlight) {
      rejected.inc();
      limitLog('in-flight-cap', (suppressed) =>
        logger.warn({ limit: config.maxForwardsInFlight, suppressed }, 'too many forwards in flight, answering SERVFAIL'),
      );
      return servfail(request, queryLayout, 'rejected');
    }
    const client = clientKey(request.client);
    const held = inFlightByClient.get(client) ?? 0;
    if (held >= config.maxForwardsPerClient) {
      rejected.inc();
      limitLog('client-share', (suppressed) =>
        logger.warn({ client, limit: config.maxForwardsPerClient, suppressed }, 'one client holds its share of forwards in flight, answering SERVFAIL'),
      );
      return servfail(request, queryLayout, 'client_share');
    }

    inFlight += 1;
    inFlightGauge.set(inFlight);
    inFlightByClient.set(client, held + 1);
    const running = runExchange(request.query, queryLayout, upstreams, request.transport);
    exchanges.add(running);
    const done = running.result.then((result): SharedResult => {
      if (result.kind !== 'reply') return { result, shared: undefined };
      const shared = key === undefined ? undefined : shareable(result.bytes, result.layout);
      if (shared && activeCache && key !== undefined && !result.fallback && activeCache === cache) {
        activeCache.set(key, shared.bytes, shared.layout);
      }
      return { result, shared };
    });
    if (pendingKey !== undefined) pendingByKey.set(pendingKey, done);
    let outcome: SharedResult;
    try {
      outcome = await done;
    } finally {
      inFlight -= 1;
      inFlightGauge.set(inFlight);
      const left = (inFlightByClient.get(client) ?? 1) - 1;
      if (left > 0) inFlightByClient.set(client, left);
      else inFlightByClient.delete(client);
      exchanges.delete(running);
      if (pendingKey !== undefined && pendingByKey.get(pendingKey) === done) pendingByKey.delete(pendingKey);
    }
    if (outcome.result.kind === 'failed') {
      const attempts = outcome.result.attempts;
      limitLog(`all-failed|${upstreams.map((u) => u.label).join(',')}`, (suppressed) =>
        logger.warn(
          { qname: question.key, qtype: question.qtype, attempts, suppressed },
          'every upstream resolver failed, answering SERVFAIL',
        ),
      );
    }
    return respond(outcome, request, queryLayout, true);
  }

  return {
    async forward(request) {
      try {
        return await forwardUnsafe(request);
      } catch (err) {
        limitLog('internal', (suppressed) => logger.error({ err, suppressed }, 'forwarding failed unexpectedly'));
        try {
          return servfail(request, request.layout, 'internal');
        } catch {
          return buildMinimalReply(request.query, undefined, { rcode: Rcode.SERVFAIL });
        }
      }
    },

    setConfig(next) {
      config = next;
      const nextAllowedKey = next.externalAllowFrom.join(',');
      if (nextAllowedKey !== allowedKey) {
        allowedClient = networkMatcher(parseNetworks(next.externalAllowFrom));
        allowedKey = nextAllowedKey;
      }
      const nextPlanKey = planKey(next);
      if (nextPlanKey !== currentPlanKey) {
        plan = buildPlan(next);
        currentPlanKey = nextPlanKey;
        // Answers from the old resolvers may not be what the new ones say.
        cache?.clear();
      }
      const nextCacheKey = cacheSettingsKey(next);
      if (nextCacheKey !== currentCacheKey) {
        cache?.clear();
        cache = buildCache(next);
        currentCacheKey = nextCacheKey;
      }
    },

    close() {
      if (closing) return closing;
      closed = true;
      closing = (async () => {
        if (exchanges.size > 0) {
          // Exchanges end by themselves within their budget; the timer is only a safety net.
          let timer: NodeJS.Timeout | undefined;
          const waitAll = Promise.allSettled([...exchanges].map((e) => e.result));
          const limit = new Promise<void>((resolve) => {
            timer = setTimeout(resolve, exchangeBudgetMs(config.timeout) + 100);
          });
          await Promise.race([waitAll, limit]);
          if (timer) clearTimeout(timer);
          for (const e of exchanges) e.cancel();
        }
        cache?.clear();
      })();
      return closing;
    },
  };
}
