// A task as the event stream's model and incremental tables hold it between changes (docs/streaming.md,
// "Memory"): the fields they look at on every change stay plain strings (shared with the read state's
// interned ids, names and states), the rest (ports, statuses, discovery) is one JSON text, expanded
// into a Task only when the task's part is generated. At 100,000 tasks a parsed task graph (status,
// label, network-info and discovery objects, their arrays, a boxed timestamp) costs about 0.5 KB a
// task; a compact one about a third of that, and a snapshot of an unchanged cluster is compared by
// comparing texts.
import type { DiscoveryInfo, DiscoveryPort, MesosState, NetworkInfo, Task, TaskLabel, TaskStatus } from './state-types.js';

export interface CompactTask {
  /**
   * taskKey(framework id, task id): what the model and the tables hold the task by. Every compact form
   * of one task is given the same key string (the first one made), so holding it costs one key.
   */
  readonly key: string;
  readonly id: string;
  readonly name: string;
  readonly slaveId: string;
  readonly state: string;
  /** The name the task's records go under (its discovery name if it has one, else its name). */
  readonly recordName: string;
  /** The rest of the task, as encodeRest writes it. */
  readonly rest: string;
}

type Encoded = string | number | boolean | null | Encoded[];

const EMPTY: readonly never[] = Object.freeze([]);

/** A task's key across frameworks (task ids are unique within a framework only); the stream's removed-task keys are these. */
export function taskKey(frameworkId: string, taskId: string): string {
  return `${frameworkId}\0${taskId}`;
}

/** The task compacted, held by `key` (taskKey of its framework's id and its id). */
export function compactTask(task: Task, key: string): CompactTask {
  const recordName = task.discovery !== null && task.discovery.name !== '' ? task.discovery.name : task.name;
  const rest = encodeRest(task);
  // JSON.stringify builds its text as a rope of pieces (a 32-byte node each, for as long as the text
  // lives); converting it to a number flattens it in place, and the next collection drops the rope.
  Number(rest);
  return { key, id: task.id, name: task.name, slaveId: task.slaveId, state: task.state, recordName, rest };
}

/** A parsed state with its tasks compacted (`frameworkIds` in step with its frameworks): what the incremental tables take. */
export function compactState(state: MesosState, frameworkIds: readonly string[]): MesosState<CompactTask> {
  const frameworks = state.frameworks.map((f, i) => ({ ...f, tasks: f.tasks.map((t) => compactTask(t, taskKey(frameworkIds[i] as string, t.id))) }));
  return { ...state, frameworks };
}

/** The task as parsed, equal (isDeepStrictEqual) to the one compacted. */
export function expandTask(compact: CompactTask): Task {
  const [ports, statuses, discovery] = JSON.parse(compact.rest) as [string, Encoded[], Encoded[] | null];
  return {
    id: compact.id,
    name: compact.name,
    slaveId: compact.slaveId,
    state: compact.state,
    ports,
    statuses: statuses.length === 0 ? EMPTY : statuses.map((s) => decodeStatus(s as Encoded[])),
    discovery: discovery === null ? null : decodeDiscovery(discovery),
  };
}

export function sameCompactTask(a: CompactTask, b: CompactTask): boolean {
  return a === b || (a.id === b.id && a.name === b.name && a.slaveId === b.slaveId && a.state === b.state && a.rest === b.rest);
}

// Positional arrays: every list flattened into its values, a status's labels as key, value, key, ...
function encodeRest(task: Task): string {
  const discovery = task.discovery === null ? null : [task.discovery.name, task.discovery.ports.flatMap((p) => [encodeNumber(p.number), p.protocol, p.name])];
  return JSON.stringify([task.ports, task.statuses.map(encodeStatus), discovery]);
}

function encodeStatus(status: TaskStatus): Encoded {
  return [
    status.state,
    encodeNumber(status.timestamp),
    status.healthy ?? null,
    status.labels.flatMap((l) => [l.key, l.value]),
    status.networkInfos.flatMap((n) => [n.ipAddress, n.ipAddresses as string[]]),
  ];
}

/** JSON has no infinities (a timestamp that was not a number is -Infinity, state-types.ts), NaN or -0: those go as text. */
function encodeNumber(n: number): number | string {
  if (Object.is(n, -0)) return '-0';
  return Number.isFinite(n) ? n : String(n);
}

function decodeStatus([state, timestamp, healthy, labels, networkInfos]: Encoded[]): TaskStatus {
  return {
    state: state as string,
    timestamp: Number(timestamp),
    labels: pairs(labels as Encoded[], (key, value): TaskLabel => ({ key: key as string, value: value as string })),
    networkInfos: pairs(networkInfos as Encoded[], (ipAddress, ipAddresses): NetworkInfo => ({ ipAddresses: ipAddresses as string[], ipAddress: ipAddress as string })),
    healthy: healthy === null ? undefined : (healthy as boolean),
  };
}

function decodeDiscovery([name, ports]: Encoded[]): DiscoveryInfo {
  const flat = ports as Encoded[];
  const list: DiscoveryPort[] = [];
  for (let i = 0; i < flat.length; i += 3) list.push({ number: Number(flat[i]), protocol: flat[i + 1] as string, name: flat[i + 2] as string });
  return { name: name as string, ports: list };
}

function pairs<T>(flat: Encoded[], make: (first: Encoded, second: Encoded) => T): readonly T[] {
  if (flat.length === 0) return EMPTY;
  const list: T[] = [];
  for (let i = 0; i < flat.length; i += 2) list.push(make(flat[i] as Encoded, flat[i + 1] as Encoded));
  return list;
}
