// Metrics the HTTP server owns: the served table (computed at scrape time from the store, so they
// are never stale) and the server's own request/connection counters.
import type { Counter, Gauge, Histogram, MetricsRegistry } from '../metrics.js';
import type { RecordStore } from '../records/store.js';

export interface HttpMetrics {
  readonly requests: Counter;
  readonly duration: Histogram;
  readonly lookups: Counter;
  readonly connections: Gauge;
  readonly inFlight: Gauge;
  readonly rejectedConnections: Counter;
  readonly clientErrors: Counter;
}

const DURATION_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

/** Registers the record-table gauges; their values are read from the store at every scrape. */
export function registerTableMetrics(metrics: MetricsRegistry, store: RecordStore, now: () => number): void {
  const records = metrics.gauge('mesos_dns_records', 'Records in the served table, by type.');
  const names = metrics.gauge('mesos_dns_record_names', 'Distinct names in the served table.');
  const generation = metrics.gauge('mesos_dns_table_generation', 'Tables swapped in since start (0 before the first).');
  const serial = metrics.gauge('mesos_dns_table_serial', 'SOA serial of the served table.');
  const age = metrics.gauge('mesos_dns_table_age_seconds', 'Seconds since the served table was swapped in.');
  records.collect(() => {
    const counts = store.current()?.table.counts;
    records.set(counts?.a ?? 0, { type: 'A' });
    records.set(counts?.aaaa ?? 0, { type: 'AAAA' });
    records.set(counts?.srv ?? 0, { type: 'SRV' });
    records.set(counts?.ptr ?? 0, { type: 'PTR' });
    records.set(counts?.cname ?? 0, { type: 'CNAME' });
  });
  names.collect(() => names.set(store.current()?.table.counts.names ?? 0));
  generation.collect(() => generation.set(store.current()?.generation ?? 0));
  serial.collect(() => serial.set(store.current()?.serial ?? 0));
  age.collect(() => {
    const snapshot = store.current();
    // No table yet: NaN says "unknown" rather than a misleading 0.
    age.set(snapshot ? Math.max(0, (now() - snapshot.loadedAt) / 1000) : Number.NaN);
  });
}

export function registerHttpMetrics(metrics: MetricsRegistry): HttpMetrics {
  return {
    requests: metrics.counter('mesos_dns_http_requests_total', 'HTTP requests answered, by route and status.'),
    duration: metrics.histogram(
      'mesos_dns_http_request_duration_seconds',
      'Time from request to the last byte handed to the socket, by route.',
      DURATION_BUCKETS,
    ),
    lookups: metrics.counter(
      'mesos_dns_http_lookups_total',
      'Mesos-DNS request counters for /v1/hosts and /v1/services: result found, not_found or outside_domain.',
    ),
    connections: metrics.gauge('mesos_dns_http_connections', 'Open HTTP connections.'),
    inFlight: metrics.gauge('mesos_dns_http_requests_in_flight', 'HTTP requests being handled (body, routing or streaming).'),
    rejectedConnections: metrics.counter(
      'mesos_dns_http_connections_closed_total',
      'HTTP connections closed by the server to stay under the connection cap or a client\'s share, by reason.',
    ),
    clientErrors: metrics.counter('mesos_dns_http_client_errors_total', 'Malformed, oversized or timed-out HTTP requests, by code.'),
  };
}
