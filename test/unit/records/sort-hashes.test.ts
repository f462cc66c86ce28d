// The name diff's O(n) hash sort must order exactly as Float64Array.prototype.sort does, whatever
// the spread of the hashes (even, clustered, duplicated).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sortHashes } from '../../../src/records/name-diff.js';
import { seededRandom as random } from '../../helpers/seeded-random.js';


const MAX = 2 ** 53;

function check(values: number[]): void {
  const input = Float64Array.from(values);
  const copy = input.slice();
  assert.deepEqual(sortHashes(input), Float64Array.from(values).sort());
  assert.deepEqual(input, copy, 'the input is left alone');
}

test('sorts evenly spread 53-bit hashes', () => {
  const next = random(1);
  for (const n of [0, 1, 2, 3, 100, 10_000, 200_000]) {
    check(Array.from({ length: n }, () => Math.floor(next() * 2 ** 32) * 2097152 + Math.floor(next() * 2097152)));
  }
});

test('sorts clustered hashes (big buckets) and duplicates', () => {
  const next = random(2);
  check(Array.from({ length: 50_000 }, () => Math.floor(next() * 1000)));
  check(Array.from({ length: 50_000 }, () => MAX - 1 - Math.floor(next() * 100)));
  check(Array.from({ length: 5_000 }, (_, i) => (i % 7) * 2 ** 40));
  check([0, MAX - 1, 0, MAX - 1, 2 ** 52]);
});
