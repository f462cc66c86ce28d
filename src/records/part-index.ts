// The index of a table kept in parts (parted-table.ts), built in the reload worker from what it keeps
// of each part once the part's buffers have been handed to the serving thread: the names' hashes, the
// entries' answer-block offsets and the part's ancestors as text. One pass over every name per table
// (no text is read); the ancestors are re-indexed only when their set changes.
import { Buffer } from 'node:buffer';
import { ancestorSlots } from './ancestors.js';
import type { Segment } from './generate.js';
import { ENTRY_FIELDS, hashBytes } from './packed-table.js';
import type { PartedIndex } from './parted-table.js';
import type { AncestorSet, PackedTableData, RecordCounts } from './table.js';

/** The most parts an index can place (a part's place is 16 bits). */
export const MAX_PARTS = 0xffff;

export interface PartMeta {
  readonly id: number;
  readonly entryCount: number;
  /** Each entry's name hash as the builder placed it. */
  readonly hashes: Int32Array;
  /** A second, independent hash per entry: names whose two hashes both match are taken as the same name. */
  readonly checks: Int32Array;
  /** Each entry's answer-block offset in the part, -1 for none. */
  readonly blocks: Int32Array;
  /** The part's own list: once the part is indexed, its texts are the index's shared copies. */
  readonly ancestors: string[];
  readonly counts: RecordCounts;
  readonly frameworks: Int32Array;
}

/**
 * Slots for an index of `names`: a power of two at most 75% full. Fuller than a packed table's (at most
 * 50%): the index is kept in the worker and copied out for every table, and a probe's neighbours
 * share its cache line, so the longer runs cost little.
 */
export function indexSlotsFor(names: number): number {
  return 1 << Math.max(4, Math.ceil(Math.log2((names * 4) / 3 + 1)));
}

export interface BuiltIndex {
  readonly slots: PartedIndex;
  /** Undefined when the set of ancestors is the one of the previous build. */
  readonly ancestors: AncestorSet | undefined;
  readonly counts: RecordCounts;
}

/** A hash of the entry's name independent of the builder's (another seed and mix). */
function checkHashes(data: PackedTableData): Int32Array {
  const { entries, strings } = data;
  const out = new Int32Array(entries.length / ENTRY_FIELDS);
  for (let e = 0; e < out.length; e++) {
    const off = entries[e * ENTRY_FIELDS] as number;
    const end = off + (entries[e * ENTRY_FIELDS + 1] as number);
    let h = 0x9e3779b9;
    for (let i = off; i < end; i++) {
      h = Math.imul(h ^ (strings[i] as number), 0x5bd1e995);
      h ^= h >>> 15;
    }
    out[e] = h;
  }
  return out;
}

/** An ancestor set over `names`, as ancestors.ts lays one out (text, [offset, length], hash slots). */
function ancestorSet(names: Iterable<string>): AncestorSet {
  const list = [...names];
  const strings = Buffer.from(list.join(''), 'utf8');
  const refs = new Int32Array(list.length * 2);
  let off = 0;
  list.forEach((name, i) => {
    const len = Buffer.byteLength(name, 'utf8');
    refs[i * 2] = off;
    refs[i * 2 + 1] = len;
    off += len;
  });
  const slots = ancestorSlots(list.length, (i) => hashBytes(strings, refs[i * 2] as number, (refs[i * 2] as number) + (refs[i * 2 + 1] as number)));
  return { strings: new Uint8Array(strings.buffer, strings.byteOffset, strings.byteLength), refs, slots };
}

/**
 * The kept index: per slot the part's place, entry + 1 and block + 1 (or -1). A slot's name's two
 * hashes are its part's (`parts[part].hashes[entry - 1]`): read where they are rather than kept twice.
 */
interface Slots {
  /** The part at each place when the index was last changed. */
  readonly parts: PartMeta[];
  readonly part: Uint16Array;
  readonly entry: Int32Array;
  readonly block: Int32Array;
}

function slotHash(slots: Slots, slot: number): number {
  return (slots.parts[slots.part[slot] as number] as PartMeta).hashes[(slots.entry[slot] as number) - 1] as number;
}

function slotCheck(slots: Slots, slot: number): number {
  return (slots.parts[slots.part[slot] as number] as PartMeta).checks[(slots.entry[slot] as number) - 1] as number;
}

/** Adds a part's names at place `p`; false when one of them is already indexed (the same name in two parts). */
function insertPart(slots: Slots, p: number, part: PartMeta): boolean {
  const mask = slots.entry.length - 1;
  const { hashes, checks, blocks } = part;
  for (let e = 0; e < part.entryCount; e++) {
    const hash = hashes[e] as number;
    const check = checks[e] as number;
    let slot = hash & mask;
    for (; slots.entry[slot] !== 0; slot = (slot + 1) & mask) {
      if (slotHash(slots, slot) === hash && slotCheck(slots, slot) === check) return false;
    }
    slots.part[slot] = p;
    slots.entry[slot] = e + 1;
    const block = blocks[e] as number;
    slots.block[slot] = block < 0 ? -1 : block + 1;
  }
  return true;
}

/** Removes the names of the part at place `p` (linear probing: later names of a run move back). */
function removePart(slots: Slots, p: number, part: PartMeta): void {
  const mask = slots.entry.length - 1;
  for (let e = 0; e < part.entryCount; e++) {
    let slot = (part.hashes[e] as number) & mask;
    while (slots.entry[slot] !== 0 && !(slots.part[slot] === p && slots.entry[slot] === e + 1)) slot = (slot + 1) & mask;
    if (slots.entry[slot] === 0) continue;
    let hole = slot;
    for (let next = (hole + 1) & mask; slots.entry[next] !== 0; next = (next + 1) & mask) {
      const home = slotHash(slots, next) & mask;
      // The name at `next` may fill the hole when its home is not in (hole, next] (cyclically).
      if (hole <= next ? home > hole && home <= next : home > hole || home <= next) continue;
      for (const array of [slots.part, slots.entry, slots.block]) array[hole] = array[next] as number;
      hole = next;
    }
    slots.entry[hole] = 0;
    slots.part[hole] = 0;
    slots.block[hole] = 0;
  }
}

export class PartIndexBuilder {
  /** Ancestor text → the one copy of it the indexed parts hold, and how many of them have it. */
  private readonly ancestorCounts = new Map<string, { readonly text: string; count: number }>();
  private indexed = new Map<number, PartMeta>();

  /** What the index keeps of a part; read before the part's buffers are handed out. */
  describe(id: number, segment: Segment, frameworks: Int32Array): PartMeta {
    const { data } = segment;
    return {
      id,
      entryCount: data.entries.length / ENTRY_FIELDS,
      hashes: segment.hashes,
      checks: checkHashes(data),
      blocks: segment.blocks,
      ancestors: [...segment.ancestors],
      counts: data.counts,
      frameworks,
    };
  }

  /**
   * The index over `parts` (in table order), or undefined when two parts hold the same name. The index
   * is kept between builds and changed only at the places whose part changed (removing the old part's
   * names, adding the new one's), then copied out: the copy is what the table holds.
   */
  build(parts: readonly PartMeta[]): BuiltIndex | undefined {
    const counts = { names: 0, a: 0, aaaa: 0, srv: 0, ptr: 0, cname: 0 };
    const unique = new Map<number, PartMeta>();
    for (const part of parts) {
      counts.names += part.entryCount;
      for (const key of ['a', 'aaaa', 'srv', 'ptr', 'cname'] as const) counts[key] += part.counts[key];
      unique.set(part.id, part);
    }
    // A part's place is a 16-bit number in the index: more parts than that are generated whole.
    if (parts.length > MAX_PARTS) return undefined;
    const slots = this.slots;
    const relayout = !slots || slots.parts.length !== parts.length || indexSlotsFor(counts.names) > slots.entry.length;
    const ok = relayout ? this.rebuild(parts, counts.names) : this.update(slots, parts);
    if (!ok) {
      this.slots = undefined;
      return undefined;
    }
    const live = this.slots as Slots;
    return {
      slots: { slotPart: live.part.slice(), slotEntry: live.entry.slice(), slotBlock: live.block.slice() },
      ancestors: this.updateAncestors(unique),
      counts,
    };
  }

  private slots: Slots | undefined;

  private rebuild(parts: readonly PartMeta[], names: number): boolean {
    const size = indexSlotsFor(names);
    const slots: Slots = {
      parts: [...parts],
      part: new Uint16Array(size),
      entry: new Int32Array(size),
      block: new Int32Array(size),
    };
    this.slots = slots;
    for (let p = 0; p < parts.length; p++) if (!insertPart(slots, p, parts[p] as PartMeta)) return false;
    return true;
  }

  private update(slots: Slots, parts: readonly PartMeta[]): boolean {
    for (let p = 0; p < parts.length; p++) {
      const before = slots.parts[p] as PartMeta;
      const after = parts[p] as PartMeta;
      if (before === after) continue;
      removePart(slots, p, before);
      slots.parts[p] = after;
      if (!insertPart(slots, p, after)) return false;
    }
    return true;
  }

  private updateAncestors(parts: Map<number, PartMeta>): AncestorSet | undefined {
    // Additions first: an ancestor that moves from an old part to its new version stays counted.
    let changed = this.indexed.size === 0;
    for (const [id, part] of parts) {
      if (this.indexed.has(id)) continue;
      const names = part.ancestors;
      for (let i = 0; i < names.length; i++) {
        const name = names[i] as string;
        const known = this.ancestorCounts.get(name);
        if (known) {
          known.count++;
          // One copy of each text: a framework's ancestors recur in thousands of parts.
          names[i] = known.text;
        } else {
          this.ancestorCounts.set(name, { text: name, count: 1 });
          changed = true;
        }
      }
    }
    for (const [id, part] of this.indexed) {
      if (parts.has(id)) continue;
      for (const name of part.ancestors) {
        const known = this.ancestorCounts.get(name);
        if (known && --known.count === 0) {
          this.ancestorCounts.delete(name);
          changed = true;
        }
      }
    }
    this.indexed = parts;
    return changed ? ancestorSet(this.ancestorCounts.keys()) : undefined;
  }
}
