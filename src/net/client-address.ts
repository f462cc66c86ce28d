// The address a client is counted under when its share of a listener is limited (pure). A dual-stack
// socket reports IPv4 peers as IPv4-mapped IPv6 addresses (::ffff:a.b.c.d); they count as the IPv4
// address, so one client is one client whichever socket it reached.
import { isIPv4 } from 'node:net';

const MAPPED_PREFIX = '::ffff:';
/** The hexadecimal spelling of a mapped address, ::ffff:7f00:1. */
const MAPPED_HEX = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/;

export function clientAddressKey(address: string | undefined): string {
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
