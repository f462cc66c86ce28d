// Reassembles ZooKeeper frames (a big-endian int32 length, then that many bytes) from socket chunks.
// Chunks are kept in a list and joined once per frame, only when the frame is complete and spans
// several chunks, so a frame costs O(its size) however finely it arrives. Pure.

/**
 * The largest frame accepted: 16 × ZooKeeper's default jute.maxbuffer (1 MiB), which a server does
 * not exceed for the replies leader detection reads (a children list, a MasterInfo). A longer
 * declared length is refused before any of it is buffered.
 */
export const MAX_FRAME_BYTES = 16 * 1024 * 1024;

export class FrameLengthError extends Error {
  constructor(readonly declared: number) {
    super(`ZooKeeper frame length ${declared} outside 0–${MAX_FRAME_BYTES}`);
    this.name = 'FrameLengthError';
  }
}

export class FrameAssembler {
  private chunks: Buffer[] = [];
  /** Offset of the first unread byte in chunks[0]. */
  private head = 0;
  private buffered = 0;
  private copied = 0;

  constructor(private readonly maxFrameBytes = MAX_FRAME_BYTES) {}

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
  }

  /**
   * The next complete frame's payload, or undefined until one has arrived. Throws FrameLengthError
   * when the declared length is negative or above the limit (the stream cannot be trusted after).
   * A payload inside one chunk is a view of it, not a copy.
   */
  next(): Buffer | undefined {
    if (this.buffered < 4) return undefined;
    const length = this.declaredLength();
    if (length < 0 || length > this.maxFrameBytes) throw new FrameLengthError(length);
    if (this.buffered < 4 + length) return undefined;
    this.skip(4);
    return this.take(length);
  }

  /** Bytes buffered and not yet returned. */
  bufferedBytes(): number {
    return this.buffered;
  }

  /** Bytes copied so far to join frames that spanned chunks (each such frame once). */
  copiedBytes(): number {
    return this.copied;
  }

  private declaredLength(): number {
    const first = this.chunks[0] as Buffer;
    if (first.length - this.head >= 4) return first.readInt32BE(this.head);
    const header = Buffer.allocUnsafe(4);
    this.copyOut(header, 4, false);
    return header.readInt32BE(0);
  }

  private skip(n: number): void {
    let left = n;
    let drop = 0;
    let head = this.head;
    while (left > 0) {
      const available = (this.chunks[drop] as Buffer).length - head;
      if (available > left) {
        head += left;
        break;
      }
      left -= available;
      drop++;
      head = 0;
    }
    // One splice, not a shift per chunk: a frame of many chunks stays linear.
    if (drop > 0) this.chunks.splice(0, drop);
    this.head = head;
    this.buffered -= n;
  }

  private take(n: number): Buffer {
    const first = this.chunks[0];
    if (first && first.length - this.head >= n) {
      const view = first.subarray(this.head, this.head + n);
      this.skip(n);
      return view;
    }
    const out = Buffer.allocUnsafe(n);
    this.copyOut(out, n, true);
    this.copied += n;
    return out;
  }

  /** Copies the first n buffered bytes into out; consumes them when `consume`. */
  private copyOut(out: Buffer, n: number, consume: boolean): void {
    let written = 0;
    let index = 0;
    let offset = this.head;
    while (written < n) {
      const chunk = this.chunks[index] as Buffer;
      const count = Math.min(chunk.length - offset, n - written);
      chunk.copy(out, written, offset, offset + count);
      written += count;
      offset += count;
      if (offset === chunk.length) {
        index++;
        offset = 0;
      }
    }
    if (consume) this.skip(n);
  }
}
