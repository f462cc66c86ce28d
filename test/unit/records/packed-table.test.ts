// The packed RecordTable: exact O(1) lookups, entries(), counts, non-ASCII text, and reopening the
// transferable data (structuredClone stands in for postMessage; the worker round trip is an
// integration test).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { openRecordTable, transferList } from '../../../src/records/packed-table.js';
import type { PackedTable, RecordTable } from '../../../src/records/table.js';
import { formatTableListing } from '../../helpers/table-listing.js';
import { SLAVE_0, at, enumeration, flat, framework, generate, netinfo, running, slave, state, task } from './helpers.js';

/** A mid-sized cluster: many names sharing prefixes, so probing and hashing get exercised. */
function bigTable(tasks = 3000): PackedTable {
  const slaves = Array.from({ length: 50 }, (_, i) => slave(`agent-S${i}`, `slave(1)@192.0.2.${i + 1}:5051`));
  const frameworks = Array.from({ length: 10 }, (_, f) =>
    framework(`fw${f}`, `scheduler(1)@192.0.2.${200 + f}:${10_000 + f}`, Array.from({ length: tasks / 10 }, (_, t) =>
      task(`app${t % 97}`, `app${t}.${f}`, { slave_id: `agent-S${t % 50}`, resources: { ports: `[${31_000 + t}-${31_001 + t}]` } }),
    )),
  );
  return generate(state({ slaves, frameworks }));
}

function listing(table: RecordTable): string {
  return formatTableListing(table, { ttl: 60, srvWeight: 1 });
}

describe('lookup', () => {
  const table = generate(
    state({
      frameworks: [
        framework('marathon', 'scheduler(1)@192.0.2.2:25501', [
          task('nginx', 'nginx.1bc32344-3dda-11e4-a088-c20493233aa5'),
          task('x', 'test', { discovery: { name: 'Disco.Svc' } }),
        ]),
      ],
    }),
  );

  it('matches the stored FQDN exactly (trailing dot, case)', () => {
    assert.deepEqual(at(table, 'nginx.marathon.mesos.').a, ['192.0.2.20']);
    assert.equal(table.lookup('nginx.marathon.mesos'), undefined);
    assert.equal(table.lookup('NGINX.marathon.mesos.'), undefined);
    assert.equal(table.lookup('nginx.marathon.mesos..'), undefined);
    assert.equal(table.lookup(''), undefined);
    assert.equal(table.lookup('.'), undefined);
    assert.equal(table.lookup('marathon.mesos.x'), undefined);
  });

  it('upper-case raw names are stored but unreachable by a lower-cased query', () => {
    assert.ok(table.lookup('Disco.Svc.marathon.mesos.'));
    const query = 'Disco.Svc.marathon.mesos.'.toLowerCase();
    assert.equal(table.lookup(query), undefined);
  });

  it('returns equal frozen records every time, decoded afresh (no memo of names asked for)', () => {
    const first = table.lookup('marathon.mesos.');
    assert.ok(first);
    const second = table.lookup('marathon.mesos.');
    assert.deepEqual(second, first);
    assert.notEqual(second, first);
    assert.ok(Object.isFrozen(first) && Object.isFrozen(first.a) && Object.isFrozen(first.srv));
    assert.ok(Object.isFrozen(table));
  });

  it('every name of a large table is found, and near misses are not', () => {
    const big = bigTable();
    let n = 0;
    for (const [name, records] of big.entries()) {
      assert.deepEqual(big.lookup(name), records, name);
      assert.equal(big.lookup(`${name}x`), undefined);
      assert.equal(big.lookup(name.slice(1)), undefined);
      n++;
    }
    assert.equal(n, big.counts.names);
    assert.ok(n > 10_000);
  });
});

describe('entries and counts', () => {
  it('entries() covers every record once and agrees with counts', () => {
    const table = bigTable(500);
    let a = 0;
    let aaaa = 0;
    let srv = 0;
    const seen = new Set<string>();
    for (const [name, r] of table.entries()) {
      assert.ok(!seen.has(name), `duplicate name ${name}`);
      seen.add(name);
      assert.ok(r.a.length + r.aaaa.length + r.srv.length > 0, `empty name ${name}`);
      assert.equal(new Set(r.srv).size, r.srv.length);
      a += r.a.length;
      aaaa += r.aaaa.length;
      srv += r.srv.length;
    }
    assert.deepEqual(table.counts, { names: seen.size, a, aaaa, srv, ptr: 0, cname: 0 });
  });

  it('counts A, AAAA and SRV separately', () => {
    const table = generate(
      state({
        slaves: [slave(SLAVE_0, 'slave(1)@[2001:db8::20]:5051')],
        frameworks: [framework('f', 'scheduler(1)@192.0.2.2:1', [task('t', 'test', { statuses: [running(1, netinfo('192.0.2.40', '2001:db8::40'))] })])],
      }),
      { config: { listener: '192.0.2.53' } },
    );
    // A: f, ns1, leader, master, master0, t, t-c = 7; AAAA: slave, t, t-c, t.slave, t-c.slave = 5;
    // SRV: _framework, _slave, _leader x2 = 4.
    assert.deepEqual(table.counts, { names: 14, a: 7, aaaa: 5, srv: 4, ptr: 0, cname: 0 });
  });

  it('an empty table', () => {
    const table = generate(state({ leader: 'no-at-sign', slaves: [] }), { config: { listener: 'not-an-ip' } });
    assert.deepEqual(table.counts, { names: 0, a: 0, aaaa: 0, srv: 0, ptr: 0, cname: 0 });
    assert.deepEqual([...table.entries()], []);
    assert.equal(table.lookup('leader.mesos.'), undefined);
    assert.equal(listing(table), '');
    assert.deepEqual(openRecordTable(structuredClone(table.data)).counts, table.counts);
  });
});

describe('non-ASCII text', () => {
  const table = generate(
    state({
      frameworks: [
        framework('Ünïcode Främe', undefined, [
          task('Tâche', 'tâche-ünï-1', { discovery: { name: 'café' } }),
          task('plain', 'plain.1'),
          task('x', 'x.1', { discovery: { name: '東京.svc' } }),
          task('y', 'y.1', { discovery: { name: 'cafe' } }),
          task('emoji', '😀-id', { discovery: { name: '😀x' } }),
        ]),
      ],
    }),
    { config: { soaMname: 'ñs1.mesos.' } },
  );

  it('raw DiscoveryInfo names keep their UTF-8 and are found; ASCII neighbours are unaffected', () => {
    // Framework "Ünïcode Främe" -> "ncodefrme".
    assert.deepEqual(at(table, 'café.ncodefrme.mesos.').a, ['192.0.2.20']);
    assert.deepEqual(at(table, 'cafe.ncodefrme.mesos.').a, ['192.0.2.20']);
    assert.deepEqual(at(table, '東京.svc.ncodefrme.mesos.').a, ['192.0.2.20']);
    assert.deepEqual(at(table, '😀x.ncodefrme.mesos.').a, ['192.0.2.20']);
    assert.deepEqual(at(table, 'plain.ncodefrme.mesos.').a, ['192.0.2.20']);
    assert.deepEqual(at(table, 'ñs1.mesos.').a, ['192.0.2.53']);
    // Same UTF-16 length, different text.
    assert.equal(table.lookup('cafè.ncodefrme.mesos.'), undefined);
    assert.equal(table.lookup('東東.svc.ncodefrme.mesos.'), undefined);
  });

  it('a lone surrogate in a raw DiscoveryInfo name is stored as U+FFFD and stays findable', () => {
    const lone = generate(state({ frameworks: [framework('f', undefined, [task('x', 'x.1', { discovery: { name: 'a\ud800b' } })])] }));
    assert.deepEqual(at(lone, 'a\ufffdb.f.mesos.').a, ['192.0.2.20']);
    for (const [name, records] of lone.entries()) assert.deepEqual(lone.lookup(name), records, name);
  });

  it('every name round-trips through entries() and lookup()', () => {
    let n = 0;
    for (const [name, records] of table.entries()) {
      assert.deepEqual(table.lookup(name), records, name);
      n++;
    }
    assert.equal(n, table.counts.names);
  });

  it('enumeration keeps raw framework and task names and ids', () => {
    const [f] = enumeration(table);
    assert.equal(f?.name, 'Ünïcode Främe');
    assert.deepEqual(f?.tasks.map((t) => [t.name, t.id]), [
      ['Tâche', 'tâche-ünï-1'],
      ['plain', 'plain.1'],
      ['x', 'x.1'],
      ['y', 'y.1'],
      ['emoji', '😀-id'],
    ]);
    assert.ok(f?.tasks[0]?.records?.some((r) => r.name === 'café.ncodefrme.mesos.'));
  });
});

describe('openRecordTable and transferList', () => {
  it('openRecordTable(structuredClone(table.data)) gives an identical table', () => {
    const table = generate(
      state({
        frameworks: [
          framework('marathon', 'scheduler(1)@192.0.2.2:25501', [
            task('web', 'test', { resources: { ports: '[80-81]' }, discovery: { name: 'Wéb', ports: { ports: [{ number: 8080, name: 'http' }] } } }),
            task('twin', 't.1'),
            task('twin', 't.1'),
          ]),
          framework('idle', undefined),
        ],
      }),
      { masters: ['127.0.0.1:5050', '192.0.2.9:5050'] },
    );
    const copy = openRecordTable(structuredClone(table.data));
    assert.equal(listing(copy), listing(table));
    assert.deepEqual(flat(copy), flat(table));
    assert.deepEqual(enumeration(copy), enumeration(table));
    assert.deepEqual(copy.counts, table.counts);
    assert.equal(copy.domain, 'mesos');
    assert.equal(copy.frameworkCount, 2);
    for (const [name, records] of table.entries()) assert.deepEqual(copy.lookup(name), records);
  });

  it('transferList names each distinct ArrayBuffer once', () => {
    const table = bigTable(100);
    const buffers = transferList(table.data);
    assert.equal(new Set(buffers).size, buffers.length);
    for (const array of [table.data.strings, table.data.entries, table.data.values, table.data.slots, table.data.frameworks, table.data.tasks, table.data.taskRecords]) {
      assert.ok(buffers.includes(array.buffer as ArrayBuffer));
    }
  });

  it('the data holds only typed arrays, strings and numbers (nothing postMessage would reject)', () => {
    const table = bigTable(100);
    for (const [key, value] of Object.entries(table.data)) {
      const ok = ArrayBuffer.isView(value) || typeof value === 'string' || (key === 'counts' && typeof value === 'object');
      assert.ok(ok, key);
    }
  });
});
