// The out-of-rotation API (docs/dns.md "Out of rotation"): GET /v1/rotation lists the entries in
// force; POST /v1/rotation adds one; DELETE /v1/rotation/<kind>/<value> puts it back. Mutations need
// `Authorization: Bearer <RotationToken>`; with no token configured they are disabled. The list
// itself sits behind RotationControl (this instance's memory, or the shared ZooKeeper copy).
import { createHash, timingSafeEqual } from 'node:crypto';
import {
  type RotationEntry,
  type RotationKind,
  checkValue,
  isRotationKind,
  parseAddRequest,
  ROTATION_KINDS,
} from '../records/rotation-list.js';
import { CONTENT_TYPE, type RouteResponse, Route } from './routes.js';
import type { RotationControl } from '../rotation/rotation-store.js';

/** Request bodies of this API are one small object; larger ones are refused before parsing. */
export const MAX_ROTATION_BODY_BYTES = 4096;

const PREFIX = '/v1/rotation';

/** Whether a raw request target is this API's (the server reads the body only for these). */
export function isRotationPath(rawTarget: string): boolean {
  const path = rawTarget.split('?', 1)[0] as string;
  return path === PREFIX || path === `${PREFIX}/` || path.startsWith(`${PREFIX}/`);
}

export interface RotationRequest {
  readonly method: string;
  readonly path: string;
  readonly authorization: string | undefined;
  readonly body: string;
}

/** A mutation done, for the log line (never the token). */
export interface RotationChange {
  readonly action: 'add' | 'remove';
  readonly kind: RotationKind;
  readonly value: string;
  readonly seconds?: number;
  readonly reason?: string;
}

export interface RotationResponse {
  readonly response: RouteResponse;
  readonly change?: RotationChange;
}

function reply(status: number, value: unknown, extra: Record<string, string> = {}): RouteResponse {
  return { status, route: Route.rotation, headers: { 'Content-Type': CONTENT_TYPE.json, ...extra }, body: `${JSON.stringify(value)}\n` };
}

function problem(status: number, message: string, extra: Record<string, string> = {}): RotationResponse {
  return { response: reply(status, { error: message }, extra) };
}

/** Compares through fixed-length digests so neither the content nor the length leaks through timing. */
export function tokenMatches(authorization: string | undefined, token: string): boolean {
  if (token === '' || authorization === undefined) return false;
  const match = /^Bearer +(\S+) *$/i.exec(authorization);
  const given = createHash('sha256').update(match?.[1] ?? '').digest();
  const wanted = createHash('sha256').update(token).digest();
  return timingSafeEqual(given, wanted) && match !== null;
}

export function listJson(entries: readonly RotationEntry[], now: number): unknown[] {
  return entries.map((e) => ({
    kind: e.kind,
    value: e.value,
    until: new Date(e.until).toISOString(),
    remainingSeconds: Math.max(0, Math.ceil((e.until - now) / 1000)),
    ...(e.reason ? { reason: e.reason } : {}),
  }));
}

/** A change the list's keeper could not make (the shared ZooKeeper copy unreachable): 503, the message shown. */
async function change<T>(attempt: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; response: RotationResponse }> {
  try {
    return { ok: true, value: await attempt() };
  } catch (err) {
    return { ok: false, response: problem(503, err instanceof Error ? err.message : String(err)) };
  }
}

export async function handleRotation(req: RotationRequest, control: RotationControl, token: string, now: number): Promise<RotationResponse> {
  const path = (req.path.split('?', 1)[0] as string).replace(/\/$/, '');
  if (path === PREFIX) {
    if (req.method === 'GET' || req.method === 'HEAD') return { response: reply(200, listJson(control.active(), now)) };
    if (req.method !== 'POST') return problem(405, 'method not allowed', { Allow: 'GET, HEAD, POST' });
  } else if (req.method !== 'DELETE') {
    return problem(405, 'method not allowed', { Allow: 'DELETE' });
  }
  if (token === '') return problem(403, 'changes to the rotation list are disabled: RotationToken is not set');
  if (!tokenMatches(req.authorization, token)) return problem(403, 'a valid "Authorization: Bearer <RotationToken>" header is required');

  if (req.method === 'POST') {
    const parsed = parseAddRequest(req.body, now);
    if (!parsed.ok) return problem(400, parsed.problem);
    const attempt = await change(() => control.add(parsed.entry));
    if (!attempt.ok) return attempt.response;
    const added = attempt.value;
    if (!added.ok) return problem(409, added.problem);
    const { kind, value, reason } = parsed.entry;
    const seconds = Math.round((parsed.entry.until - now) / 1000);
    return {
      response: reply(200, listJson([parsed.entry], now)[0]),
      change: { action: 'add', kind, value, seconds, ...(reason ? { reason } : {}) },
    };
  }

  const parts = path.slice(PREFIX.length + 1).split('/');
  if (parts.length !== 2) return problem(404, `expected ${PREFIX}/<kind>/<value>`);
  let kind: string;
  let value: string;
  try {
    kind = decodeURIComponent(parts[0] as string);
    value = decodeURIComponent(parts[1] as string);
  } catch {
    return problem(400, 'invalid percent-encoding in the path');
  }
  if (!isRotationKind(kind)) return problem(400, `kind must be one of ${ROTATION_KINDS.join(', ')}`);
  const valueProblem = checkValue(value);
  if (valueProblem) return problem(400, valueProblem);
  const removed = await change(() => control.remove(kind, value));
  if (!removed.ok) return removed.response;
  if (!removed.value) return problem(404, `no ${kind} "${value}" in the rotation list`);
  return { response: reply(200, { removed: { kind, value } }), change: { action: 'remove', kind, value } };
}
