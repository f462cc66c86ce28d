// IP text (pure): the one home for reading IP literals and printing IPs. The canonical form is what
// Go's net.IP.String() prints (behaviour §2.1): IPv4 dotted quad (also for IPv4-mapped IPv6), IPv6
// lower-case hex without leading zeros (RFC 5952), the first longest run of two or more zero groups
// written as '::'.
import { isIP, isIPv4, isIPv6 } from 'node:net';

/** "a.b.c.d" of four octets. */
export function formatIPv4Octets(address: Uint8Array): string {
  return `${address[0] ?? 0}.${address[1] ?? 0}.${address[2] ?? 0}.${address[3] ?? 0}`;
}

/** IPv6 text of eight 16-bit groups. */
export function formatIPv6Groups(groups: readonly number[]): string {
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

/** IPv6 text of sixteen octets. */
export function formatIPv6Octets(address: Uint8Array): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((address[i] ?? 0) << 8) | (address[i + 1] ?? 0));
  return formatIPv6Groups(groups);
}


export type IpFamily = 4 | 6;

export interface CanonicalIp {
  readonly text: string;
  readonly family: IpFamily;
}

function parseIPv6Groups(text: string): number[] | undefined {
  let s = text;
  const lastColon = s.lastIndexOf(':');
  const tail = s.slice(lastColon + 1);
  if (tail.includes('.')) {
    // An embedded dotted quad stands for the last two groups.
    if (!isIPv4(tail)) return undefined;
    const o = tail.split('.').map(Number) as [number, number, number, number];
    s = `${s.slice(0, lastColon + 1)}${((o[0] << 8) | o[1]).toString(16)}:${((o[2] << 8) | o[3]).toString(16)}`;
  }
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const toGroups = (part: string): number[] => (part === '' ? [] : part.split(':').map((g) => parseInt(g, 16)));
  const head = toGroups(halves[0] ?? '');
  if (halves.length === 1) return head.length === 8 ? head : undefined;
  const rest = toGroups(halves[1] ?? '');
  const fill = 8 - head.length - rest.length;
  if (fill < 1) return undefined;
  return [...head, ...new Array<number>(fill).fill(0), ...rest];
}

/**
 * A dotted quad with no leading zeros and no octet above 255: exactly the texts Node's isIPv4
 * accepts, and already canonical. Checked by hand because this runs for every task address.
 */
export function isDottedQuad(text: string): boolean {
  const length = text.length;
  if (length < 7 || length > 15) return false;
  let octets = 0;
  let i = 0;
  for (;;) {
    const first = text.charCodeAt(i) - 48;
    if (first < 0 || first > 9) return false;
    let value = first;
    let digits = 1;
    i++;
    while (i < length) {
      const digit = text.charCodeAt(i) - 48;
      if (digit < 0 || digit > 9) break;
      if (first === 0 || ++digits > 3) return false;
      value = value * 10 + digit;
      i++;
    }
    if (value > 255) return false;
    octets++;
    if (i === length) return octets === 4;
    if (octets === 4 || text.charCodeAt(i) !== 0x2e) return false;
    i++;
  }
}

/** The canonical form of an IP literal, or undefined when the text is not one. */
export function canonicalIp(text: string): CanonicalIp | undefined {
  // Node's isIPv4 rejects leading zeros (as Go's net.ParseIP does), so an IPv4 text is canonical as is.
  if (isDottedQuad(text) || isIPv4(text)) return { text, family: 4 };
  // Node accepts a zone ("fe80::1%eth0"); Go's net.ParseIP does not, so neither do we.
  if (!isIPv6(text) || text.includes('%')) return undefined;
  const groups = parseIPv6Groups(text.toLowerCase());
  if (!groups || groups.length !== 8) return undefined;
  const isMapped = groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff;
  if (isMapped) {
    const hi = groups[6] as number;
    const lo = groups[7] as number;
    return { text: `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`, family: 4 };
  }
  return { text: formatIPv6Groups(groups), family: 6 };
}

/** Whether the text is an IP literal as Node reads it (zones allowed): no name lookup needed. */
export function isIpLiteral(text: string): boolean {
  return isIP(text) !== 0;
}
