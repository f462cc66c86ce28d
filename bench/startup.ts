// bench:startup — how long the real process takes from spawn to its first in-domain DNS answer with
// the embedded default cluster (fixtures/embedded), and to /health 200 and a SIGTERM exit.
// Loopback only; free ports are picked first so the client can poll from the moment of spawn.
//   npm run bench:startup [-- --runs=N]   (default 5 runs, at most 50)
// With --tasks=N the server reads a generated state of N tasks (on --agents=M agents, default N/10)
// from a StateFile instead, and the server's resident memory after the first load and its peak are
// printed too. --reloads=K then keeps one more server re-reading that file every --refresh=S seconds
// (default 15) for K reloads and prints its resident memory over them.
import { execFileSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildQuery } from '../test/helpers/dns-codec.js';
import { freeUdpAndTcpPort } from '../test/helpers/ports.js';
import { httpGet, spawnServer, type SpawnedServer } from '../test/helpers/spawn-server.js';
import { fmtMb, processMemory } from './lib/proc-mem.js';
import { waitFor } from '../test/helpers/wait-for.js';

const PER_RUN_LIMIT_MS = 60_000;
/** Resident memory is read this long after the first "records reloaded" line (garbage of the load collected). */
const SETTLE_MS = 2000;

function intArg(argv: readonly string[], name: string, fallback: number, min: number, max: number): number {
  const arg = argv.find((a) => a.startsWith(`--${name}=`));
  const n = arg === undefined ? fallback : Number(arg.slice(name.length + 3));
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${name} must be an integer from ${min} to ${max}`);
  return n;
}

interface Subject {
  readonly description: string;
  /** Config keys over the embedded default. */
  readonly config: Readonly<Record<string, unknown>>;
  /** An in-domain name with an A record. */
  readonly name: string;
  /** Print memory figures (large states). */
  readonly memory: boolean;
}

const loadAverage = (): string => loadavg().map((l) => l.toFixed(2)).join(' ');


/** Sends the query every 2 ms until an answer with records comes back; resolves with the time. */
function firstAnswer(port: number, name: string, deadline: number): Promise<number> {
  const message = buildQuery({ qname: name, qtype: 'A' });
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    const send = (): void => {
      if (Date.now() > deadline) {
        clearInterval(timer);
        socket.close();
        reject(new Error('no answer before the deadline'));
        return;
      }
      socket.send(message, port, '127.0.0.1');
    };
    const timer = setInterval(send, 2);
    socket.on('error', () => undefined);
    socket.on('message', (reply) => {
      const rcode = (reply[3] as number) & 0x0f;
      const answers = reply.readUInt16BE(6);
      if (rcode === 0 && answers > 0) {
        const at = performance.now();
        clearInterval(timer);
        socket.close();
        resolve(at);
      }
    });
    send();
  });
}

async function firstHealthy(port: number, deadline: number): Promise<number> {
  const healthyAt = async (): Promise<number | undefined> => {
    const status = await httpGet(port, '/health', 500).then(
      (r) => r.status,
      () => 0,
    );
    return status === 200 ? performance.now() : undefined;
  };
  return waitFor('/health to answer 200', healthyAt, deadline - Date.now(), 2);
}

interface Run {
  readonly listeningMs: number;
  readonly answerMs: number;
  readonly healthMs: number;
  readonly reloadMs: number;
  readonly exitMs: number;
  /** Resident MB SETTLE_MS after the first load, and the peak until then. */
  readonly rssMb: number;
  readonly peakMb: number;
}

async function measureOnce(subject: Subject): Promise<Run> {
  const [dnsPort, httpPort] = [await freeUdpAndTcpPort(), await freeUdpAndTcpPort()];
  const deadline = Date.now() + PER_RUN_LIMIT_MS;
  const spawnedAt = performance.now();
  const server = await spawnServer({ config: { ...subject.config, Port: dnsPort, HttpPort: httpPort }, waitFor: 'none' });
  try {
    let listeningAt = 0;
    const listening = server.waitForLog((l) => l.msg === 'mesos-dns started', PER_RUN_LIMIT_MS).then(() => {
      listeningAt = performance.now();
    });
    const [answerAt, healthAt] = await Promise.all([firstAnswer(dnsPort, subject.name, deadline), firstHealthy(httpPort, deadline), listening]);
    const reloaded = await server.waitForLog((l) => l.msg === 'records reloaded', PER_RUN_LIMIT_MS);
    if (subject.memory) await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    const memory = processMemory(server.pid);
    const stopAt = performance.now();
    server.signal('SIGTERM');
    const status = await server.waitForExit(PER_RUN_LIMIT_MS);
    if (status.code !== 0) throw new Error(`exit ${String(status.code)} after SIGTERM`);
    return {
      listeningMs: listeningAt - spawnedAt,
      answerMs: answerAt - spawnedAt,
      healthMs: healthAt - spawnedAt,
      reloadMs: Number(reloaded['totalMs'] ?? NaN),
      exitMs: performance.now() - stopAt,
      rssMb: memory?.rssMb ?? NaN,
      peakMb: memory?.peakMb ?? NaN,
    };
  } finally {
    await server.kill();
  }
}

/** One server re-reading the state file every refreshSeconds: its resident memory over `reloads` reloads. */
async function measureReloads(subject: Subject, reloads: number, refreshSeconds: number): Promise<void> {
  const timeoutMs = (reloads + 2) * (refreshSeconds + 30) * 1000;
  const server: SpawnedServer = await spawnServer({ config: { ...subject.config, RefreshSeconds: refreshSeconds }, waitFor: 'started', timeoutMs });
  let maxSampled = 0;
  const sampler = setInterval(() => {
    const m = processMemory(server.pid);
    if (m && m.rssMb > maxSampled) maxSampled = m.rssMb;
  }, 50);
  try {
    const isReload = (l: { msg?: string }): boolean => l.msg === 'records reloaded';
    const isFailure = (l: { msg?: string }): boolean => l.msg === 'state reload failed; keeping the last records';
    console.log(`reloads every ${refreshSeconds} s (load average ${loadAverage()}):`);
    for (let i = 1; i <= reloads + 1; i++) {
      await server.waitForLog(() => server.lines.filter(isReload).length >= i, timeoutMs);
      const line = server.lines.filter(isReload)[i - 1] ?? {};
      await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
      const m = processMemory(server.pid);
      console.log(
        `  load ${String(i).padStart(2)}: worker ${String(line['workerMs'])} ms (fetch ${String(line['fetchMs'])}, parse ${String(line['parseMs'])}, generate ${String(line['generateMs'])}); ` +
          `RSS ${SETTLE_MS / 1000} s later ${fmtMb(m?.rssMb)}, peak so far ${fmtMb(m?.peakMb)}`,
      );
    }
    const failures = server.lines.filter(isFailure).length;
    const m = processMemory(server.pid);
    console.log(
      `peak RSS over ${reloads} reloads after the first load: ${fmtMb(m?.peakMb)} (kernel high-water mark; highest 50-ms sample ${fmtMb(maxSampled)}); ` +
        `failed reloads ${failures}; load average ${loadAverage()}`,
    );
  } finally {
    clearInterval(sampler);
    await server.kill();
  }
}

/** The embedded fixture, or a generated state written to a file by a child process (this one stays small). */
function chooseSubject(argv: readonly string[], dir: string): Subject {
  const tasks = intArg(argv, 'tasks', 0, 0, 10_000_000);
  if (tasks === 0) return { description: 'embedded default cluster', config: {}, name: 'nginx.marathon.mesos', memory: false };
  const agents = intArg(argv, 'agents', Math.max(1, Math.round(tasks / 10)), 1, 1_000_000);
  const file = join(dir, 'state.json');
  const generator = fileURLToPath(new URL('./lib/generate-state.js', import.meta.url));
  execFileSync(process.execPath, [generator, '--agents', String(agents), '--tasks', String(tasks), '--out', file]);
  const mb = (statSync(file).size / 1e6).toFixed(1);
  return {
    description: `generated state, ${agents} agents, ${tasks} tasks, ${mb} MB of JSON in a StateFile`,
    config: { StateFile: file, RefreshSeconds: 3600, StateTimeoutSeconds: 300 },
    name: 'leader.mesos',
    memory: true,
  };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const runs = intArg(argv, 'runs', 5, 1, 50);
  const reloads = intArg(argv, 'reloads', 0, 0, 100);
  const refresh = intArg(argv, 'refresh', 15, 1, 3600);
  const dir = mkdtempSync(join(tmpdir(), 'bench-startup-'));
  try {
    const subject = chooseSubject(argv, dir);
    const results: Run[] = [];
    console.log(`bench:startup — node ${process.version}, ${subject.description}, ${runs} runs; load average ${loadAverage()}`);
    console.log(
      'run  listening  first-answer  /health-200  first-reload  sigterm-exit   (ms; from spawn except reload and exit)' +
        (subject.memory ? `  RSS ${SETTLE_MS / 1000} s after load, peak (MB)` : ''),
    );
    for (let i = 0; i < runs; i++) {
      const r = await measureOnce(subject);
      results.push(r);
      const cells = [r.listeningMs, r.answerMs, r.healthMs, r.reloadMs, r.exitMs].map((v, j) => v.toFixed(0).padStart([9, 12, 11, 12, 12][j] as number));
      const memory = subject.memory ? `  ${r.rssMb.toFixed(0).padStart(10)}  ${r.peakMb.toFixed(0).padStart(6)}` : '';
      console.log(`${String(i + 1).padStart(3)}  ${cells.join('  ')}${memory}`);
    }
    const summary = (key: keyof Run, unit = 'ms'): string => {
      const values = results.map((r) => r[key]);
      return `min ${Math.min(...values).toFixed(0)} ${unit}, median ${median(values).toFixed(0)} ${unit}, max ${Math.max(...values).toFixed(0)} ${unit}`;
    };
    console.log(`spawn to listening:        ${summary('listeningMs')}`);
    console.log(`spawn to first DNS answer: ${summary('answerMs')}`);
    console.log(`spawn to /health 200:      ${summary('healthMs')}`);
    console.log(`first reload (worker):     ${summary('reloadMs')}`);
    console.log(`SIGTERM to exit:           ${summary('exitMs')}`);
    if (subject.memory) {
      console.log(`RSS ${SETTLE_MS / 1000} s after first load: ${summary('rssMb', 'MB')}`);
      console.log(`peak RSS until then:       ${summary('peakMb', 'MB')}`);
    }
    console.log(`load average ${loadAverage()}`);
    if (reloads > 0) await measureReloads(subject, reloads, refresh);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
