// A table built in a worker thread and handed over with postMessage(data, transferList(data)) opens on
// this thread as an identical table, and the worker's buffers are detached (moved, not copied).
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';

import { DEFAULT_CONFIG } from '../../../src/config/types.js';
import { buildTableFromText } from '../../../src/commands/records.js';
import { openRecordTable } from '../../../src/records/packed-table.js';
import type { PackedTableData, RecordTable } from '../../../src/records/table.js';
import { formatTableListing } from '../../helpers/table-listing.js';
import { enumerationJson } from '../../../scripts/update-golden.js';

const STATE = new URL('../../../../fixtures/states/rules.json', import.meta.url);
const BUILDER = new URL('./table-builder-worker.js', import.meta.url);

interface WorkerReply {
  readonly data: PackedTableData;
}

function listing(table: RecordTable): string {
  return formatTableListing(table, { ttl: 60, srvWeight: 1 });
}

describe('packed table across worker_threads', () => {
  it('transferList moves the buffers and openRecordTable gives the same listing and enumeration', async (t) => {
    const stateText = await readFile(STATE, 'utf8');
    const config = { ...DEFAULT_CONFIG, file: '/dev/null', listener: '192.0.2.53', masters: ['127.0.0.1:5050'] };
    const worker = new Worker(BUILDER, { workerData: { stateText, config } });
    t.after(() => worker.terminate());
    const messages: unknown[] = [];
    const done = new Promise<void>((resolve, reject) => {
      worker.on('message', (m: unknown) => {
        messages.push(m);
        if (messages.length === 2) resolve();
      });
      worker.on('error', reject);
      worker.on('exit', (code) => (messages.length < 2 ? reject(new Error(`worker exited ${code}`)) : undefined));
    });
    await done;
    const [reply, after] = messages as [WorkerReply, { detached: boolean; byteLengths: number[] }];
    assert.equal(after.detached, true, `worker buffers still attached: ${after.byteLengths.join(',')}`);
    const received = openRecordTable(reply.data);
    const local = buildTableFromText(config, stateText, []).table;
    assert.ok(local.counts.names > 50);
    assert.equal(listing(received), listing(local));
    assert.equal(enumerationJson(received), enumerationJson(local));
    assert.deepEqual(received.counts, local.counts);
    for (const [name, records] of local.entries()) assert.deepEqual(received.lookup(name), records, name);
  });
});
