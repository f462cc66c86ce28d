// isEncodableName is parseName's verdict without the labels: the same answer for every kind of name.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isEncodableName, parseName } from '../../../src/dns/names.js';
import { seededRandom } from '../../helpers/seeded-random.js';

test('isEncodableName agrees with parseName', () => {
  const names = [
    '', '.', '..', 'a', 'a.', 'a.b', 'a.b.', '.a.', 'a..b.', `${'x'.repeat(63)}.mesos.`, `${'x'.repeat(64)}.mesos.`,
    `${'x'.repeat(64)}`, `${'abcdefghi.'.repeat(25)}`, `${'abcdefghi.'.repeat(25)}abcd.`, `${'abcdefghi.'.repeat(25)}abc.`,
    'a\\.b.mesos.', 'caf\u00e9.mesos.', '\\999.mesos.', '\\065.mesos.', 'tail\\', '_svc._tcp.marathon.mesos.',
  ];
  const random = seededRandom(5);
  const alphabet = ['a', 'b', '.', '-', '\\', '\u00e9', '0', '_'];
  for (let i = 0; i < 5000; i++) {
    const length = Math.floor(random() * 300);
    names.push(Array.from({ length }, () => alphabet[Math.floor(random() * alphabet.length)]).join(''));
    const labels = Math.floor(random() * 6);
    names.push(`${Array.from({ length: labels }, () => 'y'.repeat(1 + Math.floor(random() * 70))).join('.')}.`);
  }
  for (const name of names) assert.equal(isEncodableName(name), parseName(name) !== undefined, JSON.stringify(name));
});
