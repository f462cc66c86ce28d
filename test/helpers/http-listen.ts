// A test server on an ephemeral loopback port whose close() ends held connections at once (a held
// response would otherwise keep server.close() waiting): the test masters' listening and shutdown.
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import { joinHostPort } from '../../src/net/host-port.js';

export interface Listening {
  readonly port: number;
  /** "host:port", an IPv6 host bracketed. */
  readonly address: string;
  /** Destroys every open connection, then closes the server. */
  close(): Promise<void>;
}

export async function listenEphemeral(server: Server, host: string): Promise<Listening> {
  const sockets = new Set<Socket>();
  const track = (s: Socket): void => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  };
  // A TLS server reports its sockets as secure connections too; a set takes each once.
  server.on('connection', track);
  server.on('secureConnection', track);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    port,
    address: joinHostPort(host, port),
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
