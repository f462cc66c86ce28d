// Parsing the master state (behaviour §1.4) tolerantly: a malformed part loses only itself and is
// reported (behaviour §8 #14, #17, #18 FIX), unknown fields are ignored, and nothing is resolved.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';

import { splitStandardHostPort } from '../../../src/mesos/host-port.js';
import { parseState, parseStateText, parseUpid } from '../../../src/mesos/parse-state.js';
import type { MesosState, StateProblem } from '../../../src/records/state-types.js';

type Doc = Record<string, unknown>;

function base(): Doc {
  return {
    leader: 'master@127.0.0.1:5050',
    frameworks: [
      {
        name: 'marathon',
        pid: 'scheduler(1)@192.0.2.2:25501',
        hostname: 'sched',
        tasks: [
          {
            id: 'web.1',
            name: 'web',
            slave_id: 'agent-S0',
            state: 'TASK_RUNNING',
            resources: { ports: '[80-81]' },
            statuses: [
              {
                state: 'TASK_RUNNING',
                timestamp: 1.5,
                healthy: false,
                labels: [{ key: 'k', value: 'v' }],
                container_status: { network_infos: [{ ip_addresses: [{ ip_address: '192.0.2.40' }], ip_address: '' }] },
              },
            ],
            discovery: { name: 'web', ports: { ports: [{ number: 80, protocol: 'tcp', name: 'http' }] } },
          },
        ],
      },
    ],
    slaves: [{ id: 'agent-S0', pid: 'slave(1)@192.0.2.20:5051', hostname: 'agent0' }],
  };
}

function parsed(doc: unknown): { state: MesosState; problems: readonly StateProblem[] } {
  const result = parseState(doc);
  if (!result.ok) throw new Error(`rejected: ${result.error}`);
  return result;
}

describe('parseState: whole-document checks', () => {
  it('parses every consumed field', () => {
    const { state, problems } = parsed(base());
    assert.deepEqual(problems, []);
    assert.deepEqual(state, {
      leader: 'master@127.0.0.1:5050',
      frameworks: [
        {
          name: 'marathon',
          pid: { host: '192.0.2.2', port: '25501' },
          pidInvalid: false,
          hostname: 'sched',
          tasks: [
            {
              id: 'web.1',
              name: 'web',
              slaveId: 'agent-S0',
              state: 'TASK_RUNNING',
              ports: '[80-81]',
              statuses: [
                {
                  state: 'TASK_RUNNING',
                  timestamp: 1.5,
                  labels: [{ key: 'k', value: 'v' }],
                  networkInfos: [{ ipAddresses: ['192.0.2.40'], ipAddress: '' }],
                  healthy: false,
                },
              ],
              discovery: { name: 'web', ports: [{ number: 80, protocol: 'tcp', name: 'http' }] },
            },
          ],
        },
      ],
      slaves: [{ id: 'agent-S0', pid: { host: '192.0.2.20', port: '5051' }, hostname: 'agent0' }],
    });
  });

  it('a document that is not an object is rejected', () => {
    for (const doc of [null, undefined, [], 'state', 42, true, [base()]]) {
      const result = parseState(doc);
      assert.equal(result.ok, false, JSON.stringify(doc));
    }
  });

  it('a state without a leader is rejected (missing, empty, null or not a string)', () => {
    for (const leader of [undefined, '', null, 5, { id: 'x' }]) {
      const doc = base();
      if (leader === undefined) delete doc.leader;
      else doc.leader = leader;
      const result = parseState(doc);
      assert.equal(result.ok, false, JSON.stringify(leader));
      if (!result.ok) assert.match(result.error, /leader/);
    }
  });

  it('a leader without "@" is accepted here (generation then makes no leader records)', () => {
    const doc = base();
    doc.leader = 'garbage';
    assert.equal(parsed(doc).state.leader, 'garbage');
  });

  it('parseStateText: invalid JSON is an error result, never an exception', () => {
    for (const text of ['', '{', '{"leader": "a@b:1",}', 'nul', '\u0000']) {
      const result = parseStateText(text);
      assert.equal(result.ok, false, JSON.stringify(text));
      if (!result.ok) assert.match(result.error, /JSON/);
    }
    assert.equal(parseStateText('[]').ok, false);
    assert.equal(parseStateText(JSON.stringify(base())).ok, true);
  });

  it('missing arrays are empty and missing strings are ""', () => {
    const { state, problems } = parsed({ leader: 'master@127.0.0.1:5050', frameworks: [{}], slaves: [{ id: 'a', pid: 'slave(1)@192.0.2.1:1' }] });
    assert.deepEqual(state.frameworks, [{ name: '', pid: null, pidInvalid: false, hostname: '', tasks: [] }]);
    assert.deepEqual(problems, []);
    const task = parsed({ leader: 'm@127.0.0.1:1', frameworks: [{ tasks: [{}] }] }).state.frameworks[0]?.tasks[0];
    assert.deepEqual(task, { id: '', name: '', slaveId: '', state: '', ports: '', statuses: [], discovery: null });
  });

  it('a missing timestamp decodes as 0', () => {
    const doc = base();
    const status = ((doc.frameworks as Doc[])[0]?.tasks as Doc[])[0]?.statuses as Doc[];
    delete status[0]?.timestamp;
    assert.equal(parsed(doc).state.frameworks[0]?.tasks[0]?.statuses[0]?.timestamp, 0);
  });

  it('unknown fields and ignored sections are not read', () => {
    const doc = base();
    doc.completed_frameworks = [{ name: 'old', pid: 'bad', tasks: [{ id: 'x', state: 'TASK_RUNNING' }] }];
    doc.unregistered_frameworks = ['x'];
    doc.orphan_tasks = [{ id: 'o', state: 'TASK_RUNNING' }];
    doc.flags = { zk: 'zk://...' };
    doc.version = 1.2;
    const fw = (doc.frameworks as Doc[])[0] as Doc;
    fw.completed_tasks = [{ id: 'done', state: 'TASK_RUNNING', slave_id: 'agent-S0' }];
    fw.unreachable_tasks = [{ id: 'lost', state: 'TASK_RUNNING' }];
    fw.offers = [];
    fw.resources = { cpus: 1 };
    const { state, problems } = parsed(doc);
    assert.deepEqual(problems, []);
    assert.deepEqual(state, parsed(base()).state);
  });
});

describe('text', () => {
  it('unpaired UTF-16 surrogates become U+FFFD, as Go decodes them; paired ones are kept', () => {
    const doc = base();
    fw(doc).name = 'fw\ud800';
    tk(doc).id = 'id\udc00x';
    tk(doc).slave_id = 'agent-S\ud800';
    tk(doc).discovery = { name: 'svc\udbff.\ud83d\ude00' };
    const { state } = parsed(doc);
    const task = state.frameworks[0]?.tasks[0];
    assert.equal(state.frameworks[0]?.name, 'fw\ufffd');
    assert.equal(task?.id, 'id\ufffdx');
    assert.equal(task?.slaveId, 'agent-S\ufffd');
    assert.equal(task?.discovery?.name, 'svc\ufffd.\ud83d\ude00');
  });
});

describe('PIDs', () => {
  it('quirk #17: a bad framework pid loses only its scheduler records (null, "", bad syntax)', () => {
    const bad: unknown[] = [null, '', 'no-at-sign', 'a@b@192.0.2.1:1', 'scheduler@192.0.2.1', 'scheduler@192.0.2.1:', 'scheduler@192.0.2.1:http', 'scheduler@192.0.2.1:65536', 'scheduler@2001:db8::1:5050', 5, {}];
    const doc = base();
    const good = (doc.frameworks as Doc[])[0] as Doc;
    doc.frameworks = [...bad.map((pid, i) => ({ ...good, name: `f${i}`, pid })), good];
    const { state, problems } = parsed(doc);
    assert.equal(state.frameworks.length, bad.length + 1);
    bad.forEach((pid, i) => {
      const f = state.frameworks[i];
      assert.equal(f?.pid, null, JSON.stringify(pid));
      assert.equal(f?.pidInvalid, true, JSON.stringify(pid));
      assert.equal(f?.tasks.length, 1, 'its tasks are kept');
    });
    assert.deepEqual(
      problems.map((p) => p.path),
      bad.map((_, i) => `frameworks[${i}].pid`),
    );
    assert.deepEqual(state.frameworks[bad.length]?.pid, { host: '192.0.2.2', port: '25501' });
    assert.equal(state.slaves.length, 1);
  });

  it('a missing framework pid is fine (hostname is used) and not a problem', () => {
    const doc = base();
    delete ((doc.frameworks as Doc[])[0] as Doc).pid;
    const { state, problems } = parsed(doc);
    assert.deepEqual(problems, []);
    assert.equal(state.frameworks[0]?.pid, null);
    assert.equal(state.frameworks[0]?.pidInvalid, false);
  });

  it('quirk #14: a slave without pid is skipped, never a crash (and reported)', () => {
    const doc = base();
    doc.slaves = [{ id: 'agent-S0', hostname: 'agent0' }, { id: 'agent-S1', pid: null }, { id: 'agent-S2', pid: 'slave(1)@192.0.2.22:5051' }];
    const { state, problems } = parsed(doc);
    assert.deepEqual(state.slaves.map((s) => [s.id, s.pid]), [
      ['agent-S0', null],
      ['agent-S1', null],
      ['agent-S2', { host: '192.0.2.22', port: '5051' }],
    ]);
    assert.deepEqual(problems.map((p) => p.path), ['slaves[0].pid', 'slaves[1].pid']);
  });

  it('quirk #18: PID host names are not resolved while parsing', () => {
    const doc = base();
    ((doc.frameworks as Doc[])[0] as Doc).pid = 'scheduler(1)@no-such-host.invalid:8080';
    doc.slaves = [{ id: 'agent-S0', pid: 'slave(1)@agent0.invalid:5051' }];
    const result = parseState(doc);
    // Synchronous and successful: nothing waited for DNS, and the text is kept for generation.
    assert.ok(!(result instanceof Promise));
    assert.ok(result.ok);
    assert.deepEqual(result.state.frameworks[0]?.pid, { host: 'no-such-host.invalid', port: '8080' });
    assert.deepEqual(result.state.slaves[0]?.pid, { host: 'agent0.invalid', port: '5051' });
    assert.deepEqual(result.problems, []);
  });

  it('bracketed IPv6 PIDs have their brackets removed', () => {
    const doc = base();
    ((doc.frameworks as Doc[])[0] as Doc).pid = 'scheduler(1)@[2001:db8::1]:25501';
    doc.slaves = [{ id: 'agent-S0', pid: 'slave(1)@[2001:db8::20]:5051' }];
    const { state } = parsed(doc);
    assert.deepEqual(state.frameworks[0]?.pid, { host: '2001:db8::1', port: '25501' });
    assert.deepEqual(state.slaves[0]?.pid, { host: '2001:db8::20', port: '5051' });
  });
});

describe('parseUpid', () => {
  const cases: [string, { host: string; port: string } | undefined][] = [
    ['master@127.0.0.1:5050', { host: '127.0.0.1', port: '5050' }],
    ['slave(1)@[2001:db8::1]:5051', { host: '2001:db8::1', port: '5051' }],
    ['scheduler-4f2b@sched.example.org:0', { host: 'sched.example.org', port: '0' }],
    ['@192.0.2.1:1', { host: '192.0.2.1', port: '1' }],
    // Surrounding quotes and spaces are trimmed (the raw JSON token rule).
    [' "master@192.0.2.1:5050" ', { host: '192.0.2.1', port: '5050' }],
    ['master@192.0.2.1:65535', { host: '192.0.2.1', port: '65535' }],
    ['', undefined],
    ['master', undefined],
    ['master@', undefined],
    ['master@192.0.2.1', undefined],
    ['master@192.0.2.1:', undefined],
    ['master@192.0.2.1:65536', undefined],
    ['master@192.0.2.1:-1', undefined],
    ['master@192.0.2.1:50 50', undefined],
    ['a@b@192.0.2.1:1', undefined],
    ['master@2001:db8::1:5050', undefined],
    ['master@[2001:db8::1]', undefined],
    ['master@[2001:db8::1]5050', undefined],
  ];
  for (const [input, expected] of cases) {
    it(`${JSON.stringify(input)} -> ${JSON.stringify(expected)}`, () => assert.deepEqual(parseUpid(input), expected));
  }
});

describe('splitStandardHostPort (the UPID host:port split)', () => {
  const cases: [string, { host: string; port: string } | undefined][] = [
    ['192.0.2.1:5050', { host: '192.0.2.1', port: '5050' }],
    ['[2001:db8::1]:5050', { host: '2001:db8::1', port: '5050' }],
    ['host:', { host: 'host', port: '' }],
    [':1', { host: '', port: '1' }],
    ['host', undefined],
    ['2001:db8::1:5050', undefined],
    ['[2001:db8::1]', undefined],
    ['[2001:db8::1]:1]', undefined],
    ['[[2001:db8::1]:1', undefined],
  ];
  for (const [input, expected] of cases) {
    it(`${JSON.stringify(input)} -> ${JSON.stringify(expected)}`, () => assert.deepEqual(splitStandardHostPort(input), expected));
  }
});

describe('wrong types lose only themselves and are reported', () => {
  /** Apply a mutation to the base document; the rest of the state must survive. */
  const cases: [string, (doc: Doc) => void, string][] = [
    ['frameworks is not an array', (d) => { d.frameworks = { a: 1 }; }, 'frameworks'],
    ['slaves is not an array', (d) => { d.slaves = 'x'; }, 'slaves'],
    ['a framework is not an object', (d) => { (d.frameworks as unknown[]).unshift(5); }, 'frameworks[0]'],
    ['a slave is not an object', (d) => { (d.slaves as unknown[]).unshift(null); }, 'slaves[0]'],
    ['framework name is a number', (d) => { fw(d).name = 7; }, 'frameworks[0].name'],
    ['framework hostname is an object', (d) => { fw(d).hostname = {}; }, 'frameworks[0].hostname'],
    ['tasks is an object', (d) => { fw(d).tasks = {}; }, 'frameworks[0].tasks'],
    ['a task is a string', (d) => { (fw(d).tasks as unknown[]).unshift('task'); }, 'frameworks[0].tasks[0]'],
    ['task id is a number', (d) => { tk(d).id = 1; }, 'frameworks[0].tasks[0].id'],
    ['task name is an array', (d) => { tk(d).name = ['web']; }, 'frameworks[0].tasks[0].name'],
    ['task slave_id is a boolean', (d) => { tk(d).slave_id = true; }, 'frameworks[0].tasks[0].slave_id'],
    ['task state is a number', (d) => { tk(d).state = 1; }, 'frameworks[0].tasks[0].state'],
    ['resources.ports is an array', (d) => { tk(d).resources = { ports: [80] }; }, 'frameworks[0].tasks[0].resources.ports'],
    ['statuses is a string', (d) => { tk(d).statuses = 'running'; }, 'frameworks[0].tasks[0].statuses'],
    ['a status is a number', (d) => { (tk(d).statuses as unknown[]).unshift(1); }, 'frameworks[0].tasks[0].statuses[0]'],
    ['status state is a number', (d) => { st(d).state = 1; }, 'frameworks[0].tasks[0].statuses[0].state'],
    ['status timestamp is a string', (d) => { st(d).timestamp = '1.5'; }, 'frameworks[0].tasks[0].statuses[0].timestamp'],
    ['status labels is an object', (d) => { st(d).labels = {}; }, 'frameworks[0].tasks[0].statuses[0].labels'],
    ['a label value is a number', (d) => { st(d).labels = [{ key: 'k', value: 1 }]; }, 'frameworks[0].tasks[0].statuses[0].labels[0].value'],
    ['network_infos is a string', (d) => { st(d).container_status = { network_infos: 'x' }; }, 'frameworks[0].tasks[0].statuses[0].container_status.network_infos'],
    ['an ip_address is a number', (d) => { st(d).container_status = { network_infos: [{ ip_addresses: [{ ip_address: 1 }] }] }; }, 'frameworks[0].tasks[0].statuses[0].container_status.network_infos[0].ip_addresses[0].ip_address'],
    ['discovery is a string', (d) => { tk(d).discovery = 'web'; }, 'frameworks[0].tasks[0].discovery'],
    ['discovery name is a number', (d) => { tk(d).discovery = { name: 1 }; }, 'frameworks[0].tasks[0].discovery.name'],
    ['discovery ports is an array', (d) => { tk(d).discovery = { name: 'web', ports: [] }; }, 'frameworks[0].tasks[0].discovery.ports'],
    ['a DI port number is a string', (d) => { tk(d).discovery = { name: 'web', ports: { ports: [{ number: '80' }] } }; }, 'frameworks[0].tasks[0].discovery.ports.ports[0]'],
    ['a DI port protocol is a number', (d) => { tk(d).discovery = { name: 'web', ports: { ports: [{ number: 80, protocol: 6 }] } }; }, 'frameworks[0].tasks[0].discovery.ports.ports[0].protocol'],
    ['slave id is a number', (d) => { ((d.slaves as Doc[])[0] as Doc).id = 3; }, 'slaves[0].id'],
  ];
  for (const [title, mutate, path] of cases) {
    it(`${title}: reported at ${path}`, () => {
      const doc = base();
      // A second framework and slave that must come through untouched.
      (doc.frameworks as Doc[]).push({ name: 'other', pid: 'scheduler(1)@192.0.2.3:1' });
      (doc.slaves as Doc[]).push({ id: 'agent-S9', pid: 'slave(1)@192.0.2.29:5051' });
      mutate(doc);
      const { state, problems } = parsed(doc);
      assert.ok(problems.some((p) => p.path === path), `expected a problem at ${path}, got ${JSON.stringify(problems)}`);
      for (const p of problems) assert.ok(p.message.length > 0);
      assert.equal(state.leader, 'master@127.0.0.1:5050');
      if (path !== 'frameworks') assert.ok(state.frameworks.some((f) => f.name === 'other'), 'other frameworks survive');
      if (path !== 'slaves') assert.ok(state.slaves.some((s) => s.id === 'agent-S9'), 'other slaves survive');
    });
  }

  it('a task whose id, name, slave_id or state has the wrong type is skipped; its siblings are kept', () => {
    for (const key of ['id', 'name', 'slave_id', 'state']) {
      const doc = base();
      const tasks = fw(doc).tasks as Doc[];
      tasks.push({ ...structuredClone(tk(doc)), id: 'sibling.1', name: 'sibling' });
      tk(doc)[key] = 7;
      const { state, problems } = parsed(doc);
      assert.deepEqual(state.frameworks[0]?.tasks.map((t) => t.name), ['sibling'], key);
      assert.ok(problems.some((p) => p.path === `frameworks[0].tasks[0].${key}` && /task skipped/.test(p.message)), key);
    }
  });

  it('a wrongly typed DI port loses only that port', () => {
    const doc = base();
    tk(doc).discovery = { name: 'web', ports: { ports: [{ number: 'x' }, { number: 81, protocol: 'udp' }, { number: 1.5 }, { number: 1e21 }, null] } };
    const { state, problems } = parsed(doc);
    assert.deepEqual(state.frameworks[0]?.tasks[0]?.discovery?.ports, [{ number: 81, protocol: 'udp', name: '' }]);
    // 1e21 would print as "1e+21"; Go's int decoding rejects it too.
    assert.deepEqual(problems.map((p) => p.path), [0, 2, 3, 4].map((i) => `frameworks[0].tasks[0].discovery.ports.ports[${i}]`));
  });

  it('a wrongly typed timestamp never makes its status the reference', () => {
    const doc = base();
    st(doc).timestamp = 'soon';
    assert.equal(parsed(doc).state.frameworks[0]?.tasks[0]?.statuses[0]?.timestamp, -Infinity);
  });
});

describe('the fixture states parse cleanly', () => {
  for (const path of ['fixtures/embedded/state.json']) {
    it(path, () => {
      const text = readFileSync(new URL(`../../../../${path}`, import.meta.url), 'utf8');
      const result = parseStateText(text);
      assert.ok(result.ok);
      assert.deepEqual(result.problems, []);
    });
  }
});

function fw(doc: Doc): Doc {
  return (doc.frameworks as Doc[])[0] as Doc;
}
function tk(doc: Doc): Doc {
  return (fw(doc).tasks as Doc[])[0] as Doc;
}
function st(doc: Doc): Doc {
  return (tk(doc).statuses as Doc[])[0] as Doc;
}
