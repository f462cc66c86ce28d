// A real Knot DNS (knotd) as a secondary of one zone, for tests and benchmarks: a config, rundir and
// storage in a temp directory, listening on 127.0.0.1 and an ephemeral port, running in the foreground
// as the current user, with our server as its primary (transfers from it, NOTIFY accepted from its
// address). close() kills it and removes the directory.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { query } from './dns-client.js';
import { freeUdpAndTcpPort } from './ports.js';

export interface KnotSecondaryOptions {
  /** The zone, e.g. "mesos." */
  readonly zone: string;
  /** Our server's address and port: knotd transfers from it and accepts NOTIFY from its address. */
  readonly primaryHost: string;
  readonly primaryPort: number;
  /** knotd's port (a free one unless given: a server that NOTIFYs it must know it first). */
  readonly port?: number;
  /** Bound on start-up (default 10 s). */
  readonly timeoutMs?: number;
}

export interface KnotSecondary {
  readonly port: number;
  readonly pid: number;
  /** knotd's log (stderr) so far. */
  log(): string;
  /** The serial knotd serves for the zone, or undefined while it has none. */
  serial(): Promise<number | undefined>;
  close(): Promise<void>;
}

function knotConfig(dir: string, port: number, options: KnotSecondaryOptions): string {
  const user = process.getuid?.() === 0 ? '' : `  user: ${userInfo().username}\n`;
  return `server:
  rundir: ${dir}
  listen: 127.0.0.1@${port}
${user}database:
  storage: ${dir}
remote:
  - id: primary
    address: ${options.primaryHost}@${options.primaryPort}
acl:
  - id: notify_from_primary
    address: ${options.primaryHost}
    action: notify
template:
  - id: default
    storage: ${dir}
zone:
  - domain: ${options.zone}
    master: primary
    acl: notify_from_primary
    zonefile-sync: -1
    zonefile-load: none
    journal-content: none
log:
  - target: stderr
    any: info
`;
}

export async function startKnotSecondary(options: KnotSecondaryOptions): Promise<KnotSecondary> {
  const dir = mkdtempSync(join(tmpdir(), 'knot-secondary-'));
  const port = options.port ?? (await freeUdpAndTcpPort());
  const configPath = join(dir, 'knot.conf');
  writeFileSync(configPath, knotConfig(dir, port, options));
  const child: ChildProcess = spawn('knotd', ['-c', configPath], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    log += chunk;
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let gone = false;
  void exited.then(() => {
    gone = true;
  });
  const close = async (): Promise<void> => {
    if (!gone) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const secondary: KnotSecondary = {
    port,
    pid: child.pid ?? 0,
    log: () => log,
    async serial() {
      const reply = await query({ qname: options.zone, qtype: 'SOA' }, { port, timeoutMs: 1000 }).catch(() => undefined);
      const soa = reply?.rcode === 'NOERROR' ? reply.packet.answers.find((r) => r.type === 6) : undefined;
      return soa?.serial;
    },
    close,
  };
  // Listening once it answers anything (SERVFAIL while the zone is still empty).
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  for (;;) {
    if (gone) {
      await close();
      throw new Error(`knotd exited at start-up: ${log}`);
    }
    const reply = await query({ qname: options.zone, qtype: 'SOA' }, { port, timeoutMs: 200 }).catch(() => undefined);
    if (reply) return secondary;
    if (Date.now() > deadline) {
      await close();
      throw new Error(`knotd did not answer within the deadline: ${log}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
