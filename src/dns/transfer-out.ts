// Zone transfers going out: at most MAX_CONCURRENT_TRANSFERS at once (each holds its table snapshot
// until it ends, so a bound on transfers is a bound on the tables kept alive), each a stream of
// messages the TCP connection pulls as the client reads, counted in /metrics and logged when it ends.
import type { Logger } from '../log.js';
import type { MetricsRegistry } from '../metrics.js';
import { QType, Rcode } from '../wire/constants.js';
import type { ReplyStream } from './tcp-server.js';
import { rcodeMessage, transferMessages } from './transfer-messages.js';
import type { TransferRequest } from './zone-transfer.js';

/** Transfers running at once; one more is REFUSED (BIND's transfers-out default). */
export const MAX_CONCURRENT_TRANSFERS = 10;

export interface TransfersOut {
  /** A stream for the request, or REFUSED (one message) when MAX_CONCURRENT_TRANSFERS are running. */
  start(request: TransferRequest, client: string): ReplyStream | Uint8Array;
  readonly active: number;
}

export function createTransfersOut(options: { readonly logger: Logger; readonly metrics: MetricsRegistry }): TransfersOut {
  const { logger, metrics } = options;
  const transfers = metrics.counter(
    'mesos_dns_zone_transfers_total',
    'Zone transfers by style (full: AXFR or IXFR answered with the whole zone; incremental: IXFR answered with the changes) and outcome: complete, aborted (the connection went first), failed, refused_busy.',
  );
  const octets = metrics.counter('mesos_dns_zone_transfer_bytes_total', 'Octets of zone transfer messages handed to the kernel.');
  const running = metrics.gauge('mesos_dns_zone_transfers_active', 'Zone transfers in progress.');
  let active = 0;

  return {
    get active() {
      return active;
    },
    start(request, client) {
      if (active >= MAX_CONCURRENT_TRANSFERS) {
        transfers.inc({ style: request.incremental ? 'incremental' : 'full', outcome: 'refused_busy' });
        logger.warn({ client, limit: MAX_CONCURRENT_TRANSFERS }, 'zone transfer refused: too many transfers running');
        return rcodeMessage(request.head, Rcode.REFUSED);
      }
      active++;
      running.set(active);
      const messages = transferMessages(request.head, request.zone);
      const startedAt = performance.now();
      const style = request.incremental ? 'incremental' : 'full';
      let sent = 0;
      let bytes = 0;
      let records = 0;
      /** The longest one message took to make: the serving thread's longest turn for this transfer. */
      let slowestMs = 0;
      const fields = () => ({
        client,
        zone: request.zone.apex,
        serial: request.zone.soa.serial,
        qtype: request.qtype === QType.AXFR ? 'AXFR' : 'IXFR',
        incremental: request.incremental,
        messages: sent,
        records,
        bytes,
        ms: Math.round(performance.now() - startedAt),
        slowestMessageMs: Number(slowestMs.toFixed(1)),
      });
      logger.debug({ client, zone: request.zone.apex, serial: request.zone.soa.serial }, 'zone transfer started');
      return {
        next() {
          const before = performance.now();
          const step = messages.next();
          slowestMs = Math.max(slowestMs, performance.now() - before);
          if (step.done) return undefined;
          const message = step.value;
          sent++;
          bytes += message.length;
          records += ((message[6] as number) << 8) | (message[7] as number);
          octets.inc(undefined, message.length);
          return message;
        },
        done(complete, error) {
          active--;
          running.set(active);
          messages.return();
          if (error !== undefined) {
            transfers.inc({ style, outcome: 'failed' });
            logger.error({ err: error, ...fields() }, 'zone transfer failed');
          } else if (complete) {
            transfers.inc({ style, outcome: 'complete' });
            logger.info(fields(), 'zone transfer sent');
          } else {
            transfers.inc({ style, outcome: 'aborted' });
            logger.warn(fields(), 'zone transfer aborted: the connection closed first');
          }
        },
      };
    },
  };
}
