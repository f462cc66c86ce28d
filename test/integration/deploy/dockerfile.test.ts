// The Dockerfile, checked without a Docker engine: it parses; base images are pinned; every COPY
// source exists and survives .dockerignore; the entry point is package.json's start command; the
// health check and the user are right. Then both stages are simulated from a clean copy of the
// context (COPY as written, the npm RUN steps run for real), and the runtime stage's ENTRYPOINT and
// HEALTHCHECK are run against the result.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, posix, relative } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { query } from '../../helpers/dns-client.js';
import { SETCAP, requireTool } from '../../helpers/tools.js';
import { addressesOf } from '../../helpers/dns-codec.js';
import { REPO_ROOT, mergeConfig, runToExit, spawnServer, type SpawnedServer } from '../../helpers/spawn-server.js';
import {
  createDockerignore,
  envOf,
  lastOf,
  parseDockerfile,
  shellWords,
  stagesOf,
  workdirOf,
  type Instruction,
  type Stage,
} from './dockerfile-parser.js';

const run = promisify(execFile);
const DOCKERFILE = readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8');
const parsed = parseDockerfile(DOCKERFILE);
const stages = stagesOf(parsed);
const runtime = stages.at(-1) as Stage;
const ignored = createDockerignore(readFileSync(join(REPO_ROOT, '.dockerignore'), 'utf8'));
const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string; scripts: Record<string, string> };

function copiesOf(stage: Stage): { ins: Instruction; sources: string[]; dest: string; from: string | undefined }[] {
  return stage.instructions
    .filter((i) => i.name === 'COPY')
    .map((ins) => {
      const args = ins.json ?? shellWords(ins.text);
      return { ins, sources: args.slice(0, -1), dest: args.at(-1) as string, from: ins.flags['from'] };
    });
}

function filesUnder(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

/**
 * The server's config with the ports it really bound (tests start it on port 0): what the health
 * check would read in a container, where the config names fixed ports.
 */
function boundConfig(server: SpawnedServer): string {
  const config = JSON.parse(readFileSync(server.configPath, 'utf8')) as Record<string, unknown>;
  const path = join(server.dir, 'bound-config.json');
  writeFileSync(path, JSON.stringify(mergeConfig(config, { Port: server.dnsPort, HttpPort: server.httpPort })));
  return path;
}

/** The runtime stage's command line: ENTRYPOINT + CMD, exec form. */
function containerCommand(): string[] {
  const entrypoint = lastOf(runtime, 'ENTRYPOINT');
  const cmd = lastOf(runtime, 'CMD');
  assert.ok(entrypoint?.json, 'ENTRYPOINT in exec (JSON) form, so signals reach the process');
  return [...entrypoint.json, ...(cmd?.json ?? [])];
}

test('the parser: directives, continuations with comments inside, flags, JSON and shell forms, problems', () => {
  const sample = [
    '# syntax=docker/dockerfile:1',
    '# a comment',
    'FROM node:20.1.0-slim AS build',
    'RUN a \\',
    '# skipped inside a continuation',
    '  && b',
    'COPY --from=build --chown=1:1 /x/y ./z',
    'CMD ["node", "main.js"]',
    'ENTRYPOINT [not json',
    'ENV A=1 B="two words"',
    'FROB x',
  ].join('\n');
  const p = parseDockerfile(sample);
  assert.deepEqual(p.directives, { syntax: 'docker/dockerfile:1' });
  assert.deepEqual(
    p.instructions.map((i) => [i.name, i.line]),
    [
      ['FROM', 3],
      ['RUN', 4],
      ['COPY', 7],
      ['CMD', 8],
      ['ENTRYPOINT', 9],
      ['ENV', 10],
    ],
  );
  assert.equal(p.instructions[1]?.text, 'a   && b');
  assert.deepEqual(p.instructions[2]?.flags, { from: 'build', chown: '1:1' });
  assert.deepEqual(p.instructions[3]?.json, ['node', 'main.js']);
  assert.equal(p.instructions[4]?.json, undefined);
  assert.deepEqual(envOf(stagesOf(p)[0] as Stage), { A: '1', B: 'two words' });
  assert.deepEqual(p.problems, [
    'line 9: ENTRYPOINT looks like JSON form but does not parse as an array of strings',
    'line 11: unknown instruction FROB',
  ]);
  const ignore = createDockerignore('*\n!src/\n!fixtures/embedded/\nsrc/**/*.md');
  assert.equal(ignore('dist/src/main.js'), true);
  assert.equal(ignore('src/dns/server.ts'), false);
  assert.equal(ignore('src/dns/README.md'), true);
  assert.equal(ignore('fixtures/embedded/state.json'), false);
  assert.equal(ignore('fixtures/tls/test-ca.key'), true);
});

test('Dockerfile: every instruction parses; stages use one exactly pinned official Node 20 image', () => {
  assert.deepEqual(parsed.problems, []);
  assert.ok(stages.length >= 2, 'multi-stage');
  for (const stage of stages) {
    assert.match(stage.image, /^node:20\.\d+\.\d+-bookworm-slim(@sha256:[0-9a-f]{64})?$/, `FROM ${stage.image} is pinned`);
  }
  assert.equal(new Set(stages.map((s) => s.image)).size, 1, 'build and runtime share the base image');
  const build = stages.find((s) => s.name === 'build');
  assert.ok(build, 'a stage named build');
  const buildRuns = build.instructions.filter((i) => i.name === 'RUN').map((i) => i.text);
  assert.ok(buildRuns.some((r) => /\bnpm ci\b/.test(r) && !/--omit=dev/.test(r)), 'the build stage installs dev dependencies');
  assert.ok(buildRuns.some((r) => /\bnpm run build\b|\btsc\b/.test(r)), 'the build stage compiles');
  const runtimeRuns = runtime.instructions.filter((i) => i.name === 'RUN').map((i) => i.text);
  assert.ok(
    runtimeRuns.some((r) => /\bnpm ci\b/.test(r) && /--omit=dev/.test(r) && /--ignore-scripts/.test(r)),
    'the runtime stage installs production dependencies only, without scripts',
  );
  assert.equal(lastOf(runtime, 'STOPSIGNAL')?.text ?? 'SIGTERM', 'SIGTERM');
});

test('Dockerfile: COPY sources exist and pass .dockerignore; --from sources are build outputs; the runtime gets what it reads', () => {
  for (const stage of stages) {
    for (const { ins, sources, from } of copiesOf(stage)) {
      for (const source of sources) {
        if (from !== undefined) {
          const producer = stages.find((s) => s.name === from.toLowerCase());
          assert.ok(producer, `line ${ins.line}: --from=${from} names a stage`);
          const inside = posix.relative(workdirOf(producer), source);
          assert.ok(!inside.startsWith('..'), `line ${ins.line}: ${source} lies in the ${from} stage's WORKDIR`);
          assert.match(inside, /^dist(\/|$)/, `line ${ins.line}: only compiled output comes from ${from}`);
          assert.ok(existsSync(join(REPO_ROOT, inside, 'main.js')), `${inside} is what tsc produces (dist/src/main.js)`);
          continue;
        }
        const path = join(REPO_ROOT, source);
        assert.ok(existsSync(path), `line ${ins.line}: COPY source ${source} exists`);
        for (const file of filesUnder(path)) {
          const rel = relative(REPO_ROOT, file).split('\\').join('/');
          assert.equal(ignored(rel), false, `line ${ins.line}: ${rel} is in the build context (.dockerignore)`);
        }
      }
    }
  }
  // The context leaves out what must not be sent or baked in.
  for (const path of ['node_modules/pino/package.json', 'dist/src/main.js', '.git/HEAD', 'fixtures/tls/test-ca.key', 'test/helpers/spawn-server.ts']) {
    assert.equal(ignored(path), true, `${path} stays out of the build context`);
  }
  const workdir = workdirOf(runtime);
  const runtimeDests = copiesOf(runtime).flatMap((c) =>
    c.sources.map((s) => (c.dest.endsWith('/') || c.dest === '.' || c.dest === './' ? posix.join(c.dest, posix.basename(s)) : c.dest)),
  );
  const inRuntime = runtimeDests.map((d) => posix.relative(workdir, posix.resolve(workdir, d)));
  for (const needed of ['package.json', 'package-lock.json', 'dist/src', 'fixtures/embedded']) {
    assert.ok(inRuntime.includes(needed), `the runtime stage has ${needed}: ${inRuntime.join(', ')}`);
  }
});

test('Dockerfile: the entry point is the start script: same script path and -config flag, config from MESOS_DNS_CONFIG', (t) => {
  const start = shellWords(pkg.scripts['start'] as string);
  assert.equal(start[0], 'node');
  const [startScript, startFlag] = [start[1] as string, start[2] as string];
  assert.match(startFlag, /^-config=/);

  let words = containerCommand();
  if ((words[0] === '/bin/sh' || words[0] === 'sh') && words[1] === '-c') words = shellWords(words[2] as string);
  if (words[0] === 'exec') words = words.slice(1);
  assert.equal(words[0], 'node');
  assert.equal(words[1], startScript, 'the same script as npm start');
  const flag = words[2] as string;
  assert.match(flag, /^-config=/);
  const value = flag.slice('-config='.length);
  const env = envOf(runtime);
  const workdir = workdirOf(runtime);
  const defaultConfig = posix.join(workdir, startFlag.slice('-config='.length));
  if (/^\$\{?MESOS_DNS_CONFIG\}?$/.test(value)) {
    assert.equal(env['MESOS_DNS_CONFIG'], defaultConfig, 'by default the image runs the embedded config, like npm start');
  } else {
    assert.equal(posix.resolve(workdir, value), defaultConfig);
  }

  // The README's serve commands (node SCRIPT -config...) name the same script and flag.
  const readmePath = join(REPO_ROOT, 'README.md');
  if (existsSync(readmePath)) {
    const serves = [...readFileSync(readmePath, 'utf8').matchAll(/\bnode (\S+\.js) (-{1,2}config)[= ]\S+/g)];
    for (const match of serves) {
      assert.equal(match[1], startScript, `README: ${match[0]}`);
      assert.equal(match[2], '-config', `README: ${match[0]}`);
    }
    t.diagnostic(`README serve commands checked: ${serves.length}`);
  }
});

test('Dockerfile: HEALTHCHECK runs a script that GETs /health; non-root USER; DNS and HTTP ports; port 53 capability', () => {
  const health = lastOf(runtime, 'HEALTHCHECK');
  assert.ok(health, 'a HEALTHCHECK');
  assert.match(health.text, /^CMD\s/);
  const cmd = health.json ?? shellWords(health.text).slice(1);
  assert.equal(cmd[0], 'node', 'no curl in slim images: node does the request');
  const script = cmd[1] as string;
  const workdir = workdirOf(runtime);
  const local = join(REPO_ROOT, posix.relative(workdir, script));
  assert.ok(existsSync(local), `${script} is ${local}`);
  assert.match(readFileSync(local, 'utf8'), /path: '\/health'/);
  assert.ok(
    copiesOf(runtime).some((c) => c.sources.includes(posix.relative(workdir, script))),
    'the health-check script is copied into the image',
  );
  for (const flag of ['interval', 'timeout', 'start-period', 'retries']) assert.ok(health.flags[flag], `HEALTHCHECK --${flag}`);

  const user = lastOf(runtime, 'USER');
  assert.ok(user, 'a USER');
  const [name, group] = user.text.split(':');
  assert.ok(name !== 'root' && name !== '0' && name !== '', `USER ${user.text} is not root`);
  assert.ok(group !== 'root' && group !== '0', `group of USER ${user.text} is not root`);
  assert.ok(user.line > Math.max(...runtime.instructions.filter((i) => i.name === 'RUN').map((i) => i.line)), 'USER comes after every RUN');

  const exposed = runtime.instructions.filter((i) => i.name === 'EXPOSE').flatMap((i) => shellWords(i.text));
  for (const port of ['53/udp', '53/tcp', '8123/tcp']) assert.ok(exposed.includes(port), `EXPOSE ${port}`);
  assert.ok(
    runtime.instructions.some((i) => i.name === 'RUN' && /setcap cap_net_bind_service=\+ep \/usr\/local\/bin\/node/.test(i.text)),
    'node may bind port 53 as a non-root user',
  );
});

/**
 * Plays a stage from a clean copy of the build context: COPY as written (honouring .dockerignore),
 * WORKDIR mapped to a temp dir, ENV applied, RUN steps that are npm commands run for real; other RUN
 * steps (apt-get, setcap) are returned as skipped.
 */
async function simulateStage(stage: Stage, root: string, producers: ReadonlyMap<string, { workdir: string; root: string }>): Promise<string[]> {
  const workdir = workdirOf(stage);
  const env: Record<string, string> = {};
  const skipped: string[] = [];
  const local = (path: string): string => {
    const inside = posix.relative(workdir, posix.resolve(workdir, path));
    assert.ok(!inside.startsWith('..'), `${path} lies in WORKDIR ${workdir}`);
    return join(root, inside);
  };
  mkdirSync(root, { recursive: true });
  for (const ins of stage.instructions) {
    if (ins.name === 'ENV') {
      Object.assign(env, envOf({ ...stage, instructions: [ins] }));
    } else if (ins.name === 'COPY') {
      const args = ins.json ?? shellWords(ins.text);
      const sources = args.slice(0, -1);
      const dest = args.at(-1) as string;
      const toDir = dest.endsWith('/') || dest === '.' || sources.length > 1;
      for (const source of sources) {
        const from = ins.flags['from'];
        let origin: string;
        if (from !== undefined) {
          const producer = producers.get(from.toLowerCase());
          assert.ok(producer, `stage ${from} was simulated`);
          origin = join(producer.root, posix.relative(producer.workdir, source));
        } else {
          origin = join(REPO_ROOT, source);
        }
        const target = toDir ? join(local(dest), posix.basename(source)) : local(dest);
        mkdirSync(dirname(target), { recursive: true });
        cpSync(origin, target, {
          recursive: true,
          filter: (path) => from !== undefined || !ignored(relative(REPO_ROOT, path).split('\\').join('/')) || path === REPO_ROOT,
        });
      }
    } else if (ins.name === 'RUN') {
      const steps = ins.text.split('&&').map((s) => s.trim());
      if (!steps.every((s) => s.startsWith('npm '))) {
        skipped.push(ins.text);
        continue;
      }
      await run('sh', ['-c', ins.text], { cwd: root, env: { ...process.env, ...env }, timeout: 120_000 });
    }
  }
  return skipped;
}

test('simulated image: both stages from a clean context, production-only install, the entry point serves, the health check tells', { timeout: 180_000 }, async (t) => {
  const tmp = mkdtempSync(join(tmpdir(), 'mesos-dns-ts-image-'));
  t.after(() => rmSync(tmp, { recursive: true, force: true }));
  const producers = new Map<string, { workdir: string; root: string }>();
  const startedAt = Date.now();
  for (const stage of stages) {
    const root = join(tmp, `stage-${stage.index}`);
    const skipped = await simulateStage(stage, root, producers);
    if (stage === runtime) {
      assert.equal(skipped.length, 1, `only the capability step is skipped: ${skipped.join(' | ')}`);
      assert.match(skipped[0] as string, /setcap/);
    } else {
      assert.deepEqual(skipped, []);
    }
    if (stage.name) producers.set(stage.name, { workdir: workdirOf(stage), root });
  }
  t.diagnostic(`both stages simulated in ${Date.now() - startedAt} ms`);
  const app = join(tmp, `stage-${runtime.index}`);
  const workdir = workdirOf(runtime);

  // Production dependencies only: no compiler, no type packages.
  assert.ok(existsSync(join(app, 'node_modules', 'pino')), 'runtime dependencies installed');
  assert.equal(existsSync(join(app, 'node_modules', 'typescript')), false, 'no dev dependencies');
  assert.equal(existsSync(join(app, 'node_modules', '@types')), false, 'no dev dependencies');
  assert.equal(existsSync(join(app, 'test')), false);

  const version = await runToExit(process.execPath, ['dist/src/main.js', '-version'], { cwd: app });
  assert.equal(version.code, 0, version.stderr);
  assert.equal(version.stdout, `${pkg.version}\n`);

  // The ENTRYPOINT as written (sh -c "exec node ..."), MESOS_DNS_CONFIG pointing at a loopback copy of
  // the image's embedded config on ephemeral ports.
  const env = envOf(runtime);
  const command = containerCommand();
  const server = await spawnServer({
    config: { StateFile: join(app, 'fixtures', 'embedded', 'state.json') },
    command: (configPath) => ({
      file: command[0] as string,
      args: command.slice(1),
      cwd: app,
      env: { ...env, MESOS_DNS_CONFIG: configPath },
    }),
  });
  t.after(() => server.kill());
  assert.match(readFileSync(`/proc/${server.pid}/cmdline`, 'utf8'), /^node\0dist\/src\/main\.js\0-config=/, 'exec: node is the process itself');
  assert.deepEqual(addressesOf(await query({ qname: 'nginx.marathon.mesos', qtype: 1 }, { port: server.dnsPort })), ['192.0.2.8']);

  const health = lastOf(runtime, 'HEALTHCHECK') as Instruction;
  const healthCmd = health.json ?? shellWords(health.text).slice(1);
  const healthArgs = healthCmd.slice(1).map((a) => (a.startsWith(`${workdir}/`) ? join(app, posix.relative(workdir, a)) : a));
  const check = (): ReturnType<typeof runToExit> =>
    runToExit(healthCmd[0] === 'node' ? process.execPath : (healthCmd[0] as string), healthArgs, {
      cwd: app,
      env: { ...env, MESOS_DNS_CONFIG: hcConfig },
      timeoutMs: 10_000,
    });
  const hcConfig = boundConfig(server);
  const healthy = await check();
  assert.equal(healthy.code, 0, healthy.stderr);
  assert.match(healthy.stdout, /^healthy: \{"status":"ok"/);

  server.signal('SIGTERM');
  assert.deepEqual(await server.waitForExit(12_000), { code: 0, signal: null });
  const down = await check();
  assert.equal(down.code, 1, 'unhealthy once the server is gone');
  assert.match(down.stderr, /^unhealthy: GET http:\/\/127\.0\.0\.1:\d+\/health: /);
});

test('the health-check script: 503 (no table yet) is unhealthy; HttpOn false has nothing to check', async (t) => {
  // A master that refuses connections: the server runs but never gets a table.
  const server = await spawnServer({ config: { StateFile: '', Masters: ['127.0.0.1:1'], RefreshSeconds: 60 }, waitFor: 'started' });
  t.after(() => server.kill());
  assert.equal((await server.get('/health')).status, 503);
  const script = join(REPO_ROOT, 'deploy', 'healthcheck.mjs');
  const unhealthy = await runToExit(process.execPath, [script], { env: { MESOS_DNS_CONFIG: boundConfig(server) }, timeoutMs: 10_000 });
  assert.equal(unhealthy.code, 1);
  assert.match(unhealthy.stderr, /^unhealthy: \/health answered 503: /);

  const dir = mkdtempSync(join(tmpdir(), 'mesos-dns-ts-hc-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ HttpOn: false }));
  const off = await runToExit(process.execPath, [script], { env: { MESOS_DNS_CONFIG: join(dir, 'config.json') } });
  assert.equal(off.code, 0);
  const missing = await runToExit(process.execPath, [script], { env: { MESOS_DNS_CONFIG: join(dir, 'nope.json') } });
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /cannot read the config/);
});

/** Why the port-53 check cannot run here, or false when it can (a missing setcap follows the tools rule). */
async function capabilityCheckUnavailable(): Promise<string | false> {
  if (process.getuid?.() !== 0) return 'needs root to set a file capability and drop to nobody';
  return requireTool(SETCAP);
}

test(
  "port 53 as a non-root user with the image's file capability (the Dockerfile's setcap step, played locally)",
  { skip: await capabilityCheckUnavailable() },
  async (t) => {
    const setcapRun = runtime.instructions.find((i) => i.name === 'RUN' && /setcap /.test(i.text)) as Instruction;
    const setcap = /setcap (\S+) \/usr\/local\/bin\/node/.exec(setcapRun.text);
    assert.ok(setcap, 'the Dockerfile sets a capability on /usr/local/bin/node');
    const dir = mkdtempSync(join(tmpdir(), 'mesos-dns-ts-cap-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    chmodSync(dir, 0o755);
    const node = join(dir, 'node');
    cpSync(process.execPath, node);
    chmodSync(node, 0o755);
    await run('setcap', [setcap[1] as string, node]);
    const nobody = { uid: 65534, gid: 65534 };
    const port53 = { Listener: '127.0.0.1', Port: 53 };

    // Without the capability, nobody cannot bind 53: the check below is meaningful.
    const plain = await spawnServer({
      config: port53,
      waitFor: 'none',
      command: (configPath) => {
        chmodSync(dirname(configPath), 0o755);
        return { file: process.execPath, args: ['dist/src/main.js', `-config=${configPath}`], cwd: REPO_ROOT, ...nobody };
      },
    });
    t.after(() => plain.kill());
    const refused = await plain.waitForExit(15_000);
    assert.equal(refused.code, 1);
    if (/EADDRINUSE/.test(plain.stderr())) {
      t.skip('127.0.0.1:53 is in use on this machine');
      return;
    }
    assert.match(plain.stderr(), /^ERROR: cannot listen for DNS on udp 127\.0\.0\.1:53: EACCES/m);

    const server = await spawnServer({
      config: port53,
      command: (configPath) => {
        chmodSync(dirname(configPath), 0o755);
        return { file: node, args: ['dist/src/main.js', `-config=${configPath}`], cwd: REPO_ROOT, ...nobody };
      },
    });
    t.after(() => server.kill());
    assert.equal(server.dnsPort, 53);
    assert.match(readFileSync(`/proc/${server.pid}/status`, 'utf8'), /^Uid:\s+65534\s/m, 'runs as nobody');
    for (const transport of ['udp', 'tcp'] as const) {
      const reply = await query({ qname: 'nginx.marathon.mesos', qtype: 1 }, { port: 53, transport });
      assert.deepEqual(addressesOf(reply), ['192.0.2.8'], transport);
    }
    server.signal('SIGTERM');
    assert.deepEqual(await server.waitForExit(12_000), { code: 0, signal: null });
  },
);
