// The static records file as a reload input: read at start (a bad one refuses it), re-read on SIGHUP
// and on change, a bad version logged line by line and ignored, an unchanged one neither re-applied
// nor logged again.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createStaticRecordsFile } from '../../../src/mesos/static-records-file.js';
import { MetricsRegistry } from '../../../src/metrics.js';
import { capturedLogger } from '../../helpers/captured-logger.js';
import { waitUntil } from '../../helpers/wait-for.js';

const SETTINGS = { domain: 'mesos', ttl: 60, srvRecordDefaultWeight: 1 };
const dir = await mkdtemp(join(tmpdir(), 'static-file-'));
after(() => rm(dir, { recursive: true, force: true }));
let n = 0;

async function setup(text: string) {
  const file = join(dir, `static-${n++}.zone`);
  await writeFile(file, text);
  const log = capturedLogger();
  const metrics = new MetricsRegistry();
  const source = createStaticRecordsFile({ file, settings: SETTINGS, logger: log.logger, metrics, debounceMs: 20 });
  return { file, log, metrics, source };
}

const values = (source: { current(): readonly { value: string }[] }): string[] => source.current().map((r) => r.value);

describe('static records file', () => {
  it('load() takes a good file and refuses a bad one, naming file:line', async () => {
    const good = await setup('db A 192.0.2.1\n');
    await good.source.load();
    assert.deepEqual(values(good.source), ['192.0.2.1']);
    const bad = await setup('db A 192.0.2.1\nx A y\n');
    await assert.rejects(bad.source.load(), new RegExp(`${bad.file}:2: "y" is not an IPv4 address`));
    const missing = createStaticRecordsFile({ file: join(dir, 'none.zone'), settings: SETTINGS, logger: bad.log.logger, metrics: bad.metrics });
    await assert.rejects(missing.load(), /ENOENT/);
  });

  it('reread(): a changed good file is taken (true); unchanged is a no-op; a bad one keeps the records and logs each line once', async () => {
    const { file, log, metrics, source } = await setup('db A 192.0.2.1\n');
    await source.load();
    assert.equal(await source.reread(), false, 'unchanged');
    await writeFile(file, 'db A 192.0.2.2\n');
    assert.equal(await source.reread(), true);
    assert.deepEqual(values(source), ['192.0.2.2']);
    await writeFile(file, 'db A 192.0.2.3\nbad AAAA 192.0.2.9\n');
    assert.equal(await source.reread(), false);
    assert.deepEqual(values(source), ['192.0.2.2'], 'the previous records stay');
    const lineLogs = log.lines.filter((l) => l['line'] === 2);
    assert.equal(lineLogs.length, 1);
    assert.equal(lineLogs[0]?.['msg'], `${file}:2: "192.0.2.9" is an IPv4 address: use A`);
    assert.equal(await source.reread(), false, 'the same bad file again');
    assert.equal(log.lines.filter((l) => l['line'] === 2).length, 1, 'not logged twice');
    assert.equal(metrics.counter('mesos_dns_static_records_loads_total', '').get({ result: 'rejected' }), 1);
    assert.equal(metrics.counter('mesos_dns_static_records_loads_total', '').get({ result: 'ok' }), 2);
  });

  it('reread() with new settings reads the same file again under them (a TTL written in the file)', async () => {
    const { file, source } = await setup('db 60 A 192.0.2.1\n');
    await source.load();
    await writeFile(file, 'db 30 A 192.0.2.1\n');
    assert.equal(await source.reread(), false, 'TTL 30 is not the configured 60');
    assert.equal(await source.reread({ ...SETTINGS, ttl: 30 }), true);
  });

  it('watch(): an edit is taken after the debounce and reported once', async () => {
    const { file, source } = await setup('db A 192.0.2.1\n');
    await source.load();
    let changes = 0;
    source.watch(() => changes++);
    await writeFile(file, 'db A 192.0.2.5\n');
    await waitUntil(() => changes > 0, 2000);
    source.close();
    assert.equal(changes, 1);
    assert.deepEqual(values(source), ['192.0.2.5']);
  });
});
