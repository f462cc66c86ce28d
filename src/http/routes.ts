// The HTTP API as pure functions: a request (method, raw target, headers) and what the server knows
// (snapshot, config, source status) in, a response (status, headers, body) out. Reproduces Mesos-DNS's
// /v1/* endpoints and its framework's behaviours (behaviour §6): 404/405/406 texts, trailing-slash
// tolerance, 301 path cleaning, case-sensitive paths, ignored query strings; and adds /health and
// /metrics. Large bodies (/v1/enumerate, /v1/axfr) are lazy chunk iterators. No sockets, fs or timers.
import { redactZkUrl } from '../config/addresses.js';
import type { Config } from '../config/types.js';
import type { SourceStatus } from '../reload/source.js';
import type { TableSnapshot } from '../records/store.js';
import { splitSrvValue } from '../records/srv-value.js';
import type { EnumeratedFramework, EnumeratedTask, NameRecords, RecordTable } from '../records/table.js';
import { REDACTED, toMesosDnsConfigJson } from '../config/mesos-dns-json.js';
import { assessHealth } from './health.js';
import { type JsonValue, PAUSE, type Pause, type StreamJsonValue, goJson, lazyArray, lazyObject, streamGoJson } from './json.js';
import { cleanPath, escapePath, parseRequestTarget } from './paths.js';
import { SORT_SLICE, sortNamesInSlices } from './sort-names.js';

/** Bounded route labels (metrics and logs). */
export const Route = {
  version: 'version',
  config: 'config',
  hosts: 'hosts',
  ports: 'ports',
  services: 'services',
  enumerate: 'enumerate',
  axfr: 'axfr',
  health: 'health',
  metrics: 'metrics',
  rotation: 'rotation',
  redirect: 'redirect',
  unmatched: 'unmatched',
  badRequest: 'bad_request',
} as const;
export type RouteName = (typeof Route)[keyof typeof Route];

export const CONTENT_TYPE = {
  json: 'application/json',
  text: 'text/plain; charset=utf-8',
  html: 'text/html; charset=utf-8',
  prometheus: 'text/plain; version=0.0.4; charset=utf-8',
} as const;

export const MESOS_DNS_URL = 'https://github.com/mesosphere/mesos-dns';

export interface RouteRequest {
  /** Upper-case method as received. */
  readonly method: string;
  /** The raw request target (path and query, bytes as latin1 text), e.g. req.url. */
  readonly path: string;
  /** Lower-case header names; the first value of each (Go's Header.Get). */
  readonly headers: Readonly<Record<string, string | undefined>>;
}

export interface RouteContext {
  /** The snapshot read once for this request (undefined until the first table). */
  readonly snapshot: TableSnapshot | undefined;
  readonly config: Config;
  /** Version string for /v1/version. */
  readonly version: string;
  /** Wall-clock ms. */
  readonly now: number;
  readonly sourceStatus: SourceStatus | undefined;
  /** Prometheus text of every registered metric. */
  readonly renderMetrics: () => string;
  /** Approximate chunk size of streamed bodies (default 64 KiB). */
  readonly chunkSize?: number;
}

/** The outcome of a /v1/hosts or /v1/services lookup, for the Mesos-DNS request counters (behaviour §6.1). */
export interface LookupOutcome {
  readonly kind: 'hosts' | 'services';
  readonly result: 'found' | 'not_found' | 'outside_domain';
}

export interface RouteResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  /** A whole body, or chunks to write one after another (yielding between them). */
  readonly body: string | Iterable<string>;
  readonly route: RouteName;
  readonly lookup?: LookupOutcome;
}

function text(status: number, route: RouteName, body: string, extra: Record<string, string> = {}): RouteResponse {
  return { status, route, headers: { 'Content-Type': CONTENT_TYPE.text, ...extra }, body };
}

function json(route: RouteName, value: JsonValue, lookup?: LookupOutcome): RouteResponse {
  return {
    status: 200,
    route,
    headers: { 'Content-Type': CONTENT_TYPE.json },
    body: goJson(value),
    ...(lookup ? { lookup } : {}),
  };
}

function notFound(): RouteResponse {
  return text(404, Route.unmatched, '404: Page Not Found');
}

/** Go's http.Redirect body escaping. */
function htmlEscape(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&#34;', "'": '&#39;' })[c] as string);
}

function redirect(method: string, location: string): RouteResponse {
  // Go's http.Redirect: an HTML body for GET, the content type for GET and HEAD only.
  if (method === 'GET') {
    return {
      status: 301,
      route: Route.redirect,
      headers: { Location: location, 'Content-Type': CONTENT_TYPE.html },
      body: `<a href="${htmlEscape(location)}">Moved Permanently</a>.\n\n`,
    };
  }
  const headers: Record<string, string> = { Location: location };
  if (method === 'HEAD') headers['Content-Type'] = CONTENT_TYPE.html;
  return { status: 301, route: Route.redirect, headers, body: '' };
}

/**
 * go-restful's Accept check: each comma-separated media range, parameters dropped, spaces trimmed,
 * must be exactly `*\/*` or `application/json` (no `application/*`, case-sensitive, q ignored).
 */
export function acceptsJson(accept: string | undefined): boolean {
  if (accept === undefined || accept === '') return true;
  for (const part of accept.split(',')) {
    const semi = part.indexOf(';');
    const media = (semi < 0 ? part : part.slice(0, semi)).replace(/^ +| +$/g, '');
    if (media === '*/*' || media === CONTENT_TYPE.json) return true;
  }
  return false;
}

/** /v1/hosts and /v1/services name normalisation: drop every ".*", lower-case, one trailing dot. */
export function normaliseLookupName(raw: string): string {
  const name = raw.split('.*').join('').toLowerCase();
  return name.endsWith('.') ? name : `${name}.`;
}

const EMPTY_RECORDS: NameRecords = Object.freeze({ a: [], aaaa: [], srv: [], ptr: [], cname: [] });

function lookupOutcome(kind: LookupOutcome['kind'], name: string, domain: string, found: boolean): LookupOutcome {
  if (!name.endsWith(`${domain}.`)) return { kind, result: 'outside_domain' };
  return { kind, result: found ? 'found' : 'not_found' };
}

function hostsResponse(table: RecordTable, rawHost: string): RouteResponse {
  const name = normaliseLookupName(rawHost);
  const records = table.lookup(name) ?? EMPTY_RECORDS;
  const rows: JsonValue[] = [];
  for (const ip of records.a) rows.push({ host: name, ip });
  for (const ip of records.aaaa) rows.push({ host: name, ip });
  const found = rows.length > 0;
  if (!found) rows.push({ host: '', ip: '' }); // behaviour §8 #29 (MATCH)
  return json(Route.hosts, rows, lookupOutcome('hosts', name, table.domain, found));
}

function servicesResponse(table: RecordTable, rawService: string): RouteResponse {
  const name = normaliseLookupName(rawService);
  const records = table.lookup(name) ?? EMPTY_RECORDS;
  const rows: JsonValue[] = [];
  for (const value of records.srv) {
    const { target, port } = splitSrvValue(value);
    const targetRecords = table.lookup(target);
    if (!targetRecords) continue;
    const a = targetRecords.a[0];
    if (a !== undefined) rows.push({ service: rawService, host: target, ip: a, port });
    const aaaa = targetRecords.aaaa[0];
    if (aaaa !== undefined) rows.push({ service: rawService, host: target, ip: aaaa, port });
  }
  if (rows.length === 0) rows.push({ service: '', host: '', ip: '', port: '' }); // behaviour §8 #29 (MATCH)
  return json(Route.services, rows, lookupOutcome('services', name, table.domain, records.srv.length > 0));
}

function* mapIterable<T, U>(items: Iterable<T>, fn: (item: T) => U): Generator<U, void, undefined> {
  for (const item of items) yield fn(item);
}

function taskJson(task: EnumeratedTask): JsonValue {
  return {
    name: task.name,
    id: task.id,
    // behaviour §8 #30 (MATCH): a task that inserted nothing has "records": null
    records: task.records === null ? null : task.records.map((r) => ({ name: r.name, host: r.host, rtype: r.rtype })),
  };
}

function frameworkJson(framework: EnumeratedFramework): StreamJsonValue {
  // Key order as Mesos-DNS's struct: tasks before name (behaviour §6).
  return lazyObject([
    ['tasks', lazyArray(mapIterable(framework.tasks, taskJson))],
    ['name', framework.name],
  ]);
}

/** The /v1/enumerate document (behaviour §2.14) as a lazy JSON value. */
export function enumerateJson(table: RecordTable): StreamJsonValue {
  // behaviour §8 #30 (MATCH): no frameworks at all is "frameworks": null
  return { frameworks: table.frameworkCount === 0 ? null : lazyArray(mapIterable(table.frameworks(), frameworkJson)) };
}

/** Names emitted per slice of an axfr record set when their values are short. */
const NAMES_PER_SLICE = 2048;

type RecordKind = keyof NameRecords;
const RECORD_KINDS: readonly RecordKind[] = ['a', 'aaaa', 'srv', 'ptr', 'cname'];

/**
 * The table's names that hold records of each type, each list sorted as Go sorts map keys. Built on
 * first use in PAUSE-separated slices: one walk of the table, then a sort per type.
 */
class SortedNames {
  private lists: Readonly<Record<RecordKind, readonly string[]>> | undefined;
  constructor(private readonly table: RecordTable) {}

  *get(kind: RecordKind): Generator<Pause, readonly string[], undefined> {
    if (!this.lists) {
      const unsorted: Record<RecordKind, string[]> = { a: [], aaaa: [], srv: [], ptr: [], cname: [] };
      let walked = 0;
      for (const [name, records] of this.table.entries()) {
        for (const k of RECORD_KINDS) if (records[k].length > 0) unsorted[k].push(name);
        if (++walked % SORT_SLICE === 0) yield PAUSE;
      }
      const lists: Partial<Record<RecordKind, readonly string[]>> = {};
      for (const k of RECORD_KINDS) lists[k] = yield* sortNamesInSlices(unsorted[k]);
      this.lists = lists as Record<RecordKind, readonly string[]>;
    }
    return this.lists[kind];
  }
}

function* recordSet(
  table: RecordTable,
  sorted: SortedNames,
  kind: RecordKind,
): Generator<readonly [string, StreamJsonValue] | Pause, void, undefined> {
  const names = yield* sorted.get(kind);
  for (let i = 0; i < names.length; i++) {
    if (i % NAMES_PER_SLICE === NAMES_PER_SLICE - 1) yield PAUSE;
    const name = names[i] as string;
    const values = table.lookup(name)?.[kind];
    if (values !== undefined && values.length > 0) yield [name, values];
  }
}

/**
 * The /v1/axfr document (behaviour §6) as a lazy JSON value; names sorted as Go prints map keys. Our
 * CNAME and PTR records get maps of their own ("CNAMEs", "PTRs") after Mesos-DNS's three, only when
 * the table has some: a Go client decoding Mesos-DNS's struct ignores keys it does not know.
 */
export function axfrJson(snapshot: TableSnapshot, config: Config): StreamJsonValue {
  const { table } = snapshot;
  const sorted = new SortedNames(table);
  const set = (kind: RecordKind): StreamJsonValue => lazyObject({ [Symbol.iterator]: () => recordSet(table, sorted, kind) });
  return {
    TTL: config.ttl,
    Serial: snapshot.serial,
    RefreshSeconds: config.refreshSeconds,
    Mname: config.soaMname,
    Rname: config.soaRname,
    Domain: config.domain,
    Records: {
      As: set('a'),
      AAAAs: set('aaaa'),
      SRVs: set('srv'),
      ...(table.counts.cname > 0 ? { CNAMEs: set('cname') } : {}),
      ...(table.counts.ptr > 0 ? { PTRs: set('ptr') } : {}),
    },
  };
}

function streamed(route: RouteName, value: StreamJsonValue, chunkSize: number | undefined): RouteResponse {
  return {
    status: 200,
    route,
    headers: { 'Content-Type': CONTENT_TYPE.json },
    body: { [Symbol.iterator]: () => streamGoJson(value, chunkSize === undefined ? {} : { chunkSize }) },
  };
}

/**
 * /v1/config with the live serial and the secrets (MesosCredentials.Secret, a Zk password) redacted (behaviour §8 #23, FIX). The config module
 * already redacts; checking again here keeps the guarantee local to the endpoint that exposes it.
 */
export function configJson(config: Config, serial: number): JsonValue {
  // Every value of the config document is plain JSON (numbers, strings, booleans, arrays, objects).
  const doc = { ...(toMesosDnsConfigJson(config, serial) as { readonly [key: string]: JsonValue }) };
  const credentials = doc['MesosCredentials'];
  if (credentials !== null && typeof credentials === 'object' && !Array.isArray(credentials)) {
    const c = credentials as { readonly [key: string]: JsonValue };
    const secret = c['Secret'];
    doc['MesosCredentials'] = { ...c, Secret: typeof secret === 'string' && secret !== '' ? REDACTED : (secret ?? '') };
  }
  const zk = doc['Zk'];
  if (typeof zk === 'string') doc['Zk'] = redactZkUrl(zk);
  return doc;
}

function noTable(route: RouteName): RouteResponse {
  // Before the first table (behaviour §8 #19, FIX) lookups are unavailable rather than empty.
  return {
    status: 503,
    route,
    headers: { 'Content-Type': CONTENT_TYPE.json, 'Retry-After': '1' },
    body: `${JSON.stringify({ status: 'unavailable', reason: 'no table yet' })}\n`,
  };
}

interface ApiMatch {
  readonly route: RouteName;
  readonly param?: string;
}

/** go-restful's route table over a clean path; one trailing slash is tolerated. */
function matchApi(path: string, enumerationOn: boolean): ApiMatch | undefined {
  const trimmed = path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
  const seg = trimmed.split('/');
  if (seg[0] !== '' || seg[1] !== 'v1') return undefined;
  const [, , a, b, c] = seg;
  switch (seg.length) {
    case 3:
      if (a === 'version') return { route: Route.version };
      if (a === 'config') return { route: Route.config };
      if (enumerationOn && a === 'enumerate') return { route: Route.enumerate };
      if (enumerationOn && a === 'axfr') return { route: Route.axfr };
      return undefined;
    case 4:
      if (!b) return undefined;
      if (a === 'hosts') return { route: Route.hosts, param: b };
      if (a === 'services') return { route: Route.services, param: b };
      return undefined;
    case 5:
      if (a === 'hosts' && b && c === 'ports') return { route: Route.ports, param: b };
      return undefined;
    default:
      return undefined;
  }
}

function matchOurs(path: string): RouteName | undefined {
  const trimmed = path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
  if (trimmed === '/health') return Route.health;
  if (trimmed === '/metrics') return Route.metrics;
  return undefined;
}

function healthResponse(ctx: RouteContext): RouteResponse {
  const report = assessHealth({ snapshot: ctx.snapshot, status: ctx.sourceStatus, config: ctx.config, now: ctx.now });
  return {
    status: report.ready ? 200 : 503,
    route: Route.health,
    headers: { 'Content-Type': CONTENT_TYPE.json, 'Cache-Control': 'no-store' },
    body: `${JSON.stringify(report.body)}\n`,
  };
}

/** Answers one request. The caller skips the body for HEAD. */
export function routeRequest(req: RouteRequest, ctx: RouteContext): RouteResponse {
  const target = parseRequestTarget(req.path);
  if (target.kind === 'bad') return text(400, Route.badRequest, '400 Bad Request', { Connection: 'close' });

  const clean = cleanPath(target.path);
  if (clean !== target.path) {
    const location = escapePath(clean) + (target.rawQuery === undefined ? '' : `?${target.rawQuery}`);
    return redirect(req.method, location);
  }

  const ours = matchOurs(clean);
  if (ours !== undefined) {
    if (req.method !== 'GET' && req.method !== 'HEAD') return text(405, ours, '405: Method Not Allowed', { Allow: 'GET, HEAD' });
    if (ours === Route.health) return healthResponse(ctx);
    return {
      status: 200,
      route: Route.metrics,
      headers: { 'Content-Type': CONTENT_TYPE.prometheus, 'Cache-Control': 'no-store' },
      body: ctx.renderMetrics(),
    };
  }

  const match = matchApi(clean, ctx.config.enumerationOn);
  if (!match) return notFound();
  if (req.method !== 'GET') return text(405, match.route, '405: Method Not Allowed');
  if (!acceptsJson(req.headers['accept'])) return text(406, match.route, '406: Not Acceptable');

  const { snapshot, config } = ctx;
  switch (match.route) {
    case Route.version:
      return json(Route.version, { Service: 'Mesos-DNS', URL: MESOS_DNS_URL, Version: ctx.version });
    case Route.config:
      return json(Route.config, configJson(config, snapshot?.serial ?? config.soaSerial));
    case Route.ports:
      return text(501, Route.ports, 'To be implemented...');
    case Route.hosts:
      return snapshot ? hostsResponse(snapshot.table, match.param ?? '') : noTable(Route.hosts);
    case Route.services:
      return snapshot ? servicesResponse(snapshot.table, match.param ?? '') : noTable(Route.services);
    case Route.enumerate:
      return snapshot ? streamed(Route.enumerate, enumerateJson(snapshot.table), ctx.chunkSize) : noTable(Route.enumerate);
    case Route.axfr:
      return snapshot ? streamed(Route.axfr, axfrJson(snapshot, config), ctx.chunkSize) : noTable(Route.axfr);
    default:
      return notFound();
  }
}
