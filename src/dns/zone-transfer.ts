// Whether and how a zone transfer query (AXFR, IXFR) is answered (pure). The rules, in order:
//   - a client outside ZoneTransferAllowFrom is answered like any in-domain query: REFUSED (SERVFAIL
//     before the first table), so the default (nobody) is the server's behaviour before transfers existed;
//   - a name that is not the apex of a zone we serve: NOTAUTH (RFC 5936 §2.2.1; what Knot and NSD answer);
//   - AXFR over UDP: NOTIMP (RFC 5936 §4.2 leaves it undefined; Knot and NSD answer NOTIMP);
//   - IXFR without the client's SOA in the authority section: FORMERR (RFC 1995 §3; Knot and NSD too);
//   - IXFR from a secondary whose serial is ours or later (RFC 1982), or any IXFR over UDP: one message
//     with our SOA (RFC 1995 §2, §4);
//   - IXFR from a serial the journal (zone-journal.ts) holds the changes since: those changes, RFC 1995's
//     difference sequences;
//   - otherwise the whole zone over TCP, as for AXFR (RFC 1995 §4 lets an IXFR be answered AXFR-style).
// The zone is read from the snapshot of the query's moment, so a table swapped in during the transfer
// does not mix into it.
import type { DnsSettings } from './settings.js';
import type { Transport } from '../forward/types.js';
import { networkMatcher, parseNetworks } from '../net/networks.js';
import type { TableSnapshot } from '../records/store.js';
import { readU32 } from '../wire/bytes.js';
import { Section } from '../wire/message.js';
import { readName } from '../wire/name.js';
import { OUR_UDP_PAYLOAD_SIZE, QType, Rcode } from '../wire/constants.js';
import type { ResolveConfig } from './resolve.js';
import { type TransferHead, type TransferZone, soaOnlyMessage } from './transfer-messages.js';
import type { ScannedQuery } from './wire-query.js';
import type { ZoneDelta, ZoneJournalView } from './zone-journal.js';
import { zoneRecords, zoneSoa } from './zone.js';

export type TransferConfig = ResolveConfig & Pick<DnsSettings, 'zoneTransferAllowFrom' | 'recurseOn' | 'reverseZones'>;

export interface TransferRequest {
  readonly qtype: typeof QType.AXFR | typeof QType.IXFR;
  /** An IXFR answered with the changes only. */
  readonly incremental: boolean;
  readonly head: TransferHead;
  readonly zone: TransferZone;
}

export type TransferDecision =
  /** Answer as any other in-domain query (REFUSED; SERVFAIL before the first table). */
  | { readonly kind: 'query' }
  /** Answer with this rcode and the question. */
  | { readonly kind: 'rcode'; readonly rcode: number }
  /** One message: our SOA. */
  | { readonly kind: 'soa'; readonly bytes: Uint8Array }
  /** The whole zone, streamed over TCP. */
  | { readonly kind: 'transfer'; readonly request: TransferRequest };

export interface TransferContext {
  readonly transport: Transport;
  readonly snapshot: TableSnapshot | undefined;
  readonly config: TransferConfig;
  readonly client: string;
  /** The zone's recent changes; without it every IXFR gets the whole zone. */
  readonly journal?: ZoneJournalView | undefined;
}

/** The allow-list's matcher, built once per config array (configs are frozen; SIGHUP brings a new one). */
const matchers = new WeakMap<readonly string[], (address: string) => boolean>();

export function transferAllowed(allowFrom: readonly string[], client: string): boolean {
  if (allowFrom.length === 0) return false;
  let matcher = matchers.get(allowFrom);
  if (!matcher) {
    matcher = networkMatcher(parseNetworks(allowFrom));
    matchers.set(allowFrom, matcher);
  }
  return matcher(client);
}

/** The zones a transfer can ask for; a reverse zone would be added here with its own iterator. */
/** The domain and each of the ReverseZones, as transferable zones (none when the SOA has no wire form). */
function servedZones(snapshot: TableSnapshot, config: TransferConfig): TransferZone[] {
  const zones: TransferZone[] = [];
  for (const zone of [config.domain, ...config.reverseZones]) {
    const soa = zoneSoa(snapshot, config, zone);
    if (!soa || soa.type !== QType.SOA) continue;
    zones.push({ apex: `${zone}.`, soa, records: () => zoneRecords(snapshot, config, undefined, { zone }) });
  }
  return zones;
}

/**
 * The IXFR answer for a secondary the deltas take to `zone`'s serial: our SOA, then per delta the SOA it
 * starts from, the records deleted, the SOA it ends at and the records added (RFC 1995 §4); the
 * closing SOA is transferMessages'.
 */
function incrementalZone(zone: TransferZone, deltas: readonly ZoneDelta[]): TransferZone {
  return {
    apex: zone.apex,
    soa: zone.soa,
    *records() {
      yield zone.soa;
      for (const delta of deltas) {
        yield delta.from;
        yield* delta.deleted;
        yield delta.to;
        yield* delta.added;
      }
    },
  };
}

/** RFC 1982: whether serial `a` is `b` or later. */
export function serialAtLeast(a: number, b: number): boolean {
  const d = (a - b) >>> 0;
  return d === 0 || d < 0x80000000;
}

/** The serial of the SOA an IXFR query carries in its authority section, or undefined. */
function ixfrClientSerial(message: Uint8Array, query: ScannedQuery): number | undefined {
  for (const record of query.layout.records) {
    if (record.section !== Section.AUTHORITY || record.type !== QType.SOA) continue;
    const mname = readName(message, record.rdataOffset, 'none');
    if (typeof mname === 'string') return undefined;
    const rname = readName(message, mname.end, 'none');
    if (typeof rname === 'string') return undefined;
    return readU32(message, rname.end);
  }
  return undefined;
}

export function decideTransfer(message: Uint8Array, query: ScannedQuery, lowerName: string, ctx: TransferContext): TransferDecision {
  const { snapshot, config } = ctx;
  if (!snapshot || !transferAllowed(config.zoneTransferAllowFrom, ctx.client)) return { kind: 'query' };
  const zone = servedZones(snapshot, config).find((z) => z.apex === lowerName);
  if (!zone) return { kind: 'rcode', rcode: Rcode.NOTAUTH };
  const head: TransferHead = {
    id: query.id,
    rd: (query.flags1 & 0x01) !== 0,
    cd: (query.flags2 & 0x10) !== 0,
    ra: config.recurseOn,
    question: { name: query.qname, type: query.qtype, class: query.qclass },
    edns: query.edns ? { udpSize: OUR_UDP_PAYLOAD_SIZE, dnssecOk: query.edns.dnssecOk } : undefined,
  };
  if (query.qtype === QType.AXFR) {
    if (ctx.transport !== 'tcp') return { kind: 'rcode', rcode: Rcode.NOTIMP };
    return { kind: 'transfer', request: { qtype: QType.AXFR, incremental: false, head, zone } };
  }
  const clientSerial = ixfrClientSerial(message, query);
  if (clientSerial === undefined) return { kind: 'rcode', rcode: Rcode.FORMERR };
  if (ctx.transport !== 'tcp' || serialAtLeast(clientSerial, zone.soa.serial)) {
    return { kind: 'soa', bytes: soaOnlyMessage(head, zone.soa) };
  }
  // The journal follows the domain only: a reverse zone's IXFR is answered with the whole zone.
  const deltas = zone.apex === `${config.domain}.` ? ctx.journal?.since(clientSerial, snapshot) : undefined;
  if (deltas) return { kind: 'transfer', request: { qtype: QType.IXFR, incremental: true, head, zone: incrementalZone(zone, deltas) } };
  return { kind: 'transfer', request: { qtype: QType.IXFR, incremental: false, head, zone } };
}
