import { UsageError } from '../../errors.js';
import type { Model } from '../../models/model.js';
import { checkSeed } from '../../util/random.js';
import type { InputLike } from '../../tensor.js';
import { collectActivations } from '../activations/collect-activations.js';
import { checkLayer } from '../activations/layer-activations.js';
import { targetLayerGradients } from './layer-gradients.js';
import { studentTTest } from './t-test.js';
import { tcavScore } from './tcav-score.js';
import { trainCav, type CavClassifier } from './train-cav.js';

export interface TcavOptions {
  layer: string;
  /** Examples of the concept, [n, ...inputShape]. */
  concept: InputLike;
  /** Two or more sets of random examples: one CAV per set, and the random-vs-random baseline. */
  randoms: InputLike[];
  /** The inputs whose sensitivity is measured (examples of the target class). */
  inputs: InputLike;
  /** The output (class) whose logit is differentiated. */
  target: number;
  classifier?: CavClassifier;
  seed?: number;
  /** Share of each set held out for the CAV accuracy; default 0.33. */
  testFraction?: number;
  /** Significance level of the t-test; default 0.05. */
  alpha?: number;
  batchSize?: number;
  onProgress?: (done: number, total: number) => void;
  conceptName?: string;
}

/** One CAV: which sets it separates, its held-out accuracy and its TCAV scores over the inputs. */
export interface TcavRun {
  concept: string;
  random: string;
  cavAccuracy: number;
  score: number;
  magnitude: number;
}

export interface TcavSummary {
  runs: TcavRun[];
  meanScore: number;
  stdScore: number;
  meanAccuracy: number;
}

export interface TcavResult {
  layer: string;
  target: number;
  classifier: CavClassifier;
  seed: number;
  inputs: number;
  conceptExamples: number;
  randomExamples: number[];
  /** The concept against each random set. */
  concept: TcavSummary & { name: string };
  /** Each random set against the next (the last against the first): scores of concepts that mean nothing. */
  random: TcavSummary;
  /** Kim et al.'s test: concept scores against random-vs-random scores, two-sided Student t-test. */
  test: { kind: 'two-sided Student t-test'; t: number; degreesOfFreedom: number; pValue: number; alpha: number; significant: boolean };
}

/**
 * TCAV (Kim et al. 2018): a CAV of the concept against each random set and of each random set against
 * the next, the TCAV score of each (share of `inputs` whose target logit grows along the CAV at `layer`),
 * and a t-test of concept scores against the random ones. Significant means the concept's influence is
 * unlike that of a random direction. Activations and gradients are computed once per set.
 */
export async function tcav(model: Model, options: TcavOptions): Promise<TcavResult> {
  checkLayer(model, options.layer);
  const classifier = options.classifier ?? 'logistic';
  const seed = checkSeed(options.seed ?? 0);
  const alpha = options.alpha ?? 0.05;
  if (!(alpha > 0 && alpha < 1)) throw new UsageError(`alpha must be between 0 and 1, got ${alpha}`, 'e.g. 0.05');
  if (options.randoms.length < 2) {
    throw new UsageError(`TCAV needs at least 2 random sets, got ${options.randoms.length}`,
      'give several random sets (Kim et al. use 10 or more): the test compares the concept with random-vs-random CAVs');
  }
  const sets = [options.concept, ...options.randoms];
  const sizes = sets.map((s) => s.shape[0]);
  const inputCount = options.inputs.shape[0];
  const total = sizes.reduce((a, b) => a + b, 0) + inputCount;
  let done = 0;
  const progress = (rows: number) => { done += rows; options.onProgress?.(done, total); };
  const batchSize = options.batchSize ?? 64;
  const activations: Float32Array[] = [];
  let dim = 0;
  for (const set of sets) {
    const before = done;
    const e = await collectActivations(model, set, { layer: options.layer, batchSize, predictions: false,
      onProgress: (d) => options.onProgress?.(before + d, total) });
    done = before + e.count;
    dim = e.dim;
    activations.push(e.vectors);
  }
  const gradients = await targetLayerGradients(model, options.inputs, options.layer, options.target, { batchSize, onBatch: progress });
  if (gradients.count > 0 && gradients.dim !== dim) {
    throw new UsageError(`layer ${options.layer} gives ${dim} activations but ${gradients.dim} gradients per input`, 'choose a layer with one output tensor');
  }
  if (gradients.count === 0) throw new UsageError('TCAV needs at least one input to score', 'give examples of the target class as inputs');
  const conceptName = options.conceptName ?? 'concept';
  const randomName = (i: number) => `random-${i}`;
  const run = (a: number, b: number, name: string, runSeed: number): TcavRun => {
    const cav = trainCav(activations[a], activations[b], dim, { classifier, seed: runSeed, testFraction: options.testFraction });
    const s = tcavScore(gradients.values, cav.vector);
    return { concept: name, random: randomName(b - 1), cavAccuracy: cav.accuracy, score: s.score, magnitude: s.magnitude };
  };
  const r = options.randoms.length;
  const conceptRuns = Array.from({ length: r }, (_, i) => run(0, i + 1, conceptName, (seed + i) >>> 0));
  const randomRuns = Array.from({ length: r }, (_, i) => run(i + 1, ((i + 1) % r) + 1, randomName(i), (seed + r + i) >>> 0));
  const t = studentTTest(conceptRuns.map((x) => x.score), randomRuns.map((x) => x.score));
  return {
    layer: options.layer,
    target: options.target,
    classifier,
    seed,
    inputs: gradients.count,
    conceptExamples: sizes[0],
    randomExamples: sizes.slice(1),
    concept: { name: conceptName, ...summary(conceptRuns) },
    random: summary(randomRuns),
    test: { kind: 'two-sided Student t-test', t: t.t, degreesOfFreedom: t.degreesOfFreedom, pValue: t.pValue, alpha, significant: t.pValue < alpha },
  };
}

function summary(runs: TcavRun[]): TcavSummary {
  const scores = runs.map((r) => r.score);
  const mean = scores.reduce((a, b) => a + b, 0) / scores.length;
  const variance = scores.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, scores.length - 1);
  return { runs, meanScore: mean, stdScore: Math.sqrt(variance), meanAccuracy: runs.reduce((a, b) => a + b.cavAccuracy, 0) / runs.length };
}
