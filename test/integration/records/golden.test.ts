// Golden record listings: for every fixtures/golden/<case>, loading config.json and rendering its
// state as `records --no-lookup` does must give expected.zone byte for byte (regenerate with `npm run golden:update` and review the
// diff). Also checks that, together, the golden files cover every name kind of behaviour §2.13.
import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import type { Config } from '../../../src/config/types.js';
import {
  ENUMERATION_FILE,
  ZONE_FILE,
  enumerationJson,
  listGoldenCases,
  renderGoldenCase,
  updateGoldenFiles,
} from '../../../scripts/update-golden.js';
import { buildTableFromText, readStaticRecords } from '../../../src/commands/records.js';
import { formatTableListing } from '../../helpers/table-listing.js';

async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
}

const cases = await listGoldenCases();

describe('golden record listings', () => {
  it('the required cases exist', () => {
    const names = cases.map((c) => c.name);
    for (const required of ['embedded', 'rules', 'rfc952-ip-sources', 'ipv6', 'robustness', 'reverse', 'static']) assert.ok(names.includes(required), required);
  });

  for (const goldenCase of cases) {
    it(`${goldenCase.name}: renderRecords equals ${ZONE_FILE}`, async () => {
      const rendered = await renderGoldenCase(goldenCase);
      const expected = await readFile(join(goldenCase.dir, ZONE_FILE), 'utf8');
      assert.equal(rendered.listing, expected, `run "npm run golden:update" and review git diff fixtures/golden/${goldenCase.name}`);
      // Machine independence: a golden config never lists this host's interfaces.
      assert.notEqual(rendered.config.listener, '0.0.0.0');
      // Only the robustness case has a malformed state; the static case names a Mesos name once.
      if (goldenCase.name === 'robustness') assert.ok(rendered.problems.length >= 10);
      else if (goldenCase.name === 'static') {
        assert.deepEqual(rendered.problems.map((p) => `${p.path.replace(/^.*\//, '')}: ${p.message}`), [
          'static.zone:16: marathon.mesos. is a Mesos name: its static records are left out',
        ]);
      } else assert.deepEqual(rendered.problems, []);
      const enumeration = await readOptional(join(goldenCase.dir, ENUMERATION_FILE));
      if (enumeration !== undefined) assert.equal(rendered.enumeration, enumeration);
      for (const reverse of rendered.reverseListings) {
        assert.equal(reverse.listing, await readFile(join(goldenCase.dir, reverse.file), 'utf8'), `${goldenCase.name}: ${reverse.file}`);
      }
    });
  }

  it('the listing starts with the apex SOA and NS, then is sorted by name, so it does not depend on generation order', async () => {
    for (const goldenCase of cases) {
      const listing = await readFile(join(goldenCase.dir, ZONE_FILE), 'utf8');
      const lines = listing.trimEnd().split('\n');
      const apex = `${(await renderGoldenCase(goldenCase)).config.domain}.`;
      assert.match(lines[0] ?? '', new RegExp(`^${apex.replace(/\./g, '\\.')} \\d+ IN SOA `), goldenCase.name);
      assert.match(lines[1] ?? '', new RegExp(`^${apex.replace(/\./g, '\\.')} \\d+ IN NS `), goldenCase.name);
      const owners = lines.slice(2).map((line) => line.split(' ')[0] as string);
      const sorted = [...owners].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      assert.deepEqual(owners, sorted, goldenCase.name);
    }
  });

  it('what the listing leaves out is reported: names no question reaches, names without a wire form, non-IP values', async () => {
    const notes = new Map<string, readonly string[]>();
    for (const goldenCase of cases) notes.set(goldenCase.name, (await renderGoldenCase(goldenCase)).notes);
    assert.ok(notes.get('odd-names')?.some((n) => /^42 stored name\(s\) are not served: no question reaches them .*"web frontend\.odd\.mesos\."/.test(n)));
    assert.ok(notes.get('odd-names')?.some((n) => /^2 stored name\(s\) have no wire form .*"\.odd\.mesos\."/.test(n)));
    assert.ok(notes.get('rules')?.some((n) => /not served: no question reaches them .*"Web\.UI\.marathon\.mesos\."/.test(n)));
    assert.ok(notes.get('robustness')?.some((n) => /^2 stored value\(s\) are not records DNS serves/.test(n)));
    assert.deepEqual(notes.get('embedded'), []);
  });

  it('the rules case keeps its enumeration as a golden file', async () => {
    const text = await readFile(join(cases.find((c) => c.name === 'rules')?.dir ?? '', ENUMERATION_FILE), 'utf8');
    const doc = JSON.parse(text) as { frameworks: { name: string; tasks: { name: string; records: unknown[] | null }[] }[] };
    assert.deepEqual(doc.frameworks.map((f) => f.name), ['marathon', 'Chronos.Jobs_2', 'nopid-framework', 'idle framework']);
    assert.deepEqual(doc.frameworks[2]?.tasks, []);
    assert.ok(doc.frameworks[0]?.tasks.some((t) => t.name === 'liquor-store'));
  });

  it('enumerationJson: "frameworks": null without frameworks, "records": null for a task that added nothing (quirk #30)', () => {
    const config = { domain: 'mesos', ipSources: ['host'], enforceRFC952: false, soaMname: 'ns1.mesos.', listener: '127.0.0.1', masters: [] } as unknown as Config;
    const empty = buildTableFromText(config, JSON.stringify({ leader: 'm@127.0.0.1:1' }), []).table;
    assert.equal(enumerationJson(empty), '{\n  "frameworks": null\n}\n');
    const task = { id: 't', name: 'web', slave_id: 'S0', state: 'TASK_RUNNING' };
    const twins = buildTableFromText(
      config,
      JSON.stringify({ leader: 'm@127.0.0.1:1', slaves: [{ id: 'S0', pid: 's@192.0.2.1:1' }], frameworks: [{ name: 'f', tasks: [task, task] }] }),
      [],
    ).table;
    const doc = JSON.parse(enumerationJson(twins)) as { frameworks: { tasks: { records: unknown }[] }[] };
    assert.equal(doc.frameworks[0]?.tasks[1]?.records, null);
  });

  it('golden:update rewrites a stale file and leaves current ones alone', async (t) => {
    const root = await mkdtemp(join(tmpdir(), 'golden-'));
    t.after(() => rm(root, { recursive: true, force: true }));
    // A copy of one case whose StateFile is made absolute so it still resolves from the copy.
    const source = cases.find((c) => c.name === 'rules');
    assert.ok(source);
    const rendered = await renderGoldenCase(source);
    const dir = join(root, 'rules');
    await cp(source.dir, dir, { recursive: true });
    const config = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
    config.StateFile = rendered.config.stateFile;
    await writeFile(join(dir, 'config.json'), JSON.stringify(config));
    const lines: string[] = [];
    assert.equal(await updateGoldenFiles(root, (l) => lines.push(l)), 0);
    assert.match(lines[0] ?? '', /rules: \d+ records, 0 state problems, expected.zone unchanged, expected-enumerate.json unchanged/);
    await writeFile(join(dir, ZONE_FILE), 'stale\n');
    assert.equal(await updateGoldenFiles(root, () => undefined), 1);
    assert.equal(await readFile(join(dir, ZONE_FILE), 'utf8'), rendered.listing);
  });
});

// --- Coverage of behaviour §2.13 ------------------------------------------------------------------------

interface ZoneRecord {
  readonly name: string;
  readonly type: string;
  /** A/AAAA: the address; SRV: the target. */
  readonly data: string;
}

interface Zone {
  readonly domain: string;
  readonly soaMname: string;
  readonly records: readonly ZoneRecord[];
}

/** Lines "<owner> <ttl> IN <type> <data>"; a stored table's raw owners and targets may hold spaces. */
function parseZone(text: string, config: Config): Zone {
  const records = text
    .trimEnd()
    .split('\n')
    .map((line) => {
      const m = /^(.+) \d+ IN ([A-Z]+) (.+)$/.exec(line);
      if (!m) throw new Error(`not a record line: ${line}`);
      const [, name, type, rdata] = m as unknown as [string, string, string, string];
      return { name, type, data: type === 'SRV' ? rdata.split(' ').slice(3).join(' ') : rdata.split(' ')[0] as string };
    });
  return { domain: config.domain, soaMname: config.soaMname, records };
}

const CANONICAL = /^(.+)-[ybndrfg8ejkmcpqxot1uwisza345h769]{5}-[0-9a-z]+$/;

function isAddress(r: ZoneRecord): boolean {
  return r.type === 'A' || r.type === 'AAAA';
}

/** Each §2.13 row (and a few quirks) as a predicate over one zone. */
const KINDS: readonly [string, (zone: Zone) => boolean][] = [
  ['F.D. A/AAAA (framework)', (z) => z.records.some((r) => r.name.startsWith('_framework._tcp.') && z.records.some((a) => isAddress(a) && a.name === r.data))],
  ['_framework._tcp.F.D. SRV -> F.D.', (z) => z.records.some((r) => r.type === 'SRV' && r.name === `_framework._tcp.${r.data}`)],
  ['slave.D. A', (z) => z.records.some((r) => r.type === 'A' && r.name === `slave.${z.domain}.`)],
  ['slave.D. AAAA', (z) => z.records.some((r) => r.type === 'AAAA' && r.name === `slave.${z.domain}.`)],
  ['_slave._tcp.D. SRV -> slave.D.', (z) => z.records.some((r) => r.type === 'SRV' && r.name === `_slave._tcp.${z.domain}.` && r.data === `slave.${z.domain}.`)],
  ['<SOAMname> A/AAAA (listener)', (z) => z.records.some((r) => isAddress(r) && r.name === z.soaMname)],
  ['leader.D. A/AAAA', (z) => z.records.some((r) => isAddress(r) && r.name === `leader.${z.domain}.`)],
  ['_leader._tcp.D. SRV -> leader.D.', (z) => z.records.some((r) => r.type === 'SRV' && r.name === `_leader._tcp.${z.domain}.` && r.data === `leader.${z.domain}.`)],
  ['_leader._udp.D. SRV -> leader.D.', (z) => z.records.some((r) => r.type === 'SRV' && r.name === `_leader._udp.${z.domain}.` && r.data === `leader.${z.domain}.`)],
  ['master.D. A/AAAA', (z) => z.records.some((r) => isAddress(r) && r.name === `master.${z.domain}.`)],
  ['master<N>.D. A/AAAA (N up to 2)', (z) => [0, 1, 2].every((n) => z.records.some((r) => isAddress(r) && r.name === `master${n}.${z.domain}.`))],
  // Task names, found through the SRV records that point at them.
  ['T.F.D. and C.F.D. A/AAAA (task IPs)', (z) => taskNames(z).some(({ t, c, f }) => hasAddress(z, `${t}.${f}`) && hasAddress(z, `${c}.${f}`))],
  ['T.F.slave.D. and C.F.slave.D. A/AAAA', (z) => taskNames(z).some(({ t, c, f }) => hasAddress(z, `${t}.${f}.slave`) && hasAddress(z, `${c}.${f}.slave`))],
  ['_T._tcp.F.slave.D. and _T._udp.F.slave.D. SRV -> C.F.slave.D.', (z) => taskNames(z).some(({ t, f }) => ['tcp', 'udp'].every((p) => hasSrvTo(z, `_${t}._${p}.${f}.slave`, '.slave.')))],
  ['_T._tcp.F.D. and _T._udp.F.D. SRV -> C.F.slave.D. (no DiscoveryInfo)', (z) => taskNames(z).some(({ t, f }) => ['tcp', 'udp'].every((p) => hasSrvTo(z, `_${t}._${p}.${f}`, '.slave.')))],
  ['_T._<proto>.F.D. SRV -> C.F.D. (DiscoveryInfo)', (z) => taskNames(z).some(({ t, f }) => hasSrvTo(z, `_${t}._tcp.${f}`, '') || hasSrvTo(z, `_${t}._udp.${f}`, ''))],
  ['_<port name>._T._<proto>.F.D. SRV -> C.F.D. (DiscoveryInfo)', (z) => taskNames(z).some(({ t, f }) => z.records.some((r) => r.type === 'SRV' && r.name.endsWith(`._${t}._tcp.${f}.${z.domain}.`) && r.name.startsWith('_') && !r.data.includes('.slave.')))],
  // Not rows of their own, but worth keeping in the golden files:
  ['_T._sctp.F.D. SRV (DiscoveryInfo protocol other than tcp/udp)', (z) => z.records.some((r) => r.type === 'SRV' && /^_[^.]+._sctp\./.test(r.name))],
  ['raw DiscoveryInfo name with upper case (quirk #10)', (z) => z.records.some((r) => /[A-Z]/.test(r.name) && r.name !== z.soaMname)],
  ['canonical label longer than 63 octets (quirk #11)', (z) => z.records.some((r) => (r.name.split('.')[0] ?? '').length > 63)],
  ['label ending in "-" from the refill (quirk #11)', (z) => z.records.some((r) => /-\./.test(r.name))],
  ['non-IP slave host stored as .slave "A" text', (z) => z.records.some((r) => r.type === 'A' && !/^[0-9.]+$/.test(r.data))],
  // Our additions: reverse names (ReverseZones) and static records (StaticRecordsFile).
  ['PTR of an IPv4 container IP -> C.F.D.', (z) => z.records.some((r) => r.type === 'PTR' && r.name.endsWith('.in-addr.arpa.') && CANONICAL.test(r.data.split('.')[0] ?? ''))],
  ['PTR of an IPv6 container IP -> C.F.D.', (z) => z.records.some((r) => r.type === 'PTR' && r.name.endsWith('.ip6.arpa.') && CANONICAL.test(r.data.split('.')[0] ?? ''))],
  ['PTR of an agent IP -> slave.D.', (z) => z.records.some((r) => r.type === 'PTR' && r.data === `slave.${z.domain}.`)],
  ['static CNAME chain (a CNAME to a CNAME)', (z) => z.records.some((r) => r.type === 'CNAME' && z.records.some((t) => t.type === 'CNAME' && t.name === r.data))],
  ['static CNAME to a name outside the domain', (z) => z.records.some((r) => r.type === 'CNAME' && !r.data.endsWith(`.${z.domain}.`))],
  ['static SRV to a name outside the domain', (z) => z.records.some((r) => r.type === 'SRV' && !r.data.endsWith(`.${z.domain}.`))],
];

/**
 * Kinds the table stores but DNS does not serve, so they are looked for in the stored table (and must
 * be absent from the golden listings, which hold what is served).
 */
const STORED_ONLY: ReadonlySet<string> = new Set([
  'raw DiscoveryInfo name with upper case (quirk #10)',
  'canonical label longer than 63 octets (quirk #11)',
  'non-IP slave host stored as .slave "A" text',
]);

/** How many KINDS entries are rows of behaviour §2.13 (the rest are quirks). */
const SPEC_ROWS = 17;

/** Task name parts (T, C, F without the domain) derived from every SRV target under .slave. */
function taskNames(z: Zone): { t: string; c: string; f: string }[] {
  const out: { t: string; c: string; f: string }[] = [];
  const suffix = `.slave.${z.domain}.`;
  for (const r of z.records) {
    if (r.type !== 'SRV' || !r.data.endsWith(suffix) || !r.name.endsWith(suffix)) continue;
    const target = r.data.slice(0, -suffix.length); // C.F
    const dot = target.indexOf('.', target.search(CANONICAL_TAIL));
    const c = target.slice(0, dot);
    const f = target.slice(dot + 1);
    const m = CANONICAL.exec(c);
    if (m) out.push({ t: m[1] as string, c, f });
  }
  return out;
}

/** Where the canonical label's "-<hash>-<tail>" ends: the first "." after it. */
const CANONICAL_TAIL = /-[ybndrfg8ejkmcpqxot1uwisza345h769]{5}-[0-9a-z]+\./;

function hasAddress(z: Zone, nameWithoutDomain: string): boolean {
  return z.records.some((r) => isAddress(r) && r.name === `${nameWithoutDomain}.${z.domain}.`);
}

function hasSrvTo(z: Zone, nameWithoutDomain: string, targetMarker: string): boolean {
  return z.records.some(
    (r) =>
      r.type === 'SRV' &&
      r.name === `${nameWithoutDomain}.${z.domain}.` &&
      (targetMarker === '' ? !r.data.endsWith(`.slave.${z.domain}.`) : r.data.endsWith(`.slave.${z.domain}.`)),
  );
}

describe('behaviour §2.13 coverage', () => {
  it('every name kind appears in some golden file (or, when DNS does not serve it, in a golden case\'s table)', async () => {
    const served: Zone[] = [];
    const stored: Zone[] = [];
    for (const goldenCase of cases) {
      const rendered = await renderGoldenCase(goldenCase);
      served.push(parseZone(await readFile(join(goldenCase.dir, ZONE_FILE), 'utf8'), rendered.config));
      for (const reverse of rendered.reverseListings) served.push(parseZone(reverse.listing, rendered.config));
      const { table } = buildTableFromText(rendered.config, await readFile(rendered.config.stateFile, 'utf8'), [], { staticRecords: await readStaticRecords(rendered.config) });
      stored.push(parseZone(formatTableListing(table, { ttl: rendered.config.ttl, srvWeight: rendered.config.srvRecordDefaultWeight }), rendered.config));
    }
    const missing = KINDS.filter(([kind, present]) => !(STORED_ONLY.has(kind) ? stored : served).some(present)).map(([kind]) => kind);
    assert.deepEqual(missing, []);
    const servedAnyway = KINDS.filter(([kind, present]) => STORED_ONLY.has(kind) && served.some(present)).map(([kind]) => kind);
    assert.deepEqual(servedAnyway, []);
  });

  it('the rules case alone covers every §2.13 row', async () => {
    const rules = cases.find((c) => c.name === 'rules');
    assert.ok(rules);
    const rendered = await renderGoldenCase(rules);
    const zone = parseZone(rendered.listing, rendered.config);
    const missing = KINDS.slice(0, SPEC_ROWS).filter(([, present]) => !present(zone)).map(([kind]) => kind);
    assert.deepEqual(missing, []);
  });

  it('the coverage check can fail: an empty zone covers nothing', () => {
    const zone: Zone = { domain: 'mesos', soaMname: 'ns1.mesos.', records: [] };
    assert.equal(KINDS.filter(([, present]) => present(zone)).length, 0);
  });
});
