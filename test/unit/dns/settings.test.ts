import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_CONFIG, type Config } from '../../../src/config/types.js';
import { dnsSettingsOf } from '../../../src/dns/settings.js';

test('dnsSettingsOf: the fields dns reads, with the config\'s values, and nothing else', () => {
  const config: Config = { ...DEFAULT_CONFIG, file: '/etc/mesos-dns.json', domain: 'example', port: 5353, notifySecondaries: ['10.0.0.2:53'] };
  const settings = dnsSettingsOf(config);
  assert.ok(Object.isFrozen(settings));
  for (const [key, value] of Object.entries(settings)) assert.deepEqual(value, config[key as keyof Config], key);
  assert.ok(!('resolvers' in settings), 'forwarder settings stay out');
  assert.ok(!('httpPort' in settings), 'HTTP settings stay out');
  assert.equal(settings.domain, 'example');
  assert.equal(settings.port, 5353);
});
