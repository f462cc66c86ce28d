// The config.json keys: the name as Mesos-DNS spells it (matched case-insensitively, as Go's
// encoding/json does), the Config field it fills and the JSON type it must have. Our additions follow
// Mesos-DNS's spelling style (PascalCase) but, like every key, match in any case ("stateFile" works).

import type { Config } from './types.js';

/** JSON shapes a key accepts; integer ranges are the ranges of the Go field types Mesos-DNS uses. */
export type KeyKind =
  | { readonly type: 'int'; readonly min: number; readonly max: number; readonly goType: string }
  | { readonly type: 'number' }
  | { readonly type: 'string' }
  | { readonly type: 'bool' }
  | { readonly type: 'strings' }
  | { readonly type: 'zoneResolvers' }
  | { readonly type: 'credentials' };

export interface KeySpec {
  /** The key as Mesos-DNS spells it (and as /v1/config prints it). */
  readonly name: string;
  readonly field: keyof Config;
  readonly kind: KeyKind;
  /** True for keys Mesos-DNS does not have. */
  readonly ours?: true;
}

const INT = { type: 'int', min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER, goType: 'int' } as const;
const INT32 = { type: 'int', min: -2_147_483_648, max: 2_147_483_647, goType: 'int32' } as const;
const UINT16 = { type: 'int', min: 0, max: 65_535, goType: 'uint16' } as const;
const UINT32 = { type: 'int', min: 0, max: 4_294_967_295, goType: 'uint32' } as const;
const STRING = { type: 'string' } as const;
const BOOL = { type: 'bool' } as const;
const STRINGS = { type: 'strings' } as const;

/** Every key, in /v1/config order (behaviour §6), then our additions. */
export const CONFIG_KEYS: readonly KeySpec[] = Object.freeze([
  { name: 'RefreshSeconds', field: 'refreshSeconds', kind: INT },
  { name: 'Port', field: 'port', kind: INT },
  { name: 'Timeout', field: 'timeout', kind: INT },
  { name: 'StateTimeoutSeconds', field: 'stateTimeoutSeconds', kind: INT },
  { name: 'ZkDetectionTimeout', field: 'zkDetectionTimeout', kind: INT },
  { name: 'HttpPort', field: 'httpPort', kind: INT },
  { name: 'TTL', field: 'ttl', kind: INT32 },
  { name: 'SRVRecordDefaultWeight', field: 'srvRecordDefaultWeight', kind: UINT16 },
  { name: 'SOASerial', field: 'soaSerial', kind: UINT32 },
  { name: 'SOARefresh', field: 'soaRefresh', kind: UINT32 },
  { name: 'SOARetry', field: 'soaRetry', kind: UINT32 },
  { name: 'SOAExpire', field: 'soaExpire', kind: UINT32 },
  { name: 'SOAMinttl', field: 'soaMinttl', kind: UINT32 },
  { name: 'SOAMname', field: 'soaMname', kind: STRING },
  { name: 'SOARname', field: 'soaRname', kind: STRING },
  { name: 'Masters', field: 'masters', kind: STRINGS },
  { name: 'ZoneResolvers', field: 'zoneResolvers', kind: { type: 'zoneResolvers' } },
  { name: 'Resolvers', field: 'resolvers', kind: STRINGS },
  { name: 'IPSources', field: 'ipSources', kind: STRINGS },
  { name: 'Zk', field: 'zk', kind: STRING },
  { name: 'Domain', field: 'domain', kind: STRING },
  { name: 'File', field: 'file', kind: STRING },
  { name: 'Listener', field: 'listener', kind: STRING },
  { name: 'HTTPListener', field: 'httpListener', kind: STRING },
  { name: 'RecurseOn', field: 'recurseOn', kind: BOOL },
  { name: 'DnsOn', field: 'dnsOn', kind: BOOL },
  { name: 'HttpOn', field: 'httpOn', kind: BOOL },
  { name: 'ExternalOn', field: 'externalOn', kind: BOOL },
  { name: 'EnforceRFC952', field: 'enforceRFC952', kind: BOOL },
  { name: 'SetTruncateBit', field: 'setTruncateBit', kind: BOOL },
  { name: 'EnumerationOn', field: 'enumerationOn', kind: BOOL },
  { name: 'MesosHTTPSOn', field: 'mesosHTTPSOn', kind: BOOL },
  { name: 'CACertFile', field: 'caCertFile', kind: STRING },
  { name: 'CertFile', field: 'certFile', kind: STRING },
  { name: 'KeyFile', field: 'keyFile', kind: STRING },
  { name: 'MesosCredentials', field: 'mesosCredentials', kind: { type: 'credentials' } },
  { name: 'IAMConfigFile', field: 'iamConfigFile', kind: STRING },
  { name: 'MesosAuthentication', field: 'mesosAuthentication', kind: STRING },
  // --- our additions ---
  { name: 'StateFile', field: 'stateFile', kind: STRING, ours: true },
  { name: 'InsecureSkipVerify', field: 'insecureSkipVerify', kind: BOOL, ours: true },
  { name: 'ForwardCacheOn', field: 'forwardCacheOn', kind: BOOL, ours: true },
  { name: 'ForwardCacheMaxEntries', field: 'forwardCacheMaxEntries', kind: INT, ours: true },
  { name: 'ForwardCacheMaxBytes', field: 'forwardCacheMaxBytes', kind: INT, ours: true },
  { name: 'MaxForwardsInFlight', field: 'maxForwardsInFlight', kind: INT, ours: true },
  { name: 'MaxTcpConnections', field: 'maxTcpConnections', kind: INT, ours: true },
  { name: 'TcpIdleTimeoutSeconds', field: 'tcpIdleTimeoutSeconds', kind: { type: 'number' }, ours: true },
  { name: 'LogLevel', field: 'logLevel', kind: STRING, ours: true },
  { name: 'MaxUdpReplyBytes', field: 'maxUdpReplyBytes', kind: INT, ours: true },
  { name: 'ExternalAllowFrom', field: 'externalAllowFrom', kind: STRINGS, ours: true },
  { name: 'MaxForwardsPerClient', field: 'maxForwardsPerClient', kind: INT, ours: true },
  { name: 'MaxHttpConnections', field: 'maxHttpConnections', kind: INT, ours: true },
  { name: 'MaxHttpConnectionsPerClient', field: 'maxHttpConnectionsPerClient', kind: INT, ours: true },
  { name: 'MaxTcpConnectionsPerClient', field: 'maxTcpConnectionsPerClient', kind: INT, ours: true },
  { name: 'ReverseZones', field: 'reverseZones', kind: STRINGS, ours: true },
  { name: 'StaticRecordsFile', field: 'staticRecordsFile', kind: STRING, ours: true },
  { name: 'ZoneTransferAllowFrom', field: 'zoneTransferAllowFrom', kind: STRINGS, ours: true },
  { name: 'NotifySecondaries', field: 'notifySecondaries', kind: STRINGS, ours: true },
  { name: 'HealthAwareOn', field: 'healthAwareOn', kind: BOOL, ours: true },
  { name: 'RotationToken', field: 'rotationToken', kind: STRING, ours: true },
  { name: 'StateSourceMode', field: 'stateSourceMode', kind: STRING, ours: true },
] satisfies KeySpec[]);

const BY_LOWER_NAME: ReadonlyMap<string, KeySpec> = new Map(CONFIG_KEYS.map((k) => [k.name.toLowerCase(), k]));
const BY_FIELD: ReadonlyMap<keyof Config, KeySpec> = new Map(CONFIG_KEYS.map((k) => [k.field, k]));

/** The key spec a config.json key denotes, matched case-insensitively; undefined for unknown keys. */
export function findConfigKey(jsonKey: string): KeySpec | undefined {
  return BY_LOWER_NAME.get(jsonKey.toLowerCase());
}

/** The Mesos-DNS spelling of a Config field's key (used to name keys in problems). */
export function keyNameOf(field: keyof Config): string {
  return BY_FIELD.get(field)?.name ?? field;
}

/** pino's levels, accepted by LogLevel. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** How state comes from the masters: the operator API event stream, or polling /master/state. */
export const STATE_SOURCE_MODES = ['stream', 'poll'] as const;
export type StateSourceMode = (typeof STATE_SOURCE_MODES)[number];
