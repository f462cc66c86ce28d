// The one reader of DNS names in wire form (pure), used for queries and for upstream replies alike.
// Compression pointers must point strictly before the run of labels they end and never into the
// header, so they can neither loop nor point forward, and a name may follow at most
// MAX_POINTER_HOPS of them: the work per name is bounded by its 255 octets and the hop limit.
import { HEADER_SIZE } from './constants.js';

export const MAX_NAME_OCTETS = 255;
export const MAX_POINTER_HOPS = 32;
const BACKSLASH = 0x5c;

export const NameProblem = {
  TRUNCATED: 'truncated',
  BAD_LABEL: 'bad_label',
  NAME_TOO_LONG: 'name_too_long',
  BAD_POINTER: 'bad_pointer',
} as const;
export type NameProblem = (typeof NameProblem)[keyof typeof NameProblem];

/**
 * What to make of the labels: nothing; the presentation form as the DNS library Mesos-DNS uses
 * prints it (original case, `\.` `\(` `\)` `\;` `\ ` `\@` `\"` `\\` and `\DDD` escapes); or the
 * lower-cased key form the forwarder matches zones and caches by (`\.` `\\` and `\DDD` only).
 */
export type LabelForm = 'none' | 'presentation' | 'key';

export interface NameRead {
  /** Offset just past the name where it is written (after its first pointer, if any). */
  readonly end: number;
  /** One string per label in the asked form (empty for 'none'). */
  readonly labels: readonly string[];
  /** Written without compression pointers. */
  readonly plain: boolean;
}

function presentationLabel(buf: Uint8Array, start: number, length: number): string {
  let text = '';
  for (let i = start; i < start + length; i++) {
    const b = buf[i] as number;
    switch (b) {
      case 0x2e: // .
      case 0x28: // (
      case 0x29: // )
      case 0x3b: // ;
      case 0x20: // space
      case 0x40: // @
      case 0x22: // "
      case BACKSLASH:
        text += `\\${String.fromCharCode(b)}`;
        break;
      default:
        text += b < 0x20 || b >= 0x7f ? `\\${String(b).padStart(3, '0')}` : String.fromCharCode(b);
    }
  }
  return text;
}

function keyLabel(buf: Uint8Array, start: number, length: number): string {
  let out = '';
  for (let i = start; i < start + length; i++) {
    let c = buf[i] as number;
    if (c >= 0x41 && c <= 0x5a) c += 0x20; // ASCII lower-case
    if (c === 0x2e || c === BACKSLASH) out += `\\${String.fromCharCode(c)}`;
    else if (c <= 0x20 || c >= 0x7f) out += `\\${String(c).padStart(3, '0')}`;
    else out += String.fromCharCode(c);
  }
  return out;
}

/** Reads the name at `offset` of `buf` (a whole message: pointers refer to it). */
export function readName(buf: Uint8Array, offset: number, form: LabelForm): NameRead | NameProblem {
  const labels: string[] = [];
  let pos = offset;
  let runStart = offset;
  let end = -1;
  let hops = 0;
  let octets = 1;
  for (;;) {
    if (pos >= buf.length) return NameProblem.TRUNCATED;
    const b = buf[pos] as number;
    if (b === 0) return { end: end < 0 ? pos + 1 : end, labels, plain: hops === 0 };
    const kind = b & 0xc0;
    if (kind === 0xc0) {
      if (pos + 1 >= buf.length) return NameProblem.TRUNCATED;
      const target = ((b & 0x3f) << 8) | (buf[pos + 1] as number);
      if (target < HEADER_SIZE || target >= runStart || ++hops > MAX_POINTER_HOPS) return NameProblem.BAD_POINTER;
      if (end < 0) end = pos + 2;
      runStart = target;
      pos = target;
      continue;
    }
    if (kind !== 0) return NameProblem.BAD_LABEL; // extended label types are obsolete
    octets += b + 1;
    if (octets > MAX_NAME_OCTETS) return NameProblem.NAME_TOO_LONG;
    if (pos + 1 + b > buf.length) return NameProblem.TRUNCATED;
    if (form === 'presentation') labels.push(presentationLabel(buf, pos + 1, b));
    else if (form === 'key') labels.push(keyLabel(buf, pos + 1, b));
    pos += 1 + b;
  }
}

/** Wire labels in the presentation form a question name is read in (readName's 'presentation'), trailing dot. */
export function presentationName(labels: readonly Uint8Array[]): string {
  return joinLabels(labels.map((label) => presentationLabel(label, 0, label.length)));
}

/** A name's labels joined in presentation form with the trailing dot ("." for the root). */
export function joinLabels(labels: readonly string[]): string {
  return labels.length === 0 ? '.' : `${labels.join('.')}.`;
}
