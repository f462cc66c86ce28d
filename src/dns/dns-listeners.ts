// Binding the DNS server's UDP and TCP listeners: which addresses "Listener" means (a dual-stack
// socket for 0.0.0.0 where the host has IPv6), one port for both protocols (port 0: an ephemeral port
// free for both), and the errors an operator reads when a bind fails.
import { isIPv6 } from 'node:net';
import type { AddressInfo } from 'node:net';
import { joinHostPort } from '../net/host-port.js';
import { ErrorCode, MesosDnsError } from '../errors.js';
import type { Logger } from '../log.js';
import { type TcpListener, type TcpListenerOptions, createTcpListener } from './tcp-server.js';
import { type UdpListener, type UdpListenerOptions, createUdpListener } from './udp-server.js';

export interface DnsListenAddresses {
  readonly udp: AddressInfo[];
  readonly tcp: AddressInfo[];
}

export interface BoundDnsListeners {
  readonly udp: UdpListener;
  readonly tcp: TcpListener;
  readonly addresses: DnsListenAddresses;
}

/** The listeners' options but where they bind (given per attempt). */
export interface DnsListenerParts {
  readonly logger: Logger;
  readonly udp: Omit<UdpListenerOptions, 'logger' | 'address' | 'port' | 'type'>;
  readonly tcp: Omit<TcpListenerOptions, 'logger' | 'address' | 'port' | 'dualStack'>;
}

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
  return new MesosDnsError(ErrorCode.LISTEN, `cannot listen for DNS on ${protocol} ${joinHostPort(address, port)}: ${code}`, { cause });
}

/** A failed bind, with what bindDnsListeners needs to decide whether to try again. */
class BindFailure {
  constructor(
    readonly protocol: 'udp' | 'tcp',
    readonly errno: string,
    readonly error: MesosDnsError,
  ) {}
}

/** Binds UDP, then TCP on the port UDP got; closes both when either fails. */
async function bindPair(plan: BindPlan, port: number, parts: DnsListenerParts): Promise<BoundDnsListeners> {
  const { logger } = parts;
  const u = createUdpListener({ ...parts.udp, logger, address: plan.address, port, type: plan.udpType });
  let udpAddress: AddressInfo;
  try {
    udpAddress = await u.listen();
  } catch (err) {
    await u.close();
    throw new BindFailure('udp', errnoCode(err), listenError('udp', plan.address, port, err));
  }
  const t = createTcpListener({ ...parts.tcp, logger, address: plan.address, port: udpAddress.port, dualStack: plan.dualStack });
  try {
    const tcpAddress = await t.listen();
    return { udp: u, tcp: t, addresses: { udp: [udpAddress], tcp: [tcpAddress] } };
  } catch (err) {
    await Promise.all([u.close(), t.close(0)]);
    throw new BindFailure('tcp', errnoCode(err), listenError('tcp', plan.address, udpAddress.port, err));
  }
}

/**
 * Binds UDP and TCP on listener:port. Port 0 tries a few ephemeral ports until one is free for both;
 * "0.0.0.0" falls back to IPv4 alone where the host has no IPv6. Throws the MesosDnsError of the last
 * failed bind.
 */
export async function bindDnsListeners(listener: string, port: number, parts: DnsListenerParts): Promise<BoundDnsListeners> {
  const plans = bindPlans(listener);
  let lastError: unknown;
  for (const [index, plan] of plans.entries()) {
    const attempts = port === 0 ? EPHEMERAL_PORT_ATTEMPTS : 1;
    for (let attempt = 0; attempt < attempts; attempt++) {
      try {
        const bound = await bindPair(plan, port, parts);
        parts.logger.info({ udp: bound.addresses.udp, tcp: bound.addresses.tcp, dualStack: plan.dualStack }, 'dns server listening');
        return bound;
      } catch (err) {
        if (!(err instanceof BindFailure)) throw err;
        lastError = err.error;
        // The UDP port was free but its TCP twin was not: try another ephemeral port.
        if (port === 0 && err.protocol === 'tcp' && err.errno === 'EADDRINUSE') continue;
        if (plan.dualStack && index < plans.length - 1 && IPV6_UNAVAILABLE.has(err.errno)) {
          parts.logger.warn({ err: err.error }, 'ipv6 unavailable: dns listens on ipv4 only');
          break;
        }
        throw err.error;
      }
    }
  }
  throw lastError;
}
