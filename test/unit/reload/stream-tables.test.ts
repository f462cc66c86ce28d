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
