// RecordIO, the framing of the Mesos operator API's event stream: `<decimal length>\n<length bytes>`
// repeated, with chunk boundaries anywhere (docs/streaming.md). The decoder holds at most one
// record's bytes, or of a long one (a snapshot) one piece, the pieces going out as they fill; a record
// longer than its cap, or a header that is not a short decimal number, is a broken stream: the caller
// drops the connection and resynchronises from a new snapshot.

/** The longest header accepted: 2^53 has 16 digits; anything longer is garbage, not a length. */
const MAX_HEADER_DIGITS = 16;

export class RecordIoError extends Error {
  override readonly name = 'RecordIoError';
}

/** How many of a pieced record's first and last bytes are kept (its type and heartbeat interval are there). */
export const RECORD_EDGE_BYTES = 256;
/** A pieced record goes out in pieces of this size (the last may be shorter). */
export const PIECE_BYTES = 1024 * 1024;

/**
 * A record long enough to go out in pieces as it arrives, so that it is never held whole here (a
 * snapshot: 80 MB at 100,000 tasks): what is kept of it once complete.
 */
export interface PiecedRecord {
  /** Unique in this process: the pieces carried it. */
  readonly id: number;
  readonly length: number;
  /** Copies of its first and last RECORD_EDGE_BYTES bytes (or fewer). */
  readonly head: Buffer;
  readonly tail: Buffer;
}

export interface RecordPieces {
  /** Records of at least this many bytes go out in pieces. */
  readonly fromBytes: number;
  /** Each piece, in order, in an ArrayBuffer of its own (to transfer); the record is `length` bytes in all. */
  readonly onPiece: (id: number, piece: Uint8Array, length: number) => void;
  /**
   * Undefined while the pieces' reader keeps up; else a promise that settles once it has caught up, and
   * the stream is not read meanwhile (TCP holds the master back): pieces must not pile up unread.
   */
  readonly room?: () => Promise<void> | undefined;
}

export type DecodedRecord = Buffer | PiecedRecord;

export function isPieced(record: DecodedRecord): record is PiecedRecord {
  return !Buffer.isBuffer(record);
}

let nextPiecedId = 1;

/** A record being sent out in pieces. */
interface Piecing {
  readonly id: number;
  readonly length: number;
  /** Bytes of the record sent so far, plus those in `piece`. */
  filled: number;
  piece: Uint8Array;
  pieceFilled: number;
  head: Buffer | undefined;
  tail: Buffer;
}

export class RecordIoDecoder {
  private header = '';
  /** Bytes of the record being read; undefined while reading a header. */
  private record: Buffer | undefined;
  private filled = 0;
  private failed = false;

  private piecing: Piecing | undefined;

  constructor(
    private readonly maxRecordBytes: number,
    private readonly pieces?: RecordPieces,
  ) {}

  /**
   * Feeds a chunk; returns the records it completed, in order (a pieced record once its last piece
   * has gone out). Throws RecordIoError on a broken stream.
   */
  push(chunk: Uint8Array): DecodedRecord[] {
    if (this.failed) throw new RecordIoError('stream already broken');
    const out: DecodedRecord[] = [];
    let i = 0;
    while (i < chunk.length) {
      if (this.piecing) {
        i = this.fillPiece(chunk, i, out);
      } else if (this.record === undefined) {
        const byte = chunk[i++]!;
        if (byte === 0x0a) {
          if (this.startRecord() === 0) this.finish(out);
        } else if (byte >= 0x30 && byte <= 0x39 && this.header.length < MAX_HEADER_DIGITS) {
          this.header += String.fromCharCode(byte);
        } else {
          this.fail(byte >= 0x30 && byte <= 0x39 ? 'record length header too long' : `unexpected byte 0x${byte.toString(16)} in a record length header`);
        }
      } else {
        const take = Math.min(this.record.length - this.filled, chunk.length - i);
        this.record.set(chunk.subarray(i, i + take), this.filled);
        this.filled += take;
        i += take;
        if (this.filled === this.record.length) this.finish(out);
      }
    }
    return out;
  }

  /** True when the stream ended between records (an end mid-record is a truncated record). */
  atBoundary(): boolean {
    return this.record === undefined && this.piecing === undefined && this.header === '';
  }

  /** Starts the record whose header was just read; returns its length. */
  private startRecord(): number {
    if (this.header === '') this.fail('empty record length header');
    const length = Number(this.header);
    if (length > this.maxRecordBytes) this.fail(`record of ${length} bytes is over the cap of ${this.maxRecordBytes}`);
    this.header = '';
    this.filled = 0;
    if (this.pieces && length > 0 && length >= this.pieces.fromBytes) {
      this.piecing = { id: nextPiecedId++, length, filled: 0, piece: new Uint8Array(Math.min(PIECE_BYTES, length)), pieceFilled: 0, head: undefined, tail: Buffer.alloc(0) };
    } else {
      this.record = Buffer.allocUnsafe(length);
    }
    return length;
  }

  /** Copies chunk bytes from `i` into the current piece, sending it when full; returns where it stopped. */
  private fillPiece(chunk: Uint8Array, i: number, out: DecodedRecord[]): number {
    const p = this.piecing as Piecing;
    const take = Math.min(p.piece.length - p.pieceFilled, chunk.length - i);
    p.piece.set(chunk.subarray(i, i + take), p.pieceFilled);
    p.pieceFilled += take;
    p.filled += take;
    if (p.pieceFilled === p.piece.length) {
      const piece = p.piece;
      p.head ??= Buffer.from(piece.subarray(0, RECORD_EDGE_BYTES));
      p.tail = lastBytes(p.tail, piece);
      const left = p.length - p.filled;
      if (left > 0) {
        p.piece = new Uint8Array(Math.min(PIECE_BYTES, left));
        p.pieceFilled = 0;
      }
      (this.pieces as RecordPieces).onPiece(p.id, piece, p.length);
      if (left === 0) {
        this.piecing = undefined;
        out.push({ id: p.id, length: p.length, head: p.head, tail: p.tail });
      }
    }
    return i + take;
  }

  private finish(out: DecodedRecord[]): void {
    out.push(this.record!);
    this.record = undefined;
    this.filled = 0;
  }

  private fail(message: string): never {
    this.failed = true;
    throw new RecordIoError(message);
  }
}

/** The last RECORD_EDGE_BYTES bytes of `before` followed by `next`. */
function lastBytes(before: Buffer, next: Uint8Array): Buffer {
  if (next.length >= RECORD_EDGE_BYTES) return Buffer.from(next.subarray(next.length - RECORD_EDGE_BYTES));
  const joined = Buffer.concat([before, next]);
  return Buffer.from(joined.subarray(Math.max(0, joined.length - RECORD_EDGE_BYTES)));
}

/** One record's framing, for writers (the test master). */
export function encodeRecord(json: string): Buffer {
  const body = Buffer.from(json, 'utf8');
  return Buffer.concat([Buffer.from(`${body.length}\n`, 'ascii'), body]);
}
