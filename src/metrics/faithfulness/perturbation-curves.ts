import type { JsonValue } from '../../attribution/result.js';
import { Random, checkSeed } from '../../util/random.js';
import type { MetricCurves, MetricOptions } from '../metric.js';
import type { EvaluationSubject, RemovalBaseline } from '../subject.js';
import { checkBaselineOption, checkChoice, checkPositiveInteger, checkRowsHaveFeatures } from './check-options.js';
import { FEATURE_ORDERS, featureOrder, type FeatureOrder } from './feature-order.js';
import { removalCounts } from './removal-counts.js';
import { scoreInChunks } from './score-in-chunks.js';
import { trapezoidArea } from './trapezoid-area.js';

/** Options of the deletion and insertion curves. */
export interface PerturbationCurveOptions extends MetricOptions {
  /** Which features go first. Default 'most-relevant-first'; 'random' (seeded) is the control to beat. */
  order?: FeatureOrder;
  /** Steps from none to all features. Default 50 (fewer when a row has fewer features). */
  steps?: number;
  /** Features per step instead of `steps` (1 = Quantus's pixel flipping, one model call per feature). */
  featuresPerStep?: number;
  /** What removed features become. Default: the subject's baseline. */
  baseline?: RemovalBaseline;
  /**
   * 'none' (default): the raw explained output, so curves keep the model's units and AUCs of different
   * methods on the same rows compare directly; 'unperturbed': divided by the output on the unperturbed
   * input, so every curve meets 1 at the full input (undefined, NaN, when that output is 0).
   */
  normalise?: 'none' | 'unperturbed';
  /** Rank by |attribution| instead of the signed value. Default false (Quantus's pixel flipping). */
  abs?: boolean;
}

export interface PerturbationCurveRun {
  scores: number[];
  curves: MetricCurves;
  /** Each row's curve at its own points (before any interpolation onto a shared grid). */
  rawCurves: number[][];
  params: Record<string, JsonValue>;
  details: Record<string, JsonValue>;
}

/**
 * Removes (deletion: from the input) or reveals (insertion: onto the fully removed input) each row's
 * features in ranked order, step by step, scoring the explained output after every step; the row's
 * score is the area under that curve over the fraction of features in [0, 1] (trapezoid rule).
 */
export async function perturbationCurves(subject: EvaluationSubject, mode: 'deletion' | 'insertion',
  options: PerturbationCurveOptions, stage: string = mode): Promise<PerturbationCurveRun> {
  const order = checkChoice(options.order ?? 'most-relevant-first', 'order', FEATURE_ORDERS);
  const steps = checkPositiveInteger(options.steps ?? 50, 'steps', 50);
  const featuresPerStep = options.featuresPerStep === undefined ? undefined : checkPositiveInteger(options.featuresPerStep, 'featuresPerStep', 1);
  const baseline = checkBaselineOption(options.baseline) ?? subject.baseline;
  const normalise = checkChoice(options.normalise ?? 'none', 'normalise', ['none', 'unperturbed'] as const);
  const abs = options.abs ?? false;
  const seed = checkSeed(options.seed ?? 0);
  checkRowsHaveFeatures(stage, subject.rows, (r) => subject.features(r));

  const random = new Random(seed);
  const orders: Int32Array[] = [];
  const counts: Int32Array[] = [];
  const offsets: number[] = [];
  let total = 0;
  for (let r = 0; r < subject.rows; r++) {
    const features = subject.features(r);
    orders.push(featureOrder(subject.attribution(r), order, random, abs));
    counts.push(removalCounts(features, { steps, featuresPerStep }));
    offsets.push(total);
    total += counts[r].length;
  }
  const rowOf = new Int32Array(total);
  for (let r = 0; r < subject.rows; r++) rowOf.fill(r, offsets[r], offsets[r] + counts[r].length);

  const values = await scoreInChunks(subject, total, (index) => {
    const row = rowOf[index];
    const features = subject.features(row);
    const k = counts[row][index - offsets[row]];
    const ranked = orders[row];
    // Deletion removes the first k ranked features; insertion reveals them, so removes all the others.
    const mask = new Uint8Array(features).fill(mode === 'deletion' ? 0 : 1);
    for (let i = 0; i < k; i++) mask[ranked[i]] = mode === 'deletion' ? 1 : 0;
    return { row, kind: 'remove', mask, baseline };
  }, stage);

  const scores: number[] = [];
  const rowX: number[][] = [];
  const rowY: number[][] = [];
  const unperturbed: number[] = [];
  const removed: number[] = [];
  for (let r = 0; r < subject.rows; r++) {
    const n = subject.features(r);
    const y = Array.from(values.subarray(offsets[r], offsets[r] + counts[r].length));
    const full = mode === 'deletion' ? y[0] : y[y.length - 1];
    unperturbed.push(full);
    removed.push(mode === 'deletion' ? y[y.length - 1] : y[0]);
    const curve = normalise === 'unperturbed' ? y.map((v) => (full === 0 ? NaN : v / full)) : y;
    const x = Array.from(counts[r], (k) => k / n);
    rowX.push(x);
    rowY.push(curve);
    scores.push(trapezoidArea(x, curve));
  }

  const shared = rowX.every((x) => x.length === rowX[0].length && x.every((v, i) => v === rowX[0][i]));
  const gridSize = Math.max(...rowX.map((x) => x.length));
  const grid = shared ? rowX[0] : Array.from({ length: gridSize }, (_, i) => i / (gridSize - 1));
  const curves: MetricCurves = {
    xLabel: mode === 'deletion' ? 'fraction of features removed' : 'fraction of features inserted',
    x: grid,
    yLabel: normalise === 'unperturbed' ? 'explained output / unperturbed output' : 'explained output',
    y: shared ? rowY : rowY.map((y, r) => grid.map((g) => interpolate(rowX[r], y, g))),
  };
  return {
    scores,
    curves,
    rawCurves: rowY,
    params: { order, steps, featuresPerStep: featuresPerStep ?? null, baseline, normalise, abs, seed },
    details: {
      unperturbedScores: unperturbed,
      fullyRemovedScores: removed,
      // Rows of different lengths (token sequences) are drawn on one grid; their AUCs use their own points.
      curvesInterpolated: !shared,
    },
  };
}

/** Linear interpolation of the polyline (xs, ys) at x, xs increasing from 0 to 1. */
function interpolate(xs: number[], ys: number[], x: number): number {
  if (xs.length === 1) return ys[0];
  let i = 1;
  while (i < xs.length - 1 && xs[i] < x) i++;
  const span = xs[i] - xs[i - 1];
  const t = span === 0 ? 1 : (x - xs[i - 1]) / span;
  return ys[i - 1] + t * (ys[i] - ys[i - 1]);
}
