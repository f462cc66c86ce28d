// The real `dig` (bind9-dnsutils) against a server on 127.0.0.1: what operators will actually run.
// Tests check that dig is there first (helpers/tools DIG). Many questions at once: dig-batch.ts. Also
// the one reader of dig's text output.
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

export interface DigResult {
  readonly status: string;
  readonly opcode: string;
  /** Header flags, sorted. */
  readonly flags: string[];
  readonly counts: Record<string, number>;
  /** "; EDNS: version: 0, flags:; udp: 1232" → { version: 0, udp: 1232 }, undefined without OPT. */
  readonly edns: { version: number; udp: number; flags: string } | undefined;
  readonly question: string[];
  readonly answer: string[];
  readonly authority: string[];
  readonly additional: string[];
  readonly raw: string;
}

/** A section's lines: up to a blank line (or, past the question, a comment line); records as "<name> <ttl> <TYPE> <rdata>". */
function digSection(raw: string, title: string): string[] {
  const start = raw.indexOf(`;; ${title} SECTION:\n`);
  if (start < 0) return [];
  const lines: string[] = [];
  for (const line of raw.slice(start).split('\n').slice(1)) {
    if (line.trim() === '') break;
    if (title === 'QUESTION') {
      lines.push(line.replace(/^;/, '').trim().split(/\s+/).join(' '));
      continue;
    }
    if (line.startsWith(';')) break;
    const fields = line.trim().split(/\s+/);
    lines.push([fields[0], fields[1], ...fields.slice(3)].join(' '));
  }
  return lines;
}

/** Reads one reply as dig prints it (its default output, or a block of it); records drop the class. */
export function parseDigOutput(raw: string): DigResult {
  const header = /;; ->>HEADER<<- opcode: (\w+), status: (\w+), id: \d+/.exec(raw);
  const flagsLine = /;; flags:([^;]*); (.*)/.exec(raw);
  if (!header || !flagsLine) throw new Error(`unexpected dig output:\n${raw}`);
  const counts: Record<string, number> = {};
  for (const m of (flagsLine[2] ?? '').matchAll(/(\w+): (\d+)/g)) counts[m[1] as string] = Number(m[2]);
  const ednsLine = /; EDNS: version: (\d+), flags:([^;]*); udp: (\d+)/.exec(raw);
  return {
    opcode: header[1] as string,
    status: header[2] as string,
    flags: (flagsLine[1] ?? '').trim().split(/\s+/).filter(Boolean).sort(),
    counts,
    edns: ednsLine ? { version: Number(ednsLine[1]), flags: (ednsLine[2] ?? '').trim(), udp: Number(ednsLine[3]) } : undefined,
    question: digSection(raw, 'QUESTION'),
    answer: digSection(raw, 'ANSWER'),
    authority: digSection(raw, 'AUTHORITY'),
    additional: digSection(raw, 'ADDITIONAL'),
    raw,
  };
}
