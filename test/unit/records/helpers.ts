// Shared builders for the record engine tests: small hand-written Mesos states (documentation
// addresses only) turned into tables, and readers that make assertions short. Not a test file.
import type { GenerateConfig, GenerateInput } from '../../../src/records/generate.js';
import { generateRecords } from '../../../src/records/generate.js';
import { parseState } from '../../../src/mesos/parse-state.js';
import type { EnumeratedRecord, NameRecords, PackedTable, RecordTable } from '../../../src/records/table.js';

export const BASE_CONFIG: GenerateConfig = Object.freeze<GenerateConfig>({
  domain: 'mesos',
  ipSources: ['netinfo', 'mesos', 'host'],
  enforceRFC952: false,
  soaMname: 'ns1.mesos.',
  listener: '192.0.2.53',
});

export const SLAVE_0 = '20140803-125133-3041283216-5050-2410-0';
export const SLAVE_S3 = 'b5e7c7b9-1f5a-4a4c-8c38-1d1bd2a2c9a1-S3';

export type Doc = Record<string, unknown>;

export function slave(id: string, pid: string | null | undefined, extra: Doc = {}): Doc {
  return pid === undefined ? { id, hostname: 'agent', ...extra } : { id, pid, hostname: 'agent', ...extra };
}

export function running(ts: number, extra: Doc = {}): Doc {
  return { state: 'TASK_RUNNING', timestamp: ts, ...extra };
}

export function netinfo(...addresses: string[]): Doc {
  return { container_status: { network_infos: [{ ip_addresses: addresses.map((ip_address) => ({ ip_address })) }] } };
}

export function label(key: string, value: string): Doc {
  return { key, value };
}

export function task(name: string, id: string, extra: Doc = {}): Doc {
  return { id, name, slave_id: SLAVE_0, state: 'TASK_RUNNING', statuses: [running(1)], ...extra };
}

export function framework(name: string, pid: string | null | undefined, tasks: Doc[] = [], extra: Doc = {}): Doc {
  const base: Doc = { name, hostname: 'scheduler-host', tasks, ...extra };
  if (pid !== undefined) base.pid = pid;
  return base;
}

export function state(parts: { frameworks?: Doc[]; slaves?: Doc[]; leader?: string } = {}): Doc {
  return {
    leader: parts.leader ?? 'master@127.0.0.1:5050',
    frameworks: parts.frameworks ?? [],
    slaves: parts.slaves ?? [slave(SLAVE_0, 'slave(1)@192.0.2.20:5051')],
  };
}

export interface GenerateOptions {
  readonly config?: Partial<GenerateConfig>;
  readonly masters?: readonly string[];
  readonly listenerAddresses?: readonly string[];
  readonly hostAddresses?: ReadonlyMap<string, readonly string[]>;
}

/** Parse a state document (it must be accepted) and generate its table. */
export function generate(doc: unknown, options: GenerateOptions = {}): PackedTable {
  const parsed = parseState(doc);
  if (!parsed.ok) throw new Error(`state rejected: ${parsed.error}`);
  const input: GenerateInput = {
    state: parsed.state,
    config: { ...BASE_CONFIG, ...options.config },
    masters: options.masters ?? [],
    listenerAddresses: options.listenerAddresses ?? [],
    ...(options.hostAddresses ? { hostAddresses: options.hostAddresses } : {}),
  };
  return generateRecords(input);
}

/** A table containing one task on the default slave (IP 192.0.2.20) in framework "marathon". */
export function generateTask(taskDoc: Doc, options: GenerateOptions = {}, slaves?: Doc[]): PackedTable {
  return generate(
    state({ frameworks: [framework('marathon', 'scheduler(1)@192.0.2.2:25501', [taskDoc])], ...(slaves ? { slaves } : {}) }),
    options,
  );
}

/** A name's Mesos-DNS records (A, AAAA, SRV); PTR and CNAME lists are shown only when not empty. */
export type MesosRecords = Pick<NameRecords, 'a' | 'aaaa' | 'srv'> & Partial<Pick<NameRecords, 'ptr' | 'cname'>>;

/** The records of a name, or empty lists when the name is absent (PTR and CNAME only when it has some). */
export function at(table: RecordTable, name: string): MesosRecords {
  const records = table.lookup(name);
  if (!records) return { a: [], aaaa: [], srv: [] };
  const { ptr, cname, ...mesos } = records;
  return { ...mesos, ...(ptr.length > 0 ? { ptr } : {}), ...(cname.length > 0 ? { cname } : {}) };
}

/** Every stored name, in generation order. */
export function names(table: RecordTable): string[] {
  return [...table.entries()].map(([name]) => name);
}

/** Names that hold at least one record of the type, sorted. */
export function namesWith(table: RecordTable, type: 'a' | 'aaaa' | 'srv'): string[] {
  return [...table.entries()].filter(([, r]) => r[type].length > 0).map(([name]) => name).sort();
}

/** Every record as "name TYPE value" lines in generation order (names by first insertion). */
export function flat(table: RecordTable): string[] {
  const out: string[] = [];
  for (const [name, r] of table.entries()) {
    for (const v of r.a) out.push(`${name} A ${v}`);
    for (const v of r.aaaa) out.push(`${name} AAAA ${v}`);
    for (const v of r.srv) out.push(`${name} SRV ${v}`);
  }
  return out;
}

export interface PlainTask {
  readonly name: string;
  readonly id: string;
  readonly records: readonly EnumeratedRecord[] | null;
}

export interface PlainFramework {
  readonly name: string;
  readonly tasks: readonly PlainTask[];
}

/** The enumeration as plain data (the /v1/enumerate shape). */
export function enumeration(table: RecordTable): PlainFramework[] {
  return [...table.frameworks()].map((f) => ({
    name: f.name,
    tasks: [...f.tasks].map((t) => ({ name: t.name, id: t.id, records: t.records === null ? null : [...t.records] })),
  }));
}
