import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rootCertificates } from 'node:tls';
import { DEFAULT_CONFIG } from '../../../src/config/types.js';
import { loadMasterClientSettings, plainHttpCredentialTargets } from '../../../src/mesos/client-settings.js';
import { MesosDnsError } from '../../../src/errors.js';

const CERT = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----';
const base = { ...DEFAULT_CONFIG };
function files(map: Record<string, string>) {
  return async (p: string) => {
    const v = map[p];
    if (v === undefined) throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
    return v;
  };
}

test('quirk #22: HTTPS without CACertFile verifies against the system roots', async () => {
  const s = await loadMasterClientSettings(
    { ...base, mesosHTTPSOn: true },
    { readFile: files({ '/etc/ssl/certs/ca-certificates.crt': `${CERT}\n${CERT}` }), env: {} },
  );
  assert.equal(s.tls.rejectUnauthorized, true);
  assert.equal(s.tls.ca?.length, rootCertificates.length + 2);
  const fromEnv = await loadMasterClientSettings(
    { ...base, mesosHTTPSOn: true },
    { readFile: files({ '/custom.pem': CERT }), env: { SSL_CERT_FILE: '/custom.pem' } },
  );
  assert.equal(fromEnv.tls.ca?.length, rootCertificates.length + 1);
});

test('quirk #22: CACertFile replaces the roots; insecureSkipVerify is the explicit opt-out', async () => {
  const s = await loadMasterClientSettings({ ...base, mesosHTTPSOn: true, caCertFile: '/ca.pem' }, { readFile: files({ '/ca.pem': CERT }) });
  assert.deepEqual(s.tls.ca, [CERT]);
  const insecure = await loadMasterClientSettings({ ...base, mesosHTTPSOn: true, insecureSkipVerify: true }, { readFile: files({}) });
  assert.equal(insecure.tls.rejectUnauthorized, false);
  assert.equal(insecure.tls.ca, undefined);
  await assert.rejects(
    loadMasterClientSettings({ ...base, caCertFile: '/empty.pem' }, { readFile: files({ '/empty.pem': 'nothing' }) }),
    MesosDnsError,
  );
});

test('client certificate needs both files; basic and iam authentication', async () => {
  await assert.rejects(loadMasterClientSettings({ ...base, certFile: '/c.pem' }, { readFile: files({ '/c.pem': CERT }) }), /together/);
  const basic = await loadMasterClientSettings({
    ...base,
    mesosAuthentication: 'basic',
    mesosCredentials: { principal: 'p', secret: 's' },
  });
  assert.deepEqual(basic.auth, { kind: 'basic', principal: 'p', secret: 's' });
  await assert.rejects(loadMasterClientSettings({ ...base, mesosAuthentication: 'iam' }), /IAMConfigFile/);
  await assert.rejects(
    loadMasterClientSettings({ ...base, mesosAuthentication: 'iam', iamConfigFile: '/iam.json' }, { readFile: files({ '/iam.json': '{}' }) }),
    /IAMConfigFile: IAM config lacks uid/,
  );
  const plain = await loadMasterClientSettings({ ...base, stateTimeoutSeconds: 7 });
  assert.equal(plain.timeoutMs, 7000);
  assert.equal(plain.https, false);
  assert.deepEqual(plain.auth, { kind: 'none' });
});

test('plainHttpCredentialTargets: where credentials would go in clear text', () => {
  const basic = { kind: 'basic' as const, principal: 'p', secret: 's' };
  const iam = (loginEndpoint: string) => ({ kind: 'iam' as const, uid: 'u', privateKey: 'k', loginEndpoint });
  assert.deepEqual(plainHttpCredentialTargets({ https: false, auth: { kind: 'none' } }), []);
  assert.deepEqual(plainHttpCredentialTargets({ https: false, auth: basic }), ['masters']);
  assert.deepEqual(plainHttpCredentialTargets({ https: true, auth: basic }), []);
  assert.deepEqual(plainHttpCredentialTargets({ https: true, auth: iam('https://iam.example/login') }), []);
  assert.deepEqual(plainHttpCredentialTargets({ https: true, auth: iam('HTTP://iam.example/login') }), ['IAM login endpoint']);
  assert.deepEqual(plainHttpCredentialTargets({ https: false, auth: iam('http://iam.example/login') }), ['masters', 'IAM login endpoint']);
});
