// `records`: print the record table a state would produce, without starting a server.
import { readFile } from 'node:fs/promises';
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
export function buildTableFromText(config: Config, stateText: string, listenerAddresses: readonly string[]): BuildTableResult {
  const parsed = parseStateText(stateText);
  if (!parsed.ok) throw new MesosDnsError(ErrorCode.STATE_INVALID, parsed.error);
  const { table, report } = generateRecordsWithReport({ state: parsed.state, config, masters: config.masters ?? [], listenerAddresses });
  const { tasks, droppedPorts, limit, firstTaskId } = report.portCap;
  const capped: StateProblem[] =
    tasks > 0
      ? [{ path: 'frameworks[].tasks[]', message: `${tasks} task(s) declare more than ${limit} ports; ${droppedPorts} ports beyond that get no records (first: ${firstTaskId})` }]
      : [];
  return { table, problems: [...parsed.problems, ...capped] };
}

export async function renderRecords(config: Config, statePath: string): Promise<{ listing: string; problems: readonly StateProblem[] }> {
  let text: string;
  try {
    text = await readFile(statePath, 'utf8');
  } catch (err) {
    throw new MesosDnsError(ErrorCode.STATE_FETCH, `cannot read state file "${statePath}"`, { cause: err });
  }
  const listenerAddresses = config.listener === '0.0.0.0' ? interfaceAddresses({ loopback: false }) : [];
  const { table, problems } = buildTableFromText(config, text, listenerAddresses);
  return { listing: formatZoneListing(table, { ttl: config.ttl, srvWeight: config.srvRecordDefaultWeight }), problems };
}
