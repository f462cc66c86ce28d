import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serialReads } from '../../../src/mesos/leader/serial-reads.js';

/** A read that waits until released, counting how many started. */
function gatedReads(options: { connected?: () => boolean; closed?: () => boolean; fail?: boolean } = {}) {
  let started = 0;
  let release: (() => void) | undefined;
  const errors: unknown[] = [];
  const reads = serialReads({
    readOnce: () => {
      started++;
      return new Promise<void>((resolve, reject) => {
        release = options.fail ? () => reject(new Error('connection loss')) : resolve;
      });
    },
    onError: (err) => errors.push(err),
    closed: options.closed ?? (() => false),
    connected: options.connected ?? (() => true),
  });
  const finishOne = async (): Promise<void> => {
    release?.();
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { reads, started: () => started, errors, finishOne };
}

test('serialReads: calls during a read fold into one more read after it', async () => {
  const g = gatedReads();
  const done = g.reads.read();
  void g.reads.read();
  void g.reads.read();
  assert.equal(g.started(), 1, 'one read at a time');
  await g.finishOne();
  assert.equal(g.started(), 2, 'the three calls made two reads');
  await g.finishOne();
  await done;
  assert.equal(g.started(), 2);
  assert.equal(g.reads.running(), undefined);
});

test('serialReads: no further read once disconnected, none at all once closed', async () => {
  let connected = true;
  let closed = false;
  const g = gatedReads({ connected: () => connected, closed: () => closed });
  const done = g.reads.read();
  void g.reads.read();
  connected = false;
  await g.finishOne();
  await done;
  assert.equal(g.started(), 1, 'the asked-for read waits for the next connection');
  closed = true;
  await g.reads.read();
  assert.equal(g.started(), 1);
});

test('serialReads: a failed read goes to onError; again() from inside asks for one more', async () => {
  const g = gatedReads({ fail: true });
  const done = g.reads.read();
  g.reads.again();
  await g.finishOne();
  assert.equal(g.started(), 2);
  await g.finishOne();
  await done;
  assert.equal(g.errors.length, 2);
});
