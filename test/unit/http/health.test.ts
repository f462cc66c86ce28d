import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assessHealth, scrubCredentials } from '../../../src/http/health.js';
import type { SourceStatus } from '../../../src/reload/source.js';
import { FIXED_NOW, embeddedConfig, embeddedTable, snapshotOf } from '../../helpers/embedded-table.js';

const snapshot = snapshotOf(embeddedTable());
const config = embeddedConfig({ refreshSeconds: 60, zkDetectionTimeout: 30 });

function status(overrides: Partial<SourceStatus> = {}): SourceStatus {
  return {
    leader: '127.0.0.1:5050',
    lastAttemptAt: FIXED_NOW,
    lastSuccessAt: FIXED_NOW,
    lastError: undefined,
    consecutiveFailures: 0,
    leaderLostSince: undefined,
    refreshSeconds: 60,
    ...overrides,
  };
}

describe('assessHealth', () => {
  it('is ready with a table, a recent refresh and a leader', () => {
    const report = assessHealth({ snapshot, status: status(), config, now: FIXED_NOW + 5_000 });
    assert.equal(report.ready, true);
    assert.deepEqual(report.body, {
      status: 'ok',
      serial: snapshot.serial,
      generation: 1,
      tableAgeSeconds: 5,
      lastRefreshAgeSeconds: 5,
      leader: '127.0.0.1:5050',
      consecutiveFailures: 0,
    });
  });

  it('is not ready before the first table', () => {
    const report = assessHealth({ snapshot: undefined, status: status({ lastSuccessAt: undefined }), config, now: FIXED_NOW });
    assert.equal(report.ready, false);
    assert.equal(report.body.status, 'unavailable');
    assert.equal(report.body.reason, 'no table yet');
    assert.equal(report.body.serial, null);
    assert.equal(report.body.tableAgeSeconds, null);
  });

  it('turns stale past 3 refresh intervals since the last success, not before', () => {
    const failing = status({ lastError: 'connect ECONNREFUSED 127.0.0.1:5050', consecutiveFailures: 4 });
    assert.equal(assessHealth({ snapshot, status: failing, config, now: FIXED_NOW + 180_000 }).ready, true);
    const report = assessHealth({ snapshot, status: failing, config, now: FIXED_NOW + 200_000 });
    assert.equal(report.ready, false);
    assert.equal(report.body.reason, 'stale: last refresh 200s ago');
    assert.equal(report.body.lastError, 'connect ECONNREFUSED 127.0.0.1:5050');
    assert.equal(report.body.consecutiveFailures, 4);
  });

  it("uses the source's refresh interval when it has one", () => {
    const report = assessHealth({ snapshot, status: status({ refreshSeconds: 5 }), config, now: FIXED_NOW + 16_000 });
    assert.equal(report.body.reason, 'stale: last refresh 16s ago');
  });

  it('falls back to the table load time when the source has no success time', () => {
    const report = assessHealth({ snapshot, status: undefined, config, now: FIXED_NOW + 181_000 });
    assert.equal(report.body.reason, 'stale: last refresh 181s ago');
  });

  it('is not ready once the leader has been lost for ZkDetectionTimeout', () => {
    const lost = status({ leader: undefined, leaderLostSince: FIXED_NOW - 40_000 });
    const report = assessHealth({ snapshot, status: lost, config, now: FIXED_NOW });
    assert.equal(report.ready, false);
    assert.equal(report.body.reason, 'no leader for 40s');
    assert.equal(report.body.leader, null);
    const brief = status({ leader: undefined, leaderLostSince: FIXED_NOW - 10_000 });
    assert.equal(assessHealth({ snapshot, status: brief, config, now: FIXED_NOW }).ready, true);
  });

  it('ignores a lost leader when ZkDetectionTimeout is 0', () => {
    const lost = status({ leader: undefined, leaderLostSince: FIXED_NOW - 400_000 });
    const report = assessHealth({ snapshot, status: lost, config: { ...config, zkDetectionTimeout: 0 }, now: FIXED_NOW });
    assert.equal(report.ready, true);
  });

  it('never shows credentials carried by an error message', () => {
    const report = assessHealth({
      snapshot,
      status: status({ lastError: 'zk://admin:hunter2@127.0.0.1:2181/mesos: session expired' }),
      config,
      now: FIXED_NOW,
    });
    assert.equal(report.body.lastError, 'zk://[redacted]@127.0.0.1:2181/mesos: session expired');
    assert.equal(scrubCredentials('http://u:p@h/x and https://h2/y'), 'http://[redacted]@h/x and https://h2/y');
  });
});
