// The tests' one DNS codec, on dns2's Packet (independent of the server's own wire code, so an encoder
// or decoder bug of ours cannot hide itself): queries are encoded and replies decoded by dns2, and a
// reply is presented as text (records as "<owner> <ttl> <TYPE> <data>", flags and rcode by name) plus
// the dns2 packet itself. dns2 has no codec for EDNS options other than ECS and EDE, so raw options
// (COOKIE, unknown codes) are appended to and read from the OPT record's RDATA here, octet by octet.
// Deliberately malformed messages are built with test/helpers/dns-bytes.ts instead.
import type DNS from 'dns2';
import { Packet } from 'dns2';

type Resource = DNS.Packet.Resource;

export interface QueryEdnsSpec {
  /** Advertised UDP payload size (default 4096; 0 is written as 0). */
  readonly udpSize?: number;
  readonly version?: number;
  readonly dnssecOk?: boolean;
  /** An EDNS Client Subnet option in CIDR notation (encoded by dns2), e.g. "192.0.2.0/24". */
  readonly ecs?: string;
  /** A COOKIE option (code 10) with these octets, written after any ECS option. */
  readonly cookie?: Uint8Array;
  /** Raw option octets (code, length, data...), written last. */
  readonly options?: readonly number[];
}

export type HeaderFlag = 'rd' | 'cd' | 'ad' | 'aa' | 'tc';

export interface QuerySpec {
  readonly qname: string;
  /** Numeric type or a name known to dns2 (A, AAAA, SRV, SOA, NS, ANY, TXT...); default A. */
  readonly qtype?: number | string;
  readonly qclass?: number;
  readonly id?: number;
  /** Header flags to set; rd is on unless `flags` is given without it. */
  readonly flags?: readonly HeaderFlag[];
  readonly opcode?: number;
  /** Questions to write (default 1; 0 writes none; 2 repeats the question, uncompressed). */
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

/** One EDNS option's octets: code, length, data. */
export function ednsOption(code: number, data: Uint8Array): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt16BE(code, 0);
  head.writeUInt16BE(data.length, 2);
  return Buffer.concat([head, data]);
}

/** An OPT record (owner: the root), encoded by dns2 with the options it knows, then `raw` options. */
export function encodeOpt(spec: QueryEdnsSpec & { readonly extendedRcode?: number }): Buffer {
  const known = spec.ecs ? [Packet.Resource.EDNS.ECS(spec.ecs)] : [];
  const record = Packet.Resource.EDNS(known, {
    version: spec.version ?? 0,
    doFlag: spec.dnssecOk ?? false,
    extendedRcode: spec.extendedRcode ?? 0,
  });
  record.name = '';
  // dns2 treats a payload size of 0 as "use the default"; the size is the record's CLASS.
  record.class = spec.udpSize ?? 4096;
  const encoded = Packet.Resource.encode(record);
  const raw = Buffer.concat([
    ...(spec.cookie ? [ednsOption(10, spec.cookie)] : []),
    Buffer.from(spec.options ?? []),
  ]);
  if (raw.length === 0) return encoded;
  const out = Buffer.concat([encoded, raw]);
  out.writeUInt16BE(out.readUInt16BE(9) + raw.length, 9);
  return out;
}

/** A query, encoded section by section with dns2 (no name compression, so repeated questions stay literal). */
export function buildQuery(spec: QuerySpec): Buffer {
  const flags = spec.flags ?? ['rd'];
  const qdcount = spec.qdcount ?? 1;
  const header = new Packet.Header({
    id: spec.id ?? 0x1234,
    qr: 0,
    opcode: spec.opcode ?? 0,
    aa: flags.includes('aa') ? 1 : 0,
    tc: flags.includes('tc') ? 1 : 0,
    rd: flags.includes('rd') ? 1 : 0,
    ...({ ad: flags.includes('ad') ? 1 : 0, cd: flags.includes('cd') ? 1 : 0 } as object),
    qdcount,
    arcount: spec.edns ? 1 : 0,
  });
  // A plain object: dns2's Question constructor turns type or class 0 into ANY.
  const fields = { name: spec.qname, type: typeCode(spec.qtype ?? 'A'), class: spec.qclass ?? Packet.CLASS.IN };
  const question = Packet.Question.encode(fields as DNS.Packet.Question);
  const parts = [header.toBuffer()];
  for (let i = 0; i < qdcount; i++) parts.push(question);
  if (spec.edns) parts.push(encodeOpt(spec.edns));
  return Buffer.concat(parts);
}

/**
 * An IXFR query (RFC 1995 §3): the question <zone> IXFR and, in the authority section, the SOA the
 * client claims to have (`serial`; root MNAME and RNAME, zero timers).
 */
export function ixfrQuery(zone: string, serial: number, id = 0x1234): Buffer {
  const question = buildQuery({ qname: zone, qtype: 251, id, flags: [] });
  const name = zone.endsWith('.') ? zone.slice(0, -1) : zone;
  const soa = { name, type: Packet.TYPE.SOA, class: Packet.CLASS.IN, ttl: 0, primary: '', admin: '', serial: serial >>> 0, refresh: 0, retry: 0, expiration: 0, minimum: 0 };
  const out = Buffer.concat([question, Packet.Resource.encode(soa as Resource)]);
  out.writeUInt16BE(1, 8); // NSCOUNT
  return out;
}

export interface DecodedOpt {
  readonly udpSize: number;
  readonly version: number;
  readonly dnssecOk: boolean;
  /** Every option as sent (dns2 keeps only those it has a codec for). */
  readonly options: readonly { readonly code: number; readonly data: Buffer }[];
  /** The COOKIE option's first 8 octets (the client cookie), if there is one. */
  readonly cookie: Buffer | undefined;
}

export interface DecodedReply {
  readonly id: number;
  readonly size: number;
  readonly opcode: number;
  /** Header flags that are set, sorted: aa ad cd qr ra rd tc. */
  readonly flags: readonly string[];
  readonly qr: boolean;
  readonly aa: boolean;
  readonly tc: boolean;
  readonly rd: boolean;
  readonly ra: boolean;
  readonly ad: boolean;
  readonly cd: boolean;
  /** Name of the full (extended) rcode: NOERROR, NXDOMAIN, BADVERS, RCODE<n>... */
  readonly rcode: string;
  /** "<name> <TYPE> <CLASS>" or undefined when the reply has no question. */
  readonly question: string | undefined;
  readonly answer: readonly string[];
  readonly authority: readonly string[];
  /** Additional records other than the OPT. */
  readonly additional: readonly string[];
  readonly opt: DecodedOpt | undefined;
  /** TTLs of the answer and authority records, in order. */
  readonly ttls: readonly number[];
  /** dns2's decoded message, for record fields the text form leaves out. */
  readonly packet: Packet;
}

const RCODE_NAMES: Record<number, string> = {
  0: 'NOERROR',
  1: 'FORMERR',
  2: 'SERVFAIL',
  3: 'NXDOMAIN',
  4: 'NOTIMP',
  5: 'REFUSED',
  9: 'NOTAUTH',
  16: 'BADVERS',
};

export function rcodeName(code: number): string {
  return RCODE_NAMES[code] ?? `RCODE${code}`;
}

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
    case Packet.TYPE.CNAME:
    case Packet.TYPE.PTR:
      return `${head} ${fqdn((r as { domain?: string }).domain ?? '')}`;
    default:
      return head;
  }
}

/**
 * The first OPT record of a message whose structure is sound, read from the octets (dns2 drops the
 * options it has no codec for, COOKIE among them); undefined when there is none.
 */
export function readOpt(bytes: Uint8Array): DecodedOpt | undefined {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  const skipName = (o: number): number => {
    for (;;) {
      const len = buf[o] ?? 0;
      if (len === 0) return o + 1;
      if ((len & 0xc0) === 0xc0) return o + 2;
      o += 1 + len;
    }
  };
  const qd = buf.readUInt16BE(4);
  const total = buf.readUInt16BE(6) + buf.readUInt16BE(8) + buf.readUInt16BE(10);
  let o = 12;
  for (let i = 0; i < qd; i++) o = skipName(o) + 4;
  for (let i = 0; i < total; i++) {
    o = skipName(o);
    const type = buf.readUInt16BE(o);
    const rdlen = buf.readUInt16BE(o + 8);
    const rdata = o + 10;
    if (type === 41) {
      const ttl = buf.readUInt32BE(o + 4);
      const options: { code: number; data: Buffer }[] = [];
      for (let p = rdata; p + 4 <= rdata + rdlen; ) {
        const len = buf.readUInt16BE(p + 2);
        options.push({ code: buf.readUInt16BE(p), data: Buffer.from(buf.subarray(p + 4, p + 4 + len)) });
        p += 4 + len;
      }
      const cookie = options.find((opt) => opt.code === 10);
      return {
        udpSize: buf.readUInt16BE(o + 2),
        version: (ttl >>> 16) & 0xff,
        dnssecOk: (ttl & 0x8000) !== 0,
        options,
        cookie: cookie ? cookie.data.subarray(0, 8) : undefined,
      };
    }
    o = rdata + rdlen;
  }
  return undefined;
}

/** Decodes a message with dns2; throws when dns2 reports any problem with it. */
export function decodeReply(bytes: Uint8Array): DecodedReply {
  const buf = Buffer.from(bytes);
  const packet = Packet.parse(buf);
  if (packet.errors.length > 0) throw new Error(`reply does not decode: ${packet.errors.map((e) => e.message).join('; ')}`);
  const h = packet.header as typeof packet.header & { ad: number; cd: number };
  const bits = { aa: h.aa === 1, ad: h.ad === 1, cd: h.cd === 1, qr: h.qr === 1, ra: h.ra === 1, rd: h.rd === 1, tc: h.tc === 1 };
  const q = packet.questions[0];
  const classNames: Record<number, string> = { 1: 'IN', 3: 'CH', 255: 'ANY' };
  return {
    id: h.id,
    size: buf.length,
    opcode: h.opcode,
    flags: Object.entries(bits)
      .filter(([, on]) => on)
      .map(([name]) => name),
    ...bits,
    rcode: rcodeName(h.rcode),
    question: q ? `${fqdn(q.name)} ${typeName(q.type)} ${classNames[q.class] ?? `CLASS${q.class}`}` : undefined,
    answer: packet.answers.map(formatRecord),
    authority: packet.authorities.map(formatRecord),
    additional: packet.additionals.filter((r) => r.type !== 41).map(formatRecord),
    opt: packet.additionals.some((r) => r.type === 41) ? readOpt(buf) : undefined,
    ttls: [...packet.answers, ...packet.authorities].filter((r) => r.type !== 41).map((r) => r.ttl),
    packet,
  };
}

/** The answer section's A/AAAA addresses, sorted. */
export function addressesOf(reply: DecodedReply): string[] {
  return reply.packet.answers
    .filter((r) => r.type === Packet.TYPE.A || r.type === Packet.TYPE.AAAA)
    .map((r) => r.address ?? '')
    .sort();
}
