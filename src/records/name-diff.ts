// Which names two tables differ by, counted for the reload's log line (pure): a sorted 53-bit hash
// per stored name straight from the table's bytes, merged like two sorted lists.
import { ENTRY_FIELDS } from './packed-table.js';
import type { PackedTableData } from './table.js';

/**
 * A sorted 53-bit hash per stored name, computed straight from the table's UTF-8 bytes (no string
 * decoding). Two tables' names are compared by merging these; a collision can only miscount the
 * logged added/removed figures, by one, once in billions of names.
 */
export function nameHashes(data: PackedTableData): Float64Array {
  const bytes = data.strings;
  const entries = data.entries;
  const n = Math.floor(entries.length / ENTRY_FIELDS);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const off = entries[i * ENTRY_FIELDS] as number;
    const end = off + (entries[i * ENTRY_FIELDS + 1] as number);
    let h1 = 0x811c9dc5;
    let h2 = 0x9e3779b9;
    for (let j = off; j < end; j++) {
      const b = bytes[j] as number;
      h1 = Math.imul(h1 ^ b, 0x01000193);
      h2 = Math.imul(h2 ^ b, 0x5bd1e995);
      h2 ^= h2 >>> 15;
    }
    out[i] = (h1 >>> 0) * 2097152 + (h2 >>> 11);
  }
  return sortHashes(out);
}

/** Buckets bigger than this are sorted natively; smaller ones by insertion. */
const SMALL_BUCKET = 32;

/**
 * Sorts hashes (spread evenly over [0, 2^53)) in O(n): a counting sort on their top bits into
 * buckets of a few each, then each bucket sorted. Several times faster than Float64Array sort for
 * the ~650,000 names of a 100,000-task cluster.
 */
export function sortHashes(hashes: Float64Array): Float64Array {
  const n = hashes.length;
  const bits = Math.min(20, Math.max(1, Math.ceil(Math.log2(n + 1)) - 1));
  const scale = 2 ** (bits - 53);
  const starts = new Int32Array((1 << bits) + 1);
  for (let i = 0; i < n; i++) {
    const bucket = Math.floor((hashes[i] as number) * scale);
    starts[bucket + 1] = (starts[bucket + 1] as number) + 1;
  }
  for (let b = 1; b < starts.length; b++) starts[b] = (starts[b] as number) + (starts[b - 1] as number);
  const out = new Float64Array(n);
  const next = starts.slice(0, -1);
  for (let i = 0; i < n; i++) {
    const value = hashes[i] as number;
    const bucket = Math.floor(value * scale);
    out[next[bucket] as number] = value;
    next[bucket] = (next[bucket] as number) + 1;
  }
  for (let b = 0; b < starts.length - 1; b++) {
    const start = starts[b] as number;
    const end = starts[b + 1] as number;
    if (end - start > SMALL_BUCKET) {
      out.subarray(start, end).sort();
      continue;
    }
    for (let i = start + 1; i < end; i++) {
      const value = out[i] as number;
      let j = i - 1;
      while (j >= start && (out[j] as number) > value) {
        out[j + 1] = out[j] as number;
        j--;
      }
      out[j + 1] = value;
    }
  }
  return out;
}

/** Names only in `next` (added) and only in `previous` (removed), from sorted hashes. */
export function diffNames(previous: Float64Array | undefined, next: Float64Array): { added: number; removed: number } {
  if (!previous) return { added: next.length, removed: 0 };
  let i = 0;
  let j = 0;
  let common = 0;
  while (i < previous.length && j < next.length) {
    const a = previous[i] as number;
    const b = next[j] as number;
    if (a === b) {
      common++;
      i++;
      j++;
    } else if (a < b) i++;
    else j++;
  }
  return { added: next.length - common, removed: previous.length - common };
}
