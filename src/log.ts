// The root logger: the only importer of pino. Components take a child via `logger.child({ component })`.
import { pino } from 'pino';
import type { DestinationStream, Logger as PinoLogger } from 'pino';

export type Logger = PinoLogger;

export interface CreateLoggerOptions {
  readonly level?: string;
  /** Where lines go; stdout by default. Tests pass a stream to assert on fields. */
  readonly destination?: DestinationStream;
}

export function createLogger(options: CreateLoggerOptions = {}): Logger {
  const pinoOptions = {
    level: options.level ?? 'info',
    base: { service: 'mesos-dns-ts' },
    // Never log credentials, whatever object carries them.
    redact: {
      paths: ['*.secret', '*.Secret', '*.password', 'config.mesosCredentials', 'headers.authorization'],
      censor: '[redacted]',
    },
  };
  return options.destination ? pino(pinoOptions, options.destination) : pino(pinoOptions);
}

/** A logger that drops everything, for pure-code tests and benchmarks. */
export function createSilentLogger(): Logger {
  return pino({ level: 'silent' });
}
