// sameTask (src/records/same-task.ts) answers as util.isDeepStrictEqual for every change to any
// field of a task, so the incremental tables' cheaper comparison misses nothing.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isDeepStrictEqual } from 'node:util';
import { sameTask } from '../../../src/records/same-task.js';
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
        timestamp: 2,
        labels: [{ key: 'Docker.NetworkSettings.IPAddress', value: '172.17.0.2' }],
        networkInfos: [{ ipAddresses: ['192.0.2.1', '2001:db8::1'], ipAddress: '192.0.2.9' }],
        healthy: true,
      },
    ],
    discovery: { name: 'web', ports: [{ number: 31000, protocol: 'tcp', name: 'http' }] },
  };
}

type Path = (string | number)[];

/** Every leaf of a value (and every list, to grow or shrink it), as paths. */
function paths(value: unknown, at: Path = []): Path[] {
  if (Array.isArray(value)) return [at, ...value.flatMap((v, i) => paths(v, [...at, i]))];
  if (typeof value === 'object' && value !== null) return Object.entries(value).flatMap(([k, v]) => paths(v, [...at, k]));
  return [at];
}

/** A copy of `value` with the thing at `path` changed: a leaf to another value, a list to one item more. */
function changed(value: unknown, path: Path, variant: number): unknown {
  if (path.length === 0) {
    if (Array.isArray(value)) return variant === 0 ? [...value, value[0] ?? 'x'] : value.slice(1);
    const others: unknown[] = [`${String(value)}x`, 7, null, undefined, true, -0, Number.NaN];
    return others[variant % others.length];
  }
  const [head, ...rest] = path;
  if (Array.isArray(value)) return value.map((v, i) => (i === head ? changed(v, rest, variant) : v));
  const object = value as Record<string, unknown>;
  return { ...object, [head as string]: changed(object[head as string], rest, variant) };
}

describe('sameTask', () => {
  it('answers as isDeepStrictEqual for every change to every field', () => {
    const task = rich();
    let differing = 0;
    for (const path of paths(task)) {
      for (let variant = 0; variant < 7; variant++) {
        const other = changed(structuredClone(task), path, variant) as Task;
        const expected = isDeepStrictEqual(task, other);
        if (!expected) differing++;
        assert.equal(sameTask(task, other), expected, `${path.join('.')} variant ${variant}`);
        assert.equal(sameTask(other, task), expected, `${path.join('.')} variant ${variant}, swapped`);
      }
    }
    assert.ok(differing > 100, `${differing} changes compared`);
    assert.ok(sameTask(task, structuredClone(task)));
    assert.ok(sameTask({ ...task, discovery: null }, { ...structuredClone(task), discovery: null }));
  });
});
