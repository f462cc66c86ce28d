// How the ZooKeeper client paces reconnects and which session timeouts it accepts from a server. Pure.
// Without these a server that completes the handshake and closes (or answers "expired" to every new
// session) drew ~10,000 reconnects a second, each starting a detector read.

export interface BackoffPolicy {
  /** The first wait after an attempt that did not give a stable connection. */
  readonly initialMs: number;
  /** The longest wait. */
  readonly maxMs: number;
}

/**
 * 100 ms, doubling to 10 s. The first retry stays quick (a server restart or a move to another
 * ensemble member costs ~0.1 s), and a server that keeps failing sees at most ~14 attempts a minute.
 */
export const DEFAULT_RECONNECT_BACKOFF: BackoffPolicy = Object.freeze({ initialMs: 100, maxMs: 10_000 });

/** A connection that stayed up this long was stable: the next reconnect is immediate and the backoff starts over. */
export const STABLE_CONNECTION_MS = 5000;

/**
 * The session timeouts accepted from a server; others are clamped. ZooKeeper itself negotiates
 * between 2 and 20 ticks (4–40 s at its default 2 s tick). Below 1 s the ping cadence (a third of
 * it) is within network jitter and the client would judge a live server dead; above 60 s a dead
 * server would go unnoticed for minutes (2^31-1 ms would be 24 days without a ping).
 */
export const SESSION_TIMEOUT_BOUNDS_MS = Object.freeze({ min: 1000, max: 60_000 });

export function clampSessionTimeout(offeredMs: number): number {
  return Math.min(SESSION_TIMEOUT_BOUNDS_MS.max, Math.max(SESSION_TIMEOUT_BOUNDS_MS.min, offeredMs));
}

/**
 * The wait before a reconnect, `failures` being the attempts in a row that did not give a stable
 * connection (0: none, reconnect at once). "Equal jitter": half of the exponential step is fixed and
 * half random, so clients that lost the same server spread out, while the fixed half bounds the rate
 * however the random draws fall (full jitter can draw ~0 several times running).
 */
export function backoffDelay(failures: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  if (failures <= 0) return 0;
  const step = Math.min(policy.maxMs, policy.initialMs * 2 ** Math.min(failures - 1, 30));
  return Math.round(step / 2 + (random() * step) / 2);
}

/**
 * The longest wait for a session of `sessionTimeoutMs`: a third of it (never below the first step),
 * so a client backing off still reconnects in time to resume its session once a server is back.
 */
export function backoffCapFor(policy: BackoffPolicy, sessionTimeoutMs: number): BackoffPolicy {
  const maxMs = Math.min(policy.maxMs, Math.max(policy.initialMs, Math.floor(sessionTimeoutMs / 3)));
  return { initialMs: policy.initialMs, maxMs };
}
