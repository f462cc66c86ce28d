// One TCP connection to one ZooKeeper server: the socket, the connect + handshake deadline, the
// framing of what arrives, and when it was last read or written (for the session's pings). It knows
// nothing of what the frames mean; the client decides, and a frame it cannot decode closes the socket.
import { type Socket, connect as netConnect } from 'node:net';
import type { Logger } from '../../log.js';
import { FrameAssembler, FrameLengthError } from './frames.js';
import { type ZkServer, serverLabel } from './zk-types.js';

export interface ZkConnection {
  readonly label: string;
  send(frame: Buffer): void;
  /** The handshake was answered: the connect deadline no longer applies. */
  handshakeDone(): void;
  destroy(): void;
  destroyed(): boolean;
  /** Date.now() of the last frame received / sent. */
  lastReceived(): number;
  lastSent(): number;
}

export interface ZkConnectionHandlers {
  /** The socket is open: send the handshake. */
  readonly onOpen: (connection: ZkConnection) => void;
  /** One whole frame. Throwing closes the connection. */
  readonly onFrame: (payload: Buffer, connection: ZkConnection) => void;
  /** The socket has closed, whoever closed it (called in the close event itself). */
  readonly onClose: () => void;
}

export function openZkConnection(
  server: ZkServer,
  connectTimeoutMs: number,
  logger: Logger,
  handlers: ZkConnectionHandlers,
): ZkConnection {
  const label = serverLabel(server);
  const frames = new FrameAssembler();
  let lastRecv = Date.now();
  let lastSend = Date.now();
  const sock: Socket = netConnect({ host: server.host, port: server.port });
  sock.setNoDelay(true);
  const handshakeTimer = setTimeout(() => {
    logger.debug({ server: label }, 'ZooKeeper connect timed out');
    sock.destroy();
  }, connectTimeoutMs);

  const connection: ZkConnection = {
    label,
    send(frame) {
      lastSend = Date.now();
      sock.write(frame);
    },
    handshakeDone: () => clearTimeout(handshakeTimer),
    destroy: () => sock.destroy(),
    destroyed: () => sock.destroyed,
    lastReceived: () => lastRecv,
    lastSent: () => lastSend,
  };

  sock.on('connect', () => handlers.onOpen(connection));
  sock.on('data', (chunk: Buffer) => {
    frames.push(chunk);
    try {
      for (let payload = frames.next(); payload !== undefined && !sock.destroyed; payload = frames.next()) {
        lastRecv = Date.now();
        handlers.onFrame(payload, connection);
      }
    } catch (err) {
      if (err instanceof FrameLengthError) {
        logger.warn({ server: label, len: err.declared }, 'ZooKeeper frame length invalid');
      } else {
        logger.warn({ server: label, err }, 'ZooKeeper reply undecodable');
      }
      sock.destroy();
    }
  });
  sock.on('error', (err) => {
    logger.debug({ server: label, err }, 'ZooKeeper connection error');
  });
  sock.on('close', () => {
    clearTimeout(handshakeTimer);
    handlers.onClose();
  });
  return connection;
}
