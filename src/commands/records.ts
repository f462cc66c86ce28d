// `records`: print the zone a state would be served as, without starting a server: the same host
// look-ups as the reload worker, the same table, the same served-zone walk (dns/zone.ts) as AXFR,
// written as an RFC 1035 master file (dns/zone-file.ts) that a real authoritative server loads.
import { readFile } from 'node:fs/promises';
import { type StaticRecord, describeStaticProblems, parseStaticRecords } from '../config/static-records.js';
import type { Config } from '../config/types.js';
import { formatZoneFile } from '../dns/zone-file.js';
import { newZoneTally, zoneRecords, zoneSoa } from '../dns/zone.js';
import { MesosDnsError, ErrorCode } from '../errors.js';
import { interfaceAddresses } from '../host-interfaces.js';
import { HOST_LOOKUP_TIMEOUT_MS, createHostLookup, lookUpStateHosts, type LookupAll } from '../mesos/host-lookup.js';
import { parseStateText } from '../mesos/parse-state.js';
import type { MesosState, StateProblem } from '../records/state-types.js';
import { generateRecordsWithReport } from '../records/generate.js';
import { createRecordStore } from '../records/store.js';
import type { PackedTable } from '../records/table.js';

export interface BuildTableResult {
  readonly table: PackedTable;
  readonly problems: readonly StateProblem[];
}

interface ParsedStateText {
  readonly state: MesosState;
  readonly problems: readonly StateProblem[];
}

function parseOrThrow(stateText: string): ParsedStateText {
  const parsed = parseStateText(stateText);
  if (!parsed.ok) throw new MesosDnsError(ErrorCode.STATE_INVALID, parsed.error);
  return parsed;
}

export interface TableExtras {
  /** Addresses of agent and framework host names (none resolved when omitted). */
  readonly hostAddresses?: ReadonlyMap<string, readonly string[]>;
  /** The StaticRecordsFile's records (readStaticRecords). */
  readonly staticRecords?: readonly StaticRecord[];
}

function buildTable(config: Config, { state, problems }: ParsedStateText, listenerAddresses: readonly string[], extras: TableExtras): BuildTableResult {
  const { table, report } = generateRecordsWithReport({
    state,
    config,
    masters: config.masters ?? [],
    listenerAddresses,
    staticRecords: extras.staticRecords ?? [],
    ...(extras.hostAddresses ? { hostAddresses: extras.hostAddresses } : {}),
  });
  const { tasks, droppedPorts, limit, firstTaskId } = report.portCap;
  const capped: StateProblem[] =
    tasks > 0
      ? [{ path: 'frameworks[].tasks[]', message: `${tasks} task(s) declare more than ${limit} ports; ${droppedPorts} ports beyond that get no records (first: ${firstTaskId})` }]
      : [];
  const conflicts: StateProblem[] = report.staticConflicts.first.map(({ name, lines }) => ({
    path: `${config.staticRecordsFile}:${lines.join(',')}`,
    message: `${name} is a Mesos name: its static records are left out`,
  }));
  return { table, problems: [...problems, ...capped, ...conflicts] };
}

/** The StaticRecordsFile's records (none when the key is unset); throws when it cannot be used. */
export async function readStaticRecords(config: Config): Promise<readonly StaticRecord[]> {
  const file = config.staticRecordsFile;
  if (file === '') return [];
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new MesosDnsError(ErrorCode.CONFIG_UNREADABLE, `cannot read StaticRecordsFile "${file}"`, { cause: err });
  }
  const parsed = parseStaticRecords(text, config);
  if (parsed.problems.length > 0) {
    throw new MesosDnsError(ErrorCode.CONFIG_INVALID, `StaticRecordsFile: ${describeStaticProblems(file, parsed.problems).join('; ')}`);
  }
  return parsed.records;
}

/** Parse state text and generate the table the configuration asks for. Throws on an unusable state. */
export function buildTableFromText(config: Config, stateText: string, listenerAddresses: readonly string[], extras: TableExtras = {}): BuildTableResult {
  return buildTable(config, parseOrThrow(stateText), listenerAddresses, extras);
}

export interface RenderRecordsOptions {
  /**
   * Resolve agent and framework host names as the reload worker does (default true). False skips
   * them, and the listing is then a function of the config and state alone: host names give no
   * addresses and the SOA serial is SOASerial + 1.
   */
  readonly lookup?: boolean;
  /** How a host name is resolved (default: the system resolver, as the reload worker does). */
  readonly lookupAll?: LookupAll;
  /** Wall clock for the SOA serial when looking up (default Date.now). */
  readonly now?: () => number;
  /** One of the ReverseZones to print instead of the domain (without the trailing dot). */
  readonly zone?: string;
}

export interface RenderedRecords {
  /** The zone as an RFC 1035 master file: SOA and NS first, then the rest sorted. */
  readonly listing: string;
  readonly problems: readonly StateProblem[];
  /** What the listing leaves out, and why (one line each, for stderr). */
  readonly notes: readonly string[];
}

/** Names quoted on stderr per kind; the rest are counted. */
const NAMES_LISTED = 10;

function nameNotes(names: ReadonlySet<string>, why: string): string[] {
  if (names.size === 0) return [];
  const shown = [...names].slice(0, NAMES_LISTED).map((n) => JSON.stringify(n));
  const more = names.size > NAMES_LISTED ? `, and ${names.size - NAMES_LISTED} more` : '';
  return [`${names.size} stored name(s) ${why}, not printed: ${shown.join(', ')}${more}`];
}

export async function renderRecords(config: Config, statePath: string, options: RenderRecordsOptions = {}): Promise<RenderedRecords> {
  let text: string;
  try {
    text = await readFile(statePath, 'utf8');
  } catch (err) {
    throw new MesosDnsError(ErrorCode.STATE_FETCH, `cannot read state file "${statePath}"`, { cause: err });
  }
  const parsed = parseOrThrow(text);
  const lookup = options.lookup ?? true;
  const notes: string[] = [];
  let hostAddresses: ReadonlyMap<string, readonly string[]> | undefined;
  if (lookup) {
    // The reload worker's look-up settings (reload-pipeline.ts via poller.ts); its cache lives one
    // refresh period, which one run never reaches.
    const hostLookup = createHostLookup({
      timeoutMs: HOST_LOOKUP_TIMEOUT_MS,
      cacheMs: Math.max(1, config.refreshSeconds * 1000),
      ...(options.lookupAll ? { lookup: options.lookupAll } : {}),
    });
    const resolved = await lookUpStateHosts(hostLookup, parsed.state);
    hostAddresses = resolved.hostAddresses;
    const unresolved = [...(hostAddresses?.values() ?? [])].filter((a) => a.length === 0).length;
    if (unresolved > 0) {
      const { timeouts, failures } = hostLookup.stats;
      notes.push(`host look-up: ${unresolved} of ${resolved.names} host name(s) got no address (${timeouts} timed out after ${HOST_LOOKUP_TIMEOUT_MS} ms, ${failures} failed); their records are left out, as the server leaves them out`);
    }
  }
  const listenerAddresses = config.listener === '0.0.0.0' ? interfaceAddresses({ loopback: false }) : [];
  const staticRecords = await readStaticRecords(config);
  const { table, problems } = buildTable(config, parsed, listenerAddresses, { staticRecords, ...(hostAddresses ? { hostAddresses } : {}) });
  // The serial the server's store gives its first table (records/store.ts); without look-ups the
  // clock is left out, which gives the smallest serial a server with this config can use.
  const store = createRecordStore({ initialSerial: config.soaSerial, now: lookup ? options.now ?? Date.now : () => 0 });
  const snapshot = store.swap(table);
  const tally = newZoneTally();
  const walked = options.zone ?? config.domain;
  if (walked !== config.domain && !config.reverseZones.includes(walked)) {
    throw new MesosDnsError(ErrorCode.CONFIG_INVALID, `--zone ${walked}: not the Domain nor one of the ReverseZones (${[config.domain, ...config.reverseZones].join(', ')})`);
  }
  const zone = formatZoneFile(zoneRecords(snapshot, config, tally, { zone: walked }));
  if (!zoneSoa(snapshot, config, walked)) notes.push('SOAMname or SOARname has no wire form: no SOA and NS records, so no server will load this listing');
  notes.push(...nameNotes(tally.unencodable, 'have no wire form (an empty label, a label over 63 octets or a name over 255)'));
  notes.push(...nameNotes(tally.unreachable, 'are not served: no question reaches them (stored with upper case, a space, UTF-8 or an escape a question spells otherwise, as raw DiscoveryInfo names are: docs/behaviour.md §2.10)'));
  notes.push(
    ...nameNotes(
      tally.empty,
      'have no record DNS serves: the server answers them NOERROR without data (SERVFAIL for unencodable SRV targets), a server loading this listing NXDOMAIN',
    ),
  );
  if (tally.skipped > 0) notes.push(`${tally.skipped} stored value(s) are not records DNS serves (an agent host name kept as A text, an unusable SRV value), not printed`);
  return { listing: zone.text, problems, notes };
}
