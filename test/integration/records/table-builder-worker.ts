// Worker for worker-transfer.test.ts: builds a table from workerData and posts it back by transfer,
// then reports whether its own buffers were detached. Does nothing unless started as that worker.
import { isMainThread, parentPort, workerData } from 'node:worker_threads';

import { buildTableFromText } from '../../../src/commands/records.js';
import type { Config } from '../../../src/config/types.js';
import { transferList } from '../../../src/records/packed-table.js';

interface BuilderData {
  readonly stateText: string;
  readonly config: Config;
}

const data = workerData as Partial<BuilderData> | null;
if (!isMainThread && parentPort && typeof data?.stateText === 'string' && data.config) {
  const { table } = buildTableFromText(data.config, data.stateText, []);
  const buffers = transferList(table.data);
  parentPort.postMessage({ data: table.data }, buffers);
  const byteLengths = buffers.map((b) => b.byteLength);
  parentPort.postMessage({ detached: byteLengths.every((n) => n === 0), byteLengths });
}
