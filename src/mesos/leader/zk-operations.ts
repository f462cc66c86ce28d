// The ZooKeeper operations the client offers, as request bodies and reply decoders over one `request`
// function (zk-client.ts supplies it: it checks the connection, numbers and sends). Pure encoding.
import { CreateMode, type JuteReader, type JuteWriter, OpCode, ZkErr } from './jute.js';
import { ZkError } from './zk-types.js';

export type ZkRequest = <T>(op: number, path: string, body: (w: JuteWriter) => void, decode: (r: JuteReader) => T) => Promise<T>;

export interface ZkOperations {
  getChildren(path: string, watch: boolean): Promise<string[]>;
  getData(path: string, watch: boolean): Promise<Buffer>;
  /** Whether the node exists; with watch, a watch is set either way (NodeCreated / NodeDeleted). */
  exists(path: string, watch: boolean): Promise<boolean>;
  create(path: string, data: Uint8Array, mode: number): Promise<string>;
  delete(path: string, version?: number): Promise<void>;
}

const OPEN_ACL_UNSAFE = { perms: 31, scheme: 'world', id: 'anyone' } as const;

export function zkOperations(request: ZkRequest): ZkOperations {
  return {
    getChildren: (path, watch) =>
      request(OpCode.GET_CHILDREN, path, (w) => w.string(path).bool(watch), (r) => r.strings()),
    getData: (path, watch) =>
      request(OpCode.GET_DATA, path, (w) => w.string(path).bool(watch), (r) => Buffer.from(r.buffer() ?? Buffer.alloc(0))),
    exists: (path, watch) =>
      request(OpCode.EXISTS, path, (w) => w.string(path).bool(watch), () => true).catch((err: unknown) => {
        if (err instanceof ZkError && err.code === ZkErr.NO_NODE) return false;
        throw err;
      }),
    create: (path, data, mode = CreateMode.PERSISTENT) =>
      request(
        OpCode.CREATE,
        path,
        (w) =>
          w
            .string(path)
            .buffer(data)
            .int(1)
            .int(OPEN_ACL_UNSAFE.perms)
            .string(OPEN_ACL_UNSAFE.scheme)
            .string(OPEN_ACL_UNSAFE.id)
            .int(mode),
        (r) => r.string() ?? '',
      ),
    delete: (path, version = -1) => request(OpCode.DELETE, path, (w) => w.string(path).int(version), () => undefined),
  };
}
