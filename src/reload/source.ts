// The state source contract: whatever keeps the record store fed (a poller of /master/state today, a
// file for the embedded default and tests, a streaming SUBSCRIBE client later). Neither the record
// engine nor the servers change when a new source arrives.

export interface SourceStatus {
  /** "host:port" of the master the last state came from, if any. */
  readonly leader: string | undefined;
  /** Wall-clock ms of the last attempt / the last success (a table swapped in). */
  readonly lastAttemptAt: number | undefined;
  readonly lastSuccessAt: number | undefined;
  /** Cause of the last failed attempt, cleared by a success. */
  readonly lastError: string | undefined;
  readonly consecutiveFailures: number;
  /** Wall-clock ms since when no leader is known (ZooKeeper), undefined while one is. */
  readonly leaderLostSince: number | undefined;
  /** The interval the source refreshes at, in seconds (health uses it to judge staleness). */
  readonly refreshSeconds: number;
}

export interface StateSource {
  /** Begins feeding the store; resolves once started (not once the first table is loaded). */
  start(): Promise<void>;
  status(): SourceStatus;
  /** Stops timers, aborts a fetch in flight, closes sessions and workers. Idempotent. */
  close(): Promise<void>;
}
