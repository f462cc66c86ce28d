// The per-reload fetch algorithm over the master list (behaviour §1.2). The first entry is the presumed
// leader ('' = unknown), the rest are fallbacks. Every fetched state is checked for a leader PID and
// re-fetched from the leader's host on the SAME port when it names another host (#20 MATCH).
import { FetchFailure, StateFetchError } from './fetch-errors.js';
import { joinHostPort, splitHostPort } from './host-port.js';
import type { FetchedState } from './master-client.js';

export type FetchOne<T = unknown> = (address: string) => Promise<FetchedState<T>>;

/** The leader PID a fetched document names ('' for none). */
export type LeaderOf<T> = (document: T) => string;

export interface FetchAllResult<T = unknown> extends FetchedState<T> {
  /** The master-list entry whose attempt succeeded. */
  readonly master: string;
  /** "host:port" the state finally came from (the leader when it had to be followed). */
  readonly source: string;
  /** Failures of the entries tried before the one that succeeded. */
  readonly failures: readonly StateFetchError[];
}

/** The leader of a JSON document. */
export function leaderOfDocument(document: unknown): string {
  if (typeof document !== 'object' || document === null || Array.isArray(document)) return '';
  // Go's JSON decoding matches keys case-insensitively.
  for (const [key, value] of Object.entries(document)) {
    if (key.toLowerCase() === 'leader') return typeof value === 'string' ? value : '';
  }
  return '';
}

function asFetchError(err: unknown, master: string): StateFetchError {
  if (err instanceof StateFetchError) return err;
  return new StateFetchError(FetchFailure.CONNECT, master, err instanceof Error ? err.message : String(err), {
    cause: err,
  });
}

/** fetchFollowingLeader of behaviour §1.2. */
export async function fetchFollowingLeader<T>(
  host: string,
  port: string,
  fetchOne: FetchOne<T>,
  leaderOf: LeaderOf<T>,
): Promise<FetchedState<T> & { source: string }> {
  const address = joinHostPort(host, port);
  const fetched = await fetchOne(address);
  const leader = leaderOf(fetched.document);
  if (leader === '') {
    throw new StateFetchError(FetchFailure.NO_LEADER, fetched.answeredBy, 'fetched state does not contain leader information');
  }
  const at = leader.split('@');
  if (at.length !== 2) {
    throw new StateFetchError(FetchFailure.NO_LEADER, fetched.answeredBy, `invalid leader PID ${JSON.stringify(leader)}`);
  }
  const leaderHostPort = splitHostPort(at[1] as string);
  if (!leaderHostPort) {
    throw new StateFetchError(FetchFailure.NO_LEADER, fetched.answeredBy, `invalid leader PID ${JSON.stringify(leader)}`);
  }
  if (leaderHostPort.host !== host) {
    const leaderAddress = joinHostPort(leaderHostPort.host, port);
    const again = await fetchOne(leaderAddress);
    return { ...again, source: again.answeredBy };
  }
  return { ...fetched, source: fetched.answeredBy };
}

/** fetchAll of behaviour §1.2: the presumed leader first, then every fallback in order. */
export async function fetchAll<T = unknown>(
  masters: readonly string[],
  fetchOne: FetchOne<T>,
  leaderOf: LeaderOf<T> = leaderOfDocument,
): Promise<FetchAllResult<T>> {
  if (masters.length === 0) throw new StateFetchError(FetchFailure.NO_MASTERS, '', 'no masters given');
  const [head, ...rest] = masters as [string, ...string[]];
  const failures: StateFetchError[] = [];
  if (head !== '') {
    const hp = splitHostPort(head);
    if (hp) {
      try {
        const r = await fetchFollowingLeader(hp.host, hp.port, fetchOne, leaderOf);
        return { ...r, master: head, failures };
      } catch (err) {
        const e = asFetchError(err, head);
        if (rest.length === 0) {
          e.earlier = [];
          throw e;
        }
        failures.push(e);
      }
    }
  }
  for (const m of rest) {
    const hp = splitHostPort(m);
    if (!hp) continue;
    try {
      const r = await fetchFollowingLeader(hp.host, hp.port, fetchOne, leaderOf);
      return { ...r, master: m, failures };
    } catch (err) {
      failures.push(asFetchError(err, m));
    }
  }
  const last = failures.pop();
  if (last) {
    last.earlier = failures;
    throw last;
  }
  throw new StateFetchError(FetchFailure.NO_MASTERS, '', 'empty master');
}
