// A record read as its pieces arrive (readOperatorRecordInPieces, src/mesos/operator-reader.ts, with
// the splitter of src/mesos/record-splitter.ts) gives exactly what reading the whole record gives, for
// random snapshots cut into random pieces (one byte at a time included), any layout JSON allows
// (whitespace, member order, repeated keys, odd types), and refuses exactly what JSON.parse refuses.
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { readOperatorRecord, readOperatorRecordInPieces, type OperatorEvent, type OperatorTask } from '../../../src/mesos/operator-reader.js';
import { RecordSplitter } from '../../../src/mesos/record-splitter.js';
import { checkDamagedRecords } from '../../helpers/damaged-json.js';
import { randomOperatorTask } from '../../helpers/random-operator-task.js';
import { seededRandom } from '../../helpers/seeded-random.js';

type Doc = Record<string, unknown>;

/** Reads `bytes` in pieces of random sizes (up to `maxPiece`). */
function readInPieces(bytes: Uint8Array, random: () => number, maxPiece: number, keep?: (t: OperatorTask) => OperatorTask): OperatorEvent {
  const reader = keep ? readOperatorRecordInPieces({ keep }) : readOperatorRecordInPieces();
  for (let at = 0; at < bytes.length; ) {
    const size = 1 + Math.floor(random() * maxPiece);
    // Each piece in a buffer of its own, as they arrive from the serving thread.
    reader.push(Uint8Array.from(bytes.subarray(at, at + size)));
    at += size;
  }
  return reader.finish();
}

function randomSnapshot(random: () => number, n: number): unknown {
  const tasks = Array.from({ length: Math.floor(random() * 30) }, (_, i) => randomOperatorTask(random, n * 100 + i));
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const getTasks: Doc = { tasks };
  if (random() < 0.5) getTasks['completed_tasks'] = tasks.slice(0, 3);
  if (random() < 0.2) getTasks['orphan_tasks'] = [];
  const getState: Doc = {
    get_frameworks: { frameworks: [{ framework_info: { id: { value: 'F' }, name: 'marathon', hostname: 'm' } }], completed_frameworks: [{ framework_info: { id: { value: 'G' } } }] },
    get_agents: { agents: [{ agent_info: { id: { value: 'S1' }, hostname: 'h1' }, pid: 'slave(1)@192.0.2.1:5051' }], recovered_agents: [{ id: { value: 'S2' } }] },
    get_executors: { executors: [{ executor_info: { executor_id: { value: 'e' }, command: { value: 'x' } } }, 5, 'x'] },
    get_tasks: getTasks,
  };
  // Odd shapes now and then: elements that are not tasks, a task list that is not a list, repeated keys (written below).
  if (random() < 0.1) tasks.push(pick([7, 'text', null, [1, [2]], { task_id: 3 }]) as Doc);
  if (random() < 0.05) getTasks['tasks'] = pick([{}, 'x', null, 3]);
  const record = { type: 'SUBSCRIBED', subscribed: { get_state: getState }, heartbeat_interval_seconds: 15 };
  return random() < 0.5 ? record : { subscribed: record.subscribed, type: 'SUBSCRIBED' };
}

describe('reading a record in pieces', () => {
  it('gives what the whole record gives, for random snapshots in random pieces', () => {
    const random = seededRandom(11);
    for (let n = 0; n < 300; n++) {
      const value = randomSnapshot(random, n);
      const text = random() < 0.3 ? JSON.stringify(value, null, random() < 0.5 ? 2 : '\t') : JSON.stringify(value);
      const bytes = Buffer.from(text);
      const whole = readOperatorRecord(bytes);
      assert.deepEqual(readInPieces(bytes, random, n % 10 === 0 ? 1 : 1 + Math.floor(random() * 600)), whole, text.slice(0, 300));
    }
  });

  it('follows JSON: a repeated key counts at its last occurrence, whatever its value', () => {
    const task = (id: string): Doc => ({ task_id: { value: id }, framework_id: { value: 'F' }, state: 'TASK_RUNNING' });
    const texts = [
      `{"type":"SUBSCRIBED","subscribed":{"get_state":{"get_tasks":{"tasks":[${JSON.stringify(task('a'))}],"tasks":[${JSON.stringify(task('b'))}]}}}}`,
      `{"type":"SUBSCRIBED","subscribed":{"get_state":{"get_tasks":{"tasks":[${JSON.stringify(task('a'))}]},"get_tasks":{}}}}`,
      `{"type":"SUBSCRIBED","subscribed":{"get_state":{"get_tasks":{"tasks":[${JSON.stringify(task('a'))}]}}},"subscribed":null}`,
      `{"type":"SUBSCRIBED","subscribed":{"get_state":{"get_tasks":{"tasks":[${JSON.stringify(task('a'))}]}},"get_state":{"get_tasks":{"tasks":[]}}}}`,
      `{"type":"SUBSCRIBED","subscr\\u0069bed":{"get_state":{"get_tasks":{"t\\u0061sks":[${JSON.stringify(task('c'))}]}}}}`,
      `{"type":"TASK_ADDED","task_added":{"task":${JSON.stringify(task('d'))}},"subscribed":{"get_state":{"get_tasks":{"tasks":[${JSON.stringify(task('e'))}]}}}}`,
      `{"subscribed":{"get_state":{"get_tasks":{"tasks":[ ${JSON.stringify(task('f'))} , "x" ,12 ,{} ]}}} , "type" : "SUBSCRIBED" }`,
    ];
    const random = seededRandom(3);
    for (const text of texts) {
      const bytes = Buffer.from(text);
      for (const maxPiece of [1, 7, 1000]) assert.deepEqual(readInPieces(bytes, random, maxPiece), readOperatorRecord(bytes), text);
    }
  });

  it("keeps what the reader's keep returns for each task", () => {
    const subscribed = Buffer.from(readFileSync(new URL('../../../../fixtures/operator-api/subscribed.json', import.meta.url), 'utf8'));
    const seen: string[] = [];
    const held = new Map<string, OperatorTask>();
    const keep = (t: OperatorTask): OperatorTask => {
      seen.push(t.task.id);
      const kept = held.get(t.task.id) ?? t;
      held.set(t.task.id, kept);
      return kept;
    };
    const first = readInPieces(subscribed, seededRandom(1), 50, keep);
    const second = readInPieces(subscribed, seededRandom(2), 50, keep);
    assert.deepEqual(seen, ['web.1', 'db.1', 'old.1', 'web.1', 'db.1', 'old.1']);
    assert.ok(first.type === 'SUBSCRIBED' && second.type === 'SUBSCRIBED');
    first.snapshot.tasks.forEach((t, i) => assert.equal(second.snapshot.tasks[i], t, 'the object keep returned'));
  });

  it('refuses exactly what JSON.parse refuses, with JsonSyntaxError only', () => {
    const random = seededRandom(8);
    const records = [
      Buffer.from(JSON.stringify(JSON.parse(readFileSync(new URL('../../../../fixtures/operator-api/subscribed.json', import.meta.url), 'utf8')))),
      ...Array.from({ length: 5 }, (_, n) => Buffer.from(JSON.stringify(randomSnapshot(random, n)))),
    ];
    const valid = checkDamagedRecords(records, 6000, random, (record) => void readInPieces(record, random, 1 + Math.floor(random() * 300)));
    assert.ok(valid > 300, `${valid} damaged records were still JSON`);
  });
});

describe('RecordSplitter', () => {
  it('cuts out each element of the chosen arrays and keeps the rest, with those arrays empty', () => {
    const random = seededRandom(4);
    for (let n = 0; n < 50; n++) {
      const value = randomSnapshot(random, n) as { subscribed: { get_state: { get_tasks: Doc; get_executors: Doc } } };
      const bytes = Buffer.from(JSON.stringify(value, null, n % 2 === 0 ? 1 : undefined));
      const tasks: unknown[] = [];
      const executors: unknown[] = [];
      const splitter = new RecordSplitter([
        { path: ['subscribed', 'get_state', 'get_tasks', 'tasks'], onElement: (b) => tasks.push(JSON.parse(Buffer.from(b).toString())), onReset: () => (tasks.length = 0) },
        { path: ['subscribed', 'get_state', 'get_executors', 'executors'], onElement: (b) => executors.push(JSON.parse(Buffer.from(b).toString())), onReset: () => undefined },
      ]);
      for (let at = 0; at < bytes.length; at += 1 + (n % 13)) splitter.push(bytes.subarray(at, at + 1 + (n % 13)));
      const { get_tasks: getTasks, get_executors: getExecutors } = value.subscribed.get_state;
      assert.deepEqual(tasks, Array.isArray(getTasks['tasks']) ? getTasks['tasks'] : []);
      assert.deepEqual(executors, getExecutors['executors']);
      if (Array.isArray(getTasks['tasks'])) getTasks['tasks'] = [];
      getExecutors['executors'] = [];
      assert.deepEqual(JSON.parse(Buffer.from(splitter.finish()).toString()), value);
    }
  });
});
