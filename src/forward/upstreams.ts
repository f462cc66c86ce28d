// Upstream resolvers and their selection per question (pure).
import { joinHostPort } from '../net/host-port.js';
import type { IpPort } from '../net/ip-port.js';

export interface Upstream extends IpPort {
  /** "ip:port" ("[v6]:port"), used as the metrics label and in logs. */
  readonly label: string;
}

export interface UpstreamPlan {
  /** Default resolvers, in configured order. */
  readonly resolvers: readonly Upstream[];
  /** Zone (lower-case, no trailing dot) to its resolvers. */
  readonly zones: ReadonlyMap<string, readonly Upstream[]>;
}

function labelled(list: readonly IpPort[]): Upstream[] {
  return list.map((address) => ({ ...address, label: joinHostPort(address.host, address.port) }));
}

/** Builds the selection plan; zone keys are lower-cased and stripped of dots at the ends (quirk #26). */
export function planUpstreams(
  resolvers: readonly IpPort[],
  zoneResolvers: Readonly<Record<string, readonly IpPort[]>>,
): UpstreamPlan {
  const zones = new Map<string, readonly Upstream[]>();
  for (const [zone, list] of Object.entries(zoneResolvers)) {
    const key = zone.toLowerCase().replace(/^\.+|\.+$/g, '');
    if (key === '') continue;
    zones.set(key, labelled(list));
  }
  return { resolvers: labelled(resolvers), zones };
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
