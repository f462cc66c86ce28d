// Query-name handling (pure): ASCII lower-casing, Mesos-DNS's `.*` stripping (behaviour §3.4, §8 #9),
// label-aware zone membership, and parsing a presentation-form name into wire labels.
import { presentationName } from '../wire/name.js';

/** ASCII-only lower-casing, like the DNS library Mesos-DNS uses; returns the input when already lower. */
export function lowerAscii(name: string): string {
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c >= 0x41 && c <= 0x5a) return name.replace(/[A-Z]+/g, (s) => s.toLowerCase());
  }
  return name;
}

/** Removes every `.*` (behaviour §3.4: `leader.*.mesos.` looks up `leader.mesos.`). */
export function stripWildcards(name: string): string {
  return name.includes('.*') ? name.split('.*').join('') : name;
}

/** The name Mesos-DNS looks up: `.*` removed, then ASCII lower-cased. */
export function lookupName(qname: string): string {
  return lowerAscii(stripWildcards(qname));
}

/** True when the character at `index` is preceded by an odd number of backslashes (escaped). */
function isEscaped(name: string, index: number): boolean {
  let n = 0;
  for (let i = index - 1; i >= 0 && name.charCodeAt(i) === 0x5c; i--) n++;
  return n % 2 === 1;
}

/**
 * Whether a lower-cased presentation name is the apex `apex` (e.g. "mesos.") or below it, on a label
 * boundary: "foomesos." is not in "mesos.", and neither is "a\.mesos." (one label holding a dot).
 */
export function isInZone(lowerName: string, apex: string): boolean {
  if (lowerName.length === apex.length) return lowerName === apex;
  if (lowerName.length < apex.length + 1 || !lowerName.endsWith(apex)) return false;
  const dot = lowerName.length - apex.length - 1;
  return lowerName.charCodeAt(dot) === 0x2e && !isEscaped(lowerName, dot);
}

const MAX_LABEL = 63;
const MAX_NAME = 255;

export interface ParsedName {
  /** Wire octets of each label, root excluded. */
  readonly labels: readonly Uint8Array[];
  /** Offset in the presentation text where each label starts (its suffix is the compression key). */
  readonly starts: readonly number[];
}

const utf8 = new TextEncoder();

/**
 * Whether parseName accepts the name, without building its labels: a scan of the text for names
 * without escapes or non-ASCII characters (every stored name in practice), parseName for the others.
 */
export function isEncodableName(name: string): boolean {
  let label = 0;
  let octets = 1;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c === 0x5c || c >= 0x80) return parseName(name) !== undefined;
    if (c !== 0x2e) {
      label++;
      continue;
    }
    if (label === 0) return name === '.';
    if (label > MAX_LABEL) return false;
    octets += label + 1;
    label = 0;
  }
  if (label > MAX_LABEL) return false;
  if (label > 0) octets += label + 1;
  return octets <= MAX_NAME;
}

/**
 * Parses a presentation-form name (`\.`, `\\` and `\DDD` escapes; other characters as UTF-8) into
 * wire labels. Returns undefined for a name that cannot be encoded: an empty label, a label over 63
 * octets or a name over 255 octets (behaviour §8 #12).
 */
export function parseName(name: string): ParsedName | undefined {
  if (name === '.' || name === '') return { labels: [], starts: [] };
  const labels: Uint8Array[] = [];
  const starts: number[] = [];
  let octets = 1;
  let i = 0;
  const n = name.length;
  while (i < n) {
    const start = i;
    const bytes: number[] = [];
    while (i < n) {
      const c = name.charCodeAt(i);
      if (c === 0x2e) break;
      if (c === 0x5c) {
        const d1 = name.charCodeAt(i + 1);
        if (d1 >= 0x30 && d1 <= 0x39) {
          const value = Number(name.slice(i + 1, i + 4));
          if (!/^\d{3}$/.test(name.slice(i + 1, i + 4)) || value > 255) return undefined;
          bytes.push(value);
          i += 4;
        } else if (i + 1 < n) {
          bytes.push(...utf8.encode(name[i + 1] as string));
          i += 2;
        } else {
          return undefined;
        }
        continue;
      }
      if (c < 0x80) {
        bytes.push(c);
        i++;
      } else {
        const cp = name.codePointAt(i) as number;
        const ch = String.fromCodePoint(cp);
        bytes.push(...utf8.encode(ch));
        i += ch.length;
      }
    }
    if (bytes.length === 0) return undefined; // "a..b." (the final dot is consumed after each label)
    if (bytes.length > MAX_LABEL) return undefined;
    octets += bytes.length + 1;
    if (octets > MAX_NAME) return undefined;
    labels.push(Uint8Array.from(bytes));
    starts.push(start);
    i++; // the dot (or past the end for a name without a trailing dot)
  }
  return { labels, starts };
}

/**
 * Whether some question reaches this stored name: a query is looked up by the presentation form of
 * its name (wire-query.ts), `.*` removed and lower-cased (lookupName), so only a stored name that is
 * exactly that form of its own wire octets can match. Mesos-DNS's raw DiscoveryInfo pass stores names
 * that are not (upper case, a space, UTF-8 characters: behaviour §2.10); no question gets their records,
 * in Mesos-DNS or here, so they are not part of the served zone.
 */
export function isAskableName(name: string): boolean {
  // A plain name spells its own wire octets already (the common case: no parse, no text built).
  const plain = plainNameOctets(name);
  if (plain !== undefined) return plain <= MAX_NAME && lookupName(name) === name;
  const parsed = parseName(name);
  return parsed !== undefined && lookupName(presentationName(parsed.labels)) === name;
}

/**
 * The wire length of a name written only in octets that stand for themselves in presentation form,
 * with labels of 1 to 63 of them and the trailing dot; undefined for any other name.
 */
function plainNameOctets(name: string): number | undefined {
  const n = name.length;
  if (n < 2 || name.charCodeAt(n - 1) !== 0x2e) return undefined;
  let labelStart = 0;
  for (let i = 0; i < n; i++) {
    const c = name.charCodeAt(i);
    if (c === 0x2e) {
      const length = i - labelStart;
      if (length === 0 || length > MAX_LABEL) return undefined;
      labelStart = i + 1;
    } else if (c <= 0x20 || c >= 0x7f || NEEDS_ESCAPE.has(c)) {
      return undefined;
    }
  }
  return n + 1;
}

/** Printable octets the presentation form escapes (wire/name.ts presentationLabel). */
const NEEDS_ESCAPE: ReadonlySet<number> = new Set([...'.();@"\\ '].map((ch) => ch.charCodeAt(0)));
