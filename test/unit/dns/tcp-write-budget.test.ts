// The write budget of all DNS/TCP connections: spent past the limit, back at half of it, overrun past twice.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WriteBudget } from '../../../src/dns/tcp-write-budget.js';

describe('WriteBudget', () => {
  it('is spent past the limit and comes back once the total drained to half of it', () => {
    const budget = new WriteBudget(100);
    assert.equal(budget.change(0, 100), false);
    assert.equal(budget.exhausted, false, 'at the limit, not past it');
    assert.equal(budget.change(0, 1), false);
    assert.equal(budget.exhausted, true);
    assert.equal(budget.change(101, 60), false, 'above half: still spent');
    assert.equal(budget.exhausted, true);
    assert.equal(budget.change(60, 50), true, 'back at half: the caller resumes readers');
    assert.equal(budget.exhausted, false);
    assert.equal(budget.change(50, 40), false, 'already available');
    assert.equal(budget.total, 40);
  });

  it('is overrun past twice the limit', () => {
    const budget = new WriteBudget(100);
    budget.change(0, 200);
    assert.equal(budget.overrun, false);
    budget.change(0, 1);
    assert.equal(budget.overrun, true);
    budget.change(1, 0);
    assert.equal(budget.overrun, false);
  });
});
