import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createResponseCache } from '../../../src/dns/response-cache.js';
import { hasDescendants } from '../../../src/dns/zone-index.js';
import { createRecordStore } from '../../../src/records/store.js';
import { dnsTestConfig, loadDnsFixtureTable } from '../../cases/dns-fixture.js';

const meta = { qtype: 1, rcode: 0, outcome: 'success' as const };
const bytes = (n: number, fill = 1): Uint8Array => new Uint8Array(n).fill(fill);

describe('response cache', () => {
  const store = createRecordStore({ now: () => 1_700_000_000_000 });
  const snapshot = store.swap(loadDnsFixtureTable());
  const config = dnsTestConfig();

  test('a complete reply serves every limit at least its size; a cut one only its own limit', () => {
    const cache = createResponseCache();
    cache.put('k', snapshot, config, 65535, true, [bytes(600)], meta);
    assert.ok(cache.get('k', snapshot, config, 600));
    assert.ok(cache.get('k', snapshot, config, 4096));
    assert.equal(cache.get('k', snapshot, config, 512), undefined, 'too big for 512: a miss');
    cache.put('k', snapshot, config, 512, false, [bytes(500, 2)], meta);
    assert.equal(cache.get('k', snapshot, config, 512)?.replies[0]?.[0], 2);
    assert.equal(cache.get('k', snapshot, config, 513), undefined);
  });

  test('cut replies are kept for the most recent few limits', () => {
    const cache = createResponseCache({ maxLimitsPerEntry: 2 });
    for (const limit of [512, 600, 700]) cache.put('k', snapshot, config, limit, false, [bytes(limit - 10)], meta);
    assert.equal(cache.get('k', snapshot, config, 512), undefined, 'the oldest limit made room');
    assert.ok(cache.get('k', snapshot, config, 600));
    assert.ok(cache.get('k', snapshot, config, 700));
    assert.ok(cache.bytes < 600 + 700 + 300);
  });

  test('a new snapshot or a new config object empties the cache', () => {
    const cache = createResponseCache();
    cache.put('k', snapshot, config, 512, true, [bytes(100)], meta);
    assert.ok(cache.get('k', snapshot, config, 512));
    assert.equal(cache.get('k', snapshot, dnsTestConfig(), 512), undefined);
    cache.put('k', snapshot, config, 512, true, [bytes(100)], meta);
    const next = createRecordStore().swap(loadDnsFixtureTable());
    assert.equal(cache.get('k', next, config, 512), undefined);
    assert.equal(cache.size, 0);
    assert.equal(cache.get('k', undefined, config, 512), undefined, 'no table, no hits');
  });

  test('bounded in entries, recently hit entries get a second chance', () => {
    const cache = createResponseCache({ maxEntries: 3 });
    for (const k of ['a', 'b', 'c']) cache.put(k, snapshot, config, 512, true, [bytes(10)], meta);
    assert.ok(cache.get('a', snapshot, config, 512)); // 'a' is oldest but used
    cache.put('d', snapshot, config, 512, true, [bytes(10)], meta);
    assert.equal(cache.size, 3);
    assert.ok(cache.get('a', snapshot, config, 512), 'a survived');
    assert.equal(cache.get('b', snapshot, config, 512), undefined, 'b was evicted');
  });

  test('bounded in bytes; a single huge entry is not cached at all', () => {
    const cache = createResponseCache({ maxBytes: 16_000 });
    for (let i = 0; i < 40; i++) cache.put(`k${i}`, snapshot, config, 65535, true, [bytes(500)], meta);
    assert.ok(cache.bytes <= 16_000);
    assert.ok(cache.size < 40);
    cache.put('huge', snapshot, config, 65535, true, [bytes(2000)], meta);
    assert.equal(cache.get('huge', snapshot, config, 65535), undefined);
  });
});

describe('zone index: empty non-terminals (spec §8 #8)', () => {
  const table = loadDnsFixtureTable();
  test('proper ancestors of stored names exist', () => {
    assert.equal(hasDescendants(table, 'marathon.slave.mesos.'), true);
    assert.equal(hasDescendants(table, '_tcp.marathon.mesos.'), true);
    assert.equal(hasDescendants(table, 'marathon.mesos.'), true);
  });
  test('leaves, missing names and the apex itself are not empty non-terminals', () => {
    assert.equal(hasDescendants(table, 'nginx.marathon.mesos.'), false);
    assert.equal(hasDescendants(table, 'nope.mesos.'), false);
    assert.equal(hasDescendants(table, 'mesos.'), false);
    assert.equal(hasDescendants(table, 'rathon.mesos.'), false, 'label-aware, not a string suffix');
  });
});
