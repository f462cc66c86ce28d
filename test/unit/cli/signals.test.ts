// holdSignals: signals that arrive before the server can act are held, then handed over in order;
// release() gives Node's default actions back. (process.emit stands in for a delivered signal.)
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { holdSignals, type HandledSignal } from '../../../src/signals.js';

test('signals before the hand-over are held and delivered in order; later ones go straight through', () => {
  const before = process.listenerCount('SIGTERM');
  const beforeHup = process.listenerCount('SIGHUP');
  const held = holdSignals();
  assert.equal(process.listenerCount('SIGTERM'), before + 1);
  process.emit('SIGHUP', 'SIGHUP');
  process.emit('SIGTERM', 'SIGTERM');
  const seen: HandledSignal[] = [];
  held.handTo((signal) => seen.push(signal));
  assert.deepEqual(seen, ['SIGHUP', 'SIGTERM']);
  process.emit('SIGINT', 'SIGINT');
  assert.deepEqual(seen, ['SIGHUP', 'SIGTERM', 'SIGINT']);
  held.release();
  assert.equal(process.listenerCount('SIGTERM'), before);
  assert.equal(process.listenerCount('SIGHUP'), beforeHup);
});
