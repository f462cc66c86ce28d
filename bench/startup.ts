// bench:startup — how long the real process takes from spawn to its first in-domain DNS answer with
// the embedded default cluster (fixtures/embedded), and to /health 200 and a SIGTERM exit.
// Loopback only; free ports are picked first so the client can poll from the moment of spawn.
//   npm run bench:startup [-- --runs=N]   (default 5 runs, at most 50)
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import { buildQuery } from '../test/helpers/dns-codec.js';
import { httpGet, spawnServer } from '../test/helpers/spawn-server.js';

const PER_RUN_LIMIT_MS = 20_000;

function parseRuns(argv: readonly string[]): number {
  const arg = argv.find((a) => a.startsWith('--runs='));
  const n = arg === undefined ? 5 : Number(arg.slice('--runs='.length));
  if (!Number.isInteger(n) || n < 1 || n > 50) throw new Error('--runs must be an integer from 1 to 50');
  return n;
}

/** A port free for TCP and UDP on 127.0.0.1 right now (the OS picks it). */
async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const tcp = createServer();
    await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
    const port = (tcp.address() as { port: number }).port;
    const udp = createSocket('udp4');
    const free = await new Promise<boolean>((resolve) => {
      udp.once('error', () => resolve(false));
      udp.bind(port, '127.0.0.1', () => resolve(true));
    });
    await new Promise<void>((resolve) => tcp.close(() => resolve()));
    if (free) {
      await new Promise<void>((resolve) => udp.close(resolve));
      return port;
    }
  }
  throw new Error('no free port');
}

/** Sends the query every 2 ms until an answer with records comes back; resolves with the time. */
function firstAnswer(port: number, deadline: number): Promise<number> {
  const message = buildQuery({ qname: 'nginx.marathon.mesos', qtype: 1 });
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
  for (;;) {
    const status = await httpGet(port, '/health', 500).then(
      (r) => r.status,
      () => 0,
    );
    if (status === 200) return performance.now();
    if (Date.now() > deadline) throw new Error('/health not 200 before the deadline');
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

interface Run {
  readonly listeningMs: number;
  readonly answerMs: number;
  readonly healthMs: number;
  readonly reloadMs: number;
  readonly exitMs: number;
}

async function measureOnce(): Promise<Run> {
  const [dnsPort, httpPort] = [await freePort(), await freePort()];
  const deadline = Date.now() + PER_RUN_LIMIT_MS;
  const spawnedAt = performance.now();
  const server = await spawnServer({ config: { Port: dnsPort, HttpPort: httpPort }, waitFor: 'none' });
  try {
    let listeningAt = 0;
    const listening = server.waitForLog((l) => l.msg === 'mesos-dns started', PER_RUN_LIMIT_MS).then(() => {
      listeningAt = performance.now();
    });
    const [answerAt, healthAt] = await Promise.all([firstAnswer(dnsPort, deadline), firstHealthy(httpPort, deadline), listening]);
    const reloaded = await server.waitForLog((l) => l.msg === 'records reloaded', PER_RUN_LIMIT_MS);
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
    };
  } finally {
    await server.kill();
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

async function main(): Promise<void> {
  const runs = parseRuns(process.argv.slice(2));
  const results: Run[] = [];
  console.log(`bench:startup — node ${process.version}, embedded default cluster, ${runs} runs`);
  console.log('run  listening  first-answer  /health-200  first-reload  sigterm-exit   (ms; from spawn except reload and exit)');
  for (let i = 0; i < runs; i++) {
    const r = await measureOnce();
    results.push(r);
    const cells = [r.listeningMs, r.answerMs, r.healthMs, r.reloadMs, r.exitMs].map((v, j) => v.toFixed(0).padStart([9, 12, 11, 12, 12][j] as number));
    console.log(`${String(i + 1).padStart(3)}  ${cells.join('  ')}`);
  }
  const summary = (key: keyof Run): string => {
    const values = results.map((r) => r[key]);
    return `median ${median(values).toFixed(0)} ms, max ${Math.max(...values).toFixed(0)} ms`;
  };
  console.log(`spawn to listening:        ${summary('listeningMs')}`);
  console.log(`spawn to first DNS answer: ${summary('answerMs')}`);
  console.log(`spawn to /health 200:      ${summary('healthMs')}`);
  console.log(`first reload (worker):     ${summary('reloadMs')}`);
  console.log(`SIGTERM to exit:           ${summary('exitMs')}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
