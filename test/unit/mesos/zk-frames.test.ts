import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FrameAssembler, FrameLengthError, MAX_FRAME_BYTES } from '../../../src/mesos/leader/frames.js';

function frame(payload: Buffer): Buffer {
  const out = Buffer.alloc(4 + payload.length);
  out.writeInt32BE(payload.length, 0);
  payload.copy(out, 4);
  return out;
}

function pattern(size: number, seed = 7): Buffer {
  const b = Buffer.alloc(size);
  for (let i = 0; i < size; i++) b[i] = (i * 31 + seed) & 0xff;
  return b;
}

function drain(a: FrameAssembler): Buffer[] {
  const out: Buffer[] = [];
  for (let p = a.next(); p !== undefined; p = a.next()) out.push(p);
  return out;
}

test('a 1 MiB frame in 1 KiB chunks: decoded once whole, each byte copied once', () => {
  const payload = pattern(1024 * 1024);
  const bytes = frame(payload);
  const a = new FrameAssembler();
  const frames: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += 1024) {
    a.push(bytes.subarray(at, at + 1024));
    frames.push(...drain(a));
  }
  assert.equal(frames.length, 1);
  assert.ok(frames[0]?.equals(payload));
  assert.equal(a.bufferedBytes(), 0);
  // The old reassembly (Buffer.concat of everything buffered on every chunk) copied ~512 MiB here.
  assert.equal(a.copiedBytes(), payload.length);
});

test('byte-by-byte delivery, headers split across chunks, several frames per chunk', () => {
  const payloads = [pattern(0), pattern(3, 1), pattern(64 * 1024, 2), pattern(5, 3), pattern(70, 4)];
  const stream = Buffer.concat(payloads.map(frame));
  const bytewise = new FrameAssembler();
  const got: Buffer[] = [];
  for (let i = 0; i < stream.length; i++) {
    bytewise.push(stream.subarray(i, i + 1));
    got.push(...drain(bytewise));
  }
  assert.deepEqual(got.map((b) => b.toString('hex')), payloads.map((b) => b.toString('hex')));

  const whole = new FrameAssembler();
  whole.push(stream);
  assert.deepEqual(drain(whole).map((b) => b.toString('hex')), payloads.map((b) => b.toString('hex')));
  assert.equal(whole.copiedBytes(), 0, 'frames inside one chunk are views, not copies');

  // Uneven chunk sizes (1..13 bytes) across frame boundaries.
  const uneven = new FrameAssembler();
  const parts: Buffer[] = [];
  for (let at = 0, step = 1; at < stream.length; at += step, step = (step % 13) + 1) {
    uneven.push(stream.subarray(at, at + step));
    parts.push(...drain(uneven));
  }
  assert.deepEqual(parts.map((b) => b.toString('hex')), payloads.map((b) => b.toString('hex')));
});

test('a declared length above the limit or negative is refused before the body is buffered', () => {
  assert.equal(MAX_FRAME_BYTES, 16 * 1024 * 1024);
  const header = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeInt32BE(n, 0);
    return b;
  };
  const atLimit = new FrameAssembler();
  atLimit.push(header(MAX_FRAME_BYTES));
  assert.equal(atLimit.next(), undefined, 'the limit itself is allowed (waits for the body)');
  for (const bad of [MAX_FRAME_BYTES + 1, 0x7fffffff, -1]) {
    const a = new FrameAssembler();
    a.push(header(bad).subarray(0, 2));
    assert.equal(a.next(), undefined);
    a.push(header(bad).subarray(2));
    assert.throws(() => a.next(), (e: unknown) => e instanceof FrameLengthError && e.declared === bad);
  }
});
