// The real command line: `node dist/src/main.js records --no-lookup --config fixtures/golden/<case>/config.json`
// prints the golden listing on stdout, state problems and what it leaves out as warnings on stderr,
// and exits 0. Without --no-lookup it resolves host names as the server does (here only `localhost`,
// which the machine answers itself).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const MAIN = 'dist/src/main.js';

async function records(...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [MAIN, 'records', ...args], { cwd: ROOT, timeout: 20_000, maxBuffer: 16 * 1024 * 1024 });
    return { stdout, stderr, code: 0 };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; code?: number };
    return { stdout: e.stdout ?? '', stderr: e.stderr ?? '', code: typeof e.code === 'number' ? e.code : -1 };
  }
}

describe('mesos-dns-ts records', () => {
  for (const name of ['rules', 'embedded']) {
    it(`--no-lookup --config fixtures/golden/${name}/config.json prints expected.zone`, async () => {
      const result = await records('--no-lookup', '--config', `fixtures/golden/${name}/config.json`);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stdout, await readFile(`${ROOT}fixtures/golden/${name}/expected.zone`, 'utf8'));
    });
  }

  it('a malformed state: the listing still comes out, each problem is a warning on stderr', async () => {
    const result = await records('--config', 'fixtures/golden/robustness/config.json', '-no-lookup');
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, await readFile(`${ROOT}fixtures/golden/robustness/expected.zone`, 'utf8'));
    assert.match(result.stderr, /frameworks\[0\]\.pid/);
    assert.match(result.stderr, /slaves\[1\]\.pid/);
  });

  it('--state overrides the config\'s StateFile', async () => {
    const result = await records('--config', 'fixtures/golden/rules/config.json', '--state', 'fixtures/states/ipv6.json', '--no-lookup');
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^toy-store\.ipv6-framework\.mesos\. 60 IN AAAA 2001:db8::a:1$/m);
  });

  it('host names are looked up unless --no-lookup: the records the server adds once it has resolved them', async () => {
    const config = 'fixtures/golden/odd-names/config.json';
    const before = Math.floor(Date.now() / 1000);
    const looked = await records('--config', config);
    const skipped = await records('--config', config, '--no-lookup');
    assert.equal(looked.code, 0, looked.stderr);
    assert.equal(skipped.code, 0, skipped.stderr);
    // The agent and the scheduler known only as "localhost".
    const resolved = [
      /^on-named-agent\.namedscheduler\.slave\.mesos\. 60 IN A 127\.0\.0\.1$/m,
      /^namedscheduler\.mesos\. 60 IN A 127\.0\.0\.1$/m,
      /^_framework\._tcp\.namedscheduler\.mesos\. 60 IN SRV 0 1 8081 namedscheduler\.mesos\.$/m,
    ];
    for (const line of resolved) {
      assert.match(looked.stdout, line);
      assert.doesNotMatch(skipped.stdout, line);
    }
    assert.doesNotMatch(looked.stdout, /localhost/);
    assert.doesNotMatch(looked.stderr, /not records DNS serves/);
    assert.match(skipped.stderr, /^warning: 2 stored value\(s\) are not records DNS serves/m);
    // The serial a server started now gives its first table; without look-ups, SOASerial + 1.
    const serial = Number(/^mesos\. 60 IN SOA \S+ \S+ (\d+) /.exec(looked.stdout)?.[1]);
    assert.ok(serial >= before && serial <= Math.floor(Date.now() / 1000) + 1, String(serial));
    assert.match(skipped.stdout, /^mesos\. 60 IN SOA ns1\.mesos\. root\.ns1\.mesos\. 1 60 600 86400 60$/m);
  });

  it('a state that cannot be used fails with a message and no listing', async () => {
    const result = await records('--config', 'fixtures/golden/rules/config.json', '--state', 'fixtures/golden/rules/config.json');
    assert.notEqual(result.code, 0);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, /leader/);
  });
});
