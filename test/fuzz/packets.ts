// Seeded generators of hostile DNS messages for the fuzz test: random bytes, and valid queries mutated
// by bit flips, truncation, byte insertion and deletion, header field changes, compression pointers
// aimed forwards, backwards, at themselves and at each other, over-long labels, huge names, bad OPT
// records and stray records. Deterministic for a given seed, so a failure reproduces. Valid queries come
// from the tests' dns2 codec; the broken pieces are hand-built octets (test/helpers/dns-bytes.ts).
import { nameBytes, rawOpt } from '../helpers/dns-bytes.js';
import { buildQuery } from '../helpers/dns-codec.js';

export class Fuzz {
  constructor(readonly random: () => number) {}

  int(maxExclusive: number): number {
    return Math.floor(this.random() * maxExclusive);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T;
  }

  bytes(n: number): Buffer {
    const out = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) out[i] = this.int(256);
    return out;
  }

  chance(p: number): boolean {
    return this.random() < p;
  }
}

export const QTYPE = { A: 1, NS: 2, SOA: 6, PTR: 12, MX: 15, TXT: 16, AAAA: 28, SRV: 33, OPT: 41, IXFR: 251, AXFR: 252, ANY: 255 } as const;

export function encodeName(name: string): Buffer {
  return Buffer.from(nameBytes(name));
}

export interface OptSpec {
  readonly udpSize: number;
  readonly version?: number;
  readonly dnssecOk?: boolean;
  readonly options?: Buffer;
}

/** An OPT record built by hand (any owner, any options), for the mutators that break it. */
export function optRecord(spec: OptSpec, owner: Buffer = Buffer.from([0])): Buffer {
  return rawOpt(
    {
      udpSize: spec.udpSize,
      ...(spec.version !== undefined ? { version: spec.version } : {}),
      ...(spec.dnssecOk !== undefined ? { dnssecOk: spec.dnssecOk } : {}),
      ...(spec.options ? { rdata: spec.options } : {}),
    },
    owner,
  );
}

export interface QuerySpec {
  readonly id: number;
  readonly name: string;
  readonly qtype: number;
  readonly qclass?: number;
  readonly rd?: boolean;
  readonly edns?: OptSpec;
}

/** A well-formed query (encoded by dns2 through the tests' codec): header, one question, optionally one OPT. */
export function encodeQuery(spec: QuerySpec): Buffer {
  return buildQuery({
    id: spec.id,
    qname: spec.name,
    qtype: spec.qtype,
    qclass: spec.qclass ?? 1,
    flags: spec.rd === false ? [] : ['rd'],
    ...(spec.edns
      ? {
          edns: {
            udpSize: spec.edns.udpSize,
            version: spec.edns.version ?? 0,
            dnssecOk: spec.edns.dnssecOk ?? false,
            ...(spec.edns.options ? { options: [...spec.edns.options] } : {}),
          },
        }
      : {}),
  });
}

/** Names from the embedded cluster (hits, misses, the apex) and outside it (forwarded: ExternalOn is off). */
const NAMES = [
  'nginx.marathon.mesos',
  'NGINX.Marathon.MESOS',
  'liquor-store.marathon.mesos',
  '_liquor-store._tcp.marathon.mesos',
  'toy-store.ipv6-framework.mesos',
  'leader.mesos',
  'master.mesos',
  'slave.mesos',
  'marathon.mesos',
  'mesos',
  'missing.marathon.mesos',
  '*.marathon.mesos',
  'a.b.c.d.e.f.g.mesos',
  'example.com',
  '1.0.0.127.in-addr.arpa',
  'xn--bcher-kva.mesos',
];
const QTYPES = [QTYPE.A, QTYPE.AAAA, QTYPE.SRV, QTYPE.ANY, QTYPE.SOA, QTYPE.NS, QTYPE.PTR, QTYPE.TXT, QTYPE.MX, QTYPE.AXFR, QTYPE.IXFR, 0, 65535];

/** A valid query from the corpus (sometimes with EDNS, sometimes with options). */
export function validQuery(f: Fuzz): Buffer {
  const edns = f.chance(0.3)
    ? {
        udpSize: f.pick([0, 512, 1232, 4096, 65535]),
        dnssecOk: f.chance(0.5),
        ...(f.chance(0.3) ? { options: Buffer.from([0, 10, 0, 8, ...f.bytes(8)]) } : {}),
      }
    : undefined;
  return encodeQuery({
    id: f.int(65536),
    name: f.pick(NAMES),
    qtype: f.chance(0.7) ? f.pick([QTYPE.A, QTYPE.SRV, QTYPE.AAAA]) : f.pick(QTYPES),
    qclass: f.chance(0.95) ? 1 : f.pick([0, 3, 4, 254, 255]),
    rd: f.chance(0.8),
    ...(edns ? { edns } : {}),
  });
}

type Mutator = (f: Fuzz, m: Buffer) => Buffer;

const flipBits: Mutator = (f, m) => {
  if (m.length === 0) return m;
  const out = Buffer.from(m);
  for (let n = 1 + f.int(8); n > 0; n--) {
    const i = f.int(out.length);
    out[i] = (out[i] as number) ^ (1 << f.int(8));
  }
  return out;
};

const truncate: Mutator = (f, m) => m.subarray(0, f.int(m.length + 1));

const insertBytes: Mutator = (f, m) => {
  const at = f.int(m.length + 1);
  return Buffer.concat([m.subarray(0, at), f.bytes(1 + f.int(16)), m.subarray(at)]);
};

const deleteBytes: Mutator = (f, m) => {
  if (m.length === 0) return m;
  const at = f.int(m.length);
  return Buffer.concat([m.subarray(0, at), m.subarray(at + 1 + f.int(8))]);
};

const headerField: Mutator = (f, m) => {
  const out = m.length >= 12 ? Buffer.from(m) : Buffer.concat([m, Buffer.alloc(12 - m.length)]);
  switch (f.int(7)) {
    case 0:
      out[2] = (out[2] as number) | 0x80; // QR: a response
      break;
    case 1:
      out[2] = ((out[2] as number) & 0x87) | (f.int(16) << 3); // opcode
      break;
    case 2:
      out.writeUInt16BE(f.pick([0, 2, 3, 0xffff, f.int(65536)]), 4); // QDCOUNT
      break;
    case 3:
      out.writeUInt16BE(f.pick([1, 2, 0xffff, f.int(65536)]), 6); // ANCOUNT
      break;
    case 4:
      out.writeUInt16BE(f.pick([1, 0xffff, f.int(65536)]), 8); // NSCOUNT
      break;
    case 5:
      out.writeUInt16BE(f.pick([0, 1, 2, 3, 0xffff, f.int(65536)]), 10); // ARCOUNT
      break;
    default:
      out[2] = f.int(256); // every flag at once
      out[3] = f.int(256);
  }
  return out;
};

/** Label boundaries of the question name (offsets of length octets), for aiming pointers. */
function labelOffsets(m: Buffer): number[] {
  const offsets: number[] = [];
  let at = 12;
  while (at < m.length) {
    offsets.push(at);
    const len = m[at] as number;
    if (len === 0 || len > 63) break;
    at += 1 + len;
  }
  return offsets;
}

const compressionPointer: Mutator = (f, m) => {
  if (m.length < 14) return m;
  const out = Buffer.from(m);
  const at = f.pick(labelOffsets(out));
  let target: number;
  switch (f.int(6)) {
    case 0:
      target = at; // at itself
      break;
    case 1:
      target = 12 + f.int(Math.max(1, at - 12 + 1)); // backwards (or itself)
      break;
    case 2:
      target = at + 2 + f.int(Math.max(1, out.length - at)); // forwards
      break;
    case 3:
      target = f.int(12); // into the header
      break;
    case 4:
      target = 0x3fff - f.int(16); // past the end
      break;
    default: {
      // Two pointers aimed at each other: a loop.
      const ptr = Buffer.from([0xc0 | (at >> 8), at & 0xff]);
      const tail = Buffer.concat([ptr, Buffer.from([0, 1, 0, 1])]);
      const second = out.length;
      out[at] = 0xc0 | (second >> 8);
      out[at + 1] = second & 0xff;
      return Buffer.concat([out, tail]);
    }
  }
  out[at] = 0xc0 | ((target >> 8) & 0x3f);
  if (at + 1 < out.length) out[at + 1] = target & 0xff;
  return out;
};

const badLabelLength: Mutator = (f, m) => {
  if (m.length < 13) return m;
  const out = Buffer.from(m);
  // 64..191: too long, or the 0x40/0x80 label types nobody may use.
  out[f.pick(labelOffsets(out))] = 64 + f.int(128);
  return out;
};

const hugeName: Mutator = (f, m) => {
  const header = Buffer.from(m.subarray(0, 12).length === 12 ? m.subarray(0, 12) : Buffer.alloc(12));
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(0, 10);
  const labels: Buffer[] = [];
  let total = 0;
  const target = f.pick([254, 255, 256, 300, 1000, 2000]);
  while (total < target) {
    const len = Math.min(f.chance(0.5) ? 63 : 1 + f.int(63), Math.max(1, target - total - 1));
    labels.push(Buffer.from([len]), Buffer.alloc(len, 0x61 + f.int(26)));
    total += 1 + len;
  }
  return Buffer.concat([header, ...labels, Buffer.from([0, 0, 1, 0, 1])]);
};

const badOpt: Mutator = (f, m) => {
  // Start from a well-formed question without OPT, then append a broken one.
  const base = Buffer.from(m.length >= 12 ? m : encodeQuery({ id: 1, name: 'nginx.marathon.mesos', qtype: QTYPE.A }));
  const kind = f.int(9);
  let extra: Buffer;
  let arcount = 1;
  switch (kind) {
    case 0:
      extra = optRecord({ udpSize: 4096 }, encodeName('not.root')); // owner other than the root
      break;
    case 1:
      extra = Buffer.concat([optRecord({ udpSize: 4096 }), optRecord({ udpSize: 512 })]); // two OPTs
      arcount = 2;
      break;
    case 2: {
      const opt = optRecord({ udpSize: 4096, options: Buffer.from([0, 10, 0, 8, 1, 2, 3, 4]) });
      opt.writeUInt16BE(4 + f.int(200), 9); // RDLENGTH past the end
      extra = opt;
      break;
    }
    case 3:
      extra = optRecord({ udpSize: 4096, options: Buffer.from([0, 10, 0xff, 0xff, 1, 2]) }); // option longer than RDATA
      break;
    case 4:
      extra = optRecord({ udpSize: f.int(65536), version: 1 + f.int(255), dnssecOk: f.chance(0.5) }); // EDNS version ≠ 0
      break;
    case 5:
      extra = optRecord({ udpSize: f.pick([0, 1, 511]), options: f.bytes(f.int(40)) }); // tiny size, random options
      break;
    case 6: {
      // OPT in the answer section.
      extra = optRecord({ udpSize: 4096 });
      const out = Buffer.concat([base, extra]);
      out.writeUInt16BE(1, 6);
      return out;
    }
    case 7:
      extra = optRecord({ udpSize: 4096 }).subarray(0, 1 + f.int(10)); // cut short
      break;
    default:
      extra = optRecord({ udpSize: 4096 });
      arcount = f.pick([0, 2, 3]); // ARCOUNT that disagrees
  }
  const out = Buffer.concat([base, extra]);
  if (out.length >= 12) out.writeUInt16BE(arcount, 10);
  return out;
};

const strayRecord: Mutator = (f, m) => {
  // A record of random type and RDLENGTH in a random section.
  const rr = Buffer.alloc(10);
  rr.writeUInt16BE(f.pick([1, 5, 6, 28, 33, 41, 250, 251, f.int(65536)]), 0);
  rr.writeUInt16BE(f.pick([1, 255, f.int(65536)]), 2);
  rr.writeUInt32BE(f.int(2 ** 32), 4);
  const rdata = f.bytes(f.int(32));
  rr.writeUInt16BE(f.chance(0.7) ? rdata.length : f.int(65536), 8);
  const owner = f.chance(0.5) ? Buffer.from([0xc0, 12]) : encodeName('x.mesos');
  const out = Buffer.concat([m.length >= 12 ? m : Buffer.alloc(12), owner, rr, rdata]);
  const field = f.pick([6, 8, 10]);
  out.writeUInt16BE((out.readUInt16BE(field) + 1) & 0xffff, field);
  return out;
};

const splice: Mutator = (f, m) => {
  const other = validQuery(f);
  return Buffer.concat([m.subarray(0, f.int(m.length + 1)), other.subarray(f.int(other.length + 1))]);
};

const MUTATORS: readonly Mutator[] = [
  flipBits,
  flipBits,
  truncate,
  insertBytes,
  deleteBytes,
  headerField,
  headerField,
  compressionPointer,
  compressionPointer,
  badLabelLength,
  hugeName,
  badOpt,
  badOpt,
  strayRecord,
  splice,
];

export const PacketKind = { RANDOM: 'random', VALID: 'valid', MUTATED: 'mutated' } as const;
export type PacketKind = (typeof PacketKind)[keyof typeof PacketKind];

/** One fuzz message: 15% random bytes (0–600 octets), 5% valid queries, the rest mutated queries. */
export function fuzzPacket(f: Fuzz): { readonly kind: PacketKind; readonly bytes: Buffer } {
  const roll = f.random();
  if (roll < 0.15) return { kind: PacketKind.RANDOM, bytes: f.bytes(f.int(601)) };
  let bytes = validQuery(f);
  if (roll < 0.2) return { kind: PacketKind.VALID, bytes };
  for (let n = 1 + (f.chance(0.3) ? f.int(3) : 0); n > 0; n--) bytes = f.pick(MUTATORS)(f, bytes);
  return { kind: PacketKind.MUTATED, bytes };
}
