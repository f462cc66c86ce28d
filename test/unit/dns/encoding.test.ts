// Names, the miekg-compatible encoder and truncation.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { QType } from '../../../src/wire/constants.js';
import { encodeReply } from '../../../src/dns/encode-reply.js';
import { MessageWriter, UnencodableNameError } from '../../../src/dns/message-writer.js';
import { isInZone, lookupName, parseName } from '../../../src/dns/names.js';
import { type ResourceRecord, parseIPv4, parseIPv6 } from '../../../src/dns/records.js';
import { decodeReply } from '../../helpers/dns-codec.js';

describe('names', () => {
  test('lookup name: .* removed anywhere, then ASCII lower-cased (behaviour §3.4)', () => {
    assert.equal(lookupName('Leader.*.MESOS.'), 'leader.mesos.');
    assert.equal(lookupName('*.marathon.mesos.'), '*.marathon.mesos.');
    assert.equal(lookupName('a.*b.*.mesos.'), 'ab.mesos.');
  });

  test('zone membership is label-aware', () => {
    assert.equal(isInZone('mesos.', 'mesos.'), true);
    assert.equal(isInZone('a.b.mesos.', 'mesos.'), true);
    assert.equal(isInZone('foomesos.', 'mesos.'), false);
    assert.equal(isInZone('mesos.com.', 'mesos.'), false);
    assert.equal(isInZone('a\\.mesos.', 'mesos.'), false, 'an escaped dot is not a label boundary');
    assert.equal(isInZone('a\\\\.mesos.', 'mesos.'), true, 'an escaped backslash before a real dot');
    assert.equal(isInZone('.', 'mesos.'), false);
  });

  test('parseName: escapes, limits, empty labels', () => {
    const p = parseName('a\\.b.\\255x.mesos.');
    assert.ok(p);
    assert.deepEqual(p.labels.map((l) => [...l]), [[0x61, 0x2e, 0x62], [0xff, 0x78], [...Buffer.from('mesos')]]);
    assert.deepEqual(p.starts, [0, 5, 11]);
    assert.equal(parseName(`${'a'.repeat(63)}.mesos.`)?.labels.length, 2);
    assert.equal(parseName(`${'a'.repeat(64)}.mesos.`), undefined);
    assert.equal(parseName(`${`${'a'.repeat(62)}.`.repeat(4)}`)?.labels.length, 4, '253 octets');
    assert.equal(parseName(`${`${'a'.repeat(62)}.`.repeat(4)}b.`)?.labels.length, 5, 'exactly 255 octets');
    assert.equal(parseName(`${`${'a'.repeat(62)}.`.repeat(4)}bb.`), undefined, 'over 255 octets');
    assert.equal(parseName('a..mesos.'), undefined);
    assert.deepEqual(parseName('.'), { labels: [], starts: [] });
  });

  test('address text to octets', () => {
    assert.deepEqual([...(parseIPv4('192.0.2.8') ?? [])], [192, 0, 2, 8]);
    assert.equal(parseIPv4('agent-three.example'), undefined);
    assert.equal(parseIPv4('1.2.3.256'), undefined);
    assert.deepEqual([...(parseIPv6('2001:db8::20') ?? [])], [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x20]);
    assert.deepEqual([...(parseIPv6('::ffff:192.0.2.1') ?? [])].slice(10), [0xff, 0xff, 192, 0, 2, 1]);
    assert.deepEqual([...(parseIPv6('::') ?? [])], new Array(16).fill(0));
    assert.equal(parseIPv6('2001:db8::1::2'), undefined);
    assert.equal(parseIPv6('192.0.2.1'), undefined);
  });
});

const a = (name: string, ip: string): ResourceRecord => ({ type: QType.A, name, ttl: 60, address: parseIPv4(ip) as Uint8Array });
const srv = (name: string, target: string, port: number): ResourceRecord => ({ type: QType.SRV, name, ttl: 60, priority: 0, weight: 1, port, target });

describe('MessageWriter compression (miekg/dns v1.0.15 rules)', () => {
  test('compression is case-sensitive: a lower-case owner does not point at a mixed-case name', () => {
    const w = new MessageWriter();
    w.name('NGINX.Marathon.mesos.', true); // offset 0
    const before = w.length;
    w.name('nginx.marathon.mesos.', true);
    // "nginx" and "marathon" written in full, then a pointer to "mesos." (the only same-case suffix).
    assert.equal(w.length - before, 1 + 5 + 1 + 8 + 2);
  });

  test('SRV targets are written in full but later names point into them', () => {
    const w = new MessageWriter();
    w.name('x.marathon.mesos.', true);
    const t0 = w.length;
    w.name('t.marathon.slave.mesos.', false);
    assert.equal(w.length - t0, 2 + 9 + 6 + 6 + 1, 'target uncompressed although mesos. is known');
    const o0 = w.length;
    w.name('t.marathon.slave.mesos.', true);
    assert.equal(w.length - o0, 2, 'a later owner is one pointer to the target');
  });

  test('names past offset 16383 are not remembered', () => {
    const w = new MessageWriter();
    w.bytes(new Uint8Array(0x4000));
    w.name('far.mesos.', true);
    const at = w.length;
    w.name('far.mesos.', true);
    assert.equal(w.length - at, 11, 'written in full again');
  });

  test('an unencodable name throws', () => {
    const w = new MessageWriter();
    assert.throws(() => w.name(`${'a'.repeat(64)}.mesos.`, true), UnencodableNameError);
  });
});

describe('encodeReply: truncation (behaviour §3.6, §8 #2)', () => {
  const header = { id: 7, opcode: 0, aa: true, rd: true, cd: false, ra: true, rcode: 0 };
  const question = { name: 'many.marathon.mesos.', type: QType.A, class: 1 };
  const answers = Array.from({ length: 40 }, (_, i) => a('many.marathon.mesos.', `192.0.2.${i}`));

  test('29 A records fit 512 octets (501), in answer order, TC set', () => {
    const r = encodeReply({ header, question, sections: { answer: answers, authority: [], additional: [] }, edns: undefined, limit: 512, setTruncateBit: true });
    assert.equal(r.bytes.length, 501);
    assert.equal(r.dropped, 'records');
    const d = decodeReply(r.bytes);
    assert.equal(d.tc, true);
    assert.deepEqual(d.answer, answers.slice(0, 29).map((x) => `many.marathon.mesos. 60 A 192.0.2.${answers.indexOf(x)}`));
  });

  test('a reply that fits is untouched', () => {
    const r = encodeReply({ header, question, sections: { answer: answers, authority: [], additional: [] }, edns: undefined, limit: 65535, setTruncateBit: true });
    assert.equal(r.bytes.length, 37 + 40 * 16);
    assert.equal(r.dropped, 'none');
    assert.equal(decodeReply(r.bytes).tc, false);
  });

  test('dropping the additional section alone does not set TC; dropping answers does unless SetTruncateBit is off', () => {
    const q = { name: '_mid._tcp.marathon.mesos.', type: QType.SRV, class: 1 };
    const targets = Array.from({ length: 8 }, (_, i) => `mid-xxxx${i}-s1.marathon.slave.mesos.`);
    const sections = {
      answer: targets.map((t, i) => srv('_mid._tcp.marathon.mesos.', t, 31000 + i)),
      authority: [],
      additional: targets.map((t) => a(t, '192.0.2.1')),
    };
    const full = encodeReply({ header, question: q, sections, edns: undefined, limit: 65535, setTruncateBit: true });
    assert.equal(full.bytes.length, 594);
    const bare = encodeReply({ header, question: q, sections, edns: undefined, limit: 512, setTruncateBit: true });
    assert.equal(bare.bytes.length, 466);
    assert.equal(bare.dropped, 'additional');
    assert.equal(decodeReply(bare.bytes).tc, false);
    const cut = encodeReply({ header, question: q, sections, edns: undefined, limit: 400, setTruncateBit: true });
    assert.equal(cut.dropped, 'records');
    assert.equal(decodeReply(cut.bytes).tc, true);
    assert.equal(decodeReply(cut.bytes).answer.length, 6);
    const quiet = encodeReply({ header, question: q, sections, edns: undefined, limit: 400, setTruncateBit: false });
    assert.equal(decodeReply(quiet.bytes).tc, false);
  });

  test('the OPT record is kept and counted within the limit; BADVERS travels in it', () => {
    const r = encodeReply({ header, question, sections: { answer: answers, authority: [], additional: [] }, edns: { udpSize: 1232, dnssecOk: false }, limit: 512, setTruncateBit: true });
    assert.equal(r.bytes.length, 512);
    assert.equal(decodeReply(r.bytes).answer.length, 29);
    assert.equal(decodeReply(r.bytes).opt?.udpSize, 1232);
    const bad = encodeReply({ header: { ...header, rcode: 16 }, question, sections: { answer: [], authority: [], additional: [] }, edns: { udpSize: 1232, dnssecOk: false }, limit: 512, setTruncateBit: true });
    assert.equal(decodeReply(bad.bytes).rcode, 'BADVERS');
  });
});
