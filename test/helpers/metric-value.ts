// Reads one metric's value out of a registry's exposition text (the sum over its series, or over the
// series whose labels contain `labelFilter`).
import type { MetricsRegistry } from '../../src/metrics.js';

export function metricValue(metrics: MetricsRegistry, name: string, labelFilter = ''): number {
  let sum = 0;
  for (const line of metrics.render().split('\n')) {
    if (!line.startsWith(name) || (line[name.length] !== ' ' && line[name.length] !== '{')) continue;
    if (labelFilter && !line.includes(labelFilter)) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}
