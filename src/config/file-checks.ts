// Checks on the contents of the files config.json names (CA bundle, client key pair, IAM config).
// Pure: they take the text, loadConfig does the reading. node:crypto only parses here.

import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';

import type { Parsed } from '../net/host-port.js';
import { parseJsonText } from './json-text.js';

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/** The certificates of a PEM bundle that parse; the bundle is valid when there is at least one. */
export function countPemCertificates(text: string): number {
  let count = 0;
  for (const match of text.matchAll(PEM_CERTIFICATE)) {
    try {
      new X509Certificate(match[0]);
      count++;
    } catch {
      // Go's AppendCertsFromPEM skips blocks that do not parse, too.
    }
  }
  return count;
}

function parsePrivateKey(text: string): KeyObject | undefined {
  try {
    return createPrivateKey(text);
  } catch {
    return undefined;
  }
}

/** Undefined when the certificate and key load and belong together, else why not. */
export function checkKeyPair(certText: string, keyText: string): string | undefined {
  const first = certText.match(PEM_CERTIFICATE)?.[0];
  if (first === undefined) return 'CertFile contains no PEM certificate';
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(first);
  } catch {
    return 'CertFile: the certificate does not parse';
  }
  const key = parsePrivateKey(keyText);
  if (!key) return 'KeyFile contains no PEM private key';
  if (!cert.checkPrivateKey(key)) return 'the private key in KeyFile does not match the certificate in CertFile';
  return undefined;
}

/** The IAM service-account file (behaviour §1.3 "IAM auth"). */
export interface IamConfig {
  readonly uid: string;
  readonly privateKey: string;
  readonly loginEndpoint: string;
}

const IAM_FIELDS = { uid: 'uid', private_key: 'privateKey', login_endpoint: 'loginEndpoint' } as const;

/**
 * Parses an IAM config file: a JSON object with "uid", "private_key" and "login_endpoint" (matched
 * case-insensitively, as Go decodes it). With `requireAll` (MesosAuthentication "iam") all three must
 * be non-empty, the key must parse and the endpoint must be an http(s) URL.
 */
export function parseIamConfig(text: string, requireAll: boolean): Parsed<IamConfig> {
  const parsed = parseJsonText(text, 'IAM JSON');
  if (!parsed.ok) return { ok: false, error: parsed.error };
  const doc = parsed.value;
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    return { ok: false, error: 'invalid IAM JSON: expected an object' };
  }
  const out = { uid: '', privateKey: '', loginEndpoint: '' };
  for (const [key, value] of Object.entries(doc)) {
    const field = (IAM_FIELDS as Record<string, keyof IamConfig | undefined>)[key.toLowerCase()];
    if (field === undefined || value === null) continue;
    if (typeof value !== 'string') return { ok: false, error: `invalid IAM JSON: "${key}" must be a string` };
    out[field] = value;
  }
  if (requireAll) {
    const missing = Object.entries(IAM_FIELDS)
      .filter(([, field]) => out[field] === '')
      .map(([name]) => name);
    if (missing.length > 0) return { ok: false, error: `IAM config lacks ${missing.join(', ')}` };
    if (!parsePrivateKey(out.privateKey)) return { ok: false, error: 'IAM config: private_key is not a PEM private key' };
    let url: URL | undefined;
    try {
      url = new URL(out.loginEndpoint);
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
      return { ok: false, error: `IAM config: login_endpoint "${out.loginEndpoint}" is not an http(s) URL` };
    }
  }
  return { ok: true, value: out };
}
