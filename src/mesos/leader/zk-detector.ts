// Leader detection through ZooKeeper (behaviour §1.1 with the #37 FIX and the "keep serving" detection
// timeout). Watches the children of the configured znode; the lowest json.info_ sequence is the
// leader (info_ protobuf only when no json.info_ exists); every other master decoded from the info
// children follows, sorted. Re-reads on every change and on every (re)connect.
import type { Logger } from '../../log.js';
import type { MetricsRegistry } from '../../metrics.js';
import { WatchEventType, ZkErr } from './jute.js';
import {
  compareAddresses,
  decodeJsonMasterInfo,
  decodeProtobufMasterInfo,
  infoChildren,
  leaderChild,
  type MasterInfo,
} from './master-info.js';
import type { ZkUrl } from '../../config/addresses.js';
import type { MasterDetector, MasterList } from './types.js';
import { ZkError, ZkState, createZkClient, type ZkClient, type ZkClientOptions } from './zk-client.js';

export const DEFAULT_ZK_SESSION_TIMEOUT_MS = 30_000;

export interface ZkDetectorOptions {
  readonly url: ZkUrl;
  /** Config `Masters`: tried while ZooKeeper has not named a leader. */
  readonly fallbackMasters: readonly string[];
  /** Config `ZkDetectionTimeout` in seconds (0 = never warn). */
  readonly detectionTimeoutSeconds: number;
  readonly logger: Logger;
  readonly metrics: MetricsRegistry;
  readonly sessionTimeoutMs?: number;
  readonly now?: () => number;
  /** Builds the ZooKeeper client (tests capture it to inject faults). */
  readonly createClient?: (options: ZkClientOptions) => ZkClient;
}

export interface ZkDetector extends MasterDetector {
  readonly client: ZkClient;
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

export function createZkDetector(options: ZkDetectorOptions): ZkDetector {
  const logger = options.logger.child({ component: 'zk-detector' });
  const now = options.now ?? Date.now;
  const path = options.url.path;
  const sessionTimeoutMs = options.sessionTimeoutMs ?? DEFAULT_ZK_SESSION_TIMEOUT_MS;
  const sessionsTotal = options.metrics.counter('mesos_dns_zk_sessions_total', 'ZooKeeper sessions established.');
  const connectedGauge = options.metrics.gauge(
    'mesos_dns_zk_connected',
    'Whether the ZooKeeper connection is up (1) or not (0).',
  );
  const client = (options.createClient ?? createZkClient)({
    servers: options.url.servers,
    sessionTimeoutMs,
    logger: options.logger.child({ component: 'zk-client' }),
  });

  let leader: string | undefined;
  let others: string[] = [];
  let list: MasterList = { masters: ['', ...options.fallbackMasters], leader: undefined };
  let lostSince: number | undefined = now();
  let closed = false;
  let reading: Promise<void> | undefined;
  let readAgain = false;
  let warnTimer: NodeJS.Timeout | undefined;
  const listeners = new Set<(list: MasterList, leaderChanged: boolean) => void>();

  function armWarning(): void {
    clearTimeout(warnTimer);
    const seconds = options.detectionTimeoutSeconds;
    if (seconds <= 0 || closed || lostSince === undefined) return;
    const first = Math.max(0, lostSince + seconds * 1000 - now());
    const warn = () => {
      if (closed || lostSince === undefined) return;
      logger.warn(
        { noLeaderSeconds: Math.round((now() - lostSince) / 1000), zkDetectionTimeout: seconds },
        'no leading master detected; serving the last records',
      );
      warnTimer = setTimeout(warn, Math.max(seconds, 60) * 1000);
      warnTimer.unref();
    };
    warnTimer = setTimeout(warn, first);
    warnTimer.unref();
  }

  function publish(nextLeader: string | undefined, nextOthers: string[]): void {
    const leaderChanged = nextLeader !== leader;
    const previousLeader = leader;
    if (nextLeader === undefined) {
      // Unknown leader: try the last known masters, then the configured ones.
      const fallbacks = [...new Set([...(previousLeader ? [previousLeader] : []), ...nextOthers, ...others, ...options.fallbackMasters])];
      leader = undefined;
      const masters = ['', ...fallbacks];
      if (!leaderChanged && sameList(masters, list.masters)) return;
      list = Object.freeze({ masters: Object.freeze(masters), leader: undefined });
      if (lostSince === undefined) {
        lostSince = now();
        logger.warn({ previousLeader }, 'leading master lost');
        armWarning();
      }
    } else {
      const masters = [nextLeader, ...nextOthers];
      leader = nextLeader;
      others = nextOthers;
      if (!leaderChanged && sameList(masters, list.masters)) return;
      list = Object.freeze({ masters: Object.freeze(masters), leader: nextLeader });
      if (lostSince !== undefined) {
        lostSince = undefined;
        clearTimeout(warnTimer);
      }
      if (leaderChanged) logger.info({ leader: nextLeader, previousLeader, masters }, 'leading master detected');
      else logger.info({ leader: nextLeader, masters }, 'master list changed');
    }
    for (const l of listeners) {
      try {
        l(list, leaderChanged);
      } catch (err) {
        logger.error({ err }, 'master list listener failed');
      }
    }
  }

  /** The decoded info, undefined when undecodable, 'gone' when deleted meanwhile (the watch fires). */
  async function readInfo(name: string, json: boolean): Promise<MasterInfo | undefined | 'gone'> {
    try {
      const data = await client.getData(`${path === '/' ? '' : path}/${name}`, false);
      const info = json ? decodeJsonMasterInfo(data) : decodeProtobufMasterInfo(data);
      if (!info) logger.warn({ node: name }, 'undecodable MasterInfo ignored');
      return info;
    } catch (err) {
      if (err instanceof ZkError && err.code === ZkErr.NO_NODE) return 'gone';
      throw err;
    }
  }

  async function readOnce(): Promise<void> {
    let children: string[];
    try {
      children = await client.getChildren(path, true);
    } catch (err) {
      if (err instanceof ZkError && err.code === ZkErr.NO_NODE) {
        // Watch for the node's creation, then read again.
        if (!(await client.exists(path, true))) {
          logger.warn({ path }, 'ZooKeeper path does not exist yet');
          publish(undefined, []);
          return;
        }
        readAgain = true;
        return;
      }
      throw err;
    }
    const infos = infoChildren(children);
    const head = leaderChild(infos);
    if (!head) {
      publish(undefined, []);
      return;
    }
    const leaderInfo = await readInfo(head.name, head.json);
    if (leaderInfo === 'gone') return; // the children watch fires and we read again
    if (!leaderInfo) {
      publish(undefined, []);
      return;
    }
    const seen = new Set<string>([leaderInfo.id]);
    const addresses = new Set<string>();
    for (const c of infos) {
      if (c.name === head.name) continue;
      const info = await readInfo(c.name, c.json);
      if (!info || info === 'gone' || seen.has(info.id)) continue;
      seen.add(info.id);
      if (info.address !== leaderInfo.address) addresses.add(info.address);
    }
    publish(leaderInfo.address, [...addresses].sort(compareAddresses));
  }

  function read(): void {
    if (closed) return;
    if (reading) {
      readAgain = true;
      return;
    }
    reading = (async () => {
      do {
        readAgain = false;
        try {
          await readOnce();
        } catch (err) {
          // Connection loss: the next 'connected' event reads again.
          logger.debug({ err }, 'ZooKeeper read failed');
        }
      } while (readAgain && !closed && client.state() === ZkState.CONNECTED);
    })().finally(() => {
      reading = undefined;
    });
  }

  client.onState((change) => {
    connectedGauge.set(change.state === ZkState.CONNECTED ? 1 : 0);
    if (change.state === ZkState.CONNECTED) {
      if (change.newSession) sessionsTotal.inc();
      read();
    } else if (change.state === ZkState.EXPIRED) {
      logger.warn('ZooKeeper session expired; leader unknown until a new session reads it');
      publish(undefined, []);
    } else if (change.state === ZkState.DISCONNECTED) {
      logger.warn('ZooKeeper connection lost; keeping the current master list while the session lasts');
    }
  });
  client.onWatch((event) => {
    if (event.type === WatchEventType.NONE) return;
    read();
  });

  return {
    client,
    async start() {
      if (closed) return;
      armWarning();
      client.start();
    },
    current: () => list,
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    leaderLostSince: () => lostSince,
    async close() {
      if (closed) return;
      closed = true;
      clearTimeout(warnTimer);
      await client.close();
      await reading;
      connectedGauge.set(0);
    },
  };
}
