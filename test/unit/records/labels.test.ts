// Label sanitisation (behaviour §2.2): the RFC1123 and RFC952 label functions and framework domain fragments.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { toDomainFragment, toLabel } from '../../../src/records/labels.js';

const A61 = 'a'.repeat(61);

describe('toLabel, RFC1123 (default)', () => {
  const cases: [string, string][] = [
    ['', ''],
    ['a', 'a'],
    ['-', ''],
    ['a---', 'a'],
    ['---a---b', 'a---b'],
    ['a.b.c.d.e', 'a-b-c-d-e'],
    ['a.c.d_de.', 'a-c-d-de'],
    ['abc--123', 'abc--123'],
    ['4abc123', '4abc123'],
    ['9lives', '9lives'],
    ['-4abc123', '4abc123'],
    ['UPPER_case.Name', 'upper-case-name'],
    ['chronos with a space AND MIXED CASE-2.0.1', 'chronoswithaspaceandmixedcase-2-0-1'],
    ['89fdgsf---gs7-fgs--d7fddg-123', '89fdgsf---gs7-fgs--d7fddg-123'],
    ['fd%gsf---gs7-f$gs--d7fddg-123', 'fdgsf---gs7-fgs--d7fddg-123'],
    ['liquor.store', 'liquor-store'],
    ['$$$ %%% ###', ''],
    ['a'.repeat(63), 'a'.repeat(63)],
    ['a'.repeat(64), 'a'.repeat(63)],
    // 64 characters: the head is cut at 63 and its trailing dashes dropped, then refilled from the tail.
    [`hello${'-'.repeat(58)}f`, 'hellof'],
    [`${'a'.repeat(62)}-bcd`, `${'a'.repeat(62)}b`],
  ];
  for (const [input, expected] of cases) {
    it(`${JSON.stringify(input)} -> ${JSON.stringify(expected)}`, () => {
      assert.equal(toLabel(input, 'rfc1123'), expected);
    });
  }

  it('quirk #11: label refill can leave a trailing dash', () => {
    // "a"*61 + "--b-c": head "a"*61 (the cut "--" dropped), refilled with two characters "b-".
    assert.equal(toLabel(`${A61}--b-c`, 'rfc1123'), `${A61}b-`);
    assert.ok(toLabel(`${A61}--b-c`, 'rfc1123').endsWith('-'));
  });

  it('non-ASCII code points are deleted, not transliterated (astral ones too)', () => {
    assert.equal(toLabel('café-ünïcode', 'rfc1123'), 'caf-ncode');
    assert.equal(toLabel('Ωmega😀x', 'rfc1123'), 'megax');
    assert.equal(toLabel('ＡＢＣ', 'rfc1123'), ''); // full-width letters are not A-Z
    assert.equal(toLabel('😀-😀-a', 'rfc1123'), 'a');
  });

  it('output only ever holds [0-9a-z-], never starts with "-" and is at most 63 long', () => {
    const samples = ['-x', '__init__', 'a.b_c-d e', '-'.repeat(70), `${'x-'.repeat(40)}`, 'Ä-Ö-Ü', 'A'.repeat(100)];
    for (const s of samples) {
      const out = toLabel(s, 'rfc1123');
      assert.match(out, /^[0-9a-z-]*$/, s);
      assert.ok(!out.startsWith('-'), s);
      assert.ok(out.length <= 63, s);
    }
  });
});

describe('toLabel, RFC952 (EnforceRFC952)', () => {
  const cases: [string, string][] = [
    ['', ''],
    ['9lives', 'lives'],
    ['4abc123', 'abc123'],
    ['-4abc123', 'abc123'],
    ['123', ''],
    ['0-0-0', ''],
    ['chronos with a space AND MIXED CASE-2.0.1', 'chronoswithaspaceandmixe'],
    ['chronos with a space AND----------MIXED--', 'chronoswithaspaceandmixe'],
    ['89fdgsf---gs7-fgs--d7fddg-123', 'fdgsf---gs7-fgs--d7fddg1'],
    ['89fdgsf---gs7-fgs--d7fddg---123', 'fdgsf---gs7-fgs--d7fddg1'],
    ['89fdgsf---gs7-fgs--d7fddg-', 'fdgsf---gs7-fgs--d7fddg'],
    ['UPPER_case.Name', 'upper-case-name'],
    ['a'.repeat(24), 'a'.repeat(24)],
    ['a'.repeat(30), 'a'.repeat(24)],
    [`hello${'-'.repeat(19)}world`, 'helloworld'],
  ];
  for (const [input, expected] of cases) {
    it(`${JSON.stringify(input)} -> ${JSON.stringify(expected)}`, () => {
      assert.equal(toLabel(input, 'rfc952'), expected);
    });
  }

  it('digits are stripped from the left only', () => {
    assert.equal(toLabel('1a1', 'rfc952'), 'a1');
  });

  it('quirk #11: the RFC952 refill can leave a trailing dash too', () => {
    // 22 letters, "--", then "b-c": head is cut at 24 ("a"*22 + "--"), dashes dropped, refilled "b-".
    assert.equal(toLabel(`${'a'.repeat(22)}--b-c`, 'rfc952'), `${'a'.repeat(22)}b-`);
  });
});

describe('toDomainFragment', () => {
  const cases: [string, string, string][] = [
    // input, RFC1123, RFC952
    ['My.Frame_Work..X', 'my.frame-work.x', 'my.frame-work.x'],
    ['marathon', 'marathon', 'marathon'],
    ['', '', ''],
    ['.', '', ''],
    ['...', '', ''],
    ['.abc.', 'abc', 'abc'],
    ['a..c.e', 'a.c.e', 'a.c.e'],
    ['space space.com', 'spacespace.com', 'spacespace.com'],
    ['(@ host . com', 'host.com', 'host.com'],
    ['MiXeDcase.CoM', 'mixedcase.com', 'mixedcase.com'],
    ['chronos with a space AND MIXED CASE-2.0.1', 'chronoswithaspaceandmixedcase-2.0.1', 'chronoswithaspaceandmixe'],
    ['pod_123$abc.marathon-0.6.0-dev.mesos', 'pod-123abc.marathon-0.6.0-dev.mesos', 'pod-123abc.marathon-0.dev.mesos'],
    ['ünï.çødé', 'n.d', 'n.d'],
  ];
  for (const [input, rfc1123, rfc952] of cases) {
    it(`${JSON.stringify(input)} -> ${JSON.stringify(rfc1123)} / ${JSON.stringify(rfc952)}`, () => {
      assert.equal(toDomainFragment(input, 'rfc1123'), rfc1123);
      assert.equal(toDomainFragment(input, 'rfc952'), rfc952);
    });
  }

  it('each part is limited separately, so a fragment can be longer than one label', () => {
    const part = 'b'.repeat(70);
    assert.equal(toDomainFragment(`${part}.${part}`, 'rfc1123'), `${'b'.repeat(63)}.${'b'.repeat(63)}`);
  });
});
