// The forwarder: answers a query that is not ours by asking upstream resolvers.
//
// Per query: REFUSED when forwarding is off or the client is not allowed; else pick the resolvers
// (most specific zone of ZoneResolvers, else Resolvers), serve from the answer cache if possible,
// join an identical exchange already in flight if there is one, else run an exchange
// (upstream-exchange.ts: attempts, fail-over, deadline). The reply goes back with the client's ID,
// sized to the client's limit (reply-sizing.ts).
import { type Logger, type LogLimiter, createLogLimiter } from '../log.js';
import type { MetricsRegistry } from '../metrics.js';
import { clientKey, networkMatcher, parseNetworks } from '../net/networks.js';
import { cacheKeyOf, createForwardCache } from './cache.js';
import type { ForwardCache } from './cache.js';
import { createForwardMetrics, type ForwardMetrics } from './forward-metrics.js';
import { InFlightExchanges } from './in-flight.js';
import { replyForClient, shareableReply, type SharedReply } from './reply-sizing.js';
import type { ForwardSettings } from './settings.js';
import type { Forwarder, ForwardRequest } from './types.js';
import { createIdSource, exchangeBudgetMs, runExchange, type ExchangeResult, type RunningExchange } from './upstream-exchange.js';
import { planUpstreams, selectUpstreams } from './upstreams.js';
import type { Upstream, UpstreamPlan } from './upstreams.js';
import { buildMinimalReply, Rcode } from './wire.js';
import type { MessageLayout, QuestionInfo } from './wire.js';

export interface ForwarderOptions {
  readonly logger: Logger;
  readonly metrics: MetricsRegistry;
  readonly settings: ForwardSettings;
  /** Source of query IDs, like Math.random (a value in [0, 1)); crypto-random when absent. */
  readonly random?: () => number;
  /** Cache clock in milliseconds (Date.now when absent). */
  readonly now?: () => number;
}

export type ConfigurableForwarder = Forwarder & {
  /** Applies new settings (resolvers, timeout, cache settings, switches) to later queries. */
  setSettings(settings: ForwardSettings): void;
};

interface SharedResult {
  readonly result: ExchangeResult;
  /** The reply others may receive (client cookie removed), when it can be shared. */
  readonly shared: SharedReply | undefined;
}

function planKey(settings: ForwardSettings): string {
  return JSON.stringify([settings.resolvers, settings.zoneResolvers, settings.unusableResolvers]);
}

function cacheSettingsKey(settings: ForwardSettings): string {
  return JSON.stringify([settings.forwardCacheOn, settings.forwardCacheMaxEntries, settings.forwardCacheMaxBytes]);
}

export function createForwarder(options: ForwarderOptions): ConfigurableForwarder {
  return new UpstreamForwarder(options);
}

class UpstreamForwarder implements ConfigurableForwarder {
  private readonly logger: Logger;
  private readonly now: () => number;
  private readonly nextId: () => number;
  private readonly limitLog: LogLimiter;
  private readonly metrics: ForwardMetrics;
  private settings: ForwardSettings;
  private plan: UpstreamPlan;
  private currentPlanKey: string;
  private cache: ForwardCache | undefined;
  private currentCacheKey: string;
  private allowedClient: (client: string) => boolean;
  private allowedKey: string;
  private readonly inFlight = new InFlightExchanges();
  private closed = false;
  private closing: Promise<void> | undefined;
  private readonly exchanges = new Set<RunningExchange>();
  private readonly pendingByKey = new Map<string, Promise<SharedResult>>();

  constructor(options: ForwarderOptions) {
    this.logger = options.logger.child({ component: 'forward' });
    this.now = options.now ?? Date.now;
    this.nextId = createIdSource(options.random);
    this.limitLog = createLogLimiter(this.now);
    this.metrics = createForwardMetrics(options.metrics, () => ({
      entries: this.cache?.entries ?? 0,
      bytes: this.cache?.bytes ?? 0,
    }));
    const settings = options.settings;
    this.settings = settings;
    this.plan = this.buildPlan(settings);
    this.currentPlanKey = planKey(settings);
    this.cache = this.buildCache(settings);
    this.currentCacheKey = cacheSettingsKey(settings);
    this.allowedClient = networkMatcher(parseNetworks(settings.externalAllowFrom));
    this.allowedKey = settings.externalAllowFrom.join(',');
  }

  private buildPlan(settings: ForwardSettings): UpstreamPlan {
    if (settings.unusableResolvers.length > 0) {
      this.logger.warn({ invalid: settings.unusableResolvers }, 'ignoring resolver addresses that are not ip or ip:port');
    }
    return planUpstreams(settings.resolvers, settings.zoneResolvers);
  }

  private buildCache(settings: ForwardSettings): ForwardCache | undefined {
    const { forwardCacheOn, forwardCacheMaxEntries, forwardCacheMaxBytes } = settings;
    if (!forwardCacheOn || forwardCacheMaxEntries <= 0 || forwardCacheMaxBytes <= 0) return undefined;
    return createForwardCache({ maxEntries: forwardCacheMaxEntries, maxBytes: forwardCacheMaxBytes, now: this.now });
  }

  private servfail(request: ForwardRequest, layout: MessageLayout | undefined, reason: string): Uint8Array {
    this.metrics.servfails.inc({ reason });
    return buildMinimalReply(request.query, layout, { rcode: Rcode.SERVFAIL });
  }

  private finalize(bytes: Uint8Array, layout: MessageLayout, request: ForwardRequest, owned: boolean): Uint8Array {
    return replyForClient(bytes, layout, request, owned, {
      setTruncateBit: this.settings.setTruncateBit,
      onTruncated: () => this.metrics.truncated.inc(),
    });
  }

  private respond(shared: SharedResult, request: ForwardRequest, leader: boolean): Uint8Array {
    const r = shared.result;
    if (r.kind === 'failed') return this.servfail(request, request.layout, 'all_failed');
    if (!leader && shared.shared) return this.finalize(shared.shared.bytes, shared.shared.layout, request, false);
    return this.finalize(r.bytes, r.layout, request, false);
  }

  async forward(request: ForwardRequest): Promise<Uint8Array> {
    try {
      return await this.forwardUnsafe(request);
    } catch (err) {
      this.limitLog('internal', (suppressed) => this.logger.error({ err, suppressed }, 'forwarding failed unexpectedly'));
      try {
        return this.servfail(request, request.layout, 'internal');
      } catch {
        return buildMinimalReply(request.query, undefined, { rcode: Rcode.SERVFAIL });
      }
    }
  }

  /** The upstreams to ask, or the reply when the query is not forwarded (refused, closed, nowhere to go). */
  private upstreamsOrRefusal(request: ForwardRequest, question: QuestionInfo): readonly Upstream[] | Uint8Array {
    const queryLayout = request.layout;
    if (!this.settings.externalOn) {
      this.metrics.refused.inc();
      return buildMinimalReply(request.query, queryLayout, { rcode: Rcode.REFUSED });
    }
    if (!this.allowedClient(request.client)) {
      this.metrics.notAllowed.inc();
      return buildMinimalReply(request.query, queryLayout, { rcode: Rcode.REFUSED });
    }
    if (this.closed) {
      this.limitLog('closed', (suppressed) => this.logger.info({ suppressed }, 'forwarder closed, answering SERVFAIL'));
      return this.servfail(request, queryLayout, 'closed');
    }
    const upstreams = selectUpstreams(this.plan, question.labels);
    if (upstreams.length === 0) {
      this.limitLog('no-upstreams', (suppressed) =>
        this.logger.warn({ qname: question.key, suppressed }, 'no upstream resolvers configured for a forwarded query'),
      );
      return this.servfail(request, queryLayout, 'no_upstreams');
    }
    return upstreams;
  }

  private async forwardUnsafe(request: ForwardRequest): Promise<Uint8Array> {
    const question = request.layout.question;
    if (!question) {
      this.limitLog('bad-query', (suppressed) => this.logger.warn({ suppressed }, 'cannot forward a query without a readable question'));
      return this.servfail(request, request.layout, 'bad_query');
    }
    const upstreams = this.upstreamsOrRefusal(request, question);
    if (upstreams instanceof Uint8Array) return upstreams;

    const key = cacheKeyOf(request.layout);
    const activeCache = this.cache;
    if (activeCache && key !== undefined) {
      const hit = activeCache.get(key);
      if (hit) {
        this.metrics.cacheHits.inc();
        return this.finalize(hit.bytes, hit.layout, request, true);
      }
      this.metrics.cacheMisses.inc();
    }

    const pendingKey = key === undefined ? undefined : `${request.transport}|${key}`;
    const pending = pendingKey === undefined ? undefined : this.pendingByKey.get(pendingKey);
    if (pending) {
      this.metrics.dedup.inc();
      return this.respond(await pending, request, false);
    }
    return this.exchange(request, question, upstreams, key, activeCache);
  }

  /** Runs a new exchange when the in-flight limits allow it; shares it with identical queries meanwhile. */
  private async exchange(
    request: ForwardRequest,
    question: QuestionInfo,
    upstreams: readonly Upstream[],
    key: string | undefined,
    activeCache: ForwardCache | undefined,
  ): Promise<Uint8Array> {
    const client = clientKey(request.client);
    const admission = this.inFlight.admit(client, this.settings.maxForwardsInFlight, this.settings.maxForwardsPerClient);
    if (admission !== 'admitted') return this.refuseForLoad(request, admission, client);
    this.metrics.inFlight.set(this.inFlight.count);
    const running = runExchange(request.query, request.layout, upstreams, request.transport, {
      budgetMs: exchangeBudgetMs(this.settings.timeout),
      nextId: this.nextId,
      metrics: this.metrics,
      logger: this.logger,
    });
    this.exchanges.add(running);
    const done = running.result.then((result): SharedResult => {
      if (result.kind !== 'reply') return { result, shared: undefined };
      const shared = key === undefined ? undefined : shareableReply(result.bytes, result.layout);
      if (shared && activeCache && key !== undefined && !result.fallback && activeCache === this.cache) {
        activeCache.set(key, shared.bytes, shared.layout);
      }
      return { result, shared };
    });
    const pendingKey = key === undefined ? undefined : `${request.transport}|${key}`;
    if (pendingKey !== undefined) this.pendingByKey.set(pendingKey, done);
    let outcome: SharedResult;
    try {
      outcome = await done;
    } finally {
      this.inFlight.release(client);
      this.metrics.inFlight.set(this.inFlight.count);
      this.exchanges.delete(running);
      if (pendingKey !== undefined && this.pendingByKey.get(pendingKey) === done) this.pendingByKey.delete(pendingKey);
    }
    if (outcome.result.kind === 'failed') {
      const attempts = outcome.result.attempts;
      this.limitLog(`all-failed|${upstreams.map((u) => u.label).join(',')}`, (suppressed) =>
        this.logger.warn(
          { qname: question.key, qtype: question.qtype, attempts, suppressed },
          'every upstream resolver failed, answering SERVFAIL',
        ),
      );
    }
    return this.respond(outcome, request, true);
  }

  private refuseForLoad(request: ForwardRequest, admission: 'rejected' | 'client_share', client: string): Uint8Array {
    this.metrics.rejected.inc();
    if (admission === 'rejected') {
      const limit = this.settings.maxForwardsInFlight;
      this.limitLog('in-flight-cap', (suppressed) =>
        this.logger.warn({ limit, suppressed }, 'too many forwards in flight, answering SERVFAIL'),
      );
    } else {
      const limit = this.settings.maxForwardsPerClient;
      this.limitLog('client-share', (suppressed) =>
        this.logger.warn({ client, limit, suppressed }, 'one client holds its share of forwards in flight, answering SERVFAIL'),
      );
    }
    return this.servfail(request, request.layout, admission);
  }

  setSettings(next: ForwardSettings): void {
    this.settings = next;
    const nextAllowedKey = next.externalAllowFrom.join(',');
    if (nextAllowedKey !== this.allowedKey) {
      this.allowedClient = networkMatcher(parseNetworks(next.externalAllowFrom));
      this.allowedKey = nextAllowedKey;
    }
    const nextPlanKey = planKey(next);
    if (nextPlanKey !== this.currentPlanKey) {
      this.plan = this.buildPlan(next);
      this.currentPlanKey = nextPlanKey;
      // Answers from the old resolvers may not be what the new ones say.
      this.cache?.clear();
    }
    const nextCacheKey = cacheSettingsKey(next);
    if (nextCacheKey !== this.currentCacheKey) {
      this.cache?.clear();
      this.cache = this.buildCache(next);
      this.currentCacheKey = nextCacheKey;
    }
  }

  close(): Promise<void> {
    if (this.closing) return this.closing;
    this.closed = true;
    this.closing = this.drain();
    return this.closing;
  }

  private async drain(): Promise<void> {
    if (this.exchanges.size > 0) {
      // Exchanges end by themselves within their budget; the timer is only a safety net.
      let timer: NodeJS.Timeout | undefined;
      const waitAll = Promise.allSettled([...this.exchanges].map((e) => e.result));
      const limit = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, exchangeBudgetMs(this.settings.timeout) + 100);
      });
      await Promise.race([waitAll, limit]);
      if (timer) clearTimeout(timer);
      for (const e of this.exchanges) e.cancel();
    }
    this.cache?.clear();
  }
}
