// Starts a real standalone ZooKeeper (Debian's `zookeeper` package: jars in /usr/share/java) on
// 127.0.0.1 and a free port, with a temporary data directory. Used by the leader-detection tests.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeTcpPort } from './ports.js';
import { poll } from './wait-for.js';

export interface TestZooKeeper {
  readonly host: string;
  readonly port: number;
  /** "127.0.0.1:port" */
  readonly address: string;
  /** Stops the server (data kept) so it can be started again on the same port. */
  stop(): Promise<void>;
  /** Starts it again after stop(), same port and data (sessions within their timeout survive). */
  restart(): Promise<void>;
  close(): Promise<void>;
}

export interface StartZooKeeperOptions {
  /** ms; sessions may be negotiated between 2x and 20x this. */
  readonly tickTime?: number;
  readonly startTimeoutMs?: number;
  readonly classpath?: string;
}

/** Resolves once ZooKeeper answers "ruok" with "imok" (falls back to plain TCP accept when 4lw is off). */
async function probe(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect({ host: '127.0.0.1', port });
    let data = '';
    const done = (ok: boolean) => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(1000, () => done(false));
    sock.on('connect', () => sock.write('ruok'));
    sock.on('data', (d) => {
      data += d.toString();
    });
    sock.on('end', () => done(data.includes('imok')));
    sock.on('error', () => done(false));
  });
}

export async function startZooKeeper(options: StartZooKeeperOptions = {}): Promise<TestZooKeeper> {
  const tickTime = options.tickTime ?? 500;
  const startTimeoutMs = options.startTimeoutMs ?? 30_000;
  const dir = await mkdtemp(join(tmpdir(), 'mesos-dns-zk-'));
  const port = await freeTcpPort();
  const cfg = join(dir, 'zoo.cfg');
  await writeFile(
    cfg,
    [
      `tickTime=${tickTime}`,
      `dataDir=${join(dir, 'data')}`,
      `clientPort=${port}`,
      'clientPortAddress=127.0.0.1',
      'admin.enableServer=false',
      '4lw.commands.whitelist=ruok',
      'maxClientCnxns=0',
      '',
    ].join('\n'),
  );
  let child: ChildProcess | undefined;
  let output = '';

  async function launch(): Promise<void> {
    const proc = spawn(
      'java',
      [
        '-Xmx256m',
        '-XX:+UseSerialGC',
        '-XX:TieredStopAtLevel=1',
        '-Dzookeeper.log.dir=' + dir,
        '-Dlog4j.configuration=file:/dev/null',
        '-cp',
        options.classpath ?? '/usr/share/java/*',
        'org.apache.zookeeper.server.ZooKeeperServerMain',
        cfg,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child = proc;
    proc.stdout?.on('data', (d: Buffer) => {
      output = (output + d.toString()).slice(-4000);
    });
    proc.stderr?.on('data', (d: Buffer) => {
      output = (output + d.toString()).slice(-4000);
    });
    let exited = false;
    proc.once('exit', () => {
      exited = true;
    });
    const answering = async (): Promise<true | undefined> => {
      if (exited) throw new Error(`ZooKeeper exited at start-up:\n${output}`);
      return (await probe(port)) || undefined;
    };
    if (await poll(answering, startTimeoutMs, 100)) return;
    proc.kill('SIGKILL');
    throw new Error(`ZooKeeper did not start within ${startTimeoutMs} ms:\n${output}`);
  }

  async function stop(): Promise<void> {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      proc.once('exit', () => resolve());
      proc.kill('SIGKILL');
    });
  }

  await launch();
  let closed = false;
  return {
    host: '127.0.0.1',
    port,
    address: `127.0.0.1:${port}`,
    stop,
    async restart() {
      await stop();
      await launch();
    },
    async close() {
      if (closed) return;
      closed = true;
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface TcpProxy {
  readonly port: number;
  readonly address: string;
  /** Cuts every connection and refuses new ones (by closing them at once) until unblock(). */
  block(): void;
  unblock(): void;
  close(): Promise<void>;
}

/** A loopback TCP proxy to inject network faults between a client and a server. */
export async function startTcpProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
  let blocked = false;
  const pairs = new Set<{ a: import('node:net').Socket; b: import('node:net').Socket }>();
  const server = createServer((client) => {
    if (blocked) {
      client.destroy();
      return;
    }
    const upstream = connect({ host: targetHost, port: targetPort });
    const pair = { a: client, b: upstream };
    pairs.add(pair);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      pairs.delete(pair);
    };
    client.on('error', drop);
    upstream.on('error', drop);
    client.on('close', drop);
    upstream.on('close', drop);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const block = () => {
    blocked = true;
    for (const p of pairs) {
      p.a.destroy();
      p.b.destroy();
    }
    pairs.clear();
  };
  return {
    port,
    address: `127.0.0.1:${port}`,
    block,
    unblock() {
      blocked = false;
    },
    async close() {
      block();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
