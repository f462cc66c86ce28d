// The 5-character task hash of canonical names (behaviour §2.10): z-base-32 of SHA-1(task id), top 25 bits.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';

import { hashTaskId } from '../../../src/records/task-hash.js';

const ZBASE32 = 'ybndrfg8ejkmcpqxot1uwisza345h769';

/** Independent reference: the whole digest in z-base-32 via a bit string, cut to 5 characters. */
function referenceHash(id: string): string {
  const bits = [...createHash('sha1').update(id, 'utf8').digest()].map((b) => b.toString(2).padStart(8, '0')).join('');
  let out = '';
  for (let i = 0; i + 5 <= bits.length; i += 5) out += ZBASE32[parseInt(bits.slice(i, i + 5), 2)];
  return out.slice(0, 5);
}

describe('hashTaskId', () => {
  const checks: [string, string][] = [
    ['test', 'iffe9'],
    ['liquor-store.b8db9f73-562f-11e4-a088-c20493233aa5', '4dfjd'],
    ['toy-store.b8db9f73-562f-11e4-a088-c20493233aa5', 'go588'],
    ['nginx.1bc32344-3dda-11e4-a088-c20493233aa5', '6ud99'],
  ];
  for (const [id, hash] of checks) {
    it(`${id} -> ${hash} (behaviour §2.10 check value)`, () => assert.equal(hashTaskId(id), hash));
  }

  it('agrees with an independent bit-string z-base-32 encoder', () => {
    const ids = ['', 'a', 'ct:1413913764000:0:Core Open Source Weekly Report', 'ünïcode-id', '😀', 'x'.repeat(1000)];
    for (let i = 0; i < 200; i++) ids.push(`task-${i}.${(i * 2654435761) >>> 0}`);
    for (const id of ids) assert.equal(hashTaskId(id), referenceHash(id), id);
  });

  it('hashes the UTF-8 bytes of the id', () => {
    assert.notEqual(hashTaskId('é'), hashTaskId('e'));
    assert.equal(hashTaskId('é'), referenceHash('é'));
  });
});
