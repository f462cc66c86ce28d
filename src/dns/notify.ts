// NOTIFY (RFC 1996) to the secondaries in NotifySecondaries: every new table (its serial is higher)
// is announced over UDP to each of them, so they ask for the SOA and transfer the zone at once instead
// of at their next SOA refresh. A secondary that does not answer gets the NOTIFY again 1, 2, 4 and 8 s
// after each send (five sends in all; 16 s after the last it counts as failed); a newer table replaces
// the pending NOTIFY (its resends stop). The socket is bound to the DNS listener's address when that is one address, so
// the NOTIFY comes from the address the secondaries know as their primary.
import { randomInt } from 'node:crypto';
import { type Socket, createSocket } from 'node:dgram';
import { joinHostPort, splitHostPort } from '../net/host-port.js';
import type { DnsSettings } from './settings.js';
import { type LogLimiter, type Logger, createLogLimiter } from '../log.js';
import type { MetricsRegistry } from '../metrics.js';
import { canonicalIp } from '../net/ip-text.js';
import type { TableSnapshot } from '../records/store.js';
import { readU16 } from '../wire/bytes.js';
import { rcodeLabel } from './constants.js';
import { Opcode, QClass, QType } from '../wire/constants.js';
import { MessageWriter } from './message-writer.js';
import type { SoaRecord } from './records.js';
import type { ResolveConfig } from './resolve.js';
import { zoneSoa } from './zone.js';

/** How long to wait for an answer after each send before sending again (or, after the last, giving up). */
export const NOTIFY_RETRY_DELAYS_MS: readonly number[] = Object.freeze([1000, 2000, 4000, 8000, 16_000]);

/** A NOTIFY for the zone of `soa`: opcode NOTIFY, AA, the question `<apex> SOA IN` and the SOA as a hint (RFC 1996 §3.7). */
export function notifyMessage(id: number, soa: SoaRecord): Uint8Array {
  const w = new MessageWriter(512);
  w.u16(id);
  w.u8((Opcode.NOTIFY << 3) | 0x04);
  w.u8(0);
  w.u16(1);
  w.u16(1);
  w.u16(0);
  w.u16(0);
  w.name(soa.name, true);
  w.u16(QType.SOA);
  w.u16(QClass.IN);
  w.record(soa);
  return w.finish();
}

/** The rcode of a NOTIFY response to message `id`, or undefined when the datagram is not one. */
export function notifyResponseRcode(message: Uint8Array, id: number): number | undefined {
  if (message.length < 12 || readU16(message, 0) !== id) return undefined;
  const flags = message[2] as number;
  if ((flags & 0x80) === 0 || ((flags >> 3) & 0x0f) !== Opcode.NOTIFY) return undefined;
  return (message[3] as number) & 0x0f;
}

interface Secondary {
  /** "ip:port" as configured (normalised). */
  readonly key: string;
  readonly host: string;
  readonly port: number;
  readonly family: 4 | 6;
}

interface Pending {
  readonly secondary: Secondary;
  readonly id: number;
  readonly serial: number;
  readonly message: Uint8Array;
  sends: number;
  timer: NodeJS.Timeout | undefined;
}

export interface NotifierOptions {
  readonly logger: Logger;
  readonly metrics: MetricsRegistry;
  readonly config: Pick<DnsSettings, 'notifySecondaries' | 'listener'> & ResolveConfig;
  /** NOTIFY_RETRY_DELAYS_MS unless given (tests shorten them). */
  readonly retryDelaysMs?: readonly number[];
  /** Message IDs in [0, 65535]; crypto's randomInt unless given. */
  readonly nextId?: () => number;
}

export interface Notifier {
  /** A new table: NOTIFY every secondary of its serial (replacing what is still pending). */
  notify(snapshot: TableSnapshot): void;
  /** SIGHUP: secondaries no longer listed stop getting retries; the next table goes to the new list. */
  setConfig(config: NotifierOptions['config']): void;
  close(): Promise<void>;
}

function parseSecondary(text: string): Secondary | undefined {
  const split = splitHostPort(text);
  if (!split.ok) return undefined;
  const ip = canonicalIp(split.value.host);
  const port = Number(split.value.port);
  return ip ? { key: joinHostPort(ip.text, port), host: ip.text, port, family: ip.family } : undefined;
}

/** One UDP socket per address family, made on first use; a socket that could not bind is dropped and made again. */
class NotifySockets {
  private readonly sockets = new Map<4 | 6, Socket>();

  constructor(
    private readonly logger: Logger,
    private readonly limited: LogLimiter,
    private readonly onMessage: (message: Buffer, rinfo: { address: string; port: number }) => void,
  ) {}

  /** The socket for a family, bound to the listener's address when it is one address of that family. */
  socketFor(family: 4 | 6, listenerAddress: string): Socket {
    const { sockets } = this;
    let socket = sockets.get(family);
    if (socket) return socket;
    const listener = canonicalIp(listenerAddress);
    const specific = listener && listener.family === family && listener.text !== '0.0.0.0' && listener.text !== '::';
    socket = createSocket(family === 4 ? 'udp4' : 'udp6');
    socket.on('message', this.onMessage);
    socket.on('error', (err: NodeJS.ErrnoException) => {
      this.limited(`socket ${family}`, (suppressed) => this.logger.warn({ err, suppressed }, 'NOTIFY socket error'));
      // A socket that could not bind is closed: the next send makes a new one.
      if (err.syscall === 'bind' && sockets.get(family) === socket) sockets.delete(family);
    });
    // Unbound sends bind to any address; a bind to the listener's address comes first when it is one.
    if (specific) socket.bind({ port: 0, address: listener.text });
    sockets.set(family, socket);
    return socket;
  }

  async close(): Promise<void> {
    await Promise.all(
      [...this.sockets.values()].map(
        (socket) =>
          new Promise<void>((resolve) => {
            try {
              socket.close(() => resolve());
            } catch {
              resolve(); // never bound
            }
          }),
      ),
    );
    this.sockets.clear();
  }
}

function notifyMetrics(metrics: MetricsRegistry) {
  return {
    sent: metrics.counter('mesos_dns_notify_sent_total', 'NOTIFY messages sent to secondaries (resends included), by secondary.'),
    acked: metrics.counter('mesos_dns_notify_acked_total', 'NOTIFY messages a secondary answered with NOERROR, by secondary.'),
    failed: metrics.counter(
      'mesos_dns_notify_failed_total',
      'NOTIFYs given up, by secondary and reason: timeout (no answer to any send), rcode (answered with an error), socket.',
    ),
  };
}

/** Drops (and stops the resends of) the NOTIFYs to secondaries no longer listed. */
function stopUnlisted(pending: Map<string, Pending>, secondaries: readonly Secondary[]): void {
  const keys = new Set(secondaries.map((s) => s.key));
  for (const [key, p] of pending) {
    if (keys.has(key)) continue;
    clearTimeout(p.timer);
    pending.delete(key);
  }
}

export function createNotifier(options: NotifierOptions): Notifier {
  const logger = options.logger.child({ component: 'notify' });
  const delays = options.retryDelaysMs ?? NOTIFY_RETRY_DELAYS_MS;
  const nextId = options.nextId ?? (() => randomInt(0x10000));
  const limited = createLogLimiter(Date.now);
  const { sent, acked, failed } = notifyMetrics(options.metrics);
  let config = options.config;
  let secondaries: Secondary[] = [];
  const pending = new Map<string, Pending>();
  let closed = false;

  const setSecondaries = (list: readonly string[]): void => {
    secondaries = list.map(parseSecondary).filter((s): s is Secondary => s !== undefined);
    stopUnlisted(pending, secondaries);
  };
  setSecondaries(config.notifySecondaries);

  const fail = (p: Pending, reason: 'timeout' | 'rcode' | 'socket', detail: Record<string, unknown>): void => {
    clearTimeout(p.timer);
    if (pending.get(p.secondary.key) === p) pending.delete(p.secondary.key);
    failed.inc({ secondary: p.secondary.key, reason });
    limited(`${p.secondary.key} ${reason}`, (suppressed) =>
      logger.warn({ secondary: p.secondary.key, serial: p.serial, reason, sends: p.sends, suppressed, ...detail }, 'NOTIFY to a secondary failed'),
    );
  };

  const onMessage = (message: Buffer, rinfo: { address: string; port: number }): void => {
    const ip = canonicalIp(rinfo.address);
    const p = ip ? pending.get(joinHostPort(ip.text, rinfo.port)) : undefined;
    if (!p) return;
    const rcode = notifyResponseRcode(message, p.id);
    if (rcode === undefined) return;
    clearTimeout(p.timer);
    pending.delete(p.secondary.key);
    if (rcode !== 0) return fail(p, 'rcode', { rcode: rcodeLabel(rcode) });
    acked.inc({ secondary: p.secondary.key });
    logger.debug({ secondary: p.secondary.key, serial: p.serial, sends: p.sends }, 'NOTIFY acknowledged');
  };

  const sockets = new NotifySockets(logger, limited, onMessage);

  const send = (p: Pending): void => {
    if (closed || pending.get(p.secondary.key) !== p) return;
    p.sends++;
    sent.inc({ secondary: p.secondary.key });
    try {
      sockets.socketFor(p.secondary.family, config.listener).send(p.message, p.secondary.port, p.secondary.host);
    } catch (err) {
      return fail(p, 'socket', { err });
    }
    const delay = delays[p.sends - 1];
    p.timer = setTimeout(() => (p.sends < delays.length ? send(p) : fail(p, 'timeout', {})), delay ?? 0);
    p.timer.unref();
  };

  return {
    notify(snapshot) {
      if (closed || secondaries.length === 0) return;
      const soa = zoneSoa(snapshot, config);
      if (!soa || soa.type !== QType.SOA) return;
      for (const secondary of secondaries) {
        clearTimeout(pending.get(secondary.key)?.timer);
        const id = nextId() & 0xffff;
        const p: Pending = { secondary, id, serial: soa.serial, message: notifyMessage(id, soa), sends: 0, timer: undefined };
        pending.set(secondary.key, p);
        send(p);
      }
    },
    setConfig(next) {
      config = next;
      setSecondaries(next.notifySecondaries);
    },
    async close() {
      closed = true;
      for (const p of pending.values()) clearTimeout(p.timer);
      pending.clear();
      await sockets.close();
    },
  };
}
