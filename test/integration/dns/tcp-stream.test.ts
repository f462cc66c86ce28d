// A reply of many messages (a zone transfer) on the DNS/TCP listener: it is made one message at a time
// as the client reads, so a client that does not read holds the listener to one message, not the zone;
// queries pipelined behind it are answered after it; a client that stops reading for the idle timeout
// is closed as a slow reader; a stream that fails closes its connection. The listener runs on the
// loopback with a handler that streams 60 KiB messages for a query whose first octet is 1.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createSilentLogger } from '../../../src/log.js';
import { type ReplyStream, type TcpCloseReason, type TcpQueryHandler, createTcpListener } from '../../../src/dns/tcp-server.js';
import { HalfOpenClient, sleep } from '../../helpers/half-open-client.js';
import { waitUntil } from '../../helpers/wait-for.js';

const KiB = 1024;
const MESSAGE = 60 * KiB;
const STREAM_MESSAGES = 300;

interface Streams {
  made: number;
  readonly ends: { complete: boolean; error: unknown }[];
}

/** Query octet 0: 1 streams STREAM_MESSAGES messages, 2 streams one message and then throws, else a 12-octet reply. */
function handler(streams: Streams): TcpQueryHandler {
  return (message) => {
    if (message[0] !== 1 && message[0] !== 2) return Buffer.from(message.subarray(0, 12));
    const failing = message[0] === 2;
    let given = 0;
    const stream: ReplyStream = {
      next() {
        if (failing && given === 1) throw new Error('the zone cannot be read');
        if (given === STREAM_MESSAGES) return undefined;
        given++;
        streams.made++;
        const out = Buffer.alloc(MESSAGE, 0x58);
        out.writeUInt16BE(given, 0);
        return out;
      },
      done(complete, error) {
        streams.ends.push({ complete, error });
      },
    };
    return stream;
  };
}

async function startListener(t: { after: (fn: () => unknown) => void }, idleTimeoutMs: number) {
  const streams: Streams = { made: 0, ends: [] };
  const closes = new Map<TcpCloseReason, number>();
  const listener = createTcpListener({
    logger: createSilentLogger(),
    address: '127.0.0.1',
    port: 0,
    dualStack: false,
    onQuery: handler(streams),
    limits: () => ({ maxConnections: 64, maxConnectionsPerClient: 64, idleTimeoutMs }),
    onClose: (reason) => closes.set(reason, (closes.get(reason) ?? 0) + 1),
  });
  const { port } = await listener.listen();
  t.after(() => listener.close(0));
  return { listener, port, streams, closes };
}

/** Waits (bounded) until the listener closed a connection for `reason`. */
async function closedFor(closes: Map<TcpCloseReason, number>, reason: TcpCloseReason, ms: number): Promise<boolean> {
  return waitUntil(() => closes.has(reason), ms);
}

function query(kind: number, marker: number): Buffer {
  const message = Buffer.alloc(12);
  message[0] = kind;
  message[1] = marker;
  return message;
}

describe('multi-message replies on DNS/TCP', () => {
  test('a client that does not read holds the listener to about one message; what it pipelined comes after the stream', async (t) => {
    const { listener, port, streams, closes } = await startListener(t, 30_000);
    const client = await HalfOpenClient.open({ port, read: false });
    t.after(() => client.socket.destroy());
    await client.sendFrame(query(1, 0));
    await client.sendFrame(query(0, 7));
    // Let the kernel's buffers fill: after that, nothing more may be made.
    let made = -1;
    for (let i = 0; i < 40 && made !== streams.made; i++) {
      made = streams.made;
      await sleep(100);
    }
    const queued = listener.bufferedBytes().write;
    t.diagnostic(`client not reading: ${streams.made} of ${STREAM_MESSAGES} messages made (${((streams.made * MESSAGE) / KiB / KiB).toFixed(1)} MiB, the kernel's buffers), ${queued} octets queued in the listener`);
    assert.ok(streams.made < STREAM_MESSAGES / 2, `${streams.made} messages made for a client that reads nothing`);
    assert.ok(queued <= 2 * MESSAGE + 4, `${queued} octets queued in the listener`);
    assert.equal(streams.ends.length, 0);
    assert.equal(closes.size, 0, 'not closed as a slow reader while within the idle timeout');

    client.socket.resume();
    const frames: Buffer[] = [];
    for (let i = 0; i <= STREAM_MESSAGES; i++) {
      const frame = await client.nextReply(10_000);
      assert.ok(frame, `frame ${i} arrived`);
      frames.push(frame);
    }
    assert.deepEqual(
      frames.slice(0, STREAM_MESSAGES).map((f) => f.readUInt16BE(0)),
      Array.from({ length: STREAM_MESSAGES }, (_, i) => i + 1),
    );
    assert.equal(frames[STREAM_MESSAGES]?.length, 12, 'the pipelined query is answered after the stream');
    assert.equal(frames[STREAM_MESSAGES]?.[1], 7);
    assert.deepEqual(streams.ends, [{ complete: true, error: undefined }]);
  });

  test('a client that stops reading is closed as a slow reader after the idle timeout, and the stream is told', async (t) => {
    const { streams, closes, port } = await startListener(t, 400);
    const client = await HalfOpenClient.open({ port, read: false });
    t.after(() => client.socket.destroy());
    await client.sendFrame(query(1, 0));
    const startedAt = Date.now();
    assert.ok(await closedFor(closes, 'slow_reader', 5000), 'closed as a slow reader');
    t.diagnostic(`closed ${Date.now() - startedAt} ms after the transfer query (idle timeout 400 ms)`);
    assert.equal(closes.get('slow_reader'), 1);
    assert.equal(streams.ends.length, 1);
    assert.equal(streams.ends[0]?.complete, false);
  });

  test('a stream that throws closes its connection; the stream is told with the error', async (t) => {
    const { streams, closes, port } = await startListener(t, 30_000);
    const client = await HalfOpenClient.open({ port });
    t.after(() => client.socket.destroy());
    await client.sendFrame(query(2, 0));
    assert.ok(await closedFor(closes, 'error', 5000), 'closed for the error');
    assert.equal(closes.get('error'), 1);
    assert.equal(streams.ends.length, 1);
    assert.equal(streams.ends[0]?.complete, false);
    assert.match(String(streams.ends[0]?.error), /cannot be read/);
  });
});
