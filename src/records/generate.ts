// Record generation: a pure function of a parsed Mesos state and the configuration to a frozen
// RecordTable holding exactly the A, AAAA and SRV records Mesos-DNS would serve (spec §2).
import type { Config } from '../config/types.js';
import { splitHostPort as splitMasterAddress } from '../mesos/host-port.js';
import type { Framework, MesosState, Slave, Task, TaskStatus } from '../mesos/state-types.js';
import { RecordSetBuilder } from './builder.js';
import { canonicalIp } from './ip.js';
import { type LabelSpec, toDomainFragment, toLabel } from './labels.js';
import { packRecordSet } from './packed-table.js';
import type { RecordTable } from './table.js';
import { hashTaskId } from './task-hash.js';

export type GenerateConfig = Pick<Config, 'domain' | 'ipSources' | 'enforceRFC952' | 'soaMname' | 'listener'>;

export interface GenerateInput {
  readonly state: MesosState;
  readonly config: GenerateConfig;
  /** The master list (spec §1.1): static config order, or [zkLeader, ...others]. */
  readonly masters: readonly string[];
  /** This host's non-loopback interface addresses, used when the listener is 0.0.0.0 (spec §2.6). */
  readonly listenerAddresses: readonly string[];
  /** Host names resolved ahead of generation (spec §2.4, §8 #33); anything else non-IP has no IP. */
  readonly hostAddresses?: ReadonlyMap<string, readonly string[]>;
}

const TASK_RUNNING = 'TASK_RUNNING';
const MESOS_IP_LABEL = 'MesosContainerizer.NetworkSettings.IPAddress';
const DOCKER_IP_LABEL = 'Docker.NetworkSettings.IPAddress';
/** A malformed `resources.ports` range wider than every port there is would only waste memory. */
const MAX_PORT_RANGE = 65536;

interface Context {
  readonly builder: RecordSetBuilder;
  /** "." + domain + "." */
  readonly tail: string;
  readonly spec: LabelSpec;
  readonly hostAddresses: ReadonlyMap<string, readonly string[]> | undefined;
}

/** A value to store as an address record: canonical IP text (A or AAAA by family), or a non-IP
 * slave host fragment, which Mesos-DNS stores in A as text (spec §2.5). Parsed once, added many times. */
interface StoredAddress {
  readonly text: string;
  readonly type: 'A' | 'AAAA';
  readonly isIp: boolean;
}

function toStoredAddress(text: string): StoredAddress | undefined {
  const ip = canonicalIp(text);
  return ip ? { text: ip.text, type: ip.family === 4 ? 'A' : 'AAAA', isIp: true } : undefined;
}

function addAddress(ctx: Context, name: string, address: StoredAddress): boolean {
  return ctx.builder.add(name, address.text, address.type);
}

/** IPs of a host: an IP literal as-is, else whatever was resolved ahead of time (spec §8 #18, #33). */
function hostIps(ctx: Context, host: string): StoredAddress[] {
  const literal = toStoredAddress(host);
  if (literal) return [literal];
  const ips: StoredAddress[] = [];
  for (const address of ctx.hostAddresses?.get(host) ?? []) {
    const ip = toStoredAddress(address);
    if (ip && !ips.some((known) => known.text === ip.text)) ips.push(ip);
  }
  return ips;
}

function frameworkRecords(ctx: Context, framework: Framework): void {
  if (framework.pidInvalid) return; // spec §8 #17: only the scheduler's records are lost
  const fragment = toDomainFragment(framework.name, ctx.spec);
  const host = framework.pid ? framework.pid.host : framework.hostname;
  const port = framework.pid ? framework.pid.port : '';
  const ips = host === '' ? [] : hostIps(ctx, host);
  const name = `${fragment}${ctx.tail}`;
  for (const ip of ips) addAddress(ctx, name, ip);
  if (ips.length > 0 && port !== '') ctx.builder.add(`_framework._tcp.${name}`, `${name}:${port}`, 'SRV');
}

/** Adds slave records and returns the slave's address list used by its tasks (spec §2.5). */
function slaveRecords(ctx: Context, slave: Slave): StoredAddress[] {
  if (!slave.pid) return []; // spec §8 #14: skipped, never a crash
  const ips = hostIps(ctx, slave.pid.host);
  const name = `slave${ctx.tail}`;
  for (const ip of ips) addAddress(ctx, name, ip);
  if (ips.length > 0) {
    ctx.builder.add(`_slave._tcp${ctx.tail}`, `${name}:${slave.pid.port}`, 'SRV');
    return ips;
  }
  return [{ text: toDomainFragment(slave.pid.host, ctx.spec), type: 'A', isIp: false }];
}

function listenerRecords(ctx: Context, config: GenerateConfig, listenerAddresses: readonly string[]): void {
  const name = config.soaMname;
  const addresses = config.listener === '0.0.0.0' ? listenerAddresses : [config.listener];
  for (const text of addresses) {
    const address = toStoredAddress(text);
    if (address) addAddress(ctx, name, address);
  }
}

function masterRecords(ctx: Context, leaderPid: string, masters: readonly string[]): void {
  const parts = leaderPid.split('@');
  if (parts.length < 2) return;
  const leaderAddress = parts[1] as string;
  const leader = splitMasterAddress(leaderAddress);
  if (!leader) return;
  const leaderIps = hostIps(ctx, leader.host);
  if (leaderIps.length === 0) return; // spec §8 #13: a non-IP leader host is skipped, not a crash
  const allMasters = `master${ctx.tail}`;
  for (const ip of leaderIps) {
    addAddress(ctx, `leader${ctx.tail}`, ip);
    addAddress(ctx, allMasters, ip);
  }
  ctx.builder.add(`_leader._tcp${ctx.tail}`, `leader${ctx.tail}:${leader.port}`, 'SRV');
  ctx.builder.add(`_leader._udp${ctx.tail}`, `leader${ctx.tail}:${leader.port}`, 'SRV');

  let index = 0;
  let leaderListed = false;
  for (const master of masters) {
    const split = splitMasterAddress(master);
    const ip = split ? toStoredAddress(split.host) : undefined;
    if (!ip) continue;
    const isLeader = master === leaderAddress;
    if (!isLeader && !addAddress(ctx, allMasters, ip)) continue;
    if (isLeader && leaderListed) continue;
    addAddress(ctx, `master${index}${ctx.tail}`, ip);
    index++;
    if (isLeader) leaderListed = true;
  }
  if (!leaderListed) for (const ip of leaderIps) addAddress(ctx, `master${index}${ctx.tail}`, ip);
}

/** Expand `resources.ports` such as "[31000-31001, 31005-31005]" into port texts (spec §2.12). */
export function expandResourcePorts(ports: string): string[] {
  const open = ports.indexOf('[');
  if (open < 0) return [];
  const close = ports.indexOf(']', open + 1);
  const inner = ports.slice(open + 1, close < 0 ? undefined : close);
  const out: string[] = [];
  for (const range of inner.split(',')) {
    const trimmed = range.trim();
    const dash = trimmed.indexOf('-');
    if (dash < 0) continue; // spec §8 #15: skipped instead of crashing
    const loText = trimmed.slice(0, dash);
    const hiText = trimmed.slice(dash + 1).split('-')[0] as string;
    if (!/^[+-]?\d+$/.test(loText) || !/^[+-]?\d+$/.test(hiText)) continue;
    const lo = Number(loText);
    const hi = Number(hiText);
    // Beyond 2^53 "p++" stops changing p and the loop below would never end.
    if (!Number.isSafeInteger(lo) || !Number.isSafeInteger(hi) || hi - lo >= MAX_PORT_RANGE) continue;
    for (let p = lo; p <= hi; p++) out.push(String(p));
  }
  return out;
}

/** The TASK_RUNNING status with the greatest timestamp; the earliest wins ties (spec §2.9). */
function referenceStatus(statuses: readonly TaskStatus[]): TaskStatus | undefined {
  let best: TaskStatus | undefined;
  let bestTs = -1;
  for (const status of statuses) {
    if (status.state === TASK_RUNNING && status.timestamp > bestTs) {
      best = status;
      bestTs = status.timestamp;
    }
  }
  return best;
}

function labelValues(status: TaskStatus | undefined, key: string): string[] {
  return status ? status.labels.filter((l) => l.key === key).map((l) => l.value) : [];
}

function netinfoAddresses(status: TaskStatus | undefined): string[] {
  const out: string[] = [];
  for (const info of status?.networkInfos ?? []) {
    if (info.ipAddresses.length > 0) out.push(...info.ipAddresses);
    else if (info.ipAddress !== '') out.push(info.ipAddress);
  }
  return out;
}

/** Task IPs from the first IP source that yields at least one valid address (spec §2.9). */
function taskIps(
  task: Task,
  ipSources: GenerateConfig['ipSources'],
  slaveAddresses: readonly StoredAddress[],
): readonly StoredAddress[] {
  const status = referenceStatus(task.statuses);
  for (const source of ipSources) {
    let candidates: readonly string[];
    switch (source) {
      case 'netinfo':
        candidates = netinfoAddresses(status);
        break;
      case 'mesos':
        candidates = labelValues(status, MESOS_IP_LABEL);
        break;
      case 'docker':
        candidates = labelValues(status, DOCKER_IP_LABEL);
        break;
      case 'host': {
        const ips = slaveAddresses.filter((a) => a.isIp);
        if (ips.length > 0) return ips;
        continue;
      }
    }
    const valid: StoredAddress[] = [];
    for (const candidate of candidates) {
      const address = toStoredAddress(candidate);
      if (address) valid.push(address);
    }
    if (valid.length > 0) return valid;
  }
  return [];
}

function slaveIdTail(slaveId: string): string {
  const fields = slaveId.split('-');
  return (fields[fields.length - 1] as string).toLowerCase();
}

interface TaskPass {
  readonly taskLabel: string;
  readonly canonical: string;
}

function taskPassRecords(
  ctx: Context,
  task: Task,
  fragment: string,
  pass: TaskPass,
  ips: readonly StoredAddress[],
  slaveAddresses: readonly StoredAddress[],
  resourcePorts: readonly string[],
): void {
  const { taskLabel: t, canonical: c } = pass;
  const inFramework = `.${fragment}${ctx.tail}`;
  const inSlave = `.${fragment}.slave${ctx.tail}`;
  for (const ip of ips) {
    addAddress(ctx, t + inFramework, ip);
    addAddress(ctx, c + inFramework, ip);
  }
  for (const address of slaveAddresses) {
    addAddress(ctx, t + inSlave, address);
    addAddress(ctx, c + inSlave, address);
  }
  const hasDiscovery = task.discovery !== null && task.discovery.name !== '';
  for (const port of resourcePorts) {
    const target = `${c}${inSlave}:${port}`;
    ctx.builder.add(`_${t}._tcp${inSlave}`, target, 'SRV');
    ctx.builder.add(`_${t}._udp${inSlave}`, target, 'SRV');
    if (!hasDiscovery) {
      ctx.builder.add(`_${t}._tcp${inFramework}`, target, 'SRV');
      ctx.builder.add(`_${t}._udp${inFramework}`, target, 'SRV');
    }
  }
  if (!hasDiscovery || !task.discovery) return;
  for (const port of task.discovery.ports) {
    const target = `${c}${inFramework}:${port.number}`;
    const protocol = toLabel(port.protocol, ctx.spec);
    const protocols = protocol === '' ? ['tcp', 'udp'] : [protocol];
    for (const proto of protocols) ctx.builder.add(`_${t}._${proto}${inFramework}`, target, 'SRV');
    const portLabel = toLabel(port.name, ctx.spec);
    if (portLabel === '') continue;
    for (const proto of protocols) ctx.builder.add(`_${portLabel}._${t}._${proto}${inFramework}`, target, 'SRV');
  }
}

function taskRecords(
  ctx: Context,
  task: Task,
  fragment: string,
  slaveAddresses: readonly StoredAddress[],
  ipSources: GenerateConfig['ipSources'],
): void {
  const hash = hashTaskId(task.id);
  const tail = slaveIdTail(task.slaveId);
  const ips = taskIps(task, ipSources, slaveAddresses);
  const resourcePorts = expandResourcePorts(task.ports);
  const passLabels =
    task.discovery !== null && task.discovery.name !== ''
      ? // Legacy pass with the raw DiscoveryInfo name first, then the sanitised one (spec §2.10, §8 #10).
        [task.discovery.name, toLabel(task.discovery.name, ctx.spec)]
      : [toLabel(task.name, ctx.spec)];
  for (const taskLabel of passLabels) {
    const pass = { taskLabel, canonical: `${taskLabel}-${hash}-${tail}` };
    taskPassRecords(ctx, task, fragment, pass, ips, slaveAddresses, resourcePorts);
  }
}

export function generateRecords(input: GenerateInput): RecordTable {
  const { state, config } = input;
  const ctx: Context = {
    builder: new RecordSetBuilder(),
    tail: `.${config.domain}.`,
    spec: config.enforceRFC952 ? 'rfc952' : 'rfc1123',
    hostAddresses: input.hostAddresses,
  };
  for (const framework of state.frameworks) frameworkRecords(ctx, framework);
  const slaveAddresses = new Map<string, StoredAddress[]>();
  for (const slave of state.slaves) slaveAddresses.set(slave.id, slaveRecords(ctx, slave));
  listenerRecords(ctx, config, input.listenerAddresses);
  masterRecords(ctx, state.leader, input.masters);
  for (const framework of state.frameworks) {
    ctx.builder.beginFramework(framework.name);
    const fragment = toDomainFragment(framework.name, ctx.spec);
    for (const task of framework.tasks) {
      const addresses = slaveAddresses.get(task.slaveId);
      if (task.state !== TASK_RUNNING || addresses === undefined) continue;
      ctx.builder.beginTask(task.name, task.id);
      taskRecords(ctx, task, fragment, addresses, config.ipSources);
      ctx.builder.endTask();
    }
  }
  return packRecordSet(ctx.builder, config.domain);
}
