import { UsageError } from '../../errors.js';
import { Random } from '../../util/random.js';
import { logisticRegression, type LinearClassifier } from './logistic-regression.js';
import { sgdClassifier } from './sgd-classifier.js';

export type CavClassifier = 'logistic' | 'sgd';
export const CAV_CLASSIFIERS: readonly CavClassifier[] = ['logistic', 'sgd'];

/** A concept activation vector: the unit normal of a linear boundary between concept and random activations. */
export interface Cav {
  /** Unit length, pointing towards the concept, in the layer's flattened activation space. */
  vector: Float32Array;
  /** Accuracy of the classifier on the held-out examples (both sets). */
  accuracy: number;
  trainCount: number;
  testCount: number;
}

export interface TrainCavOptions {
  classifier?: CavClassifier;
  /** Share of each set held out to measure accuracy; default 0.33 (Captum's test_split_ratio). */
  testFraction?: number;
  seed?: number;
}

/**
 * Trains a CAV (Kim et al. 2018): a linear classifier separating concept activations (rows of `concept`)
 * from random ones, on a seeded split of each set, with its held-out accuracy. Rows are `dim` wide.
 */
export function trainCav(concept: Float32Array, random: Float32Array, dim: number, options: TrainCavOptions = {}): Cav {
  const classifier = options.classifier ?? 'logistic';
  if (!CAV_CLASSIFIERS.includes(classifier)) throw new UsageError(`unknown CAV classifier "${String(classifier)}"`, `use one of ${CAV_CLASSIFIERS.join(', ')}`);
  const testFraction = options.testFraction ?? 0.33;
  if (!(testFraction >= 0 && testFraction < 1)) throw new UsageError(`testFraction must be in [0, 1), got ${testFraction}`, 'e.g. 0.33');
  const nc = concept.length / dim;
  const nr = random.length / dim;
  if (nc < 2 || nr < 2) {
    throw new UsageError(`a CAV needs at least 2 concept and 2 random examples, got ${nc} and ${nr}`, 'give more examples (Kim et al. use 50 or more)');
  }
  const random0 = new Random(options.seed ?? 0);
  const split = (n: number) => {
    const order = random0.shuffle(Array.from({ length: n }, (_, i) => i));
    const test = Math.min(n - 1, Math.round(n * testFraction));
    return { train: order.slice(test), test: order.slice(0, test) };
  };
  const cs = split(nc);
  const rs = split(nr);
  const trainRows = [...cs.train.map((i) => ({ set: concept, i, y: 1 })), ...rs.train.map((i) => ({ set: random, i, y: 0 }))];
  const n = trainRows.length;
  const x = new Float64Array(n * dim);
  const y = new Float64Array(n);
  trainRows.forEach((row, r) => {
    for (let k = 0; k < dim; k++) x[r * dim + k] = row.set[row.i * dim + k];
    y[r] = row.y;
  });
  const fit: LinearClassifier = classifier === 'logistic'
    ? logisticRegression(x, n, dim, y)
    : sgdClassifier(x, n, dim, y, { seed: options.seed ?? 0 });
  const testRows = [...cs.test.map((i) => ({ set: concept, i, y: 1 })), ...rs.test.map((i) => ({ set: random, i, y: 0 }))];
  const side = (set: Float32Array, i: number) => {
    let m = fit.intercept;
    for (let k = 0; k < dim; k++) m += fit.weights[k] * set[i * dim + k];
    return m > 0 ? 1 : 0;
  };
  // With nothing held out, the accuracy is on the training rows.
  const scored = testRows.length > 0 ? testRows : trainRows;
  const accuracy = scored.filter((r) => side(r.set, r.i) === r.y).length / scored.length;
  let norm = 0;
  for (let k = 0; k < dim; k++) norm += fit.weights[k] ** 2;
  norm = Math.sqrt(norm);
  const vector = new Float32Array(dim);
  if (norm > 0) for (let k = 0; k < dim; k++) vector[k] = fit.weights[k] / norm;
  return { vector, accuracy, trainCount: n, testCount: testRows.length };
}
