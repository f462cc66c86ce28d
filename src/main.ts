#!/usr/bin/env node
// Entry point: parse the command line, load the config, run the server or a one-shot command, and map
// outcomes to exit codes: 0 ok, 1 runtime failure (e.g. a port already in use), 2 usage or config error.
import { createApp, type App } from './app.js';
import { logLevelFor, parseCommandLine, readVersion, type Verbosity } from './cli.js';
import { renderRecords } from './commands/records.js';
import { loadConfigWithWarnings } from './config/load.js';
import type { Config } from './config/types.js';
import { ConfigError, ErrorCode, MesosDnsError } from './errors.js';
import { createLogger, type Logger } from './log.js';

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

function installSignalHandlers(app: App, logger: Logger, configPath: string, verbosity: Verbosity): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      logger.error({ graceMs: SHUTDOWN_GRACE_MS }, 'shutdown took too long; exiting');
      process.exit(ExitCode.FAILURE);
    }, SHUTDOWN_GRACE_MS);
    force.unref();
    app.close().then(
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
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  let reloading = Promise.resolve();
  process.on('SIGHUP', () => {
    reloading = reloading.then(async () => {
      try {
        const { config, warnings } = await loadForServe(configPath, verbosity);
        for (const warning of warnings) logger.warn({ warning }, 'config warning');
        await app.reconfigure(config);
      } catch (err) {
        const problems = err instanceof ConfigError ? err.problems : undefined;
        logger.error({ err, problems, file: configPath }, 'SIGHUP: new config rejected; keeping the old one');
      }
    });
  });
}

async function serve(configPath: string, verbosity: Verbosity): Promise<number> {
  let loaded: { config: Config; warnings: readonly string[] };
  try {
    loaded = await loadForServe(configPath, verbosity);
  } catch (err) {
    if (printConfigError(err)) return ExitCode.USAGE;
    throw err;
  }
  const logger = createLogger({ level: loaded.config.logLevel });
  for (const warning of loaded.warnings) logger.warn({ warning }, 'config warning');
  const app = createApp({ config: loaded.config, logger, version: readVersion() });
  try {
    await app.start();
  } catch (err) {
    logger.fatal({ err }, 'cannot start');
    logger.flush();
    process.stderr.write(`ERROR: ${(err as Error).message}\n`);
    return ExitCode.FAILURE;
  }
  installSignalHandlers(app, logger, configPath, verbosity);
  return ExitCode.OK;
}

async function records(configPath: string, statePath: string | undefined): Promise<number> {
  try {
    const { config } = await loadConfigWithWarnings(configPath, statePath === undefined ? {} : { stateFile: statePath });
    if (config.stateFile === '') {
      process.stderr.write('ERROR: records needs a state file: pass --state FILE or set StateFile in the config\n');
      return ExitCode.USAGE;
    }
    const { listing, problems } = await renderRecords(config, config.stateFile);
    for (const problem of problems) process.stderr.write(`warning: ${problem.path}: ${problem.message}\n`);
    process.stdout.write(listing);
    return ExitCode.OK;
  } catch (err) {
    if (printConfigError(err)) return ExitCode.USAGE;
    process.stderr.write(`ERROR: ${(err as Error).message}\n`);
    return ExitCode.FAILURE;
  }
}

export async function main(argv: readonly string[]): Promise<number | undefined> {
  const command = parseCommandLine(argv);
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
      return records(command.configPath, command.statePath);
    case 'serve': {
      const code = await serve(command.configPath, command.verbosity);
      // A running server keeps the process alive; only a failed start returns an exit code.
      return code === ExitCode.OK ? undefined : code;
    }
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== undefined) process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`ERROR: ${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = ExitCode.FAILURE;
  },
);
