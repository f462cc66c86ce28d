// The Config as Mesos-DNS shows it at GET /v1/config (behaviour §6): its key names, in its order, then our
// additions. The MesosCredentials secret and a Zk password are redacted (behaviour §8 #23 FIX). Pure.

import { redactZkUrl } from './addresses.js';
import type { Config } from './types.js';

export const REDACTED = '[redacted]';

/**
 * The config with secrets replaced: a non-empty MesosCredentials.Secret becomes "[redacted]", the
 * password in Zk's `user:password@` becomes "***" (Mesos-DNS shows both verbatim), and a non-empty
 * RotationToken (ours) becomes "[redacted]".
 */
export function redactConfig(config: Config): Config {
  const zk = redactZkUrl(config.zk);
  if (config.mesosCredentials.secret === '' && zk === config.zk && config.rotationToken === '') return config;
  return Object.freeze({
    ...config,
    zk,
    rotationToken: config.rotationToken === '' ? '' : REDACTED,
    mesosCredentials: Object.freeze({
      principal: config.mesosCredentials.principal,
      secret: config.mesosCredentials.secret === '' ? '' : REDACTED,
    }),
  });
}

/** The JSON object of GET /v1/config; `serial` is the live SOA serial. Keys in Mesos-DNS's order. */
export function toMesosDnsConfigJson(config: Config, serial: number): Record<string, unknown> {
  const c = redactConfig(config);
  return {
    RefreshSeconds: c.refreshSeconds,
    Port: c.port,
    Timeout: c.timeout,
    StateTimeoutSeconds: c.stateTimeoutSeconds,
    ZkDetectionTimeout: c.zkDetectionTimeout,
    HttpPort: c.httpPort,
    TTL: c.ttl,
    SRVRecordDefaultWeight: c.srvRecordDefaultWeight,
    SOASerial: serial,
    SOARefresh: c.soaRefresh,
    SOARetry: c.soaRetry,
    SOAExpire: c.soaExpire,
    SOAMinttl: c.soaMinttl,
    SOAMname: c.soaMname,
    SOARname: c.soaRname,
    Masters: c.masters === null ? null : [...c.masters],
    ZoneResolvers: Object.fromEntries(Object.entries(c.zoneResolvers).map(([zone, list]) => [zone, [...list]])),
    Resolvers: [...c.resolvers],
    IPSources: [...c.ipSources],
    Zk: c.zk,
    Domain: c.domain,
    File: c.file,
    Listener: c.listener,
    HTTPListener: c.httpListener,
    RecurseOn: c.recurseOn,
    DnsOn: c.dnsOn,
    HttpOn: c.httpOn,
    ExternalOn: c.externalOn,
    EnforceRFC952: c.enforceRFC952,
    SetTruncateBit: c.setTruncateBit,
    EnumerationOn: c.enumerationOn,
    MesosHTTPSOn: c.mesosHTTPSOn,
    CACertFile: c.caCertFile,
    CertFile: c.certFile,
    KeyFile: c.keyFile,
    MesosCredentials: { Principal: c.mesosCredentials.principal, Secret: c.mesosCredentials.secret },
    IAMConfigFile: c.iamConfigFile,
    MesosAuthentication: c.mesosAuthentication,
    // --- our additions (not in Mesos-DNS) ---
    StateFile: c.stateFile,
    InsecureSkipVerify: c.insecureSkipVerify,
    ForwardCacheOn: c.forwardCacheOn,
    ForwardCacheMaxEntries: c.forwardCacheMaxEntries,
    ForwardCacheMaxBytes: c.forwardCacheMaxBytes,
    MaxForwardsInFlight: c.maxForwardsInFlight,
    MaxTcpConnections: c.maxTcpConnections,
    TcpIdleTimeoutSeconds: c.tcpIdleTimeoutSeconds,
    LogLevel: c.logLevel,
    MaxUdpReplyBytes: c.maxUdpReplyBytes,
    ExternalAllowFrom: [...c.externalAllowFrom],
    MaxForwardsPerClient: c.maxForwardsPerClient,
    MaxHttpConnections: c.maxHttpConnections,
    MaxHttpConnectionsPerClient: c.maxHttpConnectionsPerClient,
    MaxTcpConnectionsPerClient: c.maxTcpConnectionsPerClient,
    ReverseZones: [...c.reverseZones],
    StaticRecordsFile: c.staticRecordsFile,
    ZoneTransferAllowFrom: [...c.zoneTransferAllowFrom],
    NotifySecondaries: [...c.notifySecondaries],
    HealthAwareOn: c.healthAwareOn,
    RotationToken: c.rotationToken,
    StateSourceMode: c.stateSourceMode,
  };
}
