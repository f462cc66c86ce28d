// A deterministic synthetic /master/state document of any size, for benchmarks and load tests:
// a mix of frameworks, apps with several instances (duplicate task names), DiscoveryInfo with named
// ports, container IPs in network_infos, Mesos/Docker IP labels and some non-running tasks.
// Addresses are documentation/test ranges only (192.0.2.0/24-style data, never contacted).
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { seededRandom } from '../../test/helpers/seeded-random.js';

export interface GenerateStateOptions {
  readonly agents: number;
  readonly tasks: number;
  readonly seed?: number;
  /** The leader PID's address, e.g. "127.0.0.1:5050". */
  readonly leader?: string;
}


/** Agent i's IPv4 address in 198.18.0.0/15 (benchmark range), as data only. */
function agentIp(i: number): string {
  return `198.${18 + ((i >> 16) & 1)}.${(i >> 8) & 255}.${i & 255}`;
}

const FRAMEWORKS = ['marathon', 'chronos', 'Spark Cluster_1', 'kafka.brokers', 'jenkins'];

export function generateState(options: GenerateStateOptions): Record<string, unknown> {
  const random = seededRandom(options.seed ?? 42);
  const slaves = Array.from({ length: options.agents }, (_, i) => ({
    id: `20260101-000000-1000-5050-${i}-S${i}`,
    pid: `slave(1)@${agentIp(i)}:5051`,
    hostname: `agent-${i}.example.test`,
  }));
  const frameworks = FRAMEWORKS.map((name, f) => ({
    id: `20260101-000000-1000-5050-0000-${f}`,
    name,
    pid: `scheduler-${f}@192.0.2.${10 + f}:${20000 + f}`,
    hostname: `scheduler-${f}.example.test`,
    active: true,
    tasks: [] as Record<string, unknown>[],
  }));
  const instancesPerApp = 5;
  for (let t = 0; t < options.tasks; t++) {
    const framework = frameworks[t % 10 < 6 ? 0 : (t % 4) + 1] as (typeof frameworks)[number];
    const app = Math.floor(t / instancesPerApp);
    const agent = Math.floor(random() * options.agents);
    const slave = slaves[agent] as (typeof slaves)[number];
    const port = 31000 + Math.floor(random() * 1000);
    const kind = random();
    const ts = 1_700_000_000 + t;
    const labels: { key: string; value: string }[] = [];
    const networkInfos: Record<string, unknown>[] = [];
    if (kind < 0.4) {
      networkInfos.push({ ip_addresses: [{ protocol: 'IPv4', ip_address: `10.${(t >> 16) & 255}.${(t >> 8) & 255}.${t & 255}` }], name: 'overlay' });
    } else if (kind < 0.5) {
      labels.push({ key: 'MesosContainerizer.NetworkSettings.IPAddress', value: `10.200.${(t >> 8) & 255}.${t & 255}` });
    } else if (kind < 0.55) {
      labels.push({ key: 'Docker.NetworkSettings.IPAddress', value: `172.17.${(t >> 8) & 255}.${t & 255}` });
    }
    const task: Record<string, unknown> = {
      id: `app-${app}.${t.toString(16).padStart(8, '0')}-aaaa-11e6-8a3d-${(t * 7919).toString(16).padStart(12, '0')}`,
      name: `app-${app}${app % 7 === 0 ? '.Web_Front' : ''}`,
      framework_id: framework.id,
      slave_id: slave.id,
      state: random() < 0.95 ? 'TASK_RUNNING' : 'TASK_STAGING',
      resources: { cpus: 0.1, mem: 32, ports: `[${port}-${port + (t % 3)}]` },
      statuses: [
        { state: 'TASK_STARTING', timestamp: ts - 1 },
        { state: 'TASK_RUNNING', timestamp: ts, labels, container_status: { network_infos: networkInfos } },
      ],
    };
    if (random() < 0.3) {
      task.discovery = {
        visibility: 'FRAMEWORK',
        name: `svc-${app}`,
        ports: { ports: [{ number: 8080, protocol: 'tcp', name: 'http' }, { number: 9090, protocol: '', name: 'Metrics_Port' }] },
      };
    }
    framework.tasks.push(task);
  }
  return {
    leader: `master@${options.leader ?? '127.0.0.1:5050'}`,
    hostname: 'master.example.test',
    frameworks,
    slaves,
  };
}

function argValue(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

// `node dist/bench/lib/generate-state.js --agents N --tasks N --out FILE`
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const out = process.argv[process.argv.indexOf('--out') + 1];
  if (!process.argv.includes('--out') || !out) {
    console.error('usage: generate-state --agents N --tasks N --out FILE');
    process.exit(2);
  }
  const state = generateState({ agents: argValue('agents', 10_000), tasks: argValue('tasks', 100_000), seed: argValue('seed', 42) });
  writeFileSync(out, JSON.stringify(state));
}
