// The reply writer (wire-form names, stamped dictionary) compresses exactly as the message writer
// (presentation names, the reference rules) does, however many names a reply holds.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MessageWriter } from '../../../src/dns/message-writer.js';
import { parseName } from '../../../src/dns/names.js';
import { ReplyWriter } from '../../../src/dns/reply-writer.js';
import { seededRandom } from '../../helpers/seeded-random.js';

function wire(name: string): Uint8Array {
  const parsed = parseName(name);
  if (!parsed) throw new Error(`unencodable ${name}`);
  return Uint8Array.from([...parsed.labels.flatMap((l) => [l.length, ...l]), 0]);
}

describe('ReplyWriter', () => {
  for (const count of [5, 60, 400, 3000]) {
    test(`${count} names, compressed and in full, mixed case: the same bytes as MessageWriter`, () => {
      const random = seededRandom(count);
      const labels = ['mesos', 'Mesos', 'marathon', 'slave', 'a', 'b1', 'web-x', '_tcp', '_http', 'ns1', 'root'];
      const pick = (): string => labels[Math.floor(random() * labels.length)] as string;
      const question = 'web-x.marathon.mesos.';
      const message = new Uint8Array(512);
      message.set(wire(question), 12);
      const questionEnd = 12 + wire(question).length + 4;

      const reference = new MessageWriter(512);
      for (let i = 0; i < 12; i++) reference.u8(0);
      reference.name(question, true);
      reference.u16(0);
      reference.u16(0);
      const writer = new ReplyWriter();
      writer.start(message, questionEnd);
      writer.bytes.fill(0, 0, 2);
      for (let i = 0; i < count; i++) {
        const depth = 1 + Math.floor(random() * 4);
        const name = `${Array.from({ length: depth }, pick).join('.')}${i % 7 === 0 ? `.n${i}` : ''}.mesos.`;
        const compress = random() < 0.6;
        reference.name(name, compress);
        if (compress) writer.compressedName(wire(name), 0);
        else writer.fullName(wire(name), 0);
      }
      const expected = reference.finish();
      assert.equal(writer.pos, expected.length);
      assert.deepEqual(Buffer.from(writer.bytes.subarray(12, writer.pos)), Buffer.from(expected.subarray(12)));
    });
  }
});
