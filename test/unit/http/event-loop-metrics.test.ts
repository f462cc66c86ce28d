// The serving thread's event-loop delay in /metrics (src/runtime-metrics.ts): a stall shows as its
// length in the max, and a scrape resets the reading.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { MetricsRegistry } from '../../../src/metrics.js';
import { registerEventLoopMetrics } from '../../../src/runtime-metrics.js';

function gauge(text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  assert.ok(line, `${name} is rendered`);
  return Number(line.slice(name.length + 1));
}

test('a stall of the event loop shows in the max until the next scrape', async () => {
  const registry = new MetricsRegistry();
  const stop = registerEventLoopMetrics(registry);
  try {
    registry.render();
    await sleep(30);
    const blockedUntil = performance.now() + 120;
    while (performance.now() < blockedUntil) {
      // hold the event loop
    }
    await sleep(30);
    const first = registry.render();
    const stall = gauge(first, 'nodejs_eventloop_lag_max_seconds');
    assert.ok(stall >= 0.09, first);
    assert.ok(gauge(first, 'nodejs_eventloop_lag_mean_seconds') > 0);
    await sleep(50);
    const second = registry.render();
    assert.ok(gauge(second, 'nodejs_eventloop_lag_max_seconds') < stall, `reset after the scrape:\n${second}`);
  } finally {
    stop();
  }
});
