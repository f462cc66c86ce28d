import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { scanQuery } from '../../../src/dns/wire-query.js';
import { A_IN, headerBytes, nameBytes, pointerBytes, recordBytes } from '../../helpers/dns-bytes.js';
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

describe('scanQuery: records in a query', () => {
  test('RDATA that does not fit its type is a bad record', () => {
    const q = [...nameBytes('a.mesos.'), ...A_IN];
    const rr = (type: number, rdata: number[]): number[] => recordBytes(pointerBytes(12), type, rdata);
    assert.equal(reason(message([...q, ...rr(1, [])], { an: 1 })), 'record');
    assert.equal(reason(message([...q, ...rr(1, [1, 2, 3, 4, 5])], { ns: 1 })), 'record');
    assert.equal(reason(message([...q, ...rr(28, [1, 2, 3, 4])], { ar: 1 })), 'record');
    assert.equal(reason(message([...q, ...rr(5, [3, 0x61])], { an: 1 })), 'record', 'CNAME with a cut name');
    assert.equal(reason(message([...q, ...rr(33, [0, 0, 0, 0, 0, 80, 0, 7])], { an: 1 })), 'record', 'SRV with bytes after the target');
    assert.equal(reason(message([...q, ...rr(6, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])], { an: 1 })), 'record', 'SOA missing a name');
  });

  test('records of every shape that fits are accepted', () => {
    const q = [...nameBytes('a.mesos.'), ...A_IN];
    const rr = (type: number, rdata: number[]): number[] => recordBytes(pointerBytes(12), type, rdata);
    const records = [
      rr(1, [192, 0, 2, 1]),
      rr(28, new Array<number>(16).fill(0)),
      rr(5, [0xc0, 12]),
      rr(15, [0, 10, 0xc0, 12]),
      rr(33, [0, 0, 0, 0, 0, 80, 0]),
      rr(6, [0xc0, 12, 0xc0, 12, ...new Array<number>(20).fill(0)]),
      rr(16, [3, 0x61, 0x62, 0x63]),
    ];
    const scanned = scanQuery(message([...q, ...records.flat()], { an: records.length }));
    assert.equal(scanned.ok, true);
  });

  test('a name may follow a bounded number of compression pointers', () => {
    // A chain of pointers inside a TXT record's RDATA, each pointing at the one before, then a record
    // owned by the end of the chain: 40 hops is more than any real name needs.
    const q = [...nameBytes('a.mesos.'), ...A_IN];
    const chainStart = 12 + q.length + 12;
    const chain: number[] = [];
    let previous = 12;
    for (let i = 0; i < 40; i++) {
      const at = chainStart + chain.length;
      chain.push(0xc0 | (previous >> 8), previous & 0xff);
      previous = at;
    }
    const holder = [0xc0, 12, 0, 16, 0, 1, 0, 0, 0, 0, chain.length >> 8, chain.length & 0xff, ...chain];
    const chained = (end: number) => [0xc0 | (end >> 8), end & 0xff, 0, 16, 0, 1, 0, 0, 0, 0, 0, 0];
    assert.equal(reason(message([...q, ...holder, ...chained(previous)], { an: 2 })), 'bad_pointer');
    // A short chain is fine.
    assert.equal(scanQuery(message([...q, ...holder, ...chained(chainStart + 8)], { an: 2 })).ok, true);
  });

  test('a query may carry at most 16 records and 4,096 octets (the work per message is bounded)', () => {
    const q = [...nameBytes('a.mesos.'), ...A_IN];
    const rr = [0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 0, 0, 4, 192, 0, 2, 1];
    const records = (n: number) => Array.from({ length: n }, () => rr).flat();
    assert.equal(scanQuery(message([...q, ...records(16)], { an: 6, ns: 5, ar: 5 })).ok, true);
    assert.equal(reason(message([...q, ...records(17)], { an: 6, ns: 5, ar: 6 })), 'too_many_records');
    // Counts alone decide: a header declaring 65,535 answers is refused before any record is read.
    assert.equal(reason(message(q, { an: 0xffff })), 'too_many_records');
    const txt = (length: number) => [0xc0, 12, 0, 16, 0, 1, 0, 0, 0, 0, length >> 8, length & 0xff, ...new Array<number>(length).fill(0)];
    const fits = message([...q, ...txt(4096 - 12 - q.length - 12)], { an: 1 });
    assert.equal(fits.length, 4096);
    assert.equal(scanQuery(fits).ok, true);
    assert.equal(reason(message([...q, ...txt(4097 - 12 - q.length - 12)], { an: 1 })), 'too_large');
  });
});
