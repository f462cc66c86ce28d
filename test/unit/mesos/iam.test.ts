import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, verify } from 'node:crypto';
import { parseIamConfig, signLoginToken } from '../../../src/mesos/iam.js';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

test('login token is an RS256 JWT with uid and exp = now + 1 h', () => {
  const now = 1_700_000_000_123;
  const token = signLoginToken({ uid: 'dns-svc', privateKey: pem }, now);
  const [h, c, s] = token.split('.') as [string, string, string];
  assert.deepEqual(JSON.parse(Buffer.from(h, 'base64url').toString()), { alg: 'RS256', typ: 'JWT' });
  assert.deepEqual(JSON.parse(Buffer.from(c, 'base64url').toString()), { uid: 'dns-svc', exp: 1_700_003_600 });
  assert.ok(verify('sha256', Buffer.from(`${h}.${c}`), publicKey, Buffer.from(s, 'base64url')));
});

test('IAM config needs uid, private_key and login_endpoint, and a usable key', () => {
  const ok = parseIamConfig(JSON.stringify({ uid: 'u', private_key: pem, login_endpoint: 'https://127.0.0.1/acs/api/v1/auth/login' }));
  assert.equal(ok.uid, 'u');
  assert.throws(() => parseIamConfig(JSON.stringify({ uid: 'u' })), /private_key, login_endpoint/);
  assert.throws(() => parseIamConfig('{'), /invalid IAM config JSON at line 1, column 2: unexpected end of input/);
  assert.throws(() => parseIamConfig(JSON.stringify({ uid: 'u', private_key: 'nope', login_endpoint: 'x' })));
});
