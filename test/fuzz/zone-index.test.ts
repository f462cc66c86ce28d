// Differential test of the empty-non-terminal index (src/dns/zone-index.ts), which works on the packed
// table's bytes, against the plain string algorithm it replaced: the same answer for every stored
// name, every ancestor, the apex, and seeded random and non-ASCII probes, on the fixture clusters and
// a generated one.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { test } from 'node:test';
import { generateState } from '../../bench/lib/generate-state.js';
import { buildTableFromText } from '../../src/commands/records.js';
import { validConfig } from '../helpers/valid-config.js';
import { hasDescendants } from '../../src/dns/zone-index.js';
import { hashName, openRecordTable } from '../../src/records/packed-table.js';
import type { RecordTable } from '../../src/records/table.js';
import { seededRandom } from '../helpers/seeded-random.js';
import { Fuzz } from './packets.js';

const FIXTURES = new URL('../../../fixtures/', import.meta.url);

/** The reference: decode every name and collect its proper ancestors below the apex. */
function referenceAncestors(table: RecordTable): Set<string> {
  const apex = `${table.domain}.`;
  const set = new Set<string>();
  for (const [name] of table.entries()) {
    if (!name.endsWith(`.${apex}`)) continue;
    for (let dot = name.indexOf('.'); dot >= 0 && name.length - dot - 1 > apex.length; dot = name.indexOf('.', dot + 1)) {
      set.add(name.slice(dot + 1));
    }
  }
  return set;
}

function tableOf(stateText: string): RecordTable {
  const config = validConfig({ Masters: ['127.0.0.1:5050'], IPSources: ['netinfo', 'mesos', 'host'] });
  // Opened from its packed data, as the serving thread opens a table from the reload worker.
  return openRecordTable(buildTableFromText(config, stateText, []).table.data);
}

function probes(table: RecordTable, reference: ReadonlySet<string>, f: Fuzz): string[] {
  const apex = `${table.domain}.`;
  const names = [...table.entries()].map(([name]) => name);
  const out = [...names, ...reference, apex, `.${apex}`, '', '.', 'mesos', 'marathon.mesos', 'com.', 'MARATHON.mesos.'];
  const labels = ['a', 'x-y', '_tcp', '_udp', 'slave', 'marathon', 'ü', 'ümlaut', '\\200', '*', 'é.è', '日本'];
  for (let i = 0; i < 2000; i++) {
    const base = names.length > 0 && f.chance(0.7) ? f.pick(names) : apex;
    const cut = base.indexOf('.', f.int(base.length));
    const parent = f.chance(0.5) && cut >= 0 ? base.slice(cut + 1) : base;
    out.push(f.chance(0.5) ? `${f.pick(labels)}.${parent}` : parent);
  }
  return out;
}

function compare(label: string, stateText: string, seed: number): number {
  const table = tableOf(stateText);
  const reference = referenceAncestors(table);
  const f = new Fuzz(seededRandom(seed));
  let checked = 0;
  for (const name of probes(table, reference, f)) {
    assert.equal(hasDescendants(table, name), reference.has(name), `${label}: hasDescendants(${JSON.stringify(name)})`);
    checked++;
  }
  return checked;
}

test('the byte-level empty-non-terminal index agrees with the string algorithm', (t) => {
  const states: [string, string][] = [
    ['embedded', readFileSync(new URL('embedded/state.json', FIXTURES), 'utf8')],
    ['dns', readFileSync(new URL('dns/state.json', FIXTURES), 'utf8')],
    ...readdirSync(new URL('states/', FIXTURES))
      .filter((file) => file.endsWith('.json'))
      .map((file): [string, string] => [file, readFileSync(new URL(`states/${file}`, FIXTURES), 'utf8')]),
    ['generated 500 agents / 5,000 tasks', JSON.stringify(generateState({ agents: 500, tasks: 5000, seed: 7 }))],
  ];
  let total = 0;
  for (const [index, [label, text]] of states.entries()) total += compare(label, text, 1000 + index);
  t.diagnostic(`${total} names checked over ${states.length} clusters`);
});

test('a name whose hash equals an ancestor\'s is still told apart by its bytes', (t) => {
  // Birthday search for two discovery names whose SRV parents (same length) share a 32-bit hash.
  const f = new Fuzz(seededRandom(42));
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  const parentOf = (label: string): string => `_${label}._tcp.marathon.mesos.`;
  const seen = new Map<number, string>();
  let pair: [string, string] | undefined;
  for (let i = 0; i < 2_000_000 && !pair; i++) {
    let label = '';
    for (let c = 0; c < 10; c++) label += alphabet[f.int(alphabet.length)];
    const hash = hashName(parentOf(label));
    const other = seen.get(hash);
    if (other !== undefined && other !== label) pair = [other, label];
    else seen.set(hash, label);
  }
  assert.ok(pair, 'no hash collision found');
  const [stored, probe] = pair;
  const state = {
    leader: 'master@127.0.0.1:5050',
    frameworks: [
      {
        id: 'fw-1',
        name: 'marathon',
        pid: 'scheduler(1)@192.0.2.2:25501',
        tasks: [
          {
            id: `${stored}.1`,
            name: stored,
            framework_id: 'fw-1',
            slave_id: 'agent-1',
            state: 'TASK_RUNNING',
            resources: { ports: '[31000-31000]' },
            statuses: [{ state: 'TASK_RUNNING', timestamp: 1 }],
            discovery: { visibility: 'CLUSTER', name: stored, ports: { ports: [{ number: 80, protocol: 'tcp', name: 'http' }] } },
          },
        ],
      },
    ],
    slaves: [{ id: 'agent-1', hostname: '192.0.2.2', pid: 'slave(1)@192.0.2.2:5051' }],
  };
  const table = tableOf(JSON.stringify(state));
  assert.ok(table.lookup(`_http.${parentOf(stored)}`), 'the named-port SRV record exists');
  assert.equal(hasDescendants(table, parentOf(stored)), true);
  assert.equal(hasDescendants(table, parentOf(probe)), false, `${parentOf(probe)} collides with ${parentOf(stored)} but has no records below it`);
  t.diagnostic(`colliding parents: ${parentOf(stored)} and ${parentOf(probe)}`);
});
