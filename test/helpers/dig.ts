// The real `dig` (bind9-dnsutils) against a server on 127.0.0.1: what operators will actually run.
// Tests check that dig is there first (helpers/tools DIG). Many questions at once: dig-batch.ts.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface DigOptions {
  /** dig's +time, seconds per try (default 3). */
  readonly time?: number;
  /** dig's +tries (default 1). */
  readonly tries?: number;
  /** Bound on the whole run (default 10 s). */
  readonly timeoutMs?: number;
  /** Bound on the output (default Node's, 1 MiB). */
  readonly maxOutputBytes?: number;
}

/** dig's output for these arguments (after server, port, tries and time). */
export async function dig(port: number, args: readonly string[], options: DigOptions = {}): Promise<string> {
  const fixed = ['@127.0.0.1', '-p', String(port), `+tries=${options.tries ?? 1}`, `+time=${options.time ?? 3}`];
  const { stdout } = await run('dig', [...fixed, ...args], {
    timeout: options.timeoutMs ?? 10_000,
    ...(options.maxOutputBytes === undefined ? {} : { maxBuffer: options.maxOutputBytes }),
  });
  return stdout;
}

function lines(stdout: string): string[] {
  return stdout
    .trim()
    .split('\n')
    .filter((line) => line !== '');
}

/** The answers' RDATA as `+short` prints them, sorted. */
export async function digShort(port: number, ...args: string[]): Promise<string[]> {
  return lines(await dig(port, ['+short', '+nocookie', ...args])).sort();
}

/** The answer section as "<owner> <ttl> <TYPE> <rdata>" (the class dropped), in dig's order. */
export async function digAnswer(port: number, ...args: string[]): Promise<string[]> {
  return lines(await dig(port, ['+noall', '+answer', '+nocookie', ...args])).map((line) =>
    line
      .split(/\s+/)
      .filter((_, i) => i !== 2)
      .join(' '),
  );
}
