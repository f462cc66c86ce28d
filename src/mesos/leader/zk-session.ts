// The ZooKeeper session as the client holds it across connections: its id and password, the newest
// zxid seen, the timeout the server granted; the handshake that opens or resumes it; and the pings
// that keep it alive on a connection (and notice a server that went silent).
import type { Logger } from '../../log.js';
import { type ConnectResponse, JuteWriter, OpCode, Xid, encodeConnectRequest } from './jute.js';
import { clampSessionTimeout } from './reconnect-policy.js';
import type { ZkConnection } from './zk-connection.js';
import type { ZkSession } from './zk-types.js';

export type HandshakeResult =
  | { readonly kind: 'expired' }
  | { readonly kind: 'established'; readonly newSession: boolean; readonly offeredTimeoutMs: number };

export class ZkSessionState {
  private sessionId: bigint;
  private passwd: Buffer;
  private lastZxid = 0n;
  private negotiatedTimeout: number;
  private created = 0;

  constructor(
    /** The session timeout asked for in every handshake. */
    private readonly requestedTimeoutMs: number,
    resume?: ZkSession,
  ) {
    this.sessionId = resume?.sessionId ?? 0n;
    this.passwd = resume?.passwd ?? Buffer.alloc(16);
    this.negotiatedTimeout = requestedTimeoutMs;
  }

  /** The handshake: resumes the session held, or asks for a new one when none is. */
  connectRequest(): Buffer {
    return encodeConnectRequest({
      lastZxidSeen: this.lastZxid,
      timeoutMs: this.requestedTimeoutMs,
      sessionId: this.sessionId,
      passwd: this.passwd,
    });
  }

  /** Takes the server's answer to the handshake. 'expired' leaves the session still held (see forget). */
  accept(response: ConnectResponse): HandshakeResult {
    if (response.timeoutMs <= 0) return { kind: 'expired' };
    const newSession = response.sessionId !== this.sessionId;
    if (newSession) this.created++;
    this.sessionId = response.sessionId;
    this.passwd = response.passwd;
    this.negotiatedTimeout = clampSessionTimeout(response.timeoutMs);
    return { kind: 'established', newSession, offeredTimeoutMs: response.timeoutMs };
  }

  observeZxid(zxid: bigint): void {
    if (zxid > this.lastZxid) this.lastZxid = zxid;
  }

  /** Drops the session held; false when there was none. */
  forget(): boolean {
    if (this.sessionId === 0n) return false;
    this.sessionId = 0n;
    this.passwd = Buffer.alloc(16);
    this.lastZxid = 0n;
    return true;
  }

  /** The timeout the server granted (clamped), or the one asked for until a server has granted one. */
  timeoutMs(): number {
    return this.negotiatedTimeout;
  }

  idText(): string {
    return this.sessionId.toString(16);
  }

  current(): ZkSession | undefined {
    return this.sessionId === 0n ? undefined : { sessionId: this.sessionId, passwd: Buffer.from(this.passwd) };
  }

  /** Sessions established (new, not resumed) so far. */
  createdCount(): number {
    return this.created;
  }
}

/**
 * Pings the server when nothing was sent for a third of the session timeout, and closes the
 * connection when nothing arrived for two thirds of it (the server is gone; the session may live on
 * elsewhere). Returns the timer to clear when the connection closes.
 */
export function keepSessionAlive(connection: ZkConnection, sessionTimeoutMs: number, logger: Logger): NodeJS.Timeout {
  const readTimeout = Math.floor((sessionTimeoutMs * 2) / 3);
  const timer = setInterval(() => {
    const now = Date.now();
    if (now - connection.lastReceived() > readTimeout) {
      logger.warn({ server: connection.label, silentMs: now - connection.lastReceived() }, 'ZooKeeper server stopped answering');
      connection.destroy();
      return;
    }
    if (now - connection.lastSent() >= readTimeout / 2) connection.send(new JuteWriter(8).int(Xid.PING).int(OpCode.PING).frame());
  }, Math.max(50, Math.floor(readTimeout / 4)));
  timer.unref();
  return timer;
}
