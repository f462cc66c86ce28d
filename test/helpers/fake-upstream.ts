// A programmable upstream DNS server for forwarder tests: UDP and TCP on one loopback port.
// Replies are built with dns2's Packet (the OPT with dns-codec.ts); behaviour is chosen per query name (lower-case, trailing
// dot), with a default for names not listed. Every query received is recorded. TCP is framed as dns-client.ts frames it.
import { createSocket } from 'node:dgram';
import type { RemoteInfo, Socket as UdpSocket } from 'node:dgram';
import { createServer } from 'node:net';
import type { Server, Socket as TcpSocket } from 'node:net';
import { Packet } from 'dns2';
import type { Header, Resource } from 'dns2';
import { FrameReader, tcpFrame } from './dns-client.js';
import { type DecodedOpt, encodeOpt, readOpt } from './dns-codec.js';

export type FakeBehaviour =
  /** NOERROR with `count` A (or AAAA for AAAA questions) records; an SOA in authority when `soaTtl` is set. */
  | { readonly kind: 'answer'; readonly ttl?: number; readonly count?: number; readonly soaTtl?: number }
  /** NXDOMAIN with an SOA in authority (none when soaTtl is null). */
  | { readonly kind: 'nxdomain'; readonly soaTtl?: number | null; readonly minimum?: number }
  /** NOERROR, no answer, SOA in authority. */
  | { readonly kind: 'nodata'; readonly soaTtl?: number; readonly minimum?: number }
  | { readonly kind: 'rcode'; readonly rcode: number; readonly noQuestion?: boolean }
  | { readonly kind: 'servfail' }
  | { readonly kind: 'refused' }
  /** Never answers. */
  | { readonly kind: 'silent' }
  /** Sends a reply with a different ID first, then behaves as `then` (nothing more if absent). */
  | { readonly kind: 'wrong-id'; readonly then?: FakeBehaviour }
  /** Sends a reply for a different question first, then behaves as `then`. */
  | { readonly kind: 'wrong-question'; readonly then?: FakeBehaviour }
  /** Sends the reply from another port first (UDP only), then behaves as `then`. */
  | { readonly kind: 'wrong-source'; readonly then?: FakeBehaviour }
  /** Over UDP: TC=1 and no records. Over TCP: `count` A records. */
  | { readonly kind: 'truncated'; readonly count: number; readonly ttl?: number }
  /** `count` A records over both transports (UDP datagrams as big as they get). */
  | { readonly kind: 'huge'; readonly count: number; readonly ttl?: number }
  /** Over UDP: TC=1. Over TCP: closes the connection without answering. */
  | { readonly kind: 'close-tcp' }
  /** Garbage after a valid header and question (right ID and question). */
  | { readonly kind: 'garbage' }
  /** Answers `then` after `ms` milliseconds. */
  | { readonly kind: 'delay'; readonly ms: number; readonly then: FakeBehaviour };

export interface ReceivedQuery {
  readonly id: number;
  readonly transport: 'udp' | 'tcp';
  /** Question name as received (original case, no trailing dot as dns2 decodes it). */
  readonly name: string;
  readonly type: number;
  readonly rd: boolean;
  readonly hasOpt: boolean;
  readonly bytes: Buffer;
}

export interface FakeUpstream {
  readonly host: string;
  readonly port: number;
  /** "127.0.0.1:port" or "[::1]:port", as a resolver entry. */
  readonly address: string;
  readonly received: ReceivedQuery[];
  setBehaviour(name: string, behaviour: FakeBehaviour): void;
  setDefault(behaviour: FakeBehaviour): void;
  /** Adds a server cookie (client cookie + 8 bytes) to replies to queries that carry a COOKIE option. */
  setCookies(on: boolean): void;
  close(): Promise<void>;
}

export interface FakeUpstreamOptions {
  /** Loopback address to bind: 127.0.0.1 (default) or ::1. */
  readonly host?: '127.0.0.1' | '::1';
  readonly behaviours?: Readonly<Record<string, FakeBehaviour>>;
  readonly defaultBehaviour?: FakeBehaviour;
}

function normalise(name: string): string {
  const lower = name.toLowerCase();
  return lower.endsWith('.') ? lower : `${lower}.`;
}

const SOA_DEFAULT_TTL = 300;

function soaRecord(name: string, ttl: number, minimum: number): Resource {
  const zone = name.split('.').slice(-2).join('.') || 'example';
  return new Packet.Resource({
    name: zone,
    type: Packet.TYPE.SOA,
    class: Packet.CLASS.IN,
    ttl,
    primary: `ns1.${zone}`,
    admin: `hostmaster.${zone}`,
    serial: 2024010101,
    refresh: 3600,
    retry: 600,
    expiration: 86400,
    minimum,
  });
}

function addressRecords(name: string, qtype: number, count: number, ttl: number): Resource[] {
  const out: Resource[] = [];
  for (let i = 0; i < count; i++) {
    if (qtype === Packet.TYPE.AAAA) {
      out.push(new Packet.Resource({ name, type: Packet.TYPE.AAAA, class: Packet.CLASS.IN, ttl, address: `2001:db8::${(i + 1).toString(16)}` }));
    } else {
      out.push(new Packet.Resource({ name, type: Packet.TYPE.A, class: Packet.CLASS.IN, ttl, address: `192.0.2.${(i % 250) + 1}` }));
    }
  }
  return out;
}

interface ParsedQuery {
  readonly packet: Packet;
  readonly id: number;
  readonly name: string;
  readonly type: number;
  readonly klass: number;
  readonly rd: boolean;
  readonly opcode: number;
  readonly cd: boolean;
  /** The query's OPT record (DO bit, client cookie), read by dns-codec.ts. */
  readonly opt: DecodedOpt | undefined;
}

function parseQuery(bytes: Buffer): ParsedQuery | undefined {
  try {
    const packet = Packet.parse(bytes);
    const q = packet.questions[0];
    if (!q) return undefined;
    const header = packet.header as Header & { cd?: number };
    return {
      packet,
      id: header.id,
      name: q.name,
      type: q.type,
      klass: q.class,
      rd: header.rd === 1,
      opcode: header.opcode,
      cd: header.cd === 1,
      opt: readOpt(bytes),
    };
  } catch {
    return undefined;
  }
}

/** Our OPT record, with a server cookie after the client's when the client sent one and cookies are on. */
function replyOpt(query: ParsedQuery, cookies: boolean): Buffer {
  const cookie = cookies && query.opt?.cookie ? Buffer.concat([query.opt.cookie, Buffer.from('5e4fe45e4fe45e4f', 'hex')]) : undefined;
  return encodeOpt({ udpSize: 1232, dnssecOk: query.opt?.dnssecOk ?? false, ...(cookie ? { cookie } : {}) });
}

interface ReplyParts {
  readonly rcode?: number;
  readonly tc?: boolean;
  readonly answers?: Resource[];
  readonly authorities?: Resource[];
  readonly id?: number;
  readonly questionName?: string;
  readonly noQuestion?: boolean;
}

function buildReply(query: ParsedQuery, parts: ReplyParts, cookies: boolean): Buffer {
  const reply = new Packet();
  reply.header = new Packet.Header({
    id: parts.id ?? query.id,
    qr: 1,
    opcode: query.opcode,
    aa: 0,
    tc: parts.tc ? 1 : 0,
    rd: query.rd ? 1 : 0,
    ra: 1,
    rcode: parts.rcode ?? 0,
    ...({ cd: query.cd ? 1 : 0 } as object),
  });
  reply.questions = parts.noQuestion
    ? []
    : [new Packet.Question(parts.questionName ?? query.name, query.type, query.klass)];
  reply.answers = parts.answers ?? [];
  reply.authorities = parts.authorities ?? [];
  const bytes = reply.toBuffer();
  if (!query.opt) return bytes;
  // Appended to dns2's message: the OPT may carry a COOKIE, which dns2 cannot encode.
  bytes.writeUInt16BE(bytes.readUInt16BE(10) + 1, 10);
  return Buffer.concat([bytes, replyOpt(query, cookies)]);
}

type Send = (bytes: Buffer) => void;

interface Context {
  readonly transport: 'udp' | 'tcp';
  readonly send: Send;
  /** Sends from another UDP port (spoof simulation). */
  readonly sendFromElsewhere: Send;
  readonly closeConnection: () => void;
}

export async function startFakeUpstream(options: FakeUpstreamOptions = {}): Promise<FakeUpstream> {
  const host = options.host ?? '127.0.0.1';
  const udpType = host === '::1' ? 'udp6' : 'udp4';
  const behaviours = new Map<string, FakeBehaviour>();
  for (const [name, b] of Object.entries(options.behaviours ?? {})) behaviours.set(normalise(name), b);
  let defaultBehaviour: FakeBehaviour = options.defaultBehaviour ?? { kind: 'answer' };
  let cookies = false;
  const received: ReceivedQuery[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const connections = new Set<TcpSocket>();

  function act(query: ParsedQuery, behaviour: FakeBehaviour, ctx: Context): void {
    const reply = (parts: ReplyParts): void => ctx.send(buildReply(query, parts, cookies));
    switch (behaviour.kind) {
      case 'answer': {
        const answers = addressRecords(query.name, query.type, behaviour.count ?? 1, behaviour.ttl ?? 300);
        const authorities = behaviour.soaTtl !== undefined ? [soaRecord(query.name, behaviour.soaTtl, 3600)] : [];
        reply({ answers, authorities });
        return;
      }
      case 'nxdomain':
        reply({
          rcode: Packet.RCODE.NXDOMAIN,
          authorities:
            behaviour.soaTtl === null ? [] : [soaRecord(query.name, behaviour.soaTtl ?? SOA_DEFAULT_TTL, behaviour.minimum ?? 60)],
        });
        return;
      case 'nodata':
        reply({ authorities: [soaRecord(query.name, behaviour.soaTtl ?? SOA_DEFAULT_TTL, behaviour.minimum ?? 60)] });
        return;
      case 'rcode':
        reply({ rcode: behaviour.rcode, noQuestion: behaviour.noQuestion ?? false });
        return;
      case 'servfail':
        reply({ rcode: Packet.RCODE.SERVFAIL });
        return;
      case 'refused':
        reply({ rcode: Packet.RCODE.REFUSED });
        return;
      case 'silent':
        return;
      case 'wrong-id':
        reply({ id: (query.id + 1) & 0xffff, answers: addressRecords(query.name, query.type, 1, 300) });
        if (behaviour.then) act(query, behaviour.then, ctx);
        return;
      case 'wrong-question':
        reply({ questionName: `x${query.name}`, answers: addressRecords(`x${query.name}`, query.type, 1, 300) });
        if (behaviour.then) act(query, behaviour.then, ctx);
        return;
      case 'wrong-source':
        ctx.sendFromElsewhere(buildReply(query, { answers: addressRecords(query.name, query.type, 1, 300) }, cookies));
        if (behaviour.then) act(query, behaviour.then, ctx);
        return;
      case 'truncated':
        if (ctx.transport === 'udp') reply({ tc: true });
        else reply({ answers: addressRecords(query.name, query.type, behaviour.count, behaviour.ttl ?? 300) });
        return;
      case 'huge':
        reply({ answers: addressRecords(query.name, query.type, behaviour.count, behaviour.ttl ?? 300) });
        return;
      case 'close-tcp':
        if (ctx.transport === 'udp') reply({ tc: true });
        else ctx.closeConnection();
        return;
      case 'garbage': {
        const good = buildReply(query, { answers: addressRecords(query.name, query.type, 1, 300) }, false);
        // Claim three answers but cut the message in the middle of the first one.
        good.writeUInt16BE(3, 6);
        ctx.send(good.subarray(0, good.length - 6));
        return;
      }
      case 'delay': {
        const timer = setTimeout(() => {
          timers.delete(timer);
          act(query, behaviour.then, ctx);
        }, behaviour.ms);
        timers.add(timer);
        return;
      }
    }
  }

  function handle(bytes: Buffer, ctx: Context): void {
    const query = parseQuery(bytes);
    if (!query) return;
    received.push({
      id: query.id,
      transport: ctx.transport,
      name: query.name,
      type: query.type,
      rd: query.rd,
      hasOpt: query.opt !== undefined,
      bytes: Buffer.from(bytes),
    });
    act(query, behaviours.get(normalise(query.name)) ?? defaultBehaviour, ctx);
  }

  // Bind TCP on port 0, then UDP on the same port (retry if the UDP port happens to be taken).
  let tcp: Server | undefined;
  let udp: UdpSocket | undefined;
  for (let tries = 0; tries < 20 && !udp; tries++) {
    const server = createServer((socket) => {
      connections.add(socket);
      socket.on('close', () => connections.delete(socket));
      socket.on('error', () => undefined);
      const frames = new FrameReader();
      socket.on('data', (chunk: Buffer) => {
        for (const msg of frames.push(chunk)) {
          handle(Buffer.from(msg), {
            transport: 'tcp',
            send: (reply) => {
              if (socket.destroyed) return;
              socket.write(tcpFrame(reply));
            },
            sendFromElsewhere: () => undefined,
            closeConnection: () => socket.destroy(),
          });
        }
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, host, () => resolve());
    });
    const port = (server.address() as { port: number }).port;
    const socket = createSocket(udpType);
    const bound = await new Promise<boolean>((resolve) => {
      socket.once('error', () => resolve(false));
      socket.bind(port, host, () => resolve(true));
    });
    if (bound) {
      tcp = server;
      udp = socket;
    } else {
      socket.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }
  if (!tcp || !udp) throw new Error('fake upstream could not bind UDP and TCP on one port');
  const udpSocket = udp;
  const tcpServer = tcp;
  const spoofSocket: UdpSocket = createSocket(udpType);
  await new Promise<void>((resolve) => spoofSocket.bind(0, host, () => resolve()));
  const port = (tcpServer.address() as { port: number }).port;

  udpSocket.on('message', (msg: Buffer, rinfo: RemoteInfo) => {
    handle(msg, {
      transport: 'udp',
      send: (reply) => udpSocket.send(reply, rinfo.port, rinfo.address),
      sendFromElsewhere: (reply) => spoofSocket.send(reply, rinfo.port, rinfo.address),
      closeConnection: () => undefined,
    });
  });

  let closed: Promise<void> | undefined;
  return {
    host,
    port,
    address: host === '::1' ? `[::1]:${port}` : `${host}:${port}`,
    received,
    setBehaviour(name, behaviour) {
      behaviours.set(normalise(name), behaviour);
    },
    setDefault(behaviour) {
      defaultBehaviour = behaviour;
    },
    setCookies(on) {
      cookies = on;
    },
    close() {
      closed ??= (async () => {
        for (const t of timers) clearTimeout(t);
        timers.clear();
        for (const c of connections) c.destroy();
        await Promise.all([
          new Promise<void>((resolve) => tcpServer.close(() => resolve())),
          new Promise<void>((resolve) => udpSocket.close(() => resolve())),
          new Promise<void>((resolve) => spoofSocket.close(() => resolve())),
        ]);
      })();
      return closed;
    },
  };
}
