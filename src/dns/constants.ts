// What the DNS server adds to the protocol numbers of wire/constants.ts: their names for metrics and
// the bounds on a query.
import { QType, Rcode } from '../wire/constants.js';

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
