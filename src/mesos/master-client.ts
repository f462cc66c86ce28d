// The HTTP client for a Mesos master's /master/state (behaviour §1.3 with the §8 #21/#22 FIXes). The only
// importer of undici. Redirects are followed here (not by an interceptor) so the answering master is
// known and credentials go only where credential-scope.ts allows.
import { gunzipSync } from 'node:zlib';
import type { Readable } from 'node:stream';
import { Agent, type Dispatcher } from 'undici';
import type { MasterClientSettings, MasterTlsSettings } from './client-settings.js';
import { mayCarryCredentials } from './credential-scope.js';
import { FetchFailure, StateFetchError } from './fetch-errors.js';
import { joinHostPort } from './host-port.js';
import { signLoginToken } from './iam.js';

export const MAX_REDIRECTS = 10;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

export interface FetchedState<T = unknown> {
  /** The decoded body (by default the parsed JSON document). */
  readonly document: T;
  /** "host:port" that finally answered (after redirects). */
  readonly answeredBy: string;
  /** Decompressed body size. */
  readonly bytes: number;
}

/**
 * Turns a state body into the document fetchState returns; throws (a StateFetchError naming the
 * master, or anything else, which becomes INVALID_JSON) when the body is not a state. The body is
 * not kept afterwards.
 */
export type DecodeState<T> = (body: Buffer, master: string) => T;

export const decodeJson: DecodeState<unknown> = (body) => JSON.parse(body.toString('utf8')) as unknown;

export interface FetchStateOptions<T = unknown> {
  readonly settings: MasterClientSettings;
  /** Default: decodeJson. */
  readonly decode?: DecodeState<T>;
  readonly dispatcher: Dispatcher;
  /** Aborts the exchange (e.g. on close). */
  readonly signal?: AbortSignal;
  readonly now?: () => number;
}

export interface MasterClient<T = unknown> {
  /** GET /master/state of one master ("host:port", IPv6 bracketed) and decode it. */
  fetchState(address: string, signal?: AbortSignal): Promise<FetchedState<T>>;
  close(): Promise<void>;
}

/**
 * The longest a connection to a master may take to open (TCP and TLS). StateTimeoutSeconds (300 s by
 * default) bounds the whole exchange, sized for a big state's body; a master that accepts nothing, or
 * never finishes the handshake, is known to be down well before that, and the next one should be
 * tried while the records are still fresh. 10 s covers SYN retransmits on a lossy network.
 */
export const MAX_CONNECT_TIMEOUT_MS = 10_000;

export function masterConnectTimeoutMs(settings: Pick<MasterClientSettings, 'timeoutMs' | 'connectTimeoutMs'>): number {
  return settings.connectTimeoutMs ?? Math.min(settings.timeoutMs, MAX_CONNECT_TIMEOUT_MS);
}

/** An undici Agent honouring the TLS settings. One connection per fetch (Connection: close, as Mesos-DNS). */
export function createMasterDispatcher(tls: MasterTlsSettings, timeoutMs: number, connectTimeoutMs = timeoutMs): Dispatcher {
  return new Agent({
    connect: {
      rejectUnauthorized: tls.rejectUnauthorized,
      ...(tls.ca ? { ca: [...tls.ca] } : {}),
      ...(tls.cert !== undefined ? { cert: tls.cert } : {}),
      ...(tls.key !== undefined ? { key: tls.key } : {}),
      timeout: connectTimeoutMs,
    },
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    connections: 4,
  });
}

export function createMasterClient<T = unknown>(
  settings: MasterClientSettings,
  options: { now?: () => number; decode?: DecodeState<T> } = {},
): MasterClient<T> {
  const dispatcher = createMasterDispatcher(settings.tls, settings.timeoutMs, masterConnectTimeoutMs(settings));
  let closed = false;
  return {
    fetchState: (address, signal) =>
      fetchState<T>(address, {
        settings,
        dispatcher,
        ...(options.decode ? { decode: options.decode } : {}),
        ...(signal ? { signal } : {}),
        ...(options.now ? { now: options.now } : {}),
      }),
    async close() {
      if (closed) return;
      closed = true;
      await dispatcher.destroy();
    },
  };
}

export function addressOf(url: URL): string {
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  return joinHostPort(host, port);
}

const TLS_CODES = /^(ERR_TLS_|ERR_SSL_|CERT_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_|ERR_OSSL_|HOSTNAME_MISMATCH)/;

function errorCode(err: unknown): string {
  let e: unknown = err;
  for (let i = 0; i < 4 && e; i++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && code !== 'UND_ERR_SOCKET') return code;
    e = (e as { cause?: unknown }).cause;
  }
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? code : '';
}

export function classify(err: unknown, master: string, timedOut: boolean, aborted: boolean): StateFetchError {
  if (err instanceof StateFetchError) return err;
  if (timedOut) return new StateFetchError(FetchFailure.TIMEOUT, master, 'state request timed out', { cause: err });
  if (aborted) return new StateFetchError(FetchFailure.ABORTED, master, 'state request aborted', { cause: err });
  const code = errorCode(err);
  const detail = err instanceof Error ? err.message : String(err);
  if (code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
    return new StateFetchError(FetchFailure.TIMEOUT, master, `state request timed out (${code})`, { cause: err });
  }
  if (TLS_CODES.test(code)) {
    return new StateFetchError(FetchFailure.TLS, master, `TLS failure: ${detail}`, { cause: err });
  }
  return new StateFetchError(FetchFailure.CONNECT, master, `cannot reach master: ${code || detail}`, { cause: err });
}

/**
 * Reads the whole body in flowing mode so undici's parser is never paused by backpressure: undici 7
 * asserts (uncatchably) when the socket ends while its parser is paused (nodejs/undici#5360, fixed
 * only in undici 8, which needs Node 22). Gzip is inflated once the compressed body is complete.
 */
async function readLimited(body: Readable, gzip: boolean, limit: number, master: string): Promise<Buffer> {
  const tooLarge = () => new StateFetchError(FetchFailure.BODY_TOO_LARGE, master, `state body larger than ${limit} bytes`);
  const raw = await new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    body.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        body.destroy();
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
    });
    body.once('end', () => resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size)));
    body.once('error', reject);
  });
  if (!gzip) return raw;
  try {
    return gunzipWhole(raw, limit);
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge();
    throw new StateFetchError(FetchFailure.INVALID_JSON, master, 'state body is not valid gzip', { cause: err });
  }
}

/** zlib's smallest useful output chunk; the sizes below are never smaller. */
const MIN_CHUNK = 64 * 1024;

/**
 * Inflates a whole gzip body into one buffer sized by its trailer (ISIZE, the size modulo 2^32): no
 * chunks to concatenate into a second copy at the end, which for a 100,000-task state was ~50 MB
 * more at the peak and two thirds of the time. A wrong ISIZE (several members, a lie) only means
 * chunks again. Synchronous: this client runs in the reload worker, where nothing else waits.
 */
function gunzipWhole(raw: Buffer, limit: number): Buffer {
  const isize = raw.length >= 4 ? raw.readUInt32LE(raw.length - 4) : 0;
  return gunzipSync(raw, { maxOutputLength: limit, chunkSize: Math.max(MIN_CHUNK, Math.min(isize, limit)) });
}

async function snippet(body: Readable): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    const done = () => {
      body.removeAllListeners('data');
      body.destroy();
      resolve(text.slice(0, 200).replace(/\s+/g, ' ').trim());
    };
    body.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8');
      if (text.length >= 200) done();
    });
    body.once('end', done);
    body.once('error', done);
  });
}

/** POSTs the login JWT to the IAM endpoint and returns the Authorization header value (also used by the event stream). */
export async function iamAuthorization(
  settings: MasterClientSettings,
  dispatcher: Dispatcher,
  signal: AbortSignal,
  now: () => number,
  master: string,
): Promise<string> {
  const auth = settings.auth;
  if (auth.kind !== 'iam') throw new Error('not IAM');
  const token = signLoginToken(auth, now());
  let res: Dispatcher.ResponseData;
  try {
    const url = new URL(auth.loginEndpoint);
    res = await dispatcher.request({
      origin: url.origin,
      path: `${url.pathname}${url.search}`,
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'Mesos-DNS' },
      body: JSON.stringify({ uid: auth.uid, token }),
      signal,
    });
  } catch (err) {
    throw new StateFetchError(FetchFailure.AUTH, master, 'IAM authentication failed: login endpoint unreachable', {
      cause: err,
    });
  }
  if (res.statusCode !== 200) {
    await snippet(res.body);
    throw new StateFetchError(FetchFailure.AUTH, master, `IAM authentication failed: login returned ${res.statusCode}`, {
      status: res.statusCode,
    });
  }
  let parsed: unknown;
  try {
    parsed = await res.body.json();
  } catch (err) {
    throw new StateFetchError(FetchFailure.AUTH, master, 'IAM authentication failed: login answer is not JSON', { cause: err });
  }
  const t = (parsed as { token?: unknown } | null)?.token;
  if (typeof t !== 'string' || t === '') {
    throw new StateFetchError(FetchFailure.AUTH, master, 'IAM authentication failed: login answer has no token');
  }
  return `token=${t}`;
}

/**
 * GET {http|https}://address/master/state: whole-exchange timeout, redirects (≤ 10), non-2xx is an
 * error (#21 FIX), gzip, body limit, JSON parse. Errors are StateFetchError naming the master.
 */
/** The Authorization header a request to `address` carries: HTTP basic, an IAM token, or none. */
export async function masterAuthorization(
  settings: MasterClientSettings,
  dispatcher: Dispatcher,
  signal: AbortSignal,
  now: () => number,
  address: string,
): Promise<string | undefined> {
  if (settings.auth.kind === 'basic') return `Basic ${Buffer.from(`${settings.auth.principal}:${settings.auth.secret}`).toString('base64')}`;
  if (settings.auth.kind === 'iam') return iamAuthorization(settings, dispatcher, signal, now, address);
  return undefined;
}

export async function fetchState<T = unknown>(address: string, options: FetchStateOptions<T>): Promise<FetchedState<T>> {
  const { settings, dispatcher } = options;
  const now = options.now ?? Date.now;
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new Error('state request timed out'));
  }, settings.timeoutMs);
  const onAbort = () => controller.abort(options.signal?.reason);
  if (options.signal) {
    if (options.signal.aborted) onAbort();
    else options.signal.addEventListener('abort', onAbort, { once: true });
  }
  const signal = controller.signal;
  const asked = new URL(`${settings.https ? 'https' : 'http'}://${address}/master/state`);
  let url = asked;
  let current = address;
  try {
    const authorization = await masterAuthorization(settings, dispatcher, signal, now, address);
    for (let redirects = 0; ; redirects++) {
      current = addressOf(url);
      const headers: Record<string, string> = {
        'user-agent': 'Mesos-DNS',
        'content-type': 'application/json',
        'accept-encoding': 'gzip',
        connection: 'close',
      };
      if (authorization !== undefined && mayCarryCredentials(asked, url, settings.trustedMasters)) headers['authorization'] = authorization;
      const res = await dispatcher.request({
        origin: url.origin,
        path: `${url.pathname}${url.search}`,
        method: 'GET',
        headers,
        signal,
      });
      if (REDIRECT_STATUSES.has(res.statusCode)) {
        const location = res.headers['location'];
        await snippet(res.body);
        if (typeof location !== 'string' || location === '') {
          throw new StateFetchError(FetchFailure.REDIRECT, current, `redirect ${res.statusCode} without Location`, {
            status: res.statusCode,
          });
        }
        if (redirects + 1 >= MAX_REDIRECTS) {
          throw new StateFetchError(FetchFailure.REDIRECT, current, `stopped after ${MAX_REDIRECTS} redirects`, {
            status: res.statusCode,
          });
        }
        const next = new URL(location, url);
        if (next.protocol !== 'http:' && next.protocol !== 'https:') {
          throw new StateFetchError(FetchFailure.REDIRECT, current, `redirect to unsupported scheme ${next.protocol}`);
        }
        url = next;
        continue;
      }
      if (res.statusCode < 200 || res.statusCode > 299) {
        const text = await snippet(res.body);
        const reason = res.statusCode === 401 || res.statusCode === 403 ? FetchFailure.AUTH : FetchFailure.HTTP_STATUS;
        throw new StateFetchError(reason, current, `master answered HTTP ${res.statusCode}${text ? `: ${text}` : ''}`, {
          status: res.statusCode,
        });
      }
      const encoding = String(res.headers['content-encoding'] ?? '').toLowerCase();
      const body = await readLimited(res.body, encoding === 'gzip', settings.maxBodyBytes, current);
      const bytes = body.length;
      const decode = options.decode ?? (decodeJson as DecodeState<T>);
      let document: T;
      try {
        document = decode(body, current);
      } catch (err) {
        if (err instanceof StateFetchError) throw err;
        throw new StateFetchError(FetchFailure.INVALID_JSON, current, 'state is not valid JSON', { cause: err });
      }
      return { document, answeredBy: current, bytes };
    }
  } catch (err) {
    throw classify(err, current, timedOut, options.signal?.aborted ?? false);
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
  }
}
