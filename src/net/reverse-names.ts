// Reverse names (pure): an IP's name under in-addr.arpa (RFC 1035 §3.5) or ip6.arpa (RFC 3596 §2.5),
// and the reverse zones the ReverseZones key may name: whole octets for IPv4, whole nibbles for IPv6
// (classless RFC 2317 delegation is not offered).
import { parseIPv4Into, parseIPv6Into } from './ip-bytes.js';

const V4_SUFFIX = 'in-addr.arpa';
const V6_SUFFIX = 'ip6.arpa';
const HEX = '0123456789abcdef';

function asciiBytes(text: string): Uint8Array | undefined {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x80) return undefined;
    out[i] = c;
  }
  return out;
}

/**
 * The reverse name of an address (FQDN, lower case, trailing dot), e.g. "10.0.0.5" →
 * "5.0.0.10.in-addr.arpa.", or undefined when the text is not an IP address. `family` picks the
 * parser (the table keeps IPv4 and IPv6 text apart).
 */
export function reverseNameOf(ip: string, family: 4 | 6): string | undefined {
  const bytes = asciiBytes(ip);
  if (!bytes) return undefined;
  if (family === 4) {
    const o = new Uint8Array(4);
    if (!parseIPv4Into(bytes, 0, bytes.length, o, 0)) return undefined;
    return `${o[3]}.${o[2]}.${o[1]}.${o[0]}.${V4_SUFFIX}.`;
  }
  const o = new Uint8Array(16);
  if (!parseIPv6Into(bytes, 0, bytes.length, o, 0)) return undefined;
  let out = '';
  for (let i = 15; i >= 0; i--) {
    const b = o[i] as number;
    out += `${HEX[b & 0xf]}.${HEX[b >> 4]}.`;
  }
  return `${out}${V6_SUFFIX}.`;
}

export type ReverseZoneParse = { readonly ok: true; readonly zone: string } | { readonly ok: false; readonly error: string };

/**
 * Checks a ReverseZones entry and normalises it (lower case, no trailing dot): "10.in-addr.arpa",
 * "2.0.192.in-addr.arpa", "8.b.d.0.1.0.0.2.ip6.arpa". At least one octet or nibble: the whole of
 * in-addr.arpa would answer NXDOMAIN for every address outside the cluster.
 */
export function parseReverseZone(text: string): ReverseZoneParse {
  const zone = text.toLowerCase().replace(/\.$/, '');
  const fail = (why: string): ReverseZoneParse => ({ ok: false, error: `"${text}" ${why}` });
  if (zone === V4_SUFFIX || zone === V6_SUFFIX) return fail('is a whole reverse tree; name at least one octet or nibble (e.g. "10.in-addr.arpa")');
  if (zone.endsWith(`.${V4_SUFFIX}`)) {
    const labels = zone.slice(0, -V4_SUFFIX.length - 1).split('.');
    if (labels.length > 4) return fail('has more than 4 octets');
    for (const label of labels) {
      if (!/^(0|[1-9][0-9]{0,2})$/.test(label) || Number(label) > 255) {
        return fail(`has "${label}" where an octet (0-255, no leading zeros) must be; only whole octets are supported`);
      }
    }
    return { ok: true, zone };
  }
  if (zone.endsWith(`.${V6_SUFFIX}`)) {
    const labels = zone.slice(0, -V6_SUFFIX.length - 1).split('.');
    if (labels.length > 32) return fail('has more than 32 nibbles');
    for (const label of labels) {
      if (!/^[0-9a-f]$/.test(label)) return fail(`has "${label}" where a nibble (one hex digit) must be`);
    }
    return { ok: true, zone };
  }
  return fail('is not a reverse zone: it must end in in-addr.arpa or ip6.arpa');
}

/** Whether `name` (lower case, trailing dot) is the zone (lower case, no trailing dot) or below it. */
export function inReverseZone(name: string, zone: string): boolean {
  return name.length === zone.length + 1 ? name === `${zone}.` : name.endsWith(`.${zone}.`);
}

/** The zone of `zones` that holds `name`, or undefined. */
export function reverseZoneOf(name: string, zones: readonly string[]): string | undefined {
  for (const zone of zones) if (inReverseZone(name, zone)) return zone;
  return undefined;
}
