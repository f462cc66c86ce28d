// bench:answer — the in-process cost of answering one query, without sockets: the direct path and
// the general path over the same query list, on the generated 10,000-agent / 100,000-task table.
//
//   npm run bench:answer -- [--agents N] [--tasks N] [--queries N] [--rounds N] [--parted]
//
// --parted answers from the same state's table as the event stream builds it, in parts
// (records/incremental-tables.ts), instead of a whole table.
//
// The query list is the worst realistic case: names drawn uniformly from every name of the table
// (80% A, 15% SRV, 5% AAAA, each drawn among the names that have that type), so nothing can be
// served from what an earlier query left behind. The first round is cold (right after the table was
// opened); the rest show the steady cost. The general path runs on a tenth of the list (it is the
// slow path, for the queries the direct path declines).
import { loadavg } from 'node:os';
import { buildTableFromText } from '../src/commands/records.js';
import { type Config, DEFAULT_CONFIG } from '../src/config/types.js';
import { DirectState, answerDirect } from '../src/dns/direct.js';
import { handleQuery } from '../src/dns/handle.js';
import { createRecordStore } from '../src/records/store.js';
import { parseStateText } from '../src/mesos/parse-state.js';
import { IncrementalTables } from '../src/records/incremental-tables.js';
import { compactState } from '../src/records/compact-task.js';
import { assemblePartedTable, openPartedTable } from '../src/records/parted-table.js';
import type { RecordTable } from '../src/records/table.js';
import { buildQuery } from '../test/helpers/dns-codec.js';
import { seededRandom } from '../test/helpers/seeded-random.js';
import { generateState } from './lib/generate-state.js';

/** The state's table in parts, as the event stream's worker builds it and the serving side opens it. */
function partedTable(text: string): RecordTable {
  const parsed = parseStateText(text);
  if (!parsed.ok) throw new Error(parsed.error);
  const ids = (JSON.parse(text) as { frameworks: { id: string }[] }).frameworks.map((f) => f.id);
  const result = new IncrementalTables({ ...config, ipSources: [...config.ipSources] }).reset(compactState(parsed.state, ids), ids, { masters: ['127.0.0.1:5050'], listenerAddresses: [] });
  if (result.kind !== 'parted') throw new Error('a name made by two parts: the table was built whole');
  const parted = assemblePartedTable(result.message, undefined);
  if (!parted) throw new Error('parts missing');
  return openPartedTable(parted);
}

function numberArg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : NaN;
  return Number.isFinite(v) && v > 0 ? v : fallback;
}

const agents = numberArg('agents', 10_000);
const tasks = numberArg('tasks', 100_000);
const queryCount = numberArg('queries', 200_000);
const rounds = numberArg('rounds', 5);

const config: Config = { ...DEFAULT_CONFIG, listener: '127.0.0.1', file: 'bench' };
const stateText = JSON.stringify(generateState({ agents, tasks, seed: 42 }));
const table: RecordTable = process.argv.includes('--parted') ? partedTable(stateText) : buildTableFromText(config, stateText, []).table;
const store = createRecordStore();
const snapshot = store.swap(table);

const byType: Record<'a' | 'srv' | 'aaaa', string[]> = { a: [], srv: [], aaaa: [] };
for (const [name, records] of table.entries()) {
  if (records.a.length > 0) byType.a.push(name);
  if (records.srv.length > 0) byType.srv.push(name);
  if (records.aaaa.length > 0) byType.aaaa.push(name);
}
const random = seededRandom(20261203);
const queries: Buffer[] = [];
for (let i = 0; i < queryCount; i++) {
  const roll = random();
  const [kind, qtype] = roll < 0.8 ? (['a', 'A'] as const) : roll < 0.95 ? (['srv', 'SRV'] as const) : (['aaaa', 'AAAA'] as const);
  const pool = byType[kind].length > 0 ? byType[kind] : byType.a;
  const name = pool[Math.floor(random() * pool.length)] as string;
  queries.push(buildQuery({ qname: name, qtype, id: i & 0xffff, edns: { udpSize: 1232 } }));
}

console.log(`table: ${table.counts.names} names; ${queries.length} queries uniform over all names (80% A, 15% SRV, 5% AAAA)`);
console.log(`names with A ${byType.a.length}, SRV ${byType.srv.length}, AAAA ${byType.aaaa.length}; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);

const state = new DirectState();
const shuffle = seededRandom(1);
for (let round = 1; round <= rounds; round++) {
  let declined = 0;
  let bytes = 0;
  const t0 = process.hrtime.bigint();
  for (const q of queries) {
    if (answerDirect(q, 'udp', snapshot, config, shuffle, state)) bytes += state.length;
    else declined++;
  }
  const ns = Number(process.hrtime.bigint() - t0) / queries.length;
  console.log(`direct  round ${round}${round === 1 ? ' (cold)' : ''}: ${ns.toFixed(0)} ns/query, ${declined} declined, ${(bytes / (queries.length - declined)).toFixed(0)} bytes/reply`);
}
const sample = queries.slice(0, Math.ceil(queries.length / 10));
for (let round = 1; round <= 2; round++) {
  const t0 = process.hrtime.bigint();
  for (const q of sample) handleQuery(q, { transport: 'udp', snapshot, config, random: shuffle });
  const ns = Number(process.hrtime.bigint() - t0) / sample.length;
  console.log(`general round ${round}: ${ns.toFixed(0)} ns/query`);
}
