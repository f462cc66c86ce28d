// A small Prometheus registry (text exposition format 0.0.4): counters, gauges and histograms with
// labels. Components receive the registry and create their own metrics; /metrics renders it.

export type Labels = Readonly<Record<string, string>>;

interface Series<T> {
  readonly labels: Labels;
  value: T;
}

const NO_LABELS: Labels = Object.freeze({});
/** Keys of frozen label objects: hot callers intern their labels, so per-update cost is one lookup. */
const frozenKeys = new WeakMap<Labels, string>();

function labelKey(labels: Labels): string {
  const known = frozenKeys.get(labels);
  if (known !== undefined) return known;
  const key = Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join(',');
  if (Object.isFrozen(labels)) frozenKeys.set(labels, key);
  return key;
}

function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function renderLabels(labels: Labels, extra?: Labels): string {
  const all = { ...labels, ...extra };
  const keys = Object.keys(all);
  if (keys.length === 0) return '';
  return `{${keys.map((k) => `${k}="${escapeLabelValue(all[k] ?? '')}"`).join(',')}}`;
}

function formatNumber(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return '+Inf';
  if (n === -Infinity) return '-Inf';
  return String(n);
}

abstract class Metric<T> {
  protected readonly series = new Map<string, Series<T>>();
  private collector: (() => void) | undefined;
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}
  /** Called before every render, to bring in values kept elsewhere (computed on demand, or tallied cheaply). */
  collect(fn: () => void): void {
    this.collector = fn;
  }
  abstract readonly type: 'counter' | 'gauge' | 'histogram';
  protected abstract initial(): T;
  protected seriesFor(labels: Labels): Series<T> {
    const key = labelKey(labels);
    let s = this.series.get(key);
    if (!s) {
      s = { labels: { ...labels }, value: this.initial() };
      this.series.set(key, s);
    }
    return s;
  }
  abstract renderSeries(): string[];
  protected collected(): void {
    this.collector?.();
  }
  render(): string {
    this.collected();
    return [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} ${this.type}`, ...this.renderSeries()].join('\n');
  }
}

export class Counter extends Metric<number> {
  readonly type = 'counter' as const;
  protected initial(): number {
    return 0;
  }
  inc(labels: Labels = NO_LABELS, by = 1): void {
    this.seriesFor(labels).value += by;
  }
  get(labels: Labels = NO_LABELS): number {
    this.collected();
    return this.series.get(labelKey(labels))?.value ?? 0;
  }
  renderSeries(): string[] {
    return [...this.series.values()].map((s) => `${this.name}${renderLabels(s.labels)} ${formatNumber(s.value)}`);
  }
}

export class Gauge extends Metric<number> {
  readonly type = 'gauge' as const;
  protected initial(): number {
    return 0;
  }
  set(value: number, labels: Labels = NO_LABELS): void {
    this.seriesFor(labels).value = value;
  }
  inc(labels: Labels = NO_LABELS, by = 1): void {
    this.seriesFor(labels).value += by;
  }
  dec(labels: Labels = NO_LABELS, by = 1): void {
    this.seriesFor(labels).value -= by;
  }
  get(labels: Labels = NO_LABELS): number {
    this.collected();
    return this.series.get(labelKey(labels))?.value ?? 0;
  }
  renderSeries(): string[] {
    return [...this.series.values()].map((s) => `${this.name}${renderLabels(s.labels)} ${formatNumber(s.value)}`);
  }
}

interface HistogramValue {
  readonly buckets: number[];
  sum: number;
  count: number;
}

export class Histogram extends Metric<HistogramValue> {
  readonly type = 'histogram' as const;
  constructor(
    name: string,
    help: string,
    readonly bounds: readonly number[],
  ) {
    super(name, help);
  }
  protected initial(): HistogramValue {
    return { buckets: this.bounds.map(() => 0), sum: 0, count: 0 };
  }
  observe(value: number, labels: Labels = NO_LABELS): void {
    const v = this.seriesFor(labels).value;
    for (let i = 0; i < this.bounds.length; i++) {
      if (value <= (this.bounds[i] as number)) v.buckets[i] = (v.buckets[i] as number) + 1;
    }
    v.sum += value;
    v.count += 1;
  }
  count(labels: Labels = NO_LABELS): number {
    return this.series.get(labelKey(labels))?.value.count ?? 0;
  }
  renderSeries(): string[] {
    const lines: string[] = [];
    for (const s of this.series.values()) {
      this.bounds.forEach((b, i) => {
        lines.push(`${this.name}_bucket${renderLabels(s.labels, { le: formatNumber(b) })} ${s.value.buckets[i] ?? 0}`);
      });
      lines.push(`${this.name}_bucket${renderLabels(s.labels, { le: '+Inf' })} ${s.value.count}`);
      lines.push(`${this.name}_sum${renderLabels(s.labels)} ${formatNumber(s.value.sum)}`);
      lines.push(`${this.name}_count${renderLabels(s.labels)} ${s.value.count}`);
    }
    return lines;
  }
}

export class MetricsRegistry {
  private readonly metrics = new Map<string, Metric<unknown>>();

  private register<M extends Metric<never>>(metric: M): M {
    const existing = this.metrics.get(metric.name);
    if (existing) {
      if (existing.type !== metric.type) throw new Error(`metric ${metric.name} already registered as ${existing.type}`);
      return existing as unknown as M;
    }
    this.metrics.set(metric.name, metric as unknown as Metric<unknown>);
    return metric;
  }

  counter(name: string, help: string): Counter {
    return this.register(new Counter(name, help) as never);
  }
  gauge(name: string, help: string): Gauge {
    return this.register(new Gauge(name, help) as never);
  }
  histogram(name: string, help: string, bounds: readonly number[]): Histogram {
    return this.register(new Histogram(name, help, bounds) as never);
  }

  /** Prometheus text exposition format. */
  render(): string {
    return `${[...this.metrics.values()].map((m) => m.render()).join('\n')}\n`;
  }
}
