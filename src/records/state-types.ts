// The parts of a Mesos `/master/state` document that record generation consumes (behaviour §1.4),
// after parsing and normalisation. Everything is plain readonly data.

/** A `name@host:port` UPID split into host (brackets removed) and port text. */
export interface Upid {
  readonly host: string;
  readonly port: string;
}

export interface TaskLabel {
  readonly key: string;
  readonly value: string;
}

export interface NetworkInfo {
  /** `ip_addresses[].ip_address`, in order ('' for an entry without one). */
  readonly ipAddresses: readonly string[];
  /** The legacy single `ip_address` (or ''). */
  readonly ipAddress: string;
}

export interface TaskStatus {
  readonly state: string;
  /** Seconds since the epoch (float); 0 when missing (as Go decodes it), -Infinity when not a number. */
  readonly timestamp: number;
  readonly labels: readonly TaskLabel[];
  readonly networkInfos: readonly NetworkInfo[];
  /** The health check's verdict; undefined when the task has no health check (or it is not a boolean). */
  readonly healthy?: boolean | undefined;
}

export interface DiscoveryPort {
  readonly number: number;
  readonly protocol: string;
  readonly name: string;
}

export interface DiscoveryInfo {
  readonly name: string;
  readonly ports: readonly DiscoveryPort[];
}

export interface Task {
  readonly id: string;
  readonly name: string;
  readonly slaveId: string;
  readonly state: string;
  /** `resources.ports` as Mesos writes it, e.g. "[31000-31001, 31005-31005]"; '' when absent. */
  readonly ports: string;
  readonly statuses: readonly TaskStatus[];
  /** null when the task has no `discovery` object. */
  readonly discovery: DiscoveryInfo | null;
}

/** A framework with its tasks (`T`: parsed tasks, or the compact ones the event stream holds). */
export interface Framework<T = Task> {
  readonly name: string;
  /** null when `pid` is missing (then `hostname` is the scheduler host) or could not be parsed. */
  readonly pid: Upid | null;
  /** `pid` was present but unparsable: the framework loses its scheduler records only (behaviour §8 #17). */
  readonly pidInvalid: boolean;
  readonly hostname: string;
  readonly tasks: readonly T[];
}

export interface Slave {
  readonly id: string;
  /** null when `pid` is missing or unparsable: such a slave produces no slave records (behaviour §8 #14). */
  readonly pid: Upid | null;
  readonly hostname: string;
}

export interface MesosState<T = Task> {
  /** The raw `leader` PID, e.g. "master@192.0.2.1:5050". Never empty after a successful parse. */
  readonly leader: string;
  readonly frameworks: readonly Framework<T>[];
  readonly slaves: readonly Slave[];
}

/** Something in the document that was skipped: it loses only itself (behaviour §8 #17). */
export interface StateProblem {
  /** JSON-path-like location, e.g. "frameworks[2].pid". */
  readonly path: string;
  readonly message: string;
}
