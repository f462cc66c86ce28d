// A zone transfer client for tests and benchmarks (loopback): sends AXFR (or IXFR with a serial) over
// one TCP connection and reads the answer stream until the closing SOA (RFC 5936: SOA first, SOA last),
// an error rcode, the server closing, or the deadline. Every message is read with the server's own
// message reader (src/wire/message.ts), so the record counts and types come from the wire.
import { connect } from 'node:net';
import { parseLayout } from '../../src/wire/message.js';
import { buildQuery } from './dns-codec.js';

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

/** An IXFR query: the question and, in the authority section, a SOA holding `serial`. */
export function ixfrQuery(zone: string, serial: number, id = 0x1234): Buffer {
  const question = buildQuery({ qname: zone, qtype: 251, id, flags: [] });
  const soa = Buffer.alloc(2 + 8 + 2 + 22);
  soa.writeUInt16BE(0xc00c, 0); // the question's name
  soa.writeUInt16BE(SOA, 2);
  soa.writeUInt16BE(1, 4);
  soa.writeUInt32BE(0, 6);
  soa.writeUInt16BE(22, 10);
  // MNAME and RNAME the root, then serial and four zero timers.
  soa.writeUInt32BE(serial >>> 0, 14);
  const out = Buffer.concat([question, soa]);
  out.writeUInt16BE(1, 8);
  return out;
}

export function transferZone(options: TransferOptions): Promise<TransferResult> {
  const id = options.id ?? 0x1234;
  const query =
    options.qtype === 'IXFR' ? ixfrQuery(options.zone, options.ixfrSerial ?? 0, id) : buildQuery({ qname: options.zone, qtype: 'AXFR', id, flags: [] });
  const startedAt = performance.now();
  return new Promise((resolve, reject) => {
    const socket = connect({ port: options.port, host: options.host ?? '127.0.0.1', ...(options.localAddress ? { localAddress: options.localAddress } : {}) });
    let buffer: Buffer = Buffer.alloc(0);
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
    let settled = false;
    const finish = (complete: boolean, error?: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (error) return reject(error);
      resolve({ rcode, messages, bytes, records, largest, firstType, lastType, soaRecords, ids, questions, kept, complete, ms: performance.now() - startedAt });
    };
    const timer = setTimeout(() => finish(false, new Error(`zone transfer timed out after ${messages} messages`)), options.timeoutMs ?? 30_000);
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
      if (!parsed.ok) {
        finish(false, new Error(`a transfer message does not parse: ${parsed.error}`));
        return true;
      }
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
    socket.on('connect', () => {
      const frame = Buffer.alloc(2 + query.length);
      frame.writeUInt16BE(query.length, 0);
      query.copy(frame, 2);
      socket.write(frame);
    });
    socket.on('data', (chunk: Buffer) => {
      buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk]);
      while (buffer.length >= 2 && buffer.length >= 2 + buffer.readUInt16BE(0)) {
        const length = buffer.readUInt16BE(0);
        const message = buffer.subarray(2, 2 + length);
        buffer = buffer.subarray(2 + length);
        if (onMessage(message)) return finish(rcode === 0);
      }
    });
    socket.on('error', (err) => finish(false, err));
    socket.on('close', () => finish(false));
  });
}
