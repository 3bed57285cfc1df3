import type { JsonValue } from '../attribution/result.js';
import { prepareInputs } from '../attribution/base.js';
import { UsageError } from '../errors.js';
import type { Model } from '../models/model.js';
import type { InputLike } from '../tensor.js';
import { fgsm } from './fgsm.js';
import { checkAttackOptions, DEFAULT_ATTACK_BATCH_SIZE, outputsOf, pgdPlan } from './gradient-attack.js';
import { pgd } from './pgd.js';
import { ATTACK_METHODS, type AttackMethod, type PgdOptions } from './types.js';

export interface EpsilonSweepOptions extends Omit<PgdOptions, 'epsilon' | 'label' | 'target' | 'onProgress'> {
  /** The epsilons to attack with (0 is the clean accuracy), in any order. */
  epsilons: readonly number[];
  /** Default 'fgsm'. */
  method?: AttackMethod;
  /** Gradient evaluations done out of total, with the epsilon under way as the stage. */
  onProgress?: (done: number, total: number, stage?: string) => void;
}

/** Accuracy against epsilon on a labelled set, as plain JSON data. */
export interface EpsilonSweep {
  method: AttackMethod;
  model: string;
  norm: 'linf' | 'l2';
  range: [number, number];
  /** Labelled rows attacked. */
  count: number;
  epsilons: number[];
  /** Per epsilon: the fraction of rows the model classifies as their label after the attack. */
  accuracy: number[];
  /** Per epsilon: of the rows classified correctly before the attack, the fraction the attack flipped. */
  flipRate: number[];
  params: Record<string, JsonValue>;
  timeMs: number;
}

/**
 * The robustness curve of Madry et al. and cleverhans' tutorials: each epsilon attacks every row
 * untargeted, away from its true label, and accuracy(epsilon) = mean over rows of [argmax f(x'_eps) = y].
 * Epsilon 0 runs no attack: the clean accuracy.
 */
export async function epsilonSweep(model: Model, inputs: InputLike, labels: readonly number[], options: EpsilonSweepOptions): Promise<EpsilonSweep> {
  const start = performance.now();
  const method = options?.method ?? 'fgsm';
  if (!ATTACK_METHODS.includes(method)) throw new UsageError(`unknown attack "${String(method)}"`, `use one of ${ATTACK_METHODS.join(', ')}`);
  const epsilons = [...(options?.epsilons ?? [])];
  if (epsilons.length === 0) throw new UsageError('the sweep has no epsilons', 'give at least one, e.g. epsilons [0, 0.05, 0.1, 0.2, 0.3]');
  for (const e of epsilons) {
    if (typeof e !== 'number' || !Number.isFinite(e) || e < 0) throw new UsageError(`every epsilon of a sweep must be 0 or more, got ${String(e)}`, 'e.g. epsilons [0, 0.05, 0.1, 0.2, 0.3]');
  }
  // Every setting is checked before the first attack runs, so a bad one does not surface minutes in.
  for (const epsilon of epsilons.some((e) => e > 0) ? epsilons.filter((e) => e > 0) : [Number.MIN_VALUE]) {
    checkAttackOptions(model, { ...options, epsilon });
    if (method === 'pgd') pgdPlan({ ...options, epsilon });
  }
  const x = prepareInputs(model, inputs);
  const shape = [...x.shape];
  const flat = Float32Array.from(x.dataSync());
  x.dispose();
  const rows = shape[0];
  if (labels.length !== rows) throw new UsageError(`${labels.length} labels given for ${rows} input rows`, 'give one label per row (the sweep measures accuracy against them)');
  const n = model.info.numOutputs;
  labels.forEach((l, i) => {
    if (!Number.isInteger(l) || l < 0 || l >= n) throw new UsageError(`label ${l} of row ${i} is out of range: model ${model.info.name} has ${n} classes (0 to ${n - 1})`, `give labels between 0 and ${n - 1}`);
  });
  const batchSize = options.batchSize ?? DEFAULT_ATTACK_BATCH_SIZE;
  const clean = await outputsOf(model, flat, shape, batchSize);
  const correct = clean.prediction.map((p, i) => p === labels[i]);
  const correctCount = correct.filter(Boolean).length;
  const stepsPerAttack = method === 'fgsm' ? 1 : options.steps ?? 40;
  const attacked = epsilons.filter((e) => e > 0).length;
  const total = attacked * rows * stepsPerAttack;
  let finished = 0;
  const accuracy: number[] = [];
  const flipRate: number[] = [];
  let norm: 'linf' | 'l2' = options.norm ?? 'linf';
  let range: [number, number] = options.range ? [options.range[0], options.range[1]] : [0, 1];
  for (const epsilon of epsilons) {
    if (epsilon === 0) {
      accuracy.push(correctCount / rows);
      flipRate.push(0);
      continue;
    }
    const attackOptions: PgdOptions = {
      ...options,
      epsilon,
      label: labels,
      onProgress: (done) => options.onProgress?.(finished + done, total, `epsilon ${epsilon}`),
    };
    const result = method === 'fgsm' ? await fgsm(model, { shape, data: flat }, attackOptions) : await pgd(model, { shape, data: flat }, attackOptions);
    finished += rows * stepsPerAttack;
    norm = result.norm;
    range = result.range;
    const right = result.adversarialPrediction.map((p, i) => p === labels[i]);
    accuracy.push(right.filter(Boolean).length / rows);
    flipRate.push(correctCount === 0 ? 0 : right.filter((r, i) => correct[i] && !r).length / correctCount);
  }
  const params: Record<string, JsonValue> = { method, norm, range, batchSize };
  if (method === 'pgd') {
    params.steps = options.steps ?? 40;
    params.stepSize = options.stepSize ?? '2.5 * epsilon / steps';
    params.randomStart = options.randomStart ?? false;
    params.seed = options.seed ?? 0;
  }
  return { method, model: model.info.name, norm, range, count: rows, epsilons, accuracy, flipRate, params, timeMs: performance.now() - start };
}
