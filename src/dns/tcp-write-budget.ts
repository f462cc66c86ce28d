// The reply octets all DNS/TCP connections together may hold queued in memory, waiting for clients
// that read slowly or not at all. Each connection also pauses on its own (tcp-server.ts), but a cap per
// connection times the connection cap is still a gigabyte; this bounds the sum. Past the budget, every
// connection that has replies queued stops reading queries (one whose replies the kernel took keeps
// going, so clients that read are still served); they read again once their own queue drained, or the
// total drained to half the budget. Replies already on their way (forwards in flight) are still queued,
// so the total can pass the budget; past twice the budget the listener closes the connections holding
// the most (the slowest readers).

export class WriteBudget {
  private queued = 0;
  private spent = false;

  constructor(readonly limit: number) {}

  /** A connection's queued octets went from `before` to `after`. True when the budget just came back. */
  change(before: number, after: number): boolean {
    this.queued += after - before;
    if (!this.spent) {
      this.spent = this.queued > this.limit;
      return false;
    }
    if (this.queued > this.limit / 2) return false;
    this.spent = false;
    return true;
  }

  /** Connections with replies queued must not read more queries. */
  get exhausted(): boolean {
    return this.spent;
  }

  /** The listener must close its slowest readers. */
  get overrun(): boolean {
    return this.queued > 2 * this.limit;
  }

  get total(): number {
    return this.queued;
  }
}
