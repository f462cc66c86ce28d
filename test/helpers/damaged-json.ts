// Damaged JSON records for the readers' property tests: a reader must accept exactly what JSON.parse
// accepts, and refuse the rest with JsonSyntaxError only.
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { JsonSyntaxError } from '../../src/mesos/json-reader.js';

/** Octets a damaged record gets: JSON's own, so that many damaged records stay JSON. */
const EDITS = Buffer.from('{}[]",:0123456789.-eE truefalsnul\\u');

function parses(record: Buffer): boolean {
  try {
    JSON.parse(record.toString('utf8'));
    return true;
  } catch {
    return false;
  }
}

/**
 * Reads `count` copies of `records` (in turn), each with one to three octets changed, with `read`;
 * fails the test where it accepts what JSON.parse refuses, refuses what it accepts, or throws anything
 * but JsonSyntaxError. Returns how many damaged copies were still JSON.
 */
export function checkDamagedRecords(records: readonly Buffer[], count: number, random: () => number, read: (record: Buffer) => void): number {
  let valid = 0;
  for (let n = 0; n < count; n++) {
    const record = Buffer.from(records[n % records.length] as Buffer);
    for (let edits = 1 + Math.floor(random() * 3); edits > 0; edits--) record[Math.floor(random() * record.length)] = EDITS[Math.floor(random() * EDITS.length)] as number;
    const json = parses(record);
    try {
      read(record);
      assert.ok(json, `accepted what JSON.parse refuses: ${record.toString('utf8').slice(0, 300)}`);
      valid++;
    } catch (err) {
      assert.ok(err instanceof JsonSyntaxError, `threw ${String(err)}`);
      assert.ok(!json, `refused what JSON.parse accepts: ${record.toString('utf8').slice(0, 300)}`);
    }
  }
  return valid;
}
