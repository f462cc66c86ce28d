// The selective state parser (src/mesos/parse-state.ts, straight from bytes) against the reference it
// replaced (JSON.parse of the whole text, then an object walk: test/helpers/reference-parse-state.ts):
// the same state and the same problems, in the same order, for every fixture state, a generated
// cluster and thousands of seeded mutations of them (wrong types everywhere, repeated keys, escapes,
// unknown members); and invalid JSON exactly when JSON.parse rejects the text.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { describe, it } from 'node:test';
import { generateState } from '../../../bench/lib/generate-state.js';
import { leaderOfDocument } from '../../../src/mesos/fetch-all.js';
import { parseStateBytes, scanState } from '../../../src/mesos/parse-state.js';
import { parseState as referenceParseState } from '../../helpers/reference-parse-state.js';
import { seededRandom } from '../../helpers/seeded-random.js';

const FIXTURES = new URL('../../../../fixtures/', import.meta.url);

function fixtureTexts(): [string, string][] {
  const states = readdirSync(new URL('states/', FIXTURES)).filter((f) => f.endsWith('.json'));
  return [
    ['embedded/state.json', readFileSync(new URL('embedded/state.json', FIXTURES), 'utf8')],
    ...states.map((f): [string, string] => [`states/${f}`, readFileSync(new URL(`states/${f}`, FIXTURES), 'utf8')]),
  ];
}

/** What the server did before: JSON.parse, then the object walk; invalid JSON is a failure. */
function reference(text: string): ReturnType<typeof referenceParseState> | 'invalid JSON' {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return 'invalid JSON';
  }
  return referenceParseState(doc);
}

function assertSame(bytes: Buffer, label: string): void {
  const text = bytes.toString('utf8');
  const expected = reference(text);
  const scanned = scanState(bytes);
  if (expected === 'invalid JSON') {
    assert.equal(scanned.invalidJson, true, `${label}: JSON.parse rejects it, the scanner must too`);
    assert.equal(scanned.result.ok, false);
    return;
  }
  assert.equal(scanned.invalidJson, false, `${label}: JSON.parse accepts it: ${scanned.result.ok ? '' : scanned.result.error}`);
  assert.deepStrictEqual(scanned.result, expected, label);
  assert.equal(scanned.leaderAnyCase, leaderOfDocument(JSON.parse(text)), `${label}: leader for fetchAll`);
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A random JSON value of any type, shallow enough to stay readable. */
function randomValue(random: () => number, depth = 0): Json {
  const pick = Math.floor(random() * (depth > 1 ? 6 : 9));
  switch (pick) {
    case 0:
      return null;
    case 1:
      return random() < 0.5;
    case 2:
      return [0, -1, 1.5, 1e21, 80, 65536, 2 ** 53, -0][Math.floor(random() * 8)] as number;
    case 3:
      return ['', 'TASK_RUNNING', 'x@192.0.2.1:1', '[31000-31001]', 'web', 'tcp', '\ud800', '\u00e9\u2028', '"quoted"', '10.0.0.1'][
        Math.floor(random() * 10)
      ] as string;
    case 4:
    case 5:
      return `s${Math.floor(random() * 100)}`;
    case 6:
      return [randomValue(random, depth + 1), randomValue(random, depth + 1)];
    case 7:
      return {};
    default:
      return { ip_address: randomValue(random, depth + 1), number: 80, name: 'n', key: 'k', value: 'v' };
  }
}

/** Every [container, key] in a document, objects and arrays alike. */
function slots(doc: Json, out: [Json[] | { [key: string]: Json }, string | number][] = []): typeof out {
  if (Array.isArray(doc)) doc.forEach((v, i) => (out.push([doc, i]), slots(v, out)));
  else if (doc !== null && typeof doc === 'object') for (const [k, v] of Object.entries(doc)) out.push([doc, k]), slots(v, out);
  return out;
}

const FIELDS = ['id', 'name', 'slave_id', 'state', 'pid', 'hostname', 'tasks', 'statuses', 'labels', 'key', 'value', 'timestamp', 'container_status', 'network_infos', 'ip_addresses', 'ip_address', 'discovery', 'ports', 'number', 'protocol', 'resources'];

/** Several members of one object at once (so the order problems are reported in shows). */
function mutateMembers(doc: Json, random: () => number): Json {
  const copy = structuredClone(doc);
  const objects = slots(copy)
    .map(([container, key]) => (Array.isArray(container) ? container[key as number] : container[key as string]) as Json)
    .filter((v): v is { [key: string]: Json } => v !== null && typeof v === 'object' && !Array.isArray(v));
  const target = objects[Math.floor(random() * objects.length)];
  if (!target) return copy;
  for (const field of FIELDS) if (random() < 0.3) target[field] = randomValue(random);
  return copy;
}

/** A few random edits of a document: values replaced or removed, members added. */
function mutate(doc: Json, random: () => number): Json {
  if (random() < 0.3) return mutateMembers(doc, random);
  const copy = structuredClone(doc);
  const edits = 1 + Math.floor(random() * 3);
  for (let e = 0; e < edits; e++) {
    const all = slots(copy);
    if (all.length === 0) break;
    const [container, key] = all[Math.floor(random() * all.length)] as (typeof all)[number];
    const action = random();
    if (Array.isArray(container)) {
      if (action < 0.2) container.splice(key as number, 1);
      else container[key as number] = randomValue(random);
    } else if (action < 0.2) delete container[key as string];
    else if (action < 0.3) container[['extra', 'pid', 'labels', 'statuses', 'container_status', 'discovery', 'resources'][Math.floor(random() * 7)] as string] = randomValue(random);
    else container[key as string] = randomValue(random);
  }
  return copy;
}

/** Text-level edits JSON.stringify never makes: a repeated key, escapes in keys and values, whitespace. */
function textVariants(text: string, random: () => number): string[] {
  const keys = [...text.matchAll(/"([a-z_]+)":/g)];
  const out: string[] = [];
  const match = keys[Math.floor(random() * keys.length)];
  if (match?.index !== undefined) {
    const at = match.index;
    const key = match[1] as string;
    out.push(`${text.slice(0, at)}"${key}":${JSON.stringify(randomValue(random))},${text.slice(at)}`);
    out.push(`${text.slice(0, at)}"\\u00${key.charCodeAt(0).toString(16)}${key.slice(1)}":${text.slice(at + key.length + 3)}`);
    out.push(`${text.slice(0, at)}"${key.toUpperCase()}":1,${text.slice(at)}`);
  }
  out.push(` \n\t${text.replaceAll(',"', ' ,\r\n "')}\n`);
  out.push(text.replaceAll('a', '\\u0061'));
  return out;
}

/** Byte-level damage: what a truncated or corrupted body looks like. */
function damage(bytes: Buffer, random: () => number): Buffer {
  const out = Buffer.from(bytes);
  const at = Math.floor(random() * out.length);
  const kind = random();
  const noise = [0x00, 0x1f, 0x22, 0x2c, 0x3a, 0x5b, 0x5d, 0x7b, 0x7d, 0x5c, 0x2d, 0x30, 0x65, 0x2e, 0x80, 0xc3, 0xe2, 0xff, 0x20, 0x75];
  const byte = noise[Math.floor(random() * noise.length)] as number;
  if (kind < 0.3) return out.subarray(0, at);
  if (kind < 0.6) {
    out[at] = byte;
    return out;
  }
  if (kind < 0.8) return Buffer.concat([out.subarray(0, at), Buffer.from([byte]), out.subarray(at)]);
  return Buffer.concat([out.subarray(0, at), out.subarray(at + 1)]);
}

describe('selective parser = JSON.parse + the object walk it replaced', () => {
  for (const [name, text] of fixtureTexts()) {
    it(`fixture ${name}`, () => assertSame(Buffer.from(text), name));
  }

  it('a generated 2,000-task cluster', () => {
    assertSame(Buffer.from(JSON.stringify(generateState({ agents: 200, tasks: 2000, seed: 7 }))), 'generated');
  });

  it('seeded mutations of every fixture: wrong types, removals, additions', () => {
    const random = seededRandom(20260108);
    const docs = [...fixtureTexts().map(([, t]) => JSON.parse(t) as Json), generateState({ agents: 5, tasks: 20, seed: 3 }) as Json];
    let checked = 0;
    for (const doc of docs) {
      for (let i = 0; i < 250; i++) {
        const mutated = mutate(doc, random);
        assertSame(Buffer.from(JSON.stringify(mutated)), `mutation ${i} of ${JSON.stringify(mutated).slice(0, 80)}`);
        checked++;
      }
    }
    assert.ok(checked >= 1500);
  });

  it('repeated keys, escaped keys, other spellings of keys and whitespace', () => {
    const random = seededRandom(7);
    for (const [name, text] of fixtureTexts()) {
      const compact = JSON.stringify(JSON.parse(text));
      for (let i = 0; i < 60; i++) {
        for (const variant of textVariants(compact, random)) assertSame(Buffer.from(variant), `${name} variant`);
      }
    }
  });

  it('non-objects, a missing or odd leader, raw UTF-8 and invalid UTF-8 inside strings', () => {
    const cases = [
      '[]', '"state"', '42', 'null', 'true', '{}', '{"leader":""}', '{"leader":5}', '{"Leader":"m@h:1"}',
      '{"LEADER":"a@h:1","leader":"b@h:2","LEADER":"c@h:3"}', '{"leader":"m@192.0.2.1:1","frameworks":[{"name":"caf\u00e9 \ud83d\ude00"}]}',
      '{"leader":"m@192.0.2.1:1","slaves":[{"id":"s\\ud800","pid":"slave@192.0.2.2:5051"}]}',
      '{"leader":"m@192.0.2.1:1","frameworks":null,"slaves":null}',
      '{"leader":"m@192.0.2.1:1","frameworks":[{"pid":{"a":[1,{"b":null}]}}]}',
    ];
    for (const text of cases) assertSame(Buffer.from(text), text);
    const invalidUtf8 = Buffer.concat([Buffer.from('{"leader":"m@192.0.2.1:1","frameworks":[{"name":"a'), Buffer.from([0xe2, 0x82, 0xc3, 0xff]), Buffer.from('b"}]}')]);
    assertSame(invalidUtf8, 'invalid UTF-8 in a string');
    const truncatedSequence = Buffer.concat([Buffer.from('{"leader":"m@192.0.2.1:1","frameworks":[{"name":"a'), Buffer.from([0xe2, 0x82]), Buffer.from('"}]}')]);
    assertSame(truncatedSequence, 'a truncated UTF-8 sequence before the closing quote');
  });

  it('invalid JSON anywhere, including in parts the records do not need, fails the whole state', () => {
    const cases = [
      '', ' ', '{', '{"leader": "a@b:1",}', '{"leader":"m@192.0.2.1:1","flags":{"a":[1,2,]}}', '{"leader":"m@192.0.2.1:1","x":01}',
      '{"leader":"m@192.0.2.1:1","x":"\u0001"}', '{"leader":"m@192.0.2.1:1","x":"\\x"}', '{"leader":"m@192.0.2.1:1","x":"\\u12"}',
      '{"leader":"m@192.0.2.1:1"} x', '[] []', 'nul', '{"leader":"m@192.0.2.1:1","x":1.}', '{"leader":"m@192.0.2.1:1","x":-}',
      '{"leader":"m@192.0.2.1:1","x":.5}', '{"leader":"m@192.0.2.1:1","x":+1}', '{"leader":"m@192.0.2.1:1","x":1e}', '{"leader" "m@h:1"}',
      '\ufeff{"leader":"m@192.0.2.1:1"}', `{"leader":"m@192.0.2.1:1","deep":${'['.repeat(100_000)}${']'.repeat(100_000)}}`,
      `{"leader":"m@192.0.2.1:1","deep":${'['.repeat(100_000)}${']'.repeat(99_999)}}`,
    ];
    for (const text of cases) assertSame(Buffer.from(text), JSON.stringify(text.slice(0, 60)));
    const invalid = parseStateBytes(Buffer.from('{"leader": "a@b:1",}'));
    assert.ok(!invalid.ok && /not valid JSON/.test(invalid.error));
  });

  it('seeded byte damage to small states: rejected exactly when JSON.parse rejects, else the same state', () => {
    const random = seededRandom(99);
    const texts = fixtureTexts().map(([, t]) => Buffer.from(JSON.stringify(JSON.parse(t))));
    let rejected = 0;
    for (let i = 0; i < 1500; i++) {
      const damaged = damage(texts[i % texts.length] as Buffer, random);
      assertSame(damaged, `damage ${i}`);
      if (scanState(damaged).invalidJson) rejected++;
    }
    // Both outcomes must occur, or the damage tests nothing.
    assert.ok(rejected > 250 && rejected < 1500, `rejected ${rejected}`);
  });
});
