// PTR records for the configured reverse zones (pure; generation feeds it while it walks the state,
// then it adds the records). An agent's IP points at `slave.<domain>.`, the one name in the table
// that holds every agent's IPs (Mesos-DNS has no name per agent), so the reverse answer is
// forward-confirmed. A task IP that no agent has and that exactly one task holds (a container IP)
// points at that task's canonical name `C.F.<domain>.`; an IP several tasks share gets no PTR, since
// no one name is its.
import { reverseNameOf, reverseZoneOf } from '../net/reverse-names.js';
import { type RecordSetBuilder, TYPE_INDEX } from './builder.js';

/** What the reverse names came to, for the reload's log line. */
export interface ReverseReport {
  readonly agents: number;
  readonly tasks: number;
  /** Task IPs in a reverse zone held by more than one task: no PTR. */
  readonly shared: number;
}

const MAX_LABEL = 63;
const MAX_NAME_TEXT = 254;

/** Whether a stored name has a wire form (a canonical label may pass 63 octets, behaviour §8 #11). */
function encodable(name: string): boolean {
  if (name.length > MAX_NAME_TEXT) return false;
  let labelStart = 0;
  for (let i = 0; i < name.length; i++) {
    if (name.charCodeAt(i) !== 0x2e) continue;
    if (i - labelStart > MAX_LABEL || i === labelStart) return false;
    labelStart = i + 1;
  }
  return true;
}

/** Where generation reports the IPs PTR records are made from. */
export interface ReverseSink {
  addAgentIp(ip: string, family: 4 | 6): void;
  /** A task's IP with the task's canonical name (FQDN); call once per task and IP. */
  addTaskIp(ip: string, family: 4 | 6, taskName: string): void;
}

/** One reported IP: an agent's (no target) or a task's with its canonical name. */
export interface ReverseNote {
  readonly ip: string;
  readonly family: 4 | 6;
  readonly target?: string;
}

/** Keeps the reported IPs in order, to replay into ReverseNames later (a table built in parts). */
export class ReverseNotes implements ReverseSink {
  readonly notes: ReverseNote[] = [];

  addAgentIp(ip: string, family: 4 | 6): void {
    this.notes.push({ ip, family });
  }

  addTaskIp(ip: string, family: 4 | 6, taskName: string): void {
    this.notes.push({ ip, family, target: taskName });
  }
}

export class ReverseNames implements ReverseSink {
  /** Reverse name → agent name, in the order agents were seen. */
  private readonly agents = new Map<string, string>();
  /** Reverse name → the one task name holding the IP, or undefined once a second task holds it. */
  private readonly tasks = new Map<string, string | undefined>();

  /** `zones` as Config.reverseZones has them; `agentName` is "slave.<domain>.". */
  constructor(
    private readonly zones: readonly string[],
    private readonly agentName: string,
  ) {}

  private inZone(ip: string, family: 4 | 6): string | undefined {
    const name = reverseNameOf(ip, family);
    return name !== undefined && reverseZoneOf(name, this.zones) !== undefined ? name : undefined;
  }

  addAgentIp(ip: string, family: 4 | 6): void {
    const name = this.inZone(ip, family);
    if (name !== undefined && !this.agents.has(name)) this.agents.set(name, this.agentName);
  }

  /** A task's IP with the task's canonical name (FQDN); call once per task and IP. */
  addTaskIp(ip: string, family: 4 | 6, taskName: string): void {
    const name = this.inZone(ip, family);
    if (name === undefined) return;
    if (!this.tasks.has(name)) this.tasks.set(name, taskName);
    else if (this.tasks.get(name) !== taskName) this.tasks.set(name, undefined);
  }

  /** Adds the PTR records to the table being built. */
  addTo(builder: RecordSetBuilder): ReverseReport {
    let agents = 0;
    let tasks = 0;
    let shared = 0;
    const target = new Map<string, number>();
    const valueOf = (name: string): number => {
      let handle = target.get(name);
      if (handle === undefined) {
        handle = builder.value(name);
        target.set(name, handle);
      }
      return handle;
    };
    for (const [name, agent] of this.agents) {
      const value = valueOf(agent);
      builder.begin(name).add(TYPE_INDEX.PTR, value);
      agents++;
    }
    for (const [name, task] of this.tasks) {
      if (this.agents.has(name)) continue; // a host-network task: the IP is its agent's
      if (task === undefined) {
        shared++;
        continue;
      }
      if (!encodable(task)) continue;
      const value = valueOf(task);
      builder.begin(name).add(TYPE_INDEX.PTR, value);
      tasks++;
    }
    return { agents, tasks, shared };
  }
}
