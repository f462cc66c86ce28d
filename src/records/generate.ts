// Record generation: a pure function of a parsed Mesos state and the configuration to a frozen
// RecordTable holding exactly the A, AAAA and SRV records Mesos-DNS would serve (behaviour §2), plus our
// additions: PTR records for the ReverseZones (reverse-records.ts) and the static records
// (static-table.ts).
import type { GenerateConfig, StaticRecordInput as StaticRecord } from './settings.js';
import { splitHostPortLoosely as splitMasterAddress } from '../net/host-port.js';
import type { DiscoveryPort, Framework, MesosState, Slave, Task, TaskStatus } from './state-types.js';
import { type BuilderCapacity, Int32List, RecordSetBuilder, TYPE_INDEX, type TypeIndex } from './builder.js';
import { canonicalIp } from '../net/ip-text.js';
import { type LabelSpec, toDomainFragment, toLabel } from './labels.js';
import { ancestorNames, entryBlocks, openRecordTable } from './packed-table.js';
import { packPart } from './part-pack.js';
import { ReverseNames, type ReverseNote, type ReverseReport, type ReverseSink } from './reverse-records.js';
import { NO_CONFLICTS, type StaticConflicts, addStaticRecords } from './static-table.js';
import { createRotationMatcher, type RotationEntry } from './rotation-list.js';
import type { PackedTable, PackedTableData } from './table.js';
import { hashTaskId } from './task-hash.js';

/** reverseZones is optional: without it (or with none) no PTR records are made. */
export type { GenerateConfig } from './settings.js';

export interface GenerateInput {
  readonly state: MesosState;
  readonly config: GenerateConfig;
  /** The master list (behaviour §1.1): static config order, or [zkLeader, ...others]. */
  readonly masters: readonly string[];
  /** This host's non-loopback interface addresses, used when the listener is 0.0.0.0 (behaviour §2.6). */
  readonly listenerAddresses: readonly string[];
  /** Host names resolved ahead of generation (behaviour §2.4, §8 #33); anything else non-IP has no IP. */
  readonly hostAddresses?: ReadonlyMap<string, readonly string[]>;
  /** The StaticRecordsFile's records, added after the Mesos names (which win a conflict). */
  readonly staticRecords?: readonly StaticRecord[];
  /**
   * The out-of-rotation entries in force (already filtered by time): their tasks are held back from
   * A/AAAA/SRV answers like unhealthy ones, failing open when every instance of a name is out.
   */
  readonly outOfRotation?: readonly RotationEntry[];
}

const TASK_RUNNING = 'TASK_RUNNING';
const MESOS_IP_LABEL = 'MesosContainerizer.NetworkSettings.IPAddress';
const DOCKER_IP_LABEL = 'Docker.NetworkSettings.IPAddress';
/** A malformed `resources.ports` range wider than every port there is would only waste memory. */
const MAX_PORT_RANGE = 65536;
/**
 * The most ports one task gets records for, per list (resource ports after range expansion, and
 * DiscoveryInfo ports); the first ones in declared order are kept. Mesos-DNS has no cap, so a task
 * declaring "[1-65535]" (or many such ranges) costs 65,535 SRV records per name and seconds of
 * generation. 1024 is above the 1001 ports of a Mesos agent's default range, so any task an agent
 * with default resources can run keeps every port.
 */
export const MAX_PORTS_PER_TASK = 1024;
const { A, AAAA, SRV } = TYPE_INDEX;

interface Context {
  readonly builder: RecordSetBuilder;
  /** "." + domain + "." */
  readonly tail: string;
  readonly spec: LabelSpec;
  readonly hostAddresses: ReadonlyMap<string, readonly string[]> | undefined;
  /** toLabel results by input (DiscoveryInfo names, port names and protocols repeat). */
  readonly labels: Map<string, string>;
  /** The current task's resource ports (behaviour §2.12), refilled per task. */
  readonly ports: Int32List;
  /** Tasks whose port lists were cut to MAX_PORTS_PER_TASK. */
  readonly portCap: { tasks: number; droppedPorts: number; firstTaskId: string | undefined };
  /** Collects the IPs for PTR records; undefined without ReverseZones. */
  readonly reverse: ReverseSink | undefined;
}

/** What generation left out, for one log line per table. */
export interface GenerateReport {
  readonly portCap: {
    /** Tasks that declared more ports than the cap (in either list). */
    readonly tasks: number;
    /** Ports beyond the cap, summed over those tasks (duplicates included). */
    readonly droppedPorts: number;
    readonly firstTaskId: string | undefined;
    readonly limit: number;
  };
  /** PTR records made (undefined without ReverseZones). */
  readonly reverse: ReverseReport | undefined;
  /** Static names left out because they are Mesos names. */
  readonly staticConflicts: StaticConflicts;
  /** Health-aware answers (HealthAwareOn); zeros when off. */
  readonly health: {
    /** Running tasks whose latest status says healthy: false. */
    readonly unhealthyTasks: number;
    /** Records left out of answers (a healthy or unchecked record of the same name and type stayed). */
    readonly heldBack: number;
    /** Names whose records of some type all came from unhealthy tasks, all answered (fail open). */
    readonly failOpenNames: number;
  };
  /** Running tasks out of rotation (their records are held back like unhealthy ones, counted in health). */
  readonly outOfRotationTasks: number;
}

/** A value to store as an address record: canonical IP text (A or AAAA by family), or a non-IP
 * slave host fragment, which Mesos-DNS stores in A as text (behaviour §2.5). Stored once, added many times. */
interface StoredAddress {
  /** The builder's value handle. */
  readonly value: number;
  readonly type: typeof A | typeof AAAA;
  readonly isIp: boolean;
  /** The stored text (canonical IP text when isIp). */
  readonly text: string;
}

interface SlaveInfo {
  /** The addresses its tasks' slave records use (behaviour §2.5). */
  readonly addresses: readonly StoredAddress[];
  /** The IPs among them: the `host` IP source (behaviour §2.9). */
  readonly ips: readonly StoredAddress[];
  /** The last '-' field of the slave id, lower-cased: the end of canonical task names (behaviour §2.10). */
  readonly idTail: string;
  readonly hostname: string;
}

interface FrameworkNames {
  /** ".<fragment>.<domain>." */
  readonly inFramework: string;
  /** ".<fragment>.slave.<domain>." */
  readonly inSlave: string;
  /** Shared-name entries by task label, for DiscoveryInfo names (task names have theirs in TaskName). */
  readonly shared: Map<string, Int32Array>;
  readonly taskNames: Map<string, TaskName>;
}

function toStoredAddress(ctx: Context, text: string): StoredAddress | undefined {
  const ip = canonicalIp(text);
  return ip ? { value: ctx.builder.value(ip.text), type: ip.family === 4 ? A : AAAA, isIp: true, text: ip.text } : undefined;
}

/**
 * Reads `resources.ports` into `out` (cleared first), at most `limit` ports, and returns how many
 * more the text declares. The usual "[31000-31002, 31005-31005]" is read in one scan; anything else
 * (signs, stray spaces, malformed or huge ranges) goes through forEachPortRange, whose reading is
 * the reference (expandResourcePorts).
 */
export function readResourcePorts(text: string, out: Int32List, limit = MAX_PORTS_PER_TASK): number {
  out.length = 0;
  const simple = readSimpleRanges(text, out, limit);
  if (simple >= 0) return simple;
  out.length = 0;
  let dropped = 0;
  forEachPortRange(text, (lo, hi) => {
    const take = Math.max(0, Math.min(hi - lo + 1, limit - out.length));
    for (let port = lo; port < lo + take; port++) out.push(port);
    dropped += hi - lo + 1 - take;
  });
  return dropped;
}

/** The ports dropped beyond `limit`, or -1 when the text is not in the usual form. */
function readSimpleRanges(text: string, out: Int32List, limit: number): number {
  const last = text.length - 1;
  if (text.charCodeAt(0) !== 0x5b || text.charCodeAt(last) !== 0x5d) return -1; // [ ]
  let dropped = 0;
  let i = 1;
  for (;;) {
    let lo = 0;
    const loStart = i;
    for (let c = text.charCodeAt(i) - 48; c >= 0 && c <= 9; c = text.charCodeAt(++i) - 48) lo = lo * 10 + c;
    if (i === loStart || i - loStart > 9 || text.charCodeAt(i) !== 0x2d) return -1; // -
    const hiStart = ++i;
    let hi = 0;
    for (let c = text.charCodeAt(i) - 48; c >= 0 && c <= 9; c = text.charCodeAt(++i) - 48) hi = hi * 10 + c;
    if (i === hiStart || i - hiStart > 9 || hi - lo >= MAX_PORT_RANGE) return -1;
    if (hi >= lo) {
      const take = Math.min(hi - lo + 1, limit - out.length);
      for (let port = lo; port < lo + take; port++) out.push(port);
      dropped += hi - lo + 1 - take;
    }
    if (i === last) return dropped;
    if (text.charCodeAt(i) !== 0x2c) return -1; // ,
    i++;
    while (text.charCodeAt(i) === 0x20) i++;
  }
}

function label(ctx: Context, text: string): string {
  let out = ctx.labels.get(text);
  if (out === undefined) {
    out = toLabel(text, ctx.spec);
    ctx.labels.set(text, out);
  }
  return out;
}

/** IPs of a host: an IP literal as-is, else whatever was resolved ahead of time (behaviour §8 #18, #33). */
function hostIps(ctx: Context, host: string): StoredAddress[] {
  const literal = toStoredAddress(ctx, host);
  if (literal) return [literal];
  const texts: string[] = [];
  for (const address of ctx.hostAddresses?.get(host) ?? []) {
    const ip = canonicalIp(address);
    if (ip && !texts.includes(ip.text)) texts.push(ip.text);
  }
  return texts.map((text) => toStoredAddress(ctx, text) as StoredAddress);
}

function frameworkRecords(ctx: Context, framework: Framework): void {
  if (framework.pidInvalid) return; // behaviour §8 #17: only the scheduler's records are lost
  const b = ctx.builder;
  const fragment = toDomainFragment(framework.name, ctx.spec);
  const host = framework.pid ? framework.pid.host : framework.hostname;
  const port = framework.pid ? framework.pid.port : '';
  const ips = host === '' ? [] : hostIps(ctx, host);
  for (const ip of ips) b.begin(fragment).put(ctx.tail).add(ip.type, ip.value);
  if (ips.length > 0 && port !== '') {
    const target = b.begin(fragment).put(ctx.tail).put(':').put(port).endValue();
    b.begin('_framework._tcp.').put(fragment).put(ctx.tail).add(SRV, target);
  }
}

/** Adds slave records and returns the slave's address list used by its tasks (behaviour §2.5). */
function slaveRecords(ctx: Context, slave: Slave, addRecords: boolean): StoredAddress[] {
  if (!slave.pid) return []; // behaviour §8 #14: skipped, never a crash
  const b = ctx.builder;
  const ips = hostIps(ctx, slave.pid.host);
  if (ips.length > 0 && !addRecords) return ips;
  for (const ip of ips) b.begin('slave').put(ctx.tail).add(ip.type, ip.value);
  if (ips.length > 0) {
    const target = b.begin('slave').put(ctx.tail).put(':').put(slave.pid.port).endValue();
    b.begin('_slave._tcp').put(ctx.tail).add(SRV, target);
    return ips;
  }
  const fragment = toDomainFragment(slave.pid.host, ctx.spec);
  return [{ value: b.value(fragment), type: A, isIp: false, text: fragment }];
}

function listenerRecords(ctx: Context, config: GenerateConfig, listenerAddresses: readonly string[]): void {
  const addresses = config.listener === '0.0.0.0' ? listenerAddresses : [config.listener];
  for (const text of addresses) {
    const address = toStoredAddress(ctx, text);
    if (address) ctx.builder.begin(config.soaMname).add(address.type, address.value);
  }
}

function masterRecords(ctx: Context, leaderPid: string, masters: readonly string[]): void {
  const parts = leaderPid.split('@');
  if (parts.length < 2) return;
  const leaderAddress = parts[1] as string;
  const leader = splitMasterAddress(leaderAddress);
  if (!leader) return;
  const leaderIps = hostIps(ctx, leader.host);
  if (leaderIps.length === 0) return; // behaviour §8 #13: a non-IP leader host is skipped, not a crash
  const b = ctx.builder;
  const tail = ctx.tail;
  for (const ip of leaderIps) {
    b.begin('leader').put(tail).add(ip.type, ip.value);
    b.begin('master').put(tail).add(ip.type, ip.value);
  }
  const leaderTarget = b.begin('leader').put(tail).put(':').put(leader.port).endValue();
  b.begin('_leader._tcp').put(tail).add(SRV, leaderTarget);
  b.begin('_leader._udp').put(tail).add(SRV, leaderTarget);

  let index = 0;
  let leaderListed = false;
  for (const master of masters) {
    const split = splitMasterAddress(master);
    const ip = split ? toStoredAddress(ctx, split.host) : undefined;
    if (!ip) continue;
    const isLeader = master === leaderAddress;
    if (!isLeader && !b.begin('master').put(tail).add(ip.type, ip.value)) continue;
    if (isLeader && leaderListed) continue;
    b.begin('master').put(String(index)).put(tail).add(ip.type, ip.value);
    index++;
    if (isLeader) leaderListed = true;
  }
  if (!leaderListed) for (const ip of leaderIps) b.begin('master').put(String(index)).put(tail).add(ip.type, ip.value);
}

/**
 * Calls `range` with each well-formed range of `resources.ports` such as "[31000-31001, 31005-31005]",
 * in order (behaviour §2.12); malformed ranges are skipped (behaviour §8 #15) and lo > hi gives an empty one.
 */
function forEachPortRange(ports: string, range: (lo: number, hi: number) => void): void {
  const open = ports.indexOf('[');
  if (open < 0) return;
  const close = ports.indexOf(']', open + 1);
  const inner = ports.slice(open + 1, close < 0 ? undefined : close);
  for (const part of inner.split(',')) {
    const trimmed = part.trim();
    const dash = trimmed.indexOf('-');
    if (dash < 0) continue; // behaviour §8 #15: skipped instead of crashing
    const loText = trimmed.slice(0, dash);
    const hiText = trimmed.slice(dash + 1).split('-')[0] as string;
    if (!/^[+-]?\d+$/.test(loText) || !/^[+-]?\d+$/.test(hiText)) continue;
    const lo = Number(loText);
    const hi = Number(hiText);
    // Beyond 2^53 "p++" stops changing p and the loop below would never end.
    if (!Number.isSafeInteger(lo) || !Number.isSafeInteger(hi) || hi - lo >= MAX_PORT_RANGE) continue;
    if (hi >= lo) range(lo, hi);
  }
}

/** Expand `resources.ports` into port texts, uncapped: Mesos-DNS's reading, the reference for tests. */
export function expandResourcePorts(ports: string): string[] {
  const out: string[] = [];
  forEachPortRange(ports, (lo, hi) => {
    for (let p = lo; p <= hi; p++) out.push(String(p));
  });
  return out;
}

/** The TASK_RUNNING status with the greatest timestamp; the earliest wins ties (behaviour §2.9). */
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

/**
 * The task's latest status (greatest timestamp, the earliest wins ties) says healthy: false. A task
 * without a health check has no `healthy` and is never unhealthy.
 */
export function isUnhealthy(task: Task): boolean {
  return latestStatus(task.statuses)?.healthy === false;
}

function latestStatus(statuses: readonly TaskStatus[]): TaskStatus | undefined {
  let latest: TaskStatus | undefined;
  for (const status of statuses) if (latest === undefined || status.timestamp > latest.timestamp) latest = status;
  return latest;
}

/**
 * The statuses records are made from: the reference status and the latest one, in their order. Both
 * are picked by a running maximum, so these two with statuses appended later pick exactly what the
 * whole list with them would: a task kept from a stream of status updates needs no more than these.
 */
export function statusesThatCount(statuses: readonly TaskStatus[]): readonly TaskStatus[] {
  if (statuses.length <= 1) return statuses;
  const reference = referenceStatus(statuses);
  const latest = latestStatus(statuses) as TaskStatus;
  if (reference === undefined || reference === latest) return [latest];
  if (statuses.length === 2) return statuses;
  return statuses.indexOf(reference) < statuses.indexOf(latest) ? [reference, latest] : [latest, reference];
}

/** Appends the address when the text is an IP; returns the list (created on first use). */
function collectIp(ctx: Context, list: StoredAddress[] | undefined, text: string): StoredAddress[] | undefined {
  const address = toStoredAddress(ctx, text);
  if (!address) return list;
  if (!list) return [address];
  list.push(address);
  return list;
}

function candidateIps(ctx: Context, status: TaskStatus, source: 'netinfo' | 'mesos' | 'docker'): StoredAddress[] | undefined {
  let valid: StoredAddress[] | undefined;
  if (source === 'netinfo') {
    for (const info of status.networkInfos) {
      if (info.ipAddresses.length > 0) for (const text of info.ipAddresses) valid = collectIp(ctx, valid, text);
      else if (info.ipAddress !== '') valid = collectIp(ctx, valid, info.ipAddress);
    }
    return valid;
  }
  const key = source === 'mesos' ? MESOS_IP_LABEL : DOCKER_IP_LABEL;
  for (const l of status.labels) if (l.key === key) valid = collectIp(ctx, valid, l.value);
  return valid;
}

const NO_ADDRESSES: readonly StoredAddress[] = [];

/** Task IPs from the first IP source that yields at least one valid address (behaviour §2.9). */
function taskIps(ctx: Context, task: Task, ipSources: GenerateConfig['ipSources'], slave: SlaveInfo): readonly StoredAddress[] {
  const status = referenceStatus(task.statuses);
  for (const source of ipSources) {
    if (source === 'host') {
      if (slave.ips.length > 0) return slave.ips;
      continue;
    }
    const valid = status ? candidateIps(ctx, status, source) : undefined;
    if (valid) return valid;
  }
  return NO_ADDRESSES;
}

function slaveIdTail(slaveId: string): string {
  return slaveId.slice(slaveId.lastIndexOf('-') + 1).toLowerCase();
}

interface TaskPass {
  readonly task: Task;
  readonly names: FrameworkNames;
  readonly ips: readonly StoredAddress[];
  readonly slave: SlaveInfo;
  /** The task's resource ports (ctx.ports, valid until the next task). */
  readonly resourcePorts: Int32List;
}

/** What a framework's tasks of one name share: their label, stored name and shared names. */
interface TaskName {
  readonly label: string;
  /** The builder's value handle of the raw name, for the enumeration. */
  readonly handle: number;
  /** Entries of the names shared by the label's instances, by SHARED kind (-1: not yet added). */
  readonly shared: Int32Array;
}

/**
 * Names that depend only on the task label and the framework, so every instance of an app adds to
 * the same ones: each is composed and looked up once, then its entry is reused (builder.addTo).
 */
const SHARED = { label: 0, labelInSlave: 1, tcpInSlave: 2, udpInSlave: 3, tcp: 4, udp: 5 } as const;
type SharedKind = (typeof SHARED)[keyof typeof SHARED];
const SHARED_KINDS = 6;

function composeShared(b: RecordSetBuilder, kind: SharedKind, t: string, names: FrameworkNames): RecordSetBuilder {
  switch (kind) {
    case SHARED.label:
      return b.begin(t).put(names.inFramework);
    case SHARED.labelInSlave:
      return b.begin(t).put(names.inSlave);
    case SHARED.tcpInSlave:
      return b.begin('_').put(t).put('._tcp').put(names.inSlave);
    case SHARED.udpInSlave:
      return b.begin('_').put(t).put('._udp').put(names.inSlave);
    case SHARED.tcp:
      return b.begin('_').put(t).put('._tcp').put(names.inFramework);
    case SHARED.udp:
      return b.begin('_').put(t).put('._udp').put(names.inFramework);
  }
}

function addShared(ctx: Context, shared: Int32Array, kind: SharedKind, t: string, names: FrameworkNames, type: TypeIndex, value: number): void {
  const entry = shared[kind] as number;
  if (entry >= 0) {
    ctx.builder.addTo(entry, type, value);
    return;
  }
  composeShared(ctx.builder, kind, t, names).add(type, value);
  shared[kind] = ctx.builder.lastEntry;
}

function newSharedEntries(): Int32Array {
  return new Int32Array(SHARED_KINDS).fill(-1);
}

function sharedByLabel(names: FrameworkNames, t: string): Int32Array {
  let shared = names.shared.get(t);
  if (!shared) {
    shared = newSharedEntries();
    names.shared.set(t, shared);
  }
  return shared;
}

function taskName(ctx: Context, names: FrameworkNames, name: string): TaskName {
  let info = names.taskNames.get(name);
  if (!info) {
    info = { label: label(ctx, name), handle: ctx.builder.value(name), shared: newSharedEntries() };
    names.taskNames.set(name, info);
  }
  return info;
}

/** One pass of a task's records under one task label t and its canonical label c (behaviour §2.10). */
function taskPassRecords(ctx: Context, pass: TaskPass, t: string, c: string, shared: Int32Array): void {
  const b = ctx.builder;
  const names = pass.names;
  const { inFramework, inSlave } = names;
  for (const ip of pass.ips) {
    addShared(ctx, shared, SHARED.label, t, names, ip.type, ip.value);
    b.begin(c).put(inFramework).add(ip.type, ip.value);
  }
  for (const address of pass.slave.addresses) {
    addShared(ctx, shared, SHARED.labelInSlave, t, names, address.type, address.value);
    b.begin(c).put(inSlave).add(address.type, address.value);
  }
  const discovery = pass.task.discovery !== null && pass.task.discovery.name !== '' ? pass.task.discovery : null;
  const ports = pass.resourcePorts;
  for (let p = 0; p < ports.length; p++) {
    const target = b.begin(c).put(inSlave).put(':').putInt(ports.data[p] as number).endValue();
    addShared(ctx, shared, SHARED.tcpInSlave, t, names, SRV, target);
    addShared(ctx, shared, SHARED.udpInSlave, t, names, SRV, target);
    if (!discovery) {
      addShared(ctx, shared, SHARED.tcp, t, names, SRV, target);
      addShared(ctx, shared, SHARED.udp, t, names, SRV, target);
    }
  }
  if (!discovery) return;
  const discoveryPorts = Math.min(discovery.ports.length, MAX_PORTS_PER_TASK);
  for (let d = 0; d < discoveryPorts; d++) {
    const port = discovery.ports[d] as DiscoveryPort;
    const target = b.begin(c).put(inFramework).put(':').putInt(port.number).endValue();
    const protocol = label(ctx, port.protocol);
    const portLabel = label(ctx, port.name);
    if (protocol === '' || protocol === 'tcp') addShared(ctx, shared, SHARED.tcp, t, names, SRV, target);
    if (protocol === '' || protocol === 'udp') addShared(ctx, shared, SHARED.udp, t, names, SRV, target);
    if (protocol !== '' && protocol !== 'tcp' && protocol !== 'udp') {
      b.begin('_').put(t).put('._').put(protocol).put(inFramework).add(SRV, target);
    }
    if (portLabel === '') continue;
    for (const proto of protocol === '' ? BOTH_PROTOCOLS : [protocol]) {
      b.begin('_').put(portLabel).put('._').put(t).put('._').put(proto).put(inFramework).add(SRV, target);
    }
  }
}

const BOTH_PROTOCOLS = ['tcp', 'udp'] as const;

function canonicalLabel(t: string, hash: string, slave: SlaveInfo): string {
  return `${t}-${hash}-${slave.idTail}`;
}

function notePortCap(ctx: Context, task: Task, dropped: number): void {
  ctx.portCap.tasks++;
  ctx.portCap.droppedPorts += dropped;
  ctx.portCap.firstTaskId ??= task.id;
}

function taskRecords(ctx: Context, task: Task, names: FrameworkNames, slave: SlaveInfo, ipSources: GenerateConfig['ipSources'], name: TaskName): void {
  const hash = hashTaskId(task.id);
  const droppedResourcePorts = readResourcePorts(task.ports, ctx.ports);
  const droppedDiscoveryPorts = Math.max(0, (task.discovery?.ports.length ?? 0) - MAX_PORTS_PER_TASK);
  if (droppedResourcePorts + droppedDiscoveryPorts > 0) notePortCap(ctx, task, droppedResourcePorts + droppedDiscoveryPorts);
  const pass: TaskPass = { task, names, ips: taskIps(ctx, task, ipSources, slave), slave, resourcePorts: ctx.ports };
  if (task.discovery !== null && task.discovery.name !== '') {
    // Legacy pass with the raw DiscoveryInfo name first, then the sanitised one (behaviour §2.10, §8 #10).
    const raw = task.discovery.name;
    const sanitised = label(ctx, raw);
    taskPassRecords(ctx, pass, raw, canonicalLabel(raw, hash, slave), sharedByLabel(names, raw));
    // A name that is already a valid label would repeat the first pass's records exactly: all ignored.
    if (sanitised !== raw) taskPassRecords(ctx, pass, sanitised, canonicalLabel(sanitised, hash, slave), sharedByLabel(names, sanitised));
    noteReverse(ctx, pass, canonicalLabel(sanitised, hash, slave));
  } else {
    taskPassRecords(ctx, pass, name.label, canonicalLabel(name.label, hash, slave), name.shared);
    noteReverse(ctx, pass, canonicalLabel(name.label, hash, slave));
  }
}

/**
 * The task's IPs for PTR records, pointing at its canonical name in the framework (`C.F.D.`, the name
 * that holds the task's own IPs); with DiscoveryInfo the sanitised one (the raw name may not be a label).
 */
function noteReverse(ctx: Context, pass: TaskPass, canonical: string): void {
  const reverse = ctx.reverse;
  if (!reverse || pass.ips.length === 0) return;
  const target = `${canonical}${pass.names.inFramework}`;
  for (const ip of pass.ips) if (ip.isIp) reverse.addTaskIp(ip.text, ip.type === A ? 4 : 6, target);
}

/**
 * Generous expected sizes for the builder, from typical per-task figures (a generated 100,000-task
 * cluster has per running task ~6.9 names, ~12.7 records, ~3 value texts and ~490 bytes of text).
 */
function expectedCapacity(state: MesosState): BuilderCapacity {
  let tasks = 0;
  for (const framework of state.frameworks) tasks += framework.tasks.length;
  const hosts = state.slaves.length + state.frameworks.length + 16;
  return {
    names: tasks * 8 + hosts,
    records: tasks * 14 + hosts * 2,
    values: tasks * 4 + hosts * 2,
    bytes: tasks * 512 + hosts * 64,
    frameworks: state.frameworks.length,
    tasks,
  };
}

export function generateRecords(input: GenerateInput): PackedTable {
  return generateRecordsWithReport(input).table;
}

function newContext(config: GenerateConfig, input: Pick<GenerateInput, 'hostAddresses'>, capacity: Partial<BuilderCapacity>, reverse: ReverseSink | undefined): Context {
  return {
    builder: new RecordSetBuilder(capacity),
    tail: `.${config.domain}.`,
    spec: config.enforceRFC952 ? 'rfc952' : 'rfc1123',
    hostAddresses: input.hostAddresses,
    labels: new Map(),
    ports: new Int32List(),
    portCap: { tasks: 0, droppedPorts: 0, firstTaskId: undefined },
    reverse,
  };
}

function newReverseNames(config: GenerateConfig): ReverseNames | undefined {
  return config.reverseZones && config.reverseZones.length > 0 ? new ReverseNames(config.reverseZones, `slave.${config.domain}.`) : undefined;
}

/**
 * The slaves' addresses as their tasks use them, keyed by slave id; with `addRecords`, also the
 * slaves' own records (slave.<domain>, _slave._tcp) and their IPs for PTR records.
 */
function slaveInfos(ctx: Context, slaves: readonly Slave[], addRecords: boolean): Map<string, SlaveInfo> {
  const infos = new Map<string, SlaveInfo>();
  for (const slave of slaves) {
    const addresses = slaveRecords(ctx, slave, addRecords);
    const ips = addresses.filter((a) => a.isIp);
    infos.set(slave.id, { addresses, ips, idTail: slaveIdTail(slave.id), hostname: slave.hostname });
    if (addRecords) for (const ip of ips) ctx.reverse?.addAgentIp(ip.text, ip.type === A ? 4 : 6);
  }
  return infos;
}

/** The records of everything but tasks: schedulers, agents, this server (SOAMname) and the masters. */
function addHostRecords(ctx: Context, input: GenerateInput): Map<string, SlaveInfo> {
  for (const framework of input.state.frameworks) frameworkRecords(ctx, framework);
  const slaves = slaveInfos(ctx, input.state.slaves, true);
  listenerRecords(ctx, input.config, input.listenerAddresses);
  masterRecords(ctx, input.state.leader, input.masters);
  return slaves;
}

interface TaskTally {
  unhealthyTasks: number;
  outOfRotationTasks: number;
}

/** Every running task's records, framework by framework in state order (behaviour §2.10–§2.13). */
function addTaskRecords(ctx: Context, input: GenerateInput, slaves: ReadonlyMap<string, SlaveInfo>): TaskTally {
  const config = input.config;
  const healthAware = config.healthAwareOn === true;
  const rotation = createRotationMatcher(input.outOfRotation ?? []);
  const tally: TaskTally = { unhealthyTasks: 0, outOfRotationTasks: 0 };
  for (const framework of input.state.frameworks) {
    ctx.builder.beginFramework(framework.name);
    const fragment = toDomainFragment(framework.name, ctx.spec);
    const names: FrameworkNames = {
      inFramework: `.${fragment}${ctx.tail}`,
      inSlave: `.${fragment}.slave${ctx.tail}`,
      shared: new Map(),
      taskNames: new Map(),
    };
    for (const task of framework.tasks) {
      const slave = slaves.get(task.slaveId);
      if (task.state !== TASK_RUNNING || slave === undefined) continue;
      const name = taskName(ctx, names, task.name);
      const unhealthy = healthAware && isUnhealthy(task);
      if (unhealthy) tally.unhealthyTasks++;
      const out =
        !rotation.empty &&
        rotation.isOut({ id: task.id, name: task.name, label: name.label, agentId: task.slaveId, agentHostname: slave.hostname });
      if (out) tally.outOfRotationTasks++;
      ctx.builder.beginTask(name.handle, task.id, unhealthy || out);
      taskRecords(ctx, task, names, slave, config.ipSources, name);
      ctx.builder.endTask();
    }
  }
  return tally;
}

function report(ctx: Context, tally: TaskTally, reverse: ReverseReport | undefined, staticConflicts: StaticConflicts): GenerateReport {
  const health = { unhealthyTasks: tally.unhealthyTasks, heldBack: ctx.builder.healthHeldBack, failOpenNames: ctx.builder.healthFailOpenNames };
  return { portCap: { ...ctx.portCap, limit: MAX_PORTS_PER_TASK }, reverse, staticConflicts, health, outOfRotationTasks: tally.outOfRotationTasks };
}

/** generateRecords, plus what it left out (for the reload's log line and metrics). */
export function generateRecordsWithReport(input: GenerateInput): { readonly table: PackedTable; readonly report: GenerateReport } {
  const { state, config } = input;
  const reverseNames = newReverseNames(config);
  const ctx = newContext(config, input, expectedCapacity(state), reverseNames);
  const slaves = addHostRecords(ctx, input);
  const tally = addTaskRecords(ctx, input, slaves);
  const reverse = reverseNames?.addTo(ctx.builder);
  const staticConflicts = input.staticRecords ? addStaticRecords(ctx.builder, input.staticRecords) : NO_CONFLICTS;
  const table = openRecordTable(ctx.builder.finish(config.domain, config.reverseZones ?? []));
  return { table, report: report(ctx, tally, reverse, staticConflicts) };
}

/**
 * One part of a table, generated alone so that a change rebuilds only the parts it touches
 * (segments.ts merges the parts into one table). The parts of a state, merged in order, hold exactly
 * what generateRecords gives for it whenever no name is made by two parts.
 */
export interface Segment {
  readonly data: PackedTableData;
  /** Each entry's name hash, as the builder stored it (the merge indexes names with it). */
  readonly hashes: Int32Array;
  /** Each entry's answer-block offset, -1 for none: `data` is packed without its answer slots. */
  readonly blocks: Int32Array;
  /** The part's ancestors as text: `data` is packed without them. */
  readonly ancestors: readonly string[];
  readonly report: GenerateReport;
}

function finishSegment(ctx: Context, config: GenerateConfig, tally: TaskTally, reverse?: ReverseReport): Segment {
  const built = ctx.builder.finish(config.domain, config.reverseZones ?? []);
  const blocks = entryBlocks(built);
  return {
    data: packPart(built, blocks),
    hashes: ctx.builder.nameHashes().slice(),
    blocks,
    ancestors: ancestorNames(built),
    report: report(ctx, tally, reverse, NO_CONFLICTS),
  };
}

const NO_TASKS: TaskTally = Object.freeze({ unhealthyTasks: 0, outOfRotationTasks: 0 });

/**
 * The host part: schedulers, agents, SOAMname and masters, and every framework (without tasks) for
 * the enumeration; the agents' IPs go to `reverse`.
 */
export function generateHostSegment(input: GenerateInput, reverse: ReverseSink | undefined): Segment {
  const hosts = input.state.slaves.length + input.state.frameworks.length + 16;
  const ctx = newContext(input.config, input, { names: hosts * 2, records: hosts * 4, values: hosts * 2, bytes: hosts * 96, frameworks: input.state.frameworks.length, tasks: 0 }, reverse);
  addHostRecords(ctx, input);
  for (const framework of input.state.frameworks) ctx.builder.beginFramework(framework.name);
  return finishSegment(ctx, input.config, NO_TASKS);
}

/**
 * A task part: the records of the tasks in `input.state` (a subset of the cluster's frameworks and
 * tasks, in state order, with the slaves they run on); their IPs for PTR records go to `reverse`.
 * The frameworks' enumeration rows are those of `input.state.frameworks` that have tasks here.
 */
export function generateTaskSegment(input: GenerateInput, reverse: ReverseSink | undefined): Segment {
  const ctx = newContext(input.config, input, expectedCapacity(input.state), reverse);
  const slaves = slaveInfos(ctx, input.state.slaves, false);
  const tally = addTaskRecords(ctx, input, slaves);
  return finishSegment(ctx, input.config, tally);
}

/** The PTR part, from the IPs the other parts noted (replayed in their order). */
export function generateReverseSegment(config: GenerateConfig, notes: Iterable<ReverseNote>): Segment | undefined {
  const names = newReverseNames(config);
  if (!names) return undefined;
  const ctx = newContext(config, {}, { names: 64, records: 64, values: 64, bytes: 4096, frameworks: 0, tasks: 0 }, undefined);
  for (const note of notes) {
    if (note.target === undefined) names.addAgentIp(note.ip, note.family);
    else names.addTaskIp(note.ip, note.family, note.target);
  }
  const reverse = names.addTo(ctx.builder);
  return finishSegment(ctx, config, NO_TASKS, reverse);
}

/** The static part (StaticRecordsFile), with no Mesos name to conflict with: the merge checks conflicts. */
export function generateStaticSegment(config: GenerateConfig, records: readonly StaticRecord[]): Segment {
  const ctx = newContext(config, {}, { names: records.length, records: records.length, values: records.length, bytes: records.length * 128, frameworks: 0, tasks: 0 }, undefined);
  addStaticRecords(ctx.builder, records);
  return finishSegment(ctx, config, NO_TASKS);
}
