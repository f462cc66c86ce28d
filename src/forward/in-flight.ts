// How many exchanges are in flight, in all and per client, so one client cannot take them all.

export type Admission = 'admitted' | 'rejected' | 'client_share';

export class InFlightExchanges {
  private total = 0;
  /** Exchanges in flight per client address (clientKey form). */
  private readonly byClient = new Map<string, number>();

  get count(): number {
    return this.total;
  }

  /** Takes a place for `client` when both limits allow it. */
  admit(client: string, maxInFlight: number, maxPerClient: number): Admission {
    if (this.total >= maxInFlight) return 'rejected';
    const held = this.byClient.get(client) ?? 0;
    if (held >= maxPerClient) return 'client_share';
    this.total += 1;
    this.byClient.set(client, held + 1);
    return 'admitted';
  }

  release(client: string): void {
    this.total -= 1;
    const left = (this.byClient.get(client) ?? 1) - 1;
    if (left > 0) this.byClient.set(client, left);
    else this.byClient.delete(client);
  }
}
