// Signals during start-up, on the real process. Start-up is held at a known point without any hook in
// the server: a file it must read is a named pipe (FIFO), and its read waits until the test writes.
// SIGTERM while the config is read, or while the state source reads its CA file (listeners already
// bound), is handled (not Node's default kill): logged, everything closed, exit 0, ports released; a
// SIGHUP in that time is applied once started. (Node's process.exit waits for a file read in
// progress, so the test ends the read after the server has stopped.)
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { constants, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { canBindTcp, canBindUdp, freeUdpAndTcpPort } from '../../helpers/ports.js';
import { MAIN_SCRIPT, REPO_ROOT, httpGet, spawnServer, type SpawnedServer } from '../../helpers/spawn-server.js';

const PEM = readFileSync(join(REPO_ROOT, 'fixtures', 'config', 'ca.pem'), 'utf8');

function makeFifo(t: { after: (fn: () => unknown) => void }, name: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'mesos-dns-fifo-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, name);
  execFileSync('mkfifo', [path]);
  return path;
}

/**
 * Waits (bounded) for the server to open the FIFO for reading, then gives it `text` and EOF; with
 * no text, only EOF (a server that is exiting may be gone before a write would land).
 */
async function feedFifo(path: string, text: string | undefined, timeoutMs = 10_000): Promise<void> {
  const opening = open(path, 'w');
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  const first = await Promise.race([opening, timedOut]);
  clearTimeout(timer);
  if (first === 'timeout') {
    // Release our pending open (it waits for a reader) before failing.
    const reader = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
    await (await opening).close();
    await reader.close();
    assert.fail(`the server did not open ${path} within ${timeoutMs} ms`);
  }
  if (text !== undefined) await first.writeFile(text);
  await first.close();
}

async function waitForHttp(port: number, timeoutMs = 10_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await httpGet(port, '/health').then(
      (r) => r.status,
      () => 0,
    );
    if (status !== 0) return status;
    if (Date.now() > deadline) assert.fail(`nothing answered HTTP on ${port} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A server whose state source reads its CA bundle from a FIFO: start-up waits in that read. */
async function serverWithCaFifo(t: { after: (fn: () => unknown) => void }): Promise<{ server: SpawnedServer; ca: string; dnsPort: number; httpPort: number }> {
  const ca = makeFifo(t, 'ca.pem');
  const dnsPort = await freeUdpAndTcpPort();
  const httpPort = await freeUdpAndTcpPort();
  // The master is unreachable: start-up never waits for a state anyway.
  const server = await spawnServer({
    config: { StateFile: '', Masters: ['127.0.0.1:1'], CACertFile: ca, Port: dnsPort, HttpPort: httpPort, TTL: 60 },
    waitFor: 'none',
  });
  t.after(() => server.kill());
  // The first read is the config check; the second, the state source's, waits for us.
  await feedFifo(ca, PEM);
  assert.equal(await waitForHttp(httpPort), 503, 'listening, no table yet');
  return { server, ca, dnsPort, httpPort };
}

test('SIGTERM while the config file is still being read: exit 0, not killed by the signal', async (t) => {
  const config = makeFifo(t, 'config.json');
  const server = await spawnServer({
    waitFor: 'none',
    command: () => ({ file: process.execPath, args: [MAIN_SCRIPT, `-config=${config}`] }),
  });
  t.after(() => server.kill());
  // Opening the write end returns once the server has opened the file: it is now in the config read.
  const writer = await open(config, 'w');
  server.signal('SIGTERM');
  await server.waitForLog((l) => l.msg === 'stopped');
  // End the read the exit waits for.
  await writer.close();
  const status = await server.waitForExit(10_000);
  assert.deepEqual(status, { code: 0, signal: null }, server.stderr());
  const line = server.lines.find((l) => l.msg === 'shutting down');
  assert.equal(line?.['signal'], 'SIGTERM');
  assert.equal(line?.['during'], 'start-up');
});

test('SIGTERM after the listeners are bound but before start-up ends: exit 0, ports released', async (t) => {
  const { server, ca, dnsPort, httpPort } = await serverWithCaFifo(t);
  assert.equal(await canBindUdp(dnsPort), false, 'the DNS port is bound');
  server.signal('SIGTERM');
  await server.waitForLog((l) => l.msg === 'stopped');
  // End the read the exit waits for.
  await feedFifo(ca, undefined);
  const status = await server.waitForExit(10_000);
  assert.deepEqual(status, { code: 0, signal: null }, server.stderr());
  assert.ok(!server.lines.some((l) => l.msg === 'mesos-dns started'), 'start-up had not finished');
  assert.equal(server.lines.find((l) => l.msg === 'shutting down')?.['during'], 'start-up');
  assert.ok(server.lines.some((l) => l.msg === 'stopped'));
  assert.equal(await canBindUdp(dnsPort), true, 'DNS UDP port released');
  assert.equal(await canBindTcp(dnsPort), true, 'DNS TCP port released');
  assert.equal(await canBindTcp(httpPort), true, 'HTTP port released');
});

test('SIGHUP before start-up ends: logged as deferred, applied once started', async (t) => {
  const { server, ca, httpPort } = await serverWithCaFifo(t);
  server.writeConfig({ StateFile: '', Masters: ['127.0.0.1:1'], CACertFile: ca, Port: server.dnsPort, HttpPort: httpPort, TTL: 7 });
  server.signal('SIGHUP');
  await server.waitForLog((l) => l.msg === 'SIGHUP during start-up: the config is read again once started');
  // Let start-up finish (the state source's read), then the re-read config's check reads it again.
  await feedFifo(ca, PEM);
  await server.waitForLog((l) => l.msg === 'mesos-dns started');
  await feedFifo(ca, PEM);
  await server.waitForLog((l) => l.msg === 'config reloaded');
  const config = JSON.parse((await httpGet(httpPort, '/v1/config')).body) as Record<string, unknown>;
  assert.equal(config['TTL'], 7);
  assert.equal(server.child.exitCode, null, 'still running');
});
