// Reads config.json and the files it names, then builds the effective Config (validate.ts). Throws
// MesosDnsError CONFIG_UNREADABLE for a missing file or bad JSON and ConfigError listing every
// invalid value; the CLI exits 2 for both.

import { readFile as fsReadFile } from 'node:fs/promises';
import { resolve as resolvePath } from 'node:path';

import { ConfigError, ErrorCode, MesosDnsError } from '../errors.js';
import { interfaceAddresses } from '../host-interfaces.js';
import { parseJsonText } from './json-text.js';
import type { Config } from './types.js';
import { buildConfig, listReferencedFiles, type FileRead } from './validate.js';

export interface LoadConfigOptions {
  /** Environment for `~/` expansion (HOME, USERPROFILE); defaults to process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Reads a file as UTF-8 text; defaults to fs.readFile. */
  readonly readFile?: (path: string) => Promise<string>;
  /** resolv.conf used when Resolvers is absent or empty; defaults to /etc/resolv.conf. */
  readonly resolvConfPath?: string;
  /** This host's interface addresses; defaults to os.networkInterfaces(). */
  readonly interfaceAddresses?: readonly string[];
  /** Base of relative paths; defaults to process.cwd(). */
  readonly cwd?: string;
  /** StateFile from the command line (relative to cwd); overrides the config's StateFile. */
  readonly stateFile?: string;
  /** Called with each warning (unknown keys, insecure TLS, resolv.conf fallback...). */
  readonly onWarning?: (message: string) => void;
}

export interface LoadedConfig {
  readonly config: Config;
  readonly warnings: readonly string[];
}

/**
 * The absolute config path as Mesos-DNS computes it (behaviour §5.2.1): the first "~/" is replaced by
 * $HOME, or $USERPROFILE when set (it wins), or "." when neither is, then made absolute.
 */
export function expandConfigPath(path: string, env: Readonly<Record<string, string | undefined>>, cwd: string): string {
  let home = '.';
  for (const name of ['HOME', 'USERPROFILE']) {
    const dir = env[name];
    if (dir !== undefined && dir !== '') home = dir;
  }
  return resolvePath(cwd, path.replace('~/', `${home}/`));
}

function describeError(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string') return code;
  return err instanceof Error ? err.message : String(err);
}

/** Loads and validates the config, returning the warnings the caller should log. */
export async function loadConfigWithWarnings(path: string, options: LoadConfigOptions = {}): Promise<LoadedConfig> {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const read = options.readFile ?? ((p: string) => fsReadFile(p, 'utf8'));
  const file = expandConfigPath(path, env, cwd);

  let text: string;
  try {
    text = await read(file);
  } catch (err) {
    throw new MesosDnsError(ErrorCode.CONFIG_UNREADABLE, `missing configuration file: "${file}"`, { cause: err });
  }
  // No cause attached: JSON.parse's message quotes the text near the error, which may be a secret.
  const parsed = parseJsonText(text);
  if (!parsed.ok) {
    throw new MesosDnsError(ErrorCode.CONFIG_UNREADABLE, `failed to unmarshal config file "${file}": ${parsed.error}`);
  }
  const raw = parsed.value;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new MesosDnsError(
      ErrorCode.CONFIG_UNREADABLE,
      `failed to unmarshal config file "${file}": the document must be a JSON object`,
    );
  }

  const stateFile = options.stateFile === undefined ? undefined : resolvePath(cwd, options.stateFile);
  const files = new Map<string, FileRead>();
  await Promise.all(
    listReferencedFiles(raw, stateFile === undefined ? { file } : { file, stateFile }).map(async (p) => {
      try {
        files.set(p, { ok: true, text: await read(resolvePath(cwd, p)) });
      } catch (err) {
        files.set(p, { ok: false, error: describeError(err) });
      }
    }),
  );
  const resolvConfPath = options.resolvConfPath ?? '/etc/resolv.conf';
  let resolvConf: string | undefined;
  try {
    resolvConf = await read(resolvConfPath);
  } catch {
    resolvConf = undefined;
  }

  const result = buildConfig(raw, {
    file,
    ...(resolvConf === undefined ? {} : { resolvConf }),
    resolvConfPath,
    interfaceAddresses: options.interfaceAddresses ?? interfaceAddresses({ loopback: true }),
    files,
    ...(stateFile === undefined ? {} : { stateFile }),
  });
  for (const warning of result.warnings) options.onWarning?.(warning);
  if ('problems' in result) throw new ConfigError(result.problems);
  return { config: result.config, warnings: result.warnings };
}

/** Loads and validates the config; warnings go to `options.onWarning`. */
export async function loadConfig(path: string, options: LoadConfigOptions = {}): Promise<Config> {
  return (await loadConfigWithWarnings(path, options)).config;
}
