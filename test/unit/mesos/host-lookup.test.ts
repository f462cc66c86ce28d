import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHostLookup, hostsToResolve } from '../../../src/mesos/host-lookup.js';
import type { MesosState } from '../../../src/records/state-types.js';

test('quirk #33: host names resolve through the system resolver (localhost via /etc/hosts)', async () => {
  const lookup = createHostLookup();
  const r = await lookup.resolve(['localhost', '192.0.2.1']);
  assert.ok(r.get('localhost')?.includes('127.0.0.1'));
  assert.equal(r.has('192.0.2.1'), false, 'IP literals are not looked up');
});

test('quirk #33: a lookup that hangs costs at most the timeout and yields no address', async () => {
  const lookup = createHostLookup({ timeoutMs: 50, lookup: () => new Promise(() => {}) });
  const t0 = performance.now();
  const r = await lookup.resolve(['slow.invalid', 'slow2.invalid']);
  assert.ok(performance.now() - t0 < 1000);
  assert.deepEqual(r.get('slow.invalid'), []);
  assert.equal(lookup.stats.timeouts, 2);
});

test('answers are cached for cacheMs, then looked up again', async () => {
  let t = 0;
  let calls = 0;
  const lookup = createHostLookup({
    cacheMs: 1000,
    now: () => t,
    lookup: async () => {
      calls++;
      return ['192.0.2.7', 'not-an-ip'];
    },
  });
  assert.deepEqual((await lookup.resolve(['a.test'])).get('a.test'), ['192.0.2.7']);
  await lookup.resolve(['a.test']);
  assert.equal(calls, 1);
  t = 1001;
  await lookup.resolve(['a.test']);
  assert.equal(calls, 2);
});

test('hostsToResolve: framework pid host (or hostname without pid) and agent pid hosts, never IPs', () => {
  const state: MesosState = {
    leader: 'master@192.0.2.1:5050',
    frameworks: [
      { name: 'a', pid: { host: 'sched.test', port: '1' }, pidInvalid: false, hostname: 'ignored.test', tasks: [] },
      { name: 'b', pid: null, pidInvalid: false, hostname: 'nopid.test', tasks: [] },
      { name: 'c', pid: null, pidInvalid: true, hostname: 'bad.test', tasks: [] },
      { name: 'd', pid: { host: '192.0.2.9', port: '1' }, pidInvalid: false, hostname: '', tasks: [] },
    ],
    slaves: [
      { id: 's1', pid: { host: 'agent.test', port: '5051' }, hostname: 'agent.test' },
      { id: 's2', pid: { host: '2001:db8::1', port: '5051' }, hostname: '' },
    ],
  };
  assert.deepEqual([...hostsToResolve(state)].sort(), ['agent.test', 'nopid.test', 'sched.test']);
});
