// What the TCP listener and its connections exchange with the DNS handler: the handler's results (a
// reply, a promise of one, or a stream of messages) and why a connection was closed.
import type { QueryHandler } from './udp-server.js';

/** A reply of several messages (a zone transfer), written one message at a time as the client reads. */
export interface ReplyStream {
  /** The next message, or undefined when every message was given. */
  next(): Uint8Array | undefined;
  /** Called once: with true when every message was handed to the socket, false when the connection went first. */
  done(complete: boolean, error?: unknown): void;
}

/** The TCP listener's handler: a UDP handler's results, or a stream of messages. */
export type TcpQueryHandler = (message: Buffer, client: string) => ReturnType<QueryHandler> | ReplyStream;

export function isReplyStream(result: ReturnType<TcpQueryHandler>): result is ReplyStream {
  return typeof (result as Partial<ReplyStream> | undefined)?.next === 'function';
}

export const TcpCloseReason = {
  CLIENT: 'client',
  IDLE: 'idle',
  LIMIT: 'limit',
  CLIENT_LIMIT: 'client_limit',
  SLOW_READER: 'slow_reader',
  ZERO_LENGTH: 'zero_length',
  OVERSIZED: 'oversized_frame',
  ERROR: 'error',
  SHUTDOWN: 'shutdown',
} as const;
export type TcpCloseReason = (typeof TcpCloseReason)[keyof typeof TcpCloseReason];

/** Queries are small: a frame declaring more than this closes the connection unread. */
export const MAX_TCP_QUERY_BYTES = 16 * 1024;
