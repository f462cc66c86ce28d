// Who holds the HTTP connections, and which one gives way when a new one arrives (see admit()).
// Bookkeeping only: the server closes what this names.

/** Why a connection was closed to make room; "idle" and "busy" describe the connection closed. */
export const EvictionReason = {
  /** The server was full: a connection with no request in flight went. */
  IDLE: 'evicted_idle',
  /** The server was full of busy connections: the longest-busy one of the largest holder went. */
  BUSY: 'evicted_busy',
  /** The client was at its share: one of its own connections with no request in flight went. */
  CLIENT_IDLE: 'client_share_evicted_idle',
  /** The client was at its share with every connection busy: its own longest-busy one went. */
  CLIENT_BUSY: 'client_share_evicted_busy',
} as const;
export type EvictionReason = (typeof EvictionReason)[keyof typeof EvictionReason];

/**
 * A connection that has not finished a request head this long after opening is treated like an idle
 * one. Until then it is spared like a busy one: a client sends its request at once, and a fresh
 * connection (say, a health check) must not be the first to go when the next newcomer arrives.
 */
export const FRESH_CONNECTION_MS = 1_000;

export interface ConnectionCaps {
  /** Connections open at once. */
  readonly maxConnections: number;
  /** Connections one client address may hold (at or above maxConnections: no per-client limit). */
  readonly maxPerClient: number;
}

export interface Eviction<K> {
  readonly victim: K;
  readonly reason: EvictionReason;
  /** The client whose connection goes. */
  readonly client: string;
}

interface Slot {
  readonly client: string;
  readonly openedAt: number;
  /** Requests in flight (node handles one at a time per connection, so 0 or 1). */
  inFlight: number;
  /** At least one request was answered (idle now means idle keep-alive, not "still opening"). */
  served: boolean;
  /** When the connection last became idle (opened, or a request ended) or busy (a request started). */
  since: number;
}

export class ConnectionTable<K> {
  private readonly slots = new Map<K, Slot>();
  private readonly byClient = new Map<string, Set<K>>();
  /** Connections with no request in flight, least recently active first. */
  private readonly idle = new Set<K>();

  /** `now`: a monotonic clock in ms. */
  constructor(private readonly now: () => number) {}

  get size(): number {
    return this.slots.size;
  }

  /** Connections with no request in flight (opening, or idle between requests). */
  idleConnections(): Iterable<K> {
    return this.idle;
  }

  countOf(client: string): number {
    return this.byClient.get(client)?.size ?? 0;
  }

  /**
   * What must give way before a new connection from `client` is taken; undefined if nothing must.
   * Nobody is ever refused: the connection that gives way is the one least likely to be doing useful
   * work, so a fresh request (a health check, a scrape) always gets in. Idle connections go first,
   * least recently active first; failing those, the longest-busy (or longest-opening) one.
   *
   * A client at its share loses one of its own connections, never another client's, rather than
   * being refused. One address is often many programs: Docker bridge-mode tasks reach other hosts
   * masqueraded as their agent's address, and everything behind a proxy or NAT shares one. Refusing
   * would fail the well-behaved program on that address (a health checker, a Prometheus scrape) while
   * the connections stuck the longest live on; evicting cuts the request most likely to be stuck, and
   * a client looping on new connections only churns its own.
   *
   * A full server takes from everyone's idle connections, or else from the client holding the most,
   * so the greediest client pays.
   */
  admit(client: string, caps: ConnectionCaps): Eviction<K> | undefined {
    const now = this.now();
    const own = this.byClient.get(client);
    if (own !== undefined && own.size >= Math.max(1, caps.maxPerClient)) {
      const victim = this.idleCandidate(own, now) ?? this.oldest(own);
      if (victim !== undefined) return this.eviction(victim, EvictionReason.CLIENT_IDLE, EvictionReason.CLIENT_BUSY);
    }
    if (this.slots.size < Math.max(1, caps.maxConnections)) return undefined;
    const victim = this.idleCandidate(this.idle, now) ?? this.oldest(this.largestHolders());
    return victim === undefined ? undefined : this.eviction(victim, EvictionReason.IDLE, EvictionReason.BUSY);
  }

  add(key: K, client: string): void {
    if (this.slots.has(key)) return;
    const now = this.now();
    this.slots.set(key, { client, openedAt: now, inFlight: 0, served: false, since: now });
    this.idle.add(key);
    let own = this.byClient.get(client);
    if (own === undefined) {
      own = new Set();
      this.byClient.set(client, own);
    }
    own.add(key);
  }

  /** Forgets a connection; false if it was not (or no longer) known. */
  remove(key: K): boolean {
    const slot = this.slots.get(key);
    if (slot === undefined) return false;
    this.slots.delete(key);
    this.idle.delete(key);
    const own = this.byClient.get(slot.client);
    own?.delete(key);
    if (own?.size === 0) this.byClient.delete(slot.client);
    return true;
  }

  requestStarted(key: K): void {
    const slot = this.slots.get(key);
    if (slot === undefined) return;
    if (slot.inFlight++ === 0) {
      slot.since = this.now();
      this.idle.delete(key);
    }
  }

  requestEnded(key: K): void {
    const slot = this.slots.get(key);
    if (slot === undefined || slot.inFlight === 0) return;
    if (--slot.inFlight === 0) {
      slot.served = true;
      slot.since = this.now();
      this.idle.add(key);
    }
  }

  private eviction(victim: K, ifIdle: EvictionReason, ifBusy: EvictionReason): Eviction<K> {
    const slot = this.slots.get(victim) as Slot;
    return { victim, reason: slot.inFlight === 0 ? ifIdle : ifBusy, client: slot.client };
  }

  /** The least recently active idle connection among `keys`, fresh ones (still opening) excepted. */
  private idleCandidate(keys: Iterable<K>, now: number): K | undefined {
    let found: K | undefined;
    let since = Number.POSITIVE_INFINITY;
    for (const key of keys) {
      const slot = this.slots.get(key);
      if (slot === undefined || slot.inFlight > 0 || slot.since >= since) continue;
      if (!slot.served && now - slot.openedAt < FRESH_CONNECTION_MS) continue;
      found = key;
      since = slot.since;
    }
    return found;
  }

  /** The connection among `keys` in its current state (busy, or opening) the longest. */
  private oldest(keys: Iterable<K>): K | undefined {
    let found: K | undefined;
    let since = Number.POSITIVE_INFINITY;
    for (const key of keys) {
      const slot = this.slots.get(key);
      if (slot !== undefined && slot.since < since) {
        found = key;
        since = slot.since;
      }
    }
    return found;
  }

  /** The connections of every client holding the most connections (ties all count). */
  private *largestHolders(): Iterable<K> {
    let most = 0;
    for (const own of this.byClient.values()) most = Math.max(most, own.size);
    for (const own of this.byClient.values()) if (own.size === most) yield* own;
  }
}
