// The pure entry point of the DNS server: one query's bytes in, a decision out (reply bytes, forward
// the query upstream, or drop it). Used by the UDP and TCP servers and by the shared case list.
//
// Checks run in NSD's order: shorter than a header → drop; QR set → drop; opcode other than QUERY →
// NOTIMP; QDCOUNT ≠ 1 → FORMERR; malformed question, records or trailing bytes → FORMERR; EDNS version
// other than 0 → BADVERS; QCLASS other than IN/ANY → REFUSED (behaviour §8 #32). Then a
// name inside the domain is answered here for every qtype (quirk #7), and so is a name inside one of
// the ReverseZones; anything else is forwarded.
//
// Most in-domain queries are answered by the direct path (direct.ts) straight from the table's bytes;
// the general path below (full validation, resolution into records, encoding) answers every query the
// direct path declines. Both give the same reply for the same query and random numbers: the shared
// case list and the equivalence test run against both.
import type { DnsSettings } from './settings.js';
import type { ForwardRequest, Transport } from '../forward/types.js';
import type { TableSnapshot } from '../records/store.js';
import { readU16 } from '../wire/bytes.js';
import { HEADER_SIZE, MAX_MESSAGE_SIZE, OUR_UDP_PAYLOAD_SIZE, QClass, QType, Rcode } from '../wire/constants.js';
import { type AnswerConfig, type DirectState, answerDirect } from './direct.js';
import {
  EMPTY_SECTIONS,
  type EncodedReply,
  type ReplyEdns,
  type ReplyHeader,
  type ReplyQuestion,
  encodeReply,
} from './encode-reply.js';
import { isInZone, lowerAscii, stripWildcards } from './names.js';
import type { ResourceRecord } from './records.js';
import { type MesosOutcome, type Resolution, resolveInDomain } from './resolve.js';
import { replySizeLimit } from './size-limit.js';
import { type MalformedReason, type ScannedQuery, scanQuery } from './wire-query.js';
import type { ZoneJournalView } from './zone-journal.js';
import { type TransferRequest, decideTransfer } from './zone-transfer.js';

export type HandleConfig = AnswerConfig;

export interface HandleContext {
  readonly transport: Transport;
  /** The serving snapshot, read once per query by the caller; undefined before the first table. */
  readonly snapshot: TableSnapshot | undefined;
  readonly config: DnsSettings;
  /** Scratch space for the direct path; without it every query takes the general path. */
  readonly direct?: DirectState | undefined;
  /** For shuffling answers, in [0, 1). */
  readonly random: () => number;
  /** The client's address as the socket reports it (for the forwarder's allow-list and shares). */
  readonly client?: string;
  /** The zone's recent changes, for incremental zone transfers. */
  readonly journal?: ZoneJournalView;
}

export const DropReason = {
  /** Shorter than a DNS header. */
  SHORT: 'short',
  /** QR set: a response, not a query (never answer those: reflection loops). */
  RESPONSE: 'response',
} as const;
export type DropReason = (typeof DropReason)[keyof typeof DropReason];

/** Why a query was answered FORMERR/NOTIMP/BADVERS/REFUSED before routing. */
export type RejectReason = MalformedReason | 'opcode' | 'qdcount' | 'edns_version' | 'qclass';

export interface ReplyInfo {
  /** QTYPE of the question, or -1 when there was none usable. */
  readonly qtype: number;
  readonly rcode: number;
  /** 'direct' when answered straight from the table's bytes, 'general' otherwise. */
  readonly path: 'direct' | 'general';
  /** An answer from the record table (inside the domain, a table loaded). */
  readonly authoritative: boolean;
  readonly outcome?: MesosOutcome;
  readonly rejected?: RejectReason;
  /** Stored names left out of the reply because they have no wire form (quirk #12). */
  readonly unencodable?: readonly string[];
  /** Set when handling threw: the reply is SERVFAIL. */
  readonly error?: unknown;
}

export type HandleResult =
  | { readonly kind: 'reply'; readonly bytes: Uint8Array; readonly info: ReplyInfo }
  | { readonly kind: 'forward'; readonly request: ForwardRequest }
  | { readonly kind: 'drop'; readonly reason: DropReason }
  /** A zone transfer to stream over TCP (zone-transfer.ts); `info` describes its first message. */
  | { readonly kind: 'transfer'; readonly request: TransferRequest; readonly info: ReplyInfo };

/** Copies an encoded reply and patches in the query's ID, RD and CD. */
function finishReply(template: Uint8Array, query: Uint8Array): Uint8Array {
  const out = Buffer.allocUnsafe(template.length);
  out.set(template);
  out[0] = query[0] as number;
  out[1] = query[1] as number;
  out[2] = ((template[2] as number) & 0xfe) | ((query[2] as number) & 0x01);
  out[3] = ((template[3] as number) & 0xef) | ((query[3] as number) & 0x10);
  return out;
}

/** Uniform Fisher–Yates shuffle of indexes 0..n-1 (the direct path draws the same numbers). */
export function shuffledOrder(n: number, random: () => number): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = order[i] as number;
    order[i] = order[j] as number;
    order[j] = t;
  }
  return order;
}

/** The answer's order for one query: a CNAME chain first as it is, the records it leads to shuffled. */
function answerOrder(resolution: Resolution, random: () => number): number[] {
  const chain = resolution.chain ?? 0;
  const order = shuffledOrder(resolution.answer.length - chain, random);
  if (chain === 0) return order;
  return [...Array.from({ length: chain }, (_, i) => i), ...order.map((i) => i + chain)];
}

function replyEdnsFor(query: ScannedQuery): ReplyEdns | undefined {
  return query.edns ? { udpSize: OUR_UDP_PAYLOAD_SIZE, dnssecOk: query.edns.dnssecOk } : undefined;
}

/** A reply with only a header (ID, opcode, RD and CD copied): for messages we cannot read. */
function headerOnlyReply(message: Uint8Array, rcode: number, rejected: RejectReason | undefined, qtype = -1): HandleResult {
  const header: ReplyHeader = {
    id: readU16(message, 0),
    opcode: ((message[2] as number) >> 3) & 0x0f,
    aa: false,
    rd: ((message[2] as number) & 0x01) !== 0,
    cd: ((message[3] as number) & 0x10) !== 0,
    ra: false,
    rcode,
  };
  const { bytes } = encodeReply({
    header,
    question: undefined,
    sections: EMPTY_SECTIONS,
    edns: undefined,
    limit: MAX_MESSAGE_SIZE,
    setTruncateBit: true,
  });
  return { kind: 'reply', bytes, info: { qtype, rcode, path: 'general', authoritative: false, ...(rejected ? { rejected } : {}) } };
}

function questionOf(query: ScannedQuery): ReplyQuestion {
  return { name: query.qname, type: query.qtype, class: query.qclass };
}

/** A reply carrying the question (and OPT when the query had one) but no records. */
function questionReply(
  query: ScannedQuery,
  rcode: number,
  ra: boolean,
  extra: Partial<Pick<ReplyInfo, 'rejected' | 'error'>>,
): HandleResult {
  const { bytes } = encodeReply({
    header: {
      id: query.id,
      opcode: query.opcode,
      aa: false,
      rd: (query.flags1 & 0x01) !== 0,
      cd: (query.flags2 & 0x10) !== 0,
      ra,
      rcode,
    },
    question: questionOf(query),
    sections: EMPTY_SECTIONS,
    edns: replyEdnsFor(query),
    limit: MAX_MESSAGE_SIZE,
    setTruncateBit: true,
  });
  return { kind: 'reply', bytes, info: { qtype: query.qtype, rcode, path: 'general', authoritative: false, ...extra } };
}

/** Encodes a resolution with its answers in `order`, with ID 0 and RD and CD clear. */
function encodeResolution(
  query: ScannedQuery,
  resolution: Resolution,
  order: readonly number[],
  config: HandleConfig,
  limit: number,
): EncodedReply {
  return encodeReply({
    header: {
      id: 0,
      opcode: 0,
      aa: resolution.rcode !== Rcode.REFUSED && resolution.rcode !== Rcode.SERVFAIL,
      rd: false,
      cd: false,
      ra: config.recurseOn,
      rcode: resolution.rcode,
    },
    question: questionOf(query),
    sections: {
      answer: order.map((i) => resolution.answer[i] as ResourceRecord),
      authority: resolution.authority,
      additional: resolution.additional,
    },
    edns: replyEdnsFor(query),
    limit,
    setTruncateBit: config.setTruncateBit,
  });
}

/** Answers a name inside the zone `apex` (the domain or a reverse zone, FQDN) from the table. */
function answerInZone(message: Uint8Array, query: ScannedQuery, lowerName: string, apex: string, ctx: HandleContext): HandleResult {
  const snapshot = ctx.snapshot;
  if (!snapshot) {
    // Quirk #19: listening before the first table; never a cacheable negative answer.
    return questionReply(query, Rcode.SERVFAIL, ctx.config.recurseOn, {});
  }
  const resolution = resolveInDomain(
    { qname: query.qname, lname: stripWildcards(lowerName), qtype: query.qtype },
    snapshot,
    ctx.config,
    apex,
  );
  const limit = replySizeLimit(ctx.transport, query.edns !== undefined, query.edns?.udpSize ?? 0, query.qtype, ctx.config.maxUdpReplyBytes);
  const { bytes } = encodeResolution(query, resolution, answerOrder(resolution, ctx.random), ctx.config, limit);
  const info: ReplyInfo = {
    qtype: query.qtype,
    rcode: resolution.rcode,
    path: 'general',
    authoritative: true,
    outcome: resolution.outcome,
    ...(resolution.unencodable.length > 0 ? { unencodable: resolution.unencodable } : {}),
  };
  return { kind: 'reply', bytes: finishReply(bytes, message), info };
}

/** AXFR/IXFR inside the domain: a transfer, an rcode or the SOA; undefined answers it as any query (REFUSED). */
function answerTransfer(message: Uint8Array, query: ScannedQuery, lowerName: string, ctx: HandleContext): HandleResult | undefined {
  const decision = decideTransfer(message, query, lowerName, { ...ctx, client: ctx.client ?? '' });
  switch (decision.kind) {
    case 'query':
      return undefined;
    case 'rcode':
      return questionReply(query, decision.rcode, ctx.config.recurseOn, {});
    case 'soa':
      return { kind: 'reply', bytes: decision.bytes, info: { qtype: query.qtype, rcode: Rcode.NOERROR, path: 'general', authoritative: true, outcome: 'success' } };
    case 'transfer':
      return {
        kind: 'transfer',
        request: decision.request,
        info: { qtype: query.qtype, rcode: Rcode.NOERROR, path: 'general', authoritative: true, outcome: 'success' },
      };
  }
}

function generalPath(message: Uint8Array, ctx: HandleContext): HandleResult {
  const opcode = ((message[2] as number) >> 3) & 0x0f;
  if (opcode !== 0) return headerOnlyReply(message, Rcode.NOTIMP, 'opcode');
  if (readU16(message, 4) !== 1) return headerOnlyReply(message, Rcode.FORMERR, 'qdcount');
  const scanned = scanQuery(message);
  if (!scanned.ok) return headerOnlyReply(message, Rcode.FORMERR, scanned.reason);
  const query = scanned.query;
  if (query.edns && query.edns.version !== 0) {
    return questionReply(query, Rcode.BADVERS, false, { rejected: 'edns_version' });
  }
  if (query.qclass !== QClass.IN && query.qclass !== QClass.ANY) {
    return questionReply(query, Rcode.REFUSED, false, { rejected: 'qclass' });
  }
  const lowerName = lowerAscii(query.qname);
  const domain = `${ctx.config.domain}.`;
  if (isInZone(lowerName, domain)) {
    const transfer = query.qtype === QType.AXFR || query.qtype === QType.IXFR ? answerTransfer(message, query, lowerName, ctx) : undefined;
    return transfer ?? answerInZone(message, query, lowerName, domain, ctx);
  }
  const reverseZone = reverseZoneHolding(lowerName, ctx.config.reverseZones);
  if (reverseZone !== undefined) {
    const transfer = query.qtype === QType.AXFR || query.qtype === QType.IXFR ? answerTransfer(message, query, lowerName, ctx) : undefined;
    return transfer ?? answerInZone(message, query, lowerName, reverseZone, ctx);
  }
  const edns = query.edns;
  return {
    kind: 'forward',
    request: {
      query: message,
      layout: query.layout,
      id: query.id,
      qname: query.qname,
      qtype: query.qtype,
      qclass: query.qclass,
      transport: ctx.transport,
      client: ctx.client ?? '',
      maxSize: replySizeLimit(ctx.transport, edns !== undefined, edns?.udpSize ?? 0, query.qtype, ctx.config.maxUdpReplyBytes),
    },
  };
}

/** The apex (FQDN) of the reverse zone holding the name, if any. */
function reverseZoneHolding(lowerName: string, zones: readonly string[]): string | undefined {
  for (const zone of zones) {
    const apex = `${zone}.`;
    if (isInZone(lowerName, apex)) return apex;
  }
  return undefined;
}

/** SERVFAIL for a query whose handling threw (a failure on the DNS path is SERVFAIL + a log line). */
function failureReply(message: Uint8Array, error: unknown): HandleResult {
  try {
    const scanned = readU16(message, 4) === 1 ? scanQuery(message) : undefined;
    if (scanned?.ok) return questionReply(scanned.query, Rcode.SERVFAIL, false, { error });
  } catch {
    // fall through to a header-only reply
  }
  const result = headerOnlyReply(message, Rcode.SERVFAIL, undefined);
  if (result.kind !== 'reply') return result;
  return { kind: 'reply', bytes: result.bytes, info: { qtype: -1, rcode: Rcode.SERVFAIL, path: 'general', authoritative: false, error } };
}

/** SERVFAIL for a query (at least a header long), e.g. when forwarding failed unexpectedly. */
export function servfailReply(message: Uint8Array): Uint8Array {
  if (message.length < HEADER_SIZE) throw new RangeError('message shorter than a DNS header');
  const result = failureReply(message, undefined);
  return result.kind === 'reply' ? result.bytes : new Uint8Array(0);
}

/** The direct path's reply as a HandleResult (a copy of the scratch bytes). */
function directResult(direct: DirectState): HandleResult {
  return {
    kind: 'reply',
    bytes: direct.copyReply(),
    info: { qtype: direct.qtype, rcode: direct.rcode, path: 'direct', authoritative: true, outcome: direct.outcome },
  };
}

export function handleQuery(message: Uint8Array, ctx: HandleContext): HandleResult {
  if (message.length < HEADER_SIZE) return { kind: 'drop', reason: DropReason.SHORT };
  if (((message[2] as number) & 0x80) !== 0) return { kind: 'drop', reason: DropReason.RESPONSE };
  try {
    const direct = ctx.direct;
    if (direct && answerDirect(message, ctx.transport, ctx.snapshot, ctx.config, ctx.random, direct)) return directResult(direct);
    return generalPath(message, ctx);
  } catch (error) {
    return failureReply(message, error);
  }
}
