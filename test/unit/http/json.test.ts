import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type JsonValue,
  LazyJsonArray,
  LazyJsonObject,
  PAUSE,
  type StreamJsonValue,
  goJson,
  lazyArray,
  lazyObject,
  quoteGoString,
  streamGoJson,
} from '../../../src/http/json.js';

describe('goJson (Go json.MarshalIndent(v, " ", " ") as go-restful writes it)', () => {
  it('prefixes every line after the first with one space and indents one space per level', () => {
    const value: JsonValue = { a: 1, b: [], c: {}, d: [1, { e: null }], f: true, g: 'x' };
    const expected = [
      '{',
      '  "a": 1,',
      '  "b": [],',
      '  "c": {},',
      '  "d": [',
      '   1,',
      '   {',
      '    "e": null',
      '   }',
      '  ],',
      '  "f": true,',
      '  "g": "x"',
      ' }',
    ].join('\n');
    assert.equal(goJson(value), expected);
  });

  it('writes scalars and empty containers on one line, without a trailing newline', () => {
    assert.equal(goJson(null), 'null');
    assert.equal(goJson([]), '[]');
    assert.equal(goJson({}), '{}');
    assert.equal(goJson(42), '42');
    assert.equal(goJson('s'), '"s"');
  });

  it('round-trips through JSON.parse with key order preserved', () => {
    const value: JsonValue = { z: [{ y: 'a"b\\c' }], a: { m: [1, 2, 3] } };
    const text = goJson(value);
    assert.deepEqual(JSON.parse(text), value);
    assert.deepEqual(Object.keys(JSON.parse(text) as object), ['z', 'a']);
  });
});

describe('quoteGoString (encoding/json HTML-safe escaping)', () => {
  const cases: [string, string, string][] = [
    ['plain text', 'nginx.marathon.mesos.', '"nginx.marathon.mesos."'],
    ['HTML characters as \\u escapes', '<a&b>', '"\\u003ca\\u0026b\\u003e"'],
    ['quote and backslash', 'a"b\\c', '"a\\"b\\\\c"'],
    ['newline, return and tab short forms', 'a\nb\rc\td', '"a\\nb\\rc\\td"'],
    ['other control characters as lower-case \\u00xx', '\u0001\b\f\u001f', '"\\u0001\\u0008\\u000c\\u001f"'],
    ['line and paragraph separators escaped', '\u2028\u2029', '"\\u2028\\u2029"'],
    ['non-ASCII copied as is', 'café ☃', '"café ☃"'],
    ['astral pairs copied as is', '😀', '"😀"'],
    ['a lone surrogate becomes U+FFFD', 'a\ud800b\udc00', '"a\ufffdb\ufffd"'],
  ];
  for (const [label, input, expected] of cases) {
    it(label, () => {
      assert.equal(quoteGoString(input), expected);
      assert.equal(typeof JSON.parse(expected), 'string');
    });
  }
});

function materialise(value: StreamJsonValue): JsonValue {
  if (value instanceof LazyJsonArray) {
    const items: JsonValue[] = [];
    for (const item of value.items) if (item !== PAUSE) items.push(materialise(item));
    return items;
  }
  if (value instanceof LazyJsonObject) {
    const out: Record<string, JsonValue> = {};
    for (const entry of value.entries) if (entry !== PAUSE) out[entry[0]] = materialise(entry[1]);
    return out;
  }
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return (value as StreamJsonValue[]).map(materialise);
  return Object.fromEntries(Object.entries(value as Record<string, StreamJsonValue>).map(([k, v]) => [k, materialise(v)]));
}

function sample(n: number): () => StreamJsonValue {
  return () => ({
    frameworks: lazyArray(
      (function* () {
        for (let f = 0; f < 3; f++) {
          yield lazyObject([
            [
              'tasks',
              lazyArray(
                (function* () {
                  for (let t = 0; t < n; t++) yield { name: `t${t}<&>`, id: `id-${f}-${t}`, records: t % 3 === 0 ? null : [{ name: 'a.', host: '192.0.2.1', rtype: 'A' }] };
                })(),
              ),
            ],
            ['name', `fw${f}`],
          ]);
        }
      })(),
    ),
    empty: lazyArray([]),
    emptyObject: lazyObject([]),
  });
}

describe('streamGoJson', () => {
  it('produces exactly what goJson produces for the materialised value', () => {
    const make = sample(500);
    const streamed = [...streamGoJson(make(), { chunkSize: 1024 })].join('');
    assert.equal(streamed, goJson(materialise(make())));
  });

  it('hands out bounded chunks rather than one big string', () => {
    const chunks = [...streamGoJson(sample(2000)(), { chunkSize: 4096 })];
    assert.ok(chunks.length > 10, `expected many chunks, got ${chunks.length}`);
    for (const chunk of chunks) assert.ok(chunk.length < 4096 + 512, `chunk of ${chunk.length} characters`);
  });

  it('hands out what it has (maybe nothing) at every PAUSE so the consumer can yield to the event loop', () => {
    const value = lazyObject([PAUSE, ['a', 1], PAUSE, PAUSE, ['b', lazyArray([PAUSE, 2])]]);
    const chunks = [...streamGoJson(value, { chunkSize: 1 << 20 })];
    assert.equal(chunks.length, 5, 'one chunk per PAUSE plus the rest');
    assert.equal(chunks[0], '');
    assert.equal(chunks[2], '');
    assert.equal(chunks.join(''), goJson({ a: 1, b: [2] }));
  });

  it('renders empty lazy containers as [] and {}', () => {
    assert.equal([...streamGoJson({ a: lazyArray([]), b: lazyObject([]) })].join(''), goJson({ a: [], b: {} }));
  });
});
