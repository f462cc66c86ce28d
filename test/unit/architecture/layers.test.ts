// The house as drawn (docs/architecture.md, "Layers"): every import between the folders (and top-level
// modules) of src/ runs down the layers, never up or sideways, so there is no cycle between folders.
// Unused locals and parameters are refused by the compiler (tsconfig noUnusedLocals/Parameters).
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../src');

/** Higher may import lower; equal only within one folder. */
const LEVEL: Readonly<Record<string, number>> = {
  errors: 0,
  log: 0,
  metrics: 0,
  'host-interfaces': 0,
  net: 1,
  wire: 1,
  'runtime-metrics': 1,
  config: 2,
  records: 3,
  forward: 4,
  mesos: 4,
  rotation: 5,
  reload: 5.5,
  dns: 6,
  http: 7,
  app: 8,
  cli: 9,
  commands: 9,
  signals: 9,
  program: 10,
  main: 11,
};

/** Below them, but still not theirs to read: these layers get their own small settings types instead. */
const FORBIDDEN: readonly (readonly [string, string])[] = [
  ['records', 'config'],
  ['dns', 'config'],
  ['forward', 'config'],
];

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

/** The folder under src/ (or the top-level module's name) a path belongs to. */
function unitOf(path: string): string {
  const rel = relative(SRC, path).split(/[\\/]/);
  return rel.length > 1 ? (rel[0] as string) : (rel[0] as string).replace(/\.(ts|js)$/, '');
}

test('every import between the parts of src/ runs down the layers', () => {
  const violations: string[] = [];
  const units = new Set<string>();
  for (const file of sources(SRC)) {
    const from = unitOf(file);
    units.add(from);
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(/^(?:import|export)\b[^;]*?\bfrom\s+'(\.[^']+)'/gms)) {
      const to = unitOf(resolve(dirname(file), match[1] as string));
      if (to === from) continue;
      const a = LEVEL[from];
      const b = LEVEL[to];
      const forbidden = FORBIDDEN.some(([x, y]) => x === from && y === to);
      if (a === undefined || b === undefined || b >= a || forbidden) violations.push(`${relative(SRC, file)} imports ${match[1]} (${from} → ${to})`);
    }
  }
  for (const unit of units) assert.ok(LEVEL[unit] !== undefined, `src/${unit} has no place in the layers: add it to LEVEL and docs/architecture.md`);
  assert.deepEqual(violations, []);
});
