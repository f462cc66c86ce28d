// The operator API model driven from JSON values, as tests and the streaming test master hold them:
// each value goes through the stream's own reader, as its bytes would. And the model's state written
// back as the `/master/state` document a poll of it would fetch (parsing it gives that state again).
import { Buffer } from 'node:buffer';
import { readOperatorRecord } from '../../src/mesos/operator-reader.js';
import { applyEvent, renderWhole, type ApplyResult, type OperatorModel } from '../../src/mesos/operator-state.js';
import { joinHostPort } from '../../src/net/host-port.js';
import type { MesosState, Task, TaskStatus } from '../../src/records/state-types.js';

/** Applies an event (or a SUBSCRIBED record) given as a JSON value. */
export function applyJson(model: OperatorModel, event: unknown, nowMs = 0): ApplyResult {
  return applyEvent(model, readOperatorRecord(Buffer.from(JSON.stringify(event) ?? 'null')), nowMs);
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

/** The model as the `/master/state` document a poll of the same cluster fetches. */
export function masterStateDocument(model: OperatorModel, leader: string): Doc {
  return stateDocument(renderWhole(model, leader).state);
}
