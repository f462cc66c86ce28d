// A compact task (src/records/compact-task.ts) expands to exactly the task compacted, and two compact
// tasks are the same exactly when the tasks are deeply equal: for every change to any field, so the
// stream's model and tables, which compare compact tasks, miss no change.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isDeepStrictEqual } from 'node:util';
import { compactTask, expandTask, sameCompactTask } from '../../../src/records/compact-task.js';
import type { Task } from '../../../src/records/state-types.js';

function rich(): Task {
  return {
    id: 'web.1',
    name: 'web',
    slaveId: 'S1',
    state: 'TASK_RUNNING',
    ports: '[31000-31001]',
    statuses: [
      { state: 'TASK_STARTING', timestamp: 1, labels: [], networkInfos: [], healthy: undefined },
      {
        state: 'TASK_RUNNING',
        timestamp: 2.5,
        labels: [{ key: 'Docker.NetworkSettings.IPAddress', value: '172.17.0.2' }],
        networkInfos: [{ ipAddresses: ['192.0.2.1', '2001:db8::1'], ipAddress: '192.0.2.9' }],
        healthy: true,
      },
    ],
    discovery: { name: 'web-api', ports: [{ number: 31000, protocol: 'tcp', name: 'http' }] },
  };
}

const KEY = 'F\0web.1';

type Path = (string | number)[];

/** Every leaf of a value (and every list, to grow or shrink it), as paths. */
function paths(value: unknown, at: Path = []): Path[] {
  if (Array.isArray(value)) return [at, ...value.flatMap((v, i) => paths(v, [...at, i]))];
  if (typeof value === 'object' && value !== null) return Object.entries(value).flatMap(([k, v]) => paths(v, [...at, k]));
  return [at];
}

const NUMBERS = [0, -0, 7, 2.5000000001, -Infinity, Infinity, Number.NaN, 1e21];
const TEXTS = ['', 'x', 'web', '"\\\n\u00e9\u{1f600}', 'null'];

/** A copy of `value` with the thing at `path` changed to another value of its type: a list grown or shrunk. */
function changed(value: unknown, path: Path, variant: number): unknown {
  if (path.length === 0) {
    // (An empty list stays as it is: the same list in the other status grows.)
    if (Array.isArray(value)) return variant % 2 === 0 && value.length > 0 ? [...value, value[0]] : value.slice(1);
    if (typeof value === 'number') return NUMBERS[variant % NUMBERS.length];
    if (typeof value === 'string') return TEXTS[variant % TEXTS.length];
    if (value === null || (typeof value === 'object' && 'ports' in value)) return variant % 2 === 0 ? null : { name: 'x', ports: [] };
    return [true, false, undefined][variant % 3];
  }
  const [head, ...rest] = path;
  if (Array.isArray(value)) return value.map((v, i) => (i === head ? changed(v, rest, variant) : v));
  const object = value as Record<string, unknown>;
  return { ...object, [head as string]: changed(object[head as string], rest, variant) };
}

describe('compact tasks', () => {
  it('expand to the very task compacted, and are the same exactly when the tasks are equal, for every change to every field', () => {
    const task = rich();
    let differing = 0;
    for (const path of [...paths(task), ['discovery']]) {
      for (let variant = 0; variant < NUMBERS.length; variant++) {
        const other = changed(structuredClone(task), path, variant) as Task;
        assert.deepStrictEqual(expandTask(compactTask(other, KEY)), other, `${path.join('.')} variant ${variant}`);
        const expected = isDeepStrictEqual(task, other);
        if (!expected) differing++;
        assert.equal(sameCompactTask(compactTask(task, KEY), compactTask(other, KEY)), expected, `${path.join('.')} variant ${variant}`);
      }
    }
    assert.ok(differing > 100, `${differing} changes compared`);
  });

  it('keep the name records go under: the discovery name when there is one, else the name', () => {
    assert.equal(compactTask(rich(), KEY).recordName, 'web-api');
    assert.equal(compactTask({ ...rich(), discovery: { name: '', ports: [] } }, KEY).recordName, 'web');
    assert.equal(compactTask({ ...rich(), discovery: null }, KEY).recordName, 'web');
  });
});
