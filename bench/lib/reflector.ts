// The ceiling for bench:dns: the least a Node UDP DNS server can do per packet. A node:dgram socket
// answers every datagram with one fixed, valid reply whose ID is copied from the query; nothing is
// parsed or looked up. Runs as its own process (like the server under test) so both are measured the
// same way by the same dnsperf settings.
//
//   node dist/bench/lib/reflector.js --response HEX [--port N] [--host 127.0.0.1]
//   prints {"port":N} on stdout once bound; exits on SIGTERM (or, with --exit-with-stdin, when stdin closes).
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The same socket buffers as src/dns/udp-server.ts, so the ceiling absorbs bursts alike. */
const SOCKET_BUFFER_BYTES = 4 * 1024 * 1024;

export interface Reflector {
  readonly port: number;
  readonly pid: number;
  close(): Promise<void>;
}

/** Runs the reflector in this process until the socket closes. */
function runReflector(host: string, port: number, response: Buffer, exitWithStdin: boolean): void {
  const socket = createSocket({ type: host.includes(':') ? 'udp6' : 'udp4' });
  socket.on('message', (query, rinfo) => {
    if (query.length < 2) return;
    const reply = Buffer.allocUnsafe(response.length);
    response.copy(reply);
    reply[0] = query[0] as number;
    reply[1] = query[1] as number;
    socket.send(reply, rinfo.port, rinfo.address);
  });
  socket.bind({ port, address: host, exclusive: true }, () => {
    socket.setRecvBufferSize(SOCKET_BUFFER_BYTES);
    socket.setSendBufferSize(SOCKET_BUFFER_BYTES);
    process.stdout.write(`${JSON.stringify({ port: socket.address().port })}\n`);
  });
  // Ends on SIGTERM, or (spawned by spawnReflector) with its parent, when the pipe on stdin closes.
  const stop = (): void => {
    socket.close(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  if (exitWithStdin) process.stdin.once('end', stop).resume();
}

export interface SpawnReflectorOptions {
  readonly host?: string;
  /** Run under `taskset -c <cpus>`, like the server it stands in for. */
  readonly cpus?: string | undefined;
}

/** Spawns the reflector as a child process answering with `response`; resolves once it is bound. */
export function spawnReflector(response: Uint8Array, options: SpawnReflectorOptions = {}): Promise<Reflector> {
  const script = fileURLToPath(import.meta.url);
  const args = [script, '--response', Buffer.from(response).toString('hex'), '--host', options.host ?? '127.0.0.1', '--exit-with-stdin'];
  const [file, argv] = options.cpus ? ['taskset', ['-c', options.cpus, process.execPath, ...args]] : [process.execPath, args];
  const child = spawn(file, argv, { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error('the reflector did not start within 10 s'));
    }, 10_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the reflector exited with ${String(code)} before binding`));
    });
    createInterface({ input: child.stdout }).once('line', (line) => {
      clearTimeout(timer);
      const port = (JSON.parse(line) as { port: number }).port;
      let closing: Promise<void> | undefined;
      resolve({
        port,
        pid: child.pid ?? 0,
        close() {
          closing ??= (async () => {
            child.stdin.end();
            child.kill('SIGTERM');
            const timeout = setTimeout(() => child.kill('SIGKILL'), 2000);
            await exited;
            clearTimeout(timeout);
          })();
          return closing;
        },
      });
    });
  });
}

function argOf(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const hex = argOf('response');
  if (!hex || !/^([0-9a-f]{2})+$/i.test(hex) || hex.length < 24) {
    console.error('usage: reflector --response HEX (a DNS message of at least 12 octets) [--port N] [--host ADDR]');
    process.exit(2);
  }
  runReflector(argOf('host') ?? '127.0.0.1', Number(argOf('port') ?? 0), Buffer.from(hex, 'hex'), process.argv.includes('--exit-with-stdin'));
}
