// The resource records an authoritative answer is made of (pure data, class IN), and conversion of
// the table's stored address text to wire octets (src/net/ip-bytes.ts does the parsing).
import { parseIPv4Into, parseIPv6Into } from '../net/ip-bytes.js';
import { QType } from '../wire/constants.js';

export interface AddressRecord {
  readonly type: typeof QType.A | typeof QType.AAAA;
  readonly name: string;
  readonly ttl: number;
  /** 4 octets for A, 16 for AAAA. */
  readonly address: Uint8Array;
}

export interface SrvRecord {
  readonly type: typeof QType.SRV;
  readonly name: string;
  readonly ttl: number;
  readonly priority: number;
  readonly weight: number;
  readonly port: number;
  readonly target: string;
}

export interface SoaRecord {
  readonly type: typeof QType.SOA;
  readonly name: string;
  readonly ttl: number;
  readonly mname: string;
  readonly rname: string;
  readonly serial: number;
  readonly refresh: number;
  readonly retry: number;
  readonly expire: number;
  readonly minimum: number;
}

export interface NsRecord {
  readonly type: typeof QType.NS;
  readonly name: string;
  readonly ttl: number;
  readonly target: string;
}

/** PTR (reverse names) and CNAME (static records): a name pointing at another name. */
export interface NameTargetRecord {
  readonly type: typeof QType.PTR | typeof QType.CNAME;
  readonly name: string;
  readonly ttl: number;
  readonly target: string;
}

export type ResourceRecord = AddressRecord | SrvRecord | SoaRecord | NsRecord | NameTargetRecord;

/** Scratch for address text: an address is at most 45 characters (longer text is not one). */
const TEXT_OCTETS = new Uint8Array(64);

/** Copies the text's octets into TEXT_OCTETS; its length, or -1 when it is too long or not all ASCII. */
function asciiOctets(text: string): number {
  if (text.length > TEXT_OCTETS.length) return -1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x80) return -1;
    TEXT_OCTETS[i] = c;
  }
  return text.length;
}

/** Octets of a dotted-quad IPv4 text, or undefined (e.g. a slave host fragment). */
export function parseIPv4(text: string): Uint8Array | undefined {
  const length = asciiOctets(text);
  const out = new Uint8Array(4);
  return length >= 0 && parseIPv4Into(TEXT_OCTETS, 0, length, out, 0) ? out : undefined;
}

/** Octets of an IPv6 text (with optional embedded dotted quad), or undefined. */
export function parseIPv6(text: string): Uint8Array | undefined {
  const length = asciiOctets(text);
  const out = new Uint8Array(16);
  return length >= 0 && parseIPv6Into(TEXT_OCTETS, 0, length, out, 0) ? out : undefined;
}
