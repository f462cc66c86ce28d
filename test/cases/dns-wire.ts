// Test-side DNS wire helpers: a query builder written independently of the server's code, and a reply
// decoder built on dns2's parser (an independent decoder, so encoder bugs cannot hide themselves).
import type DNS from 'dns2';
import { Packet } from 'dns2';

type Resource = DNS.Packet.Resource;

export interface QueryEdnsSpec {
  readonly udpSize?: number;
  readonly version?: number;
  readonly dnssecOk?: boolean;
  /** Raw option octets (code, length, data...). */
  readonly options?: readonly number[];
}

export interface QuerySpec {
  readonly qname: string;
  /** Numeric type or a name known to dns2 (A, AAAA, SRV, SOA, NS, ANY, TXT...). */
  readonly qtype: number | string;
  readonly qclass?: number;
  readonly id?: number;
  /** Header flags to set; rd is on unless `flags` is given without it. */
  readonly flags?: readonly ('rd' | 'cd' | 'ad' | 'aa' | 'tc')[];
  readonly opcode?: number;
  /** Questions to write (default 1; 0 writes none; 2 repeats the question). */
  readonly qdcount?: number;
  readonly edns?: QueryEdnsSpec;
}

export function typeCode(qtype: number | string): number {
  if (typeof qtype === 'number') return qtype;
  if (qtype === 'DS') return 43;
  const known = (Packet.TYPE as Record<string, number>)[qtype];
  if (known === undefined) {
    const m = /^TYPE(\d+)$/.exec(qtype);
    if (m) return Number(m[1]);
    throw new Error(`unknown type ${qtype}`);
  }
  return known;
}

export function typeName(code: number): string {
  if (code === 41) return 'OPT';
  if (code === 43) return 'DS';
  return Packet.TYPE_NAME[code] ?? `TYPE${code}`;
}

/** Wire form of a name written label by label from dotted text (no escapes). */
export function nameBytes(name: string): number[] {
  const out: number[] = [];
  for (const label of name.split('.').filter((l) => l !== '')) {
    const bytes = Buffer.from(label, 'latin1');
    out.push(bytes.length, ...bytes);
  }
  out.push(0);
  return out;
}

export function buildQuery(spec: QuerySpec): Buffer {
  const flags = spec.flags ?? ['rd'];
  const id = spec.id ?? 0x1234;
  const qdcount = spec.qdcount ?? 1;
  let f1 = ((spec.opcode ?? 0) & 0x0f) << 3;
  if (flags.includes('aa')) f1 |= 0x04;
  if (flags.includes('tc')) f1 |= 0x02;
  if (flags.includes('rd')) f1 |= 0x01;
  let f2 = 0;
  if (flags.includes('ad')) f2 |= 0x20;
  if (flags.includes('cd')) f2 |= 0x10;
  const bytes: number[] = [id >> 8, id & 0xff, f1, f2, 0, qdcount, 0, 0, 0, 0, 0, spec.edns ? 1 : 0];
  const question = [...nameBytes(spec.qname)];
  const qtype = typeCode(spec.qtype);
  const qclass = spec.qclass ?? 1;
  question.push(qtype >> 8, qtype & 0xff, qclass >> 8, qclass & 0xff);
  for (let i = 0; i < qdcount; i++) bytes.push(...question);
  if (spec.edns) {
    const size = spec.edns.udpSize ?? 4096;
    const options = spec.edns.options ?? [];
    bytes.push(0, 0, 41, size >> 8, size & 0xff, 0, spec.edns.version ?? 0, spec.edns.dnssecOk ? 0x80 : 0, 0);
    bytes.push(options.length >> 8, options.length & 0xff, ...options);
  }
  return Buffer.from(bytes);
}

export interface DecodedOpt {
  readonly udpSize: number;
  readonly version: number;
  readonly dnssecOk: boolean;
}

export interface DecodedReply {
  readonly id: number;
  readonly size: number;
  readonly opcode: number;
  /** Header flags that are set, sorted: aa ad cd qr ra rd tc. */
  readonly flags: readonly string[];
  readonly tc: boolean;
  /** Name of the full (extended) rcode. */
  readonly rcode: string;
  /** "<name> <TYPE> <CLASS>" or undefined when the reply has no question. */
  readonly question: string | undefined;
  readonly answer: readonly string[];
  readonly authority: readonly string[];
  readonly additional: readonly string[];
  readonly opt: DecodedOpt | undefined;
}

const RCODE_NAMES: Record<number, string> = {
  0: 'NOERROR',
  1: 'FORMERR',
  2: 'SERVFAIL',
  3: 'NXDOMAIN',
  4: 'NOTIMP',
  5: 'REFUSED',
  16: 'BADVERS',
};

function fqdn(name: string): string {
  return name === '' ? '.' : `${name}.`;
}

function formatRecord(r: Resource): string {
  const head = `${fqdn(r.name)} ${r.ttl} ${typeName(r.type)}`;
  switch (r.type) {
    case Packet.TYPE.A:
    case Packet.TYPE.AAAA:
      return `${head} ${r.address}`;
    case Packet.TYPE.SRV:
      return `${head} ${r.priority} ${r.weight} ${r.port} ${fqdn(r.target ?? '')}`;
    case Packet.TYPE.SOA:
      return `${head} ${fqdn(r.primary ?? '')} ${fqdn(r.admin ?? '')} ${r.serial} ${r.refresh} ${r.retry} ${r.expiration} ${r.minimum}`;
    case Packet.TYPE.NS:
      return `${head} ${fqdn(r.ns ?? '')}`;
    default:
      return head;
  }
}

/** Decodes a reply with dns2; throws when dns2 reports any problem with it. */
export function decodeReply(bytes: Uint8Array): DecodedReply {
  const buf = Buffer.from(bytes);
  const packet = Packet.parse(buf);
  if (packet.errors.length > 0) throw new Error(`reply does not decode: ${packet.errors.map((e) => e.message).join('; ')}`);
  const h = packet.header as typeof packet.header & { ad: number; cd: number };
  const flags: string[] = [];
  if (h.aa) flags.push('aa');
  if (h.ad) flags.push('ad');
  if (h.cd) flags.push('cd');
  if (h.qr) flags.push('qr');
  if (h.ra) flags.push('ra');
  if (h.rd) flags.push('rd');
  if (h.tc) flags.push('tc');
  const optRecord = packet.additionals.find((r) => r.type === 41);
  const q = packet.questions[0];
  const classNames: Record<number, string> = { 1: 'IN', 3: 'CH', 255: 'ANY' };
  return {
    id: h.id,
    size: buf.length,
    opcode: h.opcode,
    flags,
    tc: h.tc === 1,
    rcode: RCODE_NAMES[h.rcode] ?? `RCODE${h.rcode}`,
    question: q ? `${fqdn(q.name)} ${typeName(q.type)} ${classNames[q.class] ?? `CLASS${q.class}`}` : undefined,
    answer: packet.answers.map(formatRecord),
    authority: packet.authorities.map(formatRecord),
    additional: packet.additionals.filter((r) => r.type !== 41).map(formatRecord),
    opt: optRecord
      ? { udpSize: optRecord.class, version: optRecord.version ?? 0, dnssecOk: optRecord.doFlag === true }
      : undefined,
  };
}
