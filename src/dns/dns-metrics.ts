// The DNS server's metrics, registered once in the shared registry (names prefixed mesos_dns_).
// Label objects are interned so the per-query cost stays a map lookup and an addition.
import type { Counter, Gauge, Labels, MetricsRegistry } from '../metrics.js';
import { qtypeLabel, rcodeLabel } from './constants.js';
import type { ReplyInfo } from './handle.js';

export interface DnsMetrics {
  /** One reply we sent (authoritative, rejected, or relayed from upstream). */
  reply(qtype: number, rcode: number): void;
  answered(info: ReplyInfo): void;
  readonly hotHits: Counter;
  readonly hotMisses: Counter;
  readonly dropped: Counter;
  readonly rejected: Counter;
  readonly errors: Counter;
  readonly tcpConnections: Gauge;
  readonly tcpClosed: Counter;
  readonly cacheEntries: Gauge;
  readonly cacheBytes: Gauge;
  // Mesos-DNS's internal counters (spec §6.1), exposed.
  readonly mesosRequests: Counter;
  readonly mesosSuccess: Counter;
  readonly mesosNxdomain: Counter;
  readonly mesosFailed: Counter;
  readonly nonMesosRequests: Counter;
  readonly nonMesosNxdomain: Counter;
}

export function registerDnsMetrics(registry: MetricsRegistry): DnsMetrics {
  const queries = registry.counter('mesos_dns_queries_total', 'DNS replies sent, by query type and response code.');
  const labelCache = new Map<number, Labels>();
  const mesosRequests = registry.counter(
    'mesos_dns_mesos_requests_total',
    'Queries for names inside the domain (Mesos-DNS MesosRequests).',
  );
  const mesosSuccess = registry.counter(
    'mesos_dns_mesos_success_total',
    'In-domain queries answered with at least one record (Mesos-DNS MesosSuccess).',
  );
  const mesosNxdomain = registry.counter(
    'mesos_dns_mesos_nxdomain_total',
    'In-domain queries answered without records: NXDOMAIN or NODATA (Mesos-DNS MesosNXDomain).',
  );
  const mesosFailed = registry.counter(
    'mesos_dns_mesos_failed_total',
    'In-domain queries where a stored value could not be served (Mesos-DNS MesosFailed).',
  );
  const hotHits = registry.counter('mesos_dns_hot_path_hits_total', 'In-domain queries answered from pre-encoded replies.');
  const hotMisses = registry.counter(
    'mesos_dns_hot_path_misses_total',
    'In-domain queries answered through the general path (first query for a name, unusual query shapes).',
  );
  return {
    reply(qtype, rcode) {
      const key = (qtype & 0xffff) * 4096 + (rcode & 0xfff);
      let labels = labelCache.get(key);
      if (!labels) {
        labels = Object.freeze({ qtype: qtypeLabel(qtype), rcode: rcodeLabel(rcode) });
        labelCache.set(key, labels);
      }
      queries.inc(labels);
    },
    answered(info) {
      if (!info.authoritative) return;
      mesosRequests.inc();
      if (info.path === 'hot') hotHits.inc();
      else hotMisses.inc();
      if (info.outcome === 'success') mesosSuccess.inc();
      else if (info.outcome === 'nxdomain') mesosNxdomain.inc();
      else if (info.outcome === 'failed') mesosFailed.inc();
    },
    hotHits,
    hotMisses,
    dropped: registry.counter('mesos_dns_dropped_packets_total', 'DNS packets dropped without a reply, by reason.'),
    rejected: registry.counter(
      'mesos_dns_rejected_queries_total',
      'Queries refused before routing (FORMERR, NOTIMP, BADVERS, REFUSED for a class), by reason.',
    ),
    errors: registry.counter('mesos_dns_query_errors_total', 'Queries whose handling failed (answered SERVFAIL).'),
    tcpConnections: registry.gauge('mesos_dns_tcp_connections', 'Open DNS TCP connections.'),
    tcpClosed: registry.counter('mesos_dns_tcp_connections_closed_total', 'DNS TCP connections closed, by reason.'),
    cacheEntries: registry.gauge('mesos_dns_response_cache_entries', 'Pre-encoded replies held for the hot path.'),
    cacheBytes: registry.gauge('mesos_dns_response_cache_bytes', 'Bytes of pre-encoded replies held for the hot path.'),
    mesosRequests,
    mesosSuccess,
    mesosNxdomain,
    mesosFailed,
    nonMesosRequests: registry.counter(
      'mesos_dns_non_mesos_requests_total',
      'Queries forwarded upstream (Mesos-DNS NonMesosRequests).',
    ),
    nonMesosNxdomain: registry.counter(
      'mesos_dns_non_mesos_nxdomain_total',
      'Forwarded queries whose reply had no answer records (Mesos-DNS NonMesosNXDomain).',
    ),
  };
}
