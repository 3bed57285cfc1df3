import type { Metric, MetricInfo, MetricOptions } from './metric.js';

export interface MetricEntry {
  info: MetricInfo;
  create(): Metric<MetricOptions & Record<string, unknown>>;
}

type AnyMetric = Metric<MetricOptions & Record<string, unknown>>;
const entry = (create: () => unknown): MetricEntry => {
  const metric = create() as AnyMetric;
  return { info: metric.info, create: create as () => AnyMetric };
};

/** Every evaluation metric, by its CLI name. A new metric is one file, its test, and one line here. */
export const METRICS: readonly MetricEntry[] = [
];

export const METRIC_NAMES = METRICS.map((m) => m.info.name);

export function findMetric(name: string): MetricEntry | undefined {
  return METRICS.find((m) => m.info.name === name);
}
