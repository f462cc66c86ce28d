import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mayCarryCredentials, trustedOrigins } from '../../../src/mesos/credential-scope.js';

const u = (s: string) => new URL(s);

test('credentials stay on the host and port asked for', () => {
  const asked = u('http://master-1.example:5050/master/state');
  assert.ok(mayCarryCredentials(asked, asked));
  assert.ok(mayCarryCredentials(asked, u('http://MASTER-1.example:5050/other')), 'host names compare case-insensitively');
  assert.ok(mayCarryCredentials(asked, u('https://master-1.example:5050/master/state')), 'an upgrade to TLS keeps them');
  assert.equal(mayCarryCredentials(asked, u('http://master-2.example:5050/master/state')), false, 'another host');
  assert.equal(mayCarryCredentials(asked, u('http://master-1.example:5051/master/state')), false, 'another port');
  assert.equal(mayCarryCredentials(asked, u('http://192.0.2.1:5050/master/state')), false, 'the same host by another name is another host');
});

test('default ports and IPv6 literals', () => {
  assert.ok(mayCarryCredentials(u('http://192.0.2.1:80/master/state'), u('http://192.0.2.1/master/state')));
  assert.equal(mayCarryCredentials(u('http://192.0.2.1/master/state'), u('https://192.0.2.1/master/state')), false, '80 is not 443');
  assert.ok(mayCarryCredentials(u('http://[2001:db8::1]:5050/x'), u('http://[2001:DB8:0::1]:5050/y')));
  assert.equal(mayCarryCredentials(u('http://[2001:db8::1]:5050/x'), u('http://[2001:db8::2]:5050/x')), false);
});

test('never in clear text after starting over TLS', () => {
  const asked = u('https://master-1.example:5050/master/state');
  assert.ok(mayCarryCredentials(asked, u('https://master-1.example:5050/master/state')));
  assert.equal(mayCarryCredentials(asked, u('http://master-1.example:5050/master/state')), false);
});

test('a redirect to another configured master keeps them (not a configured port-mate)', () => {
  const trusted = trustedOrigins(['192.0.2.1:5050', '[2001:DB8::2]:5050', 'master-3.example:5050', 'not an address']);
  const asked = u('http://192.0.2.1:5050/master/state');
  assert.ok(mayCarryCredentials(asked, u('http://[2001:db8::2]:5050/master/state'), trusted));
  assert.ok(mayCarryCredentials(asked, u('http://Master-3.example:5050/master/state'), trusted));
  assert.equal(mayCarryCredentials(asked, u('http://master-3.example:5051/master/state'), trusted), false);
  assert.equal(mayCarryCredentials(u('https://192.0.2.1:5050/x'), u('http://master-3.example:5050/x'), trusted), false, 'not in clear text');
});
