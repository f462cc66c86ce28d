// The real command line: `node dist/src/main.js records --config fixtures/golden/<case>/config.json`
// prints the golden listing on stdout, state problems as warnings on stderr, and exits 0.
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
    it(`--config fixtures/golden/${name}/config.json prints expected.zone`, async () => {
      const result = await records('--config', `fixtures/golden/${name}/config.json`);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stdout, await readFile(`${ROOT}fixtures/golden/${name}/expected.zone`, 'utf8'));
    });
  }

  it('a malformed state: the listing still comes out, each problem is a warning on stderr', async () => {
    const result = await records('--config', 'fixtures/golden/robustness/config.json');
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, await readFile(`${ROOT}fixtures/golden/robustness/expected.zone`, 'utf8'));
    assert.match(result.stderr, /frameworks\[0\]\.pid/);
    assert.match(result.stderr, /slaves\[1\]\.pid/);
  });

  it('--state overrides the config\'s StateFile', async () => {
    const result = await records('--config', 'fixtures/golden/rules/config.json', '--state', 'fixtures/states/ipv6.json');
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^toy-store\.ipv6-framework\.mesos\. 60 IN AAAA 2001:db8::a:1$/m);
  });

  it('a state that cannot be used fails with a message and no listing', async () => {
    const result = await records('--config', 'fixtures/golden/rules/config.json', '--state', 'fixtures/golden/rules/config.json');
    assert.notEqual(result.code, 0);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, /leader/);
  });
});
