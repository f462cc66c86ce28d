// DNS protocol numbers used by the server (RFC 1035, 3596, 2782, 6891) and their names for metrics.

export const QType = {
  A: 1,
  NS: 2,
  CNAME: 5,
  SOA: 6,
  PTR: 12,
  MX: 15,
  TXT: 16,
  AAAA: 28,
  SRV: 33,
  OPT: 41,
  DS: 43,
  IXFR: 251,
  AXFR: 252,
  ANY: 255,
} as const;

export const QClass = {
  IN: 1,
  CH: 3,
  HS: 4,
  NONE: 254,
  ANY: 255,
} as const;

export const Rcode = {
  NOERROR: 0,
  FORMERR: 1,
  SERVFAIL: 2,
  NXDOMAIN: 3,
  NOTIMP: 4,
  REFUSED: 5,
  /** Not authoritative for the zone asked (RFC 2136; RFC 5936 §2.2.1 for zone transfers). */
  NOTAUTH: 9,
  /** Extended rcode (RFC 6891): the high 8 bits travel in the OPT record. */
  BADVERS: 16,
} as const;

export const Opcode = {
  QUERY: 0,
  NOTIFY: 4,
} as const;

/** The UDP payload size we advertise in our OPT record (the DNS flag day 2020 value). */
export const OUR_UDP_PAYLOAD_SIZE = 1232;
/** Without EDNS0 a UDP reply may take at most this many bytes (RFC 1035 §4.2.1). */
export const CLASSIC_UDP_SIZE = 512;
/** A DNS message over TCP (and any message at all) is at most this long. */
export const MAX_MESSAGE_SIZE = 65535;
export const HEADER_SIZE = 12;

const QTYPE_NAMES: ReadonlyMap<number, string> = new Map(Object.entries(QType).map(([name, code]) => [code, name]));
const RCODE_NAMES: ReadonlyMap<number, string> = new Map(Object.entries(Rcode).map(([name, code]) => [code, name]));

/** A bounded label value for metrics: the known type's name, else "OTHER". */
export function qtypeLabel(qtype: number): string {
  return QTYPE_NAMES.get(qtype) ?? 'OTHER';
}

export function rcodeLabel(rcode: number): string {
  return RCODE_NAMES.get(rcode) ?? 'OTHER';
}

/**
 * What a query may carry. A query holds a question and at most an OPT, a TSIG or SIG(0) and, for
 * NOTIFY or IXFR, one SOA; EDNS padding keeps it in a few hundred octets. Bounding both keeps the work
 * per message small whatever a client sends (no record list of 5,000 pointer chains in a 64 KB
 * datagram). docs/security.md.
 */
export const QUERY_LIMITS = Object.freeze({ maxRecords: 16, maxBytes: 4096 });
