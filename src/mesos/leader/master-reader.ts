// One read of the masters' znodes: the children of the configured path (watched), the leader's
// MasterInfo (lowest json.info_ sequence; info_ protobuf only when no json.info_ exists) and every
// other master's, decoded and sorted. What the read found, for zk-detector.ts to publish.
import type { Logger } from '../../log.js';
import { ZkErr } from './jute.js';
import {
  compareAddresses,
  decodeJsonMasterInfo,
  decodeProtobufMasterInfo,
  infoChildren,
  leaderChild,
  type MasterInfo,
} from './master-info.js';
import { type ZkClient, ZkError } from './zk-client.js';

export type MasterRead =
  /** The leader and the other masters' addresses, sorted. */
  | { readonly kind: 'leader'; readonly leader: string; readonly others: string[] }
  /** No leader can be named (no path, no info node, an undecodable leader info). */
  | { readonly kind: 'unknown' }
  /** The path was created meanwhile: read again. */
  | { readonly kind: 'again' }
  /** The leader's node went away during the read: its children watch fires and brings a new read. */
  | { readonly kind: 'none' };

function isNoNode(err: unknown): boolean {
  return err instanceof ZkError && err.code === ZkErr.NO_NODE;
}

/** The decoded info, undefined when undecodable, 'gone' when deleted meanwhile (the watch fires). */
async function readInfo(client: ZkClient, path: string, name: string, json: boolean, logger: Logger): Promise<MasterInfo | undefined | 'gone'> {
  try {
    const data = await client.getData(`${path === '/' ? '' : path}/${name}`, false);
    const info = json ? decodeJsonMasterInfo(data) : decodeProtobufMasterInfo(data);
    if (!info) logger.warn({ node: name }, 'undecodable MasterInfo ignored');
    return info;
  } catch (err) {
    if (isNoNode(err)) return 'gone';
    throw err;
  }
}

/** Throws what the client throws but a missing node (a lost connection: the caller reads again on reconnect). */
export async function readMasters(client: ZkClient, path: string, logger: Logger): Promise<MasterRead> {
  let children: string[];
  try {
    children = await client.getChildren(path, true);
  } catch (err) {
    if (!isNoNode(err)) throw err;
    // Watch for the node's creation, then read again.
    if (!(await client.exists(path, true))) {
      logger.warn({ path }, 'ZooKeeper path does not exist yet');
      return { kind: 'unknown' };
    }
    return { kind: 'again' };
  }
  const infos = infoChildren(children);
  const head = leaderChild(infos);
  if (!head) return { kind: 'unknown' };
  const leaderInfo = await readInfo(client, path, head.name, head.json, logger);
  if (leaderInfo === 'gone') return { kind: 'none' };
  if (!leaderInfo) return { kind: 'unknown' };
  const seen = new Set<string>([leaderInfo.id]);
  const addresses = new Set<string>();
  for (const c of infos) {
    if (c.name === head.name) continue;
    const info = await readInfo(client, path, c.name, c.json, logger);
    if (!info || info === 'gone' || seen.has(info.id)) continue;
    seen.add(info.id);
    if (info.address !== leaderInfo.address) addresses.add(info.address);
  }
  return { kind: 'leader', leader: leaderInfo.address, others: [...addresses].sort(compareAddresses) };
}
