// Answer blocks (pure): each name's records kept together in the octets a DNS answer carries, so the
// serving thread answers from one or two places in memory instead of five (hash slot, entry, name
// text, value list, value text). Built in the reload worker with the table and transferred with it;
// docs/architecture.md ("The answer path") describes how the DNS server reads them.
//
// Only names a question can spell get a block: plain octets (letters, digits and the other
// printable characters that need no escape), no upper case, at most 254 octets of text. Other names
// stay answerable through the general path, which looks them up as text.
//
// Block layout, from its offset b (multi-octet numbers big-endian):
//   b+0        name length n, then n octets of the name's text (lower case, trailing dot)
//   flags      1 octet: DECLINE (the general path must answer this name: it has PTR or CNAME records,
//              or records the direct path cannot write), A_SKIPPED, AAAA_SKIPPED,
//              SRV_SKIPPED (values that are not addresses or ports: Mesos-DNS counts them as failed)
//   A          u16 count, then 4 octets per address
//   AAAA       u16 count, then 16 octets per address
//   SRV        u16 count, then per record: u16 port, i32 target (the target's block offset, or
//              -1 - the offset of its text in the table's strings), u8 target text length
// SRV values whose port or target the direct path could not write exactly as the general path does
// (a port of more than 9 digits, a target that is not plain or not encodable) make the block DECLINE.
import { parseIPv4Into, parseIPv6Into } from '../net/ip-bytes.js';
import { ENTRY_FIELDS, FNV_OFFSET, FNV_PRIME, finishHash } from './packed-table.js';
import { SrvPortText, parseSrvPort, srvValueColon } from './srv-value.js';

export const BlockFlag = {
  DECLINE: 1,
  A_SKIPPED: 2,
  AAAA_SKIPPED: 4,
  SRV_SKIPPED: 8,
} as const;

export const SRV_RECORD_OCTETS = 7;
const DOT = 0x2e;
const MAX_TEXT = 254;
const MAX_LABEL = 63;
const MAX_COUNT = 0xffff;

/** Octets that stand for themselves in a name's presentation form (after lower-casing). */
export const PLAIN_OCTET = new Uint8Array(256);
for (let c = 0x21; c < 0x7f; c++) PLAIN_OCTET[c] = 1;
for (const c of '.();@"\\') PLAIN_OCTET[c.charCodeAt(0)] = 0;

export interface AnswerBlocks {
  readonly blocks: Uint8Array;
  /**
   * Open-addressing slots holding block offset + 1, -1 for a stored name without a block (probe on),
   * 0 = empty; the table's own hash and length.
   */
  readonly slots: Int32Array;
}

interface TableParts {
  readonly strings: Uint8Array;
  readonly entries: Int32Array;
  readonly values: Int32Array;
  readonly slots: Int32Array;
}

/** Whether text[off, off+len) is a name a question can spell (plain, lower case, short enough). */
function askable(text: Uint8Array, off: number, len: number): boolean {
  if (len < 2 || len > MAX_TEXT || text[off + len - 1] !== DOT) return false;
  for (let i = off; i < off + len; i++) {
    const c = text[i] as number;
    if (c !== DOT && (PLAIN_OCTET[c] !== 1 || (c >= 0x41 && c <= 0x5a))) return false;
  }
  return true;
}

/**
 * The hash of text[off, off+len) when it can be written as a name exactly as the general path writes
 * it (plain octets, labels of 1–63 octets, a trailing dot), else undefined: checked and hashed in one
 * pass.
 */
function writableTargetHash(text: Uint8Array, off: number, len: number): number | undefined {
  if (len < 2 || len > MAX_TEXT || text[off + len - 1] !== DOT) return undefined;
  let labelStart = off;
  let h = FNV_OFFSET;
  for (let i = off; i < off + len; i++) {
    const c = text[i] as number;
    h = Math.imul(h ^ c, FNV_PRIME);
    if (c === DOT) {
      const label = i - labelStart;
      if (label === 0 || label > MAX_LABEL) return undefined;
      labelStart = i + 1;
    } else if (PLAIN_OCTET[c] !== 1) {
      return undefined;
    }
  }
  return finishHash(h);
}


function sameText(text: Uint8Array, a: number, b: number, len: number): boolean {
  for (let i = 0; i < len; i++) if (text[a + i] !== text[b + i]) return false;
  return true;
}

/**
 * Finds entries by name through the table's own index, remembering recent answers by hash: SRV
 * targets repeat (every SRV name of a task points at the same few), so most look-ups stay in cache.
 */
class EntryFinder {
  private readonly recentHash: Int32Array;
  private readonly recentEntry: Int32Array;

  constructor(private readonly t: TableParts) {
    // Sized to the table: a table built in many small parts must not clear 512 KiB per part.
    const size = Math.min(1 << 16, Math.max(16, t.slots.length));
    this.recentHash = new Int32Array(size);
    this.recentEntry = new Int32Array(size).fill(-1);
  }

  /** The entry whose name is strings[off, off+len) (its hash `hash`), or -1. */
  find(off: number, len: number, hash: number): number {
    const { strings, entries, slots } = this.t;
    const cacheSlot = hash & (this.recentHash.length - 1);
    const cached = this.recentEntry[cacheSlot] as number;
    if (cached >= 0 && this.recentHash[cacheSlot] === hash) {
      const base = cached * ENTRY_FIELDS;
      if (entries[base + 1] === len && sameText(strings, entries[base] as number, off, len)) return cached;
    }
    const mask = slots.length - 1;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const value = slots[slot] as number;
      if (value === 0) return -1;
      const base = (value - 1) * ENTRY_FIELDS;
      if (entries[base + 1] === len && sameText(strings, entries[base] as number, off, len)) {
        this.recentHash[cacheSlot] = hash;
        this.recentEntry[cacheSlot] = value - 1;
        return value - 1;
      }
    }
  }
}

/**
 * Writes a u16 count and the addresses (4 or 16 octets each) of values[first, first+n) at
 * blocks[pos]; returns the position after them, negated when some value was not an address.
 */
function writeAddresses(blocks: Uint8Array, at: number, strings: Uint8Array, values: Int32Array, first: number, n: number, size: 4 | 16): number {
  let pos = at + 2;
  let count = 0;
  for (let v = first; v < first + n; v++) {
    const off = values[v * 2] as number;
    const end = off + (values[v * 2 + 1] as number);
    if (size === 4 ? parseIPv4Into(strings, off, end, blocks, pos) : parseIPv6Into(strings, off, end, blocks, pos)) {
      pos += size;
      count++;
    }
  }
  blocks[at] = count >>> 8;
  blocks[at + 1] = count & 0xff;
  return count === n ? pos : -pos;
}

/** Pass 2 of buildAnswerBlocks for entry `e`: its block at blockAt[e], the SRV targets found through `finder`. */
function writeBlock(t: TableParts, blocks: Uint8Array, blockAt: Int32Array, finder: EntryFinder, e: number): void {
  const { strings, entries, values } = t;
  const at = blockAt[e] as number;
  const base = e * ENTRY_FIELDS;
  const nameOff = entries[base] as number;
  const nameLen = entries[base + 1] as number;
  let pos = at;
  blocks[pos++] = nameLen;
  for (let i = 0; i < nameLen; i++) blocks[pos++] = strings[nameOff + i] as number;
  const flagsAt = pos++;
  let flags = 0;
  const a = entries[base + 3] as number;
  const aaaa = entries[base + 5] as number;
  if (a > MAX_COUNT || aaaa > MAX_COUNT) flags |= BlockFlag.DECLINE;
  // PTR and CNAME answers (reverse names, static CNAMEs) are the general path's.
  if ((entries[base + 9] as number) > 0 || (entries[base + 11] as number) > 0) flags |= BlockFlag.DECLINE;
  pos = writeAddresses(blocks, pos, strings, values, entries[base + 2] as number, Math.min(a, MAX_COUNT), 4);
  if (pos < 0) {
    flags |= BlockFlag.A_SKIPPED;
    pos = -pos;
  }
  pos = writeAddresses(blocks, pos, strings, values, entries[base + 4] as number, Math.min(aaaa, MAX_COUNT), 16);
  if (pos < 0) {
    flags |= BlockFlag.AAAA_SKIPPED;
    pos = -pos;
  }
  const first = entries[base + 6] as number;
  const n = entries[base + 7] as number;
  if (n > MAX_COUNT) flags |= BlockFlag.DECLINE;
  const countAt = pos;
  pos += 2;
  let count = 0;
  for (let v = first; v < first + Math.min(n, MAX_COUNT); v++) {
    const off = values[v * 2] as number;
    const end = off + (values[v * 2 + 1] as number);
    const colon = srvValueColon(strings, off, end);
    const port = colon < off ? SrvPortText.NONE : parseSrvPort(strings, colon + 1, end);
    if (port === SrvPortText.NONE) {
      flags |= BlockFlag.SRV_SKIPPED;
      continue;
    }
    const targetLen = colon - off;
    const targetHash = port === SrvPortText.LONG ? undefined : writableTargetHash(strings, off, targetLen);
    if (targetHash === undefined) {
      flags |= BlockFlag.DECLINE;
      continue;
    }
    const target = finder.find(off, targetLen, targetHash);
    const targetBlock = target < 0 ? -1 : (blockAt[target] as number);
    if (target >= 0 && targetBlock < 0) {
      flags |= BlockFlag.DECLINE; // a stored target only the general path finds (its addresses)
      continue;
    }
    // A target that is not stored has no addresses: its text is all the record needs.
    blocks[pos] = port >>> 8;
    blocks[pos + 1] = port & 0xff;
    setSrvTargetRef(blocks, pos, target >= 0 ? targetBlock : -1 - off);
    blocks[pos + 6] = targetLen;
    pos += SRV_RECORD_OCTETS;
    count++;
  }
  blocks[countAt] = count >>> 8;
  blocks[countAt + 1] = count & 0xff;
  blocks[flagsAt] = flags;
}

/** Builds the answer blocks of a packed table's names and their hash index. */
export function buildAnswerBlocks(t: TableParts): AnswerBlocks {
  const { strings, entries } = t;
  const entryCount = entries.length / ENTRY_FIELDS;
  // Pass 1: which names get a block, and where (sizes are upper bounds: skipped values leave slack).
  const blockAt = new Int32Array(entryCount).fill(-1);
  let size = 0;
  for (let e = 0; e < entryCount; e++) {
    const base = e * ENTRY_FIELDS;
    const nameLen = entries[base + 1] as number;
    if (!askable(strings, entries[base] as number, nameLen)) continue;
    blockAt[e] = size;
    const a = entries[base + 3] as number;
    const aaaa = entries[base + 5] as number;
    const srv = entries[base + 7] as number;
    size += 1 + nameLen + 1 + 2 + 4 * Math.min(a, MAX_COUNT) + 2 + 16 * Math.min(aaaa, MAX_COUNT) + 2 + SRV_RECORD_OCTETS * Math.min(srv, MAX_COUNT);
  }
  const blocks = new Uint8Array(size);
  const finder = new EntryFinder(t);
  // Pass 2: fill each block and index it.
  for (let e = 0; e < entryCount; e++) if ((blockAt[e] as number) >= 0) writeBlock(t, blocks, blockAt, finder, e);
  // The index is the table's own, slot for slot: block offset + 1, or -1 for a name without a block
  // (so probing goes on past it), 0 where the table's slot is empty.
  const slots = new Int32Array(t.slots.length);
  for (let i = 0; i < slots.length; i++) {
    const value = t.slots[i] as number;
    if (value !== 0) slots[i] = (blockAt[value - 1] as number) + 1 || -1;
  }
  return { blocks, slots };
}

/**
 * The target reference of the SRV record at `rec` in a block: the target's block offset, or -1 - the
 * offset of its text in the table's strings.
 */
export function srvTargetRef(blocks: Uint8Array, rec: number): number {
  return ((blocks[rec + 2] as number) << 24) | ((blocks[rec + 3] as number) << 16) | ((blocks[rec + 4] as number) << 8) | (blocks[rec + 5] as number);
}

export function setSrvTargetRef(blocks: Uint8Array, rec: number, ref: number): void {
  blocks[rec + 2] = ref >>> 24;
  blocks[rec + 3] = (ref >>> 16) & 0xff;
  blocks[rec + 4] = (ref >>> 8) & 0xff;
  blocks[rec + 5] = ref & 0xff;
}

/** The length of the SRV record's target text (record at `rec`). */
export function srvTargetLength(blocks: Uint8Array, rec: number): number {
  return blocks[rec + 6] as number;
}

/** Calls `visit` with the position of each SRV record in the block at `at`. */
export function forEachSrvRecord(blocks: Uint8Array, at: number, visit: (rec: number) => void): void {
  const u16 = (p: number): number => ((blocks[p] as number) << 8) | (blocks[p + 1] as number);
  let pos = at + 1 + (blocks[at] as number) + 1; // the name, then the flags
  pos += 2 + 4 * u16(pos); // A
  pos += 2 + 16 * u16(pos); // AAAA
  const srv = u16(pos);
  pos += 2;
  for (let i = 0; i < srv; i++, pos += SRV_RECORD_OCTETS) visit(pos);
}
