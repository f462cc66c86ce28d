// Everything the master client needs, read once at start-up from the config and the files it names.
// The result is plain data, so it can be posted to the reload worker.
import { readFile as fsReadFile } from 'node:fs/promises';
import { rootCertificates } from 'node:tls';
import type { Config } from '../config/types.js';
import { ErrorCode, MesosDnsError } from '../errors.js';
import { parseIamConfig, type IamSettings } from './iam.js';
import { trustedOrigins } from './credential-scope.js';

export type MasterAuth =
  | { readonly kind: 'none' }
  | { readonly kind: 'basic'; readonly principal: string; readonly secret: string }
  | ({ readonly kind: 'iam' } & IamSettings);

export interface MasterTlsSettings {
  /** Trusted roots (PEM). Undefined only when verification is off. */
  readonly ca?: readonly string[];
  readonly cert?: string;
  readonly key?: string;
  readonly rejectUnauthorized: boolean;
}

export interface MasterClientSettings {
  readonly https: boolean;
  /** Whole exchange (connect, redirects, headers, body). */
  readonly timeoutMs: number;
  /** TCP connect plus TLS handshake; default min(timeoutMs, MAX_CONNECT_TIMEOUT_MS), see master-client.ts. */
  readonly connectTimeoutMs?: number;
  /** Decompressed body limit. */
  readonly maxBodyBytes: number;
  readonly tls: MasterTlsSettings;
  readonly auth: MasterAuth;
  /** Configured masters as "host:port": a redirect to one of them keeps the credentials. */
  readonly trustedMasters?: ReadonlySet<string>;
}

/** Just under V8's longest string (2^29 - 24 code units), which the body must fit in to be parsed. */
export const DEFAULT_MAX_BODY_BYTES = 500 * 1024 * 1024;

/** Where Linux distributions keep the system trust store (the places Go's crypto/x509 looks). */
export const SYSTEM_CA_BUNDLES = [
  '/etc/ssl/certs/ca-certificates.crt',
  '/etc/pki/tls/certs/ca-bundle.crt',
  '/etc/ssl/ca-bundle.pem',
  '/etc/pki/tls/cacert.pem',
  '/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem',
  '/etc/ssl/cert.pem',
] as const;

export type ClientSettingsConfig = Pick<
  Config,
  | 'mesosHTTPSOn'
  | 'stateTimeoutSeconds'
  | 'caCertFile'
  | 'certFile'
  | 'keyFile'
  | 'insecureSkipVerify'
  | 'mesosAuthentication'
  | 'mesosCredentials'
  | 'iamConfigFile'
  | 'masters'
>;

export interface LoadClientSettingsOptions {
  readonly readFile?: (path: string) => Promise<string>;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly maxBodyBytes?: number;
}

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

async function readOrThrow(read: (p: string) => Promise<string>, path: string, key: string): Promise<string> {
  try {
    return await read(path);
  } catch (err) {
    throw new MesosDnsError(ErrorCode.CONFIG_UNREADABLE, `${key}: cannot read ${JSON.stringify(path)}`, { cause: err });
  }
}

/** The system trust store (SSL_CERT_FILE first, then the usual bundle paths), plus Node's bundled roots. */
async function loadSystemRoots(
  read: (p: string) => Promise<string>,
  env: Readonly<Record<string, string | undefined>>,
): Promise<string[]> {
  const candidates = [env['SSL_CERT_FILE'], ...SYSTEM_CA_BUNDLES].filter((p): p is string => !!p);
  for (const path of candidates) {
    try {
      const certs = (await read(path)).match(PEM_CERT);
      if (certs && certs.length > 0) return [...rootCertificates, ...certs];
    } catch {
      // try the next location
    }
  }
  return [...rootCertificates];
}

export async function loadMasterClientSettings(
  config: ClientSettingsConfig,
  options: LoadClientSettingsOptions = {},
): Promise<MasterClientSettings> {
  const read = options.readFile ?? ((p: string) => fsReadFile(p, 'utf8'));
  const env = options.env ?? process.env;

  let ca: string[] | undefined;
  if (config.caCertFile) {
    const certs = (await readOrThrow(read, config.caCertFile, 'CACertFile')).match(PEM_CERT);
    if (!certs) {
      throw new MesosDnsError(ErrorCode.CONFIG_INVALID, `CACertFile: no PEM certificate in ${JSON.stringify(config.caCertFile)}`);
    }
    ca = certs;
  } else if (config.mesosHTTPSOn && !config.insecureSkipVerify) {
    ca = await loadSystemRoots(read, env);
  }
  const cert = config.certFile ? await readOrThrow(read, config.certFile, 'CertFile') : undefined;
  const key = config.keyFile ? await readOrThrow(read, config.keyFile, 'KeyFile') : undefined;
  if ((cert === undefined) !== (key === undefined)) {
    throw new MesosDnsError(ErrorCode.CONFIG_INVALID, 'CertFile and KeyFile must be given together');
  }
  const tls: MasterTlsSettings = {
    rejectUnauthorized: !config.insecureSkipVerify,
    ...(ca ? { ca } : {}),
    ...(cert !== undefined ? { cert } : {}),
    ...(key !== undefined ? { key } : {}),
  };

  let auth: MasterAuth = { kind: 'none' };
  if (config.mesosAuthentication === 'basic') {
    auth = { kind: 'basic', principal: config.mesosCredentials.principal, secret: config.mesosCredentials.secret };
  } else if (config.mesosAuthentication === 'iam') {
    if (!config.iamConfigFile) {
      throw new MesosDnsError(ErrorCode.CONFIG_INVALID, 'IAMConfigFile: required when MesosAuthentication is "iam"');
    }
    const text = await readOrThrow(read, config.iamConfigFile, 'IAMConfigFile');
    try {
      auth = { kind: 'iam', ...parseIamConfig(text) };
    } catch (err) {
      throw new MesosDnsError(
        ErrorCode.CONFIG_INVALID,
        `IAMConfigFile: ${err instanceof Error ? err.message : String(err)}`,
        { cause: err },
      );
    }
  }

  return {
    https: config.mesosHTTPSOn,
    timeoutMs: config.stateTimeoutSeconds * 1000,
    maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    tls,
    auth,
    trustedMasters: trustedOrigins(config.masters ?? []),
  };
}

/**
 * Where the credentials would travel in clear text: 'masters' (MesosHTTPSOn off) and/or 'IAM login
 * endpoint' (an http:// login_endpoint, which receives the signed login token). Empty without
 * credentials or when everything is HTTPS.
 */
export function plainHttpCredentialTargets(settings: Pick<MasterClientSettings, 'https' | 'auth'>): string[] {
  const auth = settings.auth;
  if (auth.kind === 'none') return [];
  const targets: string[] = [];
  if (!settings.https) targets.push('masters');
  if (auth.kind === 'iam' && /^http:/i.test(auth.loginEndpoint)) targets.push('IAM login endpoint');
  return targets;
}
