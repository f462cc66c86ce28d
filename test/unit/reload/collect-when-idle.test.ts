// The reload worker's memory upkeep (src/reload/idle-collection.ts): a collection once the worker is
// idle, then compacting steps while they give memory back and the worker stays idle; and, in a real
// worker thread, V8's collector reachable and the steps really shrinking a fragmented heap.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import { COLLECT_AFTER_MS, COMPACT_EVERY_MS, MAX_COMPACT_STEPS, MIN_STEP_GAIN_BYTES, collectWhenIdle, startingMaxSemiSpace, type HeapCollector } from '../../../src/reload/idle-collection.js';

/** A collector whose compacting steps give back `gains[i]` bytes at step i (0 after the list). */
function fakeCollector(gains: readonly number[]): HeapCollector & { collects: number; steps: number } {
  let committed = 1 << 30;
  const fake = {
    collects: 0,
    steps: 0,
    collect: () => void fake.collects++,
    compactStep: () => void (committed -= gains[fake.steps++] ?? 0),
    committedBytes: () => committed,
  };
  return fake;
}

/** Advances mocked time step by step: a timer set by a timer's callback runs in a later tick. */
function advance(t: { mock: { timers: { tick(ms: number): void } } }, ms: number): void {
  for (let left = ms; left > 0; left -= 10) t.mock.timers.tick(Math.min(10, left));
}

describe('collectWhenIdle', () => {
  it('collects after the worker has been idle, then compacts while steps give memory back', (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const heap = fakeCollector([8 * MIN_STEP_GAIN_BYTES, 2 * MIN_STEP_GAIN_BYTES, MIN_STEP_GAIN_BYTES - 1, 9 * MIN_STEP_GAIN_BYTES]);
    collectWhenIdle(heap, () => true);
    advance(t, COLLECT_AFTER_MS - 1);
    assert.equal(heap.collects, 0);
    advance(t, 1);
    assert.equal(heap.collects, 1, 'collected once idle');
    assert.equal(heap.steps, 0, 'compaction waits its turn: a reload that arrives meanwhile runs first');
    advance(t, COMPACT_EVERY_MS * 10);
    assert.equal(heap.steps, 3, 'steps until one gives back less than the minimum');
    assert.equal(heap.collects, 1);
  });

  it('stops after the most steps allowed', (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const heap = fakeCollector(new Array<number>(100).fill(4 * MIN_STEP_GAIN_BYTES));
    collectWhenIdle(heap, () => true);
    advance(t, COLLECT_AFTER_MS + COMPACT_EVERY_MS * 200);
    assert.equal(heap.steps, MAX_COMPACT_STEPS);
  });

  it('does nothing while the worker is busy, stops when it becomes busy, and can be cancelled', (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const gains = new Array<number>(100).fill(4 * MIN_STEP_GAIN_BYTES);
    const busy = fakeCollector(gains);
    collectWhenIdle(busy, () => false);
    advance(t, 5000);
    assert.deepEqual([busy.collects, busy.steps], [0, 0], 'a busy worker is not collected');

    let idle = true;
    const interrupted = fakeCollector(gains);
    collectWhenIdle(interrupted, () => idle);
    advance(t, COLLECT_AFTER_MS + COMPACT_EVERY_MS * 2);
    idle = false;
    advance(t, COMPACT_EVERY_MS * 20);
    assert.deepEqual([interrupted.collects, interrupted.steps], [1, 2], 'a reload ends the sequence');

    const cancelled = fakeCollector(gains);
    const collection = collectWhenIdle(cancelled, () => true);
    advance(t, COLLECT_AFTER_MS + COMPACT_EVERY_MS);
    collection.cancel();
    advance(t, COMPACT_EVERY_MS * 20);
    assert.deepEqual([cancelled.collects, cancelled.steps], [1, 1]);
  });

  it('shrinks a fragmented heap in a worker thread, without first copying all of it', async () => {
    const url = new URL('../../../src/reload/idle-collection.js', import.meta.url).href;
    // Two thirds of 1.5 million small objects die, scattered over the old generation's pages.
    const source = `
      const { parentPort } = require('node:worker_threads');
      const { readFileSync, writeFileSync } = require('node:fs');
      const peakMb = () => Number(/VmHWM:\\s+(\\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))[1]) / 1024;
      import(${JSON.stringify(url)}).then(({ heapCollector }) => {
        const heap = heapCollector();
        let kept = [];
        for (let i = 0; i < 1500000; i++) kept.push({ i, text: 'task-' + i, ports: [i, i + 1] });
        kept = kept.filter((_, i) => i % 3 === 0);
        heap.collect();
        const collected = heap.committedBytes();
        writeFileSync('/proc/self/clear_refs', '5');
        const peakBefore = peakMb();
        for (let step = 0; step < 40; step++) {
          const before = heap.committedBytes();
          heap.compactStep();
          if (before - heap.committedBytes() < 1 << 20) break;
        }
        parentPort.postMessage({ collected, compacted: heap.committedBytes(), peakRiseMb: peakMb() - peakBefore, kept: kept.length });
      });`;
    const worker = new Worker(source, { eval: true, resourceLimits: { maxOldGenerationSizeMb: 1024, maxYoungGenerationSizeMb: 12 } });
    const result = await new Promise<{ collected: number; compacted: number; peakRiseMb: number; kept: number }>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    await worker.terminate();
    assert.equal(result.kept, 500000);
    assert.ok(result.compacted < result.collected * 0.7, `compacted ${result.compacted} of ${result.collected} committed bytes`);
    // All at once, the copy of every live object (~60 MB here) would raise the peak by that much.
    assert.ok(result.peakRiseMb < 30, `the process's peak rose ${result.peakRiseMb.toFixed(0)} MB while compacting`);
  });
});

describe('compaction steps and the young generation', () => {
  it("reads the process's own --max-semi-space-size, to put back what the optimise-for-memory flag implies", () => {
    assert.equal(startingMaxSemiSpace([]), '0');
    assert.equal(startingMaxSemiSpace(['--max-semi-space-size=16']), '16');
    assert.equal(startingMaxSemiSpace(['--max_semi_space_size', '8', '--expose-gc']), '8');
    assert.equal(startingMaxSemiSpace(['--max-old-space-size=512', '']), '0');
  });

  it('a worker made after a compacting step still gets the young generation its limits give', async () => {
    const url = new URL('../../../src/reload/idle-collection.js', import.meta.url).href;
    // One worker compacts; the next one made (as a replaced reload worker would be) allocates and reports its new space.
    const youngOf = (source: string): Promise<number> =>
      new Promise((resolve, reject) => {
        const worker = new Worker(source, { eval: true, resourceLimits: { maxOldGenerationSizeMb: 256, maxYoungGenerationSizeMb: 12 } });
        worker.once('message', (n: number) => void worker.terminate().then(() => resolve(n)));
        worker.once('error', reject);
      });
    const allocate = `
      const { parentPort } = require('node:worker_threads');
      const { getHeapSpaceStatistics } = require('node:v8');
      const kept = [];
      for (let r = 0; r < 60; r++) { const junk = []; for (let i = 0; i < 20000; i++) junk.push({ i, list: [i] }); kept.push(junk.slice(0, 300)); }
      parentPort.postMessage(getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size);`;
    await youngOf(`import(${JSON.stringify(url)}).then(({ heapCollector }) => { heapCollector().compactStep(); require('node:worker_threads').parentPort.postMessage(0); });`);
    const young = await youngOf(allocate);
    assert.ok(young > 4 * 1024 * 1024, `new space of ${young} bytes after another worker compacted`);
  });
});
