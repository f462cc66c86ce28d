// Which stored names a question reaches: those that are exactly the lower-case presentation form of
// their own wire octets (how wire-query.ts reads a question and lookupName keys it), without ".*".
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isAskableName } from '../../../src/dns/names.js';

describe('isAskableName', () => {
  test('plain lower-case names, with "_", "-", "*" and other printable octets that need no escape', () => {
    for (const name of ['web.marathon.mesos.', '_http._web._tcp.marathon.mesos.', '-abcde-s0.fw.mesos.', '*.fw.mesos.', 'a+b/c.fw.mesos.']) {
      assert.equal(isAskableName(name), true, name);
    }
  });

  test('names kept as escapes are reached when the escape is the one a question is read with', () => {
    for (const name of ['a\\.b.fw.mesos.', 'web\\ gw.fw.mesos.', 'caf\\195\\169.fw.mesos.', 'semi\\;colon\\@at.fw.mesos.']) {
      assert.equal(isAskableName(name), true, name);
    }
    // The same octets spelt otherwise: a question reads 0x20 as "\ ", 0x2e in a label as "\.".
    for (const name of ['web\\032gw.fw.mesos.', 'x\\046y.fw.mesos.', 'a\\$b.fw.mesos.']) assert.equal(isAskableName(name), false, name);
  });

  test('raw names with upper case, a space or UTF-8 characters are not reached', () => {
    for (const name of ['Web.marathon.mesos.', 'web frontend.fw.mesos.', 'café.fw.mesos.', '日本語.fw.mesos.', 'DNS.Mesos.']) {
      assert.equal(isAskableName(name), false, name);
    }
  });

  test('".*" is stripped from every question, so a stored name holding it is not reached', () => {
    assert.equal(isAskableName('x.*.fw.mesos.'), false);
  });

  test('names without a wire form are not reached', () => {
    assert.equal(isAskableName(`${'a'.repeat(64)}.mesos.`), false);
    assert.equal(isAskableName(`${'a'.repeat(63)}.mesos.`), true);
    assert.equal(isAskableName('a..mesos.'), false);
    // 255 octets on the wire is the most; 256 is one too many.
    const label = 'a'.repeat(62);
    const longest = `${label}.${label}.${label}.${'a'.repeat(58)}.mesos.`;
    assert.equal(longest.length + 1, 255);
    assert.equal(isAskableName(longest), true);
    assert.equal(isAskableName(`a${longest}`), false);
  });
});
