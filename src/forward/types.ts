// The contract between the DNS server (which decides a query goes upstream) and the forwarder.
import type { MessageLayout } from '../wire/message.js';

export type Transport = 'udp' | 'tcp';

export interface ForwardRequest {
  /** The client's message exactly as received. */
  readonly query: Uint8Array;
  /** Where everything is in `query`, as the DNS server read it (the forwarder does not read it again). */
  readonly layout: MessageLayout;
  readonly id: number;
  /** Question name as asked (original case). */
  readonly qname: string;
  readonly qtype: number;
  readonly qclass: number;
  readonly transport: Transport;
  /** The client's address as its socket reported it ('' when unknown). */
  readonly client: string;
  /** The most bytes the reply may take (dns/size-limit.ts: 65535 over TCP, at most MaxUdpReplyBytes over UDP). */
  readonly maxSize: number;
}

export interface Forwarder {
  /**
   * Resolves to the encoded reply for the client (its ID, truncated to maxSize). Never rejects:
   * failures become SERVFAIL (every upstream failed, or too many forwards in flight) or REFUSED
   * (forwarding is off).
   */
  forward(request: ForwardRequest): Promise<Uint8Array>;
  /** Waits (bounded) for in-flight exchanges, then releases sockets. Idempotent. */
  close(): Promise<void>;
}
