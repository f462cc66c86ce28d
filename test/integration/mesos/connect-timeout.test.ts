// The connect timeout is not StateTimeoutSeconds: a master that accepts TCP but never completes the
// TLS handshake is given up on after the connect timeout (at most 10 s), not after the whole
// exchange's budget (300 s by default), so the next master is tried while the state is still fresh.
import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { test } from 'node:test';
import { MAX_CONNECT_TIMEOUT_MS, createMasterClient, masterConnectTimeoutMs } from '../../../src/mesos/master-client.js';
import type { MasterClientSettings } from '../../../src/mesos/client-settings.js';
import { FetchFailure, StateFetchError } from '../../../src/mesos/fetch-errors.js';
import { tlsFixture } from '../../helpers/test-master.js';

test('the connect timeout is min(StateTimeoutSeconds, 10 s)', () => {
  assert.equal(MAX_CONNECT_TIMEOUT_MS, 10_000);
  assert.equal(masterConnectTimeoutMs({ timeoutMs: 300_000 }), 10_000);
  assert.equal(masterConnectTimeoutMs({ timeoutMs: 2_000 }), 2_000);
  assert.equal(masterConnectTimeoutMs({ timeoutMs: 300_000, connectTimeoutMs: 500 }), 500);
});

test('a master that never finishes the TLS handshake fails on the connect timeout, not the exchange timeout', async (t) => {
  // Accepts connections and stays silent: the client's TLS handshake never completes.
  const sockets = new Set<Socket>();
  const silent = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    for (const s of sockets) s.destroy();
    return new Promise<void>((resolve) => silent.close(() => resolve()));
  });
  const port = (silent.address() as { port: number }).port;
  const settings: MasterClientSettings = {
    https: true,
    timeoutMs: 20_000,
    connectTimeoutMs: 300,
    maxBodyBytes: 1024 * 1024,
    tls: { rejectUnauthorized: true, ca: [tlsFixture('test-ca.pem')] },
    auth: { kind: 'none' },
  };
  const client = createMasterClient(settings);
  t.after(() => client.close());
  const t0 = performance.now();
  const err = await client.fetchState(`127.0.0.1:${port}`).then(
    () => assert.fail('expected a failure'),
    (e: unknown) => e,
  );
  const ms = performance.now() - t0;
  t.diagnostic(`silent TLS master given up after ${ms.toFixed(0)} ms (exchange budget ${settings.timeoutMs} ms)`);
  assert.ok(err instanceof StateFetchError, String(err));
  assert.equal(err.reason, FetchFailure.TIMEOUT);
  assert.match(err.message, /UND_ERR_CONNECT_TIMEOUT/, 'ended by the connect timeout');
  assert.ok(sockets.size >= 1, 'the TCP connection was accepted');
});
