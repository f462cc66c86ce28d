// The address a client is counted under: IPv4-mapped IPv6 counts as the IPv4 address.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clientAddressKey } from '../../../src/net/client-address.js';

describe('clientAddressKey', () => {
  it('an IPv4-mapped IPv6 address counts as its IPv4 address, dotted or in hex', () => {
    assert.equal(clientAddressKey('::ffff:192.0.2.7'), '192.0.2.7');
    assert.equal(clientAddressKey('::FFFF:192.0.2.7'), '192.0.2.7');
    assert.equal(clientAddressKey('::ffff:c000:207'), '192.0.2.7');
    assert.equal(clientAddressKey('192.0.2.7'), '192.0.2.7');
  });

  it('other IPv6 addresses are themselves, in lower case', () => {
    assert.equal(clientAddressKey('2001:DB8::1'), '2001:db8::1');
    assert.equal(clientAddressKey('::1'), '::1');
    assert.equal(clientAddressKey('::ffff:1:2:3'), '::ffff:1:2:3');
    assert.equal(clientAddressKey('::ffff:300.1.1.1'), '::ffff:300.1.1.1');
  });

  it('a socket that has no peer address any more counts under the empty key', () => {
    assert.equal(clientAddressKey(undefined), '');
  });
});
