// The command line (behaviour §5.3). Accepts Mesos-DNS's Go-style flags (-config=FILE, -config FILE,
// -version, -v=N) plus --double-dash forms, -vv, --help, and Go's glog flags (accepted, ignored), so
// existing service definitions keep working. The only importer of yargs.

import { readFileSync } from 'node:fs';

import yargs, { type Argv } from 'yargs';

export type Verbosity = 0 | 1 | 2;

export type CommandLine =
  | { readonly kind: 'serve'; readonly configPath: string; readonly verbosity: Verbosity }
  | { readonly kind: 'version' }
  | { readonly kind: 'help'; readonly text: string }
  | {
      readonly kind: 'records';
      readonly configPath: string;
      readonly statePath: string | undefined;
      /** Resolve agent and framework host names as the server does (false: --no-lookup). */
      readonly lookup: boolean;
      /** One of the ReverseZones to print instead of the domain (--zone). */
      readonly zone: string | undefined;
    }
  /** Exit status 2 after printing message and usage to stderr (as Go's flag package does). */
  | { readonly kind: 'error'; readonly message: string; readonly usage: string };

export const SCRIPT_NAME = 'mesos-dns-ts';
export const DEFAULT_CONFIG_PATH = 'config.json';

/** Go glog's flags: accepted so existing command lines keep working, then ignored. */
const GLOG_BOOLEAN_FLAGS = ['logtostderr', 'alsologtostderr'] as const;
const GLOG_VALUE_FLAGS = ['log_dir', 'stderrthreshold', 'vmodule', 'log_backtrace_at'] as const;


class UsageError extends Error {}

/** The verbosity a glog `-v=N` value gives: 0, 1, or 2 for anything >= 2. */
function toVerbosity(text: string): Verbosity {
  if (!/^[+-]?\d+$/.test(text)) throw new UsageError(`invalid value "${text}" for flag -v: parse error`);
  const level = Number(text);
  return level <= 0 ? 0 : level === 1 ? 1 : 2;
}

/** Go's strconv.ParseBool, which bool flags use for `-flag=value`. */
function parseGoBool(name: string, text: string): boolean {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(text)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(text)) return false;
  throw new UsageError(`invalid boolean value "${text}" for -${name}: parse error`);
}

interface FlagSet {
  readonly booleans: ReadonlySet<string>;
  readonly values: ReadonlySet<string>;
  readonly verbosity: boolean;
}

const SERVE_FLAGS: FlagSet = {
  booleans: new Set(['version', ...GLOG_BOOLEAN_FLAGS]),
  values: new Set(['config', ...GLOG_VALUE_FLAGS]),
  verbosity: true,
};
const RECORDS_FLAGS: FlagSet = { booleans: new Set(['no-lookup']), values: new Set(['config', 'state', 'zone']), verbosity: false };

interface Normalised {
  readonly args: string[];
  readonly verbosity: Verbosity;
  readonly help: boolean;
}

/**
 * Applies Go's flag syntax (flag.Parse) and hands yargs only `--name=value` tokens: single- and
 * double-dash forms are the same flag (yargs alone would read `-config` as -c -o -n ...); a value
 * flag without "=" takes the next argument whatever it looks like; a bool flag takes a value only
 * after "="; the -v forms fold into one verbosity; unknown flags get Go's message.
 */
function normaliseArgs(argv: readonly string[], flags: FlagSet): Normalised {
  const args: string[] = [];
  let verbosity: Verbosity = 0;
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i] as string;
    if (token === '--' || !token.startsWith('-') || token === '-') {
      // Go stops at the first non-flag and ignores the rest; an argument here is most likely a mistake.
      const positional = token === '--' ? argv[i + 1] : token;
      if (positional !== undefined) throw new UsageError(`unexpected argument: ${positional}`);
      break;
    }
    const body = token.replace(/^--?/, '');
    const eq = body.indexOf('=');
    const name = eq >= 0 ? body.slice(0, eq) : body;
    const inline = eq >= 0 ? body.slice(eq + 1) : undefined;
    if (name === '' || body.startsWith('-') || body.startsWith('=')) throw new UsageError(`bad flag syntax: ${token}`);
    if (flags.verbosity && /^v{2,}$/.test(name) && inline === undefined) {
      verbosity = 2;
    } else if (flags.verbosity && name === 'v') {
      if (inline !== undefined) {
        verbosity = toVerbosity(inline);
      } else if (/^[+-]?\d+$/.test(argv[i + 1] ?? '')) {
        verbosity = toVerbosity(argv[++i] as string);
      } else {
        verbosity = 1;
      }
    } else if (name === 'help' || name === 'h') {
      help = true;
    } else if (flags.booleans.has(name)) {
      args.push(`--${name}=${inline === undefined ? true : parseGoBool(name, inline)}`);
    } else if (flags.values.has(name)) {
      let value = inline;
      if (value === undefined) {
        if (i + 1 >= argv.length) throw new UsageError(`flag needs an argument: -${name}`);
        value = argv[++i] as string;
      }
      args.push(`--${name}=${value}`);
    } else {
      throw new UsageError(`flag provided but not defined: -${name}`);
    }
  }
  return { args, verbosity, help };
}

function createBaseParser(args: readonly string[], usage: string): Argv {
  return yargs(args)
    .scriptName(SCRIPT_NAME)
    .usage(usage)
    .parserConfiguration({
      'camel-case-expansion': false,
      'dot-notation': false,
      'duplicate-arguments-array': false,
      'boolean-negation': false,
      'short-option-groups': false,
      'parse-numbers': false,
      'parse-positional-numbers': false,
      'greedy-arrays': false,
    })
    .strict()
    .version(false)
    .help(false)
    .wrap(100)
    .exitProcess(false)
    .fail((message: string, err: Error | undefined) => {
      throw err ?? new UsageError(message);
    });
}

function createServeParser(args: readonly string[]) {
  let parser = createBaseParser(
    args,
    `Usage: ${SCRIPT_NAME} [-config=FILE] [-v=N | -vv] [-version]\n` +
      `Usage: ${SCRIPT_NAME} records [--config FILE] [--state FILE] [--no-lookup] [--zone ZONE]\n\n` +
      'A drop-in Mesos-DNS: DNS and HTTP service discovery for Apache Mesos clusters.',
  )
    .option('config', { type: 'string', default: DEFAULT_CONFIG_PATH, describe: 'path to the config file (Mesos-DNS config.json)' })
    .option('v', { type: 'string', describe: 'verbosity: -v=1 (or -v) debug, -v=2 (or -vv) trace' })
    .option('version', { type: 'boolean', describe: 'print the version and exit' })
    .option('help', { alias: 'h', type: 'boolean', describe: 'show this help' });
  for (const flag of GLOG_BOOLEAN_FLAGS) parser = parser.option(flag, { type: 'boolean', hidden: true });
  for (const flag of GLOG_VALUE_FLAGS) parser = parser.option(flag, { type: 'string', hidden: true });
  return parser.epilogue(
    'Single-dash Go-style flags (-config=FILE, -config FILE) work as in Mesos-DNS. The glog flags\n' +
      '-logtostderr, -alsologtostderr, -log_dir, -stderrthreshold, -vmodule and -log_backtrace_at are\n' +
      'accepted and ignored.\n\n' +
      "records: print the zone the server would serve for --state FILE (default: the config's StateFile) as an\n" +
      'RFC 1035 master file, then exit; --no-lookup skips host name look-ups for a reproducible listing;\n' +
      '--zone prints one of the ReverseZones instead of the domain.',
  );
}

function createRecordsParser(args: readonly string[]) {
  return createBaseParser(
    args,
    `Usage: ${SCRIPT_NAME} records [--config FILE] [--state FILE] [--no-lookup] [--zone ZONE]\n\n` +
      'Print the zone the server would serve for the state, as an RFC 1035 master file, and exit.',
  )
    .option('config', { type: 'string', default: DEFAULT_CONFIG_PATH, describe: 'path to the config file' })
    .option('state', { type: 'string', describe: "state JSON file (default: the config's StateFile)" })
    .option('no-lookup', {
      type: 'boolean',
      describe: 'do not resolve agent and framework host names (records that need them are left out) and use SOA serial SOASerial+1: a reproducible listing',
    })
    .option('zone', { type: 'string', describe: 'print this one of the ReverseZones (e.g. 10.in-addr.arpa) instead of the domain' })
    .option('help', { alias: 'h', type: 'boolean', describe: 'show this help' });
}

function helpText(parser: { showHelp(print: (text: string) => void): unknown }): string {
  let text = '';
  parser.showHelp((s) => {
    text = s;
  });
  return text;
}

/** The usage text printed by --help and after a command-line error. */
export function formatUsage(): string {
  return helpText(createServeParser([]));
}

function requireValue(name: string, value: unknown): string {
  if (typeof value !== 'string' || value === '') throw new UsageError(`flag needs an argument: -${name}`);
  return value;
}

function parseRecords(argv: readonly string[]): CommandLine {
  const usage = (): string => helpText(createRecordsParser([]));
  try {
    const { args, help } = normaliseArgs(argv, RECORDS_FLAGS);
    if (help) return { kind: 'help', text: usage() };
    const parsed = createRecordsParser(args).parseSync();
    const state = parsed['state'];
    return {
      kind: 'records',
      configPath: requireValue('config', parsed['config']),
      statePath: state === undefined ? undefined : requireValue('state', state),
      lookup: parsed['no-lookup'] !== true,
      zone: parsed['zone'] === undefined ? undefined : requireValue('zone', parsed['zone']).toLowerCase().replace(/\.$/, ''),
    };
  } catch (err) {
    return { kind: 'error', message: (err as Error).message, usage: usage() };
  }
}

/** Parses the arguments after the program name (process.argv.slice(2)). Never throws, never exits. */
export function parseCommandLine(argv: readonly string[]): CommandLine {
  if (argv[0] === 'records') return parseRecords(argv.slice(1));
  try {
    const { args, verbosity, help } = normaliseArgs(argv, SERVE_FLAGS);
    if (help) return { kind: 'help', text: formatUsage() };
    const parsed = createServeParser(args).parseSync();
    const configPath = requireValue('config', parsed['config']);
    if (parsed['version'] === true) return { kind: 'version' };
    return { kind: 'serve', configPath, verbosity };
  } catch (err) {
    return { kind: 'error', message: (err as Error).message, usage: formatUsage() };
  }
}

/** The log level a verbosity selects: 0 keeps the config's LogLevel, -v debug, -vv trace. */
export function logLevelFor(verbosity: Verbosity, configured: string): string {
  return verbosity === 2 ? 'trace' : verbosity === 1 ? 'debug' : configured;
}

let cachedVersion: string | undefined;

/**
 * This package's version, read from package.json on first use (not at import). "dev" when it cannot
 * be found, as Mesos-DNS prints for a build without a version.
 */
export function readVersion(): string {
  if (cachedVersion !== undefined) return cachedVersion;
  cachedVersion = 'dev';
  // dist/src/cli.js and src/cli.ts both sit two levels below the package root.
  for (const relative of ['../../package.json', '../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(relative, import.meta.url), 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === 'mesos-dns-ts' && typeof pkg.version === 'string') {
        cachedVersion = pkg.version;
        break;
      }
    } catch {
      // try the next candidate
    }
  }
  return cachedVersion;
}
