// How big a reply may be (pure): the one rule both answer paths and the forwarder's caller share.
import type { Transport } from '../forward/types.js';
import { CLASSIC_UDP_SIZE, MAX_MESSAGE_SIZE, QType } from '../wire/constants.js';

/**
 * The reply size limit: 65535 over TCP; over UDP the client's EDNS size (at least 512) up to our
 * ceiling (MaxUdpReplyBytes, 1232 by default: no fragments, little amplification), or 512 without EDNS.
 */
export function replySizeLimit(transport: Transport, edns: boolean, udpSize: number, qtype: number, udpCeiling: number): number {
  if (transport === 'tcp') return MAX_MESSAGE_SIZE;
  // ANY over UDP stays within 512 octets whatever the client advertises (in the domain and forwarded
  // alike): no amplification; clients that want everything retry over TCP on TC.
  if (!edns || qtype === QType.ANY) return CLASSIC_UDP_SIZE;
  return Math.min(Math.max(udpSize, CLASSIC_UDP_SIZE), Math.max(udpCeiling, CLASSIC_UDP_SIZE), MAX_MESSAGE_SIZE);
}
