// Starts the real server (dist/src/main.js) as a child process with a temporary config on loopback,
// for lifecycle, deploy and start-up measurements. The config is the embedded default cluster with
// ephemeral ports (Port 0 / HttpPort 0) unless told otherwise; the bound ports are read from the
// server's "mesos-dns started" log line, readiness is /health answering 200. Every child is killed
// (SIGKILL if it does not go quietly) and its temp directory removed by kill().
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file runs as dist/test/helpers/spawn-server.js). */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** The compiled entry point, as package.json's start script runs it. */
export const MAIN_SCRIPT = join(REPO_ROOT, 'dist', 'src', 'main.js');
export const EMBEDDED_CONFIG = join(REPO_ROOT, 'fixtures', 'embedded', 'config.json');
export const EMBEDDED_STATE = join(REPO_ROOT, 'fixtures', 'embedded', 'state.json');

/** One line of the server's JSON log (pino). */
export type LogLine = Readonly<Record<string, unknown>> & { readonly msg?: string; readonly level?: number };

export interface ExitStatus {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface SpawnServerOptions {
  /**
   * Mesos-DNS config keys merged over the embedded default (keys match case-insensitively, as in
   * config.json). The defaults put both listeners on 127.0.0.1 port 0 and StateFile at the embedded
   * state by absolute path.
   */
  readonly config?: Readonly<Record<string, unknown>>;
  /** Raw config.json text, used as is instead of `config` (for broken configs). */
  readonly configText?: string;
  /** Extra command-line arguments after -config=FILE. */
  readonly args?: readonly string[];
  /** Environment overrides (merged over process.env). */
  readonly env?: Readonly<Record<string, string>>;
  /** What to wait for before resolving: /health 200 (default), the "mesos-dns started" line, or nothing. */
  readonly waitFor?: 'health' | 'started' | 'none';
  /** Upper bound for start-up (default 15 s); the child is killed when it is exceeded. */
  readonly timeoutMs?: number;
  /**
   * The command to run instead of `node dist/src/main.js -config=FILE`, given the temp config's path
   * (e.g. a container entry point that reads it from an environment variable); `args` are not added.
   */
  readonly command?: (configPath: string) => SpawnCommand;
}

export interface SpawnCommand {
  readonly file: string;
  readonly args: readonly string[];
  readonly cwd?: string;
  /** Merged over process.env and options.env. */
  readonly env?: Readonly<Record<string, string>>;
  /** Run as this user and group (the test process must be root). */
  readonly uid?: number;
  readonly gid?: number;
}

export interface SpawnedServer {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Absolute path of the temporary config file. */
  readonly configPath: string;
  /** The temporary directory holding the config (removed by kill()). */
  readonly dir: string;
  /** Bound ports, known once the "mesos-dns started" line was seen (0 before). */
  readonly dnsPort: number;
  readonly httpPort: number;
  /** Every JSON log line so far, in order. */
  readonly lines: readonly LogLine[];
  stdout(): string;
  stderr(): string;
  /** Resolves with the first line (already seen or still to come) the predicate accepts. */
  waitForLog(predicate: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  /** Resolves once /health answers 200. */
  waitForHealth(timeoutMs?: number): Promise<void>;
  /** GET a path on the HTTP port. */
  get(path: string): Promise<{ readonly status: number; readonly body: string }>;
  /** Replaces the config file: an object is merged over the spawn-time base config, a string is written as is. */
  writeConfig(config: Readonly<Record<string, unknown>> | string): void;
  signal(signal: NodeJS.Signals): void;
  /** Resolves when the child exits (at once if it already has); rejects after timeoutMs. */
  waitForExit(timeoutMs?: number): Promise<ExitStatus>;
  /** Idempotent: SIGKILL if still running, wait for exit, remove the temp dir. */
  kill(): Promise<void>;
}

/** Merges `overrides` into `base`, replacing keys that match case-insensitively (config.json rules). */
export function mergeConfig(
  base: Readonly<Record<string, unknown>>,
  overrides: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const overridden = new Set(Object.keys(overrides).map((k) => k.toLowerCase()));
  for (const [key, value] of Object.entries(base)) if (!overridden.has(key.toLowerCase())) out[key] = value;
  for (const [key, value] of Object.entries(overrides)) out[key] = value;
  return out;
}

/** The embedded default config on loopback with ephemeral ports and an absolute StateFile. */
export function embeddedTestConfig(overrides: Readonly<Record<string, unknown>> = {}): Record<string, unknown> {
  const embedded = JSON.parse(readFileSync(EMBEDDED_CONFIG, 'utf8')) as Record<string, unknown>;
  const base = mergeConfig(embedded, {
    StateFile: EMBEDDED_STATE,
    Listener: '127.0.0.1',
    Port: 0,
    HTTPListener: '127.0.0.1',
    HttpPort: 0,
  });
  return mergeConfig(base, overrides);
}

function portOf(text: unknown): number {
  if (typeof text !== 'string') return 0;
  const match = /:(\d+)$/.exec(text);
  return match ? Number(match[1]) : 0;
}

/** One HTTP GET on loopback, bounded. */
export function httpGet(port: number, path: string, timeoutMs = 2000, host = '127.0.0.1'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host, port, path, method: 'GET', timeout: timeoutMs, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${path} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

export async function spawnServer(options: SpawnServerOptions = {}): Promise<SpawnedServer> {
  const dir = mkdtempSync(join(tmpdir(), 'mesos-dns-ts-'));
  const configPath = join(dir, 'config.json');
  const baseConfig = embeddedTestConfig(options.config);
  writeFileSync(configPath, options.configText ?? `${JSON.stringify(baseConfig, null, 2)}\n`);

  const command: SpawnCommand = options.command?.(configPath) ?? {
    file: process.execPath,
    args: [MAIN_SCRIPT, `-config=${configPath}`, ...(options.args ?? [])],
    cwd: REPO_ROOT,
  };
  const child = spawn(command.file, [...command.args], {
    cwd: command.cwd ?? REPO_ROOT,
    env: { ...process.env, ...options.env, ...command.env },
    ...(command.uid === undefined ? {} : { uid: command.uid }),
    ...(command.gid === undefined ? {} : { gid: command.gid }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });

  let stdout = '';
  let stderr = '';
  let pending = '';
  const lines: LogLine[] = [];
  const waiters = new Set<{ predicate: (line: LogLine) => boolean; resolve: (line: LogLine) => void }>();
  let exit: ExitStatus | undefined;
  const exitWaiters = new Set<(status: ExitStatus) => void>();
  let dnsPort = 0;
  let httpPort = 0;

  const onLine = (line: LogLine): void => {
    lines.push(line);
    if (line.msg === 'mesos-dns started') {
      dnsPort = portOf((line['dns'] as unknown[] | undefined)?.[0]);
      httpPort = portOf(line['http']);
    }
    for (const waiter of waiters) {
      if (waiter.predicate(line)) {
        waiters.delete(waiter);
        waiter.resolve(line);
      }
    }
  };
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    stdout += chunk;
    pending += chunk;
    let nl: number;
    while ((nl = pending.indexOf('\n')) >= 0) {
      const text = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      if (!text.startsWith('{')) continue;
      try {
        onLine(JSON.parse(text) as LogLine);
      } catch {
        // not a log line
      }
    }
  });
  child.stderr.on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<ExitStatus>((resolve) => {
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      resolve(exit);
    });
  });
  void exited.then((status) => {
    for (const waiter of exitWaiters) waiter(status);
  });

  const describe = (): string => `\n--- stdout ---\n${stdout.slice(-4000)}\n--- stderr ---\n${stderr.slice(-4000)}`;

  function waitForExit(timeoutMs = 15_000): Promise<ExitStatus> {
    if (exit) return Promise.resolve(exit);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        exitWaiters.delete(done);
        reject(new Error(`server did not exit within ${timeoutMs} ms${describe()}`));
      }, timeoutMs);
      const done = (status: ExitStatus): void => {
        clearTimeout(timer);
        exitWaiters.delete(done);
        resolve(status);
      };
      exitWaiters.add(done);
    });
  }

  function waitForLog(predicate: (line: LogLine) => boolean, timeoutMs = 15_000): Promise<LogLine> {
    const seen = lines.find(predicate);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const waiter = {
        predicate,
        resolve: (line: LogLine) => {
          clearTimeout(timer);
          exitWaiters.delete(onExit);
          resolve(line);
        },
      };
      const onExit = (status: ExitStatus): void => {
        clearTimeout(timer);
        waiters.delete(waiter);
        reject(new Error(`server exited (code ${status.code}, signal ${status.signal}) before the expected log line${describe()}`));
      };
      const timer = setTimeout(() => {
        waiters.delete(waiter);
        exitWaiters.delete(onExit);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for a log line${describe()}`));
      }, timeoutMs);
      waiters.add(waiter);
      if (exit) onExit(exit);
      else exitWaiters.add(onExit);
    });
  }

  async function waitForHealth(timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    if (httpPort === 0) await waitForLog((l) => l.msg === 'mesos-dns started', timeoutMs);
    for (;;) {
      if (exit) throw new Error(`server exited (code ${exit.code}) before /health answered 200${describe()}`);
      const status = await httpGet(httpPort, '/health').then(
        (r) => r.status,
        () => 0,
      );
      if (status === 200) return;
      if (Date.now() > deadline) throw new Error(`/health did not answer 200 within ${timeoutMs} ms (last ${status})${describe()}`);
      // The first table usually lands within ~100 ms of start-up; poll briefly rather than log-sniff.
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  let killing: Promise<void> | undefined;
  function kill(): Promise<void> {
    killing ??= (async () => {
      if (!exit) {
        child.kill('SIGKILL');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    })();
    return killing;
  }

  const server: SpawnedServer = {
    child,
    pid: child.pid ?? 0,
    configPath,
    dir,
    get dnsPort() {
      return dnsPort;
    },
    get httpPort() {
      return httpPort;
    },
    lines,
    stdout: () => stdout,
    stderr: () => stderr,
    waitForLog,
    waitForHealth,
    get: (path) => httpGet(httpPort, path),
    writeConfig(config) {
      const text = typeof config === 'string' ? config : `${JSON.stringify(mergeConfig(baseConfig, config), null, 2)}\n`;
      writeFileSync(configPath, text);
    },
    signal(signal) {
      child.kill(signal);
    },
    waitForExit,
    kill,
  };

  const wait = options.waitFor ?? 'health';
  const timeoutMs = options.timeoutMs ?? 15_000;
  try {
    if (wait === 'started') await waitForLog((l) => l.msg === 'mesos-dns started', timeoutMs);
    if (wait === 'health') await waitForHealth(timeoutMs);
  } catch (err) {
    await kill();
    throw err;
  }
  return server;
}

export interface RunResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command that is expected to exit by itself (bad config, -version...), killing it after timeoutMs. */
export function runToExit(
  file: string,
  args: readonly string[],
  options: { readonly cwd?: string; readonly env?: Readonly<Record<string, string>>; readonly timeoutMs?: number } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, [...args], {
      cwd: options.cwd ?? REPO_ROOT,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${file} ${args.join(' ')} did not exit within ${options.timeoutMs ?? 15_000} ms\n${stdout}\n${stderr}`));
    }, options.timeoutMs ?? 15_000);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** The server's -config=FILE run with the given config text; resolves when it exits by itself. */
export function runWithConfigText(text: string, timeoutMs = 15_000): Promise<RunResult & { readonly configPath: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'mesos-dns-ts-'));
  const configPath = join(dir, 'config.json');
  writeFileSync(configPath, text);
  return runToExit(process.execPath, [MAIN_SCRIPT, `-config=${configPath}`], { timeoutMs }).then(
    (result) => {
      rmSync(dir, { recursive: true, force: true });
      return { ...result, configPath };
    },
    (err: unknown) => {
      rmSync(dir, { recursive: true, force: true });
      throw err;
    },
  );
}
