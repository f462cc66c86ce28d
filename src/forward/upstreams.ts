// Upstream addresses and forwarder selection (pure).
import { isIP } from 'node:net';

export interface Upstream {
  readonly host: string;
  readonly port: number;
  readonly family: 4 | 6;
  /** "ip:port" ("[v6]:port"), used as the metrics label and in logs. */
  readonly label: string;
}

/**
 * Parses "ip", "ip:port", "[v6]" , "[v6]:port" or a bare IPv6 address (port 53 by default).
 * Undefined for anything else (host names are not accepted, as in Mesos-DNS).
 */
export function parseUpstream(text: string): Upstream | undefined {
  const s = text.trim();
  let host: string;
  let portText: string | undefined;
  if (s.startsWith('[')) {
    const close = s.indexOf(']');
    if (close < 0) return undefined;
    host = s.slice(1, close);
    const rest = s.slice(close + 1);
    if (rest !== '') {
      if (!rest.startsWith(':')) return undefined;
      portText = rest.slice(1);
    }
  } else if (isIP(s) === 6) {
    host = s;
  } else {
    const colon = s.lastIndexOf(':');
    if (colon >= 0) {
      host = s.slice(0, colon);
      portText = s.slice(colon + 1);
    } else {
      host = s;
    }
  }
  const family = isIP(host);
  if (family !== 4 && family !== 6) return undefined;
  let port = 53;
  if (portText !== undefined) {
    if (!/^[0-9]{1,5}$/.test(portText)) return undefined;
    port = Number(portText);
    if (port < 1 || port > 65535) return undefined;
  }
  return { host, port, family, label: family === 6 ? `[${host}]:${port}` : `${host}:${port}` };
}

export interface UpstreamPlan {
  /** Default resolvers, in configured order. */
  readonly resolvers: readonly Upstream[];
  /** Zone (lower-case, no trailing dot) to its resolvers. */
  readonly zones: ReadonlyMap<string, readonly Upstream[]>;
  /** Entries that did not parse (reported once when the plan is built). */
  readonly invalid: readonly string[];
}

function parseList(list: readonly string[], invalid: string[]): Upstream[] {
  const out: Upstream[] = [];
  for (const text of list) {
    const upstream = parseUpstream(text);
    if (upstream) out.push(upstream);
    else invalid.push(text);
  }
  return out;
}

/** Builds the selection plan; zone keys are lower-cased and stripped of dots at the ends (quirk #26). */
export function planUpstreams(
  resolvers: readonly string[],
  zoneResolvers: Readonly<Record<string, readonly string[]>>,
): UpstreamPlan {
  const invalid: string[] = [];
  const zones = new Map<string, readonly Upstream[]>();
  for (const [zone, list] of Object.entries(zoneResolvers)) {
    const key = zone.toLowerCase().replace(/^\.+|\.+$/g, '');
    if (key === '') continue;
    zones.set(key, parseList(list, invalid));
  }
  return { resolvers: parseList(resolvers, invalid), zones, invalid };
}

/**
 * The resolvers for a question: those of the most specific zone containing the name
 * (label-aware: `foomesos` is not in `mesos`), else the default ones.
 * `labels` are the lower-cased labels of the question name.
 */
export function selectUpstreams(plan: UpstreamPlan, labels: readonly string[]): readonly Upstream[] {
  if (plan.zones.size > 0) {
    for (let i = 0; i < labels.length; i++) {
      const zone = plan.zones.get(labels.slice(i).join('.'));
      if (zone) return zone;
    }
  }
  return plan.resolvers;
}
