// One subscription to a master's operator API event stream (docs/streaming.md): POST /api/v1
// SUBSCRIBE with the master client's TLS and credentials, redirects followed to the leader, the
// RecordIO body decoded record by record. It ends (always by rejecting with a StreamEnd) when the
// connection ends or breaks, a heartbeat is missed, the framing breaks, or the caller aborts.
import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import type { MasterClientSettings } from './client-settings.js';
import { mayCarryCredentials } from './credential-scope.js';
import { StateFetchError } from './fetch-errors.js';
import { addressOf, classify, masterAuthorization, MAX_REDIRECTS } from './master-client.js';
import { isPieced, RecordIoDecoder, RecordIoError, type DecodedRecord, type RecordPieces } from './recordio.js';

export const StreamEndReason = {
  /** The master has no operator API (HTTP 404: Mesos before 1.1): poll instead. */
  UNSUPPORTED: 'unsupported',
  HTTP_STATUS: 'http_status',
  REDIRECT: 'redirect',
  CONNECT: 'connect',
  /** Nothing arrived for two heartbeat intervals (or no SUBSCRIBED within StateTimeoutSeconds). */
  HEARTBEAT: 'heartbeat',
  FRAMING: 'framing',
  /** The master closed the response. */
  ENDED: 'ended',
  ABORTED: 'aborted',
} as const;
export type StreamEndReason = (typeof StreamEndReason)[keyof typeof StreamEndReason];

export class StreamEnd extends Error {
  override readonly name = 'StreamEnd';
  constructor(
    readonly reason: StreamEndReason,
    /** "host:port" of the master the stream was with (after redirects). */
    readonly master: string,
    message: string,
    options: { cause?: unknown } = {},
  ) {
    super(message, options);
  }
}

/**
 * Slack added to two heartbeat intervals before a silent stream counts as dead: a master under load
 * and a busy event loop here delay heartbeats a little without the stream being gone.
 */
export const HEARTBEAT_SLACK_MS = 1000;

/** How long a stream may stay silent after its SUBSCRIBED before it is judged dead. */
export function heartbeatTimeoutMs(intervalSeconds: number): number {
  return Math.round(2 * intervalSeconds * 1000) + HEARTBEAT_SLACK_MS;
}

/** The heartbeat interval assumed when SUBSCRIBED does not give one (Mesos's default). */
export const DEFAULT_HEARTBEAT_INTERVAL_SECONDS = 15;

/**
 * Records arrive as the master wrote them (JSON text): only their type is read here, from the start
 * of the record, so the serving thread never decodes a snapshot; the reload worker does.
 */
export interface SubscribeHandlers {
  /** The master answered the subscription (200): its SUBSCRIBED is on the way. */
  onAnswered?(master: string): void;
  /** The SUBSCRIBED record: a full snapshot; everything before it is void. */
  onSubscribed(record: DecodedRecord, master: string): void;
  /** Any later record, with its type. */
  onEvent(record: DecodedRecord, type: string): void;
}

/** How much of a record's start may hold its `"type"` (the first field, as Mesos and protobuf write it). */
const TYPE_WINDOW = 256;
const TYPE_AT_START = /^\s*\{\s*"type"\s*:\s*"([A-Z0-9_]{1,64})"/;
/** SUBSCRIBED's heartbeat interval comes before or after its snapshot (field order varies): read from both ends. */
const HEARTBEAT_WINDOW = 256;
const HEARTBEAT_FIELD = /"heartbeat_interval_seconds"\s*:\s*([0-9]+(?:\.[0-9]+)?)/;

/** A record's first and last bytes (a pieced record keeps only these). */
function edges(record: DecodedRecord): { head: Buffer; tail: Buffer } {
  return isPieced(record) ? record : { head: record, tail: record };
}

/** The record's type, read from its first field; undefined when it does not begin like an event. */
export function recordType(record: DecodedRecord): string | undefined {
  const { head } = edges(record);
  return TYPE_AT_START.exec(head.toString('latin1', 0, Math.min(head.length, TYPE_WINDOW)))?.[1];
}

/** SUBSCRIBED's heartbeat interval in seconds, read from either end of the record; undefined when absent. */
export function subscribedHeartbeatSeconds(record: DecodedRecord): number | undefined {
  const { head, tail } = edges(record);
  const match = HEARTBEAT_FIELD.exec(head.toString('latin1', 0, Math.min(head.length, HEARTBEAT_WINDOW))) ?? HEARTBEAT_FIELD.exec(tail.toString('latin1', Math.max(0, tail.length - HEARTBEAT_WINDOW)));
  const seconds = match ? Number(match[1]) : NaN;
  return seconds > 0 ? seconds : undefined;
}

export interface SubscribeOptions {
  readonly settings: MasterClientSettings;
  readonly dispatcher: Dispatcher;
  readonly handlers: SubscribeHandlers;
  readonly signal: AbortSignal;
  readonly now?: () => number;
  /** Long records (a snapshot) go out in pieces as they arrive instead of being held whole. */
  readonly pieces?: RecordPieces;
}

/** Subscribes to `address` ("host:port") and feeds the handlers until the stream ends; never resolves. */
export async function subscribe(address: string, options: SubscribeOptions): Promise<never> {
  const { settings, dispatcher, handlers } = options;
  const controller = new AbortController();
  const onAbort = (): void => controller.abort(options.signal.reason);
  if (options.signal.aborted) onAbort();
  else options.signal.addEventListener('abort', onAbort, { once: true });
  let current = address;
  let watchdog: NodeJS.Timeout | undefined;
  let stalled = false;
  /** Set once SUBSCRIBED is in: from then on the watchdog is the heartbeat's. */
  let subscribedAt = false;
  const arm = (ms: number): void => {
    clearTimeout(watchdog);
    watchdog = setTimeout(() => {
      stalled = true;
      controller.abort(new Error('stream stalled'));
    }, ms);
  };
  try {
    const asked = new URL(`${settings.https ? 'https' : 'http'}://${address}/api/v1`);
    let url = asked;
    // Until SUBSCRIBED arrives the exchange is bounded like a state fetch (the snapshot is as large).
    arm(settings.timeoutMs);
    const authorization = await masterAuthorization(settings, dispatcher, controller.signal, options.now ?? Date.now, address);
    for (let redirects = 0; ; redirects++) {
      current = addressOf(url);
      const headers: Record<string, string> = {
        'user-agent': 'Mesos-DNS',
        'content-type': 'application/json',
        accept: 'application/recordio',
        'message-accept': 'application/json',
      };
      if (authorization !== undefined && mayCarryCredentials(asked, url, settings.trustedMasters)) headers['authorization'] = authorization;
      const res = await dispatcher.request({
        origin: url.origin,
        path: url.pathname,
        method: 'POST',
        headers,
        body: '{"type":"SUBSCRIBE"}',
        signal: controller.signal,
      });
      if (res.statusCode >= 300 && res.statusCode < 400) {
        res.body.resume();
        url = redirectTarget(res.statusCode, res.headers['location'], url, current, redirects);
        continue;
      }
      if (res.statusCode !== 200) {
        res.body.resume();
        const reason = res.statusCode === 404 ? StreamEndReason.UNSUPPORTED : StreamEndReason.HTTP_STATUS;
        throw new StreamEnd(reason, current, `SUBSCRIBE answered HTTP ${res.statusCode}`);
      }
      handlers.onAnswered?.(current);
      const onSubscribed = handlers.onSubscribed;
      const marked: SubscribeHandlers = {
        onSubscribed(record, master) {
          subscribedAt = true;
          onSubscribed(record, master);
        },
        onEvent: handlers.onEvent,
      };
      const reading: StreamReading = {
        decoder: new RecordIoDecoder(settings.maxBodyBytes, options.pieces),
        room: options.pieces?.room,
        arm,
        disarm: () => clearTimeout(watchdog),
        subscribeTimeoutMs: settings.timeoutMs,
      };
      return await readStream(res.body, current, reading, marked);
    }
  } catch (err) {
    // The watchdog's and the caller's aborts surface as body or request errors: name them for what they are.
    if (stalled) {
      const message = subscribedAt ? 'nothing for two heartbeat intervals: stream judged dead' : `no SUBSCRIBED within ${settings.timeoutMs} ms`;
      throw new StreamEnd(StreamEndReason.HEARTBEAT, current, message, { cause: err });
    }
    if (options.signal.aborted) throw new StreamEnd(StreamEndReason.ABORTED, current, 'stream closed', { cause: err });
    if (err instanceof StreamEnd) throw err;
    const failure: StateFetchError = classify(err, current, false, false);
    throw new StreamEnd(StreamEndReason.CONNECT, current, failure.message, { cause: err });
  } finally {
    clearTimeout(watchdog);
    options.signal.removeEventListener('abort', onAbort);
  }
}

/** Where a 3xx answer to SUBSCRIBE sends it (`/api/v1` there); throws StreamEnd when it cannot be followed. */
function redirectTarget(status: number, location: unknown, url: URL, current: string, redirects: number): URL {
  if (typeof location !== 'string' || location === '' || redirects + 1 >= MAX_REDIRECTS) {
    throw new StreamEnd(StreamEndReason.REDIRECT, current, `redirect ${status} ${location ? `after ${MAX_REDIRECTS} hops` : 'without Location'}`);
  }
  const next = new URL(location, url);
  if (next.protocol !== 'http:' && next.protocol !== 'https:') {
    throw new StreamEnd(StreamEndReason.REDIRECT, current, `redirect to unsupported scheme ${next.protocol}`);
  }
  return new URL('/api/v1', next);
}

/** What reading a stream needs besides its body: its framing, flow control and watchdog. */
interface StreamReading {
  readonly decoder: RecordIoDecoder;
  readonly room: RecordPieces['room'];
  /** The watchdog: a stream silent for `ms` is dead. */
  readonly arm: (ms: number) => void;
  readonly disarm: () => void;
  /** The watchdog's time until SUBSCRIBED is in. */
  readonly subscribeTimeoutMs: number;
}

/** Reads in flowing mode (see readLimited in master-client.ts for why) until the body ends or breaks. */
function readStream(body: Readable, master: string, reading: StreamReading, handlers: SubscribeHandlers): Promise<never> {
  const { decoder, room, arm } = reading;
  return new Promise<never>((_resolve, reject) => {
    let subscribed = false;
    let timeoutMs = 0;
    const fail = (end: StreamEnd): void => {
      body.removeAllListeners('data');
      body.destroy();
      reject(end);
    };
    body.on('data', (chunk: Buffer) => {
      let records: DecodedRecord[];
      try {
        records = decoder.push(chunk);
      } catch (err) {
        fail(new StreamEnd(StreamEndReason.FRAMING, master, err instanceof RecordIoError ? err.message : String(err), { cause: err }));
        return;
      }
      for (const record of records) {
        const type = recordType(record);
        if (type === undefined) {
          fail(new StreamEnd(StreamEndReason.FRAMING, master, 'a record does not begin with its "type"'));
          return;
        }
        if (!subscribed) {
          if (type !== 'SUBSCRIBED') {
            fail(new StreamEnd(StreamEndReason.FRAMING, master, `the stream began with ${type}, not SUBSCRIBED`));
            return;
          }
          subscribed = true;
          timeoutMs = heartbeatTimeoutMs(subscribedHeartbeatSeconds(record) ?? DEFAULT_HEARTBEAT_INTERVAL_SECONDS);
          handlers.onSubscribed(record, master);
        } else {
          handlers.onEvent(record, type);
        }
      }
      // Any bytes, not only a HEARTBEAT, show the stream is alive (a long snapshot arrives in many chunks).
      if (subscribed) arm(timeoutMs);
      const caughtUp = room?.();
      if (caughtUp) {
        // The worker is behind, not the master: the stream waits, and so does the watchdog.
        body.pause();
        reading.disarm();
        void caughtUp.then(() => {
          if (body.destroyed) return;
          arm(subscribed ? timeoutMs : reading.subscribeTimeoutMs);
          body.resume();
        });
      }
    });
    body.once('end', () => fail(new StreamEnd(StreamEndReason.ENDED, master, 'the master ended the stream')));
    body.once('error', (err) => fail(new StreamEnd(StreamEndReason.CONNECT, master, `stream broke: ${err.message}`, { cause: err })));
  });
}
