// Resolves framework and agent host names that are not IP literals (behaviour §2.4, §8 #33 MATCH, with the
// fix that a reload never waits long): system lookups (getaddrinfo, so /etc/hosts counts, as Go's
// resolver does) with a per-name timeout, bounded concurrency and a cache of about one refresh period.
import { lookup as dnsLookup } from 'node:dns/promises';
import type { MesosState } from '../records/state-types.js';
import { isIpLiteral } from './host-port.js';

export type LookupAll = (host: string) => Promise<readonly string[]>;

/** How long one host name may take to resolve before it counts as having no address. */
export const HOST_LOOKUP_TIMEOUT_MS = 1000;

export interface HostLookupOptions {
  /** Per-name timeout. */
  readonly timeoutMs?: number;
  /** How long an answer (or a failure) is reused. */
  readonly cacheMs?: number;
  readonly concurrency?: number;
  /** At most this many names are cached (oldest dropped first). */
  readonly maxEntries?: number;
  readonly lookup?: LookupAll;
  readonly now?: () => number;
}

export interface HostLookup {
  /** Addresses for each name (IP literals are skipped); a name that failed or timed out maps to []. */
  resolve(hosts: Iterable<string>): Promise<Map<string, readonly string[]>>;
  readonly stats: { lookups: number; cacheHits: number; timeouts: number; failures: number };
}

export const systemLookup: LookupAll = async (host) => {
  const results = await dnsLookup(host, { all: true, order: 'verbatim' });
  return results.map((r) => r.address);
};

/** The non-IP host names generation will want addresses for: framework PID hosts (or hostname without a PID) and agent PID hosts. */
export function hostsToResolve(state: MesosState<unknown>): Set<string> {
  const hosts = new Set<string>();
  for (const f of state.frameworks) {
    if (f.pidInvalid) continue;
    const host = f.pid ? f.pid.host : f.hostname;
    if (host && !isIpLiteral(host)) hosts.add(host);
  }
  for (const s of state.slaves) {
    if (s.pid && s.pid.host && !isIpLiteral(s.pid.host)) hosts.add(s.pid.host);
  }
  return hosts;
}

export function createHostLookup(options: HostLookupOptions = {}): HostLookup {
  const timeoutMs = options.timeoutMs ?? HOST_LOOKUP_TIMEOUT_MS;
  const cacheMs = options.cacheMs ?? 60_000;
  const concurrency = options.concurrency ?? 32;
  const maxEntries = options.maxEntries ?? 100_000;
  const lookup = options.lookup ?? systemLookup;
  const now = options.now ?? Date.now;
  const cache = new Map<string, { addresses: readonly string[]; expires: number }>();
  const stats = { lookups: 0, cacheHits: 0, timeouts: 0, failures: 0 };

  async function lookupOne(host: string): Promise<readonly string[]> {
    stats.lookups++;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    try {
      const r = await Promise.race([lookup(host), timeout]);
      if (r === 'timeout') {
        stats.timeouts++;
        return [];
      }
      return r.filter(isIpLiteral);
    } catch {
      stats.failures++;
      return [];
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    stats,
    async resolve(hosts) {
      const out = new Map<string, readonly string[]>();
      const todo: string[] = [];
      const t = now();
      for (const host of hosts) {
        if (isIpLiteral(host) || out.has(host)) continue;
        const hit = cache.get(host);
        if (hit && hit.expires > t) {
          stats.cacheHits++;
          out.set(host, hit.addresses);
        } else {
          out.set(host, []);
          todo.push(host);
        }
      }
      let next = 0;
      const workers = Array.from({ length: Math.min(concurrency, todo.length) }, async () => {
        while (next < todo.length) {
          const host = todo[next++] as string;
          const addresses = await lookupOne(host);
          out.set(host, addresses);
          cache.delete(host);
          cache.set(host, { addresses, expires: now() + cacheMs });
        }
      });
      await Promise.all(workers);
      while (cache.size > maxEntries) {
        const oldest = cache.keys().next().value as string;
        cache.delete(oldest);
      }
      return out;
    },
  };
}

export interface StateHostAddresses {
  /** Addresses by host name for generation; undefined when the state names no host to resolve. */
  readonly hostAddresses: Map<string, readonly string[]> | undefined;
  /** How many host names were asked for. */
  readonly names: number;
}

/** Resolves the state's host names (hostsToResolve) for generation: what every reload, and `records`, does. */
export async function lookUpStateHosts(lookup: HostLookup, state: MesosState<unknown>): Promise<StateHostAddresses> {
  const hosts = hostsToResolve(state);
  return { hostAddresses: hosts.size > 0 ? await lookup.resolve(hosts) : undefined, names: hosts.size };
}
