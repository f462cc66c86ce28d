// bench:stream — from a state change at the master to the new DNS answer, with the event stream
// (StateSourceMode "stream") on a large cluster under a storm of task events (docs/benchmarks.md).
//
// A streaming test master in this process serves a generated cluster (default 10,000 agents and
// 100,000 tasks) and pushes task events at a steady rate, spread uniformly over every task: a running
// task is killed (TASK_UPDATED TASK_KILLED) and a replacement of the same app starts on another agent
// (TASK_ADDED, running). A sample of the events (--probes per second) adds a task of a new app; its
// name is asked over UDP every 5 ms from the moment the event is written until it answers, which
// gives the event → answer latency. The server is the real process (a child); its CPU time and
// resident memory are read from /proc during the storm. Then the stream is cut and the time to the
// first answer after the resubscription (a resync from a fresh snapshot) is measured, with its CPU.
//   npm run bench:stream [-- --tasks=N --agents=M --rate=R --seconds=S --probes=P]
import { createSocket, type Socket } from 'node:dgram';
import { loadavg } from 'node:os';
import { Worker } from 'node:worker_threads';
import { buildQuery } from '../test/helpers/dns-codec.js';
import { startStreamingMaster } from '../test/helpers/streaming-master.js';
import { generateState } from './lib/generate-state.js';
import { processCpuSeconds, waitForIdle } from './lib/proc-cpu.js';
import { fmtMb, processMemory } from './lib/proc-mem.js';
import { startBenchServer } from './lib/server.js';

type Doc = Record<string, unknown>;

function intArg(name: string, fallback: number, min: number, max: number): number {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`));
  const n = arg === undefined ? fallback : Number(arg.slice(name.length + 3));
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${name} must be an integer from ${min} to ${max}`);
  return n;
}

const TASKS = intArg('tasks', 100_000, 10, 1_000_000);
const AGENTS = intArg('agents', Math.max(1, Math.floor(TASKS / 10)), 1, 100_000);
const RATE = intArg('rate', 1000, 1, 20_000);
const SECONDS = intArg('seconds', 60, 5, 3600);
const PROBES = intArg('probes', 20, 1, 200);
const PROBE_EVERY_MS = 5;
const PROBE_GIVE_UP_MS = 30_000;
const SETTLE_MS = 20_000;

const loadAverage = (): string => loadavg().map((l) => l.toFixed(2)).join(' ');

function id(value: string): Doc {
  return { value };
}

/** A /master/state task as the operator API lists it. */
function operatorTask(task: Doc, frameworkId: string): Doc {
  const portsText = String((task['resources'] as Doc | undefined)?.['ports'] ?? '');
  const ranges = [...portsText.matchAll(/(\d+)-(\d+)/g)].map((m) => ({ begin: Number(m[1]), end: Number(m[2]) }));
  const statuses = ((task['statuses'] as Doc[] | undefined) ?? []).map((s, i) => ({
    task_id: id(String(task['id'])),
    state: s['state'],
    timestamp: s['timestamp'],
    uuid: `${String(task['id'])}-${i}`,
    ...(s['labels'] ? { labels: { labels: s['labels'] } } : {}),
    ...(s['container_status'] ? { container_status: s['container_status'] } : {}),
  }));
  const discovery = task['discovery'] as Doc | undefined;
  return {
    name: task['name'],
    task_id: id(String(task['id'])),
    framework_id: id(frameworkId),
    agent_id: id(String(task['slave_id'])),
    state: task['state'],
    resources: ranges.length > 0 ? [{ name: 'ports', ranges: { range: ranges } }] : [],
    statuses,
    ...(discovery ? { discovery } : {}),
  };
}

function toGetState(state: Doc): { getState: Doc; tasks: Doc[] } {
  const frameworks = state['frameworks'] as Doc[];
  const slaves = state['slaves'] as Doc[];
  const tasks: Doc[] = [];
  for (const f of frameworks) for (const t of f['tasks'] as Doc[]) tasks.push(operatorTask(t, String(f['id'])));
  return {
    getState: {
      get_frameworks: { frameworks: frameworks.map((f) => ({ framework_info: { id: id(String(f['id'])), name: f['name'], hostname: f['hostname'] } })) },
      get_agents: { agents: slaves.map((s) => ({ agent_info: { id: id(String(s['id'])), hostname: s['hostname'] }, pid: s['pid'] })) },
      get_tasks: { tasks },
    },
    tasks,
  };
}

function runningStatus(taskId: string, agentId: string, ip: string, timestamp: number): Doc {
  return {
    task_id: id(taskId),
    agent_id: id(agentId),
    state: 'TASK_RUNNING',
    timestamp,
    uuid: `${taskId}-${timestamp}`,
    container_status: { network_infos: [{ ip_addresses: [{ protocol: 'IPv4', ip_address: ip }] }] },
  };
}

/** A UDP prober in a worker thread: one query in flight, every 2 ms; posts the longest reply wait when told to stop. */
const STEADY_PROBER = `
const { createSocket } = require('node:dgram');
const { parentPort, workerData } = require('node:worker_threads');
const socket = createSocket('udp4');
const query = Buffer.from(workerData.query);
let sentAt = 0, longest = 0, outstanding = false;
socket.on('message', () => { longest = Math.max(longest, performance.now() - sentAt); outstanding = false; });
const timer = setInterval(() => {
  if (outstanding) { longest = Math.max(longest, performance.now() - sentAt); return; }
  outstanding = true; sentAt = performance.now(); socket.send(query, workerData.port, '127.0.0.1');
}, 2);
parentPort.on('message', () => { clearInterval(timer); socket.close(); parentPort.postMessage(longest); });
`;

/** The server's longest event-loop delay since the last call (seconds), from /metrics (a scrape resets it). */
async function eventLoopMax(server: { get(path: string): Promise<{ body: string }> }): Promise<number> {
  const { body } = await server.get('/metrics');
  const line = body.split('\n').find((l) => l.startsWith('nodejs_eventloop_lag_max_seconds '));
  return line ? Number(line.split(' ')[1]) : NaN;
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

/** Asks `name` (A) every PROBE_EVERY_MS until an answer with records; resolves with the ms since `from`. */
function probe(socket: Socket, port: number, name: string, from: number, waiting: Map<number, () => void>, nextId: () => number): Promise<number> {
  return new Promise((resolve) => {
    const qid = nextId();
    const message = buildQuery({ qname: name, qtype: 'A' });
    message.writeUInt16BE(qid, 0);
    const timer = setInterval(() => {
      if (performance.now() - from > PROBE_GIVE_UP_MS) {
        clearInterval(timer);
        waiting.delete(qid);
        resolve(Infinity);
        return;
      }
      socket.send(message, port, '127.0.0.1');
    }, PROBE_EVERY_MS);
    waiting.set(qid, () => {
      clearInterval(timer);
      waiting.delete(qid);
      resolve(performance.now() - from);
    });
    socket.send(message, port, '127.0.0.1');
  });
}

async function main(): Promise<void> {
  console.log(`cluster: ${AGENTS} agents, ${TASKS} tasks; storm ${RATE} task events/s for ${SECONDS} s, ${PROBES} probes/s; load average ${loadAverage()}`);
  const state = generateState({ agents: AGENTS, tasks: TASKS });
  const frameworkIds = (state['frameworks'] as Doc[]).map((f) => String(f['id']));
  const agentIds = (state['slaves'] as Doc[]).map((s) => String(s['id']));
  const { getState, tasks } = toGetState(state);
  const master = await startStreamingMaster({ snapshot: getState, heartbeatIntervalSeconds: 5 });
  const { server, firstLoad } = await startBenchServer({
    config: { StateFile: '', ExternalOn: false, Masters: [master.address], StateSourceMode: 'stream', RefreshSeconds: 3600, StateTimeoutSeconds: 120, IPSources: ['netinfo', 'mesos', 'host'] },
    timeoutMs: 300_000,
  });
  const pid = server.pid;
  try {
    console.log(`first load (the stream's snapshot, read as it arrives): worker ${String(firstLoad['workerMs'])} ms, ${String(firstLoad['names'])} names`);
    await master.waitForSubscriptions(1, 120_000);
    const socket = createSocket('udp4');
    const waiting = new Map<number, () => void>();
    socket.on('message', (reply) => {
      if (((reply[3] as number) & 0x0f) === 0 && reply.readUInt16BE(6) > 0) waiting.get(reply.readUInt16BE(0))?.();
    });
    let qid = 0;
    const nextId = (): number => (qid = (qid + 1) & 0xffff);
    let probeSeq = 0;
    const probeTasks: Doc[] = [];
    const addProbe = (): Promise<number> => {
      const n = probeSeq++;
      const taskId = `probe-${n}.0000`;
      const agent = agentIds[n % agentIds.length] as string;
      const task: Doc = {
        name: `probe-${n}`,
        task_id: id(taskId),
        framework_id: id(frameworkIds[0] as string),
        agent_id: id(agent),
        state: 'TASK_RUNNING',
        statuses: [runningStatus(taskId, agent, `10.250.${(n >> 8) & 255}.${n & 255}`, 1_800_000_000 + n)],
      };
      probeTasks.push(task);
      master.push({ type: 'TASK_ADDED', task_added: { task } });
      return probe(socket, server.dnsPort, `probe-${n}.marathon.mesos`, performance.now(), waiting, nextId);
    };
    // The stream's snapshot reaches DNS: a probe answered means the server serves the streamed table.
    const ready = await addProbe();
    if (!Number.isFinite(ready)) throw new Error('the streamed table never answered');
    await waitForIdle(pid, { maxMs: 60_000 });
    console.log(`stream live; idle; RSS ${fmtMb(processMemory(pid)?.rssMb)}; load average ${loadAverage()}`);

    // The storm.
    const running = tasks.filter((t) => t['state'] === 'TASK_RUNNING');
    let replaced = 0;
    let events = 0;
    const latencies: Promise<number>[] = [];
    let maxRss = 0;
    const rssTimer = setInterval(() => (maxRss = Math.max(maxRss, processMemory(pid)?.rssMb ?? 0)), 250);
    await eventLoopMax(server); // resets the reading: what follows is the storm's
    const cpu0 = processCpuSeconds(pid) ?? NaN;
    const linesBefore = server.lines.length;
    const started = performance.now();
    const tickMs = 10;
    let sent = 0;
    let probesSent = 0;
    await new Promise<void>((resolve) => {
      const tick = setInterval(() => {
        const elapsed = performance.now() - started;
        if (elapsed >= SECONDS * 1000) {
          clearInterval(tick);
          resolve();
          return;
        }
        const due = Math.floor((elapsed / 1000) * RATE);
        for (; sent < due; sent += 2) {
          // Kill a running task and start its replacement on another agent: two events.
          const i = Math.floor(Math.random() * running.length);
          const old = running[i] as Doc;
          const frameworkId = String((old['framework_id'] as Doc)['value']);
          const oldId = String((old['task_id'] as Doc)['value']);
          master.push({ type: 'TASK_UPDATED', task_updated: { framework_id: id(frameworkId), state: 'TASK_KILLED', status: { task_id: id(oldId), state: 'TASK_KILLED', timestamp: 1_800_000_000 } } });
          const agent = agentIds[Math.floor(Math.random() * agentIds.length)] as string;
          const newId = `${oldId}-r${replaced++}`;
          const replacement: Doc = { ...old, task_id: id(newId), agent_id: id(agent), statuses: [runningStatus(newId, agent, `10.251.${(replaced >> 8) & 255}.${replaced & 255}`, 1_800_000_000 + replaced)] };
          master.push({ type: 'TASK_ADDED', task_added: { task: replacement } });
          running[i] = replacement;
          events += 2;
        }
        const probesDue = Math.floor((elapsed / 1000) * PROBES);
        for (; probesSent < probesDue; probesSent++) {
          latencies.push(addProbe());
          events++;
        }
      }, tickMs);
    });
    const stormSeconds = (performance.now() - started) / 1000;
    const stormLines = server.lines.slice(linesBefore).filter((l) => l.msg === 'records reloaded' && typeof l['partsRebuilt'] === 'number');
    const measured = (await Promise.all(latencies)).sort((a, b) => a - b);
    const cpu1 = processCpuSeconds(pid) ?? NaN;
    clearInterval(rssTimer);
    const lost = measured.filter((l) => !Number.isFinite(l)).length;
    const cpuPerEventMs = ((cpu1 - cpu0) * 1000) / events;
    console.log(`storm: ${events} events in ${stormSeconds.toFixed(1)} s (${(events / stormSeconds).toFixed(0)}/s); server CPU ${(cpu1 - cpu0).toFixed(1)} s (${((100 * (cpu1 - cpu0)) / stormSeconds).toFixed(0)}% of a core), ${cpuPerEventMs.toFixed(3)} ms per event; peak RSS ${fmtMb(maxRss)}`);
    const workerMs = stormLines.map((l) => Number(l['workerMs'])).sort((a, b) => a - b);
    const parts = stormLines.map((l) => Number(l['partsRebuilt'])).sort((a, b) => a - b);
    console.log(`the server's longest event-loop delay during the storm: ${((await eventLoopMax(server)) * 1000).toFixed(0)} ms`);
    console.log(`tables during the storm: ${stormLines.length} (one per window of events); worker ms per table p50 ${percentile(workerMs, 50)}, p99 ${percentile(workerMs, 99)}; parts regenerated per table p50 ${percentile(parts, 50)}, p99 ${percentile(parts, 99)}`);
    console.log(
      `event → DNS answer over ${measured.length} probes: p50 ${percentile(measured, 50).toFixed(0)} ms, p90 ${percentile(measured, 90).toFixed(0)} ms, p99 ${percentile(measured, 99).toFixed(0)} ms, max ${(measured.at(-lost - 1) ?? NaN).toFixed(0)} ms${lost > 0 ? `, ${lost} never answered within ${PROBE_GIVE_UP_MS / 1000} s` : ''}`,
    );

    // A resync: the stream is cut, the server subscribes again and gets a fresh snapshot.
    await waitForIdle(pid, { maxMs: 60_000 });
    const cpu2 = processCpuSeconds(pid) ?? NaN;
    let resyncRss = 0;
    const resyncTimer = setInterval(() => (resyncRss = Math.max(resyncRss, processMemory(pid)?.rssMb ?? 0)), 100);
    // The serving thread during the resync: an answered name asked every 2 ms from a thread of its own
    // (this one is busy writing the master's snapshot), the longest wait for a reply.
    const steady = new Worker(STEADY_PROBER, { eval: true, workerData: { port: server.dnsPort, query: buildQuery({ qname: 'probe-0.marathon.mesos', qtype: 'A' }) } });
    await new Promise((resolve) => steady.once('online', resolve));
    const subscriptions = master.subscriptions();
    const linesBeforeResync = server.lines.length;
    // The fresh snapshot a master would send now: the cluster as the storm left it.
    const current = [...tasks.filter((t) => t['state'] !== 'TASK_RUNNING'), ...running, ...probeTasks];
    master.setSnapshot({ ...getState, get_tasks: { tasks: current } });
    await eventLoopMax(server);
    const cut = performance.now();
    master.dropSubscribers();
    await master.waitForSubscriptions(subscriptions + 1, 60_000);
    const afterResync = await addProbe();
    await waitForIdle(pid, { maxMs: 60_000 });
    clearInterval(resyncTimer);
    const longestReplyMs = await new Promise<number>((resolve) => {
      steady.once('message', (ms: number) => resolve(ms));
      steady.postMessage('stop');
    });
    await steady.terminate();
    const cpu3 = processCpuSeconds(pid) ?? NaN;
    const resyncStallMs = (await eventLoopMax(server)) * 1000;
    console.log(
      `resync (stream cut, new snapshot): a task added after the new subscription answered in ${afterResync.toFixed(0)} ms; ${((performance.now() - cut) / 1000).toFixed(1)} s from the cut until idle; server CPU ${(cpu3 - cpu2).toFixed(1)} s; peak RSS ${fmtMb(resyncRss)}; longest DNS reply meanwhile ${longestReplyMs.toFixed(0)} ms (the server's own longest event-loop delay ${resyncStallMs.toFixed(0)} ms)`,
    );
    const resyncTable = server.lines.slice(linesBeforeResync).find((l) => l.msg === 'records reloaded');
    if (resyncTable) {
      const ms = (key: string): string => `${key.replace(/Ms$/, '')} ${String(resyncTable[key])} ms`;
      console.log(`resync table: ${['parseMs', 'resolveMs', 'generateMs', 'workerMs'].map(ms).join(', ')}; parts regenerated ${String(resyncTable['partsRebuilt'])}`);
    }
    // What stays once the collectors have caught up (V8 gives memory back some seconds after a busy spell).
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    console.log(`RSS ${SETTLE_MS / 1000} s after the resync: ${fmtMb(processMemory(pid)?.rssMb)}`);
    console.log(`load average ${loadAverage()}`);
    socket.close();
  } finally {
    server.signal('SIGTERM');
    await server.waitForExit(30_000).catch(() => undefined);
    await server.kill();
    await master.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
