// Answer blocks hold exactly what the text table holds, in wire form, for every name a question can
// spell; the other names are marked so a probe goes on past them.
import assert from 'node:assert/strict';
import { isIP } from 'node:net';
import { describe, test } from 'node:test';
import { BlockFlag, SRV_RECORD_OCTETS, buildAnswerBlocks } from '../../../src/records/answer-blocks.js';
import { hashName } from '../../../src/records/packed-table.js';
import { splitSrvValue } from '../../../src/records/srv-value.js';
import type { PackedTableData } from '../../../src/records/table.js';
import { loadDnsFixtureTable } from '../../cases/dns-fixture.js';

const table = loadDnsFixtureTable();
const data = table.data;

function u16(b: Uint8Array, at: number): number {
  return ((b[at] as number) << 8) | (b[at + 1] as number);
}

function blockOf(d: PackedTableData, name: string): number | undefined {
  const mask = d.answerSlots.length - 1;
  const text = Buffer.from(name, 'utf8');
  for (let slot = hashName(name) & mask; d.answerSlots[slot] !== 0; slot = (slot + 1) & mask) {
    const at = (d.answerSlots[slot] as number) - 1;
    if (at < 0) continue;
    if (d.answers[at] === text.length && Buffer.from(d.answers.subarray(at + 1, at + 1 + text.length)).equals(text)) return at;
  }
  return undefined;
}

interface DecodedBlock {
  readonly flags: number;
  readonly a: string[];
  readonly aaaa: string[];
  readonly srv: string[];
}

function decode(d: PackedTableData, at: number): DecodedBlock {
  const b = d.answers;
  let p = at + 1 + (b[at] as number);
  const flags = b[p++] as number;
  const a: string[] = [];
  for (let n = u16(b, p), i = 0, q = p + 2; i < n; i++, q += 4) a.push([...b.subarray(q, q + 4)].join('.'));
  p += 2 + 4 * u16(b, p);
  const aaaa: string[] = [];
  for (let n = u16(b, p), i = 0, q = p + 2; i < n; i++, q += 16) aaaa.push(Buffer.from(b.subarray(q, q + 16)).toString('hex'));
  p += 2 + 16 * u16(b, p);
  const srv: string[] = [];
  for (let n = u16(b, p), i = 0, q = p + 2; i < n; i++, q += SRV_RECORD_OCTETS) {
    const ref = ((b[q + 2] as number) << 24) | ((b[q + 3] as number) << 16) | ((b[q + 4] as number) << 8) | (b[q + 5] as number);
    const len = b[q + 6] as number;
    const text = ref >= 0 ? b.subarray(ref + 1, ref + 1 + len) : d.strings.subarray(-1 - ref, -1 - ref + len);
    srv.push(`${Buffer.from(text).toString('latin1')}:${u16(b, q)}`);
  }
  return { flags, a, aaaa, srv };
}

function hex16(ip: string): string {
  // Expand an IPv6 text the simple way, for comparison only.
  const [head = '', tail = ''] = ip.split('::');
  const h = head ? head.split(':') : [];
  const t = ip.includes('::') ? (tail ? tail.split(':') : []) : [];
  const groups = [...h, ...new Array<string>(8 - h.length - t.length).fill('0'), ...t];
  return groups.map((g) => g.padStart(4, '0')).join('');
}

describe('answer blocks', () => {
  test('every askable name has a block with exactly its addresses and SRV values', () => {
    let checked = 0;
    for (const [name, records] of table.entries()) {
      const askable = /^[\x21-\x7e]+$/.test(name) && !/[A-Z();@"\\]/.test(name) && name.length <= 254;
      const at = blockOf(data, name);
      if (!askable) {
        assert.equal(at, undefined, `${name}: no block`);
        continue;
      }
      assert.notEqual(at, undefined, `${name}: a block`);
      const block = decode(data, at as number);
      if ((block.flags & BlockFlag.DECLINE) !== 0) continue;
      const ipv4 = records.a.filter((v) => isIP(v) === 4);
      assert.deepEqual(block.a, ipv4, `${name} A`);
      assert.equal((block.flags & BlockFlag.A_SKIPPED) !== 0, ipv4.length < records.a.length, `${name} A skipped`);
      assert.deepEqual(block.aaaa, records.aaaa.filter((v) => isIP(v) === 6).map(hex16), `${name} AAAA`);
      const usable = records.srv.filter((v) => /^[+-]?\d{1,9}$/.test(splitSrvValue(v).port));
      assert.deepEqual(block.srv, usable.map((v) => `${splitSrvValue(v).target}:${Number(splitSrvValue(v).port) & 0xffff}`), `${name} SRV`);
      checked++;
    }
    assert.ok(checked > 50, `${checked} blocks checked`);
  });

  test('a name whose SRV target cannot be written directly is left to the general path', () => {
    // The fixture has an SRV target with a label over 63 octets.
    const name = `_${'a'.repeat(60)}._tcp.marathon.mesos.`;
    const at = blockOf(data, name);
    assert.notEqual(at, undefined);
    assert.equal(decode(data, at as number).flags & BlockFlag.DECLINE, BlockFlag.DECLINE);
  });

  test('building twice gives the same bytes', () => {
    const again = buildAnswerBlocks(data);
    assert.deepEqual(Buffer.from(again.blocks), Buffer.from(data.answers));
    assert.deepEqual(again.slots, data.answerSlots);
  });
});
