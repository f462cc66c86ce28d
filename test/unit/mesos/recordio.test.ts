// RecordIO decoding (docs/streaming.md): records survive any chunking, and a broken or oversized
// stream is refused instead of buffered.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeRecord, RecordIoDecoder, RecordIoError } from '../../../src/mesos/recordio.js';

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
