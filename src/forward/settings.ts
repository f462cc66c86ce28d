// What the forwarder is told by the configuration (the composition root builds it from Config, which
// parses the resolver addresses; forward reads no config file and parses no address text).
import type { IpPort } from '../net/ip-port.js';

export interface ForwardSettings {
  /** Forward at all (ExternalOn); off means REFUSED. */
  readonly externalOn: boolean;
  /** Client networks that may have queries forwarded (ExternalAllowFrom); empty means everyone. */
  readonly externalAllowFrom: readonly string[];
  /** Default upstream resolvers, in configured order. */
  readonly resolvers: readonly IpPort[];
  /** Zone to its resolvers (ZoneResolvers). */
  readonly zoneResolvers: Readonly<Record<string, readonly IpPort[]>>;
  /** Resolver entries that are not addresses (config keeps them only while forwarding is off); logged once. */
  readonly unusableResolvers: readonly string[];
  /** Seconds a client waits for an answer (Timeout); the exchange budget is derived from it. */
  readonly timeout: number;
  /** Too big for the client: TC and no records (true), or as many whole records as fit (false). */
  readonly setTruncateBit: boolean;
  readonly maxForwardsInFlight: number;
  readonly maxForwardsPerClient: number;
  readonly forwardCacheOn: boolean;
  readonly forwardCacheMaxEntries: number;
  readonly forwardCacheMaxBytes: number;
}
