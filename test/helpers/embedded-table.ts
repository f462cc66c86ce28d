// The embedded default cluster (fixtures/embedded) turned into a record table and a store, for the
// HTTP route and server tests. Compiled to dist/test/helpers/, three levels below the repository.
import type { StaticRecord } from '../../src/config/static-records.js';
import { readFileSync } from 'node:fs';
import { DEFAULT_CONFIG } from '../../src/config/types.js';
import type { Config } from '../../src/config/types.js';
import { parseState } from '../../src/mesos/parse-state.js';
import { generateRecords } from '../../src/records/generate.js';
import { createRecordStore } from '../../src/records/store.js';
import type { RecordStore, TableSnapshot } from '../../src/records/store.js';
import type { RecordTable } from '../../src/records/table.js';
import { generateState } from '../../bench/lib/generate-state.js';

const ROOT = new URL('../../../', import.meta.url);

export function readFixtureJson(path: string): unknown {
  return JSON.parse(readFileSync(new URL(path, ROOT), 'utf8'));
}

/** The config the embedded cluster runs with (fixtures/embedded/config.json, normalised by hand). */
export function embeddedConfig(overrides: Partial<Config> = {}): Config {
  return Object.freeze({
    ...DEFAULT_CONFIG,
    file: '/etc/mesos-dns/config.json',
    listener: '127.0.0.1',
    port: 8053,
    httpListener: '127.0.0.1',
    httpPort: 0,
    stateFile: 'state.json',
    ...overrides,
  });
}

export function tableFromState(doc: unknown, config: Config = embeddedConfig(), staticRecords: readonly StaticRecord[] = []): RecordTable {
  const parsed = parseState(doc);
  if (!parsed.ok) throw new Error(`fixture state rejected: ${parsed.error}`);
  return generateRecords({
    state: parsed.state,
    config,
    masters: config.masters ?? [],
    listenerAddresses: [],
    staticRecords,
  });
}

export function embeddedTable(config: Config = embeddedConfig()): RecordTable {
  return tableFromState(readFixtureJson('fixtures/embedded/state.json'), config);
}

/** A synthetic cluster of `tasks` tasks (bench/lib/generate-state.ts). */
export function generatedTable(tasks: number, config: Config = embeddedConfig()): RecordTable {
  return tableFromState(generateState({ agents: Math.max(4, Math.ceil(tasks / 20)), tasks, leader: '127.0.0.1:5050' }), config);
}

export const FIXED_NOW = Date.UTC(2026, 0, 1, 12, 0, 0);

/** A store holding `table`, swapped in at FIXED_NOW (so serial = FIXED_NOW / 1000). */
export function storeWith(table: RecordTable | undefined, now: () => number = () => FIXED_NOW): RecordStore {
  const store = createRecordStore({ now });
  if (table) store.swap(table);
  return store;
}

export function snapshotOf(table: RecordTable): TableSnapshot {
  const snapshot = storeWith(table).current();
  if (!snapshot) throw new Error('no snapshot');
  return snapshot;
}
