// The shared DNS case list (like hono's common.case.test.ts): ONE table of queries and expected
// replies, run against the pure handler (the general path, and the direct path in front of it), the real UDP server and the
// real TCP server. Built on fixtures/dns/state.json (see dns-fixture.ts). Cases are named after the
// spec section or the §8 quirk they pin down.
import assert from 'node:assert/strict';
import type { Config } from '../../src/config/types.js';
import { FIXTURE_SERIAL, FORWARDED_ADDRESS } from './dns-fixture.js';
import { type DecodedReply, type QuerySpec, typeCode, typeName } from '../helpers/dns-codec.js';

export interface DnsExpect {
  readonly rcode: string;
  /** Exact set of header flags; by default qr, aa, ra (RecurseOn) and rd/cd as sent, tc per `tc`. */
  readonly flags?: readonly string[];
  /** The echoed question as "<name> <TYPE> <CLASS>", null for none; by default the question as sent. */
  readonly question?: string | null;
  /** Exact records, order-insensitive (default: none unless answerCount/answerFrom is given). */
  readonly answer?: readonly string[];
  readonly answerCount?: number;
  /** Every answer record must be one of these. */
  readonly answerFrom?: readonly string[];
  readonly authority?: readonly string[];
  readonly additional?: readonly string[];
  readonly tc?: boolean;
  /** Our OPT record; by default present (UDP size 1232) exactly when the query had one. */
  readonly opt?: { readonly udpSize: number; readonly dnssecOk?: boolean } | null;
  /** Exact reply size in octets. */
  readonly size?: number;
  /** The query goes to the forwarder (whose fake answers A 192.0.2.250). */
  readonly forwarded?: boolean;
}

export interface DnsCase {
  readonly name: string;
  readonly query: QuerySpec;
  /** Only over this transport (default: UDP and TCP alike). */
  readonly transport?: 'udp' | 'tcp';
  /** Config overrides for this case (applied with setConfig on the servers). */
  readonly config?: Partial<Config>;
  readonly expect: DnsExpect;
}

const TTL = 60;
export const SOA = `mesos. ${TTL} SOA ns1.mesos. root.ns1.mesos. ${FIXTURE_SERIAL} 60 600 86400 30`;
const rr = (name: string, type: string, data: string, ttl = TTL): string => `${name} ${ttl} ${type} ${data}`;

const MANY = Array.from({ length: 40 }, (_, i) => rr('many.marathon.mesos.', 'A', `192.0.2.${150 + i}`));
const MID_TARGETS = [
  ['mid-qaihb-s1', 31100],
  ['mid-rh8yr-s1', 31101],
  ['mid-i5i7j-s1', 31102],
  ['mid-jaxed-s1', 31103],
  ['mid-snns4-s1', 31104],
  ['mid-hiwaw-s1', 31105],
  ['mid-r1sf4-s1', 31106],
  ['mid-45qtq-s1', 31107],
] as const;
const MID_SRV = MID_TARGETS.map(([t, port]) => rr('_mid._tcp.marathon.mesos.', 'SRV', `0 1 ${port} ${t}.marathon.slave.mesos.`));
const MID_ADDITIONAL = MID_TARGETS.map(([t]) => rr(`${t}.marathon.slave.mesos.`, 'A', '192.0.2.1'));
const LONG = 'a'.repeat(60);

export const DNS_CASES: readonly DnsCase[] = [
  // --- §3.4 basic answers ---
  {
    name: '§3.4: A for a task name answers its address with AA set',
    query: { qname: 'nginx.marathon.mesos.', qtype: 'A' },
    expect: { rcode: 'NOERROR', flags: ['aa', 'qr', 'ra', 'rd'], answer: [rr('nginx.marathon.mesos.', 'A', '192.0.2.8')] },
  },
  {
    name: '§7: mixed-case A query gets a lower-case owner and the question echoed as sent',
    query: { qname: 'NGINX.Marathon.MESOS.', qtype: 'A' },
    expect: {
      rcode: 'NOERROR',
      question: 'NGINX.Marathon.MESOS. A IN',
      answer: [rr('nginx.marathon.mesos.', 'A', '192.0.2.8')],
    },
  },
  {
    name: 'quirk #9: .* is stripped from the lookup name and the A owner is the stripped name',
    query: { qname: 'nginx.*.marathon.mesos.', qtype: 'A' },
    expect: { rcode: 'NOERROR', answer: [rr('nginx.marathon.mesos.', 'A', '192.0.2.8')] },
  },
  {
    name: 'quirk #9: the SRV owner is the question as sent (case and .* kept)',
    query: { qname: '_NGINX._tcp.*.marathon.mesos.', qtype: 'SRV' },
    expect: {
      rcode: 'NOERROR',
      answer: [rr('_NGINX._tcp.*.marathon.mesos.', 'SRV', '0 1 31000 nginx-rh8oy-s1.marathon.slave.mesos.')],
      additional: [rr('nginx-rh8oy-s1.marathon.slave.mesos.', 'A', '192.0.2.1')],
    },
  },
  {
    name: '§3.4: AAAA answers the IPv6 addresses',
    query: { qname: 'dual.marathon.mesos.', qtype: 'AAAA' },
    expect: { rcode: 'NOERROR', answer: [rr('dual.marathon.mesos.', 'AAAA', '2001:db8::20')] },
  },
  {
    name: '§3.4: A for an IPv6-only name is NODATA with the SOA',
    query: { qname: 'v6app.marathon.mesos.', qtype: 'A' },
    expect: { rcode: 'NOERROR', authority: [SOA] },
  },
  {
    name: '§3.4: SRV answers with one A additional per distinct target',
    query: { qname: '_dual._tcp.marathon.mesos.', qtype: 'SRV' },
    expect: {
      rcode: 'NOERROR',
      answer: [rr('_dual._tcp.marathon.mesos.', 'SRV', '0 1 31200 dual-ykgd5-s1.marathon.slave.mesos.')],
      additional: [rr('dual-ykgd5-s1.marathon.slave.mesos.', 'A', '192.0.2.1')],
    },
  },
  {
    name: '§3.4: SRV additional is the AAAA of an IPv6-only target',
    query: { qname: '_v6app._udp.marathon.mesos.', qtype: 'SRV' },
    expect: {
      rcode: 'NOERROR',
      answer: [rr('_v6app._udp.marathon.mesos.', 'SRV', '0 1 31300 v6app-ozopb-s2.marathon.slave.mesos.')],
      additional: [rr('v6app-ozopb-s2.marathon.slave.mesos.', 'AAAA', '2001:db8::2')],
    },
  },
  {
    name: '§3.4: a shared SRV target gets one A and one AAAA additional (_slave._tcp)',
    query: { qname: '_slave._tcp.mesos.', qtype: 'SRV' },
    expect: {
      rcode: 'NOERROR',
      answer: [rr('_slave._tcp.mesos.', 'SRV', '0 1 5051 slave.mesos.')],
      additional: [rr('slave.mesos.', 'A', '192.0.2.1'), rr('slave.mesos.', 'AAAA', '2001:db8::2')],
    },
  },
  {
    name: '§3.5: SRV weight is SRVRecordDefaultWeight and every TTL is the configured TTL',
    query: { qname: '_leader._udp.mesos.', qtype: 'SRV' },
    config: { srvRecordDefaultWeight: 7, ttl: 5 },
    expect: {
      rcode: 'NOERROR',
      answer: [rr('_leader._udp.mesos.', 'SRV', '0 7 5050 leader.mesos.', 5)],
      additional: [rr('leader.mesos.', 'A', '192.0.2.100', 5)],
    },
  },
  {
    name: '§3.4: the leader and master names answer the leader address',
    query: { qname: 'leader.mesos.', qtype: 'A' },
    expect: { rcode: 'NOERROR', answer: [rr('leader.mesos.', 'A', '192.0.2.100')] },
  },
  {
    name: '§3.4: a name with several addresses answers all of them (EDNS size permitting)',
    query: { qname: 'many.marathon.mesos.', qtype: 'A', edns: { udpSize: 4096 } },
    expect: { rcode: 'NOERROR', answer: MANY, size: 37 + 40 * 16 + 11 },
  },
  {
    name: '§3.4: a missing name is NXDOMAIN with the SOA',
    query: { qname: 'nope.marathon.mesos.', qtype: 'A' },
    expect: { rcode: 'NXDOMAIN', authority: [SOA] },
  },
  {
    name: '§3.4: a STAGING task has no records (NXDOMAIN)',
    query: { qname: 'staging.marathon.mesos.', qtype: 'A' },
    expect: { rcode: 'NXDOMAIN', authority: [SOA] },
  },
  {
    name: '§3.5: a non-IP slave address is skipped but the name exists (NODATA with SOA)',
    query: { qname: 'hostapp.marathon.slave.mesos.', qtype: 'A' },
    expect: { rcode: 'NOERROR', authority: [SOA] },
  },
  {
    name: '§3.4: SRV whose target has no address has no additional',
    query: { qname: '_hostapp._tcp.marathon.mesos.', qtype: 'SRV' },
    expect: {
      rcode: 'NOERROR',
      answer: [rr('_hostapp._tcp.marathon.mesos.', 'SRV', '0 1 31400 hostapp-snr5a-s3.marathon.slave.mesos.')],
    },
  },
  {
    name: '§3.3: RD and CD are copied, RA follows RecurseOn',
    query: { qname: 'nginx.marathon.mesos.', qtype: 'A', flags: ['cd'] },
    config: { recurseOn: false },
    expect: { rcode: 'NOERROR', flags: ['aa', 'cd', 'qr'], answer: [rr('nginx.marathon.mesos.', 'A', '192.0.2.8')] },
  },
  {
    name: '§7: QCLASS ANY is answered with class IN records',
    query: { qname: 'nginx.marathon.mesos.', qtype: 'A', qclass: 255 },
    expect: { rcode: 'NOERROR', question: 'nginx.marathon.mesos. A ANY', answer: [rr('nginx.marathon.mesos.', 'A', '192.0.2.8')] },
  },

  // --- §3.6 size limits and truncation, §8 #1 and #2 ---
  {
    name: '§3.6: UDP without EDNS is cut at 512 octets: 29 A records (501 octets), TC set',
    query: { qname: 'many.marathon.mesos.', qtype: 'A' },
    transport: 'udp',
    expect: { rcode: 'NOERROR', answerCount: 29, answerFrom: MANY, tc: true, size: 501 },
  },
  {
    name: '§3.6: the same query over TCP is complete',
    query: { qname: 'many.marathon.mesos.', qtype: 'A' },
    transport: 'tcp',
    expect: { rcode: 'NOERROR', answer: MANY, size: 37 + 40 * 16 },
  },
  {
    name: '§3.6: SetTruncateBit false cuts the reply without setting TC',
    query: { qname: 'many.marathon.mesos.', qtype: 'A' },
    transport: 'udp',
    config: { setTruncateBit: false },
    expect: { rcode: 'NOERROR', answerCount: 29, answerFrom: MANY, tc: false, size: 501 },
  },
  {
    name: 'quirk #1: the client EDNS0 size is honoured and an OPT record is echoed',
    query: { qname: 'many.marathon.mesos.', qtype: 'A', edns: { udpSize: 1232, dnssecOk: true } },
    transport: 'udp',
    expect: { rcode: 'NOERROR', answer: MANY, opt: { udpSize: 1232, dnssecOk: true } },
  },
  {
    name: 'quirk #1: an EDNS0 size below 512 counts as 512 (the OPT record still fits)',
    query: { qname: 'many.marathon.mesos.', qtype: 'A', edns: { udpSize: 100 } },
    transport: 'udp',
    expect: { rcode: 'NOERROR', answerCount: 29, answerFrom: MANY, tc: true, size: 512 },
  },
  {
    name: 'quirk #2: dropping only the additional section does not set TC (8 SRVs, 466 octets)',
    query: { qname: '_mid._tcp.marathon.mesos.', qtype: 'SRV' },
    transport: 'udp',
    expect: { rcode: 'NOERROR', answer: MID_SRV, tc: false, size: 466 },
  },
  {
    name: '§3.6: 8 SRVs with their additionals are 594 octets over TCP',
    query: { qname: '_mid._tcp.marathon.mesos.', qtype: 'SRV' },
    transport: 'tcp',
    expect: { rcode: 'NOERROR', answer: MID_SRV, additional: MID_ADDITIONAL, size: 594 },
  },

  // --- §8 FIXes on negative answers and meta types ---
  {
    name: 'quirk #3: missing SRV name is NXDOMAIN with SOA',
    query: { qname: '_missing._tcp.marathon.mesos.', qtype: 'SRV' },
    expect: { rcode: 'NXDOMAIN', authority: [SOA] },
  },
  {
    name: 'quirk #3: an existing name without SRV records is NODATA with SOA',
    query: { qname: 'nginx.marathon.mesos.', qtype: 'SRV' },
    expect: { rcode: 'NOERROR', authority: [SOA] },
  },
  {
    name: 'quirk #4: SOA at the apex is answered in the answer section',
    query: { qname: 'mesos.', qtype: 'SOA' },
    expect: { rcode: 'NOERROR', answer: [SOA] },
  },
  {
    name: 'quirk #4: NS at the apex is in the answer section with the name server address as additional',
    query: { qname: 'MESOS.', qtype: 'NS' },
    expect: {
      rcode: 'NOERROR',
      question: 'MESOS. NS IN',
      answer: [rr('mesos.', 'NS', 'ns1.mesos.')],
      additional: [rr('ns1.mesos.', 'A', '192.0.2.53')],
    },
  },
  {
    name: 'quirk #4: SOA for an existing name below the apex is NODATA with SOA',
    query: { qname: 'nginx.marathon.mesos.', qtype: 'SOA' },
    expect: { rcode: 'NOERROR', authority: [SOA] },
  },
  {
    name: 'quirk #4: NS for a missing name is NXDOMAIN with SOA',
    query: { qname: 'nope.mesos.', qtype: 'NS' },
    expect: { rcode: 'NXDOMAIN', authority: [SOA] },
  },
  {
    name: 'quirk #5: SOA MINIMUM is SOAMinttl (not TTL) and SERIAL is the table serial',
    query: { qname: 'mesos.', qtype: 'SOA' },
    config: { ttl: 11, soaMinttl: 999, soaRefresh: 1, soaRetry: 2, soaExpire: 3 },
    expect: { rcode: 'NOERROR', answer: [`mesos. 11 SOA ns1.mesos. root.ns1.mesos. ${FIXTURE_SERIAL} 1 2 3 999`] },
  },
  {
    name: 'quirk #6: ANY on a missing name lists the SOA once',
    query: { qname: 'nope.marathon.mesos.', qtype: 'ANY' },
    expect: { rcode: 'NXDOMAIN', authority: [SOA] },
  },
  {
    name: 'quirk #6: ANY answers the A and AAAA records of a name',
    query: { qname: 'dual.marathon.mesos.', qtype: 'ANY' },
    expect: {
      rcode: 'NOERROR',
      answer: [rr('dual.marathon.mesos.', 'A', '192.0.2.20'), rr('dual.marathon.mesos.', 'AAAA', '2001:db8::20')],
    },
  },
  {
    name: 'quirk #6: ANY answers SRV records with their additionals',
    query: { qname: '_nginx._udp.marathon.slave.mesos.', qtype: 'ANY' },
    expect: {
      rcode: 'NOERROR',
      answer: [rr('_nginx._udp.marathon.slave.mesos.', 'SRV', '0 1 31000 nginx-rh8oy-s1.marathon.slave.mesos.')],
      additional: [rr('nginx-rh8oy-s1.marathon.slave.mesos.', 'A', '192.0.2.1')],
    },
  },
  {
    name: 'quirk #6: ANY at the apex answers SOA and NS once each',
    query: { qname: 'mesos.', qtype: 'ANY' },
    expect: { rcode: 'NOERROR', answer: [SOA, rr('mesos.', 'NS', 'ns1.mesos.')], additional: [rr('ns1.mesos.', 'A', '192.0.2.53')] },
  },
  {
    name: 'quirk #6: ANY over UDP stays within 512 octets even with a large EDNS size',
    query: { qname: 'many.marathon.mesos.', qtype: 'ANY', edns: { udpSize: 4096 } },
    transport: 'udp',
    expect: { rcode: 'NOERROR', answerCount: 29, answerFrom: MANY, tc: true, size: 512 },
  },
  {
    name: 'quirk #7: DS inside the domain is answered authoritatively (NODATA), not forwarded',
    query: { qname: 'nginx.marathon.mesos.', qtype: 'DS' },
    expect: { rcode: 'NOERROR', authority: [SOA] },
  },
  {
    name: 'quirk #7: DS for a missing name inside the domain is NXDOMAIN',
    query: { qname: 'nope.mesos.', qtype: 'DS' },
    expect: { rcode: 'NXDOMAIN', authority: [SOA] },
  },
  {
    name: 'quirk #7: TXT inside the domain is NODATA, not forwarded',
    query: { qname: 'leader.mesos.', qtype: 'TXT' },
    expect: { rcode: 'NOERROR', authority: [SOA] },
  },
  {
    name: 'quirk #7: PTR inside the domain is NXDOMAIN for a missing name',
    query: { qname: '8.2.0.192.mesos.', qtype: 'PTR' },
    expect: { rcode: 'NXDOMAIN', authority: [SOA] },
  },
  {
    name: 'zone transfers are refused over DNS (AXFR)',
    query: { qname: 'mesos.', qtype: 'AXFR' },
    transport: 'tcp',
    expect: { rcode: 'REFUSED', flags: ['qr', 'ra', 'rd'] },
  },
  {
    name: 'quirk #8: the apex exists: A at the apex is NODATA with SOA',
    query: { qname: 'mesos.', qtype: 'A' },
    expect: { rcode: 'NOERROR', authority: [SOA] },
  },
  {
    name: 'quirk #8: an empty non-terminal is NODATA, not NXDOMAIN (marathon.slave.mesos.)',
    query: { qname: 'marathon.slave.mesos.', qtype: 'A' },
    expect: { rcode: 'NOERROR', authority: [SOA] },
  },
  {
    name: 'quirk #8: an empty non-terminal with underscores is NODATA (_tcp.marathon.mesos.)',
    query: { qname: '_tcp.marathon.mesos.', qtype: 'SRV' },
    expect: { rcode: 'NOERROR', authority: [SOA] },
  },
  {
    name: 'quirk #12: SRV whose only target cannot be encoded (label > 63) is SERVFAIL, not silence',
    query: { qname: `_${LONG}._tcp.marathon.mesos.`, qtype: 'SRV' },
    expect: { rcode: 'SERVFAIL', flags: ['qr', 'ra', 'rd'] },
  },
  {
    name: 'quirk #12: an A owner longer than 63 octets (reached through .*) is SERVFAIL',
    query: { qname: `${'a'.repeat(40)}.*${'a'.repeat(20)}-foybs-s1.marathon.mesos.`, qtype: 'A' },
    expect: { rcode: 'SERVFAIL', flags: ['qr', 'ra', 'rd'] },
  },
  {
    name: 'quirk #12: the encodable names of the same task still answer',
    query: { qname: `${LONG}.marathon.mesos.`, qtype: 'A' },
    expect: { rcode: 'NOERROR', answer: [rr(`${LONG}.marathon.mesos.`, 'A', '192.0.2.60')] },
  },

  // --- §8 #32 and EDNS checks before routing ---
  {
    name: 'quirk #32: CH class is REFUSED',
    query: { qname: 'version.bind.', qtype: 'TXT', qclass: 3 },
    expect: { rcode: 'REFUSED', flags: ['qr', 'rd'], question: 'version.bind. TXT CH' },
  },
  {
    name: 'quirk #32: opcode other than QUERY is NOTIMP',
    query: { qname: 'nginx.marathon.mesos.', qtype: 'A', opcode: 2 },
    expect: { rcode: 'NOTIMP', flags: ['qr', 'rd'], question: null },
  },
  {
    name: 'quirk #32: QDCOUNT 0 is FORMERR',
    query: { qname: 'nginx.marathon.mesos.', qtype: 'A', qdcount: 0 },
    expect: { rcode: 'FORMERR', flags: ['qr', 'rd'], question: null },
  },
  {
    name: 'quirk #32: QDCOUNT 2 is FORMERR',
    query: { qname: 'nginx.marathon.mesos.', qtype: 'A', qdcount: 2 },
    expect: { rcode: 'FORMERR', flags: ['qr', 'rd'], question: null },
  },
  {
    name: 'RFC 6891: EDNS version 1 gets BADVERS with an OPT record',
    query: { qname: 'nginx.marathon.mesos.', qtype: 'A', edns: { version: 1 } },
    expect: { rcode: 'BADVERS', flags: ['qr', 'rd'], opt: { udpSize: 1232 } },
  },
  {
    name: 'RFC 6891: unknown EDNS options are ignored',
    query: { qname: 'nginx.marathon.mesos.', qtype: 'A', edns: { udpSize: 1400, options: [0x00, 0x0a, 0x00, 0x08, 1, 2, 3, 4, 5, 6, 7, 8] } },
    expect: { rcode: 'NOERROR', answer: [rr('nginx.marathon.mesos.', 'A', '192.0.2.8')] },
  },

  // --- routing (§3.2) ---
  {
    name: '§3.2: names outside the domain are forwarded',
    query: { qname: 'www.example.com.', qtype: 'A' },
    expect: { rcode: 'NOERROR', forwarded: true, flags: ['qr', 'ra', 'rd'], answer: [rr('www.example.com.', 'A', FORWARDED_ADDRESS)] },
  },
  {
    name: '§3.2: zone membership is label-aware (foomesos. is forwarded)',
    query: { qname: 'foomesos.', qtype: 'A' },
    expect: { rcode: 'NOERROR', forwarded: true, flags: ['qr', 'ra', 'rd'], answer: [rr('foomesos.', 'A', FORWARDED_ADDRESS)] },
  },
];

function questionText(query: QuerySpec): string {
  const name = query.qname.endsWith('.') ? query.qname : `${query.qname}.`;
  const classNames: Record<number, string> = { 1: 'IN', 3: 'CH', 255: 'ANY' };
  const qclass = query.qclass ?? 1;
  return `${name} ${typeName(typeCode(query.qtype ?? 'A'))} ${classNames[qclass] ?? `CLASS${qclass}`}`;
}

const sorted = (list: readonly string[]): string[] => [...list].sort();

/** Asserts a decoded reply against a case; `config` is the effective config of the run. */
export function checkReply(c: DnsCase, reply: DecodedReply, config: Config): void {
  const e = c.expect;
  const q = c.query;
  assert.equal(reply.id, q.id ?? 0x1234, 'reply ID is the query ID');
  assert.equal(reply.rcode, e.rcode, 'rcode');
  const tc = e.tc ?? false;
  assert.equal(reply.tc, tc, 'TC flag');
  if (e.flags) {
    assert.deepEqual(reply.flags, sorted([...e.flags, ...(tc ? ['tc'] : [])]), 'header flags');
  } else if (!e.forwarded) {
    const sent = q.flags ?? ['rd'];
    const want = ['qr', 'aa'];
    if (sent.includes('rd')) want.push('rd');
    if (sent.includes('cd')) want.push('cd');
    if (config.recurseOn) want.push('ra');
    if (tc) want.push('tc');
    assert.deepEqual(reply.flags, sorted(want), 'header flags');
  }
  const question = e.question === undefined ? questionText(q) : e.question;
  assert.equal(reply.question ?? null, question, 'question echoed');
  if (e.answerCount !== undefined || e.answerFrom !== undefined) {
    if (e.answerCount !== undefined) assert.equal(reply.answer.length, e.answerCount, 'answer count');
    for (const a of reply.answer) assert.ok((e.answerFrom ?? []).includes(a), `unexpected answer ${a}`);
    assert.equal(new Set(reply.answer).size, reply.answer.length, 'no duplicate answers');
  } else {
    assert.deepEqual(sorted(reply.answer), sorted(e.answer ?? []), 'answer section');
  }
  assert.deepEqual(sorted(reply.authority), sorted(e.authority ?? []), 'authority section');
  assert.deepEqual(sorted(reply.additional), sorted(e.additional ?? []), 'additional section');
  if (!e.forwarded) {
    const opt = e.opt === undefined ? (q.edns ? { udpSize: 1232, dnssecOk: q.edns.dnssecOk ?? false } : null) : e.opt;
    if (opt === null) assert.equal(reply.opt, undefined, 'no OPT record');
    else {
      assert.ok(reply.opt, 'OPT record present');
      assert.equal(reply.opt.udpSize, opt.udpSize, 'OPT UDP size');
      assert.equal(reply.opt.version, 0, 'OPT version');
      if (opt.dnssecOk !== undefined) assert.equal(reply.opt.dnssecOk, opt.dnssecOk, 'OPT DO bit');
    }
  }
  if (e.size !== undefined) assert.equal(reply.size, e.size, 'reply size');
}

/** The cases that apply to a transport. */
export function casesFor(transport: 'udp' | 'tcp'): DnsCase[] {
  return DNS_CASES.filter((c) => c.transport === undefined || c.transport === transport);
}
