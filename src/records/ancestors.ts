// Proper ancestors of the stored names inside the domain and the reverse zones (pure). The resolver needs them: a name that
// has no records but lies above stored names (an empty non-terminal, e.g. `marathon.slave.mesos.`)
// exists, so it gets NODATA, not NXDOMAIN (behaviour §8 #8). They are found once per table, while packing in
// the reload worker, and travel with the table as byte ranges of its string buffer plus a ready hash
// index, so the serving thread does no work per reload: a lookup is a hash and a probe.
import { Buffer } from 'node:buffer';
import { ENTRY_FIELDS, hashBytes, hashName } from './packed-table.js';
import type { AncestorSet } from './table.js';

const DOT = 0x2e;

export interface Ancestors {
  /** [offset, length] into the table's strings, once per distinct ancestor. */
  readonly refs: Int32Array;
  /** Open-addressing slots holding ancestor index + 1 (0 = empty); length is a power of two. */
  readonly slots: Int32Array;
}

function sameBytes(bytes: Uint8Array, a: number, b: number, length: number): boolean {
  if (a === b) return true;
  for (let i = 0; i < length; i++) if (bytes[a + i] !== bytes[b + i]) return false;
  return true;
}

/**
 * Finds every proper ancestor strictly below the apex of every stored name inside one of `zones` (the
 * domain, and the reverse zones that hold PTR names), zones without the trailing dot.
 */
export function findAncestors(strings: Uint8Array, entries: Int32Array, zones: readonly string[]): Ancestors {
  const starts: number[] = [];
  const lengths: number[] = [];
  const hashes: number[] = [];
  // Collision chains for de-duplication while collecting: first link per hash, then next links.
  const heads = new Map<number, number>();
  const next: number[] = [];
  const addOnce = (start: number, length: number): boolean => {
    const hash = hashBytes(strings, start, start + length);
    for (let link = heads.get(hash) ?? -1; link >= 0; link = next[link] as number) {
      if (lengths[link] === length && sameBytes(strings, starts[link] as number, start, length)) return false;
    }
    next.push(heads.get(hash) ?? -1);
    heads.set(hash, starts.length);
    starts.push(start);
    lengths.push(length);
    hashes.push(hash);
    return true;
  };
  // Names are stored lower-case with the trailing dot; the zones are ASCII (the domain's rules).
  const tails = zones.map((zone) => Buffer.from(`.${zone}.`, 'latin1'));
  const endsWith = (end: number, tail: Uint8Array): boolean => {
    for (let i = 0; i < tail.length; i++) if (strings[end - tail.length + i] !== tail[i]) return false;
    return true;
  };
  for (let e = 0; e < entries.length; e += ENTRY_FIELDS) {
    const start = entries[e] as number;
    const end = start + (entries[e + 1] as number);
    const tail = tails.find((t) => end - start >= t.length && endsWith(end, t));
    if (!tail) continue;
    const apexLength = tail.length - 1;
    // Walk the ancestors from the longest down to the apex (excluded); stop at the first one already
    // known, since its own ancestors were added with it.
    for (let i = start; i < end; i++) {
      if (strings[i] !== DOT) continue;
      const from = i + 1;
      if (end - from <= apexLength) break;
      if (!addOnce(from, end - from)) break;
    }
  }
  const refs = new Int32Array(starts.length * 2);
  starts.forEach((start, i) => {
    refs[i * 2] = start;
    refs[i * 2 + 1] = lengths[i] as number;
  });
  return { refs, slots: ancestorSlots(starts.length, (i) => hashes[i] as number) };
}

/** The hash index over `count` ancestors: slots holding index + 1 (0 = empty), at most half full. */
export function ancestorSlots(count: number, hashOf: (index: number) => number): Int32Array {
  const slots = new Int32Array(1 << Math.max(4, Math.ceil(Math.log2(count * 2 + 1))));
  const mask = slots.length - 1;
  for (let i = 0; i < count; i++) {
    let slot = hashOf(i) & mask;
    while (slots[slot] !== 0) slot = (slot + 1) & mask;
    slots[slot] = i + 1;
  }
  return slots;
}

/** Whether `name` (an exact FQDN, compared as UTF-8 bytes) is a proper ancestor of a stored name. */
export function isAncestor(set: AncestorSet, name: string): boolean {
  const { strings, refs: ancestors, slots } = set;
  if (ancestors.length === 0) return false;
  let ascii = true;
  for (let i = 0; i < name.length && ascii; i++) ascii = name.charCodeAt(i) < 0x80;
  const encoded = ascii ? undefined : Buffer.from(name, 'utf8');
  const length = encoded ? encoded.length : name.length;
  const mask = slots.length - 1;
  for (let slot = hashName(name) & mask; slots[slot] !== 0; slot = (slot + 1) & mask) {
    const index = (slots[slot] as number) - 1;
    if (ancestors[index * 2 + 1] !== length) continue;
    const start = ancestors[index * 2] as number;
    let equal = true;
    for (let i = 0; i < length && equal; i++) equal = strings[start + i] === (encoded ? encoded[i] : name.charCodeAt(i));
    if (equal) return true;
  }
  return false;
}
