// The object-walking state parser that src/mesos/parse-state.ts replaced (JSON.parse of the whole
// text, then this), kept verbatim as the reference the selective parser is proven equivalent to
// (test/unit/mesos/parse-state-equivalence.test.ts). Not used by the server.
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
} from '../../src/records/state-types.js';
import { splitStandardHostPort } from '../../src/mesos/host-port.js';

export type ParseStateResult =
  | { readonly ok: true; readonly state: MesosState; readonly problems: readonly StateProblem[] }
  | { readonly ok: false; readonly error: string; readonly noLeader?: true };

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

class Problems {
  readonly list: StateProblem[] = [];
  add(path: string, message: string): void {
    this.list.push({ path, message });
  }
}

/**
 * Where a value sits, e.g. "frameworks[2].pid". Deep inside tasks it is a function, so the text is only
 * built when a problem is reported: a 100,000-task state would otherwise build millions of strings.
 */
type PathText = string | (() => string);

/** "a.b" for a member of the object at path "a"; just "b" at the top level. */
function member(path: PathText, key: string): string {
  const text = typeof path === 'string' ? path : path();
  return text === '' ? key : `${text}.${key}`;
}

function describeType(value: unknown): string {
  return Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value;
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

/** Ids and names: everything that can end up in a record name or the enumeration. */
function readString(obj: Json, key: string, path: PathText, problems: Problems): string {
  const value = obj[key];
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return toWellFormed(value);
  problems.add(member(path, key), `expected a string, got ${describeType(value)}`);
  return '';
}

function readArray(obj: Json, key: string, path: PathText, problems: Problems): readonly unknown[] {
  const value = obj[key];
  if (value === undefined || value === null) return [];
  if (Array.isArray(value)) return value;
  problems.add(member(path, key), `expected an array, got ${describeType(value)}`);
  return [];
}

/** An optional nested object; anything else but null is reported and treated as absent. */
function readObject(obj: Json, key: string, path: PathText, problems: Problems): Json | undefined {
  const value = obj[key];
  if (value === undefined || value === null) return undefined;
  if (isObject(value)) return value;
  problems.add(member(path, key), `expected an object, got ${describeType(value)}`);
  return undefined;
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

function readPid(obj: Json, path: string, problems: Problems): { pid: Upid | null; invalid: boolean } {
  if (!('pid' in obj)) return { pid: null, invalid: false };
  const value = obj.pid;
  const pid = typeof value === 'string' ? parseUpid(value) : undefined;
  if (!pid) {
    problems.add(`${path}.pid`, `invalid PID ${JSON.stringify(value)}`);
    return { pid: null, invalid: true };
  }
  return { pid, invalid: false };
}

// Statuses, labels and network infos are the bulk of a large state: well-typed values take an inline
// fast path, and their paths are functions turned into text only when a problem is reported.

function parseLabels(list: readonly unknown[], statusPath: () => string, problems: Problems): TaskLabel[] {
  const labels: TaskLabel[] = [];
  for (let i = 0; i < list.length; i++) {
    const item = list[i];
    if (isObject(item) && typeof item.key === 'string' && typeof item.value === 'string') {
      labels.push({ key: item.key, value: item.value });
      continue;
    }
    const where = `${statusPath()}.labels[${i}]`;
    if (!isObject(item)) problems.add(where, 'expected an object');
    else labels.push({ key: readString(item, 'key', where, problems), value: readString(item, 'value', where, problems) });
  }
  return labels;
}

function parseNetworkInfo(info: unknown, infoPath: () => string, problems: Problems): NetworkInfo | undefined {
  if (!isObject(info)) {
    problems.add(infoPath(), 'expected an object');
    return undefined;
  }
  const ipAddresses: string[] = [];
  const list = Array.isArray(info.ip_addresses) ? info.ip_addresses : readArray(info, 'ip_addresses', infoPath, problems);
  for (let i = 0; i < list.length; i++) {
    const entry: unknown = list[i];
    // An entry without a usable address still counts toward "the array is non-empty" (behaviour §2.9).
    if (isObject(entry) && (typeof entry.ip_address === 'string' || entry.ip_address === undefined || entry.ip_address === null)) {
      ipAddresses.push(typeof entry.ip_address === 'string' ? entry.ip_address : '');
      continue;
    }
    const where = `${infoPath()}.ip_addresses[${i}]`;
    if (!isObject(entry)) problems.add(where, 'expected an object');
    else readString(entry, 'ip_address', where, problems);
    ipAddresses.push('');
  }
  const legacy = info.ip_address;
  return { ipAddresses, ipAddress: typeof legacy === 'string' ? legacy : readString(info, 'ip_address', infoPath, problems) };
}

function parseNetworkInfos(status: Json, statusPath: () => string, problems: Problems): NetworkInfo[] {
  const containerStatus = readObject(status, 'container_status', statusPath, problems);
  if (!containerStatus) return [];
  const listPath = (): string => `${statusPath()}.container_status`;
  const list = Array.isArray(containerStatus.network_infos)
    ? containerStatus.network_infos
    : readArray(containerStatus, 'network_infos', listPath, problems);
  const infos: NetworkInfo[] = [];
  for (let i = 0; i < list.length; i++) {
    const info = parseNetworkInfo(list[i], () => `${listPath()}.network_infos[${i}]`, problems);
    if (info) infos.push(info);
  }
  return infos;
}

function parseStatuses(list: readonly unknown[], path: string, problems: Problems): TaskStatus[] {
  const statuses: TaskStatus[] = [];
  for (let i = 0; i < list.length; i++) {
    const item = list[i];
    const statusPath = (): string => `${path}[${i}]`;
    if (!isObject(item)) {
      problems.add(statusPath(), 'expected an object');
      continue;
    }
    const ts = item.timestamp;
    // Go decodes a missing timestamp as 0; a non-number never qualifies as the reference status.
    let timestamp = 0;
    if (typeof ts === 'number') timestamp = ts;
    else if (ts !== undefined && ts !== null) {
      problems.add(`${statusPath()}.timestamp`, `expected a number, got ${describeType(ts)}`);
      timestamp = -Infinity;
    }
    const labels = item.labels;
    statuses.push({
      state: typeof item.state === 'string' ? item.state : readString(item, 'state', statusPath, problems),
      timestamp,
      labels: Array.isArray(labels) ? parseLabels(labels, statusPath, problems) : (readArray(item, 'labels', statusPath, problems), []),
      networkInfos: item.container_status === undefined ? [] : parseNetworkInfos(item, statusPath, problems),
      healthy: typeof item.healthy === 'boolean' ? item.healthy : undefined,
    });
  }
  return statuses;
}

function parseDiscovery(value: unknown, path: string, problems: Problems): DiscoveryInfo | null {
  if (value === undefined || value === null) return null;
  if (!isObject(value)) {
    problems.add(path, 'expected an object');
    return null;
  }
  const name = readString(value, 'name', path, problems);
  const ports: DiscoveryPort[] = [];
  const portsObj = readObject(value, 'ports', path, problems);
  const list = portsObj ? readArray(portsObj, 'ports', `${path}.ports`, problems) : [];
  for (let i = 0; i < list.length; i++) {
    const port = list[i];
    if (!isObject(port) || !Number.isSafeInteger(port.number)) {
      problems.add(`${path}.ports.ports[${i}]`, 'expected an object with an integer number');
      continue;
    }
    const { protocol, name: portName } = port;
    if (typeof protocol === 'string' && typeof portName === 'string') {
      ports.push({ number: port.number as number, protocol, name: portName });
    } else {
      const where = `${path}.ports.ports[${i}]`;
      ports.push({ number: port.number as number, protocol: readString(port, 'protocol', where, problems), name: readString(port, 'name', where, problems) });
    }
  }
  return { name, ports };
}

function parseTask(item: unknown, path: string, problems: Problems): Task | undefined {
  if (!isObject(item)) {
    problems.add(path, 'expected an object');
    return undefined;
  }
  // The identity fields name every record of the task: a wrong type loses the task, not just the field.
  const identity = ['id', 'name', 'slave_id', 'state'].filter((key) => item[key] != null && typeof item[key] !== 'string');
  if (identity.length > 0) {
    for (const key of identity) problems.add(`${path}.${key}`, `expected a string, got ${describeType(item[key])}: task skipped`);
    return undefined;
  }
  const resources = item.resources;
  let ports = '';
  if (isObject(resources) && resources.ports !== undefined && resources.ports !== null) {
    if (typeof resources.ports === 'string') ports = resources.ports;
    else problems.add(`${path}.resources.ports`, `expected a string, got ${describeType(resources.ports)}`);
  }
  return {
    id: readString(item, 'id', path, problems),
    name: readString(item, 'name', path, problems),
    slaveId: readString(item, 'slave_id', path, problems),
    state: readString(item, 'state', path, problems),
    ports,
    statuses: parseStatuses(readArray(item, 'statuses', path, problems), `${path}.statuses`, problems),
    discovery: parseDiscovery(item.discovery, `${path}.discovery`, problems),
  };
}

function parseFramework(item: unknown, path: string, problems: Problems): Framework | undefined {
  if (!isObject(item)) {
    problems.add(path, 'expected an object');
    return undefined;
  }
  const { pid, invalid } = readPid(item, path, problems);
  const tasks: Task[] = [];
  readArray(item, 'tasks', path, problems).forEach((task, i) => {
    const parsed = parseTask(task, `${path}.tasks[${i}]`, problems);
    if (parsed) tasks.push(parsed);
  });
  return {
    name: readString(item, 'name', path, problems),
    pid,
    pidInvalid: invalid,
    hostname: readString(item, 'hostname', path, problems),
    tasks,
  };
}

function parseSlave(item: unknown, path: string, problems: Problems): Slave | undefined {
  if (!isObject(item)) {
    problems.add(path, 'expected an object');
    return undefined;
  }
  if (!('pid' in item)) problems.add(`${path}.pid`, 'missing: the agent gets no slave records');
  return {
    id: readString(item, 'id', path, problems),
    pid: readPid(item, path, problems).pid,
    hostname: readString(item, 'hostname', path, problems),
  };
}

/** Parse an already-decoded state document. */
export function parseState(doc: unknown): ParseStateResult {
  if (!isObject(doc)) return { ok: false, error: 'state document is not a JSON object' };
  const problems = new Problems();
  const leader = readString(doc, 'leader', '', problems);
  if (leader === '') return { ok: false, error: 'fetched state does not contain leader information', noLeader: true };
  const frameworks: Framework[] = [];
  readArray(doc, 'frameworks', '', problems).forEach((item, i) => {
    const parsed = parseFramework(item, `frameworks[${i}]`, problems);
    if (parsed) frameworks.push(parsed);
  });
  const slaves: Slave[] = [];
  readArray(doc, 'slaves', '', problems).forEach((item, i) => {
    const parsed = parseSlave(item, `slaves[${i}]`, problems);
    if (parsed) slaves.push(parsed);
  });
  return { ok: true, state: { leader, frameworks, slaves }, problems: problems.list };
}

/** Decode JSON text and parse it; invalid JSON is an error, never an exception. */
export function parseStateText(text: string): ParseStateResult {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    return { ok: false, error: `state is not valid JSON: ${(err as Error).message}` };
  }
  return parseState(doc);
}
