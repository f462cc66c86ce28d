// DNS protocol numbers and sizes (RFC 1035, 3596, 2782, 6891), shared by the DNS server and the
// forwarder.

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
