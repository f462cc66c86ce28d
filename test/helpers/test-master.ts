// A fake Mesos master for tests and benchmarks: node:http(s) on 127.0.0.1 port 0 serving a state at
// /master/state, switchable at runtime to fail, hang, redirect, serve garbage or a slow body, and to
// require basic or IAM (token) authentication.
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createPublicKey, randomBytes, verify, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { listenEphemeral } from './http-listen.js';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';

export type TestMasterMode =
  | { readonly kind: 'ok' }
  | { readonly kind: 'status'; readonly status: number; readonly body?: string }
  | { readonly kind: 'hang' }
  | { readonly kind: 'redirect'; readonly location: string; readonly status?: number }
  | { readonly kind: 'garbage' }
  | { readonly kind: 'slow'; readonly delayMs: number }
  | { readonly kind: 'reset' };

export interface TestMasterRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingMessage['headers'];
}

export interface TestMasterOptions {
  /** Initial state (object or JSON text); default `{}`. */
  readonly state?: unknown;
  /** Serve HTTPS with the test-only certificate in fixtures/tls. */
  readonly tls?: boolean;
  /** With tls: require a client certificate signed by the test CA. */
  readonly requireClientCert?: boolean;
  /** gzip the state when the client accepts it (default true). */
  readonly gzip?: boolean;
  readonly host?: string;
}

export interface TestMaster {
  readonly host: string;
  readonly port: number;
  /** "127.0.0.1:port" */
  readonly address: string;
  /** "http(s)://127.0.0.1:port" */
  readonly origin: string;
  readonly requests: TestMasterRequest[];
  /** Replaces the served state. Objects are serialised once. */
  setState(state: unknown): void;
  setMode(mode: TestMasterMode): void;
  requireBasicAuth(principal: string, secret: string): void;
  /** Serves POST /acs/api/v1/auth/login checking RS256 JWTs of `uid` against `publicKeyPem`; the state then needs `Authorization: token=…`. */
  requireIam(uid: string, publicKeyPem: string): void;
  /** Number of GET /master/state requests so far. */
  stateRequests(): number;
  close(): Promise<void>;
}

export const TLS_FIXTURES = fileURLToPath(new URL('../../../fixtures/tls/', import.meta.url));

export function tlsFixture(name: string): string {
  return readFileSync(`${TLS_FIXTURES}${name}`, 'utf8');
}

/** A copy of `state` whose leader PID is `master@<address>` (so fetchAll does not re-fetch elsewhere). */
export function withLeader<T extends Record<string, unknown>>(state: T, address: string): T {
  return { ...state, leader: `master@${address}` };
}

export async function startTestMaster(options: TestMasterOptions = {}): Promise<TestMaster> {
  const host = options.host ?? '127.0.0.1';
  const gzip = options.gzip ?? true;
  let body = Buffer.alloc(0);
  let gzBody: Buffer | undefined;
  let mode: TestMasterMode = { kind: 'ok' };
  let basic: string | undefined;
  let iam: { uid: string; key: KeyObject; tokens: Set<string> } | undefined;
  const requests: TestMasterRequest[] = [];
  let stateCount = 0;
  const timers = new Set<NodeJS.Timeout>();

  function setState(state: unknown): void {
    body = Buffer.from(typeof state === 'string' ? state : JSON.stringify(state ?? {}));
    gzBody = undefined;
  }
  setState(options.state ?? {});

  function login(req: IncomingMessage, res: ServerResponse): void {
    let text = '';
    req.on('data', (d: Buffer) => {
      text += d.toString();
    });
    req.on('end', () => {
      try {
        if (!iam) throw new Error('no IAM');
        const doc = JSON.parse(text) as { uid?: string; token?: string };
        const [h, c, s] = (doc.token ?? '').split('.');
        if (!h || !c || !s) throw new Error('bad token');
        const header = JSON.parse(Buffer.from(h, 'base64url').toString()) as { alg?: string };
        const claims = JSON.parse(Buffer.from(c, 'base64url').toString()) as { uid?: string; exp?: number };
        const valid =
          header.alg === 'RS256' &&
          claims.uid === iam.uid &&
          doc.uid === iam.uid &&
          typeof claims.exp === 'number' &&
          claims.exp > Date.now() / 1000 &&
          verify('sha256', Buffer.from(`${h}.${c}`), iam.key, Buffer.from(s, 'base64url'));
        if (!valid) throw new Error('invalid token');
        const token = randomBytes(12).toString('hex');
        iam.tokens.add(token);
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token }));
      } catch {
        res.writeHead(401, { 'content-type': 'application/json' }).end('{"code":"ERR_INVALID_TOKEN"}');
      }
    });
  }

  function authorised(req: IncomingMessage): boolean {
    const header = req.headers['authorization'];
    if (basic !== undefined && header !== basic) return false;
    if (iam && !(typeof header === 'string' && header.startsWith('token=') && iam.tokens.has(header.slice(6)))) return false;
    return true;
  }

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const path = req.url ?? '/';
    requests.push({ method: req.method ?? '', path, headers: req.headers });
    if (path === '/acs/api/v1/auth/login' && req.method === 'POST') {
      login(req, res);
      return;
    }
    if (path !== '/master/state' || req.method !== 'GET') {
      res.writeHead(404).end('not found');
      return;
    }
    stateCount++;
    if (!authorised(req)) {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="mesos"' }).end('unauthorized');
      return;
    }
    const m = mode;
    switch (m.kind) {
      case 'hang':
        return; // never answered; closed with the server
      case 'reset':
        req.socket.destroy();
        return;
      case 'status':
        res.writeHead(m.status, { 'content-type': 'text/plain' }).end(m.body ?? `status ${m.status}`);
        return;
      case 'redirect':
        res.writeHead(m.status ?? 307, { location: m.location }).end();
        return;
      case 'garbage':
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"leader": "master@127.0.0.1:5050", "frameworks": [');
        return;
      case 'slow': {
        const half = Math.floor(body.length / 2);
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(body.length) });
        res.write(body.subarray(0, half));
        const t = setTimeout(() => {
          timers.delete(t);
          res.end(body.subarray(half));
        }, m.delayMs);
        timers.add(t);
        return;
      }
      case 'ok': {
        const accepts = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
        if (gzip && accepts) {
          gzBody ??= gzipSync(body);
          res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': String(gzBody.length) });
          res.end(gzBody);
        } else {
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(body.length) });
          res.end(body);
        }
        return;
      }
    }
  }

  const server: Server = options.tls
    ? createHttpsServer(
        {
          cert: tlsFixture('test-server.pem'),
          key: tlsFixture('test-server.key'),
          ...(options.requireClientCert ? { ca: tlsFixture('test-ca.pem'), requestCert: true, rejectUnauthorized: true } : {}),
        },
        handle,
      )
    : createHttpServer(handle);
  const listening = await listenEphemeral(server, host);
  const { port, address } = listening;
  let closed = false;
  return {
    host,
    port,
    address,
    origin: `${options.tls ? 'https' : 'http'}://${address}`,
    requests,
    setState,
    setMode(next) {
      mode = next;
    },
    requireBasicAuth(principal, secret) {
      basic = `Basic ${Buffer.from(`${principal}:${secret}`).toString('base64')}`;
    },
    requireIam(uid, publicKeyPem) {
      iam = { uid, key: createPublicKey(publicKeyPem), tokens: new Set() };
    },
    stateRequests: () => stateCount,
    async close() {
      if (closed) return;
      closed = true;
      for (const t of timers) clearTimeout(t);
      await listening.close();
    },
  };
}
