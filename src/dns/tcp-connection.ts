// One DNS/TCP connection (RFC 7766): reads 2-octet-framed queries while every bound on buffering has
// room, answers them as they complete (pipelined), writes a stream reply one message at a time as the
// client reads, and closes gracefully (the FIN, then a destroy after a grace) or at once. What it
// shares with the other connections (activity order, the write budget) it asks its host.
import type { Socket } from 'node:net';
import type { Occupant } from './tcp-admission.js';
import { MAX_TCP_QUERY_BYTES, type ReplyStream, TcpCloseReason, type TcpQueryHandler, isReplyStream } from './tcp-messages.js';

/** Queries of one connection waiting for upstream replies before reading pauses. */
const MAX_IN_FLIGHT_PER_CONNECTION = 64;
/** Reply bytes queued on one connection before reading pauses. */
const MAX_PENDING_WRITE_BYTES = 1024 * 1024;
/** A stream's next message is made only while fewer reply bytes than this wait for the kernel (one message). */
const STREAM_QUEUE_BYTES = 64 * 1024;
/** What a connection needs from its listener. */
export interface ConnectionHost {
  readonly onQuery: TcpQueryHandler;
  /** Marks the connection the most recently active. */
  touch(conn: Connection): void;
  /** The connection's queued reply octets may have changed. */
  writesChanged(conn: Connection): void;
  /** False while the write budget of all connections is spent and this connection has replies queued. */
  mayRead(conn: Connection): boolean;
  /** The same test for a stream's next message. */
  mayWrite(conn: Connection): boolean;
  /** The connection is gone (destroyed, or closed by the peer): forget it. Idempotent. */
  release(conn: Connection): void;
}

export class Connection implements Occupant {
  private chunks: Buffer[] = [];
  /** Query octets in `chunks`. */
  buffered = 0;
  inFlight = 0;
  busySince = 0;
  /** Reply octets counted against the write budget (the socket's writableLength when last looked at). */
  queuedWrite = 0;
  released = false;
  private paused = false;
  private stopped = false;
  private readEnded = false;
  private graceTimer: NodeJS.Timeout | undefined;
  /** The multi-message reply being written; nothing more is read meanwhile. */
  private stream: ReplyStream | undefined;
  private pumpScheduled = false;
  closeReason: TcpCloseReason | undefined;
  /** One callback for every write of this connection: the kernel took a frame. */
  private readonly flushed = (): void => {
    this.host.writesChanged(this);
    this.pump();
    // Paused for the write budget with a reply below the socket's high-water mark: no 'drain' comes.
    if (this.queuedWrite === 0) this.maybeResume();
  };

  constructor(
    readonly socket: Socket,
    readonly source: string,
    private readonly graceMs: number,
    private readonly host: ConnectionHost,
  ) {}

  get idle(): boolean {
    return this.inFlight === 0;
  }

  get closing(): boolean {
    return this.closeReason !== undefined;
  }

  /** A stream is being written (its messages go out as the client reads them). */
  get streaming(): boolean {
    return this.stream !== undefined;
  }

  onData(chunk: Buffer): void {
    if (this.closeReason !== undefined) return; // already paused; a chunk read before that is dropped
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    this.host.touch(this);
    this.processFrames();
  }

  onEnd(): void {
    this.readEnded = true;
    this.endIfDone();
  }

  /** Takes `n` buffered octets (n ≤ buffered) as one contiguous buffer. */
  private take(n: number): Buffer {
    let first = this.chunks[0] as Buffer;
    if (first.length < n) {
      first = Buffer.concat(this.chunks, this.buffered);
      this.chunks = [first];
    }
    const out = first.subarray(0, n);
    if (first.length === n) this.chunks.shift();
    else this.chunks[0] = first.subarray(n);
    this.buffered -= n;
    return out;
  }

  private peekLength(): number {
    const first = this.chunks[0] as Buffer;
    if (first.length >= 2) return first.readUInt16BE(0);
    const second = this.chunks[1] as Buffer;
    return ((first[0] as number) << 8) | (second[0] as number);
  }

  /** Whether the next query may be read: not closing, and every bound on buffering has room. */
  private mayRead(): boolean {
    return (
      !this.released &&
      !this.stopped &&
      this.closeReason === undefined &&
      this.stream === undefined &&
      this.inFlight < MAX_IN_FLIGHT_PER_CONNECTION &&
      this.socket.writableLength <= MAX_PENDING_WRITE_BYTES &&
      this.host.mayRead(this)
    );
  }

  private processFrames(): void {
    while (this.buffered >= 2 && this.mayRead()) {
      const length = this.peekLength();
      if (length === 0) return this.close(TcpCloseReason.ZERO_LENGTH, true);
      if (length > MAX_TCP_QUERY_BYTES) return this.close(TcpCloseReason.OVERSIZED, false);
      if (this.buffered < 2 + length) return;
      const message = this.take(2 + length).subarray(2);
      const result = this.host.onQuery(message, this.socket.remoteAddress ?? '');
      if (result instanceof Uint8Array) {
        this.write(result);
      } else if (isReplyStream(result)) {
        this.startStream(result);
      } else if (result) {
        if (this.inFlight++ === 0) this.busySince = performance.now();
        void result
          .then((reply) => {
            if (reply) this.write(reply);
          })
          .finally(() => {
            this.inFlight--;
            this.maybeResume();
            this.endIfDone();
          });
      }
    }
    if (!this.paused && this.closeReason === undefined && !this.mayRead()) {
      this.paused = true;
      this.socket.pause();
    }
  }

  maybeResume(): void {
    this.pump();
    if (!this.paused || !this.mayRead()) return;
    this.paused = false;
    this.socket.resume();
    this.processFrames();
  }

  private startStream(stream: ReplyStream): void {
    this.stream = stream;
    if (this.inFlight++ === 0) this.busySince = performance.now();
    this.pump();
  }

  /** Whether the stream's next message may be made and queued now. */
  private streamHasRoom(): boolean {
    return this.socket.writableLength < STREAM_QUEUE_BYTES && this.host.mayWrite(this);
  }

  /**
   * Schedules the stream's next message for the next turn of the event loop when there is room; else
   * the kernel taking a frame (flushed), 'drain' or the budget coming back calls this again.
   */
  private pump(): void {
    if (this.stream === undefined || this.pumpScheduled) return;
    if (this.released || this.closeReason !== undefined || this.socket.destroyed) return this.endStream(false);
    if (!this.streamHasRoom()) return;
    this.pumpScheduled = true;
    setImmediate(this.pumpStep);
  }

  private readonly pumpStep = (): void => {
    this.pumpScheduled = false;
    const stream = this.stream;
    if (stream === undefined) return;
    if (this.released || this.closeReason !== undefined || this.socket.destroyed) return this.endStream(false);
    if (!this.streamHasRoom()) return;
    let message: Uint8Array | undefined;
    try {
      message = stream.next();
    } catch (err) {
      this.endStream(false, err);
      this.close(TcpCloseReason.ERROR, false);
      return;
    }
    if (message === undefined) return this.endStream(true);
    this.write(message);
    this.pump();
  };

  private endStream(complete: boolean, error?: unknown): void {
    const stream = this.stream;
    if (stream === undefined) return;
    this.stream = undefined;
    this.inFlight--;
    stream.done(complete, error);
    if (this.released) return;
    this.maybeResume();
    this.endIfDone();
  }

  private write(reply: Uint8Array): void {
    const socket = this.socket;
    if (socket.destroyed || !socket.writable) return;
    const frame = Buffer.allocUnsafe(reply.length + 2);
    frame.writeUInt16BE(reply.length, 0);
    frame.set(reply, 2);
    socket.write(frame, this.flushed);
    this.host.writesChanged(this);
    this.host.touch(this);
  }

  /** After the client half-closed, end our side once every answer is out. */
  private endIfDone(): void {
    if ((this.readEnded || this.stopped) && this.inFlight === 0 && this.closeReason === undefined) {
      this.close(this.readEnded ? TcpCloseReason.CLIENT : TcpCloseReason.SHUTDOWN, true);
    }
  }

  /** Stop reading queries (shutdown); the connection ends once its answers are out. */
  stop(): void {
    this.stopped = true;
    this.socket.pause();
    this.endIfDone();
  }

  /**
   * Graceful: stop reading, send what is queued and the FIN, and destroy the connection after the grace
   * whatever the client does. Otherwise (or when already closing) destroy it now.
   */
  close(reason: TcpCloseReason, graceful: boolean): void {
    if (this.released) return;
    if (this.closeReason !== undefined) {
      if (!graceful) this.destroy();
      return;
    }
    this.closeReason = reason;
    this.chunks = [];
    this.buffered = 0;
    this.endStream(false);
    if (!graceful) return this.destroy();
    this.paused = true;
    this.socket.pause();
    this.socket.end();
    this.graceTimer = setTimeout(() => this.destroy(), this.graceMs);
    this.graceTimer.unref();
  }

  private destroy(): void {
    this.socket.destroy();
    this.host.release(this);
  }

  /** Called once, by the listener's release(). */
  forget(): void {
    clearTimeout(this.graceTimer);
    this.released = true;
    this.endStream(false);
    this.chunks = [];
    this.buffered = 0;
  }
}
