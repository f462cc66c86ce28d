// host:port text (pure): the one home for splitting, joining and port numbers, for config addresses,
// master entries, leader PIDs, resolvers and listeners alike.

export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

export interface HostPort {
  /** Host without brackets. */
  readonly host: string;
  /** Port text as written (not validated here). */
  readonly port: string;
}

/**
 * Splits "host:port" like Go's net.SplitHostPort: "[v6]:port" or exactly one colon. The port text is
 * returned as written (not validated here).
 */
export function splitHostPort(text: string): Parsed<HostPort> {
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0) return { ok: false, error: 'missing "]" in address' };
    const host = text.slice(1, close);
    const rest = text.slice(close + 1);
    if (!rest.startsWith(':')) return { ok: false, error: 'missing port in address' };
    const port = rest.slice(1);
    if (port.includes(':')) return { ok: false, error: 'too many colons in address' };
    if (host.includes('[') || host.includes(']') || port.includes(']') || port.includes('[')) {
      return { ok: false, error: 'unexpected bracket in address' };
    }
    return { ok: true, value: { host, port } };
  }
  const colon = text.lastIndexOf(':');
  if (colon < 0) return { ok: false, error: 'missing port in address' };
  const host = text.slice(0, colon);
  if (host.includes(':')) return { ok: false, error: 'too many colons in address' };
  if (text.includes('[') || text.includes(']')) return { ok: false, error: 'unexpected bracket in address' };
  return { ok: true, value: { host, port: text.slice(colon + 1) } };
}

/** The standard split, or undefined where it fails (missing port, too many colons, stray brackets). */
export function splitStandardHostPort(text: string): HostPort | undefined {
  const split = splitHostPort(text);
  return split.ok ? split.value : undefined;
}

/**
 * Splits "host:port" as Mesos-DNS does for master entries and PIDs: the standard split, else at the
 * first ':' ("a:b:c" gives host "a", port "b:c"); undefined when there is no ':' at all.
 */
export function splitHostPortLoosely(text: string): HostPort | undefined {
  const standard = splitStandardHostPort(text);
  if (standard) return standard;
  const colon = text.indexOf(':');
  if (colon < 0) return undefined;
  return { host: text.slice(0, colon), port: text.slice(colon + 1) };
}

/** "host:port", IPv6 literals in brackets. */
export function joinHostPort(host: string, port: number | string): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** "host" as it stands before ":port" in a URL or a log line: IPv6 literals in brackets. */
export function bracketHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/** A decimal port text in [min, 65535] (Go's strconv.Atoi accepts leading zeros: "05050" is 5050). */
export function parsePort(text: string, min = 1): number | undefined {
  if (!/^\d{1,5}$/.test(text)) return undefined;
  const port = Number(text);
  return port >= min && port <= 65_535 ? port : undefined;
}
