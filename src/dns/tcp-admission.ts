// Who gets a DNS/TCP connection slot (pure). Each client address may hold a bounded share of the
// listener's connections, so one client cannot take them all; when the listener is full, the connection
// that costs least to lose makes room: one already closing, else the least recently active idle one,
// else the longest-busy connection of the client holding the most, provided it holds at least two more
// than the newcomer (taking from an equal holder would only move the unfairness). A client at its share
// makes room among its own connections, or is refused: it never evicts another client's connection.

export interface Occupant {
  /** The client address it is counted under (net/networks.ts clientKey). */
  readonly source: string;
  /** The server decided to close it and only waits for the FIN to go out. */
  readonly closing: boolean;
  /** No query of it is waiting for an answer. */
  readonly idle: boolean;
  /** When its oldest unanswered query arrived (for busy connections). */
  readonly busySince: number;
}

export interface AdmissionLimits {
  readonly maxConnections: number;
  readonly maxConnectionsPerClient: number;
}

export type Admission<T> =
  | { readonly kind: 'admit' }
  | { readonly kind: 'evict'; readonly victim: T; readonly reason: 'limit' | 'client_limit' }
  | { readonly kind: 'refuse'; readonly reason: 'limit' | 'client_limit' };

const ADMIT = { kind: 'admit' } as const;

/**
 * Decides on a new connection from `source`. `open` lists the open connections least recently active
 * first (afresh on every call); `perSource` counts them by source.
 */
export function admit<T extends Occupant>(
  source: string,
  open: () => Iterable<T>,
  openCount: number,
  perSource: ReadonlyMap<string, number>,
  limits: AdmissionLimits,
): Admission<T> {
  const own = perSource.get(source) ?? 0;
  if (own >= limits.maxConnectionsPerClient) {
    const victim = leastValuable(open, (c) => c.source === source);
    return victim ? { kind: 'evict', victim, reason: 'client_limit' } : { kind: 'refuse', reason: 'client_limit' };
  }
  if (openCount < limits.maxConnections) return ADMIT;
  const victim = leastValuable(open, () => true) ?? longestBusyOfLargestHolder(open, perSource, own);
  return victim ? { kind: 'evict', victim, reason: 'limit' } : { kind: 'refuse', reason: 'limit' };
}

/** The first closing connection among those `eligible`, else the first idle one. */
function leastValuable<T extends Occupant>(open: () => Iterable<T>, eligible: (c: T) => boolean): T | undefined {
  let firstIdle: T | undefined;
  for (const c of open()) {
    if (!eligible(c)) continue;
    if (c.closing) return c;
    if (c.idle && !firstIdle) firstIdle = c;
  }
  return firstIdle;
}

function longestBusyOfLargestHolder<T extends Occupant>(open: () => Iterable<T>, perSource: ReadonlyMap<string, number>, own: number): T | undefined {
  let largest: string | undefined;
  let largestCount = own + 1;
  for (const [source, count] of perSource) {
    if (count > largestCount) {
      largest = source;
      largestCount = count;
    }
  }
  if (largest === undefined) return undefined;
  let victim: T | undefined;
  for (const c of open()) {
    if (c.source === largest && (!victim || c.busySince < victim.busySince)) victim = c;
  }
  return victim;
}
