// Seeded plans of hostile DNS/TCP sessions for test/fuzz/tcp-fuzz.test.ts: random sequences of frames
// (valid and fuzzed queries, pipelined bursts, zero-length frames, oversized length prefixes, truncated
// frames, frames split across writes), half-closes from the client, writing on after the server's FIN,
// clients that stop reading or never read, and endings that close, reset or abandon the connection.
// A plan is drawn up front from its seed, so a session replays (its timing on the sockets does not).
import { buildQuery } from '../helpers/dns-codec.js';
import { Fuzz, QTYPE, fuzzPacket } from './packets.js';
import { tcpFrame } from '../helpers/dns-client.js';

export const StepKind = {
  QUERY: 'query',
  FUZZED: 'fuzzed frame',
  BURST: 'pipelined burst',
  SPLIT: 'split frame',
  ZERO_LENGTH: 'zero-length frame',
  OVERSIZED: 'oversized length prefix',
  TRUNCATED: 'truncated frame',
  PAUSE: 'pause',
  STOP_READING: 'stop reading',
  HALF_CLOSE: 'half-close',
  STREAM: 'stream junk',
} as const;
export type StepKind = (typeof StepKind)[keyof typeof StepKind];
export const STEP_KINDS = Object.values(StepKind);

export type Step =
  /** Octets to write at once (one or more frames, or a piece of one). */
  | { readonly kind: 'query' | 'fuzzed frame' | 'pipelined burst' | 'zero-length frame' | 'oversized length prefix' | 'truncated frame'; readonly bytes: Buffer }
  /** One frame written in pieces, yielding to the event loop between them. */
  | { readonly kind: 'split frame'; readonly pieces: readonly Buffer[] }
  | { readonly kind: 'pause'; readonly ms: number }
  | { readonly kind: 'stop reading' }
  /** The client's FIN: nothing is written after it. */
  | { readonly kind: 'half-close' }
  /** Junk written as fast as the kernel takes it (after the server's FIN, too), bounded in octets and time. */
  | { readonly kind: 'stream junk'; readonly octets: number };

export const Ending = {
  CLOSE: 'close',
  RESET: 'reset',
  ABANDON: 'abandon',
} as const;
export type Ending = (typeof Ending)[keyof typeof Ending];

export interface SessionPlan {
  /** The client's source address (the server limits each one's share). */
  readonly source: string;
  /** False: the client never reads a reply. */
  readonly reads: boolean;
  readonly steps: readonly Step[];
  /** Close normally (FIN, then wait for the server's), reset, or walk away and leave it to the server. */
  readonly ending: Ending;
}

/** In-domain names of the DNS fixture (test/cases/dns-fixture.ts) and one the fake forwarder answers. */
const NAMES = ['nginx.marathon.mesos.', 'many.marathon.mesos.', '_mid._tcp.marathon.mesos.', 'nope.mesos.', 'mesos.', 'www.example.com.'];
const TYPES = [QTYPE.A, QTYPE.AAAA, QTYPE.SRV, QTYPE.SOA, QTYPE.ANY, QTYPE.TXT];

function validFrame(f: Fuzz): Buffer {
  return tcpFrame(buildQuery({ id: f.int(65536), qname: f.pick(NAMES), qtype: f.pick(TYPES) }));
}

function step(f: Fuzz, kind: StepKind): Step {
  switch (kind) {
    case StepKind.QUERY:
      return { kind, bytes: validFrame(f) };
    case StepKind.FUZZED: {
      const packet = fuzzPacket(f).bytes;
      // An empty message would be a zero-length frame, which has a step of its own.
      return { kind, bytes: tcpFrame(packet.length > 0 ? packet : Buffer.from([0])) };
    }
    case StepKind.BURST: {
      // Up to 8,000 asks for the fixture's largest answer (40 addresses, about 700 octets): several MiB
      // of replies, more than the kernel holds for a client that does not read.
      const one = tcpFrame(buildQuery({ id: f.int(65536), qname: 'many.marathon.mesos.', qtype: QTYPE.A }));
      return { kind, bytes: Buffer.concat(Array.from({ length: 50 + f.int(8000) }, () => one)) };
    }
    case StepKind.SPLIT: {
      const whole = f.chance(0.5) ? validFrame(f) : tcpFrame(fuzzPacket(f).bytes);
      const pieces: Buffer[] = [];
      for (let at = 0; at < whole.length; ) {
        const size = 1 + f.int(Math.min(64, whole.length - at));
        pieces.push(whole.subarray(at, at + size));
        at += size;
      }
      return { kind, pieces };
    }
    case StepKind.ZERO_LENGTH:
      return { kind, bytes: Buffer.from([0, 0]) };
    case StepKind.OVERSIZED: {
      const length = 16 * 1024 + 1 + f.int(65535 - 16 * 1024);
      const prefix = Buffer.from([length >> 8, length & 0xff]);
      return { kind, bytes: Buffer.concat([prefix, f.bytes(f.int(4096))]) };
    }
    case StepKind.TRUNCATED: {
      const whole = validFrame(f);
      return { kind, bytes: whole.subarray(0, 1 + f.int(whole.length - 1)) };
    }
    case StepKind.PAUSE:
      return { kind, ms: f.int(120) };
    case StepKind.STOP_READING:
      return { kind };
    case StepKind.HALF_CLOSE:
      return { kind };
    case StepKind.STREAM:
      return { kind, octets: 64 * 1024 * (1 + f.int(256)) };
  }
}

/**
 * One session: 1–24 random steps, one of them `mustHave` (the caller rotates it) so that every kind shows
 * up in every run however few rounds it has.
 */
export function planSession(f: Fuzz, sources: readonly string[], mustHave: StepKind): SessionPlan {
  const count = 1 + f.int(24);
  const at = f.int(count);
  const steps: Step[] = [];
  for (let i = 0; i < count; i++) steps.push(step(f, i === at ? mustHave : f.pick(STEP_KINDS)));
  const roll = f.random();
  return {
    source: f.pick(sources),
    reads: f.chance(0.75),
    steps,
    ending: roll < 0.4 ? Ending.CLOSE : roll < 0.7 ? Ending.RESET : Ending.ABANDON,
  };
}

