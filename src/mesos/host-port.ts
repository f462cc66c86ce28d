// host:port handling for master entries and leader PIDs (behaviour §1.5). Pure.
import { isIP } from 'node:net';

export interface HostPort {
  /** Host without brackets. */
  readonly host: string;
  /** Port text as written (not validated here). */
  readonly port: string;
}

/**
 * The standard split, as Go's net.SplitHostPort: "[v6]:port" or "host:port" where host has no colon.
 * Returns undefined where it fails (missing port, too many colons, stray brackets).
 */
export function splitStandardHostPort(hostport: string): HostPort | undefined {
  if (hostport.startsWith('[')) {
    const end = hostport.indexOf(']');
    if (end < 0) return undefined;
    if (hostport[end + 1] !== ':') return undefined;
    const host = hostport.slice(1, end);
    const port = hostport.slice(end + 2);
    if (host.includes('[') || host.includes(']') || port.includes(']') || port.includes('[')) return undefined;
    if (port.includes(':')) return undefined;
    return { host, port };
  }
  const colon = hostport.lastIndexOf(':');
  if (colon < 0) return undefined;
  const host = hostport.slice(0, colon);
  const port = hostport.slice(colon + 1);
  if (host.includes(':') || host.includes('[') || host.includes(']') || port.includes('[') || port.includes(']')) {
    return undefined;
  }
  return { host, port };
}

/**
 * Splits "host:port" as Mesos-DNS does: the standard split, else at the first ':' ("a:b:c" gives
 * host "a", port "b:c"); undefined when there is no ':' at all.
 */
export function splitHostPort(hostport: string): HostPort | undefined {
  const standard = splitStandardHostPort(hostport);
  if (standard) return standard;
  const colon = hostport.indexOf(':');
  if (colon < 0) return undefined;
  return { host: hostport.slice(0, colon), port: hostport.slice(colon + 1) };
}

/** "host:port", IPv6 literals bracketed. */
export function joinHostPort(host: string, port: string | number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** The port as an integer 1–65535, or undefined. */
export function parsePort(port: string): number | undefined {
  if (!/^[0-9]{1,5}$/.test(port)) return undefined;
  const n = Number(port);
  return n >= 1 && n <= 65535 ? n : undefined;
}

export function isIpLiteral(host: string): boolean {
  return isIP(host) !== 0;
}
