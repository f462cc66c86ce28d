// The program behind main.ts: parse the command line, load the config, run the server or a one-shot
// command, and map outcomes to exit codes: 0 ok, 1 runtime failure (e.g. a port already in use), 2
// usage or config error. Signals reach it through main.ts's HeldSignals, from the very start.
import { createApp, type App } from './app.js';
import { logLevelFor, parseCommandLine, readVersion, type Verbosity } from './cli.js';
import { renderRecords } from './commands/records.js';
import { loadConfigWithWarnings } from './config/load.js';
import type { Config } from './config/types.js';
import { ConfigError, ErrorCode, MesosDnsError } from './errors.js';
import { createLogger, type Logger } from './log.js';
import type { HandledSignal, HeldSignals } from './signals.js';

export const ExitCode = { OK: 0, FAILURE: 1, USAGE: 2 } as const;

/** How long SIGTERM/SIGINT may take to drain before the process exits anyway. */
const SHUTDOWN_GRACE_MS = 10_000;

function printConfigError(err: unknown): boolean {
  if (err instanceof ConfigError) {
    for (const problem of err.problems) process.stderr.write(`ERROR: ${problem.key}: ${problem.message}\n`);
    return true;
  }
  if (err instanceof MesosDnsError && err.code === ErrorCode.CONFIG_UNREADABLE) {
    process.stderr.write(`ERROR: ${err.message}\n`);
    return true;
  }
  return false;
}

async function loadForServe(configPath: string, verbosity: Verbosity): Promise<{ config: Config; warnings: readonly string[] }> {
  const { config, warnings } = await loadConfigWithWarnings(configPath);
  return { config: { ...config, logLevel: logLevelFor(verbosity, config.logLevel) }, warnings };
}

/** The config at SIGHUP: re-read, checked, applied; a config that is refused leaves the old one. */
async function reloadConfig(app: App, logger: Logger, configPath: string, verbosity: Verbosity): Promise<void> {
  try {
    const { config, warnings } = await loadForServe(configPath, verbosity);
    for (const warning of warnings) logger.warn({ warning }, 'config warning');
    await app.reconfigure(config);
  } catch (err) {
    const problems = err instanceof ConfigError ? err.problems : undefined;
    logger.error({ err, problems, file: configPath }, 'SIGHUP: new config rejected; keeping the old one');
  }
}

/**
 * Runs the server. Signals are handled from the start: SIGTERM/SIGINT before the listeners are up
 * exit 0 at once, after that they close what is open (bounded by SHUTDOWN_GRACE_MS) and exit 0; a
 * SIGHUP during start-up is applied once started. Resolves with an exit code only when start-up
 * fails; undefined means the server runs (or is stopping) and the process ends by process.exit.
 */
async function serve(configPath: string, verbosity: Verbosity, signals: HeldSignals): Promise<number | undefined> {
  // The config's LogLevel applies once it is read.
  const logger = createLogger({ level: 'info' });
  let app: App | undefined;
  let started = false;
  let stopping = false;
  let reloadWanted = false;
  let reloading = Promise.resolve();

  const reload = (): void => {
    const running = app;
    if (!running) return;
    reloading = reloading.then(() => reloadConfig(running, logger, configPath, verbosity));
  };
  const stop = (signal: HandledSignal): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal, ...(started ? {} : { during: 'start-up' }) }, 'shutting down');
    const force = setTimeout(() => {
      logger.error({ graceMs: SHUTDOWN_GRACE_MS }, 'shutdown took too long; exiting');
      process.exit(ExitCode.FAILURE);
    }, SHUTDOWN_GRACE_MS);
    force.unref();
    (app?.close() ?? Promise.resolve()).then(
      () => {
        logger.info('stopped');
        logger.flush();
        process.exit(ExitCode.OK);
      },
      (err: unknown) => {
        logger.error({ err }, 'error while shutting down');
        process.exit(ExitCode.FAILURE);
      },
    );
  };
  signals.handTo((signal) => {
    if (signal !== 'SIGHUP') {
      stop(signal);
    } else if (started) {
      reload();
    } else if (!reloadWanted && !stopping) {
      reloadWanted = true;
      logger.info({ signal }, 'SIGHUP during start-up: the config is read again once started');
    }
  });

  let loaded: { config: Config; warnings: readonly string[] };
  try {
    loaded = await loadForServe(configPath, verbosity);
  } catch (err) {
    if (stopping) return undefined;
    if (printConfigError(err)) return ExitCode.USAGE;
    throw err;
  }
  if (stopping) return undefined;
  logger.level = loaded.config.logLevel;
  for (const warning of loaded.warnings) logger.warn({ warning }, 'config warning');
  app = createApp({ config: loaded.config, logger, version: readVersion() });
  try {
    await app.start();
  } catch (err) {
    if (stopping) return undefined;
    logger.fatal({ err }, 'cannot start');
    logger.flush();
    process.stderr.write(`ERROR: ${(err as Error).message}\n`);
    return ExitCode.FAILURE;
  }
  if (stopping) return undefined;
  started = true;
  if (reloadWanted) reload();
  return undefined;
}

async function records(configPath: string, statePath: string | undefined, lookup: boolean, zone: string | undefined): Promise<number> {
  try {
    const { config } = await loadConfigWithWarnings(configPath, statePath === undefined ? {} : { stateFile: statePath });
    if (config.stateFile === '') {
      process.stderr.write('ERROR: records needs a state file: pass --state FILE or set StateFile in the config\n');
      return ExitCode.USAGE;
    }
    const { listing, problems, notes } = await renderRecords(config, config.stateFile, { lookup, ...(zone ? { zone } : {}) });
    for (const problem of problems) process.stderr.write(`warning: ${problem.path}: ${problem.message}\n`);
    for (const note of notes) process.stderr.write(`warning: ${note}\n`);
    process.stdout.write(listing);
    return ExitCode.OK;
  } catch (err) {
    if (printConfigError(err)) return ExitCode.USAGE;
    process.stderr.write(`ERROR: ${(err as Error).message}\n`);
    return ExitCode.FAILURE;
  }
}

async function main(argv: readonly string[], signals: HeldSignals): Promise<number | undefined> {
  const command = parseCommandLine(argv);
  if (command.kind !== 'serve') signals.release();
  switch (command.kind) {
    case 'version':
      process.stdout.write(`${readVersion()}\n`);
      return ExitCode.OK;
    case 'help':
      process.stdout.write(`${command.text}\n`);
      return ExitCode.OK;
    case 'error':
      process.stderr.write(`${command.message}\n${command.usage}\n`);
      return ExitCode.USAGE;
    case 'records':
      return records(command.configPath, command.statePath, command.lookup, command.zone);
    case 'serve':
      return serve(command.configPath, command.verbosity, signals);
  }
}

/** Runs the command line (process.argv.slice(2)); sets process.exitCode when it ends by itself. */
export function run(argv: readonly string[], signals: HeldSignals): void {
  main(argv, signals).then(
    (code) => {
      if (code !== undefined) process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`ERROR: ${(err as Error).stack ?? String(err)}\n`);
      process.exitCode = ExitCode.FAILURE;
    },
  );
}
