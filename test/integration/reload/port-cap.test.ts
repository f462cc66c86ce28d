// The per-task port cap through a real reload (worker, store, metrics, log): a task declaring every
// port gets MAX_PORTS_PER_TASK SRV records; what was left out is logged once per reload (not once per
// task) and counted in /metrics; the embedded cluster's records are untouched.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DEFAULT_CONFIG } from '../../../src/config/types.js';
import { createLogger } from '../../../src/log.js';
import { MetricsRegistry } from '../../../src/metrics.js';
import { createStateSource } from '../../../src/reload/poller.js';
import { MAX_PORTS_PER_TASK } from '../../../src/records/generate.js';
import { createRecordStore } from '../../../src/records/store.js';

const EMBEDDED = fileURLToPath(new URL('../../../../fixtures/embedded/state.json', import.meta.url));

interface EmbeddedState {
  frameworks: { name: string; tasks: Record<string, unknown>[] }[];
  slaves: { id: string }[];
}

test('tasks with [1-65535] get the cap; one warning per reload counts them all; other records are unchanged', async (t) => {
  const embedded = JSON.parse(readFileSync(EMBEDDED, 'utf8')) as EmbeddedState;
  const slaveId = embedded.slaves[0]?.id ?? '';
  const greedy = Array.from({ length: 5 }, (_, i) => ({
    id: `greedy.${i}`,
    name: 'greedy',
    slave_id: slaveId,
    state: 'TASK_RUNNING',
    statuses: [{ state: 'TASK_RUNNING', timestamp: 1 }],
    resources: { ports: '[1-65535]' },
  }));
  const marathon = embedded.frameworks.find((f) => f.name === 'marathon');
  assert.ok(marathon);
  marathon.tasks.push(...greedy);
  const dir = mkdtempSync(join(tmpdir(), 'port-cap-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'state.json');
  writeFileSync(file, JSON.stringify(embedded));

  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({ level: 'info', destination: { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) } });
  const metrics = new MetricsRegistry();
  const store = createRecordStore();
  const source = createStateSource({
    config: { ...DEFAULT_CONFIG, listener: '127.0.0.1', stateFile: file },
    store,
    metrics,
    logger,
  });
  t.after(() => source.close());
  await source.start();
  assert.ok((await source.reloadNow()).ok);
  assert.ok((await source.reloadNow()).ok);

  const table = store.current()?.table;
  assert.ok(table);
  // Five instances share the name; each contributes its first 1024 ports (the same targets' ports differ by task).
  assert.equal(table.lookup('_greedy._tcp.marathon.mesos.')?.srv.length, 5 * MAX_PORTS_PER_TASK);
  assert.deepEqual(table.lookup('nginx.marathon.mesos.')?.a, ['192.0.2.8']);
  assert.equal(table.lookup('_liquor-store._tcp.marathon.mesos.')?.srv.length, 4);

  const warnings = lines.filter((l) => l['msg'] === 'tasks declare more ports than the per-task cap; the ports beyond it get no records');
  const reloads = lines.filter((l) => l['msg'] === 'records reloaded').length;
  assert.ok(reloads >= 2);
  assert.equal(warnings.length, reloads, 'one line per reload, not one per task');
  assert.equal(warnings[0]?.['tasks'], 5);
  assert.equal(warnings[0]?.['droppedPorts'], 5 * (65535 - MAX_PORTS_PER_TASK));
  assert.equal(warnings[0]?.['limit'], MAX_PORTS_PER_TASK);
  assert.equal(warnings[0]?.['first'], 'greedy.0');
  assert.equal(metrics.counter('mesos_dns_task_ports_dropped_total', '').get(), reloads * 5 * (65535 - MAX_PORTS_PER_TASK));
});
