// Answers for the reverse zones (PTR) and for static CNAMEs, through the one DNS handler (general
// path; the direct path declines these names). Replies are decoded by dns2, independent of our codec.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StaticRecord } from '../../../src/config/static-records.js';
import type { Config } from '../../../src/config/types.js';
import { DirectState } from '../../../src/dns/direct.js';
import { QType } from '../../../src/wire/constants.js';
import { handleQuery } from '../../../src/dns/handle.js';
import { MAX_CNAME_CHAIN } from '../../../src/dns/resolve.js';
import { parseState } from '../../../src/mesos/parse-state.js';
import { generateRecords } from '../../../src/records/generate.js';
import { createRecordStore } from '../../../src/records/store.js';
import type { TableSnapshot } from '../../../src/records/store.js';
import { dnsTestConfig } from '../../cases/dns-fixture.js';
import { type DecodedReply, buildQuery, decodeReply } from '../../helpers/dns-codec.js';
import { framework, netinfo, running, slave, state, task, SLAVE_0 } from '../records/helpers.js';

const ZONES = ['10.in-addr.arpa', '8.b.d.0.1.0.0.2.ip6.arpa'];
const config: Config = dnsTestConfig({ reverseZones: ZONES });
const SERIAL = 1_700_000_000;
const SOA = (apex: string): string => `${apex} 60 SOA ns1.mesos. root.ns1.mesos. ${SERIAL} 60 600 86400 30`;

function record(name: string, type: StaticRecord['type'], value: string): StaticRecord {
  return { name, type, value, line: 1 };
}

/** Static records as generation takes them (no file checks: loops and long chains are possible here). */
const STATIC: StaticRecord[] = [
  record('db.mesos.', 'A', '192.0.2.200'),
  record('www.mesos.', 'CNAME', 'front.mesos.'),
  record('front.mesos.', 'CNAME', 'web.marathon.mesos.'),
  record('svc.mesos.', 'CNAME', '_web._tcp.marathon.mesos.'),
  record('docs.mesos.', 'CNAME', 'docs.example.com.'),
  record('dangling.mesos.', 'CNAME', 'nothing.mesos.'),
  record('loop-a.mesos.', 'CNAME', 'loop-b.mesos.'),
  record('loop-b.mesos.', 'CNAME', 'loop-a.mesos.'),
  ...Array.from({ length: 12 }, (_, i) => record(`c${i}.mesos.`, 'CNAME', `c${i + 1}.mesos.`)),
  record('c12.mesos.', 'A', '192.0.2.212'),
];

function snapshot(): TableSnapshot {
  const parsed = parseState(
    state({
      slaves: [slave(SLAVE_0, 'slave(1)@10.0.1.1:5051')],
      frameworks: [framework('marathon', 'scheduler(1)@10.0.0.2:8080', [task('web', 'web.1', { statuses: [running(1, netinfo('10.1.0.5', '2001:db8::a:5'))], resources: { ports: '[31000-31000]' } })])],
    }),
  );
  if (!parsed.ok) throw new Error(parsed.error);
  const table = generateRecords({
    state: parsed.state,
    config: { domain: 'mesos', ipSources: ['netinfo', 'host'], enforceRFC952: false, soaMname: 'ns1.mesos.', listener: '10.0.0.53', reverseZones: ZONES },
    masters: [],
    listenerAddresses: [],
    staticRecords: STATIC,
  });
  const store = createRecordStore({ now: () => SERIAL * 1000 });
  store.swap(table);
  return store.current() as TableSnapshot;
}

const snap = snapshot();
const TASK = 'web-e844k-0.marathon.mesos.';

function ask(qname: string, qtype = 'A', options: { direct?: boolean } = {}): DecodedReply & { forwarded: boolean } {
  const result = handleQuery(buildQuery({ qname, qtype }), {
    transport: 'tcp',
    snapshot: snap,
    config,
    random: () => 0,
    ...(options.direct === false ? {} : { direct: new DirectState() }),
  });
  if (result.kind === 'forward') return { forwarded: true } as DecodedReply & { forwarded: boolean };
  assert.equal(result.kind, 'reply');
  return { ...decodeReply(Buffer.from(result.kind === 'reply' ? result.bytes : [])), forwarded: false };
}

describe('reverse zones', () => {
  it('PTR of a container IP: the task\'s canonical name, authoritative', () => {
    const r = ask('5.0.1.10.in-addr.arpa.', 'PTR');
    assert.equal(r.rcode, 'NOERROR');
    assert.ok(r.aa);
    assert.deepEqual(r.answer, [`5.0.1.10.in-addr.arpa. 60 PTR ${TASK}`]);
    const v6 = ask('5.0.0.0.a.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.', 'PTR');
    assert.deepEqual(v6.answer.map((a) => a.split(' ').at(-1)), [TASK]);
  });

  it('PTR of an agent IP: slave.<domain>.; upper case asks the same name', () => {
    assert.deepEqual(ask('1.1.0.10.IN-ADDR.ARPA.', 'PTR').answer, ['1.1.0.10.in-addr.arpa. 60 PTR slave.mesos.']);
  });

  it('an unknown IP in a reverse zone is NXDOMAIN with the reverse zone\'s SOA; a level above names is NODATA', () => {
    const r = ask('9.9.9.10.in-addr.arpa.', 'PTR');
    assert.equal(r.rcode, 'NXDOMAIN');
    assert.ok(r.aa);
    assert.deepEqual(r.authority, [SOA('10.in-addr.arpa.')]);
    const ent = ask('0.1.10.in-addr.arpa.', 'PTR');
    assert.equal(ent.rcode, 'NOERROR');
    assert.deepEqual(ent.answer, []);
    assert.deepEqual(ent.authority, [SOA('10.in-addr.arpa.')]);
    const other = ask('5.0.1.10.in-addr.arpa.', 'A');
    assert.equal(other.rcode, 'NOERROR', 'NODATA for another type');
    assert.deepEqual(other.answer, []);
  });

  it('SOA and NS at a reverse apex', () => {
    assert.deepEqual(ask('10.in-addr.arpa.', 'SOA').answer, [SOA('10.in-addr.arpa.')]);
    assert.deepEqual(ask('10.in-addr.arpa.', 'NS').answer, ['10.in-addr.arpa. 60 NS ns1.mesos.']);
  });

  it('reverse names outside the zones are forwarded as before, and so is everything without ReverseZones', () => {
    assert.equal(ask('1.2.0.192.in-addr.arpa.', 'PTR').forwarded, true);
    assert.equal(ask('5.0.1.110.in-addr.arpa.', 'PTR').forwarded, true, 'on label boundaries');
    const off = handleQuery(buildQuery({ qname: '5.0.1.10.in-addr.arpa.', qtype: 'PTR' }), { transport: 'tcp', snapshot: snap, config: dnsTestConfig(), random: () => 0 });
    assert.equal(off.kind, 'forward');
  });
});

describe('static CNAMEs', () => {
  it('a chain inside the domain ends in the target\'s records of the asked type', () => {
    const r = ask('www.mesos.', 'A');
    assert.equal(r.rcode, 'NOERROR');
    assert.ok(r.aa);
    assert.deepEqual(r.answer, ['www.mesos. 60 CNAME front.mesos.', 'front.mesos. 60 CNAME web.marathon.mesos.', 'web.marathon.mesos. 60 A 10.1.0.5']);
  });

  it('SRV through a CNAME: the target\'s SRV records with their addresses in the additional section', () => {
    const r = ask('svc.mesos.', 'SRV');
    assert.equal(r.answer[0], 'svc.mesos. 60 CNAME _web._tcp.marathon.mesos.');
    assert.match(r.answer[1] ?? '', /^_web\._tcp\.marathon\.mesos\. 60 SRV 0 1 31000 web-e844k-0\.marathon\.slave\.mesos\.$/);
    assert.deepEqual(r.additional, ['web-e844k-0.marathon.slave.mesos. 60 A 10.0.1.1']);
  });

  it('CNAME and ANY questions get the CNAME alone', () => {
    assert.deepEqual(ask('www.mesos.', 'CNAME').answer, ['www.mesos. 60 CNAME front.mesos.']);
    assert.deepEqual(ask('www.mesos.', 'ANY').answer, ['www.mesos. 60 CNAME front.mesos.']);
  });

  it('a target outside the domain ends the answer (the client\'s resolver goes on)', () => {
    const r = ask('docs.mesos.', 'A');
    assert.equal(r.rcode, 'NOERROR');
    assert.deepEqual(r.answer, ['docs.mesos. 60 CNAME docs.example.com.']);
  });

  it('a target that does not exist: NXDOMAIN with the CNAME and the SOA (RFC 6604); no data of the type: NODATA', () => {
    const r = ask('dangling.mesos.', 'A');
    assert.equal(r.rcode, 'NXDOMAIN');
    assert.deepEqual(r.answer, ['dangling.mesos. 60 CNAME nothing.mesos.']);
    assert.deepEqual(r.authority, [SOA('mesos.')]);
    const nodata = ask('www.mesos.', 'TXT');
    assert.equal(nodata.rcode, 'NOERROR');
    assert.equal(nodata.answer.length, 2);
    assert.deepEqual(nodata.authority, [SOA('mesos.')]);
  });

  it('a loop is answered with each CNAME once, never followed forever', () => {
    const r = ask('loop-a.mesos.', 'A');
    assert.equal(r.rcode, 'NOERROR');
    assert.deepEqual(r.answer, ['loop-a.mesos. 60 CNAME loop-b.mesos.', 'loop-b.mesos. 60 CNAME loop-a.mesos.']);
  });

  it(`a chain longer than ${MAX_CNAME_CHAIN} stops after ${MAX_CNAME_CHAIN} CNAMEs`, () => {
    const r = ask('c0.mesos.', 'A');
    assert.equal(r.answer.length, MAX_CNAME_CHAIN);
    assert.ok(r.answer.every((line) => line.includes(' CNAME ')));
    assert.deepEqual(ask('c5.mesos.', 'A').answer.at(-1), 'c12.mesos. 60 A 192.0.2.212');
  });

  it('the same answers with and without the direct path; static A names answer directly', () => {
    for (const [name, type] of [['www.mesos.', 'A'], ['db.mesos.', 'A'], ['svc.mesos.', 'SRV'], ['dangling.mesos.', 'AAAA'], ['5.0.1.10.in-addr.arpa.', 'PTR']] as const) {
      const direct = ask(name, type);
      const general = ask(name, type, { direct: false });
      assert.deepEqual({ ...direct, packet: undefined }, { ...general, packet: undefined }, name);
    }
    const result = handleQuery(buildQuery({ qname: 'db.mesos.', qtype: 'A' }), { transport: 'udp', snapshot: snap, config, random: () => 0, direct: new DirectState() });
    assert.equal(result.kind === 'reply' && result.info.path, 'direct');
  });

  it('the CNAME target is compressed against the owner (as miekg/dns writes CNAME and PTR data)', () => {
    const result = handleQuery(buildQuery({ qname: 'www.mesos.', qtype: 'CNAME' }), { transport: 'udp', snapshot: snap, config, random: () => 0 });
    assert.equal(result.kind, 'reply');
    const bytes = Buffer.from(result.kind === 'reply' ? result.bytes : []);
    // question "www.mesos." (12 + 11 + 4), then the answer: a pointer owner (2), type, class, TTL,
    // rdlength (10) and "front" + a pointer to "mesos." (1 + 5 + 2).
    assert.equal(bytes.length, 12 + 11 + 4 + 2 + 10 + 8);
  });
});

describe('reverse zones by zone transfer', () => {
  const allowed: Config = { ...config, zoneTransferAllowFrom: ['127.0.0.1'] };
  const transfer = (qname: string) =>
    handleQuery(buildQuery({ qname, qtype: 'AXFR' }), { transport: 'tcp', snapshot: snap, config: allowed, random: () => 0, client: '127.0.0.1' });

  it('AXFR of a reverse zone sends its SOA, NS and exactly its PTR records; the domain\'s AXFR has none', () => {
    const result = transfer('10.in-addr.arpa.');
    assert.equal(result.kind, 'transfer');
    if (result.kind !== 'transfer') return;
    const records = [...result.request.zone.records()];
    assert.equal(records[0]?.type === QType.SOA && records[0].name, '10.in-addr.arpa.');
    const ptrs = records.filter((r) => r.type === QType.PTR).map((r) => `${r.name} ${r.type === QType.PTR ? r.target : ''}`);
    assert.deepEqual(ptrs.sort(), ['1.1.0.10.in-addr.arpa. slave.mesos.', `5.0.1.10.in-addr.arpa. ${TASK}`]);
    assert.ok(records.every((r) => r.name.endsWith('10.in-addr.arpa.')));
    const domain = transfer('mesos.');
    assert.equal(domain.kind, 'transfer');
    if (domain.kind === 'transfer') assert.ok(![...domain.request.zone.records()].some((r) => r.name.endsWith('.arpa.')));
  });

  it('a name below a reverse zone\'s apex is NOTAUTH; outside the allow-list REFUSED', () => {
    const below = transfer('1.10.in-addr.arpa.');
    assert.equal(below.kind === 'reply' && decodeReply(Buffer.from(below.bytes)).rcode, 'NOTAUTH');
    const refused = handleQuery(buildQuery({ qname: '10.in-addr.arpa.', qtype: 'AXFR' }), { transport: 'tcp', snapshot: snap, config, random: () => 0, client: '127.0.0.1' });
    assert.equal(refused.kind === 'reply' && decodeReply(Buffer.from(refused.bytes)).rcode, 'REFUSED');
  });
});
