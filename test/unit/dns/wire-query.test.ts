import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { scanPlainQuery, scanQuery } from '../../../src/dns/wire-query.js';
import { A_IN, headerBytes, nameBytes } from '../../helpers/dns-bytes.js';
import { buildQuery } from '../../helpers/dns-codec.js';

/** Header (ID 0x1234, RD, QDCOUNT 1, given AR count) followed by raw octets. */
function message(body: number[], counts: { an?: number; ns?: number; ar?: number } = {}): Buffer {
  return Buffer.from([...headerBytes(0x1234, 0x01, { qd: 1, ...counts }), ...body]);
}

function reason(buf: Buffer): string {
  const r = scanQuery(buf);
  assert.equal(r.ok, false, 'expected the message to be rejected');
  return r.ok ? '' : r.reason;
}

describe('scanQuery', () => {
  test('reads header, question and OPT of a well-formed query', () => {
    const r = scanQuery(buildQuery({ qname: 'Nginx.Marathon.mesos.', qtype: 'SRV', flags: ['rd', 'cd'], edns: { udpSize: 1400, dnssecOk: true } }));
    assert.ok(r.ok);
    assert.equal(r.query.id, 0x1234);
    assert.equal(r.query.qname, 'Nginx.Marathon.mesos.');
    assert.equal(r.query.qtype, 33);
    assert.equal(r.query.qclass, 1);
    assert.equal(r.query.opcode, 0);
    assert.deepEqual(r.query.edns, { udpSize: 1400, version: 0, dnssecOk: true, optionsLength: 0 });
  });

  test('prints odd label octets the way miekg/dns does (escapes)', () => {
    const label = [7, ...Buffer.from('a.b c\\'), 0xff];
    const r = scanQuery(message([...label, 5, ...Buffer.from('mesos'), 0, ...A_IN]));
    assert.ok(r.ok);
    assert.equal(r.query.qname, 'a\\.b\\ c\\\\\\255.mesos.');
  });

  test('the root name', () => {
    const r = scanQuery(message([0, ...A_IN]));
    assert.ok(r.ok);
    assert.equal(r.query.qname, '.');
  });

  test('a label over 63 octets (length byte 0x40) is a bad label', () => {
    assert.equal(reason(message([0x40, ...new Array(64).fill(0x61), 0, ...A_IN])), 'bad_label');
  });

  test('a name over 255 octets is rejected', () => {
    const labels: number[] = [];
    for (let i = 0; i < 5; i++) labels.push(60, ...new Array(60).fill(0x61));
    assert.equal(reason(message([...labels, 0, ...A_IN])), 'name_too_long');
  });

  test('a pointer to itself (loop) is rejected', () => {
    assert.equal(reason(message([0xc0, 12, ...A_IN])), 'bad_pointer');
  });

  test('a forward pointer is rejected', () => {
    assert.equal(reason(message([0xc0, 30, ...A_IN, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])), 'bad_pointer');
  });

  test('a pointer into the header is rejected', () => {
    assert.equal(reason(message([0xc0, 2, ...A_IN])), 'bad_pointer');
  });

  test('a loop between two records (each pointing at the other) is rejected', () => {
    // Question at 12; an answer record whose owner points at the OPT-less additional owner after it.
    const q = [...nameBytes('a.mesos.'), ...A_IN]; // 12..27
    const ownerAt = 12 + q.length;
    const rr = [0xc0, ownerAt + 12, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0];
    const rr2 = [0xc0, ownerAt, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0];
    assert.equal(reason(message([...q, ...rr, ...rr2], { an: 2 })), 'bad_pointer');
  });

  test('a backward pointer in a record owner is fine', () => {
    const q = [...nameBytes('a.mesos.'), ...A_IN];
    const rr = [0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 1];
    const r = scanQuery(message([...q, ...rr], { an: 1 }));
    assert.ok(r.ok);
    assert.equal(r.query.ancount, 1);
  });

  test('a question cut short is truncated', () => {
    assert.equal(reason(message([5, 0x6d, 0x65])), 'truncated');
    assert.equal(reason(message([...nameBytes('a.mesos.'), 0, 1])), 'truncated');
  });

  test('a record running past the end is truncated', () => {
    assert.equal(reason(message([...nameBytes('a.mesos.'), ...A_IN, 0, 0, 41, 16, 0, 0, 0, 0, 0, 0, 9], { ar: 1 })), 'truncated');
  });

  test('octets after the last record are trailing bytes', () => {
    assert.equal(reason(message([...nameBytes('a.mesos.'), ...A_IN, 0xde, 0xad])), 'trailing_bytes');
  });

  test('two OPT records, an OPT with an owner, an OPT outside the additional section and a bad option are bad OPT', () => {
    const opt = [0, 0, 41, 16, 0, 0, 0, 0, 0, 0, 0];
    const q = [...nameBytes('a.mesos.'), ...A_IN];
    assert.equal(reason(message([...q, ...opt, ...opt], { ar: 2 })), 'bad_opt');
    assert.equal(reason(message([...q, 0xc0, 12, 0, 41, 16, 0, 0, 0, 0, 0, 0, 0], { ar: 1 })), 'bad_opt');
    assert.equal(reason(message([...q, ...opt], { an: 1 })), 'bad_opt');
    assert.equal(reason(message([...q, 0, 0, 41, 16, 0, 0, 0, 0, 0, 0, 5, 0, 10, 0, 8, 1], { ar: 1 })), 'bad_opt');
  });
});

describe('scanPlainQuery (hot path shape)', () => {
  test('accepts a plain query with or without a plain OPT', () => {
    const q = buildQuery({ qname: 'nginx.marathon.mesos.', qtype: 'A' });
    assert.deepEqual(scanPlainQuery(q), { questionEnd: q.length, qtype: 1, ednsState: 0, udpSize: 0 });
    const e = buildQuery({ qname: 'nginx.marathon.mesos.', qtype: 'A', edns: { udpSize: 1232, dnssecOk: true } });
    assert.deepEqual(scanPlainQuery(e), { questionEnd: e.length - 11, qtype: 1, ednsState: 2, udpSize: 1232 });
  });

  test('sends everything unusual to the general path', () => {
    const unusual = [
      buildQuery({ qname: 'a.mesos.', qtype: 'A', edns: { options: [0, 10, 0, 0] } }),
      buildQuery({ qname: 'a.mesos.', qtype: 'A', edns: { version: 1 } }),
      buildQuery({ qname: 'a.mesos.', qtype: 'A', qclass: 3 }),
      buildQuery({ qname: 'a.mesos.', qtype: 'A', opcode: 4 }),
      buildQuery({ qname: 'a.mesos.', qtype: 'A', qdcount: 2 }),
      Buffer.concat([buildQuery({ qname: 'a.mesos.', qtype: 'A' }), Buffer.from([0])]),
      message([0xc0, 12, ...A_IN]),
      message([...nameBytes('a.mesos.'), ...A_IN, 0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0], { an: 1 }),
    ];
    for (const q of unusual) assert.equal(scanPlainQuery(q), undefined);
    const response = buildQuery({ qname: 'a.mesos.', qtype: 'A' });
    response[2] = (response[2] as number) | 0x80;
    assert.equal(scanPlainQuery(response), undefined);
  });
});
