// Pure parsers for the address forms config.json uses: host:port (Go's net.SplitHostPort rules),
// resolver addresses, ZooKeeper URLs and host names. No sockets, no fs.

import { joinHostPort, parsePort, splitHostPort, type Parsed } from '../net/host-port.js';
import { canonicalIp } from '../net/ip-text.js';
import { parseIpPort, splitIpPort, type IpPort } from '../net/ip-port.js';

export type { Parsed } from '../net/host-port.js';

const DNS_PORT = 53;

/**
 * A resolver address: an IP or IP:port (IPv6 bare or bracketed, with or without a port), no host
 * names. Returns the canonical "ip:port" form, e.g. "[2001:db8::1]:53".
 */
export function normaliseResolver(text: string): Parsed<string> {
  const split = splitIpPort(text);
  const ip = split && canonicalIp(split.host);
  if (!split || !ip) {
    return { ok: false, error: `"${text}" is not an IP address or IP:port (host names are not accepted)` };
  }
  const port = split.port === undefined ? DNS_PORT : parsePort(split.port);
  if (port === undefined) return { ok: false, error: `"${text}" has an invalid port (expected 1-65535)` };
  return { ok: true, value: joinHostPort(ip.text, port) };
}

/**
 * The address the forwarder sends to for one entry of the effective Resolvers or ZoneResolvers:
 * the validated "ip:port" forms, and resolv.conf's link-local "[v6%zone]:53"; surrounding spaces
 * are ignored. Undefined for what does not parse (kept in Config only while forwarding is off).
 */
export function resolverAddress(text: string): IpPort | undefined {
  return parseIpPort(text.trim(), DNS_PORT);
}

const HOST_LABEL = /^[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$/;

/** A DNS host name (letters, digits, '-', '_'; labels 1-63 octets; optional trailing dot). */
export function isHostName(text: string): boolean {
  const name = text.endsWith('.') ? text.slice(0, -1) : text;
  if (name === '' || name.length > 253) return false;
  return name.split('.').every((label) => HOST_LABEL.test(label));
}

export interface ZkServer {
  readonly host: string;
  readonly port: number;
}

export interface ZkUrl {
  /** ZooKeeper servers in URL order; a missing port means 2181. IPv6 hosts without brackets. */
  readonly servers: readonly ZkServer[];
  /** The znode whose children masters register under, e.g. "/mesos". */
  readonly path: string;
}

export const ZK_DEFAULT_PORT = 2181;

/**
 * `zk://[user:password@]host[:port][,host[:port]...]/path` (behaviour §1.1). Credentials are accepted and
 * ignored, as Mesos-DNS does. Any other form (file://, host:port, master@host:port) is rejected
 * (behaviour §8 #34).
 */
/**
 * A zk:// URL fit to show (/v1/config, error messages): the password of `user:password@` becomes
 * "***"; userinfo without a colon (a bare token) becomes "***" as a whole. Hosts and path are kept.
 */
export function redactZkUrl(text: string): string {
  // Any scheme (or none): a mistyped URL is quoted in error messages too.
  const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.exec(text)?.[0] ?? '';
  const rest = text.slice(scheme.length);
  const slash = rest.indexOf('/');
  const authority = slash < 0 ? rest : rest.slice(0, slash);
  const at = authority.lastIndexOf('@');
  if (at < 0) return text;
  const userinfo = authority.slice(0, at);
  const colon = userinfo.indexOf(':');
  const shown = colon < 0 ? '***' : `${userinfo.slice(0, colon)}:***`;
  return `${scheme}${shown}${rest.slice(at)}`;
}

export function parseZkUrl(text: string): Parsed<ZkUrl> {
  const fail = (why: string): Parsed<ZkUrl> => ({
    ok: false,
    error: `${why}; expected zk://host1:port1,host2:port2/path, got "${redactZkUrl(text)}"`,
  });
  if (!text.startsWith('zk://')) return fail('not a zk:// URL');
  const rest = text.slice('zk://'.length);
  const slash = rest.indexOf('/');
  if (slash < 0) return fail('missing znode path');
  let authority = rest.slice(0, slash);
  // A trailing slash is tolerated ("/mesos/" is "/mesos").
  const path = rest.slice(slash).replace(/(?<=.)\/+$/, '');
  const at = authority.lastIndexOf('@');
  if (at >= 0) authority = authority.slice(at + 1);
  if (authority === '') return fail('no ZooKeeper servers');
  if (path === '/' || path.endsWith('/') || path.split('/').slice(1).some((segment) => segment === '')) {
    return fail(`invalid znode path "${path}"`);
  }
  if (/[\s?#]/.test(path)) return fail(`invalid znode path "${path}"`);
  const servers: ZkServer[] = [];
  for (const entry of authority.split(',')) {
    let host = entry;
    let port = ZK_DEFAULT_PORT;
    const split = splitHostPort(entry);
    if (split.ok) {
      const parsed = parsePort(split.value.port);
      if (parsed === undefined) return fail(`invalid port in "${entry}"`);
      host = split.value.host;
      port = parsed;
    } else if (entry.startsWith('[') && entry.endsWith(']')) {
      host = entry.slice(1, -1);
    }
    if (!canonicalIp(host) && !isHostName(host)) return fail(`invalid ZooKeeper host "${entry}"`);
    if (host.includes(':') && !entry.startsWith('[')) return fail(`IPv6 host "${entry}" must be bracketed`);
    servers.push({ host, port });
  }
  return { ok: true, value: { servers, path } };
}
