// `npm run golden:update`: regenerate every fixtures/golden/<case>/expected.zone (what `records
// --no-lookup` prints: the served zone as a master file) and expected-enumerate.json where a case has
// one, so that a change in generated or served records shows up as a reviewable diff. The golden tests
// import the same functions, so what this script writes is exactly what they compare.
//
// A case is a directory holding config.json, whose StateFile names the state (relative to the config,
// usually ../../states/<name>.json). Configs set a fixed Listener so the listing does not depend on
// this machine's interfaces.
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { buildTableFromText, readStaticRecords, renderRecords } from '../src/commands/records.js';
import { loadConfig } from '../src/config/load.js';
import type { Config } from '../src/config/types.js';
import type { StateProblem } from '../src/records/state-types.js';
import type { RecordTable } from '../src/records/table.js';

/** fixtures/golden/ of this checkout (this file runs as dist/scripts/update-golden.js). */
export const GOLDEN_ROOT = fileURLToPath(new URL('../../fixtures/golden/', import.meta.url));

export const ZONE_FILE = 'expected.zone';
export const ENUMERATION_FILE = 'expected-enumerate.json';

export interface GoldenCase {
  readonly name: string;
  readonly dir: string;
  readonly configPath: string;
}

export interface RenderedCase {
  readonly config: Config;
  readonly listing: string;
  readonly problems: readonly StateProblem[];
  /** What the listing leaves out (renderRecords notes). */
  readonly notes: readonly string[];
  /** The enumeration as pretty JSON (the /v1/enumerate document). */
  readonly enumeration: string;
  /** Each of the ReverseZones as `records --zone` prints it, kept in `reverseZoneFile(zone)`. */
  readonly reverseListings: readonly { readonly zone: string; readonly file: string; readonly listing: string }[];
}

/** The golden file of one reverse zone, e.g. expected.10.in-addr.arpa.zone. */
export function reverseZoneFile(zone: string): string {
  return `expected.${zone}.zone`;
}

/** Every case directory under root, sorted by name. */
export async function listGoldenCases(root: string = GOLDEN_ROOT): Promise<GoldenCase[]> {
  const entries = await readdir(root, { withFileTypes: true });
  return entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort()
    .map((name) => ({ name, dir: join(root, name), configPath: join(root, name, 'config.json') }));
}

/**
 * The /v1/enumerate document (behaviour §2.14) with Mesos-DNS's member order: frameworks are
 * {tasks, name}, tasks {name, id, records}; `null` for no frameworks and for a task with no records.
 */
export function enumerationJson(table: RecordTable): string {
  const frameworks = [...table.frameworks()].map((f) => ({
    tasks: [...f.tasks].map((t) => ({ name: t.name, id: t.id, records: t.records })),
    name: f.name,
  }));
  return `${JSON.stringify({ frameworks: frameworks.length === 0 ? null : frameworks }, null, 2)}\n`;
}

export async function renderGoldenCase(goldenCase: GoldenCase): Promise<RenderedCase> {
  // Interface addresses only matter for Listener 0.0.0.0, which golden configs avoid; pinning them
  // keeps the config identical on every machine.
  const config = await loadConfig(goldenCase.configPath, { interfaceAddresses: [] });
  if (config.stateFile === '') throw new Error(`${goldenCase.configPath}: StateFile is not set`);
  // Without host look-ups: a golden file must not depend on this machine's resolver or clock.
  const { listing, problems, notes } = await renderRecords(config, config.stateFile, { lookup: false });
  const { table } = buildTableFromText(config, await readFile(config.stateFile, 'utf8'), [], { staticRecords: await readStaticRecords(config) });
  const reverseListings = [];
  for (const zone of config.reverseZones) {
    const rendered = await renderRecords(config, config.stateFile, { lookup: false, zone });
    reverseListings.push({ zone, file: reverseZoneFile(zone), listing: rendered.listing });
  }
  return { config, listing, problems, notes, enumeration: enumerationJson(table), reverseListings };
}

async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** Writes a file only when its content changes; returns what happened. */
async function update(path: string, content: string): Promise<'created' | 'changed' | 'unchanged'> {
  const before = await readIfExists(path);
  if (before === content) return 'unchanged';
  await writeFile(path, content);
  return before === undefined ? 'created' : 'changed';
}

/** Cases that also keep their enumeration as a golden file. */
const ENUMERATION_CASES: ReadonlySet<string> = new Set(['rules']);

export async function updateGoldenFiles(root: string = GOLDEN_ROOT, log: (line: string) => void = console.log): Promise<number> {
  let changed = 0;
  for (const goldenCase of await listGoldenCases(root)) {
    const rendered = await renderGoldenCase(goldenCase);
    const records = rendered.listing === '' ? 0 : rendered.listing.trimEnd().split('\n').length;
    const zone = await update(join(goldenCase.dir, ZONE_FILE), rendered.listing);
    let line = `${goldenCase.name}: ${records} records, ${rendered.problems.length} state problems, ${ZONE_FILE} ${zone}`;
    if (zone !== 'unchanged') changed++;
    for (const reverse of rendered.reverseListings) {
      const written = await update(join(goldenCase.dir, reverse.file), reverse.listing);
      if (written !== 'unchanged') changed++;
      line += `, ${reverse.file} ${written}`;
    }
    const enumerationPath = join(goldenCase.dir, ENUMERATION_FILE);
    if (ENUMERATION_CASES.has(goldenCase.name) || (await readIfExists(enumerationPath)) !== undefined) {
      const enumeration = await update(enumerationPath, rendered.enumeration);
      if (enumeration !== 'unchanged') changed++;
      line += `, ${ENUMERATION_FILE} ${enumeration}`;
    }
    log(line);
  }
  return changed;
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (invokedDirectly) {
  updateGoldenFiles().then(
    (changed) => console.log(changed === 0 ? 'golden files unchanged' : `${changed} golden file(s) written: review them with git diff fixtures/golden`),
    (err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
