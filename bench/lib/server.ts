// The real server (node dist/src/main.js) as a benchmark subject: a child process with a temporary
// config over the embedded defaults, optionally pinned to CPUs with taskset, resolved once its first
// table is loaded.
import { MAIN_SCRIPT, REPO_ROOT, type LogLine, type SpawnedServer, spawnServer } from '../../test/helpers/spawn-server.js';

export interface BenchServerOptions {
  /** Config keys merged over fixtures/embedded/config.json (with loopback and ephemeral ports). */
  readonly config: Readonly<Record<string, unknown>>;
  /** taskset CPU list, or undefined. */
  readonly cpus?: string | undefined;
  readonly timeoutMs?: number;
}

export interface BenchServer {
  readonly server: SpawnedServer;
  /** The first "records reloaded" log line. */
  readonly firstLoad: LogLine;
}

export async function startBenchServer(options: BenchServerOptions): Promise<BenchServer> {
  const timeoutMs = options.timeoutMs ?? 180_000;
  const cpus = options.cpus;
  // Extra node flags for the server (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"), to see where its time goes.
  const nodeArgs = (process.env['BENCH_SERVER_NODE_ARGS'] ?? '').split(' ').filter((a) => a !== '');
  const server = await spawnServer({
    config: options.config,
    timeoutMs,

    waitFor: 'started',
    ...(cpus || nodeArgs.length > 0
      ? {
          command: (configPath: string) => ({
            file: cpus ? 'taskset' : process.execPath,
            args: [...(cpus ? ['-c', cpus, process.execPath] : []), ...nodeArgs, MAIN_SCRIPT, `-config=${configPath}`],
            cwd: REPO_ROOT,
          }),
        }
      : {}),
  });
  try {
    const firstLoad = await server.waitForLog((l) => l.msg === 'records reloaded', timeoutMs);
    return { server, firstLoad };
  } catch (err) {
    await server.kill();
    throw err;
  }
}
