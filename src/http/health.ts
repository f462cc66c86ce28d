// The readiness verdict behind GET /health (our addition; Mesos-DNS has no health endpoint). Ready
// means: a table is being served, the last successful refresh is recent (within 3 refresh
// intervals) and, with ZooKeeper, a leader is known or has been missing for less than
// ZkDetectionTimeout. Pure: the caller passes the clock reading.
import type { Config } from '../config/types.js';
import type { SourceStatus } from '../reload/source.js';
import type { TableSnapshot } from '../records/store.js';

/** A refresh older than this many intervals makes the table stale. */
export const STALE_AFTER_INTERVALS = 3;

export interface HealthReport {
  readonly ready: boolean;
  /** JSON body of /health, keys in display order. */
  readonly body: {
    readonly status: 'ok' | 'unavailable';
    readonly reason?: string;
    readonly serial: number | null;
    readonly generation: number | null;
    readonly tableAgeSeconds: number | null;
    readonly lastRefreshAgeSeconds: number | null;
    readonly leader: string | null;
    readonly consecutiveFailures: number;
    readonly lastError?: string;
  };
}

export interface HealthInput {
  readonly snapshot: TableSnapshot | undefined;
  readonly status: SourceStatus | undefined;
  readonly config: Pick<Config, 'refreshSeconds' | 'zkDetectionTimeout' | 'zk'>;
  /** Wall-clock ms. */
  readonly now: number;
}

function ageSeconds(now: number, then: number | undefined): number | null {
  if (then === undefined) return null;
  return Math.max(0, Math.floor((now - then) / 1000));
}

/** Hides credentials a URL in an error message might carry (zk://user:pass@host, http://u:p@host). */
export function scrubCredentials(message: string): string {
  return message.replace(/\/\/[^/@\s]*@/g, '//[redacted]@');
}

export function assessHealth(input: HealthInput): HealthReport {
  const { snapshot, status, config, now } = input;
  const refreshSeconds = status?.refreshSeconds && status.refreshSeconds > 0 ? status.refreshSeconds : config.refreshSeconds;
  const lastSuccessAt = status?.lastSuccessAt ?? snapshot?.loadedAt;
  const refreshAge = ageSeconds(now, lastSuccessAt);
  const leaderLostFor = status?.leaderLostSince === undefined ? undefined : Math.max(0, now - status.leaderLostSince);

  let reason: string | undefined;
  if (!snapshot) {
    reason = 'no table yet';
  } else if (
    config.zkDetectionTimeout > 0 &&
    leaderLostFor !== undefined &&
    leaderLostFor >= config.zkDetectionTimeout * 1000
  ) {
    reason = `no leader for ${Math.floor(leaderLostFor / 1000)}s`;
  } else if (lastSuccessAt !== undefined && now - lastSuccessAt > STALE_AFTER_INTERVALS * refreshSeconds * 1000) {
    reason = `stale: last refresh ${refreshAge ?? 0}s ago`;
  }

  const body: HealthReport['body'] = {
    status: reason === undefined ? 'ok' : 'unavailable',
    ...(reason === undefined ? {} : { reason }),
    serial: snapshot?.serial ?? null,
    generation: snapshot?.generation ?? null,
    tableAgeSeconds: ageSeconds(now, snapshot?.loadedAt),
    lastRefreshAgeSeconds: refreshAge,
    leader: status?.leader || null,
    consecutiveFailures: status?.consecutiveFailures ?? 0,
    ...(status?.lastError ? { lastError: scrubCredentials(status.lastError) } : {}),
  };
  return { ready: reason === undefined, body };
}
