// The per-reload fetch algorithm (behaviour §1.2) against scripted masters: which master is asked, in
// which order, and when the leader is followed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fetchAll } from '../../../src/mesos/fetch-all.js';
import { FetchFailure, StateFetchError } from '../../../src/mesos/fetch-errors.js';
import type { FetchedState } from '../../../src/mesos/master-client.js';

function cluster(states: Record<string, unknown>) {
  const asked: string[] = [];
  const fetchOne = async (address: string): Promise<FetchedState> => {
    asked.push(address);
    const doc = states[address];
    if (doc === undefined) throw new StateFetchError(FetchFailure.CONNECT, address, 'cannot reach master: ECONNREFUSED');
    return { document: doc, answeredBy: address, bytes: 1 };
  };
  return { asked, fetchOne };
}

test('presumed leader answers: one request', async () => {
  const c = cluster({ '192.0.2.1:5050': { leader: 'master@192.0.2.1:5050' } });
  const r = await fetchAll(['192.0.2.1:5050', '192.0.2.2:5050'], c.fetchOne);
  assert.equal(r.master, '192.0.2.1:5050');
  assert.equal(r.source, '192.0.2.1:5050');
  assert.deepEqual(c.asked, ['192.0.2.1:5050']);
});

test('quirk #20: a state naming another leader is re-fetched from that host on the SAME port', async () => {
  const c = cluster({
    '192.0.2.1:5050': { leader: 'master@192.0.2.2:6060' },
    '192.0.2.2:5050': { leader: 'master@192.0.2.2:6060', frameworks: [] },
  });
  const r = await fetchAll(['192.0.2.1:5050'], c.fetchOne);
  assert.deepEqual(c.asked, ['192.0.2.1:5050', '192.0.2.2:5050']);
  assert.equal(r.source, '192.0.2.2:5050');
  assert.deepEqual(r.document, { leader: 'master@192.0.2.2:6060', frameworks: [] });
});

test('fail-over: the first master down, the next answers; earlier failures reported', async () => {
  const c = cluster({ '192.0.2.2:5050': { leader: 'master@192.0.2.2:5050' } });
  const r = await fetchAll(['192.0.2.1:5050', '192.0.2.2:5050'], c.fetchOne);
  assert.equal(r.master, '192.0.2.2:5050');
  assert.equal(r.failures.length, 1);
  assert.equal(r.failures[0]?.reason, FetchFailure.CONNECT);
});

test("unknown leader ('') tries the fallbacks in order and skips unsplittable entries", async () => {
  const c = cluster({ '192.0.2.3:5050': { leader: 'master@192.0.2.3:5050' } });
  const r = await fetchAll(['', 'nonsense', '192.0.2.2:5050', '192.0.2.3:5050'], c.fetchOne);
  assert.deepEqual(c.asked, ['192.0.2.2:5050', '192.0.2.3:5050']);
  assert.equal(r.master, '192.0.2.3:5050');
});

test('a state without leader information is an error (no_leader), then the next master', async () => {
  const c = cluster({ '192.0.2.1:5050': { frameworks: [] }, '192.0.2.2:5050': { leader: 'master@192.0.2.2:5050' } });
  const r = await fetchAll(['192.0.2.1:5050', '192.0.2.2:5050'], c.fetchOne);
  assert.equal(r.failures[0]?.reason, FetchFailure.NO_LEADER);
  const only = cluster({ '192.0.2.1:5050': { leader: '' } });
  await assert.rejects(fetchAll(['192.0.2.1:5050'], only.fetchOne), (e: unknown) => e instanceof StateFetchError && e.reason === FetchFailure.NO_LEADER);
  const twoAts = cluster({ '192.0.2.1:5050': { leader: 'a@b@192.0.2.1:5050' } });
  await assert.rejects(fetchAll(['192.0.2.1:5050'], twoAts.fetchOne), (e: unknown) => e instanceof StateFetchError && e.reason === FetchFailure.NO_LEADER);
});

test('all masters fail: the last error is thrown with the earlier ones attached', async () => {
  const c = cluster({});
  await assert.rejects(fetchAll(['192.0.2.1:5050', '192.0.2.2:5050', '192.0.2.3:5050'], c.fetchOne), (e: unknown) => {
    assert.ok(e instanceof StateFetchError);
    assert.equal(e.master, '192.0.2.3:5050');
    assert.deepEqual(e.earlier.map((x) => x.master), ['192.0.2.1:5050', '192.0.2.2:5050']);
    return true;
  });
  await assert.rejects(fetchAll([], c.fetchOne), (e: unknown) => e instanceof StateFetchError && e.reason === FetchFailure.NO_MASTERS);
  await assert.rejects(fetchAll(['', 'bad'], c.fetchOne), (e: unknown) => e instanceof StateFetchError && e.reason === FetchFailure.NO_MASTERS);
});
