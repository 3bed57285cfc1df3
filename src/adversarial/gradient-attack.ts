import * as tf from '@tensorflow/tfjs';
import { prepareInputs } from '../attribution/base.js';
import type { JsonValue } from '../attribution/result.js';
import { UsageError } from '../errors.js';
import type { Model } from '../models/model.js';
import { sizeOf, type InputLike } from '../tensor.js';
import { Random, checkSeed } from '../util/random.js';
import { AttackResult, ATTACK_NORMS, type AttackMethod, type AttackNorm, type ClassChoice, type PgdOptions } from './types.js';

export const DEFAULT_ATTACK_BATCH_SIZE = 128;
/** Inputs may sit this far outside the range (float rounding of a preprocessing) and are clipped into it. */
const RANGE_TOLERANCE = 1e-5;
/** Keeps divisions by a row's L2 norm finite where the row is zero (as cleverhans' avoid_zero_div). */
const AVOID_ZERO_DIV = 1e-12;

/** The iterative attack both FGSM (one step of size epsilon, no random start) and PGD run. */
export interface AttackPlan {
  method: AttackMethod;
  steps: number;
  stepSize: number;
  randomStart: boolean;
  seed: number;
}

interface Checked {
  epsilon: number;
  norm: AttackNorm;
  range: [number, number];
  batchSize: number;
}

/**
 * Runs `plan.steps` steps of the sign (L-infinity) or normalised (L2) gradient of the cross-entropy
 * loss, up for untargeted attacks and down for targeted ones, each followed by the projection onto the
 * epsilon ball around the input and clipping to the valid range (Madry et al. 2018; cleverhans'
 * fast_gradient_method and projected_gradient_descent).
 */
export async function runGradientAttack(model: Model, inputs: InputLike, options: PgdOptions, plan: AttackPlan): Promise<AttackResult> {
  const start = performance.now();
  const checked = checkAttackOptions(model, options);
  const { epsilon, norm, range, batchSize } = checked;
  if (model.info.gradientsUnavailable) {
    throw new UsageError(`${plan.method} needs gradients, and model ${model.info.name} has none: ${model.info.gradientsUnavailable}`,
      'attack a model whose operators all have backward rules');
  }
  const x = prepareInputs(model, inputs);
  try {
    const flat = Float32Array.from(x.dataSync());
    const rows = x.shape[0];
    const rowSize = flat.length / rows;
    clipIntoRange(flat, rowSize, range);
    const clean = await outputsOf(model, flat, x.shape, batchSize);
    const targeted = options.target !== undefined;
    const classes = resolveClasses(model, rows, targeted ? options.target : options.label, targeted ? 'target' : 'label', clean.prediction);
    const adversarial = new Float32Array(flat.length);
    const random = new Random(plan.seed);
    const total = rows * plan.steps;
    for (let begin = 0; begin < rows; begin += batchSize) {
      const end = Math.min(rows, begin + batchSize);
      const chunkShape = [end - begin, ...x.shape.slice(1)];
      const original = flat.subarray(begin * rowSize, end * rowSize);
      const start0 = plan.randomStart ? randomStart(original, rowSize, epsilon, norm, range, random) : original;
      const loss = crossEntropy(model, classes.subarray(begin, end));
      let current = tf.tensor(start0, chunkShape);
      const anchor = tf.tensor(original, chunkShape);
      try {
        for (let s = 0; s < plan.steps; s++) {
          const g = await model.gradients(current, { target: { kind: 'function', fn: loss } });
          const next = tf.tidy(() => step(current, anchor, g.inputGradients, { ...checked, stepSize: plan.stepSize, ascend: !targeted }));
          g.selected.dispose();
          g.inputGradients.dispose();
          current.dispose();
          current = next;
          options.onProgress?.(begin * plan.steps + (end - begin) * (s + 1), total);
        }
        adversarial.set(current.dataSync(), begin * rowSize);
      } finally {
        current.dispose();
        anchor.dispose();
      }
    }
    // The projection and clipping ran in float32 on the difference; redo them exactly on the stored values.
    enforceBounds(adversarial, flat, rowSize, epsilon, norm, range);
    const after = await outputsOf(model, adversarial, x.shape, batchSize);
    const success = after.prediction.map((p, i) => (targeted ? p === classes[i] : p !== classes[i]));
    const params: Record<string, JsonValue> = {
      epsilon, norm, range, targeted, batchSize,
      ...(plan.method === 'pgd' ? { steps: plan.steps, stepSize: plan.stepSize, randomStart: plan.randomStart, seed: plan.seed } : {}),
    };
    return new AttackResult({
      method: plan.method,
      model: model.info.name,
      epsilon,
      norm,
      range,
      targeted,
      params,
      shape: [...x.shape],
      adversarial,
      classes: Array.from(classes),
      prediction: clean.prediction,
      adversarialPrediction: after.prediction,
      probabilities: clean.probabilities,
      adversarialProbabilities: after.probabilities,
      success,
      perturbationNorms: perturbationNorms(adversarial, flat, rowSize),
      timeMs: performance.now() - start,
    });
  } finally {
    x.dispose();
  }
}

/** Checks what every attack takes, with messages that say how to fix it. */
export function checkAttackOptions(model: Model, options: PgdOptions): Checked {
  if (options === undefined || typeof options !== 'object') {
    throw new UsageError('the attack options are missing', 'pass at least { epsilon }, e.g. { epsilon: 0.1 }');
  }
  const norm = options.norm ?? 'linf';
  if (!ATTACK_NORMS.includes(norm)) throw new UsageError(`unknown norm "${String(norm)}"`, `use one of ${ATTACK_NORMS.join(', ')}`);
  const range = checkRange(options.range ?? [0, 1]);
  const epsilon = options.epsilon;
  const span = range[1] - range[0];
  if (typeof epsilon !== 'number' || !Number.isFinite(epsilon) || epsilon <= 0) {
    throw new UsageError(`epsilon must be a number greater than 0, got ${String(epsilon)}`, `e.g. epsilon 0.1 for inputs in [${range[0]},${range[1]}]`);
  }
  // The farthest two inputs in the range can be: the span (L-inf), the diagonal of the box (L2).
  const featureCount = sizeOf(model.info.inputShape);
  const widest = norm === 'linf' ? span : span * Math.sqrt(featureCount);
  if (epsilon > widest) {
    const what = norm === 'linf' ? `the input range [${range[0]},${range[1]}]` : `the L2 diameter ${round(widest)} of the input range [${range[0]},${range[1]}]^${featureCount}`;
    throw new UsageError(`an epsilon of ${epsilon} exceeds ${what}`,
      `choose an epsilon up to ${round(widest)} (e.g. ${round(Math.min(widest, 0.1 * span * (norm === 'l2' ? Math.sqrt(featureCount) / 10 : 1)))}), or give the model's real input range`);
  }
  if (options.label !== undefined && options.target !== undefined) {
    throw new UsageError('both a label and a target were given', 'give a label to move away from (untargeted) or a target to move towards (targeted), not both');
  }
  const batchSize = options.batchSize ?? DEFAULT_ATTACK_BATCH_SIZE;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new UsageError(`batchSize must be a positive integer, got ${batchSize}`, 'e.g. batchSize: 64');
  if (model.info.numOutputs < 2) {
    throw new UsageError(`model ${model.info.name} has one output, and the attacks need class scores`,
      'attack a classifier with two or more outputs');
  }
  return { epsilon, norm, range, batchSize };
}

/** PGD's own options: steps, step size (Madry's 2.5 * epsilon / steps by default), seed. */
export function pgdPlan(options: PgdOptions): AttackPlan {
  const steps = options.steps ?? 40;
  if (!Number.isInteger(steps) || steps < 1 || steps > 100000) throw new UsageError(`steps must be a whole number from 1 to 100000, got ${steps}`, 'e.g. steps 40');
  const stepSize = options.stepSize ?? (2.5 * options.epsilon) / steps;
  if (!Number.isFinite(stepSize) || stepSize <= 0) throw new UsageError(`the step size must be a number greater than 0, got ${stepSize}`, 'e.g. stepSize 0.01 (default 2.5 * epsilon / steps)');
  return { method: 'pgd', steps, stepSize, randomStart: options.randomStart ?? false, seed: checkSeed(options.seed ?? 0) };
}

function checkRange(range: readonly [number, number]): [number, number] {
  if (!Array.isArray(range) || range.length !== 2 || !range.every((v) => typeof v === 'number' && Number.isFinite(v))) {
    throw new UsageError(`the input range must be two finite numbers [lo, hi], got ${JSON.stringify(range)}`, 'e.g. [0, 1] (--range 0,1)');
  }
  const [lo, hi] = range;
  if (lo >= hi) throw new UsageError(`the input range [${lo},${hi}] is empty: lo must be below hi`, 'e.g. [0, 1] (--range 0,1)');
  return [lo, hi];
}

function round(v: number): number {
  return Number(v.toPrecision(4));
}

/** Refuses inputs outside the range (they cannot be clipped back without changing them); nudges rounding errors in. */
function clipIntoRange(flat: Float32Array, rowSize: number, [lo, hi]: [number, number]): void {
  const slack = RANGE_TOLERANCE * (hi - lo);
  for (let i = 0; i < flat.length; i++) {
    const v = flat[i];
    if (v < lo - slack || v > hi + slack) {
      throw new UsageError(`input row ${Math.floor(i / rowSize)} holds ${v} (at flat index ${i}), outside the input range [${lo},${hi}]`,
        'give the model\'s input range (--range LO,HI), or inputs scaled into it');
    }
    flat[i] = Math.min(hi, Math.max(lo, v));
  }
}

function resolveClasses(model: Model, rows: number, choice: ClassChoice | undefined, what: 'label' | 'target', prediction: number[]): Int32Array {
  const n = model.info.numOutputs;
  let classes: Int32Array;
  if (choice === undefined) classes = Int32Array.from(prediction);
  else if (typeof choice === 'number') classes = new Int32Array(rows).fill(choice);
  else {
    if (choice.length !== rows) throw new UsageError(`${choice.length} ${what}s given for ${rows} input rows`, `give one ${what} per row, or one for all`);
    classes = Int32Array.from(choice);
  }
  const given = choice === undefined ? [] : typeof choice === 'number' ? [choice] : choice;
  for (const c of given) {
    if (!Number.isInteger(c) || c < 0 || c >= n) {
      throw new UsageError(`${what} ${c} is out of range: model ${model.info.name} has ${n} classes (0 to ${n - 1})`, `choose a ${what} between 0 and ${n - 1}`);
    }
  }
  return classes;
}

/**
 * Cross-entropy of each row's class, from the logits (log-softmax), or from the probabilities' log when
 * the model outputs probabilities. Outputs of kind 'values' are read as logits.
 */
function crossEntropy(model: Model, classes: Int32Array): (output: tf.Tensor) => tf.Tensor {
  const n = model.info.numOutputs;
  const probabilities = model.info.outputKind === 'probabilities';
  return (output) => tf.tidy(() => {
    const oneHot = tf.oneHot(tf.tensor1d(classes, 'int32'), n);
    const logP = probabilities ? tf.log(tf.clipByValue(output, 1e-30, 1)) : tf.logSoftmax(output);
    return tf.neg(tf.sum(tf.mul(oneHot, logP), 1));
  });
}

/** One step of size `stepSize` along the loss gradient, then the projection onto the ball and the range. */
function step(current: tf.Tensor, anchor: tf.Tensor, gradient: tf.Tensor,
  o: Checked & { stepSize: number; ascend: boolean }): tf.Tensor {
  const direction = o.norm === 'linf' ? exactSign(gradient) : unitRows(gradient);
  const moved = tf.add(current, tf.mul(direction, o.ascend ? o.stepSize : -o.stepSize));
  return project(moved, anchor, o.epsilon, o.norm, o.range);
}

/**
 * sign(t) without tf.sign: TF.js wasm's Sign kernel returns 0 for |t| below about 1e-7, and the loss
 * gradient of a confidently classified input is that small.
 */
function exactSign(t: tf.Tensor): tf.Tensor {
  return tf.sub(tf.cast(tf.greater(t, 0), 'float32'), tf.cast(tf.less(t, 0), 'float32'));
}

/**
 * Each row divided by its L2 norm; rows are first divided by their largest |value|, so the squares of a
 * tiny gradient do not underflow (an all-zero row stays zero).
 */
function unitRows(t: tf.Tensor): tf.Tensor {
  const axes = t.shape.slice(1).map((_, i) => i + 1);
  const largest = tf.max(tf.abs(t), axes, true);
  const scaled = tf.div(t, tf.where(tf.greater(largest, 0), largest, tf.onesLike(largest)));
  return tf.div(scaled, rowNorm(scaled));
}

/** Per-row L2 norm, shaped to broadcast against the rows (at least AVOID_ZERO_DIV). */
function rowNorm(t: tf.Tensor): tf.Tensor {
  const axes = t.shape.slice(1).map((_, i) => i + 1);
  return tf.maximum(tf.sqrt(tf.sum(tf.square(t), axes, true)), AVOID_ZERO_DIV);
}

function project(candidate: tf.Tensor, anchor: tf.Tensor, epsilon: number, norm: AttackNorm, [lo, hi]: [number, number]): tf.Tensor {
  const delta = tf.sub(candidate, anchor);
  const inBall = norm === 'linf' ? tf.clipByValue(delta, -epsilon, epsilon) : tf.mul(delta, tf.minimum(1, tf.div(epsilon, rowNorm(delta))));
  return tf.clipByValue(tf.add(anchor, inBall), lo, hi);
}

/** A uniform draw in [-epsilon, epsilon] per value, projected into the ball, added and clipped (cleverhans' rand_init). */
function randomStart(original: Float32Array, rowSize: number, epsilon: number, norm: AttackNorm, range: [number, number], random: Random): Float32Array {
  const out = new Float32Array(original.length);
  for (let i = 0; i < out.length; i++) out[i] = original[i] + epsilon * (2 * random.uniform() - 1);
  enforceBounds(out, original, rowSize, epsilon, norm, range);
  return out;
}

/**
 * Puts every row of `adversarial` within epsilon of `original` and inside the range, in float64.
 * Clipping to the range only moves values towards the original (which lies inside it), so it keeps the norm bound.
 */
function enforceBounds(adversarial: Float32Array, original: Float32Array, rowSize: number, epsilon: number, norm: AttackNorm, [lo, hi]: [number, number]): void {
  for (let r = 0; r < adversarial.length / rowSize; r++) {
    const begin = r * rowSize;
    let scale = 1;
    if (norm === 'l2') {
      let sum = 0;
      for (let i = begin; i < begin + rowSize; i++) sum += (adversarial[i] - original[i]) ** 2;
      const length = Math.sqrt(sum);
      if (length > epsilon) scale = epsilon / length;
    }
    for (let i = begin; i < begin + rowSize; i++) {
      let d = (adversarial[i] - original[i]) * scale;
      if (norm === 'linf') d = Math.max(-epsilon, Math.min(epsilon, d));
      let v = Math.fround(Math.min(hi, Math.max(lo, original[i] + d)));
      // float32 rounding may land a hair outside the ball: step one ulp back towards the original.
      if (Math.abs(v - original[i]) > Math.abs(d)) v = towards(v, original[i]);
      adversarial[i] = v;
    }
  }
}

function towards(v: number, goal: number): number {
  if (v === 0) return goal > 0 ? 1.401298464324817e-45 : -1.401298464324817e-45;
  const buf = new Float32Array([v]);
  const bits = new Int32Array(buf.buffer);
  bits[0] += (goal > v) === (v >= 0) ? 1 : -1;
  return buf[0];
}

function perturbationNorms(adversarial: Float32Array, original: Float32Array, rowSize: number): { linf: number[]; l2: number[] } {
  const linf: number[] = [];
  const l2: number[] = [];
  for (let r = 0; r < adversarial.length / rowSize; r++) {
    let max = 0;
    let sum = 0;
    for (let i = r * rowSize; i < (r + 1) * rowSize; i++) {
      const d = Math.abs(adversarial[i] - original[i]);
      if (d > max) max = d;
      sum += d * d;
    }
    linf.push(max);
    l2.push(Math.sqrt(sum));
  }
  return { linf, l2 };
}

/** The model's class and probabilities per row, `batchSize` rows at a time. */
export async function outputsOf(model: Model, flat: Float32Array, shape: readonly number[], batchSize: number): Promise<{ prediction: number[]; probabilities: number[][] }> {
  const rows = shape[0];
  const rowSize = flat.length / rows;
  const prediction: number[] = [];
  const probabilities: number[][] = [];
  for (let begin = 0; begin < rows; begin += batchSize) {
    const end = Math.min(rows, begin + batchSize);
    const x = tf.tensor(flat.subarray(begin * rowSize, end * rowSize), [end - begin, ...shape.slice(1)]);
    const out = await model.forward(x);
    x.dispose();
    const [p, c] = tf.tidy(() => {
      const probs = model.info.outputKind === 'probabilities' ? out : tf.softmax(out);
      return [probs.arraySync() as number[][], Array.from(out.argMax(1).dataSync())];
    });
    out.dispose();
    probabilities.push(...p);
    prediction.push(...c);
  }
  return { prediction, probabilities };
}
