// The stream's side of the reload worker (src/reload/stream-tables.ts): records in, a table out, with
// the host names of the streamed state looked up as they come.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { GenerateConfig } from '../../../src/records/generate.js';
import { assemblePartedTable, openPartedTable, type PartedTableData } from '../../../src/records/parted-table.js';
import type { RecordTable } from '../../../src/records/table.js';
import { createStreamTables, packRecords } from '../../../src/reload/stream-tables.js';

const CONFIG: GenerateConfig = { domain: 'mesos', ipSources: ['netinfo', 'mesos', 'host'], enforceRFC952: false, soaMname: 'ns1.mesos.', listener: '192.0.2.53' };
const INPUTS = { masters: ['192.0.2.100:5050'], listenerAddresses: [] };

function record(event: unknown): Buffer {
  return Buffer.from(JSON.stringify(event));
}

const SUBSCRIBED = record({
  type: 'SUBSCRIBED',
  subscribed: {
    get_state: {
      get_frameworks: { frameworks: [{ framework_info: { id: { value: 'F' }, name: 'marathon', hostname: 'scheduler.test' } }] },
      get_agents: { agents: [{ agent_info: { id: { value: 'S0' }, hostname: 'agent-0' }, pid: 'slave(1)@192.0.2.1:5051' }] },
      get_tasks: { tasks: [] },
    },
  },
});

/** A change that touches only a task's records (not the schedulers', agents' or masters'). */
const TASK_ADDED = record({
  type: 'TASK_ADDED',
  task_added: { task: { name: 'web', task_id: { value: 'web.1' }, framework_id: { value: 'F' }, agent_id: { value: 'S0' }, state: 'TASK_RUNNING' } },
});

describe('stream tables', () => {
  it('a host name that resolves anew is used by the next table (a changed resolution is a change)', async () => {
    const tables = createStreamTables(CONFIG);
    let address = '192.0.2.10';
    const lookUp = async (): Promise<ReadonlyMap<string, readonly string[]>> => new Map([['scheduler.test', [address]]]);
    let parted: PartedTableData | undefined;
    const apply = async (records: Buffer[], fresh: boolean): Promise<RecordTable> => {
      const outcome = await tables.apply(packRecords(records, fresh, '192.0.2.100:5050'), INPUTS, lookUp, 0);
      assert.ok(outcome.ok && outcome.result.kind === 'parted');
      parted = assemblePartedTable(outcome.result.message, parted);
      assert.ok(parted);
      return openPartedTable(parted);
    };
    assert.deepEqual((await apply([SUBSCRIBED], true)).lookup('marathon.mesos.')?.a, ['192.0.2.10']);
    address = '192.0.2.11';
    assert.deepEqual((await apply([TASK_ADDED], false)).lookup('marathon.mesos.')?.a, ['192.0.2.11']);
  });

  it('frees the buffers of a batch once its records are read', async () => {
    const tables = createStreamTables(CONFIG);
    // The snapshot in a buffer of its own (transferred as it is), the event in the shared pool.
    const own = new Uint8Array(new ArrayBuffer(SUBSCRIBED.length));
    own.set(SUBSCRIBED);
    const batch = packRecords([own, TASK_ADDED], true, '192.0.2.100:5050');
    assert.equal(batch.buffers.length, 2);
    const outcome = await tables.apply(batch, INPUTS, async () => undefined, 0);
    assert.ok(outcome.ok);
    assert.deepEqual(
      batch.buffers.map((b) => b.byteLength),
      [0, 0],
      'detached',
    );
  });
});

describe('stream tables, records read in pieces', () => {
  /** Sends `bytes` to the tables in pieces of `size`, as the serving thread would, as record `id`; returns the batch's reference. */
  function sendInPieces(tables: ReturnType<typeof createStreamTables>, id: number, bytes: Buffer, size: number, upTo = bytes.length): { id: number; length: number; head: Buffer; tail: Buffer } {
    for (let at = 0; at < upTo; at += size) tables.readPiece(id, Uint8Array.from(bytes.subarray(at, Math.min(at + size, upTo))), bytes.length);
    return { id, length: bytes.length, head: bytes.subarray(0, 256), tail: bytes.subarray(-256) };
  }
  const names = async (outcome: Awaited<ReturnType<ReturnType<typeof createStreamTables>['apply']>>): Promise<string[]> => {
    assert.ok(outcome.ok && outcome.result.kind === 'parted');
    const parted = assemblePartedTable(outcome.result.message, undefined);
    assert.ok(parted);
    return [...openPartedTable(parted).entries()].map(([name]) => name).sort();
  };

  it('a snapshot read in pieces gives the table the whole snapshot gives, and events apply to it', async () => {
    const whole = createStreamTables(CONFIG);
    const expected = await names(await whole.apply(packRecords([SUBSCRIBED, TASK_ADDED], true, 'm'), INPUTS, async () => undefined, 0));
    const pieced = createStreamTables(CONFIG);
    const ref = sendInPieces(pieced, 7, SUBSCRIBED, 33);
    assert.deepEqual(await names(await pieced.apply(packRecords([ref, TASK_ADDED], true, 'm'), INPUTS, async () => undefined, 0)), expected);
    assert.ok(expected.includes('web.marathon.mesos.'));
  });

  it('a record whose pieces did not all come fails the batch (a new subscription follows); the next record starts clean', async () => {
    const tables = createStreamTables(CONFIG);
    const cut = sendInPieces(tables, 1, SUBSCRIBED, 40, 120);
    const outcome = await tables.apply(packRecords([cut], true, 'm'), INPUTS, async () => undefined, 0);
    assert.ok(!outcome.ok && /not all here/.test(outcome.error), JSON.stringify(outcome));
    // Pieces of record 2 arrive after record 1 stopped halfway: record 1 is dropped, record 2 is read whole.
    sendInPieces(tables, 3, SUBSCRIBED, 40, 80);
    const next = sendInPieces(tables, 4, SUBSCRIBED, 50);
    const ok = await tables.apply(packRecords([next], true, 'm'), INPUTS, async () => undefined, 0);
    assert.ok(ok.ok);
    const again = await tables.apply(packRecords([next], false, 'm'), INPUTS, async () => undefined, 0);
    assert.ok(!again.ok, 'a record is taken once');
  });

  it('a record in pieces that is not JSON is skipped and counted, as a whole one is', async () => {
    const tables = createStreamTables(CONFIG);
    await tables.apply(packRecords([SUBSCRIBED], true, 'm'), INPUTS, async () => undefined, 0);
    const broken = Buffer.from(`{"type":"TASK_ADDED","task_added":{"task":{"name":"x","pad":"${'z'.repeat(400)}"}`);
    const outcome = await tables.apply(packRecords([sendInPieces(tables, 9, broken, 64)], false, 'm'), INPUTS, async () => undefined, 0);
    assert.ok(outcome.ok);
    assert.equal(outcome.unreadable, 1);
  });
});
