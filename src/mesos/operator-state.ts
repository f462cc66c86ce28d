// The Mesos operator API's view of the cluster (the SUBSCRIBED snapshot, then events), kept as a
// model that renders to the `/master/state` document the existing parser and generator take, so a
// streamed state and a polled one produce the same records (docs/streaming.md). No I/O here: the
// stream client feeds decoded events in and asks for a document when it publishes.
import { taskKey } from '../records/incremental-tables.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

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

/**
 * Statuses kept per task (oldest dropped first). Records use the latest running status; the cap keeps
 * a task that flaps its health check from growing without bound.
 */
export const MAX_STATUSES_PER_TASK = 16;

interface ModelTask {
  readonly frameworkId: string;
  /** Rises with every task put into the model (a task re-added gets a new one): the model's order. */
  seq: number;
  doc: JsonObject;
  statuses: JsonObject[];
}

interface ModelFramework {
  readonly id: string;
  readonly name: string;
  readonly hostname: string;
}

interface ModelAgent {
  readonly id: string;
  readonly hostname: string;
  readonly pid: string;
}

export interface OperatorModel {
  readonly frameworks: Map<string, ModelFramework>;
  readonly agents: Map<string, ModelAgent>;
  /** By framework id + NUL + task id (task ids are unique within a framework only). */
  readonly tasks: Map<string, ModelTask>;
  /**
   * Agents a new master listed as recovered (not re-registered since its fail-over) whose tasks are
   * carried over from before the snapshot, with the wall-clock ms until which they are.
   */
  readonly carried: Map<string, number>;
  /** What changed since the last render (toStateChanges): tasks and agents by key, and whether any framework did. */
  readonly changed: { readonly tasks: Set<string>; readonly agents: Set<string>; frameworks: boolean; sinceSeq: number };
}

/**
 * How long tasks of an agent that has not re-registered after a master fail-over are kept: Mesos's
 * default agent_reregister_timeout, after which the master gives such agents up itself.
 */
export const CARRY_OVER_MS = 10 * 60 * 1000;

/** What applying one event did: `changed` is false for events that cannot change a record (HEARTBEAT, unknown types). */
export interface ApplyResult {
  readonly type: string;
  readonly changed: boolean;
}

export function emptyModel(): OperatorModel {
  return { frameworks: new Map(), agents: new Map(), tasks: new Map(), carried: new Map(), changed: { tasks: new Set(), agents: new Set(), frameworks: true, sinceSeq: 0 } };
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function obj(value: unknown): JsonObject {
  return isObject(value) ? value : {};
}

function list(value: unknown): Json[] {
  return Array.isArray(value) ? (value as Json[]) : [];
}

function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/** `{"value": "x"}` (a proto ID) → "x". */
function idOf(value: unknown): string {
  return str(obj(value)['value']);
}

let taskSeq = 0;



/** `{"labels":[...]}` (proto Labels) → `[...]`, the `/master/state` form. */
function labelList(value: unknown): Json[] {
  return list(obj(value)['labels']);
}

/** The task's port ranges as `/master/state` writes them: "[31000-31001, 31005-31005]"; '' when none. */
export function portsText(resources: unknown): string {
  const ranges: string[] = [];
  for (const resource of list(resources)) {
    const r = obj(resource);
    if (r['name'] !== 'ports') continue;
    for (const range of list(obj(r['ranges'])['range'])) {
      const { begin, end } = obj(range);
      if (typeof begin === 'number' && typeof end === 'number') ranges.push(`${begin}-${end}`);
    }
  }
  return ranges.length === 0 ? '' : `[${ranges.join(', ')}]`;
}

/** A TaskStatus in the `/master/state` form (labels as a list; the rest as the parser reads it). */
function statusDoc(status: unknown): JsonObject {
  const s = obj(status);
  const out: JsonObject = { state: str(s['state']) };
  if (s['timestamp'] !== undefined) out['timestamp'] = s['timestamp'];
  if (s['labels'] !== undefined) out['labels'] = labelList(s['labels']);
  if (s['healthy'] !== undefined) out['healthy'] = s['healthy'];
  if (s['container_status'] !== undefined) out['container_status'] = s['container_status'];
  if (s['uuid'] !== undefined) out['uuid'] = s['uuid'];
  return out;
}

function taskFrom(raw: unknown): ModelTask | undefined {
  const t = obj(raw);
  const frameworkId = idOf(t['framework_id']);
  const id = idOf(t['task_id']);
  if (frameworkId === '' || id === '') return undefined;
  const doc: JsonObject = {
    id,
    name: str(t['name']),
    framework_id: frameworkId,
    slave_id: idOf(t['agent_id']),
    state: str(t['state']),
    labels: labelList(t['labels']),
  };
  const ports = portsText(t['resources']);
  if (ports !== '') doc['resources'] = { ports };
  if (t['discovery'] !== undefined) doc['discovery'] = t['discovery'];
  const statuses = list(t['statuses']).map(statusDoc).slice(-MAX_STATUSES_PER_TASK);
  return { frameworkId, doc, statuses, seq: 0 };
}

function frameworkFrom(raw: unknown): ModelFramework | undefined {
  const info = obj(obj(raw)['framework_info']);
  const id = idOf(info['id']);
  if (id === '') return undefined;
  return { id, name: str(info['name']), hostname: str(info['hostname']) };
}

function agentFrom(raw: unknown): ModelAgent | undefined {
  const a = obj(raw);
  const info = obj(a['agent_info']);
  const id = idOf(info['id']);
  if (id === '') return undefined;
  return { id, hostname: str(info['hostname']), pid: str(a['pid']) };
}

function addTask(model: OperatorModel, raw: unknown): boolean {
  const task = taskFrom(raw);
  if (!task) return false;
  const key = taskKey(task.frameworkId, str(task.doc['id']));
  model.changed.tasks.add(key);
  if (TERMINAL_STATES.has(str(task.doc['state']))) return model.tasks.delete(key);
  // A task added again keeps its place, as a poll lists it.
  task.seq = model.tasks.get(key)?.seq ?? ++taskSeq;
  model.tasks.set(key, task);
  return true;
}

/**
 * Replaces the model's content with a `get_state` snapshot (SUBSCRIBED or GET_STATE). A master that
 * just took over lists agents that have not re-registered yet under `recovered_agents`, without their
 * tasks; publishing that would empty their names for minutes. Their agents, tasks (and the tasks'
 * frameworks) are carried over from the model as it was, until the agent re-registers or `nowMs` +
 * CARRY_OVER_MS.
 */
export function applySnapshot(model: OperatorModel, getState: unknown, nowMs = 0): void {
  const before = { frameworks: new Map(model.frameworks), agents: new Map(model.agents), tasks: new Map(model.tasks), carried: new Map(model.carried) };
  model.frameworks.clear();
  model.agents.clear();
  model.tasks.clear();
  model.carried.clear();
  model.changed.frameworks = true; // a whole new state: rendered whole
  const state = obj(getState);
  for (const raw of list(obj(state['get_frameworks'])['frameworks'])) {
    const framework = frameworkFrom(raw);
    if (framework) model.frameworks.set(framework.id, framework);
  }
  for (const raw of list(obj(state['get_agents'])['agents'])) {
    const agent = agentFrom(raw);
    if (agent) model.agents.set(agent.id, agent);
  }
  for (const raw of list(obj(state['get_tasks'])['tasks'])) addTask(model, raw);
  for (const raw of list(obj(state['get_agents'])['recovered_agents'])) {
    const id = idOf(obj(raw)['id']);
    const agent = before.agents.get(id);
    if (!agent || model.agents.has(id)) continue;
    model.agents.set(id, agent);
    model.carried.set(id, before.carried.get(id) ?? nowMs + CARRY_OVER_MS);
    for (const [key, task] of before.tasks) {
      if (task.doc['slave_id'] !== id || model.tasks.has(key)) continue;
      model.tasks.set(key, task);
      const framework = before.frameworks.get(task.frameworkId);
      if (framework && !model.frameworks.has(framework.id)) model.frameworks.set(framework.id, framework);
    }
  }
}

function dropAgentTasks(model: OperatorModel, agentId: string): void {
  for (const [key, task] of model.tasks) {
    if (task.doc['slave_id'] !== agentId) continue;
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

function updateTask(model: OperatorModel, update: JsonObject): boolean {
  const frameworkId = idOf(update['framework_id']);
  const status = obj(update['status']);
  const key = taskKey(frameworkId, idOf(status['task_id']));
  const task = model.tasks.get(key);
  // An update for a task we never saw added: only a gap explains it, and the next snapshot repairs it.
  if (!task) return false;
  model.changed.tasks.add(key);
  const state = str(update['state']) || str(status['state']);
  if (TERMINAL_STATES.has(state)) {
    model.tasks.delete(key);
    return true;
  }
  task.doc['state'] = state;
  const next = statusDoc(status);
  const uuid = next['uuid'];
  // The acknowledged status may be one already listed (the agent's state moved on without a new status).
  if (uuid === undefined || !task.statuses.some((s) => s['uuid'] === uuid)) {
    task.statuses.push(next);
    if (task.statuses.length > MAX_STATUSES_PER_TASK) task.statuses.shift();
  }
  return true;
}

function removeFramework(model: OperatorModel, id: string): boolean {
  if (!model.frameworks.delete(id)) return false;
  model.changed.frameworks = true;
  for (const [key, task] of model.tasks) if (task.frameworkId === id) model.tasks.delete(key);
  return true;
}

/** Applies one decoded operator API event (anything but SUBSCRIBED, which is applySnapshot). */
export function applyEvent(model: OperatorModel, event: unknown): ApplyResult {
  const e = obj(event);
  const type = str(e['type']);
  switch (type) {
    case 'TASK_ADDED':
      return { type, changed: addTask(model, obj(e['task_added'])['task']) };
    case 'TASK_UPDATED':
      return { type, changed: updateTask(model, obj(e['task_updated'])) };
    case 'AGENT_ADDED': {
      const agent = agentFrom(obj(e['agent_added'])['agent']);
      if (agent) {
        // A carried-over agent is back: the master now sends TASK_ADDED for the tasks it still runs.
        if (model.carried.delete(agent.id)) dropAgentTasks(model, agent.id);
        model.agents.set(agent.id, agent);
        model.changed.agents.add(agent.id);
      }
      return { type, changed: agent !== undefined };
    }
    case 'AGENT_REMOVED': {
      const id = idOf(obj(e['agent_removed'])['agent_id']);
      if (model.carried.delete(id)) dropAgentTasks(model, id);
      model.changed.agents.add(id);
      return { type, changed: model.agents.delete(id) };
    }
    case 'FRAMEWORK_ADDED':
    case 'FRAMEWORK_UPDATED': {
      const key = type === 'FRAMEWORK_ADDED' ? 'framework_added' : 'framework_updated';
      const framework = frameworkFrom(obj(e[key])['framework']);
      if (framework) model.frameworks.set(framework.id, framework);
      if (framework) model.changed.frameworks = true;
      return { type, changed: framework !== undefined };
    }
    case 'FRAMEWORK_REMOVED':
      return { type, changed: removeFramework(model, idOf(obj(obj(e['framework_removed'])['framework_info'])['id'])) };
    default:
      return { type, changed: false };
  }
}

function taskDoc(task: ModelTask): JsonObject {
  return { ...task.doc, statuses: task.statuses };
}

function frameworkDoc(f: ModelFramework, tasks: JsonObject[]): JsonObject {
  return { id: f.id, name: f.name, hostname: f.hostname, tasks };
}

function agentDoc(a: ModelAgent): JsonObject {
  return { id: a.id, hostname: a.hostname, pid: a.pid };
}

/**
 * The model as a `/master/state` document (and its frameworks' ids, in order). A task waits (not
 * listed) until its framework is known: events can name it before it is added. A task on an agent
 * not known yet is listed and gets records once the agent is added (generation skips it until then).
 * Frameworks have no `pid` in the operator API, so their scheduler records use `hostname`. Marks
 * everything as rendered.
 */
export function toMasterState(model: OperatorModel, leader: string): JsonObject {
  return renderWhole(model, leader).document;
}

export function renderWhole(model: OperatorModel, leader: string): { document: JsonObject; frameworkIds: string[] } {
  const tasksByFramework = new Map<string, JsonObject[]>();
  for (const task of model.tasks.values()) {
    if (!model.frameworks.has(task.frameworkId)) continue;
    let tasks = tasksByFramework.get(task.frameworkId);
    if (!tasks) tasksByFramework.set(task.frameworkId, (tasks = []));
    tasks.push(taskDoc(task));
  }
  const frameworks: JsonObject[] = [];
  const frameworkIds: string[] = [];
  for (const f of model.frameworks.values()) {
    frameworks.push(frameworkDoc(f, tasksByFramework.get(f.id) ?? []));
    frameworkIds.push(f.id);
  }
  const slaves: JsonObject[] = [];
  for (const a of model.agents.values()) slaves.push(agentDoc(a));
  clearChanged(model);
  return { document: { leader, frameworks, slaves }, frameworkIds };
}

function clearChanged(model: OperatorModel): void {
  model.changed.tasks.clear();
  model.changed.agents.clear();
  model.changed.frameworks = false;
  model.changed.sinceSeq = taskSeq;
}

export interface RenderedChanges {
  /** Every framework (in order) listing only its changed tasks; the changed agents. */
  readonly document: JsonObject;
  readonly frameworkIds: string[];
  /** Keys (framework id + NUL + task id) of tasks gone since the last render. */
  readonly removedTasks: string[];
  readonly removedSlaves: string[];
}

/**
 * What changed since the last render, as a document of the changed tasks and agents; undefined when a
 * framework changed (or nothing was rendered yet): then the model must be rendered whole. Marks
 * everything as rendered.
 */
export function renderChanges(model: OperatorModel, leader: string): RenderedChanges | undefined {
  if (model.changed.frameworks) return undefined;
  const tasksByFramework = new Map<string, ModelTask[]>();
  const removedTasks: string[] = [];
  for (const key of model.changed.tasks) {
    const task = model.tasks.get(key);
    // A task put into the model since the last render goes last, even if the worker still holds an
    // earlier one of the same key: listed as removed too.
    if (!task || task.seq > model.changed.sinceSeq) removedTasks.push(key);
    if (!task || !model.frameworks.has(task.frameworkId)) continue;
    let tasks = tasksByFramework.get(task.frameworkId);
    if (!tasks) tasksByFramework.set(task.frameworkId, (tasks = []));
    tasks.push(task);
  }
  const frameworks: JsonObject[] = [];
  const frameworkIds: string[] = [];
  for (const f of model.frameworks.values()) {
    // The model's order (new tasks after the others, as a whole render lists them).
    const tasks = (tasksByFramework.get(f.id) ?? []).sort((a, b) => a.seq - b.seq);
    frameworks.push(frameworkDoc(f, tasks.map(taskDoc)));
    frameworkIds.push(f.id);
  }
  const slaves: JsonObject[] = [];
  const removedSlaves: string[] = [];
  for (const id of model.changed.agents) {
    const agent = model.agents.get(id);
    if (agent) slaves.push(agentDoc(agent));
    else removedSlaves.push(id);
  }
  clearChanged(model);
  return { document: { leader, frameworks, slaves }, frameworkIds, removedTasks, removedSlaves };
}
