// The connection side of the HTTP server: every new connection is admitted into the connection
// table (closing an idle or else the longest-busy one when a cap is reached), silent sockets are
// closed, and malformed requests get node's default answers and a count.
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import { type Logger, createLogLimiter } from '../log.js';
import { clientKey } from '../net/networks.js';
import { type ConnectionCaps, type ConnectionTable, type Eviction, EvictionReason } from './connection-table.js';
import type { HttpMetrics } from './metrics.js';

export interface ConnectionGuardParts {
  readonly log: Logger;
  readonly metrics: HttpMetrics;
  readonly connections: ConnectionTable<Socket>;
  /** Read for every new connection, so a reload applies to the next one. */
  readonly caps: () => ConnectionCaps;
  /** A server that is closing takes no new connection. */
  readonly closing: () => boolean;
  readonly idleTimeoutMs: number;
}

/**
 * Logs connections closed to make room. An idle one going is routine (debug); a busy one going cuts a
 * request, which is worth a warning, but a flood must not flood the log: at most one warning per
 * interval and reason, carrying how many it stands for.
 */
function createEvictionLog(log: Logger): (eviction: Eviction<Socket>, caps: ConnectionCaps) => void {
  const limitLog = createLogLimiter(() => performance.now());
  return (eviction, caps) => {
    const fields = { reason: eviction.reason, client: eviction.client, ...caps };
    if (eviction.reason === EvictionReason.IDLE || eviction.reason === EvictionReason.CLIENT_IDLE) {
      log.debug(fields, 'http connection closed to make room');
      return;
    }
    limitLog(eviction.reason, (heldBack) => log.warn({ ...fields, heldBack }, 'busy http connection closed to make room'));
  };
}

/** The status line node sends for a client error, by error code. */
function clientErrorStatus(code: string): string {
  if (code === 'HPE_HEADER_OVERFLOW') return '431 Request Header Fields Too Large';
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return '408 Request Timeout';
  return '400 Bad Request';
}

export function guardConnections(server: Server, parts: ConnectionGuardParts): void {
  const { log, metrics: m, connections } = parts;
  const logEviction = createEvictionLog(log);
  server.setTimeout(parts.idleTimeoutMs, (socket: Socket) => {
    m.clientErrors.inc({ code: 'IDLE_TIMEOUT' });
    socket.destroy();
  });

  server.on('connection', (socket: Socket) => {
    if (parts.closing()) {
      socket.destroy();
      return;
    }
    const client = clientKey(socket.remoteAddress);
    const caps = parts.caps();
    const eviction = connections.admit(client, caps);
    if (eviction) {
      connections.remove(eviction.victim);
      eviction.victim.destroy();
      m.rejectedConnections.inc({ reason: eviction.reason });
      logEviction(eviction, caps);
    }
    connections.add(socket, client);
    m.connections.set(connections.size);
    socket.once('close', () => {
      connections.remove(socket);
      m.connections.set(connections.size);
    });
  });

  // Same answers as node's default (400, 408 on timeout, 431 on oversized headers), plus a count.
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    const code = err.code ?? 'UNKNOWN';
    m.clientErrors.inc({ code });
    log.debug({ code }, 'http client error');
    if (code !== 'ECONNRESET' && socket.writable && socket.bytesWritten === 0) {
      socket.write(`HTTP/1.1 ${clientErrorStatus(code)}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    }
    socket.destroy();
  });
}
