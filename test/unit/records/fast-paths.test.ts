// Generation's fast paths must give exactly what their general forms give: the one-scan port range
// reader against expandResourcePorts, and digits written by the builder against String(n).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { Int32List, RecordSetBuilder, TYPE_INDEX } from '../../../src/records/builder.js';
import { MAX_PORTS_PER_TASK, expandResourcePorts, readResourcePorts } from '../../../src/records/generate.js';
import { openRecordTable } from '../../../src/records/packed-table.js';
import { seededRandom as random } from '../../helpers/seeded-random.js';


/** The ports read, then the count dropped beyond the cap. */
function ports(text: string): [number[], number] {
  const out = new Int32List(4);
  out.push(-1); // cleared by the reader
  const dropped = readResourcePorts(text, out);
  return [Array.from(out.view()), dropped];
}

/** The reference: Mesos-DNS's uncapped expansion, cut at the per-task cap. */
function reference(text: string): [number[], number] {
  const all = expandResourcePorts(text).map(Number);
  return [all.slice(0, MAX_PORTS_PER_TASK), Math.max(0, all.length - MAX_PORTS_PER_TASK)];
}

describe('readResourcePorts', () => {
  const cases = [
    '[31000-31000]', '[31000-31002]', '[31000-31001, 31005-31005]', '[1-2,3-4]', '[1-2,   3-4]', '[0031000-31001]',
    '[5-3]', '[]', '', '31000-31001', '[31000-31001', '31000-31001]', '[31000-31001] ', ' [31000-31001]',
    '[1 -2]', '[1- 2]', '[1-2 ]', '[ 1-2]', '[1-2,]', '[,1-2]', '[1-2, 3]', '[1-2-3]', '[+1-2]', '[-1-2]',
    '[1-+2]', '[a-b]', '[1-2\t, 3-4]', '[0-65535]', '[0-65536]', '[1000000000-1000000001]', '[999999999-999999999]',
    '[9007199254740993-9007199254740993]', 'x[1-2]y', '[1-2][3-4]', '[1-2]]', '[[1-2]', '[١-٢]', '[1-2 3-4]', '[1-2x3-4]',
    '[1-2;3-4]', '[1-65535]', '[1-1000, 1-1000]', '[1-1000, x, 2000-2100]', '[1-1000,\t2000-2100]', '[5-3, 1-2000]',
  ];
  for (const text of cases) {
    it(`${JSON.stringify(text)} as expandResourcePorts`, () => assert.deepEqual(ports(text), reference(text)));
  }

  it('agrees with expandResourcePorts on 20,000 generated range lists', () => {
    const next = random(11);
    const pieces = ['[', ']', '-', ',', ', ', ' ', '0', '7', '31000', '31002', '65535', '+', 'x', '999999999', '1000000000'];
    for (let i = 0; i < 20_000; i++) {
      let text = '';
      if (next() < 0.5) {
        const ranges: string[] = [];
        const n = 1 + Math.floor(next() * 3);
        for (let r = 0; r < n; r++) {
          const lo = Math.floor(next() * 70_000);
          ranges.push(`${lo}-${lo + Math.floor(next() * 5) - 1}`);
        }
        text = `[${ranges.join(next() < 0.5 ? ', ' : ',')}]`;
      } else {
        const n = Math.floor(next() * 10);
        for (let j = 0; j < n; j++) text += pieces[Math.floor(next() * pieces.length)];
      }
      assert.deepEqual(ports(text), reference(text), JSON.stringify(text));
    }
  });
});

describe('RecordSetBuilder.putInt', () => {
  it('writes what String(n) writes', () => {
    const numbers = [0, 1, 9, 10, 99, 100, 31000, 65535, 65536, 2 ** 31 - 1, 2 ** 31, 2 ** 53 - 1, -1, -31000, 1.5, 1e21];
    const builder = new RecordSetBuilder();
    for (const n of numbers) {
      const value = builder.begin('v').putInt(n).endValue();
      builder.begin('n').putInt(n).put('.mesos.').add(TYPE_INDEX.SRV, value);
    }
    const table = openRecordTable(builder.finish('mesos'));
    for (const n of numbers) assert.deepEqual(table.lookup(`n${String(n)}.mesos.`)?.srv, [`v${String(n)}`], String(n));
  });
});

describe('RecordSetBuilder set semantics on long lists', () => {
  it('a list past the linear-scan size still ignores equal values, stored once or written again', () => {
    const builder = new RecordSetBuilder();
    const handles: number[] = [];
    for (let i = 0; i < 100; i++) {
      const value = builder.value(`192.0.2.${i}`);
      handles.push(value);
      assert.equal(builder.begin('slave.mesos.').add(TYPE_INDEX.A, value), true);
    }
    for (const value of handles) assert.equal(builder.begin('slave.mesos.').add(TYPE_INDEX.A, value), false);
    const add = (type: 0 | 1 | 2, text: string): boolean => {
      const value = builder.value(text);
      return builder.begin('slave.mesos.').add(type, value);
    };
    for (let i = 99; i >= 0; i--) assert.equal(add(TYPE_INDEX.A, `192.0.2.${i}`), false);
    assert.equal(add(TYPE_INDEX.A, '192.0.2.100'), true);
    // The same text under another type is another record.
    assert.equal(add(TYPE_INDEX.SRV, '192.0.2.5'), true);
    const table = openRecordTable(builder.finish('mesos'));
    assert.deepEqual(table.lookup('slave.mesos.')?.a, Array.from({ length: 101 }, (_, i) => `192.0.2.${i}`));
    assert.deepEqual(table.lookup('slave.mesos.')?.srv, ['192.0.2.5']);
    assert.deepEqual(table.counts, { names: 1, a: 101, aaaa: 0, srv: 1, ptr: 0, cname: 0 });
  });
});

describe('RecordSetBuilder composing', () => {
  it('refuses to start a value inside a name being composed', () => {
    const builder = new RecordSetBuilder();
    builder.begin('x.mesos.');
    assert.throws(() => builder.value('192.0.2.1'), /previous name or value/);
  });
});
