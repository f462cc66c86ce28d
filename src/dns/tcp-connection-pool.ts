// The TCP listener's open connections: their admission (tcp-admission.ts), their order of activity,
// their count per client address, and the write budget they share (tcp-write-budget.ts), resuming
// paused readers when it comes back and closing the slowest readers when it is overrun.
import type { Logger } from '../log.js';
import { type AdmissionLimits, admit } from './tcp-admission.js';
import { type Connection, type ConnectionHost } from './tcp-connection.js';
import { TcpCloseReason, type TcpQueryHandler } from './tcp-messages.js';
import { WriteBudget } from './tcp-write-budget.js';

export type Admitted = { readonly kind: 'admit' } | { readonly kind: 'refuse'; readonly reason: TcpCloseReason };

export class TcpConnectionPool implements ConnectionHost {
  /** Open connections, least recently active first. */
  private readonly connections = new Map<Connection, true>();
  private readonly perSource = new Map<string, number>();
  private readonly budget: WriteBudget;
  private resumeScheduled = false;

  constructor(
    readonly onQuery: TcpQueryHandler,
    private readonly logger: Logger,
    writeBudgetBytes: number,
    private readonly onClose: ((reason: TcpCloseReason, opened: boolean) => void) | undefined,
  ) {
    this.budget = new WriteBudget(writeBudgetBytes);
  }

  get size(): number {
    return this.connections.size;
  }

  /** The open connections as they are, least recently active first (live: touching one moves it). */
  live(): IterableIterator<Connection> {
    return this.connections.keys();
  }

  /** The open connections, least recently active first (a copy: closing one while iterating is safe). */
  all(): Connection[] {
    return [...this.connections.keys()];
  }

  /** Whether a connection from `source` may open, evicting another to make room where the rules say so. */
  admit(source: string, limits: AdmissionLimits): Admitted {
    const decision = admit(source, () => this.connections.keys(), this.connections.size, this.perSource, limits);
    if (decision.kind === 'refuse') return decision;
    if (decision.kind === 'evict') decision.victim.close(decision.reason, false);
    return { kind: 'admit' };
  }

  add(conn: Connection): void {
    this.connections.set(conn, true);
    this.perSource.set(conn.source, (this.perSource.get(conn.source) ?? 0) + 1);
  }

  bufferedBytes(): { read: number; write: number } {
    let read = 0;
    let write = 0;
    for (const conn of this.connections.keys()) {
      read += conn.buffered + conn.socket.readableLength;
      write += conn.socket.writableLength;
    }
    return { read, write };
  }

  touch(conn: Connection): void {
    if (!this.connections.has(conn)) return;
    this.connections.delete(conn);
    this.connections.set(conn, true);
  }

  writesChanged(conn: Connection): void {
    if (conn.released) return;
    const now = conn.socket.destroyed ? 0 : conn.socket.writableLength;
    const before = conn.queuedWrite;
    conn.queuedWrite = now;
    if (this.budget.change(before, now)) this.resumeAll();
    if (this.budget.overrun) this.shedSlowestReaders();
  }

  mayRead(conn: Connection): boolean {
    return !this.budget.exhausted || conn.queuedWrite === 0;
  }

  mayWrite(conn: Connection): boolean {
    return !this.budget.exhausted || conn.queuedWrite === 0;
  }

  release(conn: Connection): void {
    if (conn.released) return;
    conn.forget();
    this.connections.delete(conn);
    const left = (this.perSource.get(conn.source) ?? 1) - 1;
    if (left > 0) this.perSource.set(conn.source, left);
    else this.perSource.delete(conn.source);
    if (this.budget.change(conn.queuedWrite, 0)) this.resumeAll();
    conn.queuedWrite = 0;
    this.onClose?.(conn.closeReason ?? TcpCloseReason.CLIENT, true);
  }

  /** The budget came back: let every paused connection read again (outside the caller's stack). */
  private resumeAll(): void {
    if (this.resumeScheduled) return;
    this.resumeScheduled = true;
    setImmediate(() => {
      this.resumeScheduled = false;
      for (const conn of [...this.connections.keys()]) conn.maybeResume();
    });
  }

  /** Past twice the budget: close the connections holding the most queued octets until under it. */
  private shedSlowestReaders(): void {
    while (this.budget.overrun) {
      let slowest: Connection | undefined;
      for (const conn of this.connections.keys()) {
        if (!slowest || conn.queuedWrite > slowest.queuedWrite) slowest = conn;
      }
      if (!slowest || slowest.queuedWrite === 0) return;
      this.logger.debug({ queued: slowest.queuedWrite, total: this.budget.total }, 'dns tcp write budget overrun: closing the slowest reader');
      slowest.close(TcpCloseReason.SLOW_READER, false);
    }
  }
}
