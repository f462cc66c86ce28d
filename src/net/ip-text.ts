// Address octets and groups to text (pure): the one home for printing IPs. RFC 5952 / Go's
// net.IP.String(): lower-case hex without leading zeros, the first longest run of two or more zero
// groups written as '::'.

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
