// What the DNS server does with one message, whichever listener it came from: the direct path first,
// then the general one; a forwarded query is tracked until its reply (so close() can wait for it);
// a zone transfer goes to the transfer streams; every outcome is counted and, where an operator needs
// it, logged. Nothing escapes: a failure becomes SERVFAIL.
import type { ForwardRequest, Forwarder, Transport } from '../forward/types.js';
import type { Logger } from '../log.js';
import type { RecordStore, TableSnapshot } from '../records/store.js';
import { Rcode } from '../wire/constants.js';
import type { DnsMetrics } from './dns-metrics.js';
import { type DirectState, answerDirect } from './direct.js';
import { type ReplyInfo, handleQuery, servfailReply } from './handle.js';
import type { DnsSettings } from './settings.js';
import type { TcpQueryHandler } from './tcp-server.js';
import type { TransfersOut } from './transfer-out.js';
import type { ZoneJournalView } from './zone-journal.js';

export interface QueryAnswererParts {
  readonly logger: Logger;
  readonly metrics: DnsMetrics;
  readonly store: RecordStore;
  readonly forwarder: Forwarder;
  readonly random: () => number;
  /** Scratch space of the direct path; undefined sends every query through the general path. */
  readonly direct: DirectState | undefined;
  /** Read per query, so new settings apply to the next one. */
  readonly settings: () => DnsSettings;
  readonly journal: ZoneJournalView;
  readonly transfers: TransfersOut;
}

export interface QueryAnswerer {
  answer(message: Buffer, client: string, transport: Transport): ReturnType<TcpQueryHandler>;
  /** Waits for the forwarded queries still in flight, at most waitMs. */
  settle(waitMs: number): Promise<void>;
}

/** Counts and logs one reply of the general path. */
class ReplyAccounting {
  private loggedFor: TableSnapshot | undefined;
  private readonly loggedNames = new Set<string>();

  constructor(
    private readonly logger: Logger,
    private readonly metrics: DnsMetrics,
  ) {}

  account(info: ReplyInfo, snapshot: TableSnapshot | undefined): void {
    const { metrics, logger } = this;
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
    if (info.unencodable && snapshot) this.logUnencodable(info.unencodable, snapshot);
  }

  /** One line per name and table: the same names come back on every reload otherwise. */
  private logUnencodable(names: readonly string[], snapshot: TableSnapshot): void {
    if (this.loggedFor !== snapshot) {
      this.loggedFor = snapshot;
      this.loggedNames.clear();
    }
    const fresh = names.filter((n) => !this.loggedNames.has(n));
    if (fresh.length > 0) {
      for (const n of fresh) this.loggedNames.add(n);
      this.logger.warn({ names: fresh }, 'records left out of a reply: names cannot be encoded');
    }
  }
}

/** Forwards queries, counts their replies and keeps the ones in flight. */
class ForwardsInFlight {
  private readonly inFlight = new Set<Promise<Uint8Array>>();

  constructor(
    private readonly logger: Logger,
    private readonly metrics: DnsMetrics,
    private readonly forwarder: Forwarder,
  ) {}

  forward(request: ForwardRequest): Promise<Uint8Array> {
    const { metrics, logger } = this;
    metrics.nonMesosRequests.inc();
    if (logger.isLevelEnabled('debug')) {
      logger.debug({ qname: request.qname, qtype: request.qtype, transport: request.transport }, 'dns query forwarded');
    }
    const pending = this.forwarder.forward(request).then(
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
    this.inFlight.add(pending);
    void pending.finally(() => this.inFlight.delete(pending));
    return pending;
  }

  async settle(waitMs: number): Promise<void> {
    if (this.inFlight.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, waitMs);
      timer.unref();
    });
    await Promise.race([Promise.allSettled([...this.inFlight]), timeout]);
    clearTimeout(timer);
  }
}

export function createQueryAnswerer(parts: QueryAnswererParts): QueryAnswerer {
  const { logger, metrics, store, random, direct, journal, transfers } = parts;
  const accounting = new ReplyAccounting(logger, metrics);
  const forwards = new ForwardsInFlight(logger, metrics, parts.forwarder);

  function answer(message: Buffer, client: string, transport: Transport): ReturnType<TcpQueryHandler> {
    try {
      const snapshot = store.current();
      const config = parts.settings();
      if (direct && answerDirect(message, transport, snapshot, config, random, direct)) {
        // The common case: no objects but the reply's own buffer.
        metrics.directAnswer(direct.qtype, direct.rcode, direct.outcome);
        return direct.copyReply();
      }
      const result = handleQuery(message, { transport, snapshot, config, random, client, journal });
      switch (result.kind) {
        case 'reply':
          accounting.account(result.info, snapshot);
          return result.bytes;
        case 'drop':
          metrics.dropped.inc({ reason: result.reason, transport });
          return undefined;
        case 'forward':
          return forwards.forward(result.request);
        case 'transfer': {
          if (transport !== 'tcp') throw new Error('a zone transfer stream over UDP');
          const started = transfers.start(result.request, client);
          accounting.account(started instanceof Uint8Array ? { ...result.info, rcode: Rcode.REFUSED, authoritative: false } : result.info, snapshot);
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

  return { answer, settle: (waitMs) => forwards.settle(waitMs) };
}
