import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PAUSE } from '../../../src/http/json.js';
import { sortNamesInSlices } from '../../../src/http/sort-names.js';

function run<T>(gen: Generator<typeof PAUSE, T, undefined>): { result: T; pauses: number } {
  let pauses = 0;
  for (;;) {
    const step = gen.next();
    if (step.done) return { result: step.value, pauses };
    assert.equal(step.value, PAUSE);
    pauses++;
  }
}

function names(count: number, seed: number): string[] {
  let x = seed;
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out.push(`_svc-${(x % 9973).toString(36)}._tcp.fw${x % 7}.mesos.`);
  }
  return out;
}

describe('sortNamesInSlices', () => {
  for (const [count, slice] of [
    [0, 4],
    [1, 4],
    [5, 4],
    [1000, 7],
    [5000, 64],
    [20000, 8192],
  ] as const) {
    it(`sorts ${count} names in slices of ${slice} like Array.prototype.sort`, () => {
      const input = names(count, count + 1);
      const { result } = run(sortNamesInSlices(input, slice));
      assert.deepEqual(result, [...input].sort());
    });
  }

  it('pauses between slices of work, so sorting a big table never runs as one block', () => {
    const { pauses } = run(sortNamesInSlices(names(10_000, 3), 100));
    // 100 runs to sort plus the merge steps in between.
    assert.ok(pauses >= 100, `only ${pauses} pauses`);
  });

  it('keeps duplicates (stable enough for equal names)', () => {
    const { result } = run(sortNamesInSlices(['b.', 'a.', 'b.', 'a.'], 1));
    assert.deepEqual(result, ['a.', 'a.', 'b.', 'b.']);
  });
});
