// A minimal DNS client for tests: one query over UDP or TCP to a loopback server, with a timeout.
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { buildQuery, decodeReply, type DecodedReply, type QueryOptions } from './fake-upstream.js';

export interface QueryTarget {
  readonly port: number;
  readonly host?: string;
  readonly transport?: 'udp' | 'tcp';
  readonly timeoutMs?: number;
}

export function exchangeUdp(message: Uint8Array, target: QueryTarget): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const host = target.host ?? '127.0.0.1';
    const socket = createSocket(host.includes(':') ? 'udp6' : 'udp4');
    const timer = setTimeout(() => {
      socket.close();
      reject(new Error(`no UDP reply from ${host}:${target.port}`));
    }, target.timeoutMs ?? 2000);
    socket.once('message', (reply) => {
      clearTimeout(timer);
      socket.close();
      resolve(reply);
    });
    socket.send(message, target.port, host);
  });
}

export function exchangeTcp(message: Uint8Array, target: QueryTarget): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const host = target.host ?? '127.0.0.1';
    const socket = connect({ host, port: target.port });
    let buffered = Buffer.alloc(0);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no TCP reply from ${host}:${target.port}`));
    }, target.timeoutMs ?? 2000);
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    socket.on('data', (chunk) => {
      buffered = Buffer.concat([buffered, chunk]);
      if (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) {
        clearTimeout(timer);
        socket.destroy();
        resolve(buffered.subarray(2, 2 + buffered.readUInt16BE(0)));
      }
    });
    const frame = Buffer.alloc(2 + message.length);
    frame.writeUInt16BE(message.length, 0);
    frame.set(message, 2);
    socket.write(frame);
  });
}

export async function query(options: QueryOptions, target: QueryTarget): Promise<DecodedReply> {
  const message = buildQuery(options);
  const reply = target.transport === 'tcp' ? await exchangeTcp(message, target) : await exchangeUdp(message, target);
  return decodeReply(reply);
}

/** The answer section's A/AAAA addresses, sorted. */
export function addressesOf(reply: DecodedReply): string[] {
  return reply.packet.answers
    .filter((r) => r.type === 1 || r.type === 28)
    .map((r) => (r as unknown as { address: string }).address)
    .sort();
}
