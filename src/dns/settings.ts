// What the DNS server reads of the configuration, and nothing else: dns imports nothing from config
// (docs/architecture.md, layers). app.ts builds it from the Config; the meaning of each field is the
// config key's of the same name.

export interface DnsSettings {
  /** Lower-cased, no trailing dot. */
  readonly domain: string;
  readonly ttl: number;
  readonly soaMname: string;
  readonly soaRname: string;
  readonly soaRefresh: number;
  readonly soaRetry: number;
  readonly soaExpire: number;
  readonly soaMinttl: number;
  readonly srvRecordDefaultWeight: number;
  readonly recurseOn: boolean;
  readonly setTruncateBit: boolean;
  /** Ceiling on UDP replies whatever EDNS size a client advertises. */
  readonly maxUdpReplyBytes: number;
  /** Reverse zones answered from the table: lower case, no trailing dot. */
  readonly reverseZones: readonly string[];
  /** Client networks allowed to transfer the zone; empty: nobody. */
  readonly zoneTransferAllowFrom: readonly string[];
  /** Secondaries told of every new table, as "ip:port". */
  readonly notifySecondaries: readonly string[];
  readonly listener: string;
  readonly port: number;
  readonly maxTcpConnections: number;
  readonly maxTcpConnectionsPerClient: number;
  readonly tcpIdleTimeoutSeconds: number;
}

/** The DNS settings out of a wider object such as the Config, without carrying the rest along. */
export function dnsSettingsOf(source: DnsSettings): DnsSettings {
  return Object.freeze({
    domain: source.domain,
    ttl: source.ttl,
    soaMname: source.soaMname,
    soaRname: source.soaRname,
    soaRefresh: source.soaRefresh,
    soaRetry: source.soaRetry,
    soaExpire: source.soaExpire,
    soaMinttl: source.soaMinttl,
    srvRecordDefaultWeight: source.srvRecordDefaultWeight,
    recurseOn: source.recurseOn,
    setTruncateBit: source.setTruncateBit,
    maxUdpReplyBytes: source.maxUdpReplyBytes,
    reverseZones: source.reverseZones,
    zoneTransferAllowFrom: source.zoneTransferAllowFrom,
    notifySecondaries: source.notifySecondaries,
    listener: source.listener,
    port: source.port,
    maxTcpConnections: source.maxTcpConnections,
    maxTcpConnectionsPerClient: source.maxTcpConnectionsPerClient,
    tcpIdleTimeoutSeconds: source.tcpIdleTimeoutSeconds,
  });
}
