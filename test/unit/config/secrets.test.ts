// Secrets never leave the process through error messages, logs or /v1/config: JSON syntax errors
// in config.json and the IAM file name a line and column, never the text there; a Zk URL's password
// is masked; the log's error serializer withholds JSON.parse's quoted snippets wherever they hide.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';

import { redactZkUrl } from '../../../src/config/addresses.js';
import { locateJsonError, parseJsonText } from '../../../src/config/json-text.js';
import { loadConfig } from '../../../src/config/load.js';
import { toMesosDnsConfigJson } from '../../../src/config/mesos-dns-json.js';
import { buildConfig } from '../../../src/config/validate.js';
import { parseIamConfig } from '../../../src/mesos/iam.js';
import { createLogger } from '../../../src/log.js';

const SECRET = 'hunter2-topsecret';

/** Every message and stack along an error's cause chain. */
function errorTexts(err: unknown): string {
  const parts: string[] = [];
  for (let e = err; e instanceof Error; e = e.cause) parts.push(e.message, e.stack ?? '');
  return parts.join('\n');
}

/** What the production logger writes for `{ err }`. */
function loggedError(err: unknown): string {
  let out = '';
  const logger = createLogger({ destination: new Writable({ write: (chunk, _enc, done) => ((out += String(chunk)), done()) }) });
  logger.error({ err }, 'failed');
  logger.flush();
  return out;
}

describe('JSON syntax errors name the place, never the text', () => {
  const cases: [string, number, number, RegExp][] = [
    [`{"Secret": ${SECRET}}`, 1, 12, /unexpected character/],
    [`{\n  "MesosCredentials": {"Principal": "p", "Secret": "${SECRET}" x}\n}`, 2, 72, /expected ',' or '}'/],
    [`{"Secret": "${SECRET}`, 1, 30, /unexpected end/],
    [`{"Secret": "${SECRET}", }`, 1, 33, /expected a property name/],
    [`["${SECRET}"]]`, 1, 22, /after the document/],
    [`{"a": "${SECRET}\u0001"}`, 1, 25, /control character/],
    [`{"a": "\\q${SECRET}"}`, 1, 9, /escape/],
    [`{"a": -${SECRET}}`, 1, 8, /number/],
    [`{"a" ${SECRET}}`, 1, 6, /expected ':'/],
    [`{"a": [1, 2,, "${SECRET}"]}`, 1, 13, /unexpected character/],
    ['', 1, 1, /unexpected end/],
    ['\uFEFF{}', 1, 1, /unexpected character/],
  ];
  for (const [text, line, column, problem] of cases) {
    it(`${JSON.stringify(text.slice(0, 40))}: line ${line}, column ${column}`, () => {
      assert.throws(() => JSON.parse(text));
      const parsed = parseJsonText(text);
      assert.equal(parsed.ok, false);
      if (parsed.ok) return;
      assert.match(parsed.error, new RegExp(`^invalid JSON at line ${line}, column ${column}: `));
      assert.match(parsed.error, problem);
      assert.ok(!parsed.error.includes('hunter'), parsed.error);
    });
  }

  it('agrees with JSON.parse on what is valid', () => {
    for (const text of ['{}', '[]', ' {"a": [1, -0.5e+3, true, false, null, "\\u00e9\\n"]} ', '"x"', '0', '{"a":{"b":[[]]}}']) {
      assert.deepEqual(parseJsonText(text), { ok: true, value: JSON.parse(text) as unknown });
      assert.equal(locateJsonError(text), undefined);
    }
    for (const text of ['01', '1.', '.5', '+1', '[1,]', '{"a":1,}', 'nul', 'tru', "{'a':1}", '"\\u12"', '1e', '[', '{"a"']) {
      assert.throws(() => JSON.parse(text), SyntaxError, text);
      assert.notEqual(locateJsonError(text), undefined, text);
    }
  });

  it('deep nesting is located without recursion', () => {
    const text = `${'['.repeat(200_000)}x`;
    assert.deepEqual(locateJsonError(text), { offset: 200_000, problem: 'unexpected character' });
  });
});

describe('config.json and the IAM file', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mesos-dns-secrets-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('a syntax error right after MesosCredentials.Secret: the message, its causes and the log line hold no secret', async () => {
    const path = join(dir, 'config.json');
    await writeFile(path, `{"Masters": ["127.0.0.1:5050"], "MesosCredentials": {"Principal": "p", "Secret": ${SECRET}}}`);
    const err = await loadConfig(path, { interfaceAddresses: [] }).then(
      () => assert.fail('expected a rejection'),
      (e: unknown) => e,
    );
    assert.match(String((err as Error).message), /failed to unmarshal config file ".*config\.json": invalid JSON at line 1, column 82: unexpected character/);
    assert.ok(!errorTexts(err).includes('hunter2'), errorTexts(err));
    assert.ok(!loggedError(err).includes('hunter2'), loggedError(err));
  });

  it('a syntax error in the IAM file next to the private key: the config problem holds no key text', () => {
    const iam = `{"uid": "u", "private_key": '-----BEGIN PRIVATE KEY-----${SECRET}', "login_endpoint": "https://127.0.0.1/login"}`;
    const result = buildConfig(
      { Masters: ['127.0.0.1:5050'], MesosAuthentication: 'iam', IAMConfigFile: '/virtual/iam.json' },
      { file: '/virtual/config.json', resolvConf: '', files: new Map([['/virtual/iam.json', { ok: true, text: iam }]]) },
    );
    assert.ok('problems' in result);
    const problem = result.problems.find((p) => p.key === 'IAMConfigFile');
    assert.ok(problem, JSON.stringify(result.problems));
    assert.match(problem.message, /invalid IAM JSON at line 1, column 29: unexpected character/);
    assert.ok(!problem.message.includes('hunter2') && !problem.message.includes('BEGIN'), problem.message);
  });

  it('the IAM file read at source start: the error, its causes and the log line hold no key text', () => {
    const err = (() => {
      try {
        parseIamConfig(`{"uid": "u", "private_key": '-----BEGIN PRIVATE KEY-----${SECRET}'}`);
      } catch (e) {
        return e;
      }
      return assert.fail('expected a throw');
    })();
    assert.match((err as Error).message, /line 1, column 29/);
    assert.ok(!errorTexts(err).includes('hunter2'), errorTexts(err));
    assert.ok(!loggedError(err).includes('hunter2'));
  });

  it("a MesosCredentials.Secret of the wrong type is reported without its value", () => {
    const result = buildConfig({ Masters: ['127.0.0.1:5050'], MesosCredentials: { Principal: 'p', Secret: 123456789 } }, { file: '/c.json', resolvConf: '' });
    assert.ok('problems' in result);
    assert.ok(!JSON.stringify(result.problems).includes('123456789'), JSON.stringify(result.problems));
  });
});

describe('Zk URL credentials', () => {
  it('the password is masked, the user, hosts and path kept', () => {
    assert.equal(redactZkUrl('zk://user:pw-s3cr3t@127.0.0.1:2181/mesos'), 'zk://user:***@127.0.0.1:2181/mesos');
    assert.equal(redactZkUrl('zk://user:p@ss:w@rd@h1:2181,h2:2181/mesos'), 'zk://user:***@h1:2181,h2:2181/mesos');
    assert.equal(redactZkUrl('zk://token-only@h1/mesos'), 'zk://***@h1/mesos');
    assert.equal(redactZkUrl('zk://h1:2181,h2:2181/mesos'), 'zk://h1:2181,h2:2181/mesos');
    assert.equal(redactZkUrl(''), '');
  });

  it('/v1/config shows the masked URL', () => {
    const result = buildConfig({ Zk: 'zk://user:pw-s3cr3t@127.0.0.1:2181/mesos' }, { file: '/c.json', resolvConf: '' });
    assert.ok('config' in result, JSON.stringify(result));
    const json = toMesosDnsConfigJson(result.config, 1);
    assert.equal(json['Zk'], 'zk://user:***@127.0.0.1:2181/mesos');
    assert.ok(!JSON.stringify(json).includes('s3cr3t'));
  });

  it('a Zk URL rejected at start-up is quoted masked', () => {
    const result = buildConfig({ Zk: 'zk://user:pw-s3cr3t@127.0.0.1:2181' }, { file: '/c.json', resolvConf: '' });
    assert.ok('problems' in result);
    const text = JSON.stringify(result.problems);
    assert.ok(text.includes('zk://user:***@127.0.0.1:2181'), text);
    assert.ok(!text.includes('s3cr3t'), text);
  });
});

describe('the log', () => {
  it("withholds JSON.parse's quoted text wherever it sits in an error's cause chain", () => {
    let syntax: unknown;
    try {
      JSON.parse(`{"Secret": ${SECRET}}`);
    } catch (e) {
      syntax = e;
    }
    assert.ok(syntax instanceof SyntaxError && syntax.message.includes('hunter2'), 'V8 quotes the text');
    const wrapped = new Error('outer', { cause: new Error('middle', { cause: syntax }) });
    for (const err of [syntax, wrapped]) {
      const line = loggedError(err);
      assert.ok(!line.includes('hunter2'), line);
      assert.match(line, /JSON syntax error \(text withheld\)/);
    }
    assert.match(loggedError(wrapped), /"message":"outer: middle: JSON syntax error/);
    assert.ok(loggedError(new Error('plain', { cause: new Error('cause') })).includes('plain: cause'));
  });

  it('redacts a private key field', () => {
    let out = '';
    const logger = createLogger({ destination: new Writable({ write: (chunk, _enc, done) => ((out += String(chunk)), done()) }) });
    logger.info({ privateKey: SECRET, auth: { privateKey: SECRET, private_key: SECRET } }, 'x');
    logger.flush();
    assert.ok(!out.includes('hunter2'), out);
  });
});
