import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diffNames, nameHashes } from '../../../src/records/name-diff.js';
import { ENTRY_FIELDS } from '../../../src/records/packed-table.js';
import type { PackedTableData } from '../../../src/records/table.js';

/** Packed data holding only names (the fields the diff reads). */
function packedNames(names: string[]): PackedTableData {
  const strings = Buffer.from(names.join(''));
  const entries = new Int32Array(names.length * ENTRY_FIELDS);
  let off = 0;
  names.forEach((name, i) => {
    entries[i * ENTRY_FIELDS] = off;
    entries[i * ENTRY_FIELDS + 1] = Buffer.byteLength(name);
    off += Buffer.byteLength(name);
  });
  const empty = new Int32Array(0);
  return {
    domain: 'mesos',
    strings,
    entries,
    values: empty,
    slots: empty,
    frameworks: empty,
    tasks: empty,
    taskRecords: empty,
    ancestors: empty,
    ancestorSlots: new Int32Array(16),
    answers: new Uint8Array(0),
    answerSlots: new Int32Array(16),
    counts: { names: names.length, a: 0, aaaa: 0, srv: 0, ptr: 0, cname: 0 },
  };
}

test('names added and removed between two tables', () => {
  const a = nameHashes(packedNames(['leader.mesos.', 'nginx.marathon.mesos.', 'slave.mesos.', 'ünïcode.mesos.']));
  const b = nameHashes(packedNames(['leader.mesos.', 'web.marathon.mesos.', 'slave.mesos.', 'web2.marathon.mesos.', 'ünïcode.mesos.']));
  assert.deepEqual(diffNames(undefined, a), { added: 4, removed: 0 });
  assert.deepEqual(diffNames(a, b), { added: 2, removed: 1 });
  assert.deepEqual(diffNames(b, b), { added: 0, removed: 0 });
  assert.deepEqual(diffNames(b, nameHashes(packedNames([]))), { added: 0, removed: 5 });
});

test('hashes of many similar names do not collide', () => {
  const names = Array.from({ length: 200_000 }, (_, i) => `app-${i}.marathon.mesos.`);
  const h = nameHashes(packedNames(names));
  let distinct = 1;
  for (let i = 1; i < h.length; i++) if (h[i] !== h[i - 1]) distinct++;
  assert.equal(distinct, names.length);
});
