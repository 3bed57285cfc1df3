import type { MetricResultData } from '../../../src/metrics/metric.js';
import { Random } from '../../../src/util/random.js';
import type { EvaluationCell, EvaluationSummary } from '../../../src/viz/evaluation/summary.js';

/** Trapezoid rule over x. */
export function trapezoid(x: readonly number[], y: readonly number[]): number {
  let s = 0;
  for (let k = 1; k < x.length; k++) s += ((x[k] - x[k - 1]) * (y[k] + y[k - 1])) / 2;
  return s;
}

/** Mean and Student-t 95% interval half-width of a few values (t quantiles from scipy.stats.t.ppf(0.975, df)). */
const T975: Record<number, number> = { 1: 12.706204736174707, 2: 4.302652729749464, 3: 3.182446305284263, 4: 2.7764451051977987, 5: 2.570581835636314 };
export function meanCi(values: readonly number[]): { mean: number; low: number; high: number } {
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  if (n === 1) return { mean, low: mean, high: mean };
  const sd = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1));
  const half = (T975[n - 1] * sd) / Math.sqrt(n);
  return { mean, low: mean - half, high: mean + half };
}

const STEPS = ['original', 'logits', 'dense1', 'conv2', 'conv1'];

/** A 6 x 5 map: a bright blob whose place depends on `shift`, plus seeded noise. */
function blobMap(shift: number, noise: number, rng: Random): number[] {
  const out: number[] = [];
  for (let y = 0; y < 6; y++) {
    for (let x = 0; x < 5; x++) out.push(Math.exp(-((x - 1 - shift) ** 2 + (y - 2) ** 2) / 2) * (x % 2 ? 1 : -1) + noise * rng.normal());
  }
  return out;
}

/**
 * A small evaluation built by hand: three methods on four rows under deletion, insertion, sparseness
 * and the cascading randomisation test; curves are exponentials with seeded noise, so every mean, AUC
 * and interval can be recomputed by the tests.
 */
export function handSummary(): EvaluationSummary {
  const rng = new Random(7);
  const methods = ['integrated-gradients', 'saliency', 'random'];
  const x = Array.from({ length: 11 }, (_, k) => k / 10);
  const rows = 4;
  const results: MetricResultData[] = [];
  const cells: EvaluationCell[] = [];
  const decay: Record<string, number> = { 'integrated-gradients': 6, saliency: 3, random: 1 };
  const add = (r: MetricResultData) => {
    results.push(r);
    const ci = meanCi(r.scores);
    cells.push({ method: r.method, metric: r.metric, mean: ci.mean, ciLow: ci.low, ciHigh: ci.high, n: r.scores.length, timeMs: 1234 });
  };
  for (const method of methods) {
    for (const metric of ['deletion', 'insertion'] as const) {
      const y = Array.from({ length: rows }, () => x.map((t) => {
        const v = metric === 'deletion' ? Math.exp(-decay[method] * t) : 1 - Math.exp(-decay[method] * t);
        return v + 0.03 * rng.normal();
      }));
      add({
        metric, method, model: 'digits', modality: 'image', scores: y.map((row) => trapezoid(x, row)),
        higherIsBetter: metric === 'insertion', params: { order: 'most-relevant-first', baseline: 'zeros', steps: 10, normalise: 'none' },
        curves: { xLabel: `fraction of features ${metric === 'deletion' ? 'removed' : 'inserted'}`, x, yLabel: 'explained output', y }, timeMs: 1234,
      });
    }
    add({
      metric: 'sparseness', method, model: 'digits', modality: 'image',
      scores: Array.from({ length: rows }, () => ({ 'integrated-gradients': 0.6, saliency: 0.5, random: 0.3 })[method]! + 0.02 * rng.normal()),
      higherIsBetter: true, params: {}, timeMs: 1234,
    });
    const sim = STEPS.map((_, s) => (method === 'random' ? 0.95 : Math.max(0, 1 - 0.3 * s)));
    const maps = STEPS.map((_, s) => blobMap(method === 'random' ? 0 : s * 0.7, 0.05 * s, rng));
    add({
      metric: 'model-parameter-randomisation', method, model: 'digits', modality: 'image',
      scores: Array.from({ length: rows }, () => sim[sim.length - 1] + 0.01 * rng.normal()),
      higherIsBetter: false, params: { mode: 'cascading', similarity: 'spearman' },
      curves: { xLabel: 'layers randomised', x: STEPS, yLabel: 'spearman similarity to the original explanation', y: Array.from({ length: rows }, () => sim.map((v) => v + 0.01 * rng.normal())) },
      details: { examples: [{ row: 0, steps: STEPS, maps, featureShape: [6, 5] }], means: { spearman: sim, ssim: sim.map((v) => v * 0.8) } },
      timeMs: 1234,
    });
  }
  const metricInfo = [
    { name: 'deletion', category: 'faithfulness', summary: 'Output as the most relevant features are removed.', formula: 'AUC_k f(x with the top k features removed)', reference: 'Petsiuk et al. 2018', higherIsBetter: false },
    { name: 'insertion', category: 'faithfulness', summary: 'Output as the most relevant features are inserted.', formula: 'AUC_k f(baseline with the top k features inserted)', reference: 'Petsiuk et al. 2018', higherIsBetter: true },
    { name: 'sparseness', category: 'complexity', summary: 'Gini index of |attributions|.', formula: 'Gini(|a|) = sum_i (2i - d - 1)|a|_(i) / (d sum_i |a|_(i))', reference: 'Chalasani et al. 2020', higherIsBetter: true },
    { name: 'model-parameter-randomisation', category: 'randomisation', summary: 'Similarity of explanations as layers are randomised.', formula: 'rho_s(e(x; f), e(x; f_randomised))', reference: 'Adebayo et al. 2018', higherIsBetter: false },
  ] as const;
  const metrics = metricInfo.map((m) => ({ ...m }));
  const ranking = methods.map((method) => {
    const ranks: Record<string, number> = {};
    for (const m of metrics) {
      const sorted = cells.filter((c) => c.metric === m.name).sort((a, b) => (m.higherIsBetter ? b.mean - a.mean : a.mean - b.mean));
      ranks[m.name] = sorted.findIndex((c) => c.method === method) + 1;
    }
    const values = Object.values(ranks);
    return { method, meanRank: values.reduce((a, b) => a + b, 0) / values.length, ranks };
  }).sort((a, b) => a.meanRank - b.meanRank);
  return { model: 'digits', modality: 'image', rows, seed: 0, confidence: 0.95, methods, metrics, cells, ranking, results };
}
