// statusesThatCount (src/records/generate.ts): the statuses a task kept from a stream of updates needs.
// Kept and then extended by later statuses, they pick the same reference and latest status as the
// whole list would, whatever the order, ties and odd timestamps.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { statusesThatCount } from '../../../src/records/generate.js';
import type { TaskStatus } from '../../../src/records/state-types.js';
import { seededRandom } from '../../helpers/seeded-random.js';

function randomStatus(random: () => number, n: number): TaskStatus {
  const states = ['TASK_RUNNING', 'TASK_STARTING', 'TASK_STAGING', 'TASK_RUNNING'];
  const timestamp = random() < 0.05 ? -Infinity : Math.floor(random() * 8);
  return { state: states[Math.floor(random() * states.length)] as string, timestamp, labels: [], networkInfos: [{ ipAddresses: [`10.0.0.${n}`], ipAddress: '' }], healthy: random() < 0.5 };
}

describe('statusesThatCount', () => {
  it('kept statuses plus later ones count as the whole list does', () => {
    const random = seededRandom(7);
    for (let round = 0; round < 3000; round++) {
      const all: TaskStatus[] = [];
      let kept: readonly TaskStatus[] = [];
      const steps = 1 + Math.floor(random() * 12);
      for (let i = 0; i < steps; i++) {
        const status = randomStatus(random, all.length);
        all.push(status);
        kept = statusesThatCount([...kept, status]);
        assert.ok(kept.length <= 2);
        // The same two statuses, as objects, in the same order: the picks are the whole list's.
        assert.deepEqual(kept.map((s) => all.indexOf(s)), statusesThatCount(all).map((s) => all.indexOf(s)), `round ${round}, step ${i}`);
      }
    }
  });

  it('keeps the list itself when nothing can go', () => {
    const random = seededRandom(3);
    const one = [randomStatus(random, 1)];
    assert.equal(statusesThatCount(one), one);
    assert.equal(statusesThatCount([]).length, 0);
  });
});
