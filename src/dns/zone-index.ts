// Per-table facts the resolver needs beyond exact-name lookup (pure): the set of empty non-terminals,
// i.e. names inside the domain that have no records of their own but are proper ancestors of stored
// names (spec §8 #8: they exist, so they get NODATA rather than NXDOMAIN). Built once per table, on
// first need, and dropped with the table.
//
// The set is built straight from the packed table's UTF-8 bytes: a hash table of (offset, length)
// references into them, no string per name. A 100,000-task cluster has ~650,000 names; decoding each
// into a string to collect ancestors stalled the serving thread for ~500 ms on the first in-domain
// miss after every reload.
import { Buffer } from 'node:buffer';
import { ENTRY_FIELDS, hashBytes, hashName } from '../records/packed-table.js';
import type { RecordTable } from '../records/table.js';

const DOT = 0x2e;

/** Proper ancestors of the stored names, as byte ranges of the table's string buffer. */
class AncestorSet {
  /** First link per hash (an index into starts/lengths/next). */
  private readonly heads = new Map<number, number>();
  private readonly starts: number[] = [];
  private readonly lengths: number[] = [];
  private readonly next: number[] = [];

  constructor(private readonly bytes: Uint8Array) {}

  private sameRange(link: number, start: number, length: number): boolean {
    if (this.lengths[link] !== length) return false;
    const other = this.starts[link] as number;
    return other === start || sameBytes(this.bytes, other, start, length);
  }

  /** Adds the range unless an equal one is there; returns false when it was already known. */
  add(hash: number, start: number, length: number): boolean {
    const head = this.heads.get(hash);
    for (let link = head ?? -1; link >= 0; link = this.next[link] as number) {
      if (this.sameRange(link, start, length)) return false;
    }
    this.starts.push(start);
    this.lengths.push(length);
    this.next.push(head ?? -1);
    this.heads.set(hash, this.starts.length - 1);
    return true;
  }

  /** Whether `name` (its UTF-8 bytes) is in the set. */
  has(name: string): boolean {
    const head = this.heads.get(hashName(name));
    if (head === undefined) return false;
    let ascii = true;
    for (let i = 0; i < name.length && ascii; i++) ascii = name.charCodeAt(i) < 0x80;
    const encoded = ascii ? undefined : Buffer.from(name, 'utf8');
    const length = encoded ? encoded.length : name.length;
    const bytes = this.bytes;
    for (let link = head; link >= 0; link = this.next[link] as number) {
      if (this.lengths[link] !== length) continue;
      const start = this.starts[link] as number;
      let equal = true;
      for (let i = 0; i < length && equal; i++) {
        equal = bytes[start + i] === (encoded ? encoded[i] : name.charCodeAt(i));
      }
      if (equal) return true;
    }
    return false;
  }
}

function sameBytes(bytes: Uint8Array, a: number, b: number, length: number): boolean {
  for (let i = 0; i < length; i++) if (bytes[a + i] !== bytes[b + i]) return false;
  return true;
}

const ancestorsByTable = new WeakMap<RecordTable, AncestorSet>();

function collectAncestors(table: RecordTable): AncestorSet {
  const { strings, entries } = table.data;
  const set = new AncestorSet(strings);
  // Names are stored lower-case with the trailing dot; the apex is ASCII (the domain's rules).
  const tail = Buffer.from(`.${table.domain}.`, 'latin1');
  const apexLength = tail.length - 1;
  for (let e = 0; e < entries.length; e += ENTRY_FIELDS) {
    const start = entries[e] as number;
    const end = start + (entries[e + 1] as number);
    if (end - start < tail.length) continue;
    let inDomain = true;
    for (let i = 0; i < tail.length && inDomain; i++) inDomain = strings[end - tail.length + i] === tail[i];
    if (!inDomain) continue;
    // Walk the proper ancestors from the longest down to the apex (excluded); stop at the first one
    // already known, since its own ancestors were added with it.
    for (let i = start; i < end; i++) {
      if (strings[i] !== DOT) continue;
      const from = i + 1;
      if (end - from <= apexLength) break;
      if (!set.add(hashBytes(strings, from, end), from, end - from)) break;
    }
  }
  return set;
}

/** Whether some stored name lies strictly below `name` (an exact, lower-cased FQDN). */
export function hasDescendants(table: RecordTable, name: string): boolean {
  let set = ancestorsByTable.get(table);
  if (!set) {
    set = collectAncestors(table);
    ancestorsByTable.set(table, set);
  }
  return set.has(name);
}
