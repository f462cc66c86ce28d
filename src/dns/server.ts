// The authoritative DNS server over UDP and TCP. Listens at once (spec §8 #19: SERVFAIL inside the
// domain until the first table), reads the store's snapshot once per query, answers in-domain queries
// from the table (straight from its bytes where the direct path covers the query) and hands
// everything else to the forwarder.
import { isIPv6 } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { DnsSettings } from './settings.js';
import { ErrorCode, MesosDnsError } from '../errors.js';
import type { ForwardRequest, Forwarder, Transport } from '../forward/types.js';
import type { Logger } from '../log.js';
import type { MetricsRegistry } from '../metrics.js';
import type { RecordStore, TableSnapshot } from '../records/store.js';
import { Rcode } from './constants.js';
import { type DnsMetrics, registerDnsMetrics } from './dns-metrics.js';
import { DirectState, answerDirect } from './direct.js';
import { type ReplyInfo, handleQuery, servfailReply } from './handle.js';
import { type TcpListener, type TcpQueryHandler, createTcpListener } from './tcp-server.js';
import { createTransfersOut } from './transfer-out.js';
import { createNotifier } from './notify.js';
import { createZoneJournal } from './zone-journal.js';
import { type QueryHandler, type UdpListener, createUdpListener } from './udp-server.js';

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

export interface DnsListenAddresses {
  readonly udp: AddressInfo[];
  readonly tcp: AddressInfo[];
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
/** Attempts at finding one free ephemeral port for both UDP and TCP. */
const EPHEMERAL_PORT_ATTEMPTS = 8;

interface BindPlan {
  readonly address: string;
  readonly udpType: 'udp4' | 'udp6';
  readonly dualStack: boolean;
}

/** "0.0.0.0" means every address, IPv4 and IPv6: a dual-stack "::" socket, else plain IPv4. */
function bindPlans(listener: string): BindPlan[] {
  if (listener === '0.0.0.0' || listener === '') {
    return [
      { address: '::', udpType: 'udp6', dualStack: true },
      { address: '0.0.0.0', udpType: 'udp4', dualStack: false },
    ];
  }
  if (isIPv6(listener)) return [{ address: listener, udpType: 'udp6', dualStack: false }];
  return [{ address: listener, udpType: 'udp4', dualStack: false }];
}

const IPV6_UNAVAILABLE = new Set(['EAFNOSUPPORT', 'EADDRNOTAVAIL', 'EPROTONOSUPPORT', 'EINVAL']);

function errnoCode(err: unknown): string {
  return typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : '';
}

function listenError(protocol: string, address: string, port: number, cause: unknown): MesosDnsError {
  const code = errnoCode(cause) || 'error';
  const host = address.includes(':') ? `[${address}]` : address;
  return new MesosDnsError(ErrorCode.LISTEN, `cannot listen for DNS on ${protocol} ${host}:${port}: ${code}`, { cause });
}

/** A failed bind, with what listen() needs to decide whether to try again. */
class BindFailure {
  constructor(
    readonly protocol: 'udp' | 'tcp',
    readonly errno: string,
    readonly error: MesosDnsError,
  ) {}
}

export function createDnsServer(options: DnsServerOptions): DnsServer {
  const logger = options.logger.child({ component: 'dns' });
  const { store, forwarder } = options;
  const random = options.random ?? Math.random;
  const metrics: DnsMetrics = registerDnsMetrics(options.metrics);
  const direct = options.direct === false ? undefined : new DirectState();
  let config = options.config;
  let udp: UdpListener | undefined;
  let tcp: TcpListener | undefined;
  let closing: Promise<void> | undefined;
  const READ = Object.freeze({ direction: 'read' });
  const WRITE = Object.freeze({ direction: 'write' });
  metrics.tcpBuffered.collect(() => {
    const buffered = tcp?.bufferedBytes() ?? { read: 0, write: 0 };
    metrics.tcpBuffered.set(buffered.read, READ);
    metrics.tcpBuffered.set(buffered.write, WRITE);
  });
  const inFlight = new Set<Promise<Uint8Array>>();
  let loggedFor: TableSnapshot | undefined;
  const loggedNames = new Set<string>();

  function account(info: ReplyInfo, snapshot: TableSnapshot | undefined): void {
    metrics.reply(info.qtype, info.rcode);
    metrics.answered(info);
    if (info.rejected) {
      metrics.rejected.inc({ reason: info.rejected });
      if (logger.isLevelEnabled('debug')) logger.debug({ reason: info.rejected, rcode: info.rcode }, 'dns query rejected');
    }
    if (info.error !== undefined) {
      metrics.errors.inc();
      logger.error({ err: info.error, qtype: info.qtype }, 'dns query failed');
    }
    if (info.unencodable && snapshot) {
      // One line per name and table: the same names come back on every reload otherwise.
      if (loggedFor !== snapshot) {
        loggedFor = snapshot;
        loggedNames.clear();
      }
      const fresh = info.unencodable.filter((n) => !loggedNames.has(n));
      if (fresh.length > 0) {
        for (const n of fresh) loggedNames.add(n);
        logger.warn({ names: fresh }, 'records left out of a reply: names cannot be encoded');
      }
    }
  }

  function forward(request: ForwardRequest): Promise<Uint8Array> {
    metrics.nonMesosRequests.inc();
    if (logger.isLevelEnabled('debug')) {
      logger.debug({ qname: request.qname, qtype: request.qtype, transport: request.transport }, 'dns query forwarded');
    }
    const pending = forwarder.forward(request).then(
      (reply) => {
        if (reply.length >= 12) {
          metrics.reply(request.qtype, (reply[3] as number) & 0x0f);
          if (reply[6] === 0 && reply[7] === 0) metrics.nonMesosNxdomain.inc();
        }
        return reply;
      },
      (err: unknown) => {
        // The contract says forward() never rejects; answer anyway if it does.
        metrics.errors.inc();
        logger.error({ err, qtype: request.qtype }, 'dns forward failed');
        return servfailReply(request.query);
      },
    );
    inFlight.add(pending);
    void pending.finally(() => inFlight.delete(pending));
    return pending;
  }

  /** Zone transfers (TCP only): handle.ts gives them to this listener alone. */
  const transfers = createTransfersOut({ logger, metrics: options.metrics });
  /** Every new table is announced to the NotifySecondaries once its changes are in the journal. */
  const notifier = createNotifier({ logger: options.logger, metrics: options.metrics, config });
  const journal = createZoneJournal({ logger });
  const journalRecords = options.metrics.gauge(
    'mesos_dns_zone_journal_records',
    'Records (deleted and added) in the kept deltas of the zone, which answer incremental transfers (IXFR).',
  );
  journalRecords.collect(() => journalRecords.set(journal.size.records));
  const stopNotifying = store.onSwap((next, previous) =>
    journal.swapped(next, previous, config, config.zoneTransferAllowFrom.length > 0, () => notifier.notify(next)),
  );

  function answer(message: Buffer, client: string, transport: Transport): ReturnType<TcpQueryHandler> {
    try {
      const snapshot = store.current();
      if (direct && answerDirect(message, transport, snapshot, config, random, direct)) {
        // The common case: no objects but the reply's own buffer.
        metrics.directAnswer(direct.qtype, direct.rcode, direct.outcome);
        return direct.copyReply();
      }
      const result = handleQuery(message, { transport, snapshot, config, random, client, journal });
      switch (result.kind) {
        case 'reply':
          account(result.info, snapshot);
          return result.bytes;
        case 'drop':
          metrics.dropped.inc({ reason: result.reason, transport });
          return undefined;
        case 'forward':
          return forward(result.request);
        case 'transfer':
        {
          if (transport !== 'tcp') throw new Error('a zone transfer stream over UDP');
          const started = transfers.start(result.request, client);
          account(started instanceof Uint8Array ? { ...result.info, rcode: Rcode.REFUSED, authoritative: false } : result.info, snapshot);
          return started;
        }
      }
    } catch (err) {
      // Nothing escapes the DNS path: a failure becomes SERVFAIL and one log line.
      metrics.errors.inc();
      logger.error({ err }, 'dns query failed');
      try {
        return servfailReply(message);
      } catch {
        return undefined; // a message too short to answer
      }
    }
  }

  const udpHandler: QueryHandler = (message, client) => {
    const result = answer(message, client, 'udp');
    return result === undefined || result instanceof Uint8Array || result instanceof Promise ? result : undefined;
  };
  const tcpHandler: TcpQueryHandler = (message, client) => answer(message, client, 'tcp');

  async function bind(plan: BindPlan, port: number): Promise<{ udp: UdpListener; tcp: TcpListener; addresses: DnsListenAddresses }> {
    const u = createUdpListener({
      logger,
      address: plan.address,
      port,
      type: plan.udpType,
      onQuery: udpHandler,
      onSendError: () => metrics.dropped.inc({ reason: 'send_failed', transport: 'udp' }),
    });
    let udpAddress: AddressInfo;
    try {
      udpAddress = await u.listen();
    } catch (err) {
      await u.close();
      throw new BindFailure('udp', errnoCode(err), listenError('udp', plan.address, port, err));
    }
    const t = createTcpListener({
      logger,
      address: plan.address,
      port: udpAddress.port,
      dualStack: plan.dualStack,
      onQuery: tcpHandler,
      limits: () => ({
        maxConnections: Math.max(1, config.maxTcpConnections),
        maxConnectionsPerClient: Math.max(1, config.maxTcpConnectionsPerClient),
        idleTimeoutMs: Math.max(0, config.tcpIdleTimeoutSeconds * 1000),
      }),
      onOpen: () => metrics.tcpConnections.inc(),
      onClose: (reason, opened) => {
        metrics.tcpClosed.inc({ reason });
        if (opened) metrics.tcpConnections.dec();
      },
    });
    try {
      const tcpAddress = await t.listen();
      return { udp: u, tcp: t, addresses: { udp: [udpAddress], tcp: [tcpAddress] } };
    } catch (err) {
      await Promise.all([u.close(), t.close(0)]);
      throw new BindFailure('tcp', errnoCode(err), listenError('tcp', plan.address, udpAddress.port, err));
    }
  }

  return {
    async listen() {
      if (closing) throw new MesosDnsError(ErrorCode.LISTEN, 'the DNS server is closed');
      if (udp || tcp) throw new MesosDnsError(ErrorCode.LISTEN, 'the DNS server is already listening');
      const plans = bindPlans(config.listener);
      let lastError: unknown;
      for (const [index, plan] of plans.entries()) {
        const attempts = config.port === 0 ? EPHEMERAL_PORT_ATTEMPTS : 1;
        for (let attempt = 0; attempt < attempts; attempt++) {
          try {
            const bound = await bind(plan, config.port);
            udp = bound.udp;
            tcp = bound.tcp;
            logger.info(
              { udp: bound.addresses.udp, tcp: bound.addresses.tcp, dualStack: plan.dualStack },
              'dns server listening',
            );
            return bound.addresses;
          } catch (err) {
            if (!(err instanceof BindFailure)) throw err;
            lastError = err.error;
            // The UDP port was free but its TCP twin was not: try another ephemeral port.
            if (config.port === 0 && err.protocol === 'tcp' && err.errno === 'EADDRINUSE') continue;
            if (plan.dualStack && index < plans.length - 1 && IPV6_UNAVAILABLE.has(err.errno)) {
              logger.warn({ err: err.error }, 'ipv6 unavailable: dns listens on ipv4 only');
              break;
            }
            throw err.error;
          }
        }
      }
      throw lastError;
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
        udp?.stop();
        tcp?.stop();
        if (inFlight.size > 0) {
          let timer: NodeJS.Timeout | undefined;
          const timeout = new Promise<void>((resolve) => {
            timer = setTimeout(resolve, CLOSE_WAIT_MS);
            timer.unref();
          });
          await Promise.race([Promise.allSettled([...inFlight]), timeout]);
          clearTimeout(timer);
        }
        await Promise.all([udp?.close(), tcp?.close(TCP_CLOSE_GRACE_MS)]);
        metrics.tcpConnections.set(0);
      })();
      return closing;
    },
  };
}
