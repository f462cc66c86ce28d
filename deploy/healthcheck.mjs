// Container health check (Dockerfile HEALTHCHECK): GET /health on the HTTP listener named in the
// config the server runs with ($MESOS_DNS_CONFIG, else ./config.json), exit 0 on 200 and 1 on
// anything else (503 while no fresh table, refused, timeout). Keys are matched case-insensitively,
// as in config.json; HttpPort defaults to 8123 and HTTPListener 0.0.0.0 is reached on 127.0.0.1.
// Plain JavaScript on purpose: slim images have no curl and this must run without a build step.
import { readFileSync } from 'node:fs';
import { request } from 'node:http';

const TIMEOUT_MS = 4000;

function fail(message) {
  process.stderr.write(`unhealthy: ${message}\n`);
  process.exit(1);
}

function readTarget() {
  const path = process.env.MESOS_DNS_CONFIG || 'config.json';
  let config;
  try {
    config = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    fail(`cannot read the config ${path}: ${err.message}`);
  }
  const value = (key) => {
    for (const [name, v] of Object.entries(config ?? {})) if (name.toLowerCase() === key && v !== null) return v;
    return undefined;
  };
  if (value('httpon') === false) return undefined;
  const port = Number(value('httpport') ?? 8123);
  let host = String(value('httplistener') ?? '0.0.0.0');
  if (host === '0.0.0.0' || host === '') host = '127.0.0.1';
  if (host === '::') host = '::1';
  return { host, port };
}

const target = readTarget();
if (target === undefined) {
  process.stdout.write('HttpOn is false: no /health to check\n');
  process.exit(0);
}
const req = request({ host: target.host, port: target.port, path: '/health', timeout: TIMEOUT_MS, agent: false }, (res) => {
  let body = '';
  res.setEncoding('utf8');
  res.on('data', (chunk) => (body += chunk));
  res.on('end', () => {
    if (res.statusCode === 200) {
      process.stdout.write(`healthy: ${body.trim()}\n`);
      process.exit(0);
    }
    fail(`/health answered ${res.statusCode}: ${body.trim()}`);
  });
});
req.on('timeout', () => req.destroy(new Error(`no answer within ${TIMEOUT_MS} ms`)));
req.on('error', (err) => fail(`GET http://${target.host}:${target.port}/health: ${err.message}`));
req.end();
