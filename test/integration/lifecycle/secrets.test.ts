// Secrets on the real process: a JSON syntax error right after a secret in config.json or in the IAM
// file exits 2 with a message naming the line and column but not the text there; the same config
// through SIGHUP is refused without logging it; /v1/config masks a Zk password.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { embeddedTestConfig, runWithConfigText, spawnServer } from '../../helpers/spawn-server.js';

const SECRET = 'hunter2-topsecret';

/** The embedded test config as text, with `tail` spliced in before the closing brace. */
function configTextEndingWith(tail: string): string {
  const text = JSON.stringify(embeddedTestConfig(), null, 2);
  return `${text.slice(0, text.lastIndexOf('}'))}, ${tail}\n}\n`;
}

test('config.json with a syntax error right after MesosCredentials.Secret: exit 2, line and column, no secret', async () => {
  const text = configTextEndingWith(`"MesosCredentials": {"Principal": "dns", "Secret": ${SECRET}}`);
  const result = await runWithConfigText(text);
  assert.equal(result.code, 2, result.stderr);
  assert.match(result.stderr, /^ERROR: failed to unmarshal config file ".*config\.json": invalid JSON at line \d+, column \d+: /);
  assert.ok(!result.stderr.includes('hunter2'), result.stderr);
  assert.ok(!result.stdout.includes('hunter2'), result.stdout);
});

test('an IAM file with a syntax error next to the private key: exit 2 naming IAMConfigFile, no key text', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'mesos-dns-iam-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const iam = join(dir, 'iam.json');
  writeFileSync(iam, `{\n  "uid": "dns",\n  "private_key": '-----BEGIN PRIVATE KEY-----\\n${SECRET}\\n-----END PRIVATE KEY-----',\n  "login_endpoint": "https://127.0.0.1/acs/api/v1/auth/login"\n}\n`);
  const text = JSON.stringify(embeddedTestConfig({ MesosAuthentication: 'iam', IAMConfigFile: iam, StateFile: '', Masters: ['127.0.0.1:5050'] }));
  const result = await runWithConfigText(text);
  assert.equal(result.code, 2, result.stderr);
  assert.match(result.stderr, /^ERROR: IAMConfigFile: .*line 3, column 18/m);
  assert.ok(!result.stderr.includes('hunter2') && !result.stderr.includes('BEGIN PRIVATE'), result.stderr);
});

test('SIGHUP with a syntax error after a secret: refused, the log line names the place, not the secret', async (t) => {
  const server = await spawnServer();
  t.after(() => server.kill());
  server.writeConfig(configTextEndingWith(`"MesosCredentials": {"Principal": "dns", "Secret": ${SECRET}}`));
  server.signal('SIGHUP');
  const refused = await server.waitForLog((l) => l.level === 50 && /rejected/.test(String(l.msg)));
  assert.match(JSON.stringify(refused), /invalid JSON at line \d+, column \d+/);
  assert.ok(!server.stdout().includes('hunter2'), server.stdout());
  assert.ok(!server.stderr().includes('hunter2'), server.stderr());
  assert.equal((await server.get('/health')).status, 200, 'the old config keeps serving');
});

test('/v1/config masks the password of a Zk URL (host and path kept)', async (t) => {
  const server = await spawnServer({ config: { Zk: 'zk://dns:pw-s3cr3t@127.0.0.1:2181/mesos' } });
  t.after(() => server.kill());
  const reply = await server.get('/v1/config');
  assert.equal(reply.status, 200);
  assert.ok(!reply.body.includes('s3cr3t'), reply.body);
  assert.equal((JSON.parse(reply.body) as Record<string, unknown>)['Zk'], 'zk://dns:***@127.0.0.1:2181/mesos');
  assert.ok(!server.stdout().includes('s3cr3t'), 'nor is it logged');
});
