// The messages of a zone transfer (pure): RFC 5936's answer stream for any zone given as its apex, its
// SOA and a record iterator: the SOA first, every record, the SOA again last, packed into messages of
// at most 65,535 octets, each compressed on its own. The records are read lazily, one message at a
// time, so a 650,000-name zone is never held whole; the caller pulls a message when the socket has
// room. RFC 1995's one-SOA reply (IXFR from a secondary that is up to date) is built here too.
import { HEADER_SIZE, MAX_MESSAGE_SIZE, Opcode, Rcode } from '../wire/constants.js';
import { EMPTY_SECTIONS, type ReplyEdns, type ReplyQuestion, encodeReply } from './encode-reply.js';
import { MessageWriter } from './message-writer.js';
import type { ResourceRecord, SoaRecord } from './records.js';

/** A zone as a transfer sends it: the forward zone today, a reverse zone later (each its own iterator). */
export interface TransferZone {
  /** Lower case, trailing dot: "mesos.". */
  readonly apex: string;
  readonly soa: SoaRecord;
  /** Every record of the zone, its SOA first (as zone.ts yields them); read once per transfer. */
  records(): Iterable<ResourceRecord>;
}

/** What every message of one transfer carries from the query. */
export interface TransferHead {
  readonly id: number;
  readonly rd: boolean;
  readonly cd: boolean;
  readonly ra: boolean;
  /** The question as asked; it goes in the first message only (RFC 5936 §2.2.1 allows that). */
  readonly question: ReplyQuestion;
  /** An OPT record in every message when the query had one. */
  readonly edns: ReplyEdns | undefined;
}

/**
 * The longest a record can be in wire form: a 255-octet owner, type, class, TTL, RDLENGTH, and the
 * largest RDATA the zone holds (a SOA: two 255-octet names and five 32-bit fields).
 */
const MAX_RECORD_OCTETS = 255 + 10 + 255 + 255 + 20;
/** The OPT record without options. */
const OPT_OCTETS = 11;

function startMessage(head: TransferHead, withQuestion: boolean, limit: number): MessageWriter {
  const w = new MessageWriter(limit + MAX_RECORD_OCTETS);
  w.u16(head.id);
  w.u8(0x80 | (Opcode.QUERY << 3) | 0x04 | (head.rd ? 0x01 : 0));
  w.u8((head.ra ? 0x80 : 0) | (head.cd ? 0x10 : 0) | Rcode.NOERROR);
  w.u16(withQuestion ? 1 : 0);
  w.u16(0); // ANCOUNT, patched when the message is full
  w.u16(0);
  w.u16(head.edns ? 1 : 0);
  if (withQuestion) {
    w.name(head.question.name, true);
    w.u16(head.question.type);
    w.u16(head.question.class);
  }
  return w;
}

function finishMessage(w: MessageWriter, head: TransferHead, answers: number): Uint8Array {
  w.patch16(6, answers);
  if (head.edns) w.opt(head.edns.udpSize, 0, head.edns.dnssecOk);
  return w.finish();
}

/**
 * The transfer's messages, each at most `limit` octets (65,535 unless given; at least 2 KiB): a record
 * is added while the message is short enough that the largest record and the OPT still fit.
 */
export function* transferMessages(head: TransferHead, zone: TransferZone, limit = MAX_MESSAGE_SIZE): Generator<Uint8Array, void, undefined> {
  const fillUntil = Math.max(limit, 2048) - MAX_RECORD_OCTETS - OPT_OCTETS;
  let w = startMessage(head, true, limit);
  let answers = 0;
  const add = (rr: ResourceRecord): Uint8Array | undefined => {
    let full: Uint8Array | undefined;
    if (answers > 0 && w.length > fillUntil) {
      full = finishMessage(w, head, answers);
      w = startMessage(head, false, limit);
      answers = 0;
    }
    w.record(rr);
    answers++;
    return full;
  };
  for (const rr of zone.records()) {
    const full = add(rr);
    if (full) yield full;
  }
  const full = add(zone.soa);
  if (full) yield full;
  yield finishMessage(w, head, answers);
}

/** One message holding only the zone's SOA: the IXFR reply to a secondary that has this serial or a later one. */
export function soaOnlyMessage(head: TransferHead, soa: SoaRecord): Uint8Array {
  const w = startMessage(head, true, HEADER_SIZE + 2 * MAX_RECORD_OCTETS);
  w.record(soa);
  return finishMessage(w, head, 1);
}

/** A reply to the transfer query with `rcode` and no records (REFUSED when too many transfers run). */
export function rcodeMessage(head: TransferHead, rcode: number): Uint8Array {
  return encodeReply({
    header: { id: head.id, opcode: Opcode.QUERY, aa: false, rd: head.rd, cd: head.cd, ra: head.ra, rcode },
    question: head.question,
    sections: EMPTY_SECTIONS,
    edns: head.edns,
    limit: MAX_MESSAGE_SIZE,
    setTruncateBit: false,
  }).bytes;
}
