// A production (pino) logger whose lines the test can read back, one parsed JSON object per line.
import { Writable } from 'node:stream';
import { type Logger, createLogger } from '../../src/log.js';

export interface CapturedLogger {
  readonly logger: Logger;
  /** Every line written so far, parsed. */
  readonly lines: Record<string, unknown>[];
}

export function capturedLogger(level = 'info'): CapturedLogger {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({
    level,
    destination: new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const line of chunk.toString().split('\n')) if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    }),
  });
  return { logger, lines };
}
