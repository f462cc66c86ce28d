// The operator API model driven from JSON values, as tests and the streaming test master hold them:
// each value goes through the stream's own reader, as its bytes would. And the model's state written
// back as the `/master/state` document a poll of it would fetch (parsing it gives that state again).
import { Buffer } from 'node:buffer';
import { readOperatorRecord } from '../../src/mesos/operator-reader.js';
import { applyEvent, keptTask, renderWhole, type ApplyResult, type OperatorModel } from '../../src/mesos/operator-state.js';
import { joinHostPort } from '../../src/net/host-port.js';
import { expandTask, type CompactTask } from '../../src/records/compact-task.js';
import type { MesosState, Task, TaskStatus } from '../../src/records/state-types.js';

/** Applies an event (or a SUBSCRIBED record) given as a JSON value, read as the reload worker reads one. */
export function applyJson(model: OperatorModel, event: unknown, nowMs = 0): ApplyResult {
  const keep = (task: Parameters<typeof keptTask>[1]) => keptTask(model, task);
  return applyEvent(model, readOperatorRecord(Buffer.from(JSON.stringify(event) ?? 'null'), { keep }), nowMs);
}

/** Applies a `get_state` value as the snapshot of a SUBSCRIBED record. */
export function applyGetState(model: OperatorModel, getState: unknown, nowMs = 0): void {
  applyJson(model, { type: 'SUBSCRIBED', subscribed: { get_state: getState } }, nowMs);
}

type Doc = Record<string, unknown>;

function statusDocument(status: TaskStatus): Doc {
  return {
    state: status.state,
    timestamp: status.timestamp,
    labels: status.labels,
    ...(status.healthy !== undefined ? { healthy: status.healthy } : {}),
    container_status: {
      network_infos: status.networkInfos.map((info) => ({
        ip_addresses: info.ipAddresses.map((ip) => ({ ip_address: ip })),
        ...(info.ipAddress !== '' ? { ip_address: info.ipAddress } : {}),
      })),
    },
  };
}

function taskDocument(task: Task): Doc {
  return {
    id: task.id,
    name: task.name,
    slave_id: task.slaveId,
    state: task.state,
    ...(task.ports !== '' ? { resources: { ports: task.ports } } : {}),
    statuses: task.statuses.map(statusDocument),
    ...(task.discovery ? { discovery: { name: task.discovery.name, ports: { ports: task.discovery.ports } } } : {}),
  };
}

/** A state as the `/master/state` document that parses to it. */
export function stateDocument(state: MesosState): Doc {
  return {
    leader: state.leader,
    frameworks: state.frameworks.map((f) => ({
      name: f.name,
      hostname: f.hostname,
      ...(f.pid ? { pid: `scheduler@${joinHostPort(f.pid.host, f.pid.port)}` } : {}),
      tasks: f.tasks.map(taskDocument),
    })),
    slaves: state.slaves.map((s) => ({ id: s.id, hostname: s.hostname, pid: s.pid ? `slave(1)@${joinHostPort(s.pid.host, s.pid.port)}` : '' })),
  };
}

/** A state the model rendered, with its tasks as parsed. */
export function expandedState(state: MesosState<CompactTask>): MesosState {
  return { ...state, frameworks: state.frameworks.map((f) => ({ ...f, tasks: f.tasks.map(expandTask) })) };
}

/** The model as the `/master/state` document a poll of the same cluster fetches. */
export function masterStateDocument(model: OperatorModel, leader: string): Doc {
  return stateDocument(expandedState(renderWhole(model, leader).state));
}

function operatorTask(task: Task, frameworkId: string): Doc {
  const ranges = [...task.ports.matchAll(/(\d+)-(\d+)/g)].map((m) => ({ begin: Number(m[1]), end: Number(m[2]) }));
  return {
    name: task.name,
    task_id: { value: task.id },
    framework_id: { value: frameworkId },
    agent_id: { value: task.slaveId },
    state: task.state,
    resources: ranges.length > 0 ? [{ name: 'ports', type: 'RANGES', ranges: { range: ranges } }] : [],
    statuses: task.statuses.map((status) => ({ ...statusDocument(status), task_id: { value: task.id }, labels: { labels: status.labels } })),
    ...(task.discovery ? { discovery: { name: task.discovery.name, ports: { ports: task.discovery.ports } } } : {}),
  };
}

/** The model as the `get_state` a subscription to the same cluster would start with (tasks reversed if asked). */
export function getStateOf(model: OperatorModel, leader: string, options: { reverse?: boolean } = {}): Doc {
  const { state, frameworkIds } = renderWhole(model, leader);
  const tasks = state.frameworks.flatMap((f, i) => f.tasks.map((t) => operatorTask(expandTask(t), frameworkIds[i] as string)));
  return {
    get_frameworks: { frameworks: state.frameworks.map((f, i) => ({ framework_info: { id: { value: frameworkIds[i] }, name: f.name, hostname: f.hostname } })) },
    get_agents: { agents: state.slaves.map((s) => ({ agent_info: { id: { value: s.id }, hostname: s.hostname }, pid: s.pid ? `slave(1)@${joinHostPort(s.pid.host, s.pid.port)}` : '' })) },
    get_tasks: { tasks: options.reverse ? tasks.reverse() : tasks },
  };
}
