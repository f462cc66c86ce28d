// A fake Mesos master that streams: POST /api/v1 {"type":"SUBSCRIBE"} gets a held chunked response
// of RecordIO records (SUBSCRIBED with a snapshot, then scripted events and heartbeats), on
// 127.0.0.1 port 0. It can go silent, drop its subscribers, answer a status (404: no operator API)
// or a 307 to another master. GET /master/state serves the same cluster as a poll would see it.
// A new subscriber gets the snapshot followed by every event pushed since it was set, which leaves
// it in the same state as a master's fresh snapshot would.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { listenEphemeral } from './http-listen.js';
import { encodeRecord } from '../../src/mesos/recordio.js';
import { emptyModel } from '../../src/mesos/operator-state.js';
import { applyGetState, applyJson, masterStateDocument } from './operator-records.js';

export type StreamingMasterMode =
  | { readonly kind: 'ok' }
  | { readonly kind: 'status'; readonly status: number }
  | { readonly kind: 'redirect'; readonly location: string };

export interface StreamingMasterOptions {
  /** The `get_state` the SUBSCRIBED event carries; default an empty cluster. */
  readonly snapshot?: unknown;
  /** Sent in SUBSCRIBED and used for automatic heartbeats (default 0.2 s). */
  readonly heartbeatIntervalSeconds?: number;
}

export interface StreamingMaster {
  readonly host: string;
  readonly port: number;
  readonly address: string;
  /** SUBSCRIBE requests answered 200 so far. */
  subscriptions(): number;
  /** Every request to /api/v1, whatever the answer. */
  apiRequests(): number;
  stateRequests(): number;
  /** Subscribers currently held open. */
  subscribers(): number;
  /** Resolves when at least `count` subscriptions were answered (bounded by timeoutMs). */
  waitForSubscriptions(count: number, timeoutMs?: number): Promise<void>;
  /** Replaces the snapshot (and forgets pushed events) for the next subscribers. */
  setSnapshot(getState: unknown): void;
  /** Writes each new subscriber's SUBSCRIBED in 64 KiB chunks this many ms apart (a master slow to send it); 0: at once. */
  setSnapshotPace(msPerChunk: number): void;
  /** Sends an event to every subscriber and keeps it for later ones. */
  push(event: unknown): void;
  /** Raw bytes to every subscriber (a broken stream). */
  writeRaw(bytes: Uint8Array): void;
  /** Stops (true) or resumes (false) the automatic heartbeats; subscribers stay connected. */
  setSilent(silent: boolean): void;
  /** Destroys every subscriber's connection. */
  dropSubscribers(): void;
  setMode(mode: StreamingMasterMode): void;
  close(): Promise<void>;
}

const PACED_CHUNK_BYTES = 64 * 1024;

export async function startStreamingMaster(options: StreamingMasterOptions = {}): Promise<StreamingMaster> {
  const host = '127.0.0.1';
  const intervalSeconds = options.heartbeatIntervalSeconds ?? 0.2;
  let snapshot: unknown = options.snapshot ?? { get_frameworks: { frameworks: [] }, get_agents: { agents: [] }, get_tasks: { tasks: [] } };
  let history: unknown[] = [];
  let mode: StreamingMasterMode = { kind: 'ok' };
  let silent = false;
  let paceMs = 0;
  let subscribed = 0;
  let apiCount = 0;
  let stateCount = 0;
  const open = new Set<ServerResponse>();
  let address = '';

  function send(res: ServerResponse, bytes: Uint8Array): void {
    if (!res.writableEnded && !res.destroyed) res.write(bytes);
  }

  const heartbeat = setInterval(() => {
    if (silent) return;
    const record = encodeRecord('{"type":"HEARTBEAT"}');
    for (const res of open) send(res, record);
  }, intervalSeconds * 1000);
  heartbeat.unref();

  function readBody(req: IncomingMessage): Promise<string> {
    return new Promise((resolve, reject) => {
      let text = '';
      let size = 0;
      req.on('data', (d: Buffer) => {
        size += d.length;
        if (size > 64 * 1024) req.destroy(new Error('request body too large'));
        else text += d.toString('utf8');
      });
      req.on('end', () => resolve(text));
      req.on('error', reject);
    });
  }

  async function api(req: IncomingMessage, res: ServerResponse): Promise<void> {
    apiCount++;
    const body = await readBody(req);
    const m = mode;
    if (m.kind === 'status') {
      res.writeHead(m.status, { 'content-type': 'text/plain' }).end(`status ${m.status}`);
      return;
    }
    if (m.kind === 'redirect') {
      res.writeHead(307, { location: m.location }).end();
      return;
    }
    let call: { type?: unknown };
    try {
      call = JSON.parse(body) as { type?: unknown };
    } catch {
      res.writeHead(400).end('bad JSON');
      return;
    }
    if (call.type !== 'SUBSCRIBE') {
      res.writeHead(400).end('only SUBSCRIBE');
      return;
    }
    subscribed++;
    res.writeHead(200, { 'content-type': 'application/recordio', 'message-content-type': 'application/json' });
    res.flushHeaders();
    const subscribedRecord = encodeRecord(JSON.stringify({ type: 'SUBSCRIBED', subscribed: { get_state: snapshot, heartbeat_interval_seconds: intervalSeconds } }));
    // Heartbeats and events go to it only once its SUBSCRIBED is whole (events pushed meanwhile are in the history).
    for (let at = 0, pace = paceMs; at < subscribedRecord.length; at += PACED_CHUNK_BYTES) {
      send(res, pace > 0 ? subscribedRecord.subarray(at, at + PACED_CHUNK_BYTES) : subscribedRecord.subarray(at));
      if (pace === 0) break;
      await new Promise((resolve) => setTimeout(resolve, pace));
    }
    if (res.destroyed) return;
    open.add(res);
    res.on('close', () => open.delete(res));
    for (const event of history) send(res, encodeRecord(JSON.stringify(event)));
  }

  function state(res: ServerResponse): void {
    stateCount++;
    const model = emptyModel();
    applyGetState(model, snapshot);
    for (const event of history) applyJson(model, event);
    const body = JSON.stringify(masterStateDocument(model, `master@${address}`));
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) }).end(body);
  }

  const server: Server = createServer((req, res) => {
    const path = req.url ?? '/';
    if (path === '/api/v1' && req.method === 'POST') {
      api(req, res).catch(() => res.destroy());
    } else if (path === '/master/state' && req.method === 'GET') {
      state(res);
    } else {
      res.writeHead(404).end('not found');
    }
  });
  const listening = await listenEphemeral(server, host);
  const port = listening.port;
  address = listening.address;
  let closed = false;
  return {
    host,
    port,
    address,
    subscriptions: () => subscribed,
    apiRequests: () => apiCount,
    stateRequests: () => stateCount,
    subscribers: () => open.size,
    async waitForSubscriptions(count, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (subscribed < count) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${count} subscriptions (have ${subscribed})`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    setSnapshot(next) {
      snapshot = next;
      history = [];
    },
    setSnapshotPace(msPerChunk) {
      paceMs = msPerChunk;
    },
    push(event) {
      history.push(event);
      const record = encodeRecord(JSON.stringify(event));
      for (const res of open) send(res, record);
    },
    writeRaw(bytes) {
      for (const res of open) send(res, bytes);
    },
    setSilent(next) {
      silent = next;
    },
    dropSubscribers() {
      for (const res of open) res.socket?.destroy();
      open.clear();
    },
    setMode(next) {
      mode = next;
    },
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(heartbeat);
      await listening.close();
    },
  };
}
