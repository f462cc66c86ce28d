// The out-of-rotation list shared through ZooKeeper (docs/dns.md "Out of rotation"): one child znode
// per entry under a node of its own beside Mesos's (`<Zk path>-dns-rotation`, e.g. /mesos-dns-rotation;
// never inside Mesos's path), holding the entry as JSON. Every replica watches the children and copies
// them into its RotationStore, which rebuilds its table; a change made through any replica reaches all
// within a ZooKeeper round trip and a reload. One znode per entry makes each change a single create or
// delete, so two replicas changing different entries at once never overwrite each other.
import type { ZkUrl } from '../config/addresses.js';
import type { Logger } from '../log.js';
import { CreateMode, WatchEventType, ZkErr } from '../mesos/leader/jute.js';
import { ZkError, ZkState, createZkClient, type ZkClient, type ZkClientOptions } from '../mesos/leader/zk-client.js';
import { serialReads } from '../mesos/leader/serial-reads.js';
import { type RotationEntry, type RotationKind, ROTATION_LIMITS, activeEntries, parseStoredList } from '../records/rotation-list.js';
import type { RotationControl, RotationStore } from './rotation-store.js';

export const DEFAULT_ROTATION_ZK_SESSION_TIMEOUT_MS = 30_000;

/** The znode of the shared list: a sibling of Mesos's path, so Mesos never sees it. */
export function rotationZnode(mesosPath: string): string {
  return `${mesosPath}-dns-rotation`;
}

/** A child name per kind and value: ':' cannot start a value's encoding, '/' is encoded. */
export function entryNode(kind: RotationKind, value: string): string {
  return `${kind}:${encodeURIComponent(value)}`;
}

export interface ZkRotation extends RotationControl {
  start(): void;
  close(): Promise<void>;
}

export interface CreateZkRotationOptions {
  readonly url: ZkUrl;
  readonly store: RotationStore;
  readonly logger: Logger;
  readonly sessionTimeoutMs?: number;
  readonly now?: () => number;
  readonly createClient?: (options: ZkClientOptions) => ZkClient;
}

function isCode(err: unknown, code: number): boolean {
  return err instanceof ZkError && err.code === code;
}

/** Creates the znode `path` unless it exists. */
async function ensureNode(client: ZkClient, path: string): Promise<void> {
  try {
    await client.create(path, new Uint8Array(0), CreateMode.PERSISTENT);
  } catch (err) {
    if (!isCode(err, ZkErr.NODE_EXISTS)) throw err;
  }
}

/** The entries in force under `base` (watching it); expired ones are deleted on the way, unreadable ones skipped. */
async function readEntries(client: ZkClient, base: string, now: number, logger: Logger): Promise<RotationEntry[]> {
  await ensureNode(client, base);
  const children = await client.getChildren(base, true);
  const entries: RotationEntry[] = [];
  for (const name of children.slice(0, ROTATION_LIMITS.maxEntries)) {
    let data: Buffer;
    try {
      data = await client.getData(`${base}/${name}`, false);
    } catch (err) {
      if (isCode(err, ZkErr.NO_NODE)) continue; // removed meanwhile: the watch fires again
      throw err;
    }
    const [entry] = parseStoredList(`[${data.toString('utf8')}]`);
    if (!entry || entryNode(entry.kind, entry.value) !== name) {
      logger.warn({ node: name }, 'unreadable rotation entry ignored');
      continue;
    }
    if (entry.until > now) entries.push(entry);
    // Expired: any replica may tidy it up; another may have done so already.
    else await client.delete(`${base}/${name}`).catch(() => undefined);
  }
  return entries;
}

export function createZkRotation(options: CreateZkRotationOptions): ZkRotation {
  const logger = options.logger.child({ component: 'rotation-zk' });
  const now = options.now ?? Date.now;
  const { store } = options;
  const base = rotationZnode(options.url.path);
  const client = (options.createClient ?? createZkClient)({
    servers: options.url.servers,
    sessionTimeoutMs: options.sessionTimeoutMs ?? DEFAULT_ROTATION_ZK_SESSION_TIMEOUT_MS,
    logger: options.logger.child({ component: 'zk-client' }),
  });
  let closed = false;

  async function readOnce(): Promise<void> {
    store.replace(await readEntries(client, base, now(), logger));
  }

  // One read at a time; a change seen meanwhile reads again. Connection loss: the next 'connected' event reads again.
  const reads = serialReads({
    readOnce,
    onError: (err) => logger.debug({ err }, 'reading the rotation list failed'),
    closed: () => closed,
    connected: () => client.state() === ZkState.CONNECTED,
  });

  function read(): Promise<void> {
    return reads.read();
  }

  function requireConnected(): void {
    if (client.state() !== ZkState.CONNECTED) throw new Error('ZooKeeper is not connected; the shared rotation list cannot change now');
  }

  client.onState((change) => {
    if (change.state === ZkState.CONNECTED) void read();
    else if (change.state === ZkState.DISCONNECTED) logger.warn('ZooKeeper connection lost; the rotation list is kept as last read');
  });
  client.onWatch((event) => {
    if (event.type !== WatchEventType.NONE) void read();
  });

  return {
    start() {
      if (!closed) client.start();
    },
    active: () => store.active(),
    async add(entry) {
      requireConnected();
      await ensureNode(client, base);
      const node = `${base}/${entryNode(entry.kind, entry.value)}`;
      const present = activeEntries(store.active(), now()).some((e) => e.kind === entry.kind && e.value === entry.value);
      if (!present && (await client.getChildren(base, false)).length >= ROTATION_LIMITS.maxEntries) {
        return { ok: false, problem: `the list is full (${ROTATION_LIMITS.maxEntries} entries)` };
      }
      // No setData in our client: replacing is delete then create (a reader in between sees it briefly absent).
      await client.delete(node).catch((err: unknown) => {
        if (!isCode(err, ZkErr.NO_NODE)) throw err;
      });
      await client.create(node, Buffer.from(JSON.stringify(entry)), CreateMode.PERSISTENT).catch((err: unknown) => {
        if (!isCode(err, ZkErr.NODE_EXISTS)) throw err; // another replica wrote the same entry at once
      });
      await read();
      return { ok: true, entries: store.active() };
    },
    async remove(kind, value) {
      requireConnected();
      try {
        await client.delete(`${base}/${entryNode(kind, value)}`);
      } catch (err) {
        if (isCode(err, ZkErr.NO_NODE)) return false;
        throw err;
      }
      await read();
      return true;
    },
    async close() {
      if (closed) return;
      closed = true;
      await client.close();
      await reads.running();
    },
  };
}
