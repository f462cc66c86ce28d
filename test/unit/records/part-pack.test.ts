// A part packed for the serving thread (src/records/part-pack.ts): each name's text held once (a name
// with an answer block is read from its block), so the packed table reads exactly as the builder's
// table does, name by name, record by record, task by task, and every SRV target text an answer
// block refers to is the same text, in fewer bytes.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { forEachSrvRecord, srvTargetLength, srvTargetRef } from '../../../src/records/answer-blocks.js';
import { ENTRY_FIELDS, entryBlocks, PackedRecordTable } from '../../../src/records/packed-table.js';
import { packPart } from '../../../src/records/part-pack.js';
import type { PackedTableData } from '../../../src/records/table.js';
import { parseState } from '../../../src/mesos/parse-state.js';
import { generateRecords } from '../../../src/records/generate.js';
import { BASE_CONFIG } from './helpers.js';

const EMBEDDED = JSON.parse(readFileSync(new URL('../../../../fixtures/embedded/state.json', import.meta.url), 'utf8')) as unknown;

/** Each SRV target an answer block refers to: a block offset, or the text it names in the strings. */
function srvTargets(data: PackedTableData, blocks: Int32Array): string[] {
  const out: string[] = [];
  for (const block of blocks) {
    if (block < 0) continue;
    forEachSrvRecord(data.answers, block, (rec) => {
      const ref = srvTargetRef(data.answers, rec);
      out.push(ref >= 0 ? `block ${ref}` : Buffer.from(data.strings.subarray(-1 - ref, -1 - ref + srvTargetLength(data.answers, rec))).toString());
    });
  }
  return out;
}

function enumeration(table: PackedRecordTable): unknown[] {
  return [...table.frameworks()].map((f) => ({ ...f, tasks: [...f.tasks] }));
}

describe('packPart', () => {
  for (const healthAwareOn of [false, true]) {
    it(`reads as the builder's table reads (the embedded cluster${healthAwareOn ? ', health-aware' : ''})`, () => {
      const parsed = parseState(EMBEDDED);
      assert.ok(parsed.ok);
      // Static SRV records whose targets are not names of the table: their texts are read from the strings.
      const staticRecords = [
        { name: '_db._tcp.ext.mesos.', type: 'SRV', value: 'db.example.test.:5432', line: 1 },
        { name: '_db._tcp.ext.mesos.', type: 'SRV', value: 'db-2.example.test.:5432', line: 2 },
        { name: '_web._tcp.ext.mesos.', type: 'SRV', value: 'leader.mesos.:80', line: 3 },
      ] as const;
      const table = generateRecords({ state: parsed.state, config: { ...BASE_CONFIG, healthAwareOn }, masters: ['192.0.2.100:5050'], listenerAddresses: [], staticRecords });
      const built = table.data as PackedTableData;
      const blocks = entryBlocks(built);
      const packed = packPart(built, blocks);
      const before = new PackedRecordTable(built);
      const after = new PackedRecordTable(packed);
      const names = built.entries.length / ENTRY_FIELDS;
      assert.ok(names > 50, `${names} names`);
      for (let e = 0; e < names; e++) {
        assert.equal(after.nameAt(e), before.nameAt(e));
        assert.ok(after.nameEquals(e, before.nameAt(e)));
        assert.deepEqual(after.recordsAt(e), before.recordsAt(e), before.nameAt(e));
      }
      assert.deepEqual(enumeration(after), enumeration(before));
      const targets = srvTargets(built, blocks);
      assert.ok(targets.some((t) => !t.startsWith('block')), 'some SRV targets are read from the strings');
      assert.deepEqual(srvTargets(packed, blocks), targets);
      // The blocks move as they are; only the references to texts in the strings change.
      const refs = new Set<number>();
      for (const block of blocks) if (block >= 0) forEachSrvRecord(built.answers, block, (rec) => [2, 3, 4, 5].forEach((i) => refs.add(rec + i)));
      assert.equal(packed.answers.length, built.answers.length);
      for (let i = 0; i < built.answers.length; i++) if (!refs.has(i)) assert.equal(packed.answers[i], built.answers[i], `block octet ${i}`);
      const named = blocks.filter((b) => b >= 0).length;
      assert.ok(named > names / 2, `${named} of ${names} names have a block`);
      assert.ok(packed.strings.length < built.strings.length + built.answers.length, 'each name with a block is held once');
      assert.equal(packed.slots.length + packed.answerSlots.length + packed.ancestors.length + packed.ancestorSlots.length, 0);
    });
  }
});
