// Seeded generators of the most expensive messages a client can send, for the fuzz suite and the
// per-message CPU budget check (bench/fuzz.ts): compression-pointer chains as deep and as long as the
// name reader allows, repeated in as many records as fit, and messages of the largest size a transport
// carries (maximal record counts, one OPT full of empty options, the longest question names).
import { headerBytes, pointerBytes, recordBytes } from '../helpers/dns-bytes.js';
import type { Fuzz } from './packets.js';

/** The largest UDP payload over IPv4, the largest frame the TCP listener reads, the largest query read. */
export const MAX_UDP_DATAGRAM = 65_507;
export const MAX_TCP_QUERY = 16 * 1024;
export const MAX_QUERY = 4096;

const TYPE_A = 1;
const TYPE_NS = 2;
const TYPE_OPT = 41;

/** A query with RD and these counts. */
function header(id: number, counts: { qd: number; an: number; ns: number; ar: number }): Buffer {
  return Buffer.from(headerBytes(id, 0x01, counts));
}

function pointer(offset: number): Buffer {
  return Buffer.from(pointerBytes(offset));
}

/** A record's fields after its owner (class IN, TTL 60). */
function recordTail(type: number, rdata: Buffer): Buffer {
  return Buffer.from(recordBytes([], type, [...rdata], 60));
}

/** Spreads `total` records over the answer, authority and additional counts (each at most 65535). */
function spread(total: number, f: Fuzz): { an: number; ns: number; ar: number } {
  const an = f.int(Math.min(total, 65_535) + 1);
  const ns = Math.min(total - an, 65_535);
  return { an, ns, ar: total - an - ns };
}

export interface ChainSpec {
  /** Total message size to fill. */
  readonly size: number;
  /** Pointer hops in the deepest name (the reader's limit is 32). */
  readonly hops: number;
  /** One-octet labels between two pointers. */
  readonly labelsPerHop: number;
  /** Whether RDATA names (NS) follow the chain too, doubling the walks per record. */
  readonly rdataChains: boolean;
  /** Stop after this many records (default: as many as fit). */
  readonly maxRecords?: number;
}

/**
 * A query whose records all own (and, for NS, point to) the deepest name of a chain of pointers: the
 * chain is built in the first records' owners, each owner some labels plus a pointer to the previous one.
 */
export function pointerChainMessage(f: Fuzz, spec: ChainSpec): Buffer {
  const parts: Buffer[] = [];
  let at = 12;
  const push = (b: Buffer): void => {
    parts.push(b);
    at += b.length;
  };
  push(Buffer.from([1, 0x61, 5, 0x6d, 0x65, 0x73, 0x6f, 0x73, 0, 0, TYPE_A, 0, 1])); // a.mesos. A IN
  let deepest = 12;
  let records = 0;
  const label = Buffer.alloc(spec.labelsPerHop * 2);
  for (let i = 0; i < spec.labelsPerHop; i++) label.set([1, 0x61 + f.int(26)], i * 2);
  for (let hop = 0; hop < spec.hops && at + label.length + 2 + 14 <= spec.size && records < (spec.maxRecords ?? Infinity); hop++) {
    const owner = at;
    push(Buffer.concat([label, pointer(deepest), recordTail(TYPE_A, Buffer.from([192, 0, 2, 1]))]));
    deepest = owner;
    records++;
  }
  const rdata = spec.rdataChains ? pointer(deepest) : Buffer.from([192, 0, 2, 2]);
  const type = spec.rdataChains ? TYPE_NS : TYPE_A;
  const each = Buffer.concat([pointer(deepest), recordTail(type, rdata)]);
  while (at + each.length <= spec.size && records < (spec.maxRecords ?? Infinity)) {
    push(each);
    records++;
  }
  const counts = spread(records, f);
  return Buffer.concat([header(f.int(65_536), { qd: 1, ...counts }), ...parts]);
}

/** A query of the given size whose additional section is one OPT record full of empty options. */
export function optionFloodMessage(f: Fuzz, size: number): Buffer {
  const question = Buffer.from([1, 0x61, 5, 0x6d, 0x65, 0x73, 0x6f, 0x73, 0, 0, TYPE_A, 0, 1]);
  const rdlength = Math.min(65_535, size - 12 - question.length - 11) & ~3;
  const opt = Buffer.alloc(11 + rdlength);
  opt.writeUInt16BE(TYPE_OPT, 1);
  opt.writeUInt16BE(4096, 3);
  opt.writeUInt16BE(rdlength, 9);
  for (let o = 11; o < opt.length; o += 4) opt.writeUInt16BE(65_001 + f.int(500), o); // local-use codes, empty
  return Buffer.concat([header(f.int(65_536), { qd: 1, an: 0, ns: 0, ar: 1 }), question, opt]);
}

/** A query of the given size packed with the smallest records (root owner, empty RDATA). */
export function recordFloodMessage(f: Fuzz, size: number): Buffer {
  const question = Buffer.from([1, 0x61, 5, 0x6d, 0x65, 0x73, 0x6f, 0x73, 0, 0, TYPE_A, 0, 1]);
  const record = Buffer.concat([Buffer.from([0]), recordTail(65_280 + f.int(200), Buffer.alloc(0))]);
  const count = Math.floor((size - 12 - question.length) / record.length);
  const counts = spread(count, f);
  return Buffer.concat([header(f.int(65_536), { qd: 1, ...counts }), question, Buffer.alloc(count * record.length).fill(record)]);
}

/** A question name of 255 octets in one-octet labels, reached through as many pointers as allowed. */
export function longQuestionMessage(f: Fuzz): Buffer {
  const labels: number[] = [];
  while (labels.length + 2 + 1 <= 255) labels.push(1, 0x61 + f.int(26));
  labels.push(0);
  return Buffer.concat([header(f.int(65_536), { qd: 1, an: 0, ns: 0, ar: 0 }), Buffer.from(labels), Buffer.from([0, TYPE_A, 0, 1])]);
}

export const HostileKind = {
  CHAIN_UDP: 'pointer chains, 65,507-octet datagram',
  CHAIN_UDP_RDATA: 'pointer chains in owners and NS RDATA, 65,507 octets',
  CHAIN_TCP: 'pointer chains, 16 KiB TCP frame',
  OPTION_FLOOD: 'one OPT of 16,000 empty options',
  RECORD_FLOOD: 'smallest records, 65,507 octets',
  LONG_QUESTION: '255-octet question of 127 labels',
  CHAIN_MAX_QUERY: 'pointer chains, 4,096 octets',
  CHAIN_RECORD_LIMIT: '16 records owning and pointing to 30-hop chains',
  OPTION_FLOOD_MAX_QUERY: 'one OPT of 1,000 empty options in 4,096 octets',
} as const;
export type HostileKind = (typeof HostileKind)[keyof typeof HostileKind];

/** One message of each expensive shape, drawn afresh from the seed. */
export function hostileMessage(f: Fuzz, kind: HostileKind): Buffer {
  switch (kind) {
    case HostileKind.CHAIN_UDP:
      return pointerChainMessage(f, { size: MAX_UDP_DATAGRAM, hops: 30, labelsPerHop: 4, rdataChains: false });
    case HostileKind.CHAIN_UDP_RDATA:
      return pointerChainMessage(f, { size: MAX_UDP_DATAGRAM, hops: 30, labelsPerHop: 4, rdataChains: true });
    case HostileKind.CHAIN_TCP:
      return pointerChainMessage(f, { size: MAX_TCP_QUERY, hops: 30, labelsPerHop: 4, rdataChains: true });
    case HostileKind.OPTION_FLOOD:
      return optionFloodMessage(f, MAX_UDP_DATAGRAM);
    case HostileKind.RECORD_FLOOD:
      return recordFloodMessage(f, MAX_UDP_DATAGRAM);
    case HostileKind.LONG_QUESTION:
      return longQuestionMessage(f);
    case HostileKind.CHAIN_MAX_QUERY:
      return pointerChainMessage(f, { size: MAX_QUERY, hops: 30, labelsPerHop: 4, rdataChains: true });
    case HostileKind.CHAIN_RECORD_LIMIT:
      return pointerChainMessage(f, { size: MAX_QUERY, hops: 15, labelsPerHop: 8, rdataChains: true, maxRecords: 16 });
    case HostileKind.OPTION_FLOOD_MAX_QUERY:
      return optionFloodMessage(f, MAX_QUERY);
  }
}
