// The reload worker's collection after a big reload (src/reload/reload-worker.ts): twice while the
// worker stays idle, not at all while it is busy, and V8's collector is reachable in a worker.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import { collectWhenIdle } from '../../../src/reload/reload-worker.js';

describe('collectWhenIdle', () => {
  it('collects twice while idle, and not while busy', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    let calls = 0;
    let idle = true;
    collectWhenIdle(() => calls++, () => idle);
    t.mock.timers.tick(199);
    assert.equal(calls, 0);
    t.mock.timers.tick(1);
    assert.equal(calls, 1, 'after 200 ms idle');
    t.mock.timers.tick(1000);
    assert.equal(calls, 2, 'again a second later');
    calls = 0;
    idle = false;
    collectWhenIdle(() => calls++, () => idle);
    t.mock.timers.tick(5000);
    assert.equal(calls, 0, 'a busy worker is not collected');
  });

  it('reaches V8 collector from a worker thread', async () => {
    const url = new URL('../../../src/reload/reload-worker.js', import.meta.url).href;
    const worker = new Worker(`import(${JSON.stringify(url)}).then((m) => require('node:worker_threads').parentPort.postMessage(typeof m.fullCollection()))`, { eval: true });
    const kind = await new Promise((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    await worker.terminate();
    assert.equal(kind, 'function');
  });
});
