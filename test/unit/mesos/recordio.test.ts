// RecordIO decoding (docs/streaming.md): records survive any chunking, and a broken or oversized
// stream is refused instead of buffered.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeRecord, isPieced, PIECE_BYTES, RECORD_EDGE_BYTES, RecordIoDecoder, RecordIoError, type DecodedRecord } from '../../../src/mesos/recordio.js';

const RECORDS = ['{"type":"HEARTBEAT"}', '', '{"type":"TASK_ADDED","x":"é ünïcode"}', '[1,2,3]'];
const STREAM = Buffer.concat(RECORDS.map(encodeRecord));

function decodeAll(decoder: RecordIoDecoder, chunks: Buffer[]): string[] {
  return chunks.flatMap((c) => decoder.push(c)).map((b) => b.toString('utf8'));
}

describe('RecordIoDecoder', () => {
  it('decodes the same records whatever the chunk boundaries (every split in two, and byte by byte)', () => {
    for (let cut = 0; cut <= STREAM.length; cut++) {
      const decoder = new RecordIoDecoder(1024);
      assert.deepEqual(decodeAll(decoder, [STREAM.subarray(0, cut), STREAM.subarray(cut)]), RECORDS, `cut at ${cut}`);
      assert.equal(decoder.atBoundary(), true);
    }
    const decoder = new RecordIoDecoder(1024);
    const bytes = [...STREAM].map((b) => Buffer.from([b]));
    assert.deepEqual(decodeAll(decoder, bytes), RECORDS);
  });

  it('reports a stream that ends mid-record or mid-header', () => {
    const decoder = new RecordIoDecoder(1024);
    decoder.push(STREAM.subarray(0, 5));
    assert.equal(decoder.atBoundary(), false);
    const header = new RecordIoDecoder(1024);
    header.push(Buffer.from('12'));
    assert.equal(header.atBoundary(), false);
  });

  it('refuses a record over the cap before buffering it', () => {
    const decoder = new RecordIoDecoder(100);
    assert.deepEqual(decoder.push(encodeRecord('x'.repeat(100))).length, 1);
    assert.throws(() => decoder.push(Buffer.from('101\n')), RecordIoError);
    // Once broken, always broken: the caller must reconnect.
    assert.throws(() => decoder.push(encodeRecord('{}')), RecordIoError);
  });

  it('refuses headers that are not a short decimal number', () => {
    for (const bad of ['abc\n', '\n', '-1\n', ' 5\n', '12345678901234567\n', '1.5\n']) {
      assert.throws(() => new RecordIoDecoder(1 << 30).push(Buffer.from(bad)), RecordIoError, JSON.stringify(bad));
    }
  });
});

describe('RecordIoDecoder with pieces', () => {
  const long = (n: number, fill: string): string => `{"type":"SUBSCRIBED","pad":"${fill.repeat(n)}","heartbeat_interval_seconds":15}`;

  it('sends long records out in pieces as they arrive, and keeps their order among whole records, whatever the chunking', () => {
    const texts = ['{"type":"HEARTBEAT"}', long(PIECE_BYTES * 2 + 1000, 'a'), '{"type":"TASK_ADDED"}', long(300, 'b'), '[]'];
    const stream = Buffer.concat(texts.map(encodeRecord));
    for (const chunkSize of [1, 777, 65536, stream.length]) {
      const pieces = new Map<number, Buffer[]>();
      const decoder = new RecordIoDecoder(1 << 30, {
        fromBytes: 200,
        onPiece: (id, piece, length) => {
          assert.equal(piece.byteOffset, 0, 'a piece has its buffer to itself (to transfer)');
          assert.equal(piece.buffer.byteLength, piece.byteLength);
          assert.ok(length > 200);
          pieces.set(id, [...(pieces.get(id) ?? []), Buffer.from(piece)]);
        },
      });
      const out: DecodedRecord[] = [];
      for (let at = 0; at < stream.length; at += chunkSize) out.push(...decoder.push(stream.subarray(at, at + chunkSize)));
      assert.equal(decoder.atBoundary(), true);
      const seen = out.map((r) => (isPieced(r) ? Buffer.concat(pieces.get(r.id) ?? []).toString() : r.toString()));
      assert.deepEqual(seen, texts, `chunks of ${chunkSize}`);
      for (const r of out.filter(isPieced)) {
        const whole = Buffer.concat(pieces.get(r.id) ?? []);
        assert.equal(r.length, whole.length);
        assert.deepEqual(r.head, whole.subarray(0, RECORD_EDGE_BYTES));
        assert.deepEqual(r.tail, whole.subarray(whole.length - RECORD_EDGE_BYTES));
        assert.ok((pieces.get(r.id) ?? []).every((p) => p.length <= PIECE_BYTES));
      }
    }
  });

  it('is mid-record while a long record has pieces to come', () => {
    const decoder = new RecordIoDecoder(1 << 30, { fromBytes: 10, onPiece: () => undefined });
    decoder.push(encodeRecord(long(100, 'c')).subarray(0, 50));
    assert.equal(decoder.atBoundary(), false);
  });
});
