// The serving thread's event-loop delay: how long a query or a request that is ready can wait here
// behind other work (a table being adopted, a collection, a stream's snapshot being framed). Read at
// every scrape and then reset, under the names prom-client gives it, so Node dashboards read it as is.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { MetricsRegistry } from './metrics.js';

/** The sampling timer's period: a stall shows as its length, give or take this. */
const RESOLUTION_MS = 10;

/** Registers the event-loop delay gauges; returns what stops the sampling. */
export function registerEventLoopMetrics(metrics: MetricsRegistry): () => void {
  const delays = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  delays.enable();
  const max = metrics.gauge('nodejs_eventloop_lag_max_seconds', 'Longest event-loop delay of the serving thread since the last scrape.');
  const p99 = metrics.gauge('nodejs_eventloop_lag_p99_seconds', '99th percentile of the serving thread\'s event-loop delay since the last scrape.');
  const mean = metrics.gauge('nodejs_eventloop_lag_mean_seconds', 'Mean event-loop delay of the serving thread since the last scrape.');
  // One reading for the three (max renders first): the histogram is reset once read.
  max.collect(() => {
    const seconds = (ns: number): number => (Number.isFinite(ns) ? ns / 1e9 : 0);
    max.set(seconds(delays.max));
    p99.set(seconds(delays.percentile(99)));
    mean.set(seconds(delays.mean));
    delays.reset();
  });
  return () => delays.disable();
}
