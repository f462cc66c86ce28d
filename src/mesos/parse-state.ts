// Typed, tolerant parsing of a Mesos `/master/state` document (behaviour §1.4), read selectively from its
// bytes: only the fields records need become JS values; everything else is skipped (still checked:
// invalid JSON fails the whole state, as JSON.parse would). A 100,000-task state is ~50 MB of JSON;
// decoding all of it into objects first cost several times the memory and time of what is kept.
//
// Unknown fields are ignored and missing ones take their zero value. Where Mesos-DNS rejects the
// whole state for one bad field (behaviour §8 #17), a malformed part here loses only itself and is
// reported as a StateProblem. A repeated key counts once, with its last value (as JSON.parse). The
// problems come in the order of the fields each object is checked in, whatever their order in the
// text. Nothing is resolved through DNS while parsing (behaviour §8 #18).
import { Buffer } from 'node:buffer';
import type {
  DiscoveryInfo,
  DiscoveryPort,
  Framework,
  MesosState,
  NetworkInfo,
  Slave,
  StateProblem,
  Task,
  TaskLabel,
  TaskStatus,
  Upid,
} from '../records/state-types.js';
import { splitStandardHostPort } from './host-port.js';
import { Composite, JsonReader, JsonSyntaxError, type Scalar } from './json-reader.js';

export type ParseStateResult =
  | { readonly ok: true; readonly state: MesosState; readonly problems: readonly StateProblem[] }
  | { readonly ok: false; readonly error: string; readonly noLeader?: true };

export interface ScannedState {
  readonly result: ParseStateResult;
  /** The text is not JSON at all (result.error then says why). */
  readonly invalidJson: boolean;
  /**
   * The top-level `leader` matched case-insensitively, as Go decodes it ('' when absent or not a
   * string): what fetchAll follows. The state itself needs the exact key.
   */
  readonly leaderAnyCase: string;
}

/**
 * Problems of the value just read, with paths relative to it: '' for the value itself, '.key' or
 * '[i]...' below it. Null when there are none (the usual case: nothing is allocated).
 */
type Problems = StateProblem[] | null;

function add(list: Problems, path: string, message: string): StateProblem[] {
  const out = list ?? [];
  out.push({ path, message });
  return out;
}

/** Appends `child` (relative to `prefix`) to `list`. */
function addAll(list: Problems, prefix: string, child: Problems): Problems {
  if (child === null) return list;
  const out = list ?? [];
  for (const p of child) out.push({ path: prefix + p.path, message: p.message });
  return out;
}

function describeType(value: Scalar | undefined): string {
  if (value instanceof Composite) return value.type;
  return value === null ? 'null' : typeof value;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Go's JSON decoder turns an unpaired UTF-16 surrogate ("\ud800") into U+FFFD. Doing the same keeps
 * every stored name valid text: a raw DiscoveryInfo name or a slave id with a lone surrogate would
 * otherwise become a name that UTF-8 storage cannot hold, listed by entries() but never found.
 */
function toWellFormed(text: string): string {
  const native = (text as { isWellFormed?: () => boolean }).isWellFormed;
  if (native !== undefined) return native.call(text) ? text : text.replace(LONE_SURROGATE, '\uFFFD');
  return text.replace(LONE_SURROGATE, '\uFFFD');
}

/** Ids and names, everything that can end up in a record name: a string, or '' (missing, null, wrong type). */
export function idText(value: Scalar | undefined): string {
  return typeof value === 'string' ? toWellFormed(value) : '';
}

/** A wrong type is a problem at `path` (null and missing are not). */
function checkString(list: Problems, value: Scalar | undefined, path: string): Problems {
  if (value === undefined || value === null || typeof value === 'string') return list;
  return add(list, path, `expected a string, got ${describeType(value)}`);
}

const PORT_TEXT = /^[0-9]{1,5}$/;

/**
 * Parse a `name@host:port` UPID. The part after the single '@' must be a host:port Go's
 * net.ResolveTCPAddr would accept (IPv6 bracketed, numeric port 0-65535); the host is not resolved.
 */
export function parseUpid(raw: string): Upid | undefined {
  const text = raw.trim().replace(/^"+|"+$/g, '').trim();
  const at = text.indexOf('@');
  if (at < 0 || text.indexOf('@', at + 1) >= 0) return undefined;
  const hostPort = splitStandardHostPort(text.slice(at + 1));
  if (!hostPort || !PORT_TEXT.test(hostPort.port) || Number(hostPort.port) > 65535) return undefined;
  return { host: hostPort.host, port: hostPort.port };
}

/** A present `pid` member: its UPID, or a problem quoting it as JSON. */
function pidOf(reader: JsonReader, value: Scalar, list: Problems): { pid: Upid | null; problems: Problems } {
  const pid = typeof value === 'string' ? parseUpid(value) : undefined;
  if (pid) return { pid, problems: list };
  const json = value instanceof Composite ? JSON.stringify(JSON.parse(reader.text(value.start, value.end))) : JSON.stringify(value);
  return { pid: null, problems: add(list, '.pid', `invalid PID ${json}`) };
}

/** Every empty list of a state (most labels and network infos): readonly, so one can serve them all. */
export const EMPTY: readonly never[] = Object.freeze([]);

/**
 * Reads the state's parts off a JsonReader. Each read* method reads one value and leaves the
 * problems found in it in `pending`, relative to that value, for its caller to take. The operator
 * API's reader (operator-reader.ts) extends it: the parts both forms share (a task's statuses,
 * labels, network infos, discovery) are read by the same methods, so both give the same records.
 */
export class StateReader {
  pending: Problems = null;
  leaderAnyCase = '';
  /** The `task_id` of the status read last, in the operator form ('' when it has none). */
  protected statusTaskId = '';
  /** See readList. */
  private readonly items: unknown[] = [];
  private leaderAnyCaseKey: string | undefined;

  /** `operatorForm`: statuses are the operator API's (labels as `{"labels": [...]}`, with a `task_id`). */
  constructor(
    protected readonly r: JsonReader,
    private readonly operatorForm = false,
  ) {}

  protected take(): Problems {
    const p = this.pending;
    this.pending = null;
    return p;
  }

  /** Skips an array element that should have been an object: a problem "expected an object". */
  protected notAnItem(): undefined {
    this.r.skipValue();
    this.pending = [{ path: '', message: 'expected an object' }];
    return undefined;
  }

  /** Skips a value that should have been an optional object: a problem with its type, unless it is null. */
  private notObject(): void {
    const value = this.r.readScalar();
    this.pending = value === null ? null : [{ path: '', message: `expected an object, got ${describeType(value)}` }];
  }

  /** Skips a non-array: a problem "expected an array" unless it is null. */
  private notArray(): Problems {
    const value = this.r.readScalar();
    return value === null ? null : [{ path: '', message: `expected an array, got ${describeType(value)}` }];
  }

  /**
   * The elements of an array read with `readItem`; items it returns undefined for are left out.
   * Their problems are left in `pending`, relative to the array.
   */
  protected readList<T>(readItem: (this: this) => T | undefined): readonly T[] {
    const r = this.r;
    // Items gather on a stack shared by all lists (nested ones above) and leave it as an array of
    // exactly their number: a list grown by push() has room for 17, and most lists here hold 1 or 2.
    const items = this.items;
    const base = items.length;
    let problems: Problems = null;
    let i = 0;
    for (r.openArray(); r.nextElement(); i++) {
      const item = readItem.call(this);
      if (this.pending !== null) problems = addAll(problems, `[${i}]`, this.take());
      if (item !== undefined) items.push(item);
    }
    this.pending = problems;
    if (items.length === base) return EMPTY;
    const list = items.slice(base) as T[];
    items.length = base;
    return list;
  }

  /** An array member: its items, or none with a problem when it is not an array (null is fine). */
  protected readArrayMember<T>(readItem: (this: this) => T | undefined): readonly T[] {
    if (!this.r.isArrayNext()) {
      this.pending = this.notArray();
      return EMPTY;
    }
    return this.readList(readItem);
  }

  /** The whole document. */
  readDocument(): ParseStateResult {
    const r = this.r;
    if (!r.isObjectNext()) {
      r.skipValue();
      r.end();
      return { ok: false, error: 'state document is not a JSON object' };
    }
    let leader: Scalar | undefined;
    let frameworks: readonly Framework[] = EMPTY;
    let frameworkProblems: Problems = null;
    let slaves: readonly Slave[] = EMPTY;
    let slaveProblems: Problems = null;
    for (r.openObject(); r.nextKey(); ) {
      if (r.keyIs('frameworks')) {
        frameworks = this.readArrayMember(this.readFramework);
        frameworkProblems = this.take();
      } else if (r.keyIs('slaves')) {
        slaves = this.readArrayMember(this.readSlave);
        slaveProblems = this.take();
      } else if (r.keyEnd - r.keyStart === 6 || r.keyEscaped) {
        const key = r.keyText();
        if (key.toLowerCase() !== 'leader') {
          r.skipValue();
          continue;
        }
        const value = r.readScalar();
        if (key === 'leader') leader = value;
        // The first spelling seen keeps its place, the last value of that spelling wins (JSON.parse, then Object.entries).
        if (this.leaderAnyCaseKey === undefined) this.leaderAnyCaseKey = key;
        if (key === this.leaderAnyCaseKey) this.leaderAnyCase = typeof value === 'string' ? value : '';
      } else r.skipValue();
    }
    r.end();
    const leaderText = idText(leader);
    if (leaderText === '') return { ok: false, error: 'fetched state does not contain leader information', noLeader: true };
    let problems: Problems = null;
    problems = addAll(problems, 'frameworks', frameworkProblems);
    problems = addAll(problems, 'slaves', slaveProblems);
    return { ok: true, state: { leader: leaderText, frameworks, slaves }, problems: problems ?? [] };
  }

  private readFramework(): Framework | undefined {
    const r = this.r;
    if (!r.isObjectNext()) return this.notAnItem();
    let pid: Scalar | undefined;
    let name: Scalar | undefined;
    let hostname: Scalar | undefined;
    let tasks: readonly Task[] = EMPTY;
    let taskProblems: Problems = null;
    for (r.openObject(); r.nextKey(); ) {
      if (r.keyIs('tasks')) {
        tasks = this.readArrayMember(this.readTask);
        taskProblems = this.take();
      } else if (r.keyIs('name')) name = r.readScalar();
      else if (r.keyIs('pid')) pid = r.readScalar();
      else if (r.keyIs('hostname')) hostname = r.readScalar();
      else r.skipValue();
    }
    let problems: Problems = null;
    let upid: Upid | null = null;
    if (pid !== undefined) ({ pid: upid, problems } = pidOf(r, pid, problems));
    problems = addAll(problems, '.tasks', taskProblems);
    problems = checkString(problems, name, '.name');
    problems = checkString(problems, hostname, '.hostname');
    this.pending = problems;
    return { name: idText(name), pid: upid, pidInvalid: pid !== undefined && upid === null, hostname: idText(hostname), tasks };
  }

  private readSlave(): Slave | undefined {
    const r = this.r;
    if (!r.isObjectNext()) return this.notAnItem();
    let id: Scalar | undefined;
    let pid: Scalar | undefined;
    let hostname: Scalar | undefined;
    for (r.openObject(); r.nextKey(); ) {
      if (r.keyIs('id')) id = r.readScalar();
      else if (r.keyIs('pid')) pid = r.readScalar();
      else if (r.keyIs('hostname')) hostname = r.readScalar();
      else r.skipValue();
    }
    let problems: Problems = null;
    if (pid === undefined) problems = add(problems, '.pid', 'missing: the agent gets no slave records');
    problems = checkString(problems, id, '.id');
    let upid: Upid | null = null;
    if (pid !== undefined) ({ pid: upid, problems } = pidOf(r, pid, problems));
    problems = checkString(problems, hostname, '.hostname');
    this.pending = problems;
    return { id: idText(id), pid: upid, hostname: idText(hostname) };
  }

  private readTask(): Task | undefined {
    const r = this.r;
    if (!r.isObjectNext()) return this.notAnItem();
    let id: Scalar | undefined;
    let name: Scalar | undefined;
    let slaveId: Scalar | undefined;
    let state: Scalar | undefined;
    /** `resources.ports` when `resources` is an object (else resources are ignored). */
    let ports: Scalar | undefined;
    let statuses: readonly TaskStatus[] = EMPTY;
    let statusProblems: Problems = null;
    let discovery: DiscoveryInfo | null = null;
    let discoveryProblems: Problems = null;
    for (r.openObject(); r.nextKey(); ) {
      if (r.keyIs('id')) id = r.readScalar();
      else if (r.keyIs('name')) name = r.readScalar();
      else if (r.keyIs('slave_id')) slaveId = r.readScalar();
      else if (r.keyIs('state')) state = r.readScalar();
      else if (r.keyIs('statuses')) {
        statuses = this.readArrayMember(this.readStatus);
        statusProblems = this.take();
      } else if (r.keyIs('resources')) ports = this.readResourcePorts();
      else if (r.keyIs('discovery')) {
        discovery = this.readDiscovery();
        discoveryProblems = this.take();
      } else r.skipValue();
    }
    // The identity fields name every record of the task: a wrong type loses the task, not just the field.
    let problems: Problems = null;
    const identity: [string, Scalar | undefined][] = [['id', id], ['name', name], ['slave_id', slaveId], ['state', state]];
    for (const [key, value] of identity) {
      if (value !== undefined && value !== null && typeof value !== 'string') {
        problems = add(problems, `.${key}`, `expected a string, got ${describeType(value)}: task skipped`);
      }
    }
    if (problems !== null) {
      this.pending = problems;
      return undefined;
    }
    let portsText = '';
    if (ports !== undefined && ports !== null) {
      if (typeof ports === 'string') portsText = ports;
      else problems = add(problems, '.resources.ports', `expected a string, got ${describeType(ports)}`);
    }
    problems = addAll(problems, '.statuses', statusProblems);
    problems = addAll(problems, '.discovery', discoveryProblems);
    this.pending = problems;
    return {
      id: idText(id),
      name: idText(name),
      slaveId: idText(slaveId),
      state: idText(state),
      ports: portsText,
      statuses,
      discovery,
    };
  }

  /** A task's `resources`: its `ports` member when it is an object; anything else is ignored. */
  private readResourcePorts(): Scalar | undefined {
    const r = this.r;
    if (!r.isObjectNext()) {
      r.skipValue();
      return undefined;
    }
    let ports: Scalar | undefined;
    for (r.openObject(); r.nextKey(); ) {
      if (r.keyIs('ports')) ports = r.readScalar();
      else r.skipValue();
    }
    return ports;
  }

  protected readStatus(): TaskStatus | undefined {
    const r = this.r;
    if (!r.isObjectNext()) return this.notAnItem();
    this.statusTaskId = '';
    let timestamp: Scalar | undefined;
    let state: Scalar | undefined;
    let healthy: Scalar | undefined;
    let labels: readonly TaskLabel[] = EMPTY;
    let labelsProblems: Problems = null;
    let networkInfos: readonly NetworkInfo[] = EMPTY;
    let networkProblems: Problems = null;
    for (r.openObject(); r.nextKey(); ) {
      if (r.keyIs('state')) state = r.readScalar();
      else if (r.keyIs('timestamp')) timestamp = r.readScalar();
      else if (r.keyIs('healthy')) healthy = r.readScalar();
      else if (r.keyIs('labels')) {
        if (this.operatorForm) {
          labels = this.readWrappedList('labels', this.readLabel);
          labelsProblems = addAll(null, '.labels', this.take());
        } else if (r.isArrayNext()) {
          labels = this.readList(this.readLabel);
          labelsProblems = addAll(null, '.labels', this.take());
        } else {
          labels = EMPTY;
          labelsProblems = addAll(null, '.labels', this.notArray());
        }
      } else if (r.keyIs('container_status')) {
        networkInfos = this.readWrappedList('network_infos', this.readNetworkInfo);
        networkProblems = addAll(null, '.container_status', this.take());
      } else if (this.operatorForm && r.keyIs('task_id')) this.statusTaskId = this.readId();
      else r.skipValue();
    }
    let problems: Problems = null;
    // Go decodes a missing timestamp as 0; a non-number never qualifies as the reference status.
    let ts = 0;
    if (typeof timestamp === 'number') ts = timestamp;
    else if (timestamp !== undefined && timestamp !== null) {
      problems = add(problems, '.timestamp', `expected a number, got ${describeType(timestamp)}`);
      ts = -Infinity;
    }
    problems = checkString(problems, state, '.state');
    if (labelsProblems !== null) problems = addAll(problems, '', labelsProblems);
    if (networkProblems !== null) problems = addAll(problems, '', networkProblems);
    this.pending = problems;
    return {
      state: typeof state === 'string' ? state : '',
      timestamp: ts,
      labels,
      networkInfos,
      healthy: typeof healthy === 'boolean' ? healthy : undefined,
    };
  }

  /** A proto ID, `{"value": "x"}`: "x", or '' when it is anything else. */
  protected readId(): string {
    const r = this.r;
    if (!r.isObjectNext()) {
      r.skipValue();
      return '';
    }
    let id = '';
    for (r.openObject(); r.nextKey(); ) {
      if (r.keyIs('value')) id = idText(r.readScalar());
      else r.skipValue();
    }
    return id;
  }

  /**
   * An object that wraps one list, `{"<key>": [...]}` (proto Labels, a container status's network
   * infos): the list, with its problems at `.<key>`; none when the object is null or missing.
   */
  private readWrappedList<T>(key: string, readItem: (this: this) => T | undefined): readonly T[] {
    const r = this.r;
    if (!r.isObjectNext()) {
      this.notObject();
      return EMPTY;
    }
    let items: readonly T[] = EMPTY;
    let problems: Problems = null;
    for (r.openObject(); r.nextKey(); ) {
      if (r.keyIs(key)) {
        items = this.readArrayMember(readItem);
        problems = this.take();
      } else r.skipValue();
    }
    this.pending = addAll(null, `.${key}`, problems);
    return items;
  }

  private readLabel(): TaskLabel | undefined {
    const r = this.r;
    if (!r.isObjectNext()) return this.notAnItem();
    let key: Scalar | undefined;
    let value: Scalar | undefined;
    for (r.openObject(); r.nextKey(); ) {
      if (r.keyIs('key')) key = r.readScalar();
      else if (r.keyIs('value')) value = r.readScalar();
      else r.skipValue();
    }
    if (typeof key === 'string' && typeof value === 'string') return { key, value };
    this.pending = checkString(checkString(null, key, '.key'), value, '.value');
    return { key: idText(key), value: idText(value) };
  }

  private readNetworkInfo(): NetworkInfo | undefined {
    const r = this.r;
    if (!r.isObjectNext()) return this.notAnItem();
    let addresses: readonly string[] = EMPTY;
    let addressProblems: Problems = null;
    let legacy: Scalar | undefined;
    for (r.openObject(); r.nextKey(); ) {
      if (r.keyIs('ip_addresses')) {
        addresses = this.readArrayMember(this.readIpAddress);
        addressProblems = this.take();
      } else if (r.keyIs('ip_address')) legacy = r.readScalar();
      else r.skipValue();
    }
    this.pending = checkString(addAll(null, '.ip_addresses', addressProblems), legacy, '.ip_address');
    return { ipAddresses: addresses, ipAddress: typeof legacy === 'string' ? legacy : '' };
  }

  /** One `ip_addresses` entry: its address, or '' (it still counts toward "the array is non-empty", behaviour §2.9). */
  private readIpAddress(): string {
    const r = this.r;
    if (!r.isObjectNext()) {
      this.notAnItem();
      return '';
    }
    let address: Scalar | undefined;
    for (r.openObject(); r.nextKey(); ) {
      if (r.keyIs('ip_address')) address = r.readScalar();
      else r.skipValue();
    }
    if (typeof address === 'string') return address;
    this.pending = checkString(null, address, '.ip_address');
    return '';
  }

  protected readDiscovery(): DiscoveryInfo | null {
    const r = this.r;
    if (r.isNullNext()) {
      r.skipValue();
      return null;
    }
    if (!r.isObjectNext()) return this.notAnItem() ?? null;
    let name: Scalar | undefined;
    let ports: readonly DiscoveryPort[] = EMPTY;
    let portsProblems: Problems = null;
    for (r.openObject(); r.nextKey(); ) {
      if (r.keyIs('name')) name = r.readScalar();
      else if (r.keyIs('ports')) {
        ports = EMPTY;
        if (r.isObjectNext()) {
          let listProblems: Problems = null;
          for (r.openObject(); r.nextKey(); ) {
            if (r.keyIs('ports')) {
              ports = this.readArrayMember(this.readDiscoveryPort);
              listProblems = this.take();
            } else r.skipValue();
          }
          portsProblems = addAll(null, '.ports.ports', listProblems);
        } else {
          this.notObject();
          portsProblems = addAll(null, '.ports', this.take());
        }
      } else r.skipValue();
    }
    let problems = checkString(null, name, '.name');
    if (portsProblems !== null) problems = addAll(problems, '', portsProblems);
    this.pending = problems;
    return { name: idText(name), ports };
  }

  private readDiscoveryPort(): DiscoveryPort | undefined {
    const r = this.r;
    let number: Scalar | undefined;
    let protocol: Scalar | undefined;
    let name: Scalar | undefined;
    if (r.isObjectNext()) {
      for (r.openObject(); r.nextKey(); ) {
        if (r.keyIs('number')) number = r.readScalar();
        else if (r.keyIs('protocol')) protocol = r.readScalar();
        else if (r.keyIs('name')) name = r.readScalar();
        else r.skipValue();
      }
    } else {
      r.skipValue();
    }
    if (typeof number !== 'number' || !Number.isSafeInteger(number)) {
      this.pending = [{ path: '', message: 'expected an object with an integer number' }];
      return undefined;
    }
    if (typeof protocol === 'string' && typeof name === 'string') return { number, protocol, name };
    this.pending = checkString(checkString(null, protocol, '.protocol'), name, '.name');
    return { number, protocol: idText(protocol), name: idText(name) };
  }
}

/** Parses state bytes (UTF-8 JSON) and also returns what fetchAll needs to follow the leader. */
export function scanState(bytes: Uint8Array): ScannedState {
  const reader = new JsonReader(bytes);
  const state = new StateReader(reader);
  try {
    const result = state.readDocument();
    return { result, invalidJson: false, leaderAnyCase: state.leaderAnyCase };
  } catch (err) {
    if (!(err instanceof JsonSyntaxError)) throw err;
    return { result: { ok: false, error: `state is not valid JSON: ${err.message}` }, invalidJson: true, leaderAnyCase: '' };
  }
}

/** Parses state bytes (UTF-8 JSON); invalid JSON is an error result, never an exception. */
export function parseStateBytes(bytes: Uint8Array): ParseStateResult {
  return scanState(bytes).result;
}

/** Parses JSON text; invalid JSON is an error result, never an exception. */
export function parseStateText(text: string): ParseStateResult {
  return parseStateBytes(Buffer.from(text, 'utf8'));
}

/**
 * Parses an already-decoded state document (a JSON value, as JSON.parse returns it), by way of its
 * JSON text: there is one parser. Members that are not JSON values are left out, as JSON.stringify does.
 */
export function parseState(doc: unknown): ParseStateResult {
  const text = JSON.stringify(doc) as string | undefined;
  if (text === undefined) return { ok: false, error: 'state document is not a JSON object' };
  return parseStateText(text);
}
