// Pieces of a streamed record sent to a real reload worker (src/reload/worker-client.ts): the serving
// side stops asking for more once PIECES_UNREAD_MAX_BYTES are unread and goes on when the worker has
// caught up, and a worker that goes away leaves nothing to wait for.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createSilentLogger } from '../../../src/log.js';
import { MetricsRegistry } from '../../../src/metrics.js';
import { RELOAD_WORKER_KIND } from '../../../src/reload/reload-worker.js';
import { PIECES_UNREAD_MAX_BYTES, ReloadWorkerClient } from '../../../src/reload/worker-client.js';

function client(): ReloadWorkerClient {
  return new ReloadWorkerClient({
    data: {
      kind: RELOAD_WORKER_KIND,
      config: { generate: { domain: 'mesos', ipSources: ['netinfo', 'mesos', 'host'], enforceRFC952: false, soaMname: 'ns1.mesos.', listener: '192.0.2.53' }, lookupTimeoutMs: 100, lookupCacheMs: 0 },
    },
    resourceLimits: { maxOldGenerationSizeMb: 256 },
    logger: createSilentLogger(),
    restarts: new MetricsRegistry().counter('restarts', 'restarts'),
    recycle: false,
    onSpawn: () => undefined,
  });
}

/** One MB of a record: whitespace inside a JSON array, as a snapshot's pieces are JSON text. */
function piece(): Uint8Array {
  return new Uint8Array(1024 * 1024).fill(0x20);
}

const within = <T>(promise: Promise<T>, ms: number, what: string): Promise<T> =>
  Promise.race([promise, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms))]);

test('the serving side waits while the worker has too many pieces unread, and goes on once it has caught up', async (t) => {
  const workers = client();
  t.after(() => workers.close());
  workers.start();
  const pieces = PIECES_UNREAD_MAX_BYTES / (1024 * 1024) + 4;
  const length = pieces * 1024 * 1024;
  assert.equal(workers.pieceRoom(), undefined, 'room while nothing is unread');
  for (let i = 0; i < pieces; i++) workers.sendPiece(1, piece(), length);
  const caughtUp = workers.pieceRoom();
  assert.ok(caughtUp, 'no room with more than the most unread');
  await within(caughtUp, 10_000, 'the worker catching up');
  await within(
    (async () => {
      while (workers.pieceRoom() !== undefined) await new Promise((resolve) => setTimeout(resolve, 10));
    })(),
    10_000,
    'room again',
  );
});

test('a worker that goes away leaves nothing to wait for', async (t) => {
  const workers = client();
  t.after(() => workers.close());
  workers.start();
  for (let i = 0; i < PIECES_UNREAD_MAX_BYTES / (1024 * 1024) + 4; i++) workers.sendPiece(2, piece(), 64 * 1024 * 1024);
  const waiting = workers.pieceRoom();
  assert.ok(waiting);
  await workers.close();
  await within(waiting, 1000, 'the wait after the worker closed');
  assert.equal(workers.pieceRoom(), undefined);
});
