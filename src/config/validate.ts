// config.json object -> effective Config (behaviour §5 with the §8 decisions). Pure: file contents,
// resolv.conf and interface addresses come in through the context; loadConfig (load.ts) reads them.
// Every problem is collected, each naming the key as Mesos-DNS spells it.

import { dirname, resolve as resolvePath } from 'node:path';

import type { ConfigProblem } from '../errors.js';
import { parseNetwork } from '../net/networks.js';
import { canonicalIp } from '../net/ip-text.js';
import { parsePort, splitHostPort } from '../net/host-port.js';
import { isHostName, normaliseResolver, parseZkUrl } from './addresses.js';
import { checkKeyPair, countPemCertificates, parseIamConfig } from './file-checks.js';
import { parseReverseZone } from '../net/reverse-names.js';
import { describeStaticProblems, parseStaticRecords } from './static-records.js';
import { LOG_LEVELS, STATE_SOURCE_MODES, findConfigKey, keyNameOf, type KeySpec } from './keys.js';
import { parseResolvConf } from './resolv-conf.js';
import {
  DEFAULT_CONFIG,
  IP_SOURCES,
  MESOS_AUTHENTICATIONS,
  type Config,
  type IPSource,
} from './types.js';

/** The outcome of reading one file named by the config (loadConfig fills these in). */
export type FileRead = { readonly ok: true; readonly text: string } | { readonly ok: false; readonly error: string };

export interface BuildContext {
  /** Absolute path of the config file: File's value and the base StateFile is resolved against. */
  readonly file: string;
  /**
   * Contents of resolv.conf, used when ExternalOn and Resolvers is absent or empty (behaviour §8 #35).
   * Undefined means it could not be read.
   */
  readonly resolvConf?: string;
  /** Shown in warnings about resolv.conf; defaults to /etc/resolv.conf. */
  readonly resolvConfPath?: string;
  /** This host's interface addresses: resolv.conf nameservers that are this server are dropped. */
  readonly interfaceAddresses?: readonly string[];
  /**
   * Contents of the files the config names (CACertFile, CertFile, KeyFile, IAMConfigFile as written;
   * StateFile as resolved, see listReferencedFiles). Absent: contents are not checked (pure callers).
   */
  readonly files?: ReadonlyMap<string, FileRead>;
  /** A StateFile given on the command line (absolute); overrides the config's StateFile. */
  readonly stateFile?: string;
}

export type BuildResult =
  | { readonly config: Config; readonly warnings: readonly string[] }
  | { readonly problems: readonly ConfigProblem[]; readonly warnings: readonly string[] };

type Draft = { -readonly [K in keyof Config]: Config[K] };

interface Decoded {
  readonly values: Map<keyof Config, unknown>;
  readonly problems: ConfigProblem[];
  readonly warnings: string[];
}

/** Mesos-DNS's domain regex (records/config.go), applied after lower-casing. */
const DOMAIN_RE = /^[a-zA-Z0-9-]+(\.[a-zA-Z0-9-]+)*$/;

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  const text = JSON.stringify(value);
  return `${typeof value} ${text.length > 40 ? `${text.slice(0, 40)}...` : text}`;
}

/** The JSON type of a value, without the value. */
function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function decodeStrings(value: unknown): string[] | string {
  if (!Array.isArray(value)) return `must be a list of strings, got ${describe(value)}`;
  const bad = value.findIndex((item) => typeof item !== 'string');
  if (bad >= 0) return `must be a list of strings, but item ${bad} is ${describe(value[bad])}`;
  return value as string[];
}

/** Decodes one key's JSON value to its type; a string result is the problem message. */
function decodeValue(spec: KeySpec, value: unknown, previous: unknown, warnings: string[]): unknown {
  const kind = spec.kind;
  switch (kind.type) {
    case 'int':
      if (typeof value !== 'number' || !Number.isInteger(value)) {
        return { problem: `must be an integer, got ${describe(value)}` };
      }
      if (value < kind.min || value > kind.max) {
        return { problem: `${value} is out of range (${kind.min} to ${kind.max})` };
      }
      return value;
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) return { problem: `must be a number, got ${describe(value)}` };
      return value;
    case 'string':
      if (typeof value !== 'string') return { problem: `must be a string, got ${describe(value)}` };
      return value;
    case 'bool':
      if (typeof value !== 'boolean') return { problem: `must be true or false, got ${describe(value)}` };
      return value;
    case 'strings': {
      const list = decodeStrings(value);
      return typeof list === 'string' ? { problem: list } : list;
    }
    case 'zoneResolvers': {
      if (!isPlainObject(value)) return { problem: `must be an object of zone -> list of resolvers, got ${describe(value)}` };
      // Entries merge into the map (Go unmarshals into the existing map).
      const merged: Record<string, unknown> = { ...(isPlainObject(previous) ? previous : {}) };
      for (const [zone, list] of Object.entries(value)) {
        if (list === null) {
          merged[zone] = [];
          continue;
        }
        const decoded = decodeStrings(list);
        if (typeof decoded === 'string') return { problem: `zone "${zone}" ${decoded}` };
        merged[zone] = decoded;
      }
      return merged;
    }
    case 'credentials': {
      if (!isPlainObject(value)) return { problem: `must be an object {"Principal", "Secret"}, got ${describe(value)}` };
      const out = { ...(isPlainObject(previous) ? previous : DEFAULT_CONFIG.mesosCredentials) } as Record<string, unknown>;
      for (const [key, item] of Object.entries(value)) {
        const lower = key.toLowerCase();
        if (lower !== 'principal' && lower !== 'secret') {
          warnings.push(`unknown configuration key "${spec.name}.${key}" ignored`);
          continue;
        }
        if (item === null) continue;
        if (typeof item !== 'string') {
          // The secret's value is never quoted, only its JSON type.
          const got = lower === 'principal' ? describe(item) : describeType(item);
          return { problem: `${lower === 'principal' ? 'Principal' : 'Secret'} must be a string, got ${got}` };
        }
        out[lower] = item;
      }
      return out;
    }
    default: {
      const unreachable: never = kind;
      return unreachable;
    }
  }
}

function isProblem(value: unknown): value is { problem: string } {
  return isPlainObject(value) && typeof value['problem'] === 'string' && Object.keys(value).length === 1;
}

/** Matches config.json keys to Config fields (case-insensitively) and checks JSON types. */
function decode(raw: Record<string, unknown>): Decoded {
  const values = new Map<keyof Config, unknown>();
  const problems: ConfigProblem[] = [];
  const warnings: string[] = [];
  const spellings = new Map<keyof Config, string>();
  for (const [jsonKey, value] of Object.entries(raw)) {
    const spec = findConfigKey(jsonKey);
    if (!spec) {
      warnings.push(`unknown configuration key "${jsonKey}" ignored`);
      continue;
    }
    const earlier = spellings.get(spec.field);
    if (earlier !== undefined) {
      warnings.push(`configuration key "${spec.name}" is given more than once ("${earlier}", "${jsonKey}"); the last one wins`);
    }
    spellings.set(spec.field, jsonKey);
    if (value === null) continue; // null keeps the default
    const decoded = decodeValue(spec, value, values.get(spec.field), warnings);
    if (isProblem(decoded)) {
      problems.push({ key: spec.name, message: decoded.problem });
      continue;
    }
    values.set(spec.field, decoded);
  }
  return { values, problems, warnings };
}

function configRelativePath(value: string, file: string): string {
  return value === '' ? '' : resolvePath(dirname(file), value);
}

/**
 * The files the config names, as loadConfig must read them for buildConfig's `files`: CACertFile,
 * CertFile, KeyFile and IAMConfigFile as written (relative to the working directory, as Mesos-DNS
 * opens them), StateFile and StaticRecordsFile resolved against the config file's directory.
 */
export function listReferencedFiles(raw: unknown, context: Pick<BuildContext, 'file' | 'stateFile'>): string[] {
  if (!isPlainObject(raw)) return [];
  const { values } = decode(raw);
  const paths: string[] = [];
  for (const field of ['caCertFile', 'certFile', 'keyFile', 'iamConfigFile'] as const) {
    const value = values.get(field);
    if (typeof value === 'string' && value !== '') paths.push(value);
  }
  const stateFile = context.stateFile ?? values.get('stateFile');
  if (typeof stateFile === 'string' && stateFile !== '') paths.push(configRelativePath(stateFile, context.file));
  const staticRecordsFile = values.get('staticRecordsFile');
  if (typeof staticRecordsFile === 'string' && staticRecordsFile !== '') paths.push(configRelativePath(staticRecordsFile, context.file));
  return [...new Set(paths)];
}

/** Why a domain name (no trailing dot) cannot be encoded, or undefined. */
function checkNameLengths(name: string): string | undefined {
  if (name === '') return 'must not be empty';
  const labels = name.split('.');
  if (labels.some((label) => label === '')) return `"${name}" has an empty label`;
  const long = labels.find((label) => Buffer.byteLength(label) > 63);
  if (long !== undefined) return `label "${long}" is longer than 63 octets`;
  if (Buffer.byteLength(name) > 253) return `"${name}" is longer than 253 octets`;
  return undefined;
}

function isUnspecified(ip: string): boolean {
  return ip === '0.0.0.0' || ip === '::';
}

function isLoopback(ip: string, family: 4 | 6): boolean {
  return family === 4 ? ip.startsWith('127.') : ip === '::1';
}

interface Checker {
  problem(field: keyof Config | string, message: string): void;
  warn(message: string): void;
}

function keyName(field: keyof Config | string): string {
  return keyNameOf(field as keyof Config);
}

function checkIntegers(d: Draft, c: Checker): void {
  if (d.refreshSeconds <= 0) {
    c.problem('refreshSeconds', `must be a positive number of seconds, got ${d.refreshSeconds} (Mesos-DNS would crash)`);
  }
  for (const field of ['port', 'httpPort'] as const) {
    if (d[field] < 0 || d[field] > 65_535) c.problem(field, `must be a port number 0-65535, got ${d[field]}`);
  }
  if (d.timeout < 0) c.problem('timeout', `must be 0 or more seconds, got ${d.timeout}`);
  if (d.timeout === 0) d.timeout = 5;
  if (d.stateTimeoutSeconds <= 0) c.problem('stateTimeoutSeconds', `must be a positive number of seconds, got ${d.stateTimeoutSeconds}`);
  if (d.zkDetectionTimeout < 0) c.problem('zkDetectionTimeout', `must be 0 (no timeout) or more seconds, got ${d.zkDetectionTimeout}`);
  if (d.ttl < 0) c.problem('ttl', `must be 0 or more seconds, got ${d.ttl}`);
  const counts = [
    'forwardCacheMaxEntries',
    'forwardCacheMaxBytes',
    'maxForwardsInFlight',
    'maxForwardsPerClient',
    'maxTcpConnections',
    'maxTcpConnectionsPerClient',
    'maxHttpConnections',
    'maxHttpConnectionsPerClient',
  ] as const;
  for (const field of counts) {
    if (d[field] < 1) c.problem(field, `must be at least 1, got ${d[field]}`);
  }
  if (d.maxUdpReplyBytes < 512 || d.maxUdpReplyBytes > 65_535) {
    c.problem('maxUdpReplyBytes', `must be 512-65535 octets (1232 avoids IP fragmentation), got ${d.maxUdpReplyBytes}`);
  }
  if (!(d.tcpIdleTimeoutSeconds > 0)) c.problem('tcpIdleTimeoutSeconds', `must be a positive number of seconds, got ${d.tcpIdleTimeoutSeconds}`);
  if (!(LOG_LEVELS as readonly string[]).includes(d.logLevel)) {
    c.problem('logLevel', `must be one of ${LOG_LEVELS.join(', ')}, got "${d.logLevel}"`);
  }
  if (!(STATE_SOURCE_MODES as readonly string[]).includes(d.stateSourceMode)) {
    c.problem('stateSourceMode', `must be one of ${STATE_SOURCE_MODES.join(', ')}, got "${d.stateSourceMode}"`);
  }
}

function checkMasters(d: Draft, c: Checker): void {
  if (d.masters === null) return;
  const seen = new Map<string, string>();
  for (const master of d.masters) {
    const split = splitHostPort(master);
    if (!split.ok) {
      c.problem('masters', `"${master}" is not host:port (${split.error})`);
      continue;
    }
    const port = parsePort(split.value.port);
    if (port === undefined) {
      c.problem('masters', `"${master}" has an invalid port (expected 1-65535)`);
      continue;
    }
    const ip = canonicalIp(split.value.host);
    if (!ip) {
      // Behaviour §8 #13 FIX: Mesos-DNS accepts a host name here and then crashes on the first reload.
      c.problem(
        'masters',
        `"${master}": "${split.value.host}" is not an IP address; Mesos-DNS accepts host names here but crashes on the first reload, so give the master's IP (IPv6 as [addr]:port)`,
      );
      continue;
    }
    // Duplicates after normalising the IP; the port text is compared as written (behaviour §5.1).
    const normalised = `${ip.text}_${split.value.port}`;
    const first = seen.get(normalised);
    if (first !== undefined) c.problem('masters', `duplicate master "${master}" (same as "${first}")`);
    else seen.set(normalised, master);
  }
}

function checkSources(d: Draft, c: Checker, mistyped: ReadonlySet<string>): void {
  const hasMasters = d.masters !== null && d.masters.length > 0;
  const alreadyReported = mistyped.has('Masters') || mistyped.has('Zk') || mistyped.has('StateFile');
  if (d.stateFile === '' && !hasMasters && d.zk === '' && !alreadyReported) {
    c.problem('masters', 'specify Masters or Zk (or StateFile)');
  }
  if (d.stateFile !== '' && (hasMasters || d.zk !== '')) {
    c.warn('StateFile is set: the state is read from it and Masters/Zk are not contacted');
  }
  if (d.zk !== '') {
    const zk = parseZkUrl(d.zk);
    if (!zk.ok) c.problem('zk', zk.error);
  }
}

function checkListeners(d: Draft, c: Checker): void {
  if (!canonicalIp(d.listener)) {
    // Behaviour §8 #13 FIX: the listener becomes the SOA mname's A/AAAA record; a non-IP crashes Mesos-DNS's reload.
    c.problem(
      'listener',
      `"${d.listener}" is not an IP address; it is the DNS bind address and the ${d.soaMname} record, so it must be an IP (or 0.0.0.0 for every interface)`,
    );
  }
  if (d.httpListener !== '' && !canonicalIp(d.httpListener) && !isHostName(d.httpListener)) {
    c.problem('httpListener', `"${d.httpListener}" is not an IP address or host name`);
  }
  if (d.dnsOn && d.httpOn && d.port === d.httpPort && d.port !== 0) {
    const a = canonicalIp(d.listener)?.text ?? d.listener;
    const b = canonicalIp(d.httpListener)?.text ?? d.httpListener;
    if (a === b || isUnspecified(a) || isUnspecified(b) || b === '') {
      c.problem('httpPort', `HttpPort ${d.httpPort} is also the DNS Port on an overlapping address; both listen on TCP`);
    }
  }
}

function checkResolvers(d: Draft, given: boolean, context: BuildContext, c: Checker): void {
  if (!d.externalOn) {
    // Mesos-DNS does not look at them when forwarding is off; keep them (normalised where they parse).
    d.resolvers = given ? d.resolvers.map((r) => { const n = normaliseResolver(r); return n.ok ? n.value : r; }) : [];
    return;
  }
  if (given && d.resolvers.length > 0) {
    const out: string[] = [];
    const seen = new Set<string>();
    for (const resolver of d.resolvers) {
      const n = normaliseResolver(resolver);
      if (!n.ok) {
        c.problem('resolvers', n.error);
      } else if (seen.has(n.value)) {
        c.problem('resolvers', `duplicate resolver "${resolver}" (${n.value})`);
      } else {
        seen.add(n.value);
        out.push(n.value);
      }
    }
    d.resolvers = out;
    return;
  }
  // Behaviour §8 #35 FIX: absent or empty -> the nameservers of resolv.conf, minus this server itself.
  const where = context.resolvConfPath ?? '/etc/resolv.conf';
  if (context.resolvConf === undefined) {
    c.warn(`Resolvers is not set and ${where} cannot be read: forwarded queries will get SERVFAIL`);
    d.resolvers = [];
    return;
  }
  const parsed = parseResolvConf(context.resolvConf);
  for (const bad of parsed.invalid) c.warn(`${where}: nameserver "${bad}" is not an IP address; ignored`);
  const listenerIp = canonicalIp(d.listener);
  const own = new Set<string>();
  for (const address of context.interfaceAddresses ?? []) {
    const ip = canonicalIp(address.replace(/%.*$/, ''));
    if (ip) own.add(ip.text);
  }
  const isSelf = (text: string): boolean => {
    if (!d.dnsOn || d.port !== 53 || !listenerIp) return false;
    const ip = canonicalIp(text.replace(/%.*$/, ''));
    if (!ip) return false;
    if (listenerIp.text === '0.0.0.0') return ip.family === 4 && (isLoopback(ip.text, 4) || own.has(ip.text));
    if (listenerIp.text === '::') return isLoopback(ip.text, ip.family) || own.has(ip.text);
    return ip.text === listenerIp.text;
  };
  const servers = parsed.servers.filter((s) => {
    if (!isSelf(s.ip)) return true;
    c.warn(`${where}: nameserver ${s.ip} is this server (port 53); not forwarding to it`);
    return false;
  });
  d.resolvers = servers.map((s) => s.address);
  if (d.resolvers.length === 0) {
    c.warn(`Resolvers is not set and ${where} lists no other nameserver: forwarded queries will get SERVFAIL`);
  }
}

function checkZoneResolvers(d: Draft, c: Checker): void {
  // Behaviour §8 #26 FIX: zone keys are lower-cased (upper-case keys never matched in Mesos-DNS).
  const lowered: Record<string, string[]> = {};
  const spelled = new Map<string, string>();
  for (const [zone, list] of Object.entries(d.zoneResolvers)) {
    const lower = zone.toLowerCase();
    const earlier = spelled.get(lower);
    if (earlier !== undefined) {
      c.problem('zoneResolvers', `zone "${zone}" is given twice ("${earlier}", "${zone}")`);
      continue;
    }
    spelled.set(lower, zone);
    lowered[lower] = [...list];
  }
  if (!d.externalOn) {
    // Unused when forwarding is off; Mesos-DNS does not validate them then either.
    for (const [zone, list] of Object.entries(lowered)) {
      lowered[zone] = list.map((r) => { const n = normaliseResolver(r); return n.ok ? n.value : r; });
    }
    d.zoneResolvers = lowered;
    return;
  }
  const out: Record<string, string[]> = {};
  for (const [zone, list] of Object.entries(lowered)) {
    if (list.length === 0) c.problem('zoneResolvers', `zone "${zone}" has no resolvers`);
    if (!DOMAIN_RE.test(zone)) c.problem('zoneResolvers', `zone "${zone}" is not a valid domain name`);
    if (zone === d.domain) c.problem('zoneResolvers', `zone "${zone}" is the Mesos domain itself`);
    const seen = new Set<string>();
    const resolvers: string[] = [];
    for (const resolver of list) {
      const n = normaliseResolver(resolver);
      if (!n.ok) c.problem('zoneResolvers', `zone "${zone}": ${n.error}`);
      else if (seen.has(n.value)) c.problem('zoneResolvers', `zone "${zone}": duplicate resolver "${resolver}" (${n.value})`);
      else {
        seen.add(n.value);
        resolvers.push(n.value);
      }
    }
    out[zone] = resolvers;
  }
  const all = [...Object.keys(out).map((z) => `.${z}`), `.${d.domain}`];
  for (const a of all) {
    for (const b of all) {
      if (a !== b && a.endsWith(b)) {
        c.problem('zoneResolvers', `ambiguous zones: "${a.slice(1)}" is masked by "${b.slice(1)}"`);
      }
    }
  }
  d.zoneResolvers = out;
}

function checkIpSources(d: Draft, c: Checker): void {
  const sources = d.ipSources as readonly string[];
  if (sources.length === 0) c.problem('ipSources', 'must not be empty');
  const seen = new Set<string>();
  for (const source of sources) {
    if (!(IP_SOURCES as readonly string[]).includes(source)) {
      c.problem('ipSources', `invalid ip source "${source}" (expected one of ${IP_SOURCES.join(', ')}; case-sensitive)`);
    } else if (seen.has(source)) {
      c.problem('ipSources', `duplicate ip source "${source}"`);
    }
    seen.add(source);
  }
  d.ipSources = [...sources] as IPSource[];
}

function checkExternalAllowFrom(d: Draft, c: Checker): void {
  for (const text of d.externalAllowFrom) {
    const parsed = parseNetwork(text);
    if (!parsed.ok) c.problem('externalAllowFrom', parsed.error);
  }
}

function checkZoneTransfer(d: Draft, c: Checker): void {
  for (const text of d.zoneTransferAllowFrom) {
    const parsed = parseNetwork(text);
    if (!parsed.ok) c.problem('zoneTransferAllowFrom', parsed.error);
  }
  const seen = new Set<string>();
  const secondaries: string[] = [];
  for (const text of d.notifySecondaries) {
    const n = normaliseResolver(text);
    if (!n.ok) c.problem('notifySecondaries', n.error);
    else if (seen.has(n.value)) c.problem('notifySecondaries', `duplicate secondary "${text}" (${n.value})`);
    else {
      seen.add(n.value);
      secondaries.push(n.value);
    }
  }
  d.notifySecondaries = secondaries;
}

function checkNames(d: Draft, c: Checker): void {
  d.domain = d.domain.toLowerCase();
  if (!DOMAIN_RE.test(d.domain)) {
    c.problem('domain', `"${d.domain}" is not a valid domain name (letters, digits and '-' in dot-separated labels, no trailing dot)`);
  } else {
    const why = checkNameLengths(d.domain);
    if (why) c.problem('domain', why);
  }
  // SOAMname: trailing dots trimmed, one added, case kept. SOARname: every '@' -> '.', then the same.
  d.soaMname = `${d.soaMname.replace(/\.+$/, '')}.`;
  d.soaRname = `${d.soaRname.replaceAll('@', '.').replace(/\.+$/, '')}.`;
  for (const field of ['soaMname', 'soaRname'] as const) {
    const why = checkNameLengths(d[field].slice(0, -1));
    if (why) c.problem(field, why);
  }
}

function checkFiles(d: Draft, context: BuildContext, c: Checker): void {
  const files = context.files;
  const read = (field: keyof Config, path: string): string | undefined => {
    const entry = files?.get(path);
    if (!entry) return undefined;
    if (!entry.ok) {
      c.problem(field, `cannot read "${path}": ${entry.error}`);
      return undefined;
    }
    return entry.text;
  };
  if (d.caCertFile !== '') {
    const text = read('caCertFile', d.caCertFile);
    if (text !== undefined && countPemCertificates(text) === 0) {
      c.problem('caCertFile', `"${d.caCertFile}" contains no PEM certificate`);
    }
  }
  if ((d.certFile === '') !== (d.keyFile === '')) {
    const missing = d.certFile === '' ? 'certFile' : 'keyFile';
    c.problem(missing, `${keyName(missing)} is required when ${keyName(missing === 'certFile' ? 'keyFile' : 'certFile')} is set`);
  } else if (d.certFile !== '') {
    const cert = read('certFile', d.certFile);
    const key = read('keyFile', d.keyFile);
    if (cert !== undefined && key !== undefined) {
      const why = checkKeyPair(cert, key);
      if (why) c.problem(why.startsWith('KeyFile') ? 'keyFile' : 'certFile', why);
    }
  }
  if (d.iamConfigFile !== '') {
    const text = read('iamConfigFile', d.iamConfigFile);
    if (text !== undefined) {
      const iam = parseIamConfig(text, d.mesosAuthentication === 'iam');
      if (!iam.ok) c.problem('iamConfigFile', `"${d.iamConfigFile}": ${iam.error}`);
    }
  }
  if (d.stateFile !== '') read('stateFile', d.stateFile);
  if (d.staticRecordsFile !== '') {
    const text = read('staticRecordsFile', d.staticRecordsFile);
    if (text !== undefined) {
      const parsed = parseStaticRecords(text, d);
      for (const line of describeStaticProblems(d.staticRecordsFile, parsed.problems)) c.problem('staticRecordsFile', line);
    }
  }
}

/** ReverseZones: reverse zones on octet/nibble boundaries, none inside another or a ZoneResolvers zone. */
function checkReverseZones(d: Draft, c: Checker): void {
  const zones: string[] = [];
  for (const text of d.reverseZones) {
    const parsed = parseReverseZone(text);
    if (!parsed.ok) c.problem('reverseZones', parsed.error);
    else zones.push(parsed.zone);
  }
  const within = (inner: string, outer: string): boolean => inner === outer || inner.endsWith(`.${outer}`);
  zones.forEach((a, i) => {
    zones.forEach((b, j) => {
      if (i < j && (within(a, b) || within(b, a))) c.problem('reverseZones', `"${a}" and "${b}" overlap`);
    });
    if (within(d.domain, a) || within(a, d.domain)) c.problem('reverseZones', `"${a}" overlaps Domain "${d.domain}"`);
    for (const zone of Object.keys(d.zoneResolvers)) {
      if (within(zone, a)) c.problem('reverseZones', `ZoneResolvers zone "${zone}" lies inside the reverse zone "${a}", which is answered here`);
    }
  });
  d.reverseZones = zones;
}

function checkAuthentication(d: Draft, c: Checker): void {
  const auth = d.mesosAuthentication as string;
  if (!(MESOS_AUTHENTICATIONS as readonly string[]).includes(auth)) {
    c.problem('mesosAuthentication', `must be "", "basic" or "iam", got "${auth}"`);
    return;
  }
  const { principal, secret } = d.mesosCredentials;
  if (auth === 'basic' && principal === '' && secret === '') {
    c.problem('mesosCredentials', 'Principal or Secret is required when MesosAuthentication is "basic"');
  }
  if (auth === 'iam' && d.iamConfigFile === '') {
    c.problem('iamConfigFile', 'is required when MesosAuthentication is "iam"');
  }
  if (auth === '' && (principal !== '' || secret !== '')) {
    c.warn('MesosCredentials is set but MesosAuthentication is "": the credentials are not used');
  }
  if (auth !== 'iam' && d.iamConfigFile !== '') {
    c.warn(`IAMConfigFile is set but MesosAuthentication is "${auth}": the IAM config is not used`);
  }
  if (d.insecureSkipVerify) {
    if (d.mesosHTTPSOn) {
      c.warn('InsecureSkipVerify is on: the masters\' TLS certificates are NOT verified');
    } else {
      c.warn('InsecureSkipVerify has no effect without MesosHTTPSOn');
    }
  }
}

/**
 * Builds the effective Config from a parsed config.json (behaviour §5.1, §5.2 with §8 #13 #16 #22 #23 #26
 * #31 #34 #35). Pure: everything it needs from the outside world comes in `context`.
 */
export function buildConfig(raw: unknown, context: BuildContext): BuildResult {
  if (!isPlainObject(raw)) {
    return { problems: [{ key: '(document)', message: `must be a JSON object, got ${describe(raw)}` }], warnings: [] };
  }
  const decoded = decode(raw);
  const problems: ConfigProblem[] = [...decoded.problems];
  const warnings: string[] = [...decoded.warnings];
  const checker: Checker = {
    problem: (field, message) => problems.push({ key: keyName(field), message }),
    warn: (message) => warnings.push(message),
  };

  const draft: Draft = { ...DEFAULT_CONFIG, file: context.file };
  for (const [field, value] of decoded.values) {
    (draft as Record<keyof Config, unknown>)[field] = value;
  }
  if (context.stateFile !== undefined) draft.stateFile = context.stateFile;
  draft.stateFile = configRelativePath(draft.stateFile, context.file);
  draft.staticRecordsFile = configRelativePath(draft.staticRecordsFile, context.file);

  // Order follows Mesos-DNS's start-up order (behaviour §5.2), then the checks it lacks.
  if (!draft.dnsOn && !draft.httpOn) checker.problem('dnsOn', 'either DnsOn or HttpOn must be true');
  checkSources(draft, checker, new Set(decoded.problems.map((p) => p.key)));
  checkMasters(draft, checker);
  checkNames(draft, checker);
  checkResolvers(draft, decoded.values.has('resolvers'), context, checker);
  checkZoneResolvers(draft, checker);
  checkIpSources(draft, checker);
  checkIntegers(draft, checker);
  checkExternalAllowFrom(draft, checker);
  checkZoneTransfer(draft, checker);
  checkListeners(draft, checker);
  checkAuthentication(draft, checker);
  checkReverseZones(draft, checker);
  checkRotationToken(draft, checker);
  checkFiles(draft, context, checker);

  if (problems.length > 0) return { problems, warnings };
  return { config: freezeConfig(draft), warnings };
}

/** The shortest RotationToken accepted: a guessable token would let anyone take services out of answers. */
export const MIN_ROTATION_TOKEN_LENGTH = 16;

function checkRotationToken(d: Draft, c: Checker): void {
  const token = d.rotationToken;
  // The token itself is never quoted in a problem.
  if (token !== '' && token.length < MIN_ROTATION_TOKEN_LENGTH) c.problem('rotationToken', `must be empty or at least ${MIN_ROTATION_TOKEN_LENGTH} characters`);
  else if (/[^\x21-\x7e]/.test(token)) c.problem('rotationToken', 'must be printable ASCII without spaces (it is sent in an Authorization header)');
}

function freezeConfig(d: Draft): Config {
  const zoneResolvers: Record<string, readonly string[]> = {};
  for (const [zone, list] of Object.entries(d.zoneResolvers)) zoneResolvers[zone] = Object.freeze([...list]);
  return Object.freeze({
    ...d,
    masters: d.masters === null ? null : Object.freeze([...d.masters]),
    zoneResolvers: Object.freeze(zoneResolvers),
    resolvers: Object.freeze([...d.resolvers]),
    ipSources: Object.freeze([...d.ipSources]),
    externalAllowFrom: Object.freeze([...d.externalAllowFrom]),
    reverseZones: Object.freeze([...d.reverseZones]),
    zoneTransferAllowFrom: Object.freeze([...d.zoneTransferAllowFrom]),
    notifySecondaries: Object.freeze([...d.notifySecondaries]),
    mesosCredentials: Object.freeze({ principal: d.mesosCredentials.principal, secret: d.mesosCredentials.secret }),
  });
}
