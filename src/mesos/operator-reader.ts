// Reads one record of the Mesos operator API's event stream (a SUBSCRIBED snapshot or an event) from
// its bytes, selectively, into the same parsed types a `/master/state` poll gives (docs/streaming.md).
// The parts the two forms share (statuses, labels, network infos, discovery) are read by the state
// reader itself, so a streamed task and a polled one are equal when the master says the same. A
// snapshot of a 100,000-task cluster is about 80 MB of JSON: never decoded into objects whole.
//
// The operator form differs from `/master/state` in: ids as `{"value": "..."}`, `agent_id` for
// `slave_id`, labels as `{"labels": [...]}`, port resources as ranges (written here as the text
// `/master/state` has, "[31000-31001, 31005-31005]"), frameworks without a `pid` (their scheduler
// records use `hostname`), and a status's `task_id` (what a TASK_UPDATED names its task by).
import type { Framework, Slave, Task, TaskStatus } from '../records/state-types.js';
import { JsonReader, JsonSyntaxError, newInternTable, type InternTable, type Scalar } from './json-reader.js';
import { EMPTY, idText, parseUpid, StateReader } from './parse-state.js';
import { RecordSplitter, SplitSyntaxError } from './record-splitter.js';

/** A task as the stream gives it (`T`: as read, or as the reader's `keep` made it), with its framework's id. */
export interface OperatorTask<T = Task> {
  readonly frameworkId: string;
  readonly task: T;
}

/** A framework by id, as a state's framework without tasks (no pid: the operator API has none). */
export interface OperatorFramework {
  readonly id: string;
  readonly framework: Framework;
}

export interface OperatorSnapshot<T = Task> {
  readonly frameworks: readonly OperatorFramework[];
  readonly agents: readonly Slave[];
  /** Agents a master that just took over knows from its registry only (not re-registered yet). */
  readonly recoveredAgentIds: readonly string[];
  readonly tasks: readonly OperatorTask<T>[];
}

/** One record of the stream, with what the model needs of it; `OTHER` for HEARTBEAT and types it does not use. */
export type OperatorEvent<T = Task> =
  | { readonly type: 'SUBSCRIBED'; readonly snapshot: OperatorSnapshot<T> }
  | { readonly type: 'TASK_ADDED'; readonly task: OperatorTask<T> | undefined }
  | {
      readonly type: 'TASK_UPDATED';
      readonly frameworkId: string;
      readonly taskId: string;
      /** The update's `state`, else its status's. */
      readonly state: string;
      readonly status: TaskStatus | undefined;
    }
  | { readonly type: 'AGENT_ADDED'; readonly agent: Slave | undefined }
  | { readonly type: 'AGENT_REMOVED'; readonly agentId: string }
  | { readonly type: 'FRAMEWORK_ADDED' | 'FRAMEWORK_UPDATED'; readonly framework: OperatorFramework | undefined }
  | { readonly type: 'FRAMEWORK_REMOVED'; readonly frameworkId: string }
  | { readonly type: 'OTHER'; readonly name: string };

/** The payload members of an event, by the type they belong to. */
interface Payloads<T> {
  subscribed?: OperatorSnapshot<T> | undefined;
  taskAdded?: OperatorTask<T> | undefined;
  taskUpdated?: Omit<Extract<OperatorEvent, { type: 'TASK_UPDATED' }>, 'type'>;
  agentAdded?: Slave | undefined;
  agentRemoved?: string;
  frameworkAdded?: OperatorFramework | undefined;
  frameworkUpdated?: OperatorFramework | undefined;
  frameworkRemoved?: string;
}

export interface ReadOptions {
  /** The intern cache to share across a stream's records (ids, states and names repeat across events). */
  readonly interned?: InternTable;
}

/**
 * Called with each task as it is read (a snapshot's, a TASK_ADDED's); what it returns is kept in its
 * place. The stream's model keeps a compact task, the one it already holds when the two are equal, so
 * a snapshot of an unchanged cluster leaves no second copy of its tasks behind (what was read dies young).
 */
export type KeepTask<T> = (task: OperatorTask) => OperatorTask<T>;

export interface KeepingReadOptions<T> extends ReadOptions {
  readonly keep: KeepTask<T>;
}

const asRead: KeepTask<Task> = (task) => task;

class OperatorReader<T> extends StateReader {
  constructor(
    r: JsonReader,
    private readonly keep: KeepTask<T>,
  ) {
    super(r, true);
  }

  /** Whether the current member's key is `name` (one function for every object read). */
  private readonly keyIs = (name: string): boolean => this.r.keyIs(name);

  /** Reads the members of an object with `member` (which must read or skip the value); anything else is skipped. */
  private members(member: (key: (name: string) => boolean) => boolean): void {
    const r = this.r;
    if (!r.isObjectNext()) {
      r.skipValue();
      return;
    }
    for (r.openObject(); r.nextKey(); ) if (!member(this.keyIs)) r.skipValue();
  }

  /** The one member `name` of an object, read with `read`; `fallback` when absent or not an object. */
  private member<T>(name: string, read: () => T, fallback: T): T {
    let value = fallback;
    this.members((key) => key(name) && ((value = read()), true));
    return value;
  }

  private readString(): string {
    return idText(this.r.readScalar());
  }

  private list<T>(readItem: (this: this) => T | undefined): readonly T[] {
    const items = this.readArrayMember(readItem);
    this.pending = null; // a record is used as far as it reads; what it gets wrong is not reported item by item
    return items;
  }

  readRecord(): OperatorEvent<T> {
    let type = '';
    const p: Payloads<T> = {};
    this.members((key) => {
      if (key('type')) type = this.readString();
      else if (key('subscribed')) p.subscribed = this.member('get_state', () => this.readSnapshot(), undefined);
      else if (key('task_added')) p.taskAdded = this.member('task', () => this.readOperatorTask(), undefined);
      else if (key('task_updated')) p.taskUpdated = this.readTaskUpdate();
      else if (key('agent_added')) p.agentAdded = this.member('agent', () => this.readAgent(), undefined);
      else if (key('agent_removed')) p.agentRemoved = this.member('agent_id', () => this.readId(), '');
      else if (key('framework_added')) p.frameworkAdded = this.member('framework', () => this.readOperatorFramework(), undefined);
      else if (key('framework_updated')) p.frameworkUpdated = this.member('framework', () => this.readOperatorFramework(), undefined);
      else if (key('framework_removed')) p.frameworkRemoved = this.member('framework_info', () => this.readFrameworkInfo()?.id ?? '', '');
      else return false;
      return true;
    });
    this.r.end();
    return eventOf(type, p);
  }

  /** `get_state`: tasks, frameworks, agents and recovered agents; the rest (executors, completed tasks) is skipped. */
  private readSnapshot(): OperatorSnapshot<T> {
    let frameworks: readonly OperatorFramework[] = EMPTY;
    let agents: readonly Slave[] = EMPTY;
    let recoveredAgentIds: readonly string[] = EMPTY;
    let tasks: readonly OperatorTask<T>[] = EMPTY;
    this.members((key) => {
      if (key('get_tasks')) tasks = this.member('tasks', () => this.list(this.readOperatorTask), EMPTY);
      else if (key('get_frameworks')) frameworks = this.member('frameworks', () => this.list(this.readOperatorFramework), EMPTY);
      else if (key('get_agents')) {
        this.members((agentKey) => {
          if (agentKey('agents')) agents = this.list(this.readAgent);
          else if (agentKey('recovered_agents')) recoveredAgentIds = this.list(() => this.member('id', () => this.readId(), '') || undefined);
          else return false;
          return true;
        });
      } else return false;
      return true;
    });
    return { frameworks, agents, recoveredAgentIds, tasks };
  }

  /** One element of a snapshot's task list, alone in its bytes (see readOperatorRecordInPieces). */
  readTaskElement(): OperatorTask<T> | undefined {
    const task = this.readOperatorTask();
    this.r.end();
    return task;
  }

  /** A Task; undefined without a framework id or a task id. */
  private readOperatorTask(): OperatorTask<T> | undefined {
    let frameworkId = '';
    let id = '';
    let name = '';
    let slaveId = '';
    let state = '';
    let ports = '';
    let statuses: readonly TaskStatus[] = EMPTY;
    let discovery: Task['discovery'] = null;
    this.members((key) => {
      if (key('task_id')) id = this.readId();
      else if (key('framework_id')) frameworkId = this.readId();
      else if (key('agent_id')) slaveId = this.readId();
      else if (key('name')) name = this.readString();
      else if (key('state')) state = this.readString();
      else if (key('resources')) ports = this.readPorts();
      else if (key('statuses')) statuses = this.list(this.readStatus);
      else if (key('discovery')) {
        discovery = this.readDiscovery();
        this.pending = null;
      } else return false;
      return true;
    });
    if (frameworkId === '' || id === '') return undefined;
    const read = { frameworkId, task: { id, name, slaveId, state, ports, statuses, discovery } };
    return this.keep(read);
  }

  /** `task_updated`: the framework, the task (by its status's task id), the state and the status. */
  private readTaskUpdate(): Omit<Extract<OperatorEvent, { type: 'TASK_UPDATED' }>, 'type'> {
    let frameworkId = '';
    let updateState = '';
    let status: TaskStatus | undefined;
    let taskId = '';
    this.members((key) => {
      if (key('framework_id')) frameworkId = this.readId();
      else if (key('state')) updateState = this.readString();
      else if (key('status')) {
        status = this.readStatus();
        this.pending = null;
        taskId = status ? this.statusTaskId : '';
      } else return false;
      return true;
    });
    return { frameworkId, taskId, state: updateState || (status?.state ?? ''), status };
  }

  /** Port resources (`{"name": "ports", "ranges": {"range": [{"begin", "end"}]}}`) as `/master/state`'s text. */
  private readPorts(): string {
    const ranges: string[] = [];
    this.list(() => {
      let isPorts = false;
      const own: string[] = [];
      this.members((key) => {
        if (key('name')) isPorts = this.r.readScalar() === 'ports';
        else if (key('ranges')) this.member('range', () => this.list(() => this.readRange(own)), EMPTY);
        else return false;
        return true;
      });
      if (isPorts) ranges.push(...own);
      return undefined;
    });
    // Joined, not concatenated: a concatenation is kept as a chain of pieces (three more objects per
    // task for as long as the task is held), a join is one flat string.
    return ranges.length === 0 ? '' : ['[', ranges.join(', '), ']'].join('');
  }

  private readRange(into: string[]): undefined {
    let begin: Scalar | undefined;
    let end: Scalar | undefined;
    this.members((key) => {
      if (key('begin')) begin = this.r.readScalar();
      else if (key('end')) end = this.r.readScalar();
      else return false;
      return true;
    });
    if (typeof begin === 'number' && typeof end === 'number') into.push(`${begin}-${end}`);
    return undefined;
  }

  /** A Framework (`{"framework_info": {...}}`); undefined without an id. */
  private readOperatorFramework(): OperatorFramework | undefined {
    return this.member('framework_info', () => this.readFrameworkInfo(), undefined);
  }

  private readFrameworkInfo(): OperatorFramework | undefined {
    let id = '';
    let name = '';
    let hostname = '';
    this.members((key) => {
      if (key('id')) id = this.readId();
      else if (key('name')) name = this.readString();
      else if (key('hostname')) hostname = this.readString();
      else return false;
      return true;
    });
    return id === '' ? undefined : { id, framework: { name, pid: null, pidInvalid: false, hostname, tasks: EMPTY } };
  }

  /** An Agent (`{"agent_info": {...}, "pid": "..."}`); undefined without an id. */
  private readAgent(): Slave | undefined {
    let id = '';
    let hostname = '';
    let pid = '';
    this.members((key) => {
      if (key('pid')) pid = this.readString();
      else if (key('agent_info')) {
        this.members((infoKey) => {
          if (infoKey('id')) id = this.readId();
          else if (infoKey('hostname')) hostname = this.readString();
          else return false;
          return true;
        });
      } else return false;
      return true;
    });
    return id === '' ? undefined : { id, pid: parseUpid(pid) ?? null, hostname };
  }
}

function eventOf<T>(type: string, p: Payloads<T>): OperatorEvent<T> {
  switch (type) {
    case 'SUBSCRIBED':
      return { type, snapshot: p.subscribed ?? { frameworks: EMPTY, agents: EMPTY, recoveredAgentIds: EMPTY, tasks: EMPTY } };
    case 'TASK_ADDED':
      return { type, task: p.taskAdded };
    case 'TASK_UPDATED':
      return { type, ...(p.taskUpdated ?? { frameworkId: '', taskId: '', state: '', status: undefined }) };
    case 'AGENT_ADDED':
      return { type, agent: p.agentAdded };
    case 'AGENT_REMOVED':
      return { type, agentId: p.agentRemoved ?? '' };
    case 'FRAMEWORK_ADDED':
      return { type, framework: p.frameworkAdded };
    case 'FRAMEWORK_UPDATED':
      return { type, framework: p.frameworkUpdated };
    case 'FRAMEWORK_REMOVED':
      return { type, frameworkId: p.frameworkRemoved ?? '' };
    default:
      return { type: 'OTHER', name: type };
  }
}

/** The tasks as read without a `keep` (the overloads below give T = Task then). */
function keeperOf<T>(options: ReadOptions & { readonly keep?: KeepTask<T> }): KeepTask<T> {
  return options.keep ?? (asRead as KeepTask<unknown> as KeepTask<T>);
}

/** Reads one record (UTF-8 JSON). Throws JsonSyntaxError when it is not JSON. */
export function readOperatorRecord<T>(bytes: Uint8Array, options: KeepingReadOptions<T>): OperatorEvent<T>;
export function readOperatorRecord(bytes: Uint8Array, options?: ReadOptions): OperatorEvent;
export function readOperatorRecord<T>(bytes: Uint8Array, options: ReadOptions & { readonly keep?: KeepTask<T> } = {}): OperatorEvent<T> {
  return new OperatorReader(new JsonReader(bytes, options.interned), keeperOf(options)).readRecord();
}

/** The snapshot's task list: read element by element as the record arrives. */
const SNAPSHOT_TASKS = ['subscribed', 'get_state', 'get_tasks', 'tasks'];
/** Lists of a snapshot that nothing reads (checked as JSON, then dropped, not kept whole). */
const UNREAD_SNAPSHOT_LISTS: readonly (readonly string[])[] = [
  ['subscribed', 'get_state', 'get_tasks', 'completed_tasks'],
  ['subscribed', 'get_state', 'get_tasks', 'orphan_tasks'],
  ['subscribed', 'get_state', 'get_tasks', 'unreachable_tasks'],
  ['subscribed', 'get_state', 'get_tasks', 'pending_tasks'],
  ['subscribed', 'get_state', 'get_executors', 'executors'],
  ['subscribed', 'get_state', 'get_frameworks', 'completed_frameworks'],
];

/** A record read as its pieces arrive (see RecordSplitter); `finish` gives what readOperatorRecord gives for the whole. */
export interface PiecewiseRecordReader<T = Task> {
  /** Throws JsonSyntaxError when the record cannot be JSON. */
  push(piece: Uint8Array): void;
  /** After the last piece. Throws JsonSyntaxError when the record is not JSON. */
  finish(): OperatorEvent<T>;
}

/**
 * Reads a record piece by piece: a snapshot's tasks are read as soon as each one is in, and its unread
 * lists are checked and dropped, so the record is never held whole (a 100,000-task snapshot is 80 MB);
 * the rest is read at the end. Gives exactly what readOperatorRecord gives for the whole record, and
 * refuses exactly what it refuses.
 */
export function readOperatorRecordInPieces<T>(options: KeepingReadOptions<T>): PiecewiseRecordReader<T>;
export function readOperatorRecordInPieces(options?: ReadOptions): PiecewiseRecordReader;
export function readOperatorRecordInPieces<T>(options: ReadOptions & { readonly keep?: KeepTask<T> } = {}): PiecewiseRecordReader<T> {
  const interned = options.interned ?? newInternTable();
  const keep = keeperOf(options);
  let tasks: OperatorTask<T>[] = [];
  const splitter = new RecordSplitter([
    {
      path: SNAPSHOT_TASKS,
      onElement: (bytes) => {
        const task = new OperatorReader(new JsonReader(bytes, interned), keep).readTaskElement();
        if (task) tasks.push(task);
      },
      onReset: () => (tasks = []),
    },
    ...UNREAD_SNAPSHOT_LISTS.map((path) => ({ path, onElement: checkJson, onReset: () => undefined })),
  ]);
  const split = <R>(step: () => R): R => {
    try {
      return step();
    } catch (err) {
      if (err instanceof SplitSyntaxError) throw new JsonSyntaxError(err.message);
      throw err;
    }
  };
  return {
    push: (piece) => split(() => splitter.push(piece)),
    finish() {
      const event = readOperatorRecord(split(() => splitter.finish()), { interned, keep });
      if (event.type !== 'SUBSCRIBED') return event;
      return { type: event.type, snapshot: { ...event.snapshot, tasks: tasks.length === 0 ? EMPTY : tasks } };
    },
  };
}

function checkJson(bytes: Uint8Array): void {
  const r = new JsonReader(bytes);
  r.skipValue();
  r.end();
}
