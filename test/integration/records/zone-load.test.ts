// `records` output is a zone file real authoritative servers load unchanged, and they then answer
// exactly as we do. For every golden case (records --no-lookup) and for a state whose hosts need a
// look-up (records with look-ups, against the real server, which looks them up too): nsd-checkzone
// reports no error, Knot and NSD load the file, and for every name in it, every ancestor of one (empty
// non-terminals), an upper-case spelling and names that do not exist, the rcode, AA flag and answer
// RRset (or, for an empty answer, the authority section) of Knot, NSD and our server are the same.
// The one difference no zone file can avoid is set apart and counted: a stored name with no record to
// serve exists here (no data) and not in the listing (NXDOMAIN); `records` reports those names.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { describe, it, type TestContext } from 'node:test';
import { promisify } from 'node:util';

import { listGoldenCases } from '../../../scripts/update-golden.js';
import { buildTableFromText, readStaticRecords } from '../../../src/commands/records.js';
import { loadConfig } from '../../../src/config/load.js';
import { masterFileName } from '../../../src/dns/master-file.js';
import { QType } from '../../../src/wire/constants.js';
import { newZoneTally, zoneRecords } from '../../../src/dns/zone.js';
import { type TableSnapshot, createRecordStore } from '../../../src/records/store.js';
import { createFakeForwarder } from '../../cases/dns-fixture.js';
import { type AuthoritativeServer, nsdCheckzone, startAuthoritative } from '../../helpers/authoritative.js';
import { type DigQuestion, type DigReply, digBatch } from '../../helpers/dig-batch.js';
import { REPO_ROOT, spawnServer } from '../../helpers/spawn-server.js';
import { DIG, KNOTD, NSD, NSD_CHECKZONE, requireTools } from '../../helpers/tools.js';
import { startDnsServer } from '../dns/harness.js';

const run = promisify(execFile);
const MAIN = 'dist/src/main.js';
const TYPES = ['A', 'AAAA', 'SRV', 'SOA', 'NS'] as const;

async function recordsCommand(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  return run(process.execPath, [MAIN, 'records', ...args], { cwd: REPO_ROOT, timeout: 30_000, maxBuffer: 64 * 1024 * 1024 });
}

/** The labels of a master-file name (escapes kept), so "a\.b.x." is ["a\.b", "x"]. */
function splitLabels(name: string): string[] {
  const labels: string[] = [];
  let label = '';
  for (let i = 0; i < name.length; i++) {
    const c = name[i] as string;
    if (c === '\\') {
      const digits = /^\d{3}/.test(name.slice(i + 1)) ? 3 : 1;
      label += name.slice(i, i + 1 + digits);
      i += digits;
    } else if (c === '.') {
      labels.push(label);
      label = '';
    } else {
      label += c;
    }
  }
  if (label !== '') labels.push(label);
  return labels;
}

/** Every owner and target name of the zone text, every ancestor of those down to the apex, and two names that do not exist. */
function namesToAsk(zoneText: string, apex: string): string[] {
  const names = new Set<string>([apex, `no-such-name.${apex}`]);
  const apexLabels = splitLabels(apex).length;
  for (const line of zoneText.trimEnd().split('\n')) {
    const fields = line.split(' ');
    const type = fields[3];
    const candidates = [fields[0] as string];
    if (type === 'SRV') candidates.push(fields[7] as string);
    if (type === 'NS') candidates.push(fields[4] as string);
    for (const name of candidates) {
      const labels = splitLabels(name);
      for (let i = 0; i + apexLabels <= labels.length; i++) names.add(`${labels.slice(i).join('.')}.`);
    }
  }
  names.add(`no-such-name.${[...names].find((n) => n.startsWith('_') && n.endsWith(apex)) ?? apex}`);
  return [...names].filter((n) => n.toLowerCase().endsWith(apex.toLowerCase()));
}

function questionsFor(zoneText: string, apex: string): DigQuestion[] {
  const questions: DigQuestion[] = [];
  for (const name of namesToAsk(zoneText, apex)) {
    for (const type of TYPES) questions.push({ name, type });
    // Letters only: an escape's digits or punctuation stay as they are.
    const upper = name.replace(/(?<!\\)[a-z]/g, (c) => c.toUpperCase());
    for (const type of ['A', 'SRV']) questions.push({ name: upper, type });
  }
  return questions;
}

function describeReply(r: DigReply | undefined): string {
  return r ? `${r.status}${r.aa ? ' aa' : ''} [${(r.answer.length > 0 ? r.answer : r.authority).join(' | ')}]` : 'none';
}

function sameReply(a: DigReply, b: DigReply): boolean {
  if (a.status !== b.status || a.aa !== b.aa || a.answer.join('\n') !== b.answer.join('\n')) return false;
  return a.answer.length > 0 || a.authority.join('\n') === b.authority.join('\n');
}

interface Comparison {
  /** "<name> <type>: ours ..., knot ..." for every reply that differs. */
  readonly differences: string[];
  /** Names the table stores with no record to serve (lower case) whose replies differ as expected: no data here, NXDOMAIN there. */
  readonly emptyNames: ReadonlySet<string>;
  readonly asked: number;
}

/**
 * Asks every question of ours and of each other server. `emptyNames` (master-file syntax) are asked
 * too: names that exist here with no record DNS serves, which no zone file can hold (see zone.ts
 * ZoneTally.empty), so a server loading the listing answers NXDOMAIN for them; that one difference
 * is set apart.
 */
async function compareAnswers(
  ourPort: number,
  others: readonly AuthoritativeServer[],
  zoneText: string,
  apex: string,
  emptyNames: ReadonlySet<string> = new Set(),
): Promise<Comparison> {
  const questions = [...questionsFor(zoneText, apex), ...[...emptyNames].flatMap((name) => TYPES.map((type) => ({ name, type })))];
  const ours = await digBatch(ourPort, questions);
  const differences: string[] = [];
  const empty = new Set<string>();
  for (const other of others) {
    const theirs = await digBatch(other.port, questions);
    questions.forEach((q, i) => {
      const a = ours[i] as DigReply;
      const b = theirs[i] as DigReply;
      if (sameReply(a, b)) return;
      const text = `${q.name} ${q.type}: ours ${describeReply(a)}, ${other.kind} ${describeReply(b)}\n${b.raw}`;
      const noData = (a.status === 'NOERROR' || a.status === 'SERVFAIL') && a.answer.length === 0;
      if (emptyNames.has(q.name.toLowerCase()) && noData && b.status === 'NXDOMAIN') empty.add(q.name.toLowerCase());
      else differences.push(text);
    });
  }
  return { differences, emptyNames: empty, asked: questions.length };
}

/** Loads the zone into Knot and NSD (each stopped after the test). Fails when either does not load it or logs a problem. */
async function loadIntoAuthoritatives(t: TestContext, zone: string, zoneText: string): Promise<AuthoritativeServer[]> {
  const check = await nsdCheckzone(zone, zoneText);
  assert.ok(check.ok, `nsd-checkzone:\n${check.output}`);
  const servers: AuthoritativeServer[] = [];
  for (const kind of ['knot', 'nsd'] as const) {
    const server = await startAuthoritative(kind, zone, zoneText);
    t.after(() => server.stop());
    servers.push(server);
  }
  const knotLog = servers[0]?.log() ?? '';
  assert.doesNotMatch(knotLog, /\berror:/, knotLog);
  // Knot's semantic checks may warn of one thing: an in-zone name server without an address, when
  // the SOAMname's own record is stored in a form no question reaches (e.g. upper case), so it is not
  // served and not listed.
  const warnings = knotLog.split('\n').filter((line) => /\bwarning:/.test(line));
  assert.deepEqual(warnings.filter((line) => !/check, node \S+, missing glue record$/.test(line)), [], knotLog);
  assert.ok(warnings.length === 0 || !/^\S+ \d+ IN NS (\S+)\n(?:.*\n)*\1 \d+ IN A /m.test(zoneText), knotLog);
  assert.match(knotLog, new RegExp(`\\[${zone.replace(/\./g, '\\.')}\\.\\] loaded`), knotLog);
  return servers;
}

const missing = await requireTools([KNOTD, NSD, NSD_CHECKZONE, DIG]);
const cases = await listGoldenCases();

describe('records output in real authoritative servers', () => {
  for (const goldenCase of cases) {
    it(`${goldenCase.name}: records --no-lookup loads into Knot and NSD with no error, and they answer every name as we do`, async (t) => {
      if (missing) return t.skip(missing);
      const { stdout: zoneText } = await recordsCommand('--no-lookup', '--config', goldenCase.configPath);
      const config = await loadConfig(goldenCase.configPath, { interfaceAddresses: [] });
      const apex = `${config.domain}.`;
      const others = await loadIntoAuthoritatives(t, config.domain, zoneText);

      // Our server with the table and serial `records --no-lookup` describes.
      const { table } = buildTableFromText(config, await readFile(config.stateFile, 'utf8'), [], { staticRecords: await readStaticRecords(config) });
      const store = createRecordStore({ initialSerial: config.soaSerial, now: () => 0 });
      store.swap(table);
      const ours = await startDnsServer({ store, forwarder: createFakeForwarder(), config: { ...config, listener: '127.0.0.1', port: 0 } });
      t.after(() => ours.server.close());

      const tally = newZoneTally();
      for (const _ of zoneRecords(store.current() as TableSnapshot, config, tally));
      const emptyNames = new Set([...tally.empty].map((n) => (masterFileName(n) as string).toLowerCase()));
      const result = await compareAnswers(ours.port, others, zoneText, apex, emptyNames);
      assert.deepEqual(result.differences, []);
      assert.ok(result.asked >= zoneText.split('\n').length, `asked ${result.asked}`);
      // Every such name differs, and only in that way.
      assert.deepEqual([...result.emptyNames].sort(), [...emptyNames].sort());
      t.diagnostic(`${zoneText.split('\n').length - 1} records, ${result.asked} questions to 3 servers, ${emptyNames.size} names with nothing to serve`);
    });
  }

  it('records --zone prints each ReverseZone as a zone NSD loads, holding exactly the PTR answers we give', async (t) => {
    if (missing) return t.skip(missing);
    let zones = 0;
    for (const goldenCase of cases) {
      const config = await loadConfig(goldenCase.configPath, { interfaceAddresses: [] });
      if (config.reverseZones.length === 0) continue;
      const { table } = buildTableFromText(config, await readFile(config.stateFile, 'utf8'), [], { staticRecords: await readStaticRecords(config) });
      const store = createRecordStore({ initialSerial: config.soaSerial, now: () => 0 });
      store.swap(table);
      const snapshot = store.current() as TableSnapshot;
      for (const zone of config.reverseZones) {
        const { stdout } = await recordsCommand('--no-lookup', '--config', goldenCase.configPath, '--zone', zone);
        const check = await nsdCheckzone(zone, stdout);
        assert.ok(check.ok, `${goldenCase.name} ${zone}: ${check.output}`);
        const listed = stdout.trimEnd().split('\n').filter((line) => line.includes(' IN PTR ')).sort();
        const served = [...zoneRecords(snapshot, config, newZoneTally(), { zone })]
          .filter((rr) => rr.type === QType.PTR)
          .map((rr) => `${rr.name} ${config.ttl} IN PTR ${rr.type === QType.PTR ? rr.target : ''}`)
          .sort();
        assert.deepEqual(listed, served, `${goldenCase.name} ${zone}`);
        assert.ok(listed.length > 0, `${goldenCase.name} ${zone} has PTR records`);
        zones++;
      }
    }
    assert.ok(zones >= 2, 'the golden cases have reverse zones');
  });

  it('records with host look-ups equals what the running server serves, and loads into Knot and NSD', async (t) => {
    if (missing) return t.skip(missing);
    // The odd-names state: an agent and a scheduler known only as "localhost", which this machine
    // resolves itself. A serial above the clock makes the server's and the command's serial the same.
    const caseConfig = JSON.parse(await readFile(`${REPO_ROOT}fixtures/golden/odd-names/config.json`, 'utf8')) as Record<string, unknown>;
    const server = await spawnServer({
      config: { ...caseConfig, StateFile: `${REPO_ROOT}fixtures/states/odd-names.json`, Port: 0, HttpPort: 0, SOASerial: 4_000_000_000 },
    });
    t.after(() => server.kill());
    const { stdout: zoneText, stderr } = await recordsCommand('--config', server.configPath);
    // With the host names resolved, every name reached has records: nothing the listing cannot say.
    assert.doesNotMatch(stderr, /have no record DNS serves|not records DNS serves|host look-up/);
    assert.match(zoneText, /^mesos\. 60 IN SOA ns1\.mesos\. root\.ns1\.mesos\. 4000000001 /);
    assert.match(zoneText, /^_framework\._tcp\.namedscheduler\.mesos\. 60 IN SRV 0 1 8081 namedscheduler\.mesos\.$/m);
    const others = await loadIntoAuthoritatives(t, 'mesos', zoneText);
    const result = await compareAnswers(server.dnsPort, others, zoneText, 'mesos.');
    assert.deepEqual(result.differences, []);
    assert.ok(result.asked > 1000, `asked ${result.asked}`);
    t.diagnostic(`${zoneText.split('\n').length - 1} records, ${result.asked} questions to 3 servers`);
  });
});
