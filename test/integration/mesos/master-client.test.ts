// The master client against real HTTP(S) test masters on 127.0.0.1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEFAULT_CONFIG } from '../../../src/config/types.js';
import { loadMasterClientSettings, type MasterClientSettings } from '../../../src/mesos/client-settings.js';
import { fetchAll } from '../../../src/mesos/fetch-all.js';
import { trustedOrigins } from '../../../src/mesos/credential-scope.js';
import { FetchFailure, StateFetchError } from '../../../src/mesos/fetch-errors.js';
import { createMasterClient } from '../../../src/mesos/master-client.js';
import { TLS_FIXTURES, startTestMaster, tlsFixture, withLeader } from '../../helpers/test-master.js';

const base: MasterClientSettings = {
  https: false,
  timeoutMs: 5000,
  maxBodyBytes: 1024 * 1024,
  tls: { rejectUnauthorized: true },
  auth: { kind: 'none' },
};

function failsWith(reason: string) {
  return (e: unknown) => {
    assert.ok(e instanceof StateFetchError, String(e));
    assert.equal(e.reason, reason, e.message);
    return true;
  };
}

test('GET /master/state with Mesos-DNS headers, gzip decoded transparently', async (t) => {
  const master = await startTestMaster();
  t.after(() => master.close());
  const state = withLeader({ frameworks: [{ name: 'x'.repeat(5000) }] }, master.address);
  master.setState(state);
  const client = createMasterClient(base);
  t.after(() => client.close());
  const r = await client.fetchState(master.address);
  assert.deepEqual(r.document, state);
  assert.equal(r.answeredBy, master.address);
  const req = master.requests.at(-1);
  assert.equal(req?.path, '/master/state');
  assert.equal(req?.headers['user-agent'], 'Mesos-DNS');
  assert.equal(req?.headers['accept-encoding'], 'gzip');
  assert.equal(req?.headers['connection'], 'close');
});

test('quirk #21: a non-2xx answer is an error even with a JSON body', async (t) => {
  const master = await startTestMaster({ state: { leader: 'master@127.0.0.1:1' } });
  t.after(() => master.close());
  const client = createMasterClient(base);
  t.after(() => client.close());
  master.setMode({ kind: 'status', status: 500, body: 'internal error' });
  await assert.rejects(client.fetchState(master.address), (e: unknown) => {
    failsWith(FetchFailure.HTTP_STATUS)(e);
    assert.equal((e as StateFetchError).status, 500);
    assert.match((e as Error).message, new RegExp(master.address.replace(/\./g, '\\.')));
    return true;
  });
  master.setMode({ kind: 'status', status: 503, body: '{"leader":"master@127.0.0.1:5050"}' });
  await assert.rejects(client.fetchState(master.address), failsWith(FetchFailure.HTTP_STATUS));
});

test('garbage JSON, too large a body, a hanging master, a reset connection, nobody listening', async (t) => {
  const master = await startTestMaster({ state: { leader: 'master@127.0.0.1:1', pad: 'y'.repeat(4096) } });
  t.after(() => master.close());
  const client = createMasterClient(base);
  t.after(() => client.close());
  master.setMode({ kind: 'garbage' });
  await assert.rejects(client.fetchState(master.address), failsWith(FetchFailure.INVALID_JSON));
  master.setMode({ kind: 'ok' });
  const small = createMasterClient({ ...base, maxBodyBytes: 1000 });
  t.after(() => small.close());
  await assert.rejects(small.fetchState(master.address), failsWith(FetchFailure.BODY_TOO_LARGE));
  master.setMode({ kind: 'hang' });
  const quick = createMasterClient({ ...base, timeoutMs: 200 });
  t.after(() => quick.close());
  const t0 = performance.now();
  await assert.rejects(quick.fetchState(master.address), failsWith(FetchFailure.TIMEOUT));
  assert.ok(performance.now() - t0 < 2000);
  master.setMode({ kind: 'reset' });
  await assert.rejects(client.fetchState(master.address), failsWith(FetchFailure.CONNECT));
  const closed = await startTestMaster();
  const deadAddress = closed.address;
  await closed.close();
  await assert.rejects(client.fetchState(deadAddress), failsWith(FetchFailure.CONNECT));
});

test('the whole-exchange timeout covers a slow body', async (t) => {
  const master = await startTestMaster({ state: { leader: 'master@127.0.0.1:1', pad: 'z'.repeat(10000) } });
  t.after(() => master.close());
  master.setMode({ kind: 'slow', delayMs: 300 });
  const patient = createMasterClient({ ...base, timeoutMs: 3000 });
  t.after(() => patient.close());
  assert.equal(((await patient.fetchState(master.address)).document as { pad: string }).pad.length, 10000);
  const hasty = createMasterClient({ ...base, timeoutMs: 100 });
  t.after(() => hasty.close());
  await assert.rejects(hasty.fetchState(master.address), failsWith(FetchFailure.TIMEOUT));
});

test('a 307 from a non-leader (protocol-relative Location) is followed; loops stop after 10', async (t) => {
  const leader = await startTestMaster();
  const follower = await startTestMaster();
  t.after(() => leader.close());
  t.after(() => follower.close());
  leader.setState(withLeader({ frameworks: [] }, leader.address));
  follower.setMode({ kind: 'redirect', location: `//${leader.address}/master/state` });
  const client = createMasterClient(base);
  t.after(() => client.close());
  const r = await client.fetchState(follower.address);
  assert.equal(r.answeredBy, leader.address);
  follower.setMode({ kind: 'redirect', location: '/master/state' });
  await assert.rejects(client.fetchState(follower.address), failsWith(FetchFailure.REDIRECT));
  assert.ok(follower.stateRequests() >= 11);
});

test('credentials follow a redirect only to the host:port that was asked or another configured master; never elsewhere', async (t) => {
  // Go's client, which Mesos-DNS uses, drops Authorization on a redirect to another host; a master
  // that redirects elsewhere must not hand our secret to whoever it names.
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const asked = await startTestMaster({ state: { leader: 'master@127.0.0.1:1' } });
  const otherHost = await startTestMaster({ host: '127.0.0.2', state: { leader: 'master@127.0.0.2:1' } });
  const otherPort = await startTestMaster({ state: { leader: 'master@127.0.0.1:1' } });
  for (const m of [asked, otherHost, otherPort]) t.after(() => m.close());
  const basic = createMasterClient({ ...base, auth: { kind: 'basic', principal: 'dns', secret: 's3cret' } });
  t.after(() => basic.close());
  const iamServer = await startTestMaster();
  t.after(() => iamServer.close());
  iamServer.requireIam('dns-svc', publicKey.export({ type: 'spki', format: 'pem' }).toString());
  const iam = createMasterClient({
    ...base,
    auth: {
      kind: 'iam',
      uid: 'dns-svc',
      privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      loginEndpoint: `${iamServer.origin}/acs/api/v1/auth/login`,
    },
  });
  t.after(() => iam.close());

  for (const target of [otherHost, otherPort]) {
    for (const client of [basic, iam]) {
      asked.setMode({ kind: 'redirect', location: `http://${target.address}/master/state` });
      const before = target.requests.length;
      const r = await client.fetchState(asked.address);
      assert.equal(r.answeredBy, target.address);
      assert.match(String(asked.requests.at(-1)?.headers['authorization']), /^(Basic|token=)/, 'the master asked gets them');
      const got = target.requests.slice(before);
      assert.equal(got.length, 1);
      assert.equal(got[0]?.headers['authorization'], undefined, `no credentials to ${target.address}`);
    }
  }

  // A redirect to another configured master (a non-leader naming the leader) keeps them.
  const trusting = createMasterClient({
    ...base,
    auth: { kind: 'basic', principal: 'dns', secret: 's3cret' },
    trustedMasters: trustedOrigins([asked.address, otherHost.address]),
  });
  t.after(() => trusting.close());
  asked.setMode({ kind: 'redirect', location: `http://${otherHost.address}/master/state` });
  const beforeTrusted = otherHost.requests.length;
  await trusting.fetchState(asked.address);
  assert.match(String(otherHost.requests[beforeTrusted]?.headers['authorization']), /^Basic /, 'a configured master gets them');
  asked.setMode({ kind: 'redirect', location: `http://${otherPort.address}/master/state` });
  const beforeUntrusted = otherPort.requests.length;
  await trusting.fetchState(asked.address);
  assert.equal(otherPort.requests[beforeUntrusted]?.headers['authorization'], undefined, 'a master not configured does not');

  // A redirect that stays on the host:port asked keeps them: this master checks them on every hop,
  // so the chain ends at the redirect limit, not at a 401.
  asked.setMode({ kind: 'redirect', location: `http://${asked.address}/master/state` });
  const before = asked.requests.length;
  await assert.rejects(basic.fetchState(asked.address), failsWith(FetchFailure.REDIRECT));
  const hops = asked.requests.slice(before);
  assert.equal(hops.length, 10);
  assert.ok(hops.every((q) => typeof q.headers['authorization'] === 'string'));
});

test('the IAM login does not follow a redirect: the signed login token goes only to login_endpoint', async (t) => {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const elsewhere = await startTestMaster({ host: '127.0.0.2' });
  t.after(() => elsewhere.close());
  const login = createServer((_req, res) => {
    res.writeHead(307, { location: `${elsewhere.origin}/acs/api/v1/auth/login` }).end();
  });
  await new Promise<void>((resolve) => login.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => login.close(() => resolve())));
  const { port } = login.address() as AddressInfo;
  const client = createMasterClient({
    ...base,
    auth: {
      kind: 'iam',
      uid: 'dns-svc',
      privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      loginEndpoint: `http://127.0.0.1:${port}/acs/api/v1/auth/login`,
    },
  });
  t.after(() => client.close());
  await assert.rejects(client.fetchState(elsewhere.address), failsWith(FetchFailure.AUTH));
  assert.equal(elsewhere.requests.length, 0);
});

test('fail-over between static masters and following the leader PID (#20)', async (t) => {
  const a = await startTestMaster();
  const b = await startTestMaster();
  t.after(() => a.close());
  t.after(() => b.close());
  a.setMode({ kind: 'status', status: 503 });
  b.setState(withLeader({ frameworks: [], tag: 'b' }, b.address));
  const client = createMasterClient(base);
  t.after(() => client.close());
  const r = await fetchAll([a.address, b.address], (addr) => client.fetchState(addr));
  assert.equal(r.master, b.address);
  assert.equal(r.failures[0]?.reason, FetchFailure.HTTP_STATUS);
  // b says the leader is 127.0.0.2 (same port): a second request goes there.
  b.setState({ leader: `master@127.0.0.2:${b.port}` });
  await assert.rejects(fetchAll([b.address], (addr) => client.fetchState(addr)), failsWith(FetchFailure.CONNECT));
});

test('basic authentication', async (t) => {
  const master = await startTestMaster({ state: { leader: 'master@127.0.0.1:1' } });
  t.after(() => master.close());
  master.requireBasicAuth('dns', 's3cret');
  const anonymous = createMasterClient(base);
  t.after(() => anonymous.close());
  await assert.rejects(anonymous.fetchState(master.address), failsWith(FetchFailure.AUTH));
  const authed = createMasterClient({ ...base, auth: { kind: 'basic', principal: 'dns', secret: 's3cret' } });
  t.after(() => authed.close());
  assert.ok((await authed.fetchState(master.address)).document);
});

test('IAM: RS256 login token posted to login_endpoint, then Authorization: token=…', async (t) => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const master = await startTestMaster({ state: { leader: 'master@127.0.0.1:1' } });
  t.after(() => master.close());
  master.requireIam('dns-svc', publicKey.export({ type: 'spki', format: 'pem' }).toString());
  const iam = {
    kind: 'iam' as const,
    uid: 'dns-svc',
    privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    loginEndpoint: `${master.origin}/acs/api/v1/auth/login`,
  };
  const client = createMasterClient({ ...base, auth: iam });
  t.after(() => client.close());
  assert.ok((await client.fetchState(master.address)).document);
  const login = master.requests.find((r) => r.path === '/acs/api/v1/auth/login');
  assert.equal(login?.method, 'POST');
  assert.match(String(master.requests.at(-1)?.headers['authorization']), /^token=[0-9a-f]{24}$/);
  const wrongUid = createMasterClient({ ...base, auth: { ...iam, uid: 'other' } });
  t.after(() => wrongUid.close());
  await assert.rejects(wrongUid.fetchState(master.address), (e: unknown) => {
    failsWith(FetchFailure.AUTH)(e);
    assert.match((e as Error).message, /IAM authentication failed/);
    return true;
  });
});

test('quirk #22: HTTPS verifies certificates by default; CACertFile trusts the test CA; insecureSkipVerify opts out', async (t) => {
  const master = await startTestMaster({ tls: true, state: { leader: 'master@127.0.0.1:1' } });
  t.after(() => master.close());
  const defaults = await loadMasterClientSettings({ ...DEFAULT_CONFIG, mesosHTTPSOn: true });
  const verifying = createMasterClient(defaults);
  t.after(() => verifying.close());
  await assert.rejects(verifying.fetchState(master.address), failsWith(FetchFailure.TLS));
  const withCa = createMasterClient(
    await loadMasterClientSettings({ ...DEFAULT_CONFIG, mesosHTTPSOn: true, caCertFile: `${TLS_FIXTURES}test-ca.pem` }),
  );
  t.after(() => withCa.close());
  assert.ok((await withCa.fetchState(master.address)).document);
  const insecure = createMasterClient(
    await loadMasterClientSettings({ ...DEFAULT_CONFIG, mesosHTTPSOn: true, insecureSkipVerify: true }),
  );
  t.after(() => insecure.close());
  assert.ok((await insecure.fetchState(master.address)).document);
});

test('HTTPS with a client certificate (CertFile/KeyFile)', async (t) => {
  const master = await startTestMaster({ tls: true, requireClientCert: true, state: { leader: 'master@127.0.0.1:1' } });
  t.after(() => master.close());
  const withoutCert = createMasterClient({ ...base, https: true, tls: { rejectUnauthorized: true, ca: [tlsFixture('test-ca.pem')] } });
  t.after(() => withoutCert.close());
  await assert.rejects(withoutCert.fetchState(master.address), StateFetchError);
  const withCert = createMasterClient(
    await loadMasterClientSettings({
      ...DEFAULT_CONFIG,
      mesosHTTPSOn: true,
      caCertFile: `${TLS_FIXTURES}test-ca.pem`,
      certFile: `${TLS_FIXTURES}test-client.pem`,
      keyFile: `${TLS_FIXTURES}test-client.key`,
    }),
  );
  t.after(() => withCert.close());
  assert.ok((await withCert.fetchState(master.address)).document);
});

test('a large body that arrives faster than it is decoded completes (no parser pause on Connection: close)', async (t) => {
  // Regression: undici 7's HTTP/1 parser asserted when the socket ended while the body was paused by
  // backpressure (nodejs/undici#5360), killing the thread. The client reads the body in flowing mode.
  const frameworks = Array.from({ length: 20_000 }, (_, i) => ({ name: `framework-${i}`, pid: `scheduler@192.0.2.${i % 250}:${1000 + i}`, tasks: [{ id: `t${i}`, pad: 'p'.repeat(200) }] }));
  for (const gzip of [true, false]) {
    const master = await startTestMaster({ gzip });
    t.after(() => master.close());
    master.setState(withLeader({ frameworks }, master.address));
    const client = createMasterClient({ ...base, maxBodyBytes: 64 * 1024 * 1024 });
    t.after(() => client.close());
    const r = await client.fetchState(master.address);
    assert.equal((r.document as { frameworks: unknown[] }).frameworks.length, 20_000);
  }
});
