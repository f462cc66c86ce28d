// Client networks (pure): "10.0.0.0/8", "2001:db8::/32" or a bare address (a /32 or /128), parsed once
// from config.json, and a matcher for the source addresses sockets report ("192.0.2.7", "::1", and
// "::ffff:192.0.2.7" from dual-stack sockets, which is the IPv4 client it carries).
import { isIPv4 } from 'node:net';
import { parseIPv4Into, parseIPv6Into } from './ip-bytes.js';

export interface Network {
  /** 4 or 16 octets, host bits cleared. */
  readonly octets: Uint8Array;
  readonly prefix: number;
}

export type NetworkParse = { readonly ok: true; readonly network: Network } | { readonly ok: false; readonly error: string };

const MAPPED_PREFIX_OCTETS = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff];

function addressOctets(text: string): Uint8Array | undefined {
  const zone = text.indexOf('%'); // fe80::1%eth0: the scope is not part of the address
  const src = Buffer.from(zone < 0 ? text : text.slice(0, zone), 'latin1');
  const v4 = new Uint8Array(4);
  if (parseIPv4Into(src, 0, src.length, v4, 0)) return v4;
  const v6 = new Uint8Array(16);
  if (!parseIPv6Into(src, 0, src.length, v6, 0)) return undefined;
  return MAPPED_PREFIX_OCTETS.every((b, i) => v6[i] === b) ? v6.slice(12) : v6;
}

/** "ip" or "ip/prefix"; host bits set below the prefix are an error (a likely typo). */
export function parseNetwork(text: string): NetworkParse {
  const slash = text.indexOf('/');
  const addressText = slash < 0 ? text : text.slice(0, slash);
  const src = Buffer.from(addressText, 'latin1');
  let octets: Uint8Array = new Uint8Array(4);
  if (!parseIPv4Into(src, 0, src.length, octets, 0)) {
    octets = new Uint8Array(16);
    if (!parseIPv6Into(src, 0, src.length, octets, 0)) return { ok: false, error: `"${text}" is not an IP address or network` };
  }
  const bits = octets.length * 8;
  const prefixText = slash < 0 ? String(bits) : text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > bits) {
    return { ok: false, error: `"${text}" has an invalid prefix length (expected 0-${bits})` };
  }
  const prefix = Number(prefixText);
  for (let bit = prefix; bit < bits; bit++) {
    if (((octets[bit >> 3] as number) >> (7 - (bit & 7))) & 1) {
      return { ok: false, error: `"${text}" has host bits set below /${prefix}` };
    }
  }
  return { ok: true, network: { octets, prefix } };
}

function contains(network: Network, address: Uint8Array): boolean {
  if (network.octets.length !== address.length) return false;
  const whole = network.prefix >> 3;
  for (let i = 0; i < whole; i++) if (network.octets[i] !== address[i]) return false;
  const rest = network.prefix & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return ((address[whole] as number) & mask) === network.octets[whole];
}

/**
 * A test of source addresses against networks. Both address families open (0.0.0.0/0 and ::/0, the
 * default) answers true without parsing anything; an address that does not parse matches nothing.
 */
export function networkMatcher(networks: readonly Network[]): (address: string) => boolean {
  const everyone = [4, 16].every((length) => networks.some((n) => n.octets.length === length && n.prefix === 0));
  if (everyone) return () => true;
  return (address) => {
    const octets = addressOctets(address);
    return octets !== undefined && networks.some((n) => contains(n, octets));
  };
}

/** The networks of already-validated config text (config/validate.ts rejected anything else). */
export function parseNetworks(texts: readonly string[]): Network[] {
  const out: Network[] = [];
  for (const text of texts) {
    const parsed = parseNetwork(text);
    if (parsed.ok) out.push(parsed.network);
  }
  return out;
}

const MAPPED_PREFIX = '::ffff:';
/** The hexadecimal spelling of a mapped address, ::ffff:7f00:1. */
const MAPPED_HEX = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/;

/**
 * One key per client for per-client shares (forwards, DNS/TCP and HTTP connections): the address as the
 * socket reports it, lower-cased, with an IPv4-mapped IPv6 address (::ffff:192.0.2.7 or ::ffff:c000:207,
 * from a dual-stack socket) written as the IPv4 address it carries, so one client is one client
 * whichever socket it reached. A socket reset before its address was seen has none: such sockets share
 * the key ''.
 */
export function clientKey(address: string | undefined): string {
  if (address === undefined) return '';
  const lower = address.toLowerCase();
  if (!lower.startsWith(MAPPED_PREFIX)) return lower;
  const tail = lower.slice(MAPPED_PREFIX.length);
  if (isIPv4(tail)) return tail;
  const hex = MAPPED_HEX.exec(lower);
  if (!hex) return lower;
  const high = Number.parseInt(hex[1] as string, 16);
  const low = Number.parseInt(hex[2] as string, 16);
  return `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`;
}
