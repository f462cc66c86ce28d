// A part of a table kept in parts, packed for the serving thread (docs/streaming.md, "Incremental
// tables"): one buffer of exactly its size, without what only a whole table uses (its own name slots,
// answer slots and ancestors: the parted table's index and ancestor set stand for them), and with
// each name's text held once. A name with an answer block is read from its block, which begins with
// the name: the part's strings are its other texts followed by the blocks, one view over both, so
// every offset into the strings still finds its text (about a quarter of a part's size).
import { forEachSrvRecord, setSrvTargetRef, srvTargetLength, srvTargetRef } from './answer-blocks.js';
import { ENTRY_FIELDS, FRAMEWORK_FIELDS, packTight, TASK_FIELDS, TightBuffer } from './packed-table.js';
import type { PackedTableData } from './table.js';

/** A text's place before packing, as one number: offset * 2^16 + length (a text is under 64 KiB). */
function textKey(off: number, len: number): number {
  return off * 0x10000 + len;
}

/** The texts of a part's strings that something refers to, each once, and where each goes. */
class TextPlan {
  /** Texts copied to the front of the new strings: key → new offset. */
  private readonly copied = new Map<number, number>();
  /** Names read from their blocks: key → block offset. */
  private readonly inBlocks = new Map<number, number>();
  size = 0;

  constructor(private readonly strings: Uint8Array) {}

  nameInBlock(off: number, len: number, block: number): void {
    this.inBlocks.set(textKey(off, len), block);
  }

  need(off: number, len: number): void {
    const key = textKey(off, len);
    if (this.inBlocks.has(key) || this.copied.has(key)) return;
    this.copied.set(key, this.size);
    this.size += len;
  }

  /** The text's new offset: in the copied texts, or in its block (after the copied texts). */
  placeOf(off: number, len: number): number {
    const key = textKey(off, len);
    const block = this.inBlocks.get(key);
    return block === undefined ? (this.copied.get(key) as number) : this.size + block + 1;
  }

  write(into: Uint8Array): void {
    for (const [key, at] of this.copied) {
      const off = Math.floor(key / 0x10000);
      into.set(this.strings.subarray(off, off + (key % 0x10000)), at);
    }
  }
}

/** Where a part's texts are referred to: per array, its row width and the fields holding [offset, length]. */
const TEXT_FIELDS = [
  ['entries', ENTRY_FIELDS, [0]],
  ['values', 2, [0]],
  ['frameworks', FRAMEWORK_FIELDS, [0]],
  ['tasks', TASK_FIELDS, [0, 2]],
] as const;

/** Each [offset, length] pair of `data`'s rows, through `visit` (which is given the array and the offset's index). */
function forEachText(data: Pick<PackedTableData, (typeof TEXT_FIELDS)[number][0]>, visit: (rows: Int32Array, at: number) => void): void {
  for (const [name, width, fields] of TEXT_FIELDS) {
    const rows = data[name];
    for (let row = 0; row < rows.length; row += width) for (const field of fields) visit(rows, row + field);
  }
}

const NO_TEXTS = new Int32Array(0);

/** Packs `data` (a part as its builder left it) given each entry's block offset (-1: none). */
export function packPart(data: PackedTableData, blocks: Int32Array): PackedTableData {
  // Texts are told apart by offset and length in one number: a length of 64 KiB or more (never in
  // practice) keeps them as they are.
  let longest = 0;
  forEachText(data, (rows, at) => (longest = Math.max(longest, rows[at + 1] as number)));
  if (longest >= 0x10000) return packTight({ ...data, slots: NO_TEXTS, answerSlots: NO_TEXTS, ancestors: NO_TEXTS, ancestorSlots: NO_TEXTS });
  const plan = new TextPlan(data.strings);
  const { entries, answers } = data;
  for (let e = 0; e < blocks.length; e++) {
    const block = blocks[e] as number;
    if (block >= 0) plan.nameInBlock(entries[e * ENTRY_FIELDS] as number, entries[e * ENTRY_FIELDS + 1] as number, block);
  }
  forEachText(data, (rows, at) => plan.need(rows[at] as number, rows[at + 1] as number));
  // SRV targets that are not names of this part are read from the strings too.
  const textTargets: number[] = [];
  for (const block of blocks) {
    if (block < 0) continue;
    forEachSrvRecord(answers, block, (rec) => {
      const ref = srvTargetRef(answers, rec);
      if (ref >= 0) return;
      textTargets.push(rec);
      plan.need(-1 - ref, srvTargetLength(answers, rec));
    });
  }
  const ints = [data.entries, data.values, data.frameworks, data.tasks, data.taskRecords] as const;
  const tight = new TightBuffer(ints.reduce((n, a) => n + a.length * 4, 0) + plan.size + answers.length);
  const out = { entries: tight.ints(data.entries), values: tight.ints(data.values), frameworks: tight.ints(data.frameworks), tasks: tight.ints(data.tasks), taskRecords: tight.ints(data.taskRecords) };
  const strings = tight.bytes(plan.size + answers.length);
  plan.write(strings);
  strings.set(answers, plan.size);
  const packedAnswers = strings.subarray(plan.size);
  for (const rec of textTargets) {
    setSrvTargetRef(packedAnswers, rec, -1 - plan.placeOf(-1 - srvTargetRef(packedAnswers, rec), srvTargetLength(packedAnswers, rec)));
  }
  forEachText(out, (rows, at) => (rows[at] = plan.placeOf(rows[at] as number, rows[at + 1] as number)));
  const none = new Int32Array(tight.buffer, 0, 0);
  return { domain: data.domain, ...out, slots: none, answerSlots: none, ancestors: none, ancestorSlots: none, strings, answers: packedAnswers, counts: data.counts };
}
