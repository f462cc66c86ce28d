// The forwarder's metrics, registered once per forwarder.
import type { Counter, Gauge, Histogram, MetricsRegistry } from '../metrics.js';

const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

export interface ForwardMetrics {
  /** Upstream attempts by upstream label and outcome. */
  readonly attempts: Counter;
  readonly duration: Histogram;
  readonly cacheHits: Counter;
  readonly cacheMisses: Counter;
  readonly inFlight: Gauge;
  readonly rejected: Counter;
  readonly servfails: Counter;
  readonly refused: Counter;
  readonly notAllowed: Counter;
  readonly dedup: Counter;
  readonly truncated: Counter;
}

/** `cacheSize` is read when the metrics are collected (the cache may be replaced on reload). */
export function createForwardMetrics(
  m: MetricsRegistry,
  cacheSize: () => { readonly entries: number; readonly bytes: number },
): ForwardMetrics {
  // Registered in this order so /metrics lists them as before.
  const attempts = m.counter('mesos_dns_forwards_total', 'Upstream attempts by upstream and outcome.');
  const duration = m.histogram(
    'mesos_dns_forward_duration_seconds',
    'Time from sending a query upstream to its reply, by upstream.',
    DURATION_BUCKETS,
  );
  const cacheHits = m.counter('mesos_dns_forward_cache_hits_total', 'Forwarded queries answered from the cache.');
  const cacheMisses = m.counter('mesos_dns_forward_cache_misses_total', 'Cacheable forwarded queries not in the cache.');
  const cacheEntries = m.gauge('mesos_dns_forward_cache_entries', 'Answers in the forward cache.');
  const cacheBytes = m.gauge('mesos_dns_forward_cache_bytes', 'Approximate size of the forward cache.');
  cacheEntries.collect(() => cacheEntries.set(cacheSize().entries));
  cacheBytes.collect(() => cacheBytes.set(cacheSize().bytes));
  const inFlight = m.gauge('mesos_dns_forwards_in_flight', 'Upstream exchanges in flight.');
  inFlight.set(0);
  const metrics: ForwardMetrics = {
    attempts,
    duration,
    cacheHits,
    cacheMisses,
    inFlight,
    rejected: m.counter('mesos_dns_forwards_rejected_total', 'Forwards refused because too many were in flight.'),
    servfails: m.counter('mesos_dns_forward_servfail_total', 'SERVFAIL answers given by the forwarder, by reason.'),
    refused: m.counter('mesos_dns_forward_refused_total', 'Queries refused because forwarding is off.'),
    notAllowed: m.counter('mesos_dns_forward_not_allowed_total', 'Queries refused because the client is outside ExternalAllowFrom.'),
    dedup: m.counter('mesos_dns_forward_dedup_total', 'Forwarded queries that joined an identical exchange in flight.'),
    truncated: m.counter('mesos_dns_forward_truncated_total', 'Forwarded replies too big for the client, sent truncated.'),
  };
  return metrics;
}
