// A zone transfer client for tests and benchmarks (loopback): sends AXFR (or IXFR with a serial) over
// one connection of the tests' DNS client (dns-client.ts) and reads the answer stream until the closing
// SOA (RFC 5936: SOA first, SOA last), an error rcode, the server closing, or the deadline. Every
// message is read with the server's own message reader (src/wire/message.ts), so the record counts and
// types come from the wire.
import { parseLayout } from '../../src/wire/message.js';
import { TcpClient } from './dns-client.js';
import { buildQuery, ixfrQuery } from './dns-codec.js';

const SOA = 6;

export interface TransferOptions {
  readonly port: number;
  readonly host?: string;
  /** Connect from this address (e.g. 127.0.0.2, a client outside an allow-list). */
  readonly localAddress?: string;
  readonly zone: string;
  readonly qtype?: 'AXFR' | 'IXFR';
  /** IXFR: the serial the client claims to have (its SOA goes in the authority section). */
  readonly ixfrSerial?: number;
  readonly id?: number;
  /** Keep every message (small zones); otherwise only counts are kept. */
  readonly keepMessages?: boolean;
  readonly timeoutMs?: number;
  /** Called for every message as it arrives. */
  readonly onMessage?: (message: Buffer) => void;
}

export interface TransferResult {
  /** The first message's rcode. */
  readonly rcode: number;
  readonly messages: number;
  readonly bytes: number;
  readonly records: number;
  /** The largest message, in octets (without the 2-octet length). */
  readonly largest: number;
  readonly firstType: number | undefined;
  readonly lastType: number | undefined;
  readonly soaRecords: number;
  /** IDs of the messages (all must be the query's). */
  readonly ids: readonly number[];
  /** Question count of each message. */
  readonly questions: readonly number[];
  readonly kept: readonly Buffer[];
  /** Whether the stream ended with its closing SOA (rather than an error, a close or the deadline). */
  readonly complete: boolean;
  readonly ms: number;
}

export async function transferZone(options: TransferOptions): Promise<TransferResult> {
  const id = options.id ?? 0x1234;
  const query =
    options.qtype === 'IXFR' ? ixfrQuery(options.zone, options.ixfrSerial ?? 0, id) : buildQuery({ qname: options.zone, qtype: 'AXFR', id, flags: [] });
  const startedAt = performance.now();
  const deadline = startedAt + (options.timeoutMs ?? 30_000);
  const client = await TcpClient.open(options.port, options.host ?? '127.0.0.1', options.timeoutMs ?? 30_000, options.localAddress);
  let rcode = -1;
  let messages = 0;
  let bytes = 0;
  let records = 0;
  let largest = 0;
  let firstType: number | undefined;
  let lastType: number | undefined;
  let soaRecords = 0;
  const ids: number[] = [];
  const questions: number[] = [];
  const kept: Buffer[] = [];
  const result = (complete: boolean): TransferResult => ({
    rcode, messages, bytes, records, largest, firstType, lastType, soaRecords, ids, questions, kept, complete, ms: performance.now() - startedAt,
  });
  /** Whether the stream ended with this message (its closing SOA, or an error rcode). */
  const onMessage = (message: Buffer): boolean => {
    messages++;
    bytes += message.length;
    largest = Math.max(largest, message.length);
    ids.push(message.readUInt16BE(0));
    questions.push(message.readUInt16BE(4));
    if (options.keepMessages) kept.push(Buffer.from(message));
    options.onMessage?.(message);
    if (messages === 1) rcode = (message[3] as number) & 0x0f;
    if (rcode !== 0) return true;
    const parsed = parseLayout(message);
    if (!parsed.ok) throw new Error(`a transfer message does not parse: ${parsed.error}`);
    for (const record of parsed.layout.records) {
      if (record.type === 41) continue;
      records++;
      firstType ??= record.type;
      lastType = record.type;
      if (record.type === SOA) soaRecords++;
    }
    // The stream ends with the SOA that opened it (a lone SOA is IXFR's "you are up to date").
    return lastType === SOA && (records > 1 || options.qtype === 'IXFR');
  };
  try {
    client.send(query);
    for (;;) {
      if (client.pending === 0 && client.isClosed) return result(false);
      const left = deadline - performance.now();
      if (left <= 0) throw new Error(`zone transfer timed out after ${messages} messages`);
      let message: Buffer;
      try {
        message = await client.next(left);
      } catch (err) {
        if (client.isClosed && client.pending === 0) return result(false);
        throw new Error(`zone transfer timed out after ${messages} messages`, { cause: err });
      }
      if (onMessage(message)) return result(rcode === 0);
    }
  } finally {
    client.close();
  }
}
