import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Packet } from 'dns2';
import type { Resource } from 'dns2';
import {
  bareOptOf,
  buildMinimalReply,
  copyQuestionSpelling,
  encodeOpt,
  Flag,
  fullRcode,
  parseLayout,
  Rcode,
  Section,
  setFlag,
  soaMinimum,
  truncateToFit,
  withoutEdnsOptions,
} from '../../../src/forward/wire.js';
import type { MessageLayout } from '../../../src/forward/wire.js';
import { rawOpt } from '../../helpers/dns-bytes.js';
import { buildQuery, decodeReply, ednsOption } from '../../helpers/dns-codec.js';

function layoutOf(bytes: Uint8Array): MessageLayout {
  const parsed = parseLayout(bytes);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.layout;
}

function reply(options: { name?: string; answers?: number; soa?: boolean; ttl?: number; opt?: Buffer; rcode?: number }): Buffer {
  const name = options.name ?? 'www.example.org';
  const p = new Packet();
  p.header = new Packet.Header({ id: 0xbeef, qr: 1, rd: 1, ra: 1, rcode: options.rcode ?? 0 });
  p.questions = [new Packet.Question(name, Packet.TYPE.A, Packet.CLASS.IN)];
  const answers: Resource[] = [];
  for (let i = 0; i < (options.answers ?? 1); i++) {
    answers.push(new Packet.Resource({ name, type: Packet.TYPE.A, class: 1, ttl: options.ttl ?? 300 + i, address: `192.0.2.${i + 1}` }));
  }
  p.answers = answers;
  if (options.soa) {
    p.authorities = [
      new Packet.Resource({
        name: 'example.org',
        type: Packet.TYPE.SOA,
        class: 1,
        ttl: 900,
        primary: 'ns1.example.org',
        admin: 'hostmaster.example.org',
        serial: 1,
        refresh: 2,
        retry: 3,
        expiration: 4,
        minimum: 42,
      }),
    ];
  }
  const bytes = p.toBuffer();
  if (!options.opt) return bytes;
  bytes.writeUInt16BE(1, 10);
  return Buffer.concat([bytes, options.opt]);
}

/** An OPT record (UDP size 4096, DO set unless `ttl` says otherwise) with these options, by hand. */
function optWith(options: Buffer[] = [], ttl = 0x8000): Buffer {
  return rawOpt({ udpSize: 4096, ttl, rdata: Buffer.concat(options) });
}

test('parseLayout finds the header, the question and every record, through compression pointers', () => {
  const bytes = reply({ answers: 3, soa: true });
  const layout = layoutOf(bytes);
  assert.equal(layout.id, 0xbeef);
  assert.equal(layout.rcode, Rcode.NOERROR);
  assert.equal(layout.question?.key, 'www.example.org.');
  assert.deepEqual(layout.question?.labels, ['www', 'example', 'org']);
  assert.equal(layout.question?.qtype, 1);
  assert.equal(layout.records.length, 4);
  assert.deepEqual(layout.records.map((r) => r.section), [Section.ANSWER, Section.ANSWER, Section.ANSWER, Section.AUTHORITY]);
  assert.deepEqual(layout.records.map((r) => r.ttl), [300, 301, 302, 900]);
  assert.equal(layout.end, bytes.length);
  const soa = layout.records[3];
  assert.ok(soa);
  assert.equal(soaMinimum(bytes, soa), 42);
  assert.equal(soaMinimum(bytes, layout.records[0]!), undefined);
  // dns2 compresses: the answer owners are 2-byte pointers to the question.
  assert.equal(layout.records[0]!.ttlOffset - layout.records[0]!.start, 2 + 4);
});

test('parseLayout lower-cases and escapes labels for the key', () => {
  const q = buildQuery({ qname: 'WwW.ExAmple.ORG' });
  assert.equal(layoutOf(q).question?.key, 'www.example.org.');
  const odd = Buffer.from(q);
  odd[14] = 0x2e; // a dot inside the first label (offset 12 is its length)
  assert.equal(layoutOf(odd).question?.key, 'w\\.w.example.org.');
  assert.deepEqual(layoutOf(odd).question?.labels, ['w\\.w', 'example', 'org']);
});

test('parseLayout rejects truncated records, forward pointers and pointer loops', () => {
  const bytes = reply({ answers: 2 });
  assert.equal(parseLayout(bytes.subarray(0, bytes.length - 1)).ok, false);
  assert.equal(parseLayout(bytes.subarray(0, 11)).ok, false);
  const loop = Buffer.from(bytes);
  // Point the first answer's owner at itself.
  const first = layoutOf(bytes).records[0]!;
  loop.writeUInt16BE(0xc000 | first.start, first.start);
  assert.equal(parseLayout(loop).ok, false);
  const more = Buffer.from(bytes);
  more.writeUInt16BE(5, 6);
  assert.equal(parseLayout(more).ok, false, 'ANCOUNT larger than the records present');
});

test('parseLayout reads the OPT: size, DO bit, extended rcode and options; it must be last to be rewritable', () => {
  const bytes = reply({ opt: optWith([ednsOption(10, Buffer.alloc(16, 1)), ednsOption(15, Buffer.from([0, 3]))], 0x01008000) });
  const layout = layoutOf(bytes);
  assert.ok(layout.opt);
  assert.equal(layout.opt.udpSize, 4096);
  assert.equal(layout.opt.doBit, true);
  assert.equal(layout.opt.extendedRcode, 1);
  assert.equal(layout.opt.last, true);
  assert.deepEqual(layout.opt.options.map((o) => o.code), [10, 15]);
  assert.equal(fullRcode(layout), 16);
  const badOpt = reply({ opt: Buffer.concat([optWith([ednsOption(10, Buffer.alloc(8))]).subarray(0, 9), Buffer.from([0, 3, 0, 10, 0])]) });
  assert.equal(parseLayout(badOpt).ok, false);
});

test('withoutEdnsOptions drops the cookie and keeps the other options', () => {
  const bytes = reply({ opt: optWith([ednsOption(10, Buffer.alloc(16, 1)), ednsOption(15, Buffer.from([0, 3]))]) });
  const layout = layoutOf(bytes);
  const stripped = withoutEdnsOptions(bytes, layout, [10]);
  assert.ok(stripped);
  const again = layoutOf(stripped);
  assert.deepEqual(again.opt?.options.map((o) => o.code), [15]);
  assert.equal(stripped.length, bytes.length - 20);
  assert.equal(again.records.length, layout.records.length);
  const none = reply({ opt: optWith([]) });
  assert.equal(withoutEdnsOptions(none, layoutOf(none), [10]), none, 'nothing to remove: same buffer');
});

test('buildMinimalReply copies ID, opcode, RD, CD and the question; echoes an OPT only if the query had one', () => {
  const q = buildQuery({ qname: 'x.example.org', id: 321, flags: ['rd', 'cd'], opcode: 2, edns: { udpSize: 1232, dnssecOk: true } });
  const r = decodeReply(buildMinimalReply(q, layoutOf(q), { rcode: Rcode.REFUSED }));
  assert.equal(r.id, 321);
  assert.equal(r.qr, true);
  assert.equal(r.opcode, 2);
  assert.equal(r.rd, true);
  assert.equal(r.cd, true);
  assert.equal(r.ra, false);
  assert.equal(r.aa, false);
  assert.equal(r.rcode, 'REFUSED');
  assert.equal(r.packet.questions[0]?.name, 'x.example.org');
  assert.equal(r.opt?.dnssecOk, true);
  const plain = buildQuery({ qname: 'x.example.org', flags: [] });
  const p = decodeReply(buildMinimalReply(plain, layoutOf(plain), { rcode: Rcode.SERVFAIL, extraFlags: Flag.TC | Flag.QR }));
  assert.equal(p.rd, false);
  assert.equal(p.tc, true);
  assert.equal(p.opt, undefined);
  assert.equal(p.rcode, 'SERVFAIL');
  // Without a parsable query: header only, ID kept.
  const headerOnly = buildMinimalReply(Buffer.from([0xab, 0xcd, 1, 0]), undefined, { rcode: Rcode.SERVFAIL });
  assert.equal(headerOnly.length, 12);
  assert.equal(headerOnly.readUInt16BE(0), 0xabcd);
});

test('truncateToFit keeps whole records in order within the limit and fixes the counts', () => {
  const bytes = reply({ answers: 40, soa: true });
  const layout = layoutOf(bytes);
  const cut = truncateToFit(bytes, layout, 300, undefined);
  assert.ok(cut.length <= 300);
  const r = decodeReply(cut);
  assert.ok(r.packet.answers.length > 10 && r.packet.answers.length < 40);
  assert.equal(r.packet.authorities.length, 0);
  const opt = encodeOpt({ doBit: true });
  const withOpt = truncateToFit(bytes, layout, 300, opt);
  assert.ok(withOpt.length <= 300);
  assert.equal(decodeReply(withOpt).opt?.dnssecOk, true);
});

test('copyQuestionSpelling and setFlag patch in place', () => {
  const bytes = reply({ name: 'www.example.org' });
  const q = buildQuery({ qname: 'WWW.Example.org' });
  copyQuestionSpelling(bytes, layoutOf(bytes), q, layoutOf(q));
  setFlag(bytes, Flag.TC, true);
  const r = decodeReply(bytes);
  assert.equal(r.packet.questions[0]?.name, 'WWW.Example.org');
  assert.equal(r.tc, true);
  setFlag(bytes, Flag.TC, false);
  assert.equal(decodeReply(bytes).tc, false);
});

test('bareOptOf keeps the OPT fixed fields and drops its options', () => {
  const bytes = reply({ opt: optWith([ednsOption(10, Buffer.alloc(16, 1))], 0x8000) });
  const layout = layoutOf(bytes);
  const bare = Buffer.from(bareOptOf(bytes, layout.opt!));
  assert.equal(bare.length, 11);
  assert.equal(bare.readUInt16BE(3), 4096);
  assert.equal(bare.readUInt32BE(5), 0x8000);
  assert.equal(bare.readUInt16BE(9), 0);
});
