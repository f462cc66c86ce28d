// loadConfig: reading config.json and the files it names (behaviour §5.2).
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import { ConfigError, ErrorCode, MesosDnsError } from '../../../src/errors.js';
import { CONFIG_KEYS } from '../../../src/config/keys.js';
import { expandConfigPath, loadConfig, loadConfigWithWarnings, type LoadConfigOptions } from '../../../src/config/load.js';

// dist/test/unit/config -> repository root
const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const FIXTURES = join(ROOT, 'fixtures/config');

let dir = '';
let resolvConf = '';
const BASE: LoadConfigOptions = { interfaceAddresses: ['127.0.0.1', '::1'] };

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mesos-dns-config-'));
  resolvConf = join(dir, 'resolv.conf');
  await writeFile(resolvConf, 'nameserver 192.0.2.53\n');
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function writeConfig(name: string, content: unknown): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

async function rejection(promise: Promise<unknown>): Promise<MesosDnsError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof MesosDnsError, String(err));
    return err;
  }
  return assert.fail('expected a rejection');
}

describe('loadConfig', () => {
  it('loads a config, making File the absolute path of the config', async () => {
    const path = await writeConfig('basic.json', { masters: ['127.0.0.1:5050'], httpport: 9123 });
    const config = await loadConfig(path, { ...BASE, resolvConfPath: resolvConf });
    assert.equal(config.file, path);
    assert.equal(config.httpPort, 9123);
    assert.deepEqual(config.resolvers, ['192.0.2.53:53']);
  });

  it('a missing file is CONFIG_UNREADABLE with Mesos-DNS\'s message and the absolute path', async () => {
    const err = await rejection(loadConfig('no-such-config.json', { ...BASE, cwd: dir }));
    assert.equal(err.code, ErrorCode.CONFIG_UNREADABLE);
    assert.equal(err.message, `missing configuration file: "${join(dir, 'no-such-config.json')}"`);
  });

  it('bad JSON is CONFIG_UNREADABLE ("failed to unmarshal config file")', async () => {
    const path = await writeConfig('bad.json', '{"Masters": [');
    const err = await rejection(loadConfig(path, BASE));
    assert.equal(err.code, ErrorCode.CONFIG_UNREADABLE);
    assert.match(err.message, /^failed to unmarshal config file ".*bad\.json": /);
  });

  it('a JSON document that is not an object is CONFIG_UNREADABLE', async () => {
    const path = await writeConfig('array.json', '["127.0.0.1:5050"]');
    const err = await rejection(loadConfig(path, BASE));
    assert.equal(err.code, ErrorCode.CONFIG_UNREADABLE);
    assert.match(err.message, /must be a JSON object/);
  });

  it('throws ConfigError listing every problem, each naming its key', async () => {
    const path = await writeConfig('invalid.json', { Masters: ['localhost:5050'], RefreshSeconds: 0, IPSources: ['rkt'] });
    const err = await rejection(loadConfig(path, { ...BASE, resolvConfPath: resolvConf }));
    assert.ok(err instanceof ConfigError);
    assert.equal(err.code, ErrorCode.CONFIG_INVALID);
    assert.deepEqual(err.problems.map((p) => p.key), ['Masters', 'IPSources', 'RefreshSeconds']);
    assert.match(err.message, /^invalid configuration: Masters: .*; IPSources: .*; RefreshSeconds: /);
  });

  it('expands the first "~/" to $HOME, or $USERPROFILE when both are set, or "." when neither is', async () => {
    assert.equal(expandConfigPath('~/c.json', { HOME: '/home/u' }, '/cwd'), '/home/u/c.json');
    assert.equal(expandConfigPath('~/c.json', { HOME: '/home/u', USERPROFILE: '/users/u' }, '/cwd'), '/users/u/c.json');
    assert.equal(expandConfigPath('~/c.json', {}, '/cwd'), '/cwd/c.json');
    assert.equal(expandConfigPath('a/~/b/~/c.json', { HOME: '/h' }, '/cwd'), '/cwd/a/h/b/~/c.json');
    assert.equal(expandConfigPath('conf/../c.json', {}, '/cwd'), '/cwd/c.json');
    await writeConfig('home.json', { Masters: ['127.0.0.1:5050'] });
    const config = await loadConfig('~/home.json', { ...BASE, env: { HOME: dir }, resolvConfPath: resolvConf });
    assert.equal(config.file, join(dir, 'home.json'));
  });

  it('quirk #35: falls back to the resolv.conf file when Resolvers is absent; unreadable is a warning', async () => {
    const path = await writeConfig('noresolvers.json', { Masters: ['127.0.0.1:5050'] });
    const own = join(dir, 'own-resolv.conf');
    await writeFile(own, 'nameserver 127.0.0.1\nnameserver 192.0.2.1\nnameserver 192.0.2.2\n');
    assert.deepEqual((await loadConfig(path, { ...BASE, resolvConfPath: own })).resolvers, ['192.0.2.1:53', '192.0.2.2:53']);
    const warnings: string[] = [];
    const loaded = await loadConfigWithWarnings(path, { ...BASE, resolvConfPath: join(dir, 'missing.conf'), onWarning: (w) => warnings.push(w) });
    assert.deepEqual(loaded.config.resolvers, []);
    assert.equal(warnings.length, 1);
    assert.deepEqual(loaded.warnings, warnings);
    assert.match(warnings[0] ?? '', /missing\.conf cannot be read/);
  });

  it('resolves StateFile against the config directory and checks it is readable', async () => {
    await writeFile(join(dir, 'state.json'), '{}');
    const path = await writeConfig('state-config.json', { StateFile: 'state.json' });
    assert.equal((await loadConfig(path, BASE)).stateFile, join(dir, 'state.json'));
    const missing = await writeConfig('state-missing.json', { StateFile: 'nope.json' });
    const err = await rejection(loadConfig(missing, BASE));
    assert.ok(err instanceof ConfigError);
    assert.equal(err.problems[0]?.key, 'StateFile');
    assert.match(err.problems[0]?.message ?? '', /cannot read ".*nope\.json": ENOENT/);
  });

  it('a command-line StateFile (relative to the working directory) overrides the config\'s and satisfies Masters/Zk', async () => {
    const path = await writeConfig('bare.json', {});
    const config = await loadConfig(path, { ...BASE, cwd: dir, stateFile: 'state.json' });
    assert.equal(config.stateFile, join(dir, 'state.json'));
  });

  it('accepts a readable CA bundle and a matching client key pair', async () => {
    const path = await writeConfig('tls.json', {
      Masters: ['127.0.0.1:5050'],
      MesosHTTPSOn: true,
      CACertFile: join(FIXTURES, 'ca.pem'),
      CertFile: join(FIXTURES, 'client-cert.pem'),
      KeyFile: join(FIXTURES, 'client-key.pem'),
    });
    const config = await loadConfig(path, { ...BASE, resolvConfPath: resolvConf });
    assert.equal(config.caCertFile, join(FIXTURES, 'ca.pem'));
  });

  it('reports unreadable and invalid certificate files, and a key that does not match', async () => {
    const path = await writeConfig('tls-bad.json', {
      Masters: ['127.0.0.1:5050'],
      CACertFile: join(FIXTURES, 'not-a-cert.pem'),
      CertFile: join(FIXTURES, 'client-cert.pem'),
      KeyFile: join(FIXTURES, 'other-key.pem'),
    });
    const err = await rejection(loadConfig(path, { ...BASE, resolvConfPath: resolvConf }));
    assert.ok(err instanceof ConfigError);
    assert.deepEqual(err.problems.map((p) => p.key), ['CACertFile', 'CertFile']);
    assert.match(err.problems[0]?.message ?? '', /contains no PEM certificate/);
    assert.match(err.problems[1]?.message ?? '', /does not match/);

    const unreadable = await writeConfig('tls-missing.json', { Masters: ['127.0.0.1:5050'], CACertFile: 'missing-ca.pem' });
    const err2 = await rejection(loadConfig(unreadable, { ...BASE, cwd: dir, resolvConfPath: resolvConf }));
    assert.ok(err2 instanceof ConfigError);
    assert.match(err2.problems[0]?.message ?? '', /cannot read "missing-ca.pem": ENOENT/);
  });

  it('loads an IAM config file for MesosAuthentication "iam"', async () => {
    const path = await writeConfig('iam.json', {
      Masters: ['127.0.0.1:5050'],
      MesosAuthentication: 'iam',
      IAMConfigFile: join(FIXTURES, 'iam.json'),
    });
    assert.equal((await loadConfig(path, { ...BASE, resolvConfPath: resolvConf })).mesosAuthentication, 'iam');
    const iam = JSON.parse(await readFile(join(FIXTURES, 'iam.json'), 'utf8')) as Record<string, string>;
    const badIam = join(dir, 'iam-bad.json');
    await writeFile(badIam, JSON.stringify({ ...iam, login_endpoint: 'ftp://127.0.0.1/login' }));
    const bad = await writeConfig('iam-bad-config.json', { Masters: ['127.0.0.1:5050'], MesosAuthentication: 'iam', IAMConfigFile: badIam });
    const err = await rejection(loadConfig(bad, { ...BASE, resolvConfPath: resolvConf }));
    assert.ok(err instanceof ConfigError);
    assert.match(err.problems[0]?.message ?? '', /login_endpoint .* is not an http\(s\) URL/);
  });

  it('uses the injected readFile for every file', async () => {
    const files: Record<string, string> = {
      '/virtual/config.json': JSON.stringify({ Masters: ['127.0.0.1:5050'], CACertFile: '/virtual/ca.pem' }),
      '/virtual/resolv.conf': 'nameserver 192.0.2.99\n',
    };
    const read: string[] = [];
    const err = await rejection(
      loadConfig('/virtual/config.json', {
        ...BASE,
        resolvConfPath: '/virtual/resolv.conf',
        readFile: async (p) => {
          read.push(p);
          const text = files[p];
          if (text === undefined) throw Object.assign(new Error('nope'), { code: 'ENOENT' });
          return text;
        },
      }),
    );
    assert.ok(err instanceof ConfigError);
    assert.deepEqual(read.sort(), ['/virtual/ca.pem', '/virtual/config.json', '/virtual/resolv.conf']);
  });
});

describe('loadConfig: StaticRecordsFile', () => {
  it('reads the file next to the config and reports each bad line as a ConfigError problem', async () => {
    await writeFile(join(dir, 'static.zone'), 'db A 192.0.2.1\nweb CNAME db\nweb A 192.0.2.2\n');
    const path = await writeConfig('static.json', { StateFile: 'x.json', StaticRecordsFile: 'static.zone' });
    const err = await rejection(loadConfig(path, { ...BASE, resolvConfPath: resolvConf }));
    assert.ok(err instanceof ConfigError);
    assert.deepEqual(
      err.problems.filter((p) => p.key === 'StaticRecordsFile').map((p) => p.message),
      [`${join(dir, 'static.zone')}:3: web.mesos. has a CNAME and other records (lines 2 and 3): a CNAME must be a name's only record`],
    );
    await writeFile(join(dir, 'static.zone'), 'db A 192.0.2.1\nweb CNAME db\n');
    await writeFile(join(dir, 'x.json'), '{}');
    const config = await loadConfig(path, { ...BASE, resolvConfPath: resolvConf });
    assert.equal(config.staticRecordsFile, join(dir, 'static.zone'));
  });
});

describe('shipped configs', () => {
  it('config.example.json names every key (except File) and is valid', async () => {
    const path = join(ROOT, 'config.example.json');
    const raw = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
    const missing = CONFIG_KEYS.map((k) => k.name).filter((name) => name !== 'File' && !(name in raw));
    assert.deepEqual(missing, []);
    const warnings: string[] = [];
    const config = await loadConfig(path, { ...BASE, onWarning: (w) => warnings.push(w) });
    assert.deepEqual(warnings, []);
    assert.equal(config.file, resolve(path));
    assert.deepEqual(config.resolvers, ['127.0.0.53:53']);
    assert.deepEqual(config.zoneResolvers, { consul: ['127.0.0.1:8600'] });
  });

  it('the embedded default cluster config is valid', async () => {
    const config = await loadConfig(join(ROOT, 'fixtures/embedded/config.json'), { ...BASE, resolvConfPath: resolvConf });
    assert.equal(config.stateFile, join(ROOT, 'fixtures/embedded/state.json'));
    assert.equal(config.port, 8053);
  });
});
