// Request-target handling as Mesos-DNS's Go HTTP stack does it (behaviour §6 "Framework behaviours"):
// the path is percent-decoded as a whole (so %2F becomes a separator, as in Go's URL.Path), an
// invalid escape is a 400, and a path that is not clean (`//`, `/./`, `/../`) is redirected with a
// 301 to its cleaned form (Go's ServeMux). The query string is ignored. Pure.

export type ParsedTarget =
  | { readonly kind: 'path'; readonly path: string; readonly rawQuery: string | undefined }
  | { readonly kind: 'bad' };

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  return -1;
}

/**
 * Percent-decodes a path given as raw bytes (Node exposes the request target as latin1 text, one
 * character per byte). `+` stays `+`. Returns undefined for an invalid escape. Decoded bytes are read
 * as UTF-8, invalid sequences becoming U+FFFD (what Go's JSON encoder later shows for them).
 */
export function percentDecodePath(raw: string): string | undefined {
  const bytes = Buffer.from(raw, 'latin1');
  if (!bytes.includes(0x25)) return bytes.toString('utf8');
  const out = Buffer.allocUnsafe(bytes.length);
  let n = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] as number;
    if (b !== 0x25) {
      out[n++] = b;
      continue;
    }
    const hi = i + 2 < bytes.length ? hexValue(bytes[i + 1] as number) : -1;
    const lo = i + 2 < bytes.length ? hexValue(bytes[i + 2] as number) : -1;
    if (hi < 0 || lo < 0) return undefined;
    out[n++] = (hi << 4) | lo;
    i += 2;
  }
  return out.subarray(0, n).toString('utf8');
}

/**
 * Splits a request target into its decoded path and raw query. Accepts origin-form (`/a?b`) and
 * absolute-form (`http://host/a?b`); anything else (`*`, authority-form, a bad escape) is 'bad'.
 */
export function parseRequestTarget(target: string): ParsedTarget {
  let rest = target;
  const scheme = /^https?:\/\/[^/?#]*/i.exec(rest);
  if (scheme) {
    rest = rest.slice(scheme[0].length);
    if (rest === '' || rest.startsWith('?')) rest = `/${rest}`;
  }
  if (!rest.startsWith('/')) return { kind: 'bad' };
  const q = rest.indexOf('?');
  const rawPath = q < 0 ? rest : rest.slice(0, q);
  const rawQuery = q < 0 ? undefined : rest.slice(q + 1);
  const path = percentDecodePath(rawPath);
  if (path === undefined) return { kind: 'bad' };
  return { kind: 'path', path, rawQuery };
}

/** Go's path.Clean for rooted paths: collapses `//`, resolves `.` and `..`, never climbs above `/`. */
function cleanRooted(p: string): string {
  const out: string[] = [];
  for (const segment of p.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') out.pop();
    else out.push(segment);
  }
  return `/${out.join('/')}`;
}

/** Go's ServeMux cleanPath: path.Clean, keeping a trailing slash the request had. */
export function cleanPath(p: string): string {
  if (p === '') return '/';
  const rooted = p.startsWith('/') ? p : `/${p}`;
  let cleaned = cleanRooted(rooted);
  if (rooted.endsWith('/') && cleaned !== '/') cleaned += '/';
  return cleaned;
}

// Characters Go's URL.EscapedPath leaves as they are (unreserved plus the path sub-delimiters).
const PATH_SAFE = /[A-Za-z0-9\-_.~$&+,/:;=@]/;

/** Escapes a decoded path for a Location header, the way Go's url.URL.String() does. */
export function escapePath(path: string): string {
  let out = '';
  for (const ch of path) {
    if (PATH_SAFE.test(ch)) {
      out += ch;
      continue;
    }
    for (const b of Buffer.from(ch, 'utf8')) out += `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}
