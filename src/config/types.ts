// The effective configuration. Field names are the camelCase forms of Mesos-DNS's config.json keys
// (matched case-insensitively when loading); the values are post-normalisation (behaviour §5.1).

export const IP_SOURCES = ['host', 'docker', 'mesos', 'netinfo'] as const;
export type IPSource = (typeof IP_SOURCES)[number];

export const MESOS_AUTHENTICATIONS = ['', 'basic', 'iam'] as const;
export type MesosAuthentication = (typeof MESOS_AUTHENTICATIONS)[number];

export interface MesosCredentials {
  readonly principal: string;
  readonly secret: string;
}

export interface Config {
  // --- Mesos-DNS keys (behaviour §5.1), in /v1/config order ---
  readonly refreshSeconds: number;
  readonly port: number;
  /** Forwarder timeout in seconds (0 in the file means 5). */
  readonly timeout: number;
  readonly stateTimeoutSeconds: number;
  /** Seconds without a leader before /health and the logs say so; 0 disables. */
  readonly zkDetectionTimeout: number;
  readonly httpPort: number;
  readonly ttl: number;
  readonly srvRecordDefaultWeight: number;
  readonly soaSerial: number;
  readonly soaRefresh: number;
  readonly soaRetry: number;
  readonly soaExpire: number;
  readonly soaMinttl: number;
  /** Normalised: trailing dots trimmed, exactly one added; case kept. */
  readonly soaMname: string;
  /** Normalised: every '@' replaced by '.', then the SOAMname dot rule. */
  readonly soaRname: string;
  /** null when the file does not set it (shown as null by /v1/config). */
  readonly masters: readonly string[] | null;
  /** Zone (lower-cased, no trailing dot) to resolver list ("ip:port"). */
  readonly zoneResolvers: Readonly<Record<string, readonly string[]>>;
  /** Effective upstream resolvers as "ip:port" (from resolv.conf when absent or empty). */
  readonly resolvers: readonly string[];
  readonly ipSources: readonly IPSource[];
  readonly zk: string;
  /** Lower-cased, no trailing dot. */
  readonly domain: string;
  /** Absolute path of the config file. */
  readonly file: string;
  readonly listener: string;
  readonly httpListener: string;
  readonly recurseOn: boolean;
  readonly dnsOn: boolean;
  readonly httpOn: boolean;
  readonly externalOn: boolean;
  readonly enforceRFC952: boolean;
  readonly setTruncateBit: boolean;
  readonly enumerationOn: boolean;
  readonly mesosHTTPSOn: boolean;
  readonly caCertFile: string;
  readonly certFile: string;
  readonly keyFile: string;
  readonly mesosCredentials: MesosCredentials;
  readonly iamConfigFile: string;
  readonly mesosAuthentication: MesosAuthentication;

  // --- Our additions (docs/configuration.md, the ★ rows) ---
  /** Read the state from this JSON file instead of a master (relative to the config file). */
  readonly stateFile: string;
  /** HTTPS to masters without certificate verification (explicit opt-in, warned at start-up). */
  readonly insecureSkipVerify: boolean;
  /** Cache upstream answers (honouring their TTLs). */
  readonly forwardCacheOn: boolean;
  readonly forwardCacheMaxEntries: number;
  readonly forwardCacheMaxBytes: number;
  /** Upstream exchanges in flight at once; past it the client gets SERVFAIL. */
  readonly maxForwardsInFlight: number;
  /** TCP connections open at once; past it the oldest idle one is closed. */
  readonly maxTcpConnections: number;
  /** A TCP connection that sends nothing for this long is closed. */
  readonly tcpIdleTimeoutSeconds: number;
  /** pino level: fatal, error, warn, info, debug, trace. -v / -vv raise it. */
  readonly logLevel: string;
  /** Ceiling on UDP replies whatever EDNS size a client advertises (512-65535; DNS Flag Day's 1232). */
  readonly maxUdpReplyBytes: number;
  /** Client networks ("10.0.0.0/8", "::1") whose queries may be forwarded; others get REFUSED. */
  readonly externalAllowFrom: readonly string[];
  /** Upstream exchanges one client address may hold at once (a share of MaxForwardsInFlight). */
  readonly maxForwardsPerClient: number;
  /** HTTP connections open at once; past it an idle one, or else the largest holder's longest-busy one, is closed. */
  readonly maxHttpConnections: number;
  /** HTTP connections one client address may hold; past it one of its own (idle first) is closed. */
  readonly maxHttpConnectionsPerClient: number;
  /** TCP connections one client address may hold at once (IPv4-mapped IPv6 counts as IPv4). */
  readonly maxTcpConnectionsPerClient: number;
  /**
   * Reverse zones answered authoritatively with PTR records for task and agent IPs, normalised like
   * `domain` (lower case, no trailing dot), e.g. "10.in-addr.arpa". Empty: reverse names are forwarded.
   */
  readonly reverseZones: readonly string[];
  /** A file of extra A, AAAA, SRV and CNAME records inside the domain (absolute after loading; "" for none). */
  readonly staticRecordsFile: string;
  /** Client networks allowed to transfer the zone (AXFR/IXFR over TCP); empty: nobody (REFUSED). */
  readonly zoneTransferAllowFrom: readonly string[];
  /** Secondaries told of every new table with a DNS NOTIFY, as "ip:port" (port 53 when not given). */
  readonly notifySecondaries: readonly string[];
  /** Leave tasks whose latest status says healthy: false out of A, AAAA and SRV answers (fail open). */
  readonly healthAwareOn: boolean;
  /** Bearer token the out-of-rotation API's mutations need; "" disables them (403). A secret: never shown. */
  readonly rotationToken: string;
  /**
   * "stream": subscribe to the leading master's operator API and publish on events, falling back to
   * polling while the stream is down or the master has no operator API; "poll": /master/state every
   * refreshSeconds (docs/streaming.md).
   */
  readonly stateSourceMode: string;
}

export const DEFAULT_CONFIG: Omit<Config, 'file'> = Object.freeze({
  refreshSeconds: 60,
  port: 53,
  timeout: 5,
  stateTimeoutSeconds: 300,
  zkDetectionTimeout: 30,
  httpPort: 8123,
  ttl: 60,
  srvRecordDefaultWeight: 1,
  soaSerial: 0,
  soaRefresh: 60,
  soaRetry: 600,
  soaExpire: 86400,
  soaMinttl: 60,
  soaMname: 'ns1.mesos.',
  soaRname: 'root.ns1.mesos.',
  masters: null,
  zoneResolvers: Object.freeze({}),
  resolvers: Object.freeze(['8.8.8.8:53']),
  ipSources: Object.freeze(['netinfo', 'mesos', 'host'] as IPSource[]),
  zk: '',
  domain: 'mesos',
  listener: '0.0.0.0',
  httpListener: '0.0.0.0',
  recurseOn: true,
  dnsOn: true,
  httpOn: true,
  externalOn: true,
  enforceRFC952: false,
  setTruncateBit: true,
  enumerationOn: true,
  mesosHTTPSOn: false,
  caCertFile: '',
  certFile: '',
  keyFile: '',
  mesosCredentials: Object.freeze({ principal: '', secret: '' }),
  iamConfigFile: '',
  mesosAuthentication: '',
  stateFile: '',
  insecureSkipVerify: false,
  forwardCacheOn: true,
  forwardCacheMaxEntries: 10_000,
  forwardCacheMaxBytes: 16 * 1024 * 1024,
  maxForwardsInFlight: 1024,
  maxTcpConnections: 1024,
  tcpIdleTimeoutSeconds: 10,
  logLevel: 'info',
  maxUdpReplyBytes: 1232,
  externalAllowFrom: Object.freeze(['0.0.0.0/0', '::/0']),
  maxForwardsPerClient: 256,
  maxHttpConnections: 1024,
  maxHttpConnectionsPerClient: 64,
  maxTcpConnectionsPerClient: 64,
  reverseZones: Object.freeze([]),
  staticRecordsFile: '',
  zoneTransferAllowFrom: Object.freeze([]),
  notifySecondaries: Object.freeze([]),
  healthAwareOn: false,
  rotationToken: '',
  stateSourceMode: 'stream',
});
