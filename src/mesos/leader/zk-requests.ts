// The ZooKeeper client's requests on the wire: xids, the requests waiting for their replies, and the
// watch notifications the server pushes. Replies are matched to requests by xid; a connection that
// closes fails every request still waiting (the caller decides whether to retry).
import type { Logger } from '../../log.js';
import { JuteReader, JuteWriter, type ReplyHeader, Xid, ZkErr, type WatcherEvent, decodeWatcherEvent } from './jute.js';
import { ZkError } from './zk-types.js';

interface Pending {
  readonly path: string;
  readonly resolve: (r: JuteReader) => void;
  readonly reject: (err: Error) => void;
}

/** Writes a whole frame to the server; false when there is no usable connection. */
export type FrameSender = (frame: Buffer) => boolean;

export class ZkRequests {
  private xid = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly watchListeners = new Set<(event: WatcherEvent) => void>();

  constructor(private readonly logger: Logger) {}

  /** Sends one request; resolves with its decoded reply, rejects with a ZkError. */
  send<T>(op: number, path: string, body: (w: JuteWriter) => void, decode: (r: JuteReader) => T, sender: FrameSender): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const id = this.xid++;
      if (this.xid > 0x7fffffff) this.xid = 1;
      const w = new JuteWriter(64).int(id).int(op);
      body(w);
      this.pending.set(id, { path, resolve: (r) => resolve(decode(r)), reject });
      if (!sender(w.frame())) {
        this.pending.delete(id);
        reject(new ZkError(ZkErr.CONNECTION_LOSS, path, 'not connected to ZooKeeper'));
      }
    });
  }

  /** One frame after the handshake, its header already read from `r`: a ping, a watch event or a reply. */
  receive(header: ReplyHeader, r: JuteReader): void {
    if (header.xid === Xid.PING) return;
    if (header.xid === Xid.NOTIFICATION) {
      this.notify(decodeWatcherEvent(r));
      return;
    }
    const p = this.pending.get(header.xid);
    if (!p) return;
    this.pending.delete(header.xid);
    if (header.err !== ZkErr.OK) {
      p.reject(new ZkError(header.err, p.path, `ZooKeeper error ${header.err} on ${p.path}`));
      return;
    }
    try {
      p.resolve(r);
    } catch (err) {
      p.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }

  /** Rejects every request still waiting. */
  failAll(code: number, message: string): void {
    for (const [, p] of this.pending) p.reject(new ZkError(code, p.path, message));
    this.pending.clear();
  }

  onWatch(listener: (event: WatcherEvent) => void): () => void {
    this.watchListeners.add(listener);
    return () => this.watchListeners.delete(listener);
  }

  private notify(event: WatcherEvent): void {
    for (const l of this.watchListeners) {
      try {
        l(event);
      } catch (err) {
        this.logger.error({ err }, 'ZooKeeper watch listener failed');
      }
    }
  }
}
