// The DNS server's metrics, registered once in the shared registry (names prefixed mesos_dns_).
// Label objects are interned so the per-query cost stays a map lookup and an addition.
import type { Counter, Gauge, Labels, MetricsRegistry } from '../metrics.js';
import { qtypeLabel, rcodeLabel } from './constants.js';
import type { ReplyInfo } from './handle.js';
import type { MesosOutcome } from './resolve.js';

export interface DnsMetrics {
  /** One reply we sent (authoritative, rejected, or relayed from upstream), or `by` of them. */
  reply(qtype: number, rcode: number, by?: number): void;
  answered(info: ReplyInfo): void;
  /**
   * reply() and answered() for a query the direct path answered (rcode NOERROR or NXDOMAIN):
   * tallied in arrays, added to the counters when they are read.
   */
  directAnswer(qtype: number, rcode: number, outcome: MesosOutcome): void;
  readonly dropped: Counter;
  readonly rejected: Counter;
  readonly errors: Counter;
  readonly tcpConnections: Gauge;
  readonly tcpClosed: Counter;
  /** Set from the listener when the metrics are read. */
  readonly tcpBuffered: Gauge;
  // Mesos-DNS's internal counters (behaviour §6.1), exposed.
  readonly mesosRequests: Counter;
  readonly mesosSuccess: Counter;
  readonly mesosNxdomain: Counter;
  readonly mesosFailed: Counter;
  readonly nonMesosRequests: Counter;
  readonly nonMesosNxdomain: Counter;
}

/** Direct answers are tallied in plain arrays and added to the counters when they are read. */
const QTYPE_SLOTS = 65536;

/** Where an outcome's counts are kept, in the order of the Mesos-DNS counters. */
function outcomeIndex(outcome: MesosOutcome): number {
  return outcome === 'success' ? 0 : outcome === 'nxdomain' ? 1 : 2;
}

/** The direct path's answers since the last read, per (qtype, rcode NOERROR or NXDOMAIN) and per outcome. */
class DirectTally {
  private readonly replies = new Float64Array(QTYPE_SLOTS * 2);
  private readonly outcomes = new Float64Array(3);
  private readonly touched: number[] = [];
  private total = 0;

  count(qtype: number, rcode: number, outcome: MesosOutcome): void {
    const slot = ((qtype & 0xffff) << 1) | (rcode === 0 ? 0 : 1);
    if (this.replies[slot] === 0) this.touched.push(slot);
    this.replies[slot] = (this.replies[slot] as number) + 1;
    const o = outcomeIndex(outcome);
    this.outcomes[o] = (this.outcomes[o] as number) + 1;
    this.total++;
  }

  /** Hands over the counts and starts again: replies by qtype and rcode, then (when any) the total and the outcomes. */
  flush(replies: (qtype: number, rcode: number, count: number) => void, answers: (total: number, outcomes: Float64Array) => void): void {
    for (const slot of this.touched) {
      replies(slot >>> 1, (slot & 1) === 0 ? 0 : 3, this.replies[slot] as number);
      this.replies[slot] = 0;
    }
    this.touched.length = 0;
    if (this.total === 0) return;
    const total = this.total;
    this.total = 0;
    answers(total, this.outcomes);
    this.outcomes.fill(0);
  }
}

/** The metrics the server counts or sets directly (registered in this order, after the answer counters). */
function plainMetrics(registry: MetricsRegistry) {
  return {
    dropped: registry.counter('mesos_dns_dropped_packets_total', 'DNS packets dropped without a reply, by reason.'),
    rejected: registry.counter(
      'mesos_dns_rejected_queries_total',
      'Queries refused before routing (FORMERR, NOTIMP, BADVERS, REFUSED for a class), by reason.',
    ),
    errors: registry.counter('mesos_dns_query_errors_total', 'Queries whose handling failed (answered SERVFAIL).'),
    tcpConnections: registry.gauge('mesos_dns_tcp_connections', 'Open DNS TCP connections.'),
    tcpClosed: registry.counter('mesos_dns_tcp_connections_closed_total', 'DNS TCP connections closed, by reason.'),
    tcpBuffered: registry.gauge(
      'mesos_dns_tcp_buffered_bytes',
      'Octets held in memory for DNS TCP connections: queries not yet handled (read), replies the kernel has not taken (write).',
    ),
    nonMesosRequests: registry.counter(
      'mesos_dns_non_mesos_requests_total',
      'Queries forwarded upstream (Mesos-DNS NonMesosRequests).',
    ),
    nonMesosNxdomain: registry.counter(
      'mesos_dns_non_mesos_nxdomain_total',
      'Forwarded queries whose reply had no answer records (Mesos-DNS NonMesosNXDomain).',
    ),
  } satisfies Partial<DnsMetrics>;
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
  /** In outcomeIndex order. */
  const outcomeCounters: readonly Counter[] = [mesosSuccess, mesosNxdomain, mesosFailed];
  const direct = new DirectTally();
  const flushDirect = (): void =>
    direct.flush((qtype, rcode, count) => metrics.reply(qtype, rcode, count), (total, outcomes) => {
      mesosRequests.inc(undefined, total);
      directAnswers.inc(undefined, total);
      outcomeCounters.forEach((counter, i) => {
        if (outcomes[i] !== 0) counter.inc(undefined, outcomes[i]);
      });
    });
  for (const counter of [queries, mesosRequests, mesosSuccess, mesosNxdomain, mesosFailed, directAnswers]) counter.collect(flushDirect);
  const metrics: DnsMetrics = {
    reply(qtype, rcode, by = 1) {
      const key = (qtype & 0xffff) * 4096 + (rcode & 0xfff);
      let labels = labelCache.get(key);
      if (!labels) {
        labels = Object.freeze({ qtype: qtypeLabel(qtype), rcode: rcodeLabel(rcode) });
        labelCache.set(key, labels);
      }
      queries.inc(labels, by);
    },
    answered(info) {
      if (!info.authoritative) return;
      mesosRequests.inc();
      if (info.path === 'direct') directAnswers.inc();
      else generalAnswers.inc();
      if (info.outcome) (outcomeCounters[outcomeIndex(info.outcome)] as Counter).inc();
    },
    directAnswer(qtype, rcode, outcome) {
      direct.count(qtype, rcode, outcome);
    },
    ...plainMetrics(registry),
    mesosRequests,
    mesosSuccess,
    mesosNxdomain,
    mesosFailed,
  };
  return metrics;
}
