// The authoritative DNS server over UDP and TCP. Listens at once (behaviour §8 #19: SERVFAIL inside the
// domain until the first table), reads the store's snapshot once per query, answers in-domain queries
// from the table (straight from its bytes where the direct path covers the query) and hands
// everything else to the forwarder.
import { ErrorCode, MesosDnsError } from '../errors.js';
import type { Forwarder } from '../forward/types.js';
import type { Logger } from '../log.js';
import type { MetricsRegistry } from '../metrics.js';
import type { RecordStore } from '../records/store.js';
import { type DnsMetrics, registerDnsMetrics } from './dns-metrics.js';
import { type BoundDnsListeners, type DnsListenAddresses, type DnsListenerParts, bindDnsListeners } from './dns-listeners.js';
import { DirectState } from './direct.js';
import { type QueryAnswerer, createQueryAnswerer } from './query-answerer.js';
import type { DnsSettings } from './settings.js';
import type { TcpListener, TcpQueryHandler } from './tcp-server.js';
import { createTransfersOut } from './transfer-out.js';
import { createNotifier } from './notify.js';
import { type ZoneJournal, createZoneJournal } from './zone-journal.js';
import type { QueryHandler } from './udp-server.js';

export type { DnsListenAddresses } from './dns-listeners.js';

export interface DnsServerOptions {
  readonly logger: Logger;
  readonly metrics: MetricsRegistry;
  readonly store: RecordStore;
  readonly forwarder: Forwarder;
  /** listener, port, domain, ttl, soa*, recurseOn, setTruncateBit, srvRecordDefaultWeight, TCP limits… */
  readonly config: DnsSettings;
  /** For shuffling answers (tests inject); Math.random by default. */
  readonly random?: () => number;
  /** False sends every query through the general path (tests comparing the two paths). */
  readonly direct?: boolean;
}

export interface DnsServer {
  /** Binds UDP and TCP on config.listener:config.port (port 0: one ephemeral port for both). */
  listen(): Promise<DnsListenAddresses>;
  /** SIGHUP: TTLs, flags, SOA fields, weights and TCP limits apply to the next query / connection. */
  setConfig(config: DnsSettings): void;
  /** Stops accepting, lets queries in flight finish (bounded), closes the sockets. Idempotent. */
  close(): Promise<void>;
}

/** How long close() waits for forwarded queries still in flight. */
const CLOSE_WAIT_MS = 5000;
/** How long TCP clients get to take their last answers before their connections are destroyed. */
const TCP_CLOSE_GRACE_MS = 1000;

const READ = Object.freeze({ direction: 'read' });
const WRITE = Object.freeze({ direction: 'write' });

/** Bytes the TCP connections hold, read at scrape time. */
function collectTcpBuffered(metrics: DnsMetrics, listener: () => TcpListener | undefined): void {
  metrics.tcpBuffered.collect(() => {
    const buffered = listener()?.bufferedBytes() ?? { read: 0, write: 0 };
    metrics.tcpBuffered.set(buffered.read, READ);
    metrics.tcpBuffered.set(buffered.write, WRITE);
  });
}

function collectJournalRecords(registry: MetricsRegistry, journal: ZoneJournal): void {
  const journalRecords = registry.gauge(
    'mesos_dns_zone_journal_records',
    'Records (deleted and added) in the kept deltas of the zone, which answer incremental transfers (IXFR).',
  );
  journalRecords.collect(() => journalRecords.set(journal.size.records));
}

/** The listeners' handlers and limits: queries go to the answerer; TCP limits are read per connection. */
function listenerParts(logger: Logger, metrics: DnsMetrics, answerer: QueryAnswerer, settings: () => DnsSettings): DnsListenerParts {
  const onUdpQuery: QueryHandler = (message, client) => {
    const result = answerer.answer(message, client, 'udp');
    return result === undefined || result instanceof Uint8Array || result instanceof Promise ? result : undefined;
  };
  const onTcpQuery: TcpQueryHandler = (message, client) => answerer.answer(message, client, 'tcp');
  return {
    logger,
    udp: { onQuery: onUdpQuery, onSendError: () => metrics.dropped.inc({ reason: 'send_failed', transport: 'udp' }) },
    tcp: {
      onQuery: onTcpQuery,
      limits: () => {
        const config = settings();
        return {
          maxConnections: Math.max(1, config.maxTcpConnections),
          maxConnectionsPerClient: Math.max(1, config.maxTcpConnectionsPerClient),
          idleTimeoutMs: Math.max(0, config.tcpIdleTimeoutSeconds * 1000),
        };
      },
      onOpen: () => metrics.tcpConnections.inc(),
      onClose: (reason, opened) => {
        metrics.tcpClosed.inc({ reason });
        if (opened) metrics.tcpConnections.dec();
      },
    },
  };
}

export function createDnsServer(options: DnsServerOptions): DnsServer {
  const logger = options.logger.child({ component: 'dns' });
  const { store } = options;
  const metrics: DnsMetrics = registerDnsMetrics(options.metrics);
  let config = options.config;
  let bound: BoundDnsListeners | undefined;
  let closing: Promise<void> | undefined;
  collectTcpBuffered(metrics, () => bound?.tcp);

  /** Zone transfers (TCP only): handle.ts gives them to this listener alone. */
  const transfers = createTransfersOut({ logger, metrics: options.metrics });
  /** Every new table is announced to the NotifySecondaries once its changes are in the journal. */
  const notifier = createNotifier({ logger: options.logger, metrics: options.metrics, config });
  const journal = createZoneJournal({ logger });
  collectJournalRecords(options.metrics, journal);
  const stopNotifying = store.onSwap((next, previous) =>
    journal.swapped(next, previous, config, config.zoneTransferAllowFrom.length > 0, () => notifier.notify(next)),
  );
  const answerer = createQueryAnswerer({
    logger,
    metrics,
    store,
    forwarder: options.forwarder,
    random: options.random ?? Math.random,
    direct: options.direct === false ? undefined : new DirectState(),
    settings: () => config,
    journal,
    transfers,
  });
  const parts = listenerParts(logger, metrics, answerer, () => config);

  return {
    async listen() {
      if (closing) throw new MesosDnsError(ErrorCode.LISTEN, 'the DNS server is closed');
      if (bound) throw new MesosDnsError(ErrorCode.LISTEN, 'the DNS server is already listening');
      bound = await bindDnsListeners(config.listener, config.port, parts);
      return bound.addresses;
    },
    setConfig(next) {
      config = next;
      notifier.setConfig(next);
    },
    close() {
      closing ??= (async () => {
        stopNotifying();
        journal.close();
        await notifier.close();
        bound?.udp.stop();
        bound?.tcp.stop();
        await answerer.settle(CLOSE_WAIT_MS);
        await Promise.all([bound?.udp.close(), bound?.tcp.close(TCP_CLOSE_GRACE_MS)]);
        metrics.tcpConnections.set(0);
      })();
      return closing;
    },
  };
}
