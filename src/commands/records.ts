// `records`: print the record table a state would produce, without starting a server.
import { readFile } from 'node:fs/promises';
import { type StaticRecord, describeStaticProblems, parseStaticRecords } from '../config/static-records.js';
import type { Config } from '../config/types.js';
import { MesosDnsError, ErrorCode } from '../errors.js';
import { interfaceAddresses } from '../host-interfaces.js';
import { parseStateText } from '../mesos/parse-state.js';
import type { StateProblem } from '../mesos/state-types.js';
import { generateRecordsWithReport } from '../records/generate.js';
import type { RecordTable } from '../records/table.js';
import { formatZoneListing } from '../records/zone-listing.js';

export interface BuildTableResult {
  readonly table: RecordTable;
  readonly problems: readonly StateProblem[];
}

/** Parse state text and generate the table the configuration asks for. Throws on an unusable state. */
export function buildTableFromText(
  config: Config,
  stateText: string,
  listenerAddresses: readonly string[],
  staticRecords: readonly StaticRecord[] = [],
): BuildTableResult {
  const parsed = parseStateText(stateText);
  if (!parsed.ok) throw new MesosDnsError(ErrorCode.STATE_INVALID, parsed.error);
  const { table, report } = generateRecordsWithReport({ state: parsed.state, config, masters: config.masters ?? [], listenerAddresses, staticRecords });
  const { tasks, droppedPorts, limit, firstTaskId } = report.portCap;
  const capped: StateProblem[] =
    tasks > 0
      ? [{ path: 'frameworks[].tasks[]', message: `${tasks} task(s) declare more than ${limit} ports; ${droppedPorts} ports beyond that get no records (first: ${firstTaskId})` }]
      : [];
  const conflicts: StateProblem[] = report.staticConflicts.first.map(({ name, lines }) => ({
    path: `${config.staticRecordsFile}:${lines.join(',')}`,
    message: `${name} is a Mesos name: its static records are left out`,
  }));
  return { table, problems: [...parsed.problems, ...capped, ...conflicts] };
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

export async function renderRecords(config: Config, statePath: string): Promise<{ listing: string; problems: readonly StateProblem[] }> {
  let text: string;
  try {
    text = await readFile(statePath, 'utf8');
  } catch (err) {
    throw new MesosDnsError(ErrorCode.STATE_FETCH, `cannot read state file "${statePath}"`, { cause: err });
  }
  const listenerAddresses = config.listener === '0.0.0.0' ? interfaceAddresses({ loopback: false }) : [];
  const { table, problems } = buildTableFromText(config, text, listenerAddresses, await readStaticRecords(config));
  return { listing: formatZoneListing(table, { ttl: config.ttl, srvWeight: config.srvRecordDefaultWeight }), problems };
}
