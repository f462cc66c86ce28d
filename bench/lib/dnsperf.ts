// Runs dnsperf (DNS-OARC, Debian package "dnsperf") against a loopback server and parses its report.
// With `verbose`, dnsperf prints one line per query ("> NOERROR name A 0.000123"); that output goes to a
// file (so nothing in this process competes with the measured server while it runs) and is then
// stream-parsed into an exact microsecond histogram for p50/p99/max.
import { execFileSync, spawn } from 'node:child_process';
import { accessSync, closeSync, constants, createReadStream, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { createInterface } from 'node:readline';

export interface DnsperfSettings {
  /** -c: simulated clients (each its own socket). */
  readonly clients: number;
  /** -T: dnsperf threads. */
  readonly threads: number;
  /** -q: queries outstanding at most. */
  readonly outstanding: number;
}

export interface DnsperfOptions extends DnsperfSettings {
  readonly binary: string;
  readonly port: number;
  readonly server?: string;
  /** Query file: "name TYPE" lines, looped over. */
  readonly file: string;
  /** -l: run time. */
  readonly seconds: number;
  /** -Q: rate limit in queries per second. */
  readonly rate?: number;
  /** -v: per-query latencies (parsed into `latency`). */
  readonly verbose?: boolean;
  /** -t: a query unanswered this long is lost (default 2 s here, dnsperf's own is 5 s). */
  readonly timeoutSeconds?: number;
  /** -b: socket buffers in KiB; the default 4096 keeps dnsperf's own socket from dropping replies. */
  readonly bufferKb?: number;
  /** Run dnsperf under `taskset -c <cpus>` (see cpuPlan). */
  readonly cpus?: string | undefined;
}

export interface LatencySummary {
  readonly count: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly p999Ms: number;
  readonly maxMs: number;
}

export interface DnsperfResult {
  readonly sent: number;
  readonly completed: number;
  readonly lost: number;
  readonly qps: number;
  readonly runSeconds: number;
  readonly meanLatencyMs: number;
  readonly maxLatencyMs: number;
  readonly rcodes: Readonly<Record<string, number>>;
  readonly latency?: LatencySummary;
  readonly args: readonly string[];
}

/** The dnsperf executable on PATH, or undefined. */
export function findDnsperf(): string | undefined {
  return findOnPath('dnsperf');
}

/** The executable named `name` on PATH, or undefined. */
export function findOnPath(name: string): string | undefined {
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

export interface CpuPlan {
  /** taskset CPU list for the server under test (and the reflector), or undefined: not pinned. */
  readonly server: string | undefined;
  /** taskset CPU list for dnsperf. */
  readonly client: string | undefined;
  readonly description: string;
}

/**
 * On a small machine the load generator and the server fight for the same cores and the scheduler
 * moves them around, which makes runs noisy. With taskset and at least two CPUs, the server gets the
 * last CPU and dnsperf the others, so neither starves the other.
 */
export function cpuPlan(cpuCount: number, enabled: boolean): CpuPlan {
  const plan = planCpus(cpuCount, enabled);
  if (plan.client !== undefined) pinThisProcess(plan.client);
  return plan;
}

/**
 * The benchmark process itself (it reads dnsperf's per-query output, about a line per query at full
 * rate) goes on the client's CPUs too: left unpinned it would take the server's CPU and inflate the
 * latencies it measures.
 */
function pinThisProcess(cpus: string): void {
  try {
    execFileSync('taskset', ['-a', '-p', '-c', cpus, String(process.pid)], { stdio: 'ignore' });
  } catch {
    // best effort: the figures are then noisier, not wrong
  }
}

function planCpus(cpuCount: number, enabled: boolean): CpuPlan {
  if (!enabled) return { server: undefined, client: undefined, description: 'not pinned (--no-pin)' };
  if (cpuCount < 2 || !findOnPath('taskset')) return { server: undefined, client: undefined, description: 'not pinned (needs taskset and 2 CPUs)' };
  const last = cpuCount - 1;
  const client = last === 1 ? '0' : `0-${last - 1}`;
  return { server: String(last), client, description: `server and reflector pinned to CPU ${last}, dnsperf to CPU ${client}` };
}

export function describeSettings(s: DnsperfSettings): string {
  return `-c ${s.clients} -T ${s.threads} -q ${s.outstanding}`;
}

function statNumber(text: string, label: string): number {
  const match = new RegExp(`${label}:\\s+([0-9.]+)`).exec(text);
  if (!match) throw new Error(`dnsperf report without "${label}":\n${text.slice(-2000)}`);
  return Number(match[1]);
}

function parseReport(text: string, args: readonly string[], latency: LatencySummary | undefined): DnsperfResult {
  const rcodes: Record<string, number> = {};
  const codes = /Response codes:\s+(.*)/.exec(text)?.[1] ?? '';
  for (const m of codes.matchAll(/([A-Z]+) (\d+)/g)) rcodes[m[1] as string] = Number(m[2]);
  const maxMatch = /Average Latency \(s\):\s+[0-9.]+ \(min [0-9.]+, max ([0-9.]+)\)/.exec(text);
  return {
    sent: statNumber(text, 'Queries sent'),
    completed: statNumber(text, 'Queries completed'),
    lost: statNumber(text, 'Queries lost'),
    qps: statNumber(text, 'Queries per second'),
    runSeconds: statNumber(text, 'Run time \\(s\\)'),
    meanLatencyMs: statNumber(text, 'Average Latency \\(s\\)') * 1000,
    maxLatencyMs: maxMatch ? Number(maxMatch[1]) * 1000 : NaN,
    rcodes,
    ...(latency ? { latency } : {}),
    args,
  };
}

/** Microsecond buckets up to 1 s; anything slower lands in the last one (its max is tracked apart). */
class LatencyHistogram {
  private readonly buckets = new Uint32Array(1_000_001);
  private count = 0;
  private maxUs = 0;

  add(seconds: number): void {
    const us = Math.round(seconds * 1e6);
    const bucket = Math.min(us, 1_000_000);
    this.buckets[bucket] = (this.buckets[bucket] as number) + 1;
    this.count++;
    if (us > this.maxUs) this.maxUs = us;
  }

  private percentileUs(p: number): number {
    const rank = Math.max(1, Math.ceil((p / 100) * this.count));
    let seen = 0;
    for (let us = 0; us < this.buckets.length; us++) {
      seen += this.buckets[us] as number;
      if (seen >= rank) return us;
    }
    return this.maxUs;
  }

  summary(): LatencySummary {
    return {
      count: this.count,
      p50Ms: this.percentileUs(50) / 1000,
      p99Ms: this.percentileUs(99) / 1000,
      p999Ms: this.percentileUs(99.9) / 1000,
      maxMs: this.maxUs / 1000,
    };
  }
}

export async function runDnsperf(options: DnsperfOptions): Promise<DnsperfResult> {
  const args = [
    '-s',
    options.server ?? '127.0.0.1',
    '-p',
    String(options.port),
    '-d',
    options.file,
    '-c',
    String(options.clients),
    '-T',
    String(options.threads),
    '-q',
    String(options.outstanding),
    '-l',
    String(options.seconds),
    '-t',
    String(options.timeoutSeconds ?? 2),
    '-b',
    String(options.bufferKb ?? 4096),
  ];
  if (options.rate !== undefined) args.push('-Q', String(Math.round(options.rate)));
  if (options.verbose) args.push('-v');

  const dir = options.verbose ? mkdtempSync(join(tmpdir(), 'bench-dnsperf-')) : undefined;
  const outPath = dir ? join(dir, 'dnsperf.out') : undefined;
  let outFd = outPath ? openSync(outPath, 'w') : undefined;
  try {
    const [file, argv] = options.cpus ? ['taskset', ['-c', options.cpus, options.binary, ...args]] : [options.binary, args];
    const child = spawn(file, argv, { stdio: ['ignore', outFd ?? 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr?.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    // Bounded: dnsperf stops by itself after -l plus at most -t for the last answers.
    const limitMs = (options.seconds + (options.timeoutSeconds ?? 2) + 20) * 1000;
    const code = await new Promise<number | null>((resolve, reject) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), limitMs);
      child.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      child.once('close', (c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
    if (outFd !== undefined) {
      closeSync(outFd);
      outFd = undefined;
    }
    if (code !== 0) throw new Error(`dnsperf ${args.join(' ')} exited with ${String(code)}\n${stderr}${stdout.slice(-2000)}`);
    if (!outPath) return parseReport(stdout, args, undefined);

    const histogram = new LatencyHistogram();
    let report = '';
    const lines = createInterface({ input: createReadStream(outPath, { highWaterMark: 1 << 20 }), crlfDelay: Infinity });
    for await (const line of lines) {
      if (line.startsWith('> ')) {
        const seconds = Number(line.slice(line.lastIndexOf(' ') + 1));
        if (Number.isFinite(seconds)) histogram.add(seconds);
      } else {
        report += `${line}\n`;
      }
    }
    return parseReport(report, args, histogram.summary());
  } finally {
    if (outFd !== undefined) closeSync(outFd);
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}
