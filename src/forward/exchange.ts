// One attempt at one upstream: send the query over UDP or TCP and wait for the matching reply.
//
// Attempts have no timer of their own: the forwarder decides when to give up on one (and may
// keep listening to a slow upstream while it asks the next one), then calls cancel().
// A reply counts only if it comes from the upstream's address and port, carries the ID we sent
// and echoes our question (name case-insensitively, type and class); anything else is counted
// as a spoof attempt and ignored.
import { createSocket } from 'node:dgram';
import type { Socket as UdpSocket } from 'node:dgram';
import { connect } from 'node:net';
import type { Socket as TcpSocket } from 'node:net';
import { readU16 } from '../wire/bytes.js';
import type { Transport } from './types.js';
import type { Upstream } from './upstreams.js';
import { Flag, parseLayout, readId, Rcode } from './wire.js';
import type { MessageLayout } from './wire.js';

export interface ExpectedReply {
  readonly id: number;
  /** Lower-cased question name with trailing dot. */
  readonly qnameKey: string;
  readonly qtype: number;
  readonly qclass: number;
}

export type AttemptOutcome =
  | { readonly kind: 'reply'; readonly bytes: Buffer; readonly layout: MessageLayout }
  | { readonly kind: 'error'; readonly code: string; readonly err: unknown }
  | { readonly kind: 'unparsable'; readonly reason: string }
  | { readonly kind: 'cancelled' };

export interface Attempt {
  readonly upstream: Upstream;
  readonly transport: Transport;
  readonly done: Promise<AttemptOutcome>;
  /** Stops listening and releases the socket; `done` resolves with `cancelled` if still pending. */
  cancel(): void;
}

export type ReplyCheck =
  | { readonly kind: 'match'; readonly layout: MessageLayout }
  | { readonly kind: 'spoof'; readonly reason: string }
  | { readonly kind: 'unparsable'; readonly reason: string };

/**
 * Decides whether a message is the reply to our query. Wrong ID, not a response, or a
 * different question → spoof (ignored). The right ID and question but a broken body →
 * unparsable (the upstream is failing). A reply without a question is accepted only for
 * error rcodes (servers often answer FORMERR/NOTIMP/REFUSED that way).
 */
export function checkReply(bytes: Uint8Array, expected: ExpectedReply): ReplyCheck {
  if (bytes.length < 12) return { kind: 'spoof', reason: 'short' };
  if (readId(bytes) !== expected.id) return { kind: 'spoof', reason: 'id' };
  const flags = readU16(bytes, 2);
  if ((flags & Flag.QR) === 0) return { kind: 'spoof', reason: 'not a response' };
  const parsed = parseLayout(bytes);
  if (!parsed.ok) {
    // Tell a broken reply to our question from a random datagram: look at the question only.
    const qd = readU16(bytes, 4);
    const header = new Uint8Array(bytes.subarray(0, 12));
    header[6] = header[7] = header[8] = header[9] = header[10] = header[11] = 0;
    const questionOnly = parseLayout(Buffer.concat([header, bytes.subarray(12)]));
    if (qd === 1 && questionOnly.ok && questionMatches(questionOnly.layout, expected)) {
      return { kind: 'unparsable', reason: parsed.error };
    }
    return { kind: 'spoof', reason: 'unparsable question' };
  }
  const layout = parsed.layout;
  if (layout.qdcount === 0) {
    if (layout.rcode === Rcode.NOERROR || layout.rcode === Rcode.NXDOMAIN) return { kind: 'spoof', reason: 'no question' };
    return { kind: 'match', layout };
  }
  if (layout.qdcount !== 1 || !questionMatches(layout, expected)) return { kind: 'spoof', reason: 'question' };
  return { kind: 'match', layout };
}

function questionMatches(layout: MessageLayout, expected: ExpectedReply): boolean {
  const q = layout.question;
  return q !== undefined && q.key === expected.qnameKey && q.qtype === expected.qtype && q.qclass === expected.qclass;
}

function errorCode(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'EUNKNOWN';
}

interface Settler {
  settle(outcome: AttemptOutcome): void;
  readonly settled: boolean;
}

/** Settles with a message that passes the reply check; ignores (reports) one that does not. */
function settleWithReply(st: Settler, msg: Buffer, expected: ExpectedReply, onSpoof: (reason: string) => void): void {
  const check = checkReply(msg, expected);
  if (check.kind === 'spoof') onSpoof(check.reason);
  else if (check.kind === 'unparsable') st.settle({ kind: 'unparsable', reason: check.reason });
  else st.settle({ kind: 'reply', bytes: msg, layout: check.layout });
}

function attemptOf(upstream: Upstream, transport: Transport, done: Promise<AttemptOutcome>, settler: () => Settler | undefined): Attempt {
  return {
    upstream,
    transport,
    done,
    cancel() {
      settler()?.settle({ kind: 'cancelled' });
    },
  };
}

function createSettler(resolve: (o: AttemptOutcome) => void, release: () => void): Settler {
  let settled = false;
  return {
    settle(outcome) {
      if (settled) return;
      settled = true;
      release();
      resolve(outcome);
    },
    get settled() {
      return settled;
    },
  };
}

/**
 * Sends the query from a fresh, connected UDP socket (a new random source port per attempt;
 * connecting makes the kernel report ICMP port-unreachable as ECONNREFUSED at once).
 */
export function startUdpAttempt(
  upstream: Upstream,
  query: Uint8Array,
  expected: ExpectedReply,
  onSpoof: (reason: string) => void,
): Attempt {
  let settler: Settler | undefined;
  const done = new Promise<AttemptOutcome>((resolve) => {
    const s: UdpSocket = createSocket({ type: upstream.family === 6 ? 'udp6' : 'udp4' });
    const st = createSettler(resolve, () => {
      try {
        s.close();
      } catch {
        // already closed
      }
    });
    settler = st;
    s.on('error', (err) => st.settle({ kind: 'error', code: errorCode(err), err }));
    s.on('message', (msg, rinfo) => {
      if (st.settled) return;
      if (rinfo.port !== upstream.port || rinfo.address !== upstream.host) {
        onSpoof('source');
        return;
      }
      settleWithReply(st, msg, expected, onSpoof);
    });
    try {
      s.connect(upstream.port, upstream.host, () => {
        if (st.settled) return;
        s.send(query, (err) => {
          if (err) st.settle({ kind: 'error', code: errorCode(err), err });
        });
      });
    } catch (err) {
      st.settle({ kind: 'error', code: errorCode(err), err });
    }
  });
  return attemptOf(upstream, 'udp', done, () => settler);
}

/** Sends the query over a new TCP connection (RFC 1035 §4.2.2 length prefix) and reads one reply. */
export function startTcpAttempt(
  upstream: Upstream,
  query: Uint8Array,
  expected: ExpectedReply,
  onSpoof: (reason: string) => void,
): Attempt {
  let settler: Settler | undefined;
  const done = new Promise<AttemptOutcome>((resolve) => {
    let socket: TcpSocket | undefined;
    const st = createSettler(resolve, () => socket?.destroy());
    settler = st;
    const prefix = Buffer.alloc(2);
    prefix.writeUInt16BE(query.length, 0);
    let pending: Buffer = Buffer.alloc(0);
    try {
      socket = connect({ host: upstream.host, port: upstream.port, noDelay: true });
    } catch (err) {
      st.settle({ kind: 'error', code: errorCode(err), err });
      return;
    }
    const s = socket;
    s.on('connect', () => {
      s.write(Buffer.concat([prefix, query]));
    });
    s.on('data', (chunk: Buffer) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      while (!st.settled && pending.length >= 2) {
        const len = pending.readUInt16BE(0);
        if (pending.length < 2 + len) break;
        const msg = pending.subarray(2, 2 + len);
        pending = pending.subarray(2 + len);
        // A copy: the reply outlives the connection's receive buffer.
        settleWithReply(st, Buffer.from(msg), expected, onSpoof);
      }
    });
    s.on('error', (err) => st.settle({ kind: 'error', code: errorCode(err), err }));
    s.on('close', () => {
      st.settle({ kind: 'error', code: 'ECONNRESET', err: new Error('upstream closed the connection before replying') });
    });
  });
  return attemptOf(upstream, 'tcp', done, () => settler);
}
