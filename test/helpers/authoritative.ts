// Real authoritative servers for tests: Knot (knotd 3.x) and NSD (4.x), the Debian packages, each run
// in the foreground from a temp directory, serving one zone file on 127.0.0.1 and an ephemeral port,
// as the current user (no privilege drop is configured). Also nsd-checkzone, NSD's zone-file checker.
// Every wait is bounded; stop() kills the child (SIGKILL if it does not go) and removes the directory.
// Knot binds UDP with SO_REUSEPORT and cannot be told not to, so any socket of the same user that also
// sets it can join the port and take a share of its queries. dig's own client sockets do: with the
// server on an ephemeral port, dig now and then got a source port equal to it and received its own
// query as the "reply" (flags without qr). So the servers listen below the ephemeral port range,
// where no client socket is ever put, and the port is checked to be the child's alone after start.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, readdir, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { query } from './dns-client.js';
import { canBindTcp, canBindUdp, freeUdpAndTcpPort } from './ports.js';
import { poll } from './wait-for.js';

const run = promisify(execFile);

const READY_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 5_000;

export type AuthoritativeKind = 'knot' | 'nsd';

export interface AuthoritativeServer {
  readonly kind: AuthoritativeKind;
  readonly port: number;
  /** Everything the server wrote to stdout and stderr so far. */
  log(): string;
  stop(): Promise<void>;
}

const PROGRAMS: Readonly<Record<AuthoritativeKind | 'nsd-checkzone', string>> = {
  knot: 'knotd',
  nsd: 'nsd',
  'nsd-checkzone': 'nsd-checkzone',
};

const SBIN_PATH = `${process.env['PATH'] ?? ''}:/usr/sbin:/sbin`;

/** nsd-checkzone on the text: ok only when it exits 0 and reports the zone as ok. */
export async function nsdCheckzone(zone: string, zoneText: string): Promise<{ readonly ok: boolean; readonly output: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'nsd-checkzone-'));
  try {
    const file = join(dir, 'zone');
    await writeFile(file, zoneText);
    try {
      const { stdout, stderr } = await run('nsd-checkzone', [zone, file], { timeout: 30_000, env: { ...process.env, PATH: SBIN_PATH } });
      const output = stdout + stderr;
      return { ok: output.includes(`zone ${zone} is ok`), output };
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string };
      return { ok: false, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function knotConfig(dir: string, port: number, zone: string, file: string): string {
  return [
    'server:',
    `    rundir: "${dir}"`,
    `    listen: 127.0.0.1@${port}`,
    'log:',
    '  - target: stderr',
    '    any: info',
    'database:',
    `    storage: "${dir}"`,
    'template:',
    '  - id: default',
    `    storage: "${dir}"`,
    // Serve the file as it is: never write it back, keep no journal.
    '    zonefile-sync: -1',
    '    zonefile-load: whole',
    '    journal-content: none',
    '    semantic-checks: on',
    'zone:',
    `  - domain: ${zone}`,
    `    file: "${file}"`,
    '',
  ].join('\n');
}

function nsdConfig(dir: string, port: number, zone: string, file: string): string {
  return [
    'server:',
    `    ip-address: 127.0.0.1@${port}`,
    '    username: ""',
    '    chroot: ""',
    `    zonesdir: "${dir}"`,
    '    database: ""',
    `    pidfile: "${join(dir, 'nsd.pid')}"`,
    `    xfrdfile: "${join(dir, 'xfrd.state')}"`,
    `    zonelistfile: "${join(dir, 'zone.list')}"`,
    '    server-count: 1',
    '    verbosity: 1',
    'remote-control:',
    '    control-enable: no',
    'zone:',
    `    name: "${zone}"`,
    `    zonefile: "${file}"`,
    '',
  ].join('\n');
}

function waitForExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** The first port of the range the kernel takes client (ephemeral) ports from; Linux's default when unknown. */
async function ephemeralRangeStart(): Promise<number> {
  try {
    const [low] = (await readFile('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')).trim().split(/\s+/).map(Number);
    return low !== undefined && low > 1024 ? low : 32768;
  } catch {
    return 32768;
  }
}

/**
 * A loopback port free for UDP and TCP below the ephemeral range (at least 10000 ports below it, from
 * 1024 up), chosen at random; an ephemeral one if the range leaves no room or none is free.
 */
async function freeServerPort(): Promise<number> {
  const top = await ephemeralRangeStart();
  const bottom = Math.max(1024, top - 10_000);
  for (let attempt = 0; top - bottom > 100 && attempt < 50; attempt++) {
    const port = bottom + Math.floor(Math.random() * (top - bottom));
    if ((await canBindUdp(port)) && (await canBindTcp(port))) return port;
  }
  return freeUdpAndTcpPort();
}

/** Inodes of the UDP sockets bound to 127.0.0.1:port (Linux /proc), or undefined where /proc cannot tell. */
async function udpSocketInodes(port: number): Promise<string[] | undefined> {
  try {
    const table = await readFile('/proc/net/udp', 'utf8');
    const local = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
    return table
      .split('\n')
      .slice(1)
      .map((line) => line.trim().split(/\s+/))
      .filter((fields) => fields[1] === local)
      .map((fields) => fields[9] as string);
  } catch {
    return undefined;
  }
}

/** Whether some process other than `pid` has a UDP socket on 127.0.0.1:port. */
async function portShared(port: number, pid: number): Promise<boolean> {
  const inodes = await udpSocketInodes(port);
  if (!inodes) return false;
  const own = new Set<string>();
  try {
    for (const fd of await readdir(`/proc/${pid}/fd`)) {
      const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
      const m = /^socket:\[(\d+)\]$/.exec(target);
      if (m) own.add(m[1] as string);
    }
  } catch {
    return false;
  }
  return inodes.some((inode) => !own.has(inode));
}

/**
 * Starts Knot or NSD serving `zoneText` as `zone` (no trailing dot) and resolves once it answers the
 * zone's SOA with NOERROR; rejects (with the server's log) when it does not within 10 s, e.g. because
 * the zone file did not load.
 */
export async function startAuthoritative(kind: AuthoritativeKind, zone: string, zoneText: string): Promise<AuthoritativeServer> {
  for (let attempt = 1; ; attempt++) {
    const server = await startOnFreePort(kind, zone, zoneText);
    if (!(await portShared(server.port, server.pid))) return server;
    await server.stop();
    if (attempt === 3) throw new Error(`${kind}: another process shared its UDP port ${attempt} times`);
  }
}

async function startOnFreePort(kind: AuthoritativeKind, zone: string, zoneText: string): Promise<AuthoritativeServer & { readonly pid: number }> {
  const dir = await mkdtemp(join(tmpdir(), `${kind}-`));
  const file = join(dir, 'zone');
  await writeFile(file, zoneText);
  const port = await freeServerPort();
  const configFile = join(dir, `${kind}.conf`);
  await writeFile(configFile, kind === 'knot' ? knotConfig(dir, port, zone, file) : nsdConfig(dir, port, zone, file));
  const args = kind === 'knot' ? ['-c', configFile] : ['-d', '-c', configFile];
  const child = spawn(PROGRAMS[kind], args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PATH: SBIN_PATH } });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (output += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (output += s));
  child.on('error', (err) => (output += `spawn error: ${err.message}\n`));

  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      if (!(await waitForExit(child, STOP_TIMEOUT_MS))) {
        child.kill('SIGKILL');
        await waitForExit(child, STOP_TIMEOUT_MS);
      }
    }
    await rm(dir, { recursive: true, force: true });
  };

  let last = '';
  // true once the zone is served, false when the child has exited (no point in asking further).
  const serving = async (): Promise<boolean | undefined> => {
    if (child.exitCode !== null || child.signalCode !== null) return false;
    try {
      const reply = await query({ qname: `${zone}.`, qtype: 'SOA', flags: [] }, { port, timeoutMs: 200 });
      if (reply.rcode === 'NOERROR' && reply.answer.length === 1) return true;
      last = reply.rcode;
    } catch (err) {
      last = (err as Error).message;
    }
    return undefined;
  };
  if ((await poll(serving, READY_TIMEOUT_MS, 50)) === true) return { kind, port, pid: child.pid as number, log: () => output, stop };
  await stop();
  throw new Error(`${kind} did not serve zone ${zone} (last: ${last}); its log:\n${output}`);
}
