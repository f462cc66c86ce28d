// Stored SRV values are "<target FQDN>:<port>" (behaviour §2.1); the target never contains a colon after its
// trailing dot, so the value splits at its last colon.

export function splitSrvValue(value: string): { readonly target: string; readonly port: string } {
  const colon = value.lastIndexOf(':');
  return colon < 0 ? { target: value, port: '' } : { target: value.slice(0, colon), port: value.slice(colon + 1) };
}

/** splitSrvValue's split point for a value held as bytes text[off, end): its last colon, or off - 1 when it has none. */
export function srvValueColon(text: Uint8Array, off: number, end: number): number {
  let colon = end - 1;
  while (colon >= off && text[colon] !== 0x3a) colon--;
  return colon;
}

/** What parseSrvPort returns for text that is not a port, and for a port only Number() reads exactly. */
export const SrvPortText = { NONE: -1, LONG: -2 } as const;

/**
 * The port in text[start, end) as Mesos-DNS reads it: an optional sign and 1–18 ASCII digits, taken
 * modulo 2^16. Returns SrvPortText.NONE when it is not a port (the record is skipped) and
 * SrvPortText.LONG for more than 9 digits, where only Number()'s rounding gives the same value.
 */
export function parseSrvPort(text: Uint8Array, start: number, end: number): number {
  let i = start;
  let sign = 1;
  if (i < end && (text[i] === 0x2b || text[i] === 0x2d)) {
    if (text[i] === 0x2d) sign = -1;
    i++;
  }
  const digits = end - i;
  if (digits < 1 || digits > 18) return SrvPortText.NONE;
  let value = 0;
  for (; i < end; i++) {
    const c = text[i] as number;
    if (c < 0x30 || c > 0x39) return SrvPortText.NONE;
    value = value * 10 + (c - 0x30);
  }
  return digits > 9 ? SrvPortText.LONG : (sign * value) & 0xffff;
}

/** parseSrvPort for port text held as a string: the port, or undefined when it is not one. */
export function srvPortOf(port: string): number | undefined {
  const bytes = new Uint8Array(port.length);
  for (let i = 0; i < port.length; i++) {
    const c = port.charCodeAt(i);
    if (c >= 0x80) return undefined;
    bytes[i] = c;
  }
  const value = parseSrvPort(bytes, 0, bytes.length);
  if (value === SrvPortText.NONE) return undefined;
  return value === SrvPortText.LONG ? Number(port) & 0xffff : value;
}
