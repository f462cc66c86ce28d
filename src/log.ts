// The root logger: the only importer of pino. Components take a child via `logger.child({ component })`.
import { pino } from 'pino';
import type { DestinationStream, Logger as PinoLogger } from 'pino';

export type Logger = PinoLogger;

export interface CreateLoggerOptions {
  readonly level?: string;
  /** Where lines go; stdout by default. Tests pass a stream to assert on fields. */
  readonly destination?: DestinationStream;
}

/** Causes followed at most this deep when withholding JSON text (pino itself stops at cycles). */
const MAX_CAUSE_DEPTH = 8;
const WITHHELD = 'JSON syntax error (text withheld)';

/**
 * The error, with every JSON.parse SyntaxError along its cause chain replaced by a copy whose message
 * and stack no longer quote the document: V8 writes the text around the error into the message
 * (`Unexpected token 'h', ..."Secret": hunter2"...`), and pino's serializer appends every cause's
 * message and stack to the logged one. Other errors are returned as they are.
 */
export function withholdJsonText(err: unknown, depth = 0): unknown {
  if (!(err instanceof Error) || depth > MAX_CAUSE_DEPTH) return err;
  const cause = withholdJsonText(err.cause, depth + 1);
  const quotes = err instanceof SyntaxError && err.message.includes('JSON');
  if (!quotes && cause === err.cause) return err;
  const message = quotes ? WITHHELD : err.message;
  const header = `${err.name}: ${err.message}`;
  const frames = err.stack?.startsWith(header) ? err.stack.slice(header.length) : '';
  const copy = Object.assign(Object.create(Object.getPrototypeOf(err) as object) as Error, err);
  Object.defineProperties(copy, {
    message: { value: message, writable: true, configurable: true },
    stack: { value: quotes ? `${err.name}: ${message}${frames}` : err.stack, writable: true, configurable: true },
    cause: { value: cause, writable: true, configurable: true },
  });
  return copy;
}

export function createLogger(options: CreateLoggerOptions = {}): Logger {
  const pinoOptions = {
    level: options.level ?? 'info',
    base: { service: 'mesos-dns-ts' },
    serializers: { err: (err: unknown) => pino.stdSerializers.err(withholdJsonText(err) as Error) },
    // Never log credentials, whatever object carries them.
    redact: {
      paths: [
        '*.secret',
        '*.Secret',
        '*.password',
        'privateKey',
        '*.privateKey',
        '*.private_key',
        'config.mesosCredentials',
        'headers.authorization',
      ],
      censor: '[redacted]',
    },
  };
  return options.destination ? pino(pinoOptions, options.destination) : pino(pinoOptions);
}

/** A logger that drops everything, for pure-code tests and benchmarks. */
export function createSilentLogger(): Logger {
  return pino({ level: 'silent' });
}

/** How often one repeated problem may be logged (LogLimiter). */
export const REPEAT_LOG_INTERVAL_MS = 10_000;

/** Logs `log(suppressed)` for a key at most once per interval, passing how many calls it held back. */
export type LogLimiter = (key: string, log: (suppressed: number) => void) => void;

/**
 * A limiter for problems that can repeat thousands of times a second (a flood of clients, a dead
 * upstream): one line per key and interval, carrying the count it stands for. Keys are bounded by the
 * callers; past 1,000 the memory is simply forgotten.
 */
export function createLogLimiter(now: () => number, intervalMs = REPEAT_LOG_INTERVAL_MS): LogLimiter {
  const seen = new Map<string, { at: number; suppressed: number }>();
  return (key, log) => {
    const t = now();
    const entry = seen.get(key);
    if (entry && t - entry.at < intervalMs) {
      entry.suppressed += 1;
      return;
    }
    if (seen.size > 1000) seen.clear();
    seen.set(key, { at: t, suppressed: 0 });
    log(entry?.suppressed ?? 0);
  };
}
