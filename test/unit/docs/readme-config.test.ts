// The configuration table operators read (docs/configuration.md, linked from the README) against the code:
// every key of src/config/keys.ts listed once, no other key, ★ exactly on our additions, and each default
// equal to DEFAULT_CONFIG's, or for the two derived defaults (File, Resolvers) to what buildConfig does.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';

import { CONFIG_KEYS, type KeySpec } from '../../../src/config/keys.js';
import { DEFAULT_CONFIG } from '../../../src/config/types.js';
import { buildConfig } from '../../../src/config/validate.js';

const TABLE_DOC = new URL('../../../../docs/configuration.md', import.meta.url);
const README = new URL('../../../../README.md', import.meta.url);

interface TableRow {
  readonly key: string;
  readonly ours: boolean;
  /** The default cell, as written. */
  readonly cell: string;
}

/** The rows of the `| Key | Default | Meaning |` table; a row naming `A` / `B` with defaults `x / y` is two rows. */
function readKeyTable(markdown: string): TableRow[] {
  const lines = markdown.split('\n');
  const header = lines.findIndex((line) => /^\|\s*Key\s*\|\s*Default\s*\|/.test(line));
  assert.notEqual(header, -1, 'no "| Key | Default |" table');
  const rows: TableRow[] = [];
  for (const line of lines.slice(header + 2)) {
    if (!line.startsWith('|')) break;
    const [keyCell = '', defaultCell = ''] = splitCells(line);
    const ours = keyCell.includes('★');
    const keys = [...keyCell.matchAll(/`([^`]+)`/g)].map((m) => m[1] ?? '');
    const defaults = keys.length > 1 ? defaultCell.split(' / ').map((d) => d.trim()) : [defaultCell];
    assert.equal(defaults.length, keys.length, `row ${keyCell}: ${keys.length} keys but defaults "${defaultCell}"`);
    keys.forEach((key, i) => rows.push({ key, ours, cell: defaults[i] ?? '' }));
  }
  return rows;
}

/** The cells of a table row; `|` inside backticks belongs to the cell. */
function splitCells(line: string): string[] {
  const cells: string[] = [];
  let current = '';
  let inCode = false;
  for (const ch of line.slice(1)) {
    if (ch === '`') inCode = !inCode;
    if (ch === '|' && !inCode) {
      cells.push(current.trim());
      current = '';
    } else {
      current += ch;
    }
  }
  return cells;
}

/**
 * A default cell as a value: backticks and quotes around text removed, `none` is null, JSON for numbers,
 * booleans, arrays and objects. Names may be written without their trailing dot (`ns1.mesos`).
 */
function cellValue(cell: string): unknown {
  const text = cell.replace(/^`(.*)`$/, '$1').trim();
  if (text === 'none') return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** A code default in the table's terms: object keys as config.json spells them, names without the final dot. */
function codeValue(spec: KeySpec): unknown {
  const value: unknown = DEFAULT_CONFIG[spec.field as keyof typeof DEFAULT_CONFIG];
  if (spec.name === 'MesosCredentials') {
    const credentials = value as { principal: string; secret: string };
    return { Principal: credentials.principal, Secret: credentials.secret };
  }
  if (typeof value === 'string' && value.endsWith('.')) return value.slice(0, -1);
  return value;
}

/** Defaults that are not a constant in DEFAULT_CONFIG: the table says where they come from. */
const DERIVED_DEFAULTS: Readonly<Record<string, string>> = {
  File: 'config path',
  Resolvers: 'resolv.conf',
};

let cachedRows: TableRow[] | undefined;
/** The table, read on first use so that a malformed table fails a test rather than the file's import. */
function tableRows(): TableRow[] {
  cachedRows ??= readKeyTable(readFileSync(TABLE_DOC, 'utf8'));
  return cachedRows;
}

describe('the configuration table (docs/configuration.md)', () => {
  it('lists every config key once, and no other', () => {
    const listed = tableRows().map((r) => r.key);
    const known = CONFIG_KEYS.map((k) => k.name);
    assert.deepEqual([...listed].sort(), [...known].sort());
    assert.equal(new Set(listed).size, listed.length, 'a key is listed twice');
  });

  it('marks exactly our additions with ★', () => {
    for (const row of tableRows()) {
      const spec = CONFIG_KEYS.find((k) => k.name === row.key);
      assert.equal(row.ours, spec?.ours === true, `${row.key}: ★ ${row.ours ? 'on a Mesos-DNS key' : 'missing'}`);
    }
  });

  it("gives each key the code's default", () => {
    for (const row of tableRows()) {
      const spec = CONFIG_KEYS.find((k) => k.name === row.key);
      assert.ok(spec, row.key);
      const derived = DERIVED_DEFAULTS[row.key];
      if (derived !== undefined) {
        assert.equal(row.cell, derived, `${row.key}: derived default`);
        continue;
      }
      assert.deepEqual(cellValue(row.cell), codeValue(spec), `${row.key}: default "${row.cell}"`);
    }
  });

  it('is right about the derived defaults: File is the config path, Resolvers come from resolv.conf', () => {
    const result = buildConfig(
      { Masters: ['192.0.2.1:5050'] },
      { file: '/etc/mesos-dns/config.json', resolvConf: 'nameserver 192.0.2.53\nnameserver 192.0.2.54\n' },
    );
    assert.ok('config' in result, JSON.stringify(result));
    assert.equal(result.config.file, '/etc/mesos-dns/config.json');
    assert.deepEqual(result.config.resolvers, ['192.0.2.53:53', '192.0.2.54:53']);
  });

  it('is linked from the README', () => {
    assert.match(readFileSync(README, 'utf8'), /\]\(docs\/configuration\.md\)/);
  });
});
