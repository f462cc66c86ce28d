// /v1/config: Mesos-DNS's key names and order (behaviour §6), the secret redacted (behaviour §8 #23).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { REDACTED, redactConfig, toMesosDnsConfigJson } from '../../../src/config/mesos-dns-json.js';
import { DEFAULT_CONFIG, type Config } from '../../../src/config/types.js';
import { buildConfig } from '../../../src/config/validate.js';

const MESOS_DNS_ORDER = [
  'RefreshSeconds', 'Port', 'Timeout', 'StateTimeoutSeconds', 'ZkDetectionTimeout', 'HttpPort', 'TTL',
  'SRVRecordDefaultWeight', 'SOASerial', 'SOARefresh', 'SOARetry', 'SOAExpire', 'SOAMinttl', 'SOAMname',
  'SOARname', 'Masters', 'ZoneResolvers', 'Resolvers', 'IPSources', 'Zk', 'Domain', 'File', 'Listener',
  'HTTPListener', 'RecurseOn', 'DnsOn', 'HttpOn', 'ExternalOn', 'EnforceRFC952', 'SetTruncateBit',
  'EnumerationOn', 'MesosHTTPSOn', 'CACertFile', 'CertFile', 'KeyFile', 'MesosCredentials', 'IAMConfigFile',
  'MesosAuthentication',
];
const OUR_KEYS = [
  'StateFile', 'InsecureSkipVerify', 'ForwardCacheOn', 'ForwardCacheMaxEntries', 'ForwardCacheMaxBytes',
  'MaxForwardsInFlight', 'MaxTcpConnections', 'TcpIdleTimeoutSeconds', 'LogLevel', 'MaxUdpReplyBytes',
  'ExternalAllowFrom', 'MaxForwardsPerClient', 'MaxHttpConnections', 'MaxHttpConnectionsPerClient',
  'MaxTcpConnectionsPerClient', 'ReverseZones', 'StaticRecordsFile',
  'ZoneTransferAllowFrom', 'NotifySecondaries', 'HealthAwareOn',
  'RotationToken', 'StateSourceMode',
];

function config(raw: Record<string, unknown>): Config {
  const result = buildConfig(raw, { file: '/etc/mesos-dns/config.json', resolvConf: 'nameserver 192.0.2.53' });
  assert.ok('config' in result, JSON.stringify(result));
  return result.config;
}

describe('toMesosDnsConfigJson', () => {
  it('has exactly Mesos-DNS\'s keys in its order, then ours', () => {
    const json = toMesosDnsConfigJson(config({ StateFile: 's.json' }), 1);
    assert.deepEqual(Object.keys(json), [...MESOS_DNS_ORDER, ...OUR_KEYS]);
    assert.deepEqual(Object.keys(json['MesosCredentials'] as object), ['Principal', 'Secret']);
  });

  it('shows post-normalisation values, the live serial and Masters null when unset', () => {
    const json = toMesosDnsConfigJson(config({ StateFile: 's.json', SOARname: 'admin@Example.org', Domain: 'DC.Mesos', SOASerial: 5 }), 1_700_000_000);
    assert.equal(json['SOASerial'], 1_700_000_000);
    assert.equal(json['Masters'], null);
    assert.equal(json['SOARname'], 'admin.Example.org.');
    assert.equal(json['SOAMname'], 'ns1.mesos.');
    assert.equal(json['Domain'], 'dc.mesos');
    assert.equal(json['File'], '/etc/mesos-dns/config.json');
    assert.deepEqual(json['Resolvers'], ['192.0.2.53:53']);
    assert.deepEqual(json['ZoneResolvers'], {});
    assert.deepEqual(json['IPSources'], ['netinfo', 'mesos', 'host']);
    assert.deepEqual(toMesosDnsConfigJson(config({ Masters: ['127.0.0.1:5050'] }), 1)['Masters'], ['127.0.0.1:5050']);
  });

  it('quirk #23: the secret is redacted, keeping the key and shape ("" stays "")', () => {
    const withSecret = toMesosDnsConfigJson(config({ Masters: ['127.0.0.1:5050'], MesosAuthentication: 'basic', MesosCredentials: { Principal: 'dns', Secret: 'hunter2' } }), 1);
    assert.deepEqual(withSecret['MesosCredentials'], { Principal: 'dns', Secret: '[redacted]' });
    assert.ok(!JSON.stringify(withSecret).includes('hunter2'));
    const empty = toMesosDnsConfigJson(config({ Masters: ['127.0.0.1:5050'] }), 1);
    assert.deepEqual(empty['MesosCredentials'], { Principal: '', Secret: '' });
  });

  it('the RotationToken is redacted ("" stays "")', () => {
    const json = toMesosDnsConfigJson(config({ Masters: ['127.0.0.1:5050'], RotationToken: 'r0tation-t0ken-0123' }), 1);
    assert.equal(json['RotationToken'], REDACTED);
    assert.ok(!JSON.stringify(json).includes('r0tation-t0ken'));
    assert.equal(toMesosDnsConfigJson(config({ Masters: ['127.0.0.1:5050'] }), 1)['RotationToken'], '');
  });

  it('returns copies: mutating the JSON does not touch the config', () => {
    const c = config({ Masters: ['127.0.0.1:5050'] });
    const json = toMesosDnsConfigJson(c, 1);
    (json['Resolvers'] as string[]).push('x');
    assert.deepEqual(c.resolvers, ['192.0.2.53:53']);
  });
});

describe('redactConfig', () => {
  it('replaces a non-empty secret and leaves the original alone', () => {
    const c: Config = { ...DEFAULT_CONFIG, file: '/x', mesosCredentials: { principal: 'p', secret: 's' } };
    assert.deepEqual(redactConfig(c).mesosCredentials, { principal: 'p', secret: REDACTED });
    assert.equal(c.mesosCredentials.secret, 's');
    const none: Config = { ...DEFAULT_CONFIG, file: '/x' };
    assert.equal(redactConfig(none), none);
  });
});
