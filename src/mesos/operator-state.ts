// The Mesos operator API's view of the cluster (the SUBSCRIBED snapshot, then events), kept as the
// parsed state a `/master/state` poll gives (operator-reader.ts reads both forms into the same types),
// so a streamed state and a polled one produce the same records (docs/streaming.md). No I/O here: the
// reload worker feeds read records in and asks for the whole state, or what changed, when it
// publishes. Tasks are held compact (compact-task.ts), immutable and shared with the tables that keep
// them (one copy each).
import { compactTask, expandTask, sameCompactTask, taskKey, type CompactTask } from '../records/compact-task.js';
import type { StateChanges } from '../records/incremental-tables.js';
import { statusesThatCount } from '../records/generate.js';
import type { Framework, MesosState, Slave, Task } from '../records/state-types.js';
import type { OperatorEvent, OperatorFramework, OperatorSnapshot, OperatorTask } from './operator-reader.js';

/** Terminal task states: the task leaves the model (a poll lists it under completed_tasks, which no record uses). */
const TERMINAL_STATES: ReadonlySet<string> = new Set([
  'TASK_FINISHED',
  'TASK_FAILED',
  'TASK_KILLED',
  'TASK_LOST',
  'TASK_ERROR',
  'TASK_DROPPED',
  'TASK_GONE',
  'TASK_GONE_BY_OPERATOR',
]);

/** A task held, by its key (task.key). */
interface ModelTask {
  readonly frameworkId: string;
  /** Rises with every task put into the model (a task re-added gets a new one): the model's order. */
  readonly seq: number;
  /** With only the statuses that count (statusesThatCount): a task whose health check flaps stays small. */
  readonly task: CompactTask;
}

export interface OperatorModel {
  /** Frameworks without tasks, by id. The maps are replaced, not emptied, by a snapshot. */
  frameworks: Map<string, Framework>;
  agents: Map<string, Slave>;
  /** By framework id + NUL + task id (task ids are unique within a framework only). */
  tasks: Map<string, ModelTask>;
  /**
   * Agents a new master listed as recovered (not re-registered since its fail-over) whose tasks are
   * carried over from before the snapshot, with the wall-clock ms until which they are.
   */
  carried: Map<string, number>;
  /** What changed since the last render: tasks and agents by key, and whether any framework did. */
  readonly changed: { readonly tasks: Set<string>; readonly agents: Set<string>; frameworks: boolean; sinceSeq: number };
}

/**
 * How long tasks of an agent that has not re-registered after a master fail-over are kept: Mesos's
 * default agent_reregister_timeout, after which the master gives such agents up itself.
 */
export const CARRY_OVER_MS = 10 * 60 * 1000;

/** What applying one record did: `changed` is false for records that cannot change a record (HEARTBEAT, unknown types). */
export interface ApplyResult {
  readonly type: string;
  readonly changed: boolean;
}

export function emptyModel(): OperatorModel {
  return { frameworks: new Map(), agents: new Map(), tasks: new Map(), carried: new Map(), changed: { tasks: new Set(), agents: new Set(), frameworks: true, sinceSeq: 0 } };
}

let taskSeq = 0;

/**
 * The task to keep for one just read (readOperatorRecord's `keep`): compact, with only the statuses
 * that count, and the model's own object when it holds an equal one, so that reading a snapshot of an
 * unchanged cluster allocates nothing that lasts and the tables find the very objects they hold. A
 * task held keeps its key. No model yet: the stream's first snapshot.
 */
export function keptTask(model: OperatorModel | undefined, read: OperatorTask): OperatorTask<CompactTask> {
  const key = taskKey(read.frameworkId, read.task.id);
  const held = model?.tasks.get(key)?.task;
  const task = compactTask(withStatusesThatCount(read.task), held?.key ?? key);
  return { frameworkId: read.frameworkId, task: held && sameCompactTask(held, task) ? held : task };
}

/** The task with only the statuses that count (itself when it has no others). */
function withStatusesThatCount(task: Task): Task {
  const statuses = statusesThatCount(task.statuses);
  return statuses === task.statuses ? task : { ...task, statuses };
}

/** Adds a task (an event's, or a snapshot's: keptTask gave a task already held the key it is held by). */
function addTask(model: OperatorModel, added: OperatorTask<CompactTask> | undefined): boolean {
  if (!added) return false;
  const { frameworkId, task } = added;
  // A model rendered whole next needs no list of the tasks that changed.
  if (!model.changed.frameworks) model.changed.tasks.add(task.key);
  if (TERMINAL_STATES.has(task.state)) return model.tasks.delete(task.key);
  // A task added again keeps its place, as a poll lists it.
  model.tasks.set(task.key, { frameworkId, seq: model.tasks.get(task.key)?.seq ?? ++taskSeq, task });
  return true;
}

function setFramework(model: OperatorModel, framework: OperatorFramework): void {
  model.frameworks.set(framework.id, framework.framework);
}

/**
 * Replaces the model's content with a snapshot (SUBSCRIBED). A master that just took over lists
 * agents that have not re-registered yet under `recovered_agents`, without their tasks; publishing
 * that would empty their names for minutes. Their agents, tasks (and the tasks' frameworks) are
 * carried over from the model as it was, until the agent re-registers or `nowMs` + CARRY_OVER_MS.
 */
function applySnapshot(model: OperatorModel, snapshot: OperatorSnapshot<CompactTask>, nowMs: number): void {
  const before = { frameworks: model.frameworks, agents: model.agents, tasks: model.tasks, carried: model.carried };
  model.frameworks = new Map();
  model.agents = new Map();
  model.tasks = new Map();
  model.carried = new Map();
  model.changed.frameworks = true; // a whole new state: rendered whole
  model.changed.tasks.clear();
  for (const framework of snapshot.frameworks) setFramework(model, framework);
  for (const agent of snapshot.agents) model.agents.set(agent.id, agent);
  for (const task of snapshot.tasks) addTask(model, task);
  for (const id of snapshot.recoveredAgentIds) {
    const agent = before.agents.get(id);
    if (!agent || model.agents.has(id)) continue;
    model.agents.set(id, agent);
    model.carried.set(id, before.carried.get(id) ?? nowMs + CARRY_OVER_MS);
    for (const [key, held] of before.tasks) {
      if (held.task.slaveId !== id || model.tasks.has(key)) continue;
      model.tasks.set(key, held);
      const framework = before.frameworks.get(held.frameworkId);
      if (framework && !model.frameworks.has(held.frameworkId)) model.frameworks.set(held.frameworkId, framework);
    }
  }
}

function dropAgentTasks(model: OperatorModel, agentId: string): void {
  for (const [key, held] of model.tasks) {
    if (held.task.slaveId !== agentId) continue;
    model.tasks.delete(key);
    model.changed.tasks.add(key);
  }
}

/** Ends the carry-over of agents past their time: their tasks leave the model. Returns whether any did. */
export function expireCarried(model: OperatorModel, nowMs: number): boolean {
  let changed = false;
  for (const [id, until] of model.carried) {
    if (until > nowMs) continue;
    model.carried.delete(id);
    model.agents.delete(id);
    model.changed.agents.add(id);
    dropAgentTasks(model, id);
    changed = true;
  }
  return changed;
}

function updateTask(model: OperatorModel, update: Extract<OperatorEvent, { type: 'TASK_UPDATED' }>): boolean {
  const key = taskKey(update.frameworkId, update.taskId);
  const held = model.tasks.get(key);
  // An update for a task we never saw added: only a gap explains it, and the next snapshot repairs it.
  if (!held) return false;
  model.changed.tasks.add(key);
  if (TERMINAL_STATES.has(update.state)) {
    model.tasks.delete(key);
    return true;
  }
  // A status sent again (the agent's state moved on without a new one) changes nothing: it cannot
  // win over the statuses that count, which it does not outrank.
  const task = expandTask(held.task);
  const statuses = update.status ? statusesThatCount([...task.statuses, update.status]) : task.statuses;
  model.tasks.set(key, { ...held, task: compactTask({ ...task, state: update.state, statuses }, held.task.key) });
  return true;
}

function removeFramework(model: OperatorModel, id: string): boolean {
  if (!model.frameworks.delete(id)) return false;
  model.changed.frameworks = true;
  for (const [key, held] of model.tasks) if (held.frameworkId === id) model.tasks.delete(key);
  return true;
}

function addAgent(model: OperatorModel, agent: Slave | undefined): boolean {
  if (!agent) return false;
  // A carried-over agent is back: the master now sends TASK_ADDED for the tasks it still runs.
  if (model.carried.delete(agent.id)) dropAgentTasks(model, agent.id);
  model.agents.set(agent.id, agent);
  model.changed.agents.add(agent.id);
  return true;
}

function removeAgent(model: OperatorModel, id: string): boolean {
  if (model.carried.delete(id)) dropAgentTasks(model, id);
  model.changed.agents.add(id);
  return model.agents.delete(id);
}

/** Applies one record of the stream (read by readOperatorRecord). */
export function applyEvent(model: OperatorModel, event: OperatorEvent<CompactTask>, nowMs = 0): ApplyResult {
  switch (event.type) {
    case 'SUBSCRIBED':
      applySnapshot(model, event.snapshot, nowMs);
      return { type: event.type, changed: true };
    case 'TASK_ADDED':
      return { type: event.type, changed: addTask(model, event.task) };
    case 'TASK_UPDATED':
      return { type: event.type, changed: updateTask(model, event) };
    case 'AGENT_ADDED':
      return { type: event.type, changed: addAgent(model, event.agent) };
    case 'AGENT_REMOVED':
      return { type: event.type, changed: removeAgent(model, event.agentId) };
    case 'FRAMEWORK_ADDED':
    case 'FRAMEWORK_UPDATED':
      if (event.framework) {
        setFramework(model, event.framework);
        model.changed.frameworks = true;
      }
      return { type: event.type, changed: event.framework !== undefined };
    case 'FRAMEWORK_REMOVED':
      return { type: event.type, changed: removeFramework(model, event.frameworkId) };
    case 'OTHER':
      return { type: event.name, changed: false };
  }
}

/** The given tasks by framework id, in the order given (tasks of frameworks not known yet wait). */
function tasksByFramework(model: OperatorModel, tasks: Iterable<ModelTask>): Map<string, CompactTask[]> {
  const byFramework = new Map<string, CompactTask[]>();
  for (const held of tasks) {
    if (!model.frameworks.has(held.frameworkId)) continue;
    let list = byFramework.get(held.frameworkId);
    if (!list) byFramework.set(held.frameworkId, (list = []));
    list.push(held.task);
  }
  return byFramework;
}

/** Every framework in the model's order, with the tasks given for it; and their ids, in step. */
function frameworksWith(model: OperatorModel, tasks: ReadonlyMap<string, readonly CompactTask[]>): { frameworks: Framework<CompactTask>[]; frameworkIds: string[] } {
  const frameworks: Framework<CompactTask>[] = [];
  const frameworkIds: string[] = [];
  for (const [id, framework] of model.frameworks) {
    frameworks.push({ ...framework, tasks: tasks.get(id) ?? [] });
    frameworkIds.push(id);
  }
  return { frameworks, frameworkIds };
}

/**
 * The model as the state a poll gives (and its frameworks' ids, in order). A task waits (not listed)
 * until its framework is known: events can name it before it is added. A task on an agent not known
 * yet is listed and gets records once the agent is added (generation skips it until then).
 * Frameworks have no `pid` in the operator API, so their scheduler records use `hostname`. Marks
 * everything as rendered.
 */
export function renderWhole(model: OperatorModel, leader: string): { state: MesosState<CompactTask>; frameworkIds: string[] } {
  const { frameworks, frameworkIds } = frameworksWith(model, tasksByFramework(model, model.tasks.values()));
  clearChanged(model);
  return { state: { leader, frameworks, slaves: [...model.agents.values()] }, frameworkIds };
}

function clearChanged(model: OperatorModel): void {
  model.changed.tasks.clear();
  model.changed.agents.clear();
  model.changed.frameworks = false;
  model.changed.sinceSeq = taskSeq;
}

/**
 * What changed since the last render: every framework (in order) listing only its changed tasks, the
 * changed agents, and what was removed. Undefined when a framework changed (or nothing was rendered
 * yet): then the model must be rendered whole. Marks everything as rendered.
 */
export function renderChanges(model: OperatorModel, leader: string): StateChanges | undefined {
  if (model.changed.frameworks) return undefined;
  const changed: ModelTask[] = [];
  const removedTasks: string[] = [];
  for (const key of model.changed.tasks) {
    const held = model.tasks.get(key);
    // A task put into the model since the last render goes last, even if the worker still holds an
    // earlier one of the same key: listed as removed too.
    if (!held || held.seq > model.changed.sinceSeq) removedTasks.push(key);
    if (held) changed.push(held);
  }
  // The model's order (new tasks after the others, as a whole render lists them).
  changed.sort((a, b) => a.seq - b.seq);
  const { frameworks, frameworkIds } = frameworksWith(model, tasksByFramework(model, changed));
  const slaves: Slave[] = [];
  const removedSlaves: string[] = [];
  for (const id of model.changed.agents) {
    const agent = model.agents.get(id);
    if (agent) slaves.push(agent);
    else removedSlaves.push(id);
  }
  clearChanged(model);
  return { leader, frameworks, frameworkIds, slaves, removedTasks, removedSlaves };
}
