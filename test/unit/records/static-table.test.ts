// Static records in the table: added after the Mesos names, a conflict reported with the Mesos name
// winning, and names holding a CNAME left to the general answer path.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseStaticRecords } from '../../../src/config/static-records.js';
import { parseState } from '../../../src/mesos/parse-state.js';
import { BlockFlag } from '../../../src/records/answer-blocks.js';
import { generateRecordsWithReport } from '../../../src/records/generate.js';
import { hashName } from '../../../src/records/packed-table.js';
import type { PackedTable } from '../../../src/records/table.js';
import { BASE_CONFIG, at, framework, netinfo, running, state, task } from './helpers.js';

const DOC = state({ frameworks: [framework('marathon', 'scheduler(1)@192.0.2.2:8080', [task('web', 'web.1', { statuses: [running(1, netinfo('192.0.2.40'))] })])] });

function generate(staticText: string) {
  const parsed = parseStaticRecords(staticText, { domain: 'mesos', ttl: 60, srvRecordDefaultWeight: 1 });
  assert.deepEqual(parsed.problems, []);
  const s = parseState(DOC);
  if (!s.ok) throw new Error(s.error);
  return generateRecordsWithReport({ state: s.state, config: BASE_CONFIG, masters: [], listenerAddresses: [], staticRecords: parsed.records });
}

/** The flags octet of a name's answer block (-1 without a block). */
function blockFlags(table: PackedTable, name: string): number {
  const { answers, answerSlots } = table.data;
  const mask = answerSlots.length - 1;
  for (let slot = hashName(name) & mask; answerSlots[slot] !== 0; slot = (slot + 1) & mask) {
    const at = (answerSlots[slot] as number) - 1;
    if (at < 0) continue;
    const length = answers[at] as number;
    if (Buffer.from(answers.subarray(at + 1, at + 1 + length)).toString('latin1') === name) return answers[at + 1 + length] as number;
  }
  return -1;
}

describe('static records in the table', () => {
  it('adds A, AAAA, SRV and CNAME records to names of their own, counted', () => {
    const { table, report } = generate('db A 192.0.2.200\ndb AAAA 2001:db8::200\n_pg._tcp SRV 0 1 5432 db\nwww CNAME web.marathon.mesos.\n');
    assert.deepEqual(at(table, 'db.mesos.'), { a: ['192.0.2.200'], aaaa: ['2001:db8::200'], srv: [] });
    assert.deepEqual(at(table, '_pg._tcp.mesos.').srv, ['db.mesos.:5432']);
    assert.deepEqual(at(table, 'www.mesos.'), { a: [], aaaa: [], srv: [], cname: ['web.marathon.mesos.'] });
    assert.equal(table.counts.cname, 1);
    assert.deepEqual(report.staticConflicts, { count: 0, first: [] });
  });

  it('a static name that Mesos generates is a conflict: reported with its lines, and the Mesos records stay alone', () => {
    const { table, report } = generate('; header\nweb.marathon A 192.0.2.99\nweb.marathon AAAA 2001:db8::99\nmarathon CNAME x\nok A 192.0.2.1\n');
    assert.deepEqual(report.staticConflicts, {
      count: 2,
      first: [
        { name: 'web.marathon.mesos.', lines: [2, 3] },
        { name: 'marathon.mesos.', lines: [4] },
      ],
    });
    assert.deepEqual(at(table, 'web.marathon.mesos.'), { a: ['192.0.2.40'], aaaa: [], srv: [] });
    assert.deepEqual(at(table, 'marathon.mesos.'), { a: ['192.0.2.2'], aaaa: [], srv: [] });
    assert.deepEqual(at(table, 'ok.mesos.').a, ['192.0.2.1']);
  });

  it('a static name above Mesos names (an empty non-terminal) is no conflict', () => {
    const { table, report } = generate('slave A 192.0.2.7\n'); // slave.mesos. has the agent: conflict
    assert.equal(report.staticConflicts.count, 1);
    const above = generate('marathon.slave A 192.0.2.7\n'); // only names below it are Mesos names
    assert.equal(above.report.staticConflicts.count, 0);
    assert.deepEqual(at(above.table, 'marathon.slave.mesos.').a, ['192.0.2.7']);
    assert.deepEqual(at(table, 'slave.mesos.').a, ['192.0.2.20']);
  });

  it('the direct answer path declines names with a CNAME (DECLINE), and answers static A names itself', () => {
    const { table } = generate('www CNAME web.marathon.mesos.\ndb A 192.0.2.200\n');
    assert.equal(blockFlags(table, 'www.mesos.') & BlockFlag.DECLINE, BlockFlag.DECLINE);
    assert.equal(blockFlags(table, 'db.mesos.'), 0);
    assert.equal(blockFlags(table, 'web.marathon.mesos.'), 0);
  });
});
