// The DNS server's metrics, registered once in the shared registry (names prefixed mesos_dns_).
// Label objects are interned so the per-query cost stays a map lookup and an addition.
import type { Counter, Gauge, Labels, MetricsRegistry } from '../metrics.js';
import { qtypeLabel, rcodeLabel } from './constants.js';
import type { ReplyInfo } from './handle.js';
import type { MesosOutcome } from './resolve.js';

export interface DnsMetrics {
  /** One reply we sent (authoritative, rejected, or relayed from upstream). */
  reply(qtype: number, rcode: number): void;
  answered(info: ReplyInfo): void;
  /** reply() and answered() for a query the direct path answered, without an info object. */
  directAnswer(qtype: number, rcode: number, outcome: MesosOutcome): void;
  readonly dropped: Counter;
  readonly rejected: Counter;
  readonly errors: Counter;
  readonly tcpConnections: Gauge;
  readonly tcpClosed: Counter;
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
  const directAnswers = registry.counter(
    'mesos_dns_direct_answers_total',
    'In-domain queries answered straight from the table\'s bytes (the direct path).',
  );
  const generalAnswers = registry.counter(
    'mesos_dns_general_answers_total',
    'In-domain queries answered through the general path (unusual query shapes, `.*`, escaped names, the apex).',
  );
  const countOutcome = (outcome: MesosOutcome | undefined): void => {
    if (outcome === 'success') mesosSuccess.inc();
    else if (outcome === 'nxdomain') mesosNxdomain.inc();
    else if (outcome === 'failed') mesosFailed.inc();
  };
  const metrics: DnsMetrics = {
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
      if (info.path === 'direct') directAnswers.inc();
      else generalAnswers.inc();
      countOutcome(info.outcome);
    },
    directAnswer(qtype, rcode, outcome) {
      metrics.reply(qtype, rcode);
      mesosRequests.inc();
      directAnswers.inc();
      countOutcome(outcome);
    },
    dropped: registry.counter('mesos_dns_dropped_packets_total', 'DNS packets dropped without a reply, by reason.'),
    rejected: registry.counter(
      'mesos_dns_rejected_queries_total',
      'Queries refused before routing (FORMERR, NOTIMP, BADVERS, REFUSED for a class), by reason.',
    ),
    errors: registry.counter('mesos_dns_query_errors_total', 'Queries whose handling failed (answered SERVFAIL).'),
    tcpConnections: registry.gauge('mesos_dns_tcp_connections', 'Open DNS TCP connections.'),
    tcpClosed: registry.counter('mesos_dns_tcp_connections_closed_total', 'DNS TCP connections closed, by reason.'),
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
  return metrics;
}
