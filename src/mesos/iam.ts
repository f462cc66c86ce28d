// DC/OS IAM service-account login token (behaviour §1.3): an RS256 JWT signed with the account's key.
import { createPrivateKey, sign } from 'node:crypto';
import { parseJsonText } from '../config/json-text.js';

export interface IamSettings {
  readonly uid: string;
  /** PEM private key (RSA). */
  readonly privateKey: string;
  readonly loginEndpoint: string;
}

function base64url(data: string | Buffer): string {
  return Buffer.from(data).toString('base64url');
}

/** The login JWT: header {"alg":"RS256","typ":"JWT"}, claims {uid, exp = now + 1 h}. */
export function signLoginToken(settings: Pick<IamSettings, 'uid' | 'privateKey'>, nowMs: number): string {
  const header = base64url(JSON.stringify({ alg: 'RS256', typ: 'JWT' }));
  const claims = base64url(JSON.stringify({ uid: settings.uid, exp: Math.floor(nowMs / 1000) + 3600 }));
  const input = `${header}.${claims}`;
  const signature = sign('sha256', Buffer.from(input), createPrivateKey(settings.privateKey));
  return `${input}.${base64url(signature)}`;
}

/** Parses an IAM config file's JSON ({uid, private_key, login_endpoint}); throws a plain Error naming what is missing. */
export function parseIamConfig(text: string): IamSettings {
  // No cause attached: JSON.parse's message quotes the text near the error, here the private key.
  const parsed = parseJsonText(text, 'IAM config JSON');
  if (!parsed.ok) throw new Error(parsed.error);
  const doc = parsed.value;
  if (typeof doc !== 'object' || doc === null) throw new Error('IAM config must be a JSON object');
  const o = doc as Record<string, unknown>;
  const missing = ['uid', 'private_key', 'login_endpoint'].filter((k) => typeof o[k] !== 'string' || o[k] === '');
  if (missing.length > 0) throw new Error(`IAM config lacks ${missing.join(', ')}`);
  const settings: IamSettings = {
    uid: o['uid'] as string,
    privateKey: o['private_key'] as string,
    loginEndpoint: o['login_endpoint'] as string,
  };
  // Fail at start-up rather than at the first reload when the key cannot be used.
  createPrivateKey(settings.privateKey);
  return settings;
}
