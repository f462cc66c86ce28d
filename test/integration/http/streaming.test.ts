// /v1/enumerate and /v1/axfr of a large table (20,000 tasks, ~130,000 names, ~240,000 records) over real
// HTTP: streamed in chunks, other requests keep being answered meanwhile, a client that stops reading
// stops the producer (backpressure), and one that goes away ends it.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import type { Socket } from 'node:net';
import { before, describe, it } from 'node:test';
import { routeRequest } from '../../../src/http/routes.js';
import type { EnumeratedTask, RecordTable } from '../../../src/records/table.js';
import { embeddedConfig, generatedTable, snapshotOf } from '../../helpers/embedded-table.js';
import { elapsedMs, httpRequest, openSocket, startHttp } from './harness.js';
import { poll } from '../../helpers/wait-for.js';

const TASKS = 20_000;

/** A table that counts the tasks it hands out for /v1/enumerate, to see how far a stream has got. */
function counting(table: RecordTable): { table: RecordTable; progress: () => number; total: number } {
  let progress = 0;
  let total = 0;
  for (const framework of table.frameworks()) total += framework.taskCount;
  function* countTasks(tasks: Iterable<EnumeratedTask>): Generator<EnumeratedTask, void, undefined> {
    for (const task of tasks) {
      progress++;
      yield task;
    }
  }
  const wrapped: RecordTable = {
    domain: table.domain,
    counts: table.counts,
    frameworkCount: table.frameworkCount,
    data: table.data,
    answers: table.answers,
    hasDescendants: (name) => table.hasDescendants(name),
    lookup: (name) => table.lookup(name),
    entries: () => table.entries(),
    *frameworks() {
      for (const framework of table.frameworks()) {
        yield { name: framework.name, taskCount: framework.taskCount, tasks: { [Symbol.iterator]: () => countTasks(framework.tasks) } };
      }
    },
  };
  return { table: wrapped, progress: () => progress, total };
}

/** Fetches a path and only counts the body bytes (the test client shares the event loop). */
function fetchCounting(port: number, path: string): Promise<{ status: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let bytes = 0;
      res.on('data', (c: Buffer) => {
        bytes += c.length;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** Resolves once `read()` has not changed for `quietMs` (bounded by `limitMs`). */
async function settled(read: () => number, quietMs = 150, limitMs = 5_000): Promise<number> {
  let last = read();
  let stableSince = performance.now();
  const quiet = (): number | undefined => {
    const value = read();
    if (value !== last) {
      last = value;
      stableSince = performance.now();
      return undefined;
    }
    return performance.now() - stableSince >= quietMs ? value : undefined;
  };
  return (await poll(quiet, limitMs, 25)) ?? read();
}

function collect(socket: Socket): { bytes: () => number; text: () => string; closed: Promise<void> } {
  const chunks: Buffer[] = [];
  let bytes = 0;
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  socket.on('data', (c: Buffer) => {
    chunks.push(c);
    bytes += c.length;
  });
  socket.on('error', () => undefined);
  return { bytes: () => bytes, text: () => Buffer.concat(chunks).toString('utf8'), closed };
}

function dechunk(raw: string): string {
  const split = raw.indexOf('\r\n\r\n');
  let rest = raw.slice(split + 4);
  let out = '';
  for (;;) {
    const eol = rest.indexOf('\r\n');
    const size = Number.parseInt(rest.slice(0, eol), 16);
    if (size === 0) return out;
    out += rest.slice(eol + 2, eol + 2 + size);
    rest = rest.slice(eol + 2 + size + 2);
  }
}

describe('streaming a large table', () => {
  let big: RecordTable;
  before(() => {
    big = generatedTable(TASKS);
  });

  it('streams /v1/axfr and /v1/enumerate with the exact bytes of the pure routes, chunked', async (t) => {
    const medium = generatedTable(3_000);
    const { port } = await startHttp(t, { table: medium });
    const config = embeddedConfig();
    for (const path of ['/v1/axfr', '/v1/enumerate']) {
      const started = performance.now();
      const reply = await httpRequest(port, path);
      const took = elapsedMs(started);
      assert.equal(reply.status, 200);
      assert.equal(reply.headers['transfer-encoding'], 'chunked');
      const expected = routeRequest(
        { method: 'GET', path, headers: {} },
        { snapshot: snapshotOf(medium), config, version: 'x', now: 0, sourceStatus: undefined, renderMetrics: () => '' },
      ).body;
      assert.equal(typeof expected, 'object');
      assert.equal(reply.body, [...(expected as Iterable<string>)].join(''), path);
      t.diagnostic(`${path}: ${(Buffer.byteLength(reply.body) / 1e6).toFixed(1)} MB in ${took} ms (${medium.counts.names} names)`);
    }
  });

  it('keeps answering other requests while streaming (no long stall of the event loop)', async (t) => {
    const { port } = await startHttp(t, { table: big });
    let streaming = true;
    const started = performance.now();
    const streams = Promise.all([fetchCounting(port, '/v1/axfr'), fetchCounting(port, '/v1/enumerate')]).finally(() => {
      streaming = false;
    });
    const latencies: number[] = [];
    while (streaming) {
      const sent = performance.now();
      const reply = await httpRequest(port, '/v1/version');
      assert.equal(reply.status, 200);
      latencies.push(performance.now() - sent);
    }
    const [axfr, enumerate] = await streams;
    const total = performance.now() - started;
    assert.equal(axfr.status, 200);
    assert.equal(enumerate.status, 200);
    const max = Math.max(...latencies);
    t.diagnostic(
      `${((axfr.bytes + enumerate.bytes) / 1e6).toFixed(1)} MB streamed in ${total.toFixed(0)} ms; ` +
        `${latencies.length} /v1/version answers meanwhile, max latency ${max.toFixed(1)} ms`,
    );
    // Rendering both documents in one go would hold the loop for (nearly) the whole time: one or two
    // answers, one of them waiting about as long as the streams took. Relative bounds stay meaningful on
    // a loaded machine.
    assert.ok(latencies.length >= 10, `only ${latencies.length} requests got through during the streams`);
    assert.ok(max < total / 3, `a request waited ${max.toFixed(1)} ms of the ${total.toFixed(0)} ms the streams took`);
  });

  it('backpressure: a client that stops reading stops the producer; reading again finishes the body', async (t) => {
    const { table, progress, total } = counting(big);
    const { port } = await startHttp(t, { table });
    const socket = await openSocket(port);
    t.after(() => socket.destroy());
    const received = collect(socket);
    socket.pause();
    socket.write('GET /v1/enumerate HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');

    const stalled = await settled(progress);
    t.diagnostic(`paused client: producer stopped after ${stalled} of ${total} tasks`);
    assert.ok(stalled > 0 && stalled < total * 0.9, `the producer ran on to ${stalled} of ${total} steps`);

    socket.resume();
    await received.closed;
    assert.equal(progress(), total);
    const doc = JSON.parse(dechunk(received.text())) as { frameworks: { tasks: unknown[] }[] };
    assert.equal(
      doc.frameworks.reduce((n, f) => n + f.tasks.length, 0),
      total,
    );
  });

  it('a client that goes away mid-stream ends the producer', async (t) => {
    const { table, progress, total } = counting(big);
    const { port } = await startHttp(t, { table });
    const socket = await openSocket(port);
    const received = collect(socket);
    socket.write('GET /v1/enumerate HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    while (received.bytes() < 200_000) await new Promise((resolve) => setImmediate(resolve));
    socket.destroy();
    const stopped = await settled(progress);
    t.diagnostic(`client gone: producer stopped after ${stopped} of ${total} tasks`);
    assert.ok(stopped < total * 0.9);
    // The server is fine afterwards.
    assert.equal((await httpRequest(port, '/v1/version')).status, 200);
  });
});
