// Errors of a state fetch, with a stable cause (the `cause` label of
// mesos_dns_state_fetch_failures_total) and the master they concern.
import { ErrorCode, MesosDnsError } from '../errors.js';

export const FetchFailure = {
  TIMEOUT: 'timeout',
  CONNECT: 'connect',
  TLS: 'tls',
  HTTP_STATUS: 'http_status',
  REDIRECT: 'redirect',
  BODY_TOO_LARGE: 'body_too_large',
  INVALID_JSON: 'invalid_json',
  NO_LEADER: 'no_leader',
  INVALID_STATE: 'invalid_state',
  AUTH: 'auth',
  NO_MASTERS: 'no_masters',
  FILE: 'file',
  WORKER: 'worker',
  ABORTED: 'aborted',
} as const;
export type FetchFailure = (typeof FetchFailure)[keyof typeof FetchFailure];

export class StateFetchError extends MesosDnsError {
  /** Why it failed, for metrics and logs. */
  readonly reason: FetchFailure;
  /** "host:port" (or file path) the failure concerns; '' when none. */
  readonly master: string;
  /** HTTP status, when the master answered. */
  readonly status: number | undefined;
  /** Failures of the masters tried before this one in the same reload (fetchAll). */
  earlier: readonly StateFetchError[] = [];
  constructor(
    reason: FetchFailure,
    master: string,
    message: string,
    options: { cause?: unknown; status?: number } = {},
  ) {
    super(
      reason === FetchFailure.NO_LEADER || reason === FetchFailure.INVALID_STATE
        ? ErrorCode.STATE_INVALID
        : ErrorCode.STATE_FETCH,
      master ? `${message} (master ${master})` : message,
      options.cause === undefined ? {} : { cause: options.cause },
    );
    this.name = 'StateFetchError';
    this.reason = reason;
    this.master = master;
    this.status = options.status;
  }
}

/** The plain form that crosses the worker boundary. */
export interface SerializedFetchError {
  readonly reason: FetchFailure;
  readonly master: string;
  readonly message: string;
  readonly status?: number;
}

export function serializeFetchError(err: unknown): SerializedFetchError {
  if (err instanceof StateFetchError) {
    return err.status === undefined
      ? { reason: err.reason, master: err.master, message: err.message }
      : { reason: err.reason, master: err.master, message: err.message, status: err.status };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { reason: FetchFailure.WORKER, master: '', message };
}
