// The pure entry point of the DNS server: one query's bytes in, a decision out (reply bytes, forward
// the query upstream, or drop it). Used by the UDP and TCP servers and by the shared case list.
//
// Checks run in NSD's order: shorter than a header → drop; QR set → drop; opcode other than QUERY →
// NOTIMP; QDCOUNT ≠ 1 → FORMERR; malformed question, records or trailing bytes → FORMERR; EDNS version
// other than 0 → BADVERS; QCLASS other than IN/ANY → REFUSED (spec §8 #32). Then a name inside the
// domain is answered here for every qtype (§8 #7), anything else is forwarded.
//
// Hot path: a plain query (see scanPlainQuery) whose reply was already encoded for this table and
// config is served by copying that reply and patching ID, RD and CD. Everything else takes the general
// path: full validation, dns2's decoder for the records, resolution, encoding; plain in-domain queries
// then seed the hot path's cache.
import { Packet } from 'dns2';
import type { Config } from '../config/types.js';
import type { ForwardRequest, Transport } from '../forward/types.js';
import type { TableSnapshot } from '../records/store.js';
import {
  CLASSIC_UDP_SIZE,
  HEADER_SIZE,
  MAX_MESSAGE_SIZE,
  OUR_UDP_PAYLOAD_SIZE,
  QClass,
  QType,
  Rcode,
} from './constants.js';
import {
  EMPTY_SECTIONS,
  type EncodeReplyInput,
  type EncodedReply,
  type ReplyEdns,
  type ReplyHeader,
  type ReplyQuestion,
  type ReplySections,
  encodeReply,
} from './encode-reply.js';
import { isInZone, lowerAscii, stripWildcards } from './names.js';
import type { ResourceRecord } from './records.js';
import { type MesosOutcome, type Resolution, type ResolveConfig, resolveInDomain } from './resolve.js';
import type { ResponseCache } from './response-cache.js';
import { type MalformedReason, type ScannedQuery, scanPlainQuery, scanQuery } from './wire-query.js';

export type HandleConfig = ResolveConfig & Pick<Config, 'recurseOn' | 'setTruncateBit'>;

export interface HandleContext {
  readonly transport: Transport;
  /** The serving snapshot, read once per query by the caller; undefined before the first table. */
  readonly snapshot: TableSnapshot | undefined;
  readonly config: Config;
  /** The hot path's reply cache; without one every query takes the general path. */
  readonly cache?: ResponseCache | undefined;
  /** For shuffling answers, in [0, 1). */
  readonly random: () => number;
}

export const DropReason = {
  /** Shorter than a DNS header. */
  SHORT: 'short',
  /** QR set: a response, not a query (never answer those: reflection loops). */
  RESPONSE: 'response',
} as const;
export type DropReason = (typeof DropReason)[keyof typeof DropReason];

/** Why a query was answered FORMERR/NOTIMP/BADVERS/REFUSED before routing. */
export type RejectReason = MalformedReason | 'opcode' | 'qdcount' | 'record' | 'edns_version' | 'qclass';

export interface ReplyInfo {
  /** QTYPE of the question, or -1 when there was none usable. */
  readonly qtype: number;
  readonly rcode: number;
  /** 'hot' for a cached reply, 'general' otherwise. */
  readonly path: 'hot' | 'general';
  /** An answer from the record table (inside the domain, a table loaded). */
  readonly authoritative: boolean;
  readonly outcome?: MesosOutcome;
  readonly rejected?: RejectReason;
  /** Stored names left out of the reply because they have no wire form (spec §8 #12). */
  readonly unencodable?: readonly string[];
  /** Set when handling threw: the reply is SERVFAIL. */
  readonly error?: unknown;
}

export type HandleResult =
  | { readonly kind: 'reply'; readonly bytes: Uint8Array; readonly info: ReplyInfo }
  | { readonly kind: 'forward'; readonly request: ForwardRequest }
  | { readonly kind: 'drop'; readonly reason: DropReason };

/** Answer orders pre-encoded per cached reply when the answer has several records. */
const MAX_CACHED_ORDERS = 8;

function u16(buf: Uint8Array, offset: number): number {
  return ((buf[offset] as number) << 8) | (buf[offset + 1] as number);
}

function asBuffer(message: Uint8Array): Buffer {
  return Buffer.isBuffer(message) ? message : Buffer.from(message.buffer, message.byteOffset, message.byteLength);
}

/** The reply size limit: 65535 over TCP; over UDP the client's EDNS size (512..65535) or 512 (§8 #1). */
export function replySizeLimit(transport: Transport, edns: boolean, udpSize: number, qtype: number): number {
  if (transport === 'tcp') return MAX_MESSAGE_SIZE;
  // ANY over UDP stays within 512 octets whatever the client advertises: no amplification; clients that
  // want everything retry over TCP on TC.
  if (!edns || qtype === QType.ANY) return CLASSIC_UDP_SIZE;
  return Math.min(Math.max(udpSize, CLASSIC_UDP_SIZE), MAX_MESSAGE_SIZE);
}

/** Copies a reply template and patches in the query's ID, RD and CD. */
function finishReply(template: Uint8Array, query: Uint8Array): Uint8Array {
  const out = Buffer.allocUnsafe(template.length);
  out.set(template);
  out[0] = query[0] as number;
  out[1] = query[1] as number;
  out[2] = ((template[2] as number) & 0xfe) | ((query[2] as number) & 0x01);
  out[3] = ((template[3] as number) & 0xef) | ((query[3] as number) & 0x10);
  return out;
}

/** Uniform Fisher–Yates shuffle of indexes 0..n-1. */
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

function permutations(n: number): number[][] {
  if (n <= 1) return [Array.from({ length: n }, (_, i) => i)];
  const out: number[][] = [];
  for (const rest of permutations(n - 1)) {
    for (let pos = 0; pos <= rest.length; pos++) out.push([...rest.slice(0, pos), n - 1, ...rest.slice(pos)]);
  }
  return out;
}

/** The orders pre-encoded for a cached reply: all of them for up to 3 records, else 8 random ones. */
function cachedOrders(n: number, random: () => number): number[][] {
  if (n <= 3) return permutations(n);
  return Array.from({ length: MAX_CACHED_ORDERS }, () => shuffledOrder(n, random));
}

function ordered(records: readonly ResourceRecord[], order: readonly number[]): ResourceRecord[] {
  return order.map((i) => records[i] as ResourceRecord);
}

function replyEdnsFor(query: ScannedQuery): ReplyEdns | undefined {
  return query.edns ? { udpSize: OUR_UDP_PAYLOAD_SIZE, dnssecOk: query.edns.dnssecOk } : undefined;
}

/** A reply with only a header (ID, opcode, RD and CD copied): for messages we cannot read. */
function headerOnlyReply(message: Uint8Array, rcode: number, rejected: RejectReason, qtype = -1): HandleResult {
  const header: ReplyHeader = {
    id: u16(message, 0),
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
  return { kind: 'reply', bytes, info: { qtype, rcode, path: 'general', authoritative: false, rejected } };
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

/** dns2's decoder reads every record (our scanner has validated the structure already). */
function decodeRecords(message: Uint8Array): { ok: boolean; version: number | undefined } {
  const packet = Packet.parse(asBuffer(message));
  if (packet.errors.length > 0) return { ok: false, version: undefined };
  const opt = packet.additionals.find((r) => r.type === QType.OPT);
  return { ok: true, version: opt ? (opt.version ?? 0) : undefined };
}

/** Encodes a resolution for one answer order, as a template (ID 0, RD and CD clear). */
function encodeTemplate(
  query: ScannedQuery,
  resolution: Resolution,
  order: readonly number[],
  config: HandleConfig,
  limit: number,
): EncodedReply {
  const sections: ReplySections = {
    answer: ordered(resolution.answer, order),
    authority: resolution.authority,
    additional: resolution.additional,
  };
  const input: EncodeReplyInput = {
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
    sections,
    edns: replyEdnsFor(query),
    limit,
    setTruncateBit: config.setTruncateBit,
  };
  return encodeReply(input);
}

function answerInDomain(message: Uint8Array, query: ScannedQuery, lowerName: string, ctx: HandleContext): HandleResult {
  const snapshot = ctx.snapshot;
  if (!snapshot) {
    // Spec §8 #19: listening before the first table; never a cacheable negative answer.
    return questionReply(query, Rcode.SERVFAIL, ctx.config.recurseOn, {});
  }
  const resolution = resolveInDomain(
    { qname: query.qname, lname: stripWildcards(lowerName), qtype: query.qtype },
    snapshot,
    ctx.config,
  );
  const limit = replySizeLimit(ctx.transport, query.edns !== undefined, query.edns?.udpSize ?? 0, query.qtype);
  const info: ReplyInfo = {
    qtype: query.qtype,
    rcode: resolution.rcode,
    path: 'general',
    authoritative: true,
    outcome: resolution.outcome,
    ...(resolution.unencodable.length > 0 ? { unencodable: resolution.unencodable } : {}),
  };
  const plain = ctx.cache ? scanPlainQuery(message) : undefined;
  if (ctx.cache && plain) {
    const orders = cachedOrders(resolution.answer.length, ctx.random);
    const first = encodeTemplate(query, resolution, orders[0] ?? [], ctx.config, limit);
    // Too big to keep: answer without pre-encoding the other orders.
    if (first.bytes.length * orders.length > ctx.cache.maxEntryBytes) return { kind: 'reply', bytes: finishReply(first.bytes, message), info };
    const encoded = [first, ...orders.slice(1).map((order) => encodeTemplate(query, resolution, order, ctx.config, limit))];
    const replies = encoded.map((e) => e.bytes);
    const complete = encoded.every((e) => e.dropped === 'none');
    ctx.cache.put(cacheKey(message, plain.questionEnd, plain.ednsState), snapshot, ctx.config, limit, complete, replies, {
      qtype: query.qtype,
      rcode: resolution.rcode,
      outcome: resolution.outcome,
    });
    const pick = replies[Math.floor(ctx.random() * replies.length)] ?? first.bytes;
    return { kind: 'reply', bytes: finishReply(pick, message), info };
  }
  const order = shuffledOrder(resolution.answer.length, ctx.random);
  const { bytes } = encodeTemplate(query, resolution, order, ctx.config, limit);
  return { kind: 'reply', bytes: finishReply(bytes, message), info };
}

function cacheKey(message: Uint8Array, questionEnd: number, ednsState: number): string {
  return asBuffer(message).toString('latin1', HEADER_SIZE, questionEnd) + String.fromCharCode(48 + ednsState);
}

function tryHotPath(message: Uint8Array, ctx: HandleContext, cache: ResponseCache): HandleResult | undefined {
  const plain = scanPlainQuery(message);
  if (!plain) return undefined;
  const limit = replySizeLimit(ctx.transport, plain.ednsState !== 0, plain.udpSize, plain.qtype);
  const hit = cache.get(cacheKey(message, plain.questionEnd, plain.ednsState), ctx.snapshot, ctx.config, limit);
  if (!hit) return undefined;
  const n = hit.replies.length;
  const template = (n === 1 ? hit.replies[0] : hit.replies[Math.floor(ctx.random() * n)]) as Uint8Array;
  return {
    kind: 'reply',
    bytes: finishReply(template, message),
    info: { qtype: hit.meta.qtype, rcode: hit.meta.rcode, path: 'hot', authoritative: true, outcome: hit.meta.outcome },
  };
}

function generalPath(message: Uint8Array, ctx: HandleContext): HandleResult {
  const opcode = ((message[2] as number) >> 3) & 0x0f;
  if (opcode !== 0) return headerOnlyReply(message, Rcode.NOTIMP, 'opcode');
  if (u16(message, 4) !== 1) return headerOnlyReply(message, Rcode.FORMERR, 'qdcount');
  const scanned = scanQuery(message);
  if (!scanned.ok) return headerOnlyReply(message, Rcode.FORMERR, scanned.reason);
  const query = scanned.query;
  const decoded = decodeRecords(message);
  if (!decoded.ok) return headerOnlyReply(message, Rcode.FORMERR, 'record', query.qtype);
  if (decoded.version !== undefined && decoded.version !== 0) {
    return questionReply(query, Rcode.BADVERS, false, { rejected: 'edns_version' });
  }
  if (query.qclass !== QClass.IN && query.qclass !== QClass.ANY) {
    return questionReply(query, Rcode.REFUSED, false, { rejected: 'qclass' });
  }
  const lowerName = lowerAscii(query.qname);
  if (isInZone(lowerName, `${ctx.config.domain}.`)) return answerInDomain(message, query, lowerName, ctx);
  const edns = query.edns;
  return {
    kind: 'forward',
    request: {
      query: message,
      id: query.id,
      qname: query.qname,
      qtype: query.qtype,
      qclass: query.qclass,
      transport: ctx.transport,
      maxSize:
        ctx.transport === 'tcp'
          ? MAX_MESSAGE_SIZE
          : edns
            ? Math.min(Math.max(edns.udpSize, CLASSIC_UDP_SIZE), MAX_MESSAGE_SIZE)
            : CLASSIC_UDP_SIZE,
    },
  };
}

/** SERVFAIL for a query whose handling threw (spec: a failure on the DNS path is SERVFAIL + a log line). */
function failureReply(message: Uint8Array, error: unknown): HandleResult {
  try {
    const scanned = u16(message, 4) === 1 ? scanQuery(message) : undefined;
    if (scanned?.ok) return questionReply(scanned.query, Rcode.SERVFAIL, false, { error });
  } catch {
    // fall through to a header-only reply
  }
  const result = headerOnlyReply(message, Rcode.SERVFAIL, 'record');
  if (result.kind !== 'reply') return result;
  return { kind: 'reply', bytes: result.bytes, info: { qtype: -1, rcode: Rcode.SERVFAIL, path: 'general', authoritative: false, error } };
}

/** SERVFAIL for a query (at least a header long), e.g. when forwarding failed unexpectedly. */
export function servfailReply(message: Uint8Array): Uint8Array {
  if (message.length < HEADER_SIZE) throw new RangeError('message shorter than a DNS header');
  const result = failureReply(message, undefined);
  return result.kind === 'reply' ? result.bytes : new Uint8Array(0);
}

export function handleQuery(message: Uint8Array, ctx: HandleContext): HandleResult {
  if (message.length < HEADER_SIZE) return { kind: 'drop', reason: DropReason.SHORT };
  if (((message[2] as number) & 0x80) !== 0) return { kind: 'drop', reason: DropReason.RESPONSE };
  try {
    if (ctx.cache) {
      const hot = tryHotPath(message, ctx, ctx.cache);
      if (hot) return hot;
    }
    return generalPath(message, ctx);
  } catch (error) {
    return failureReply(message, error);
  }
}
