// The ZooKeeper client's vocabulary, shared by its parts (zk-client.ts composes them): servers,
// connection states, session identity, errors. Pure.
import { joinHostPort } from '../../net/host-port.js';

export interface ZkServer {
  readonly host: string;
  readonly port: number;
}

export const ZkState = {
  CONNECTING: 'connecting',
  CONNECTED: 'connected',
  /** Lost the connection; the session may still be alive on the servers. */
  DISCONNECTED: 'disconnected',
  /** The session is gone (server said so, or no server reached for a whole session timeout). */
  EXPIRED: 'expired',
  CLOSED: 'closed',
} as const;
export type ZkState = (typeof ZkState)[keyof typeof ZkState];

export class ZkError extends Error {
  constructor(
    readonly code: number,
    readonly path: string,
    message: string,
  ) {
    super(message);
    this.name = 'ZkError';
  }
}

export interface ZkSession {
  readonly sessionId: bigint;
  readonly passwd: Buffer;
}

export interface ZkStateChange {
  readonly state: ZkState;
  /** On CONNECTED: true when this is a new session (watches are gone and must be set again). */
  readonly newSession: boolean;
  readonly server?: string;
}

/** "host:port", the host bracketed when it is an IPv6 address. */
export function serverLabel(server: ZkServer): string {
  return joinHostPort(server.host, server.port);
}
