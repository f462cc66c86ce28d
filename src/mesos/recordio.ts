// RecordIO, the framing of the Mesos operator API's event stream: `<decimal length>\n<length bytes>`
// repeated, with chunk boundaries anywhere (docs/streaming.md). The decoder holds at most one
// record's bytes; a record longer than its cap, or a header that is not a short decimal number, is a
// broken stream: the caller drops the connection and resynchronises from a new snapshot.

/** The longest header accepted: 2^53 has 16 digits; anything longer is garbage, not a length. */
const MAX_HEADER_DIGITS = 16;

export class RecordIoError extends Error {
  override readonly name = 'RecordIoError';
}

export class RecordIoDecoder {
  private header = '';
  /** Bytes of the record being read; undefined while reading a header. */
  private record: Buffer | undefined;
  private filled = 0;
  private failed = false;

  constructor(private readonly maxRecordBytes: number) {}

  /** Feeds a chunk; returns the records it completed, in order. Throws RecordIoError on a broken stream. */
  push(chunk: Uint8Array): Buffer[] {
    if (this.failed) throw new RecordIoError('stream already broken');
    const out: Buffer[] = [];
    let i = 0;
    while (i < chunk.length) {
      if (this.record === undefined) {
        const byte = chunk[i++]!;
        if (byte === 0x0a) {
          if (this.startRecord().length === 0) this.finish(out);
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
    return this.record === undefined && this.header === '';
  }

  private startRecord(): Buffer {
    if (this.header === '') this.fail('empty record length header');
    const length = Number(this.header);
    if (length > this.maxRecordBytes) this.fail(`record of ${length} bytes is over the cap of ${this.maxRecordBytes}`);
    this.header = '';
    this.record = Buffer.allocUnsafe(length);
    this.filled = 0;
    return this.record;
  }

  private finish(out: Buffer[]): void {
    out.push(this.record!);
    this.record = undefined;
    this.filled = 0;
  }

  private fail(message: string): never {
    this.failed = true;
    throw new RecordIoError(message);
  }
}

/** One record's framing, for writers (the test master). */
export function encodeRecord(json: string): Buffer {
  const body = Buffer.from(json, 'utf8');
  return Buffer.concat([Buffer.from(`${body.length}\n`, 'ascii'), body]);
}
