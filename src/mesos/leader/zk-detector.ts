// Leader detection through ZooKeeper (behaviour §1.1 with the #37 FIX and the "keep serving" detection
// timeout). Watches the children of the configured znode; the lowest json.info_ sequence is the
// leader (info_ protobuf only when no json.info_ exists); every other master decoded from the info
// children follows, sorted. Re-reads on every change and on every (re)connect. The read is
// master-reader.ts, the published list master-list-state.ts; this module wires them to the client.
import type { Logger } from '../../log.js';
import type { MetricsRegistry } from '../../metrics.js';
import type { ZkUrl } from '../../config/addresses.js';
import { WatchEventType } from './jute.js';
import { MasterListState } from './master-list-state.js';
import { readMasters } from './master-reader.js';
import { serialReads } from './serial-reads.js';
import type { MasterDetector } from './types.js';
import { ZkState, createZkClient, type ZkClient, type ZkClientOptions } from './zk-client.js';

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
  const masters = new MasterListState({
    fallbackMasters: options.fallbackMasters,
    detectionTimeoutSeconds: options.detectionTimeoutSeconds,
    logger,
    now,
  });
  let closed = false;

  const reads = serialReads({
    async readOnce() {
      const found = await readMasters(client, path, logger);
      if (found.kind === 'leader') masters.publish(found.leader, found.others);
      else if (found.kind === 'unknown') masters.publish(undefined, []);
      else if (found.kind === 'again') reads.again();
    },
    // Connection loss: the next 'connected' event reads again.
    onError: (err) => logger.debug({ err }, 'ZooKeeper read failed'),
    closed: () => closed,
    connected: () => client.state() === ZkState.CONNECTED,
  });

  client.onState((change) => {
    connectedGauge.set(change.state === ZkState.CONNECTED ? 1 : 0);
    if (change.state === ZkState.CONNECTED) {
      if (change.newSession) sessionsTotal.inc();
      void reads.read();
    } else if (change.state === ZkState.EXPIRED) {
      logger.warn('ZooKeeper session expired; leader unknown until a new session reads it');
      masters.publish(undefined, []);
    } else if (change.state === ZkState.DISCONNECTED) {
      logger.warn('ZooKeeper connection lost; keeping the current master list while the session lasts');
    }
  });
  client.onWatch((event) => {
    if (event.type === WatchEventType.NONE) return;
    void reads.read();
  });

  return {
    client,
    async start() {
      if (closed) return;
      masters.armWarning();
      client.start();
    },
    current: () => masters.current(),
    onChange: (listener) => masters.onChange(listener),
    leaderLostSince: () => masters.leaderLostSince(),
    async close() {
      if (closed) return;
      closed = true;
      masters.close();
      await client.close();
      await reads.running();
      connectedGauge.set(0);
    },
  };
}
