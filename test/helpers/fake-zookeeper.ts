// A misbehaving ZooKeeper server on loopback for fault-injection tests: it speaks just enough of the
// wire format (the connect handshake, request frames, replies) for a test to script what goes wrong.
import { createServer, type Server, type Socket } from 'node:net';

export interface FakeZkConnection {
  readonly socket: Socket;
  /** The requested session timeout and session id of the connect request. */
  readonly requested: Promise<{ timeoutMs: number; sessionId: bigint }>;
  /** Answers the connect request. */
  answerConnect(timeoutMs: number, sessionId?: bigint): void;
  /** Request frames after the handshake: xid, op code and the rest of the payload. */
  onRequest(listener: (xid: number, op: number, body: Buffer) => void): void;
  /** Writes a reply: header (xid, zxid 0, err) then the body, as one frame, in writes of `chunk` bytes. */
  reply(xid: number, err: number, body: Buffer, chunk?: number): void;
  close(): void;
}

export interface FakeZooKeeper {
  readonly host: string;
  readonly port: number;
  /** Connections accepted so far. */
  connections(): number;
  close(): Promise<void>;
}

export function frameOf(payload: Buffer): Buffer {
  const out = Buffer.alloc(4 + payload.length);
  out.writeInt32BE(payload.length, 0);
  payload.copy(out, 4);
  return out;
}

/** Starts a fake server on 127.0.0.1; `behave` scripts each connection. */
export async function startFakeZooKeeper(behave: (conn: FakeZkConnection) => void): Promise<FakeZooKeeper> {
  let accepted = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    accepted++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    socket.setNoDelay(true);
    let buffered = Buffer.alloc(0);
    let handshaken = false;
    let resolveRequested: (r: { timeoutMs: number; sessionId: bigint }) => void = () => undefined;
    const requested = new Promise<{ timeoutMs: number; sessionId: bigint }>((resolve) => (resolveRequested = resolve));
    const listeners: ((xid: number, op: number, body: Buffer) => void)[] = [];
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 4 && buffered.length >= 4 + buffered.readInt32BE(0)) {
        const payload = buffered.subarray(4, 4 + buffered.readInt32BE(0));
        buffered = buffered.subarray(4 + payload.length);
        if (!handshaken) {
          handshaken = true;
          // protocol version (4), last zxid (8), timeout (4), session id (8), password
          resolveRequested({ timeoutMs: payload.readInt32BE(12), sessionId: payload.readBigInt64BE(16) });
          continue;
        }
        for (const l of listeners) l(payload.readInt32BE(0), payload.readInt32BE(4), payload.subarray(8));
      }
    });
    behave({
      socket,
      requested,
      answerConnect(timeoutMs, sessionId = 0x1234n) {
        const body = Buffer.alloc(4 + 4 + 8 + 4 + 16);
        body.writeInt32BE(0, 0);
        body.writeInt32BE(timeoutMs, 4);
        body.writeBigInt64BE(sessionId, 8);
        body.writeInt32BE(16, 16);
        if (!socket.destroyed) socket.write(frameOf(body));
      },
      onRequest(listener) {
        listeners.push(listener);
      },
      reply(xid, err, body, chunk) {
        const header = Buffer.alloc(16);
        header.writeInt32BE(xid, 0);
        header.writeBigInt64BE(0n, 4);
        header.writeInt32BE(err, 12);
        const bytes = frameOf(Buffer.concat([header, body]));
        const step = chunk ?? bytes.length;
        for (let at = 0; at < bytes.length && !socket.destroyed; at += step) socket.write(bytes.subarray(at, at + step));
      },
      close() {
        socket.destroy();
      },
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    host: '127.0.0.1',
    port,
    connections: () => accepted,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
