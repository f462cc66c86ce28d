// The record table contract: what generation produces and what the DNS server and HTTP API read.
// A table is immutable. Its storage is a few flat buffers (see packed-table.ts) so a table built in a
// worker thread can be handed to the serving thread by transfer, without copying or rebuilding.

/** The record types Mesos-DNS stores (and enumerates per task). */
export type RecordType = 'A' | 'AAAA' | 'SRV';

/**
 * The stored values of one name: A, AAAA and SRV exactly as Mesos-DNS stores them (behaviour §2.1), plus
 * our PTR (ReverseZones) and CNAME (StaticRecordsFile) lists.
 */
export interface NameRecords {
  /** IPv4 text; may hold a non-IP slave host fragment (behaviour §2.5), which DNS skips. */
  readonly a: readonly string[];
  readonly aaaa: readonly string[];
  /** "<target FQDN>:<port>", e.g. "nginx-6ud99-0.marathon.slave.mesos.:31000". */
  readonly srv: readonly string[];
  /** Target FQDNs of a reverse name (in a ReverseZones zone). */
  readonly ptr: readonly string[];
  /** The target FQDN of a static CNAME: at most one, and then the name has no other records. */
  readonly cname: readonly string[];
}

export interface EnumeratedRecord {
  readonly name: string;
  readonly host: string;
  readonly rtype: RecordType;
}

export interface EnumeratedTask {
  readonly name: string;
  readonly id: string;
  /** The records this task inserted first (behaviour §2.14); null when it inserted none. */
  readonly records: readonly EnumeratedRecord[] | null;
}

export interface EnumeratedFramework {
  readonly name: string;
  /** Decoded lazily, one task at a time, so a huge framework can be streamed. */
  readonly tasks: Iterable<EnumeratedTask>;
  readonly taskCount: number;
}

export interface RecordCounts {
  readonly names: number;
  readonly a: number;
  readonly aaaa: number;
  readonly srv: number;
  readonly ptr: number;
  readonly cname: number;
}

export interface RecordTable {
  /** Lower-cased domain without the trailing dot, e.g. "mesos". */
  readonly domain: string;
  readonly counts: RecordCounts;
  /**
   * O(1) lookup of a stored name (FQDN with the trailing dot). Keys are matched exactly as stored;
   * DNS and HTTP callers lower-case the query first, so raw upper-case names stay unreachable
   * (behaviour §2.10).
   */
  lookup(name: string): NameRecords | undefined;
  /** Every stored name with its records, in generation order (first insertion of the name). */
  entries(): Iterable<readonly [string, NameRecords]>;
  /** Frameworks in state order (behaviour §2.14). */
  frameworks(): Iterable<EnumeratedFramework>;
  readonly frameworkCount: number;
  /** Whether `name` (an exact, lower-cased FQDN) is a proper ancestor of a stored name: an empty non-terminal. */
  hasDescendants(name: string): boolean;
  /** The answer blocks and their index, for the DNS direct path (answer-blocks.ts). */
  readonly answers: AnswerIndex;
  /** The flat buffers behind a table built whole, for transfer between threads; undefined for a table kept in parts. */
  readonly data?: PackedTableData | undefined;
}

/** A table built whole: one set of flat buffers. */
export interface PackedTable extends RecordTable {
  readonly data: PackedTableData;
}

/** Proper ancestors of the stored names: [offset, length] into `strings`, with a hash index. */
export interface AncestorSet {
  readonly strings: Uint8Array;
  readonly refs: Int32Array;
  /** Open-addressing slots holding index + 1 (0 = empty); length is a power of two. */
  readonly slots: Int32Array;
}

/**
 * Where the direct path finds a name's answer block: the index is one table of slots over every
 * name (the name's hash, linear probing) holding block offset + 1 (-1: a name without a block; 0:
 * empty). A whole table has one part; a table kept in parts says per slot which part's blocks hold it.
 */
export interface AnswerIndex {
  readonly slots: Int32Array;
  /** Per slot, the part whose blocks (and strings) the block offset is in; undefined: part 0. */
  readonly slotPart: Uint16Array | undefined;
  readonly parts: readonly PackedTableData[];
  readonly ancestors: AncestorSet;
  /**
   * An SRV target given as text is only known not to be stored in its own part: another part may
   * store it (and its addresses), so the direct path leaves such answers to the general path.
   */
  readonly partial: boolean;
}

/** Serialisable form of a table: typed arrays only, transferable with postMessage. */
export interface PackedTableData {
  readonly domain: string;
  /** UTF-8 bytes of every string in the table. */
  readonly strings: Uint8Array;
  /**
   * Per name: [nameOff, nameLen, aStart, aCount, aaaaStart, aaaaCount, srvStart, srvCount, ptrStart,
   * ptrCount, cnameStart, cnameCount].
   */
  readonly entries: Int32Array;
  /** Per value: [off, len] into strings. */
  readonly values: Int32Array;
  /** Open-addressing hash slots holding entry index + 1 (0 = empty); length is a power of two. */
  readonly slots: Int32Array;
  /** Per framework: [nameOff, nameLen, firstTask, taskCount]. */
  readonly frameworks: Int32Array;
  /** Per task: [nameOff, nameLen, idOff, idLen, firstRecord, recordCount]. */
  readonly tasks: Int32Array;
  /** Per enumerated record: [entry index, position in the entry's list << 3 | type (0 A, 1 AAAA, 2 SRV)] (RECORD_FIELDS). */
  readonly taskRecords: Int32Array;
  /** [offset, length] into strings of every proper ancestor (below the apex) of a stored name, once each. */
  readonly ancestors: Int32Array;
  /** Open-addressing hash slots over `ancestors` holding index + 1 (0 = empty); a power of two long. */
  readonly ancestorSlots: Int32Array;
  /** Each askable name's records in wire form, for the DNS answer path (answer-blocks.ts). */
  readonly answers: Uint8Array;
  /** The hash slots of `slots`, holding block offset + 1 (-1: a name without a block; 0 = empty). */
  readonly answerSlots: Int32Array;
  readonly counts: RecordCounts;
}
