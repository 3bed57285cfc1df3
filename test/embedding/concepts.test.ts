import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../src/backend.js';
import { loadModel } from '../../src/models/load.js';
import { TfjsLayersModel } from '../../src/models/tfjs-layers.js';
import type { Model } from '../../src/models/model.js';
import { loadInputSet } from '../../src/embedding/activations/input-set.js';
import { logisticRegression } from '../../src/embedding/concepts/logistic-regression.js';
import { sgdClassifier } from '../../src/embedding/concepts/sgd-classifier.js';
import { studentTTest, studentTwoSidedP } from '../../src/embedding/concepts/t-test.js';
import { trainCav } from '../../src/embedding/concepts/train-cav.js';
import { tcavScore } from '../../src/embedding/concepts/tcav-score.js';
import { targetLayerGradients } from '../../src/embedding/concepts/layer-gradients.js';
import { tcav } from '../../src/embedding/concepts/tcav.js';
import { meanDifferenceDirection } from '../../src/embedding/concepts/mean-difference-direction.js';
import { projectOnto } from '../../src/embedding/concepts/project-onto.js';
import { Random } from '../../src/util/random.js';
import type { NdArray } from '../../src/tensor.js';

interface Reference {
  logistic: { n: number; d: number; x: number[]; y: number[]; coef: number[]; intercept: number }[];
  ttest: { a: number[]; b: number[]; t: number; p: number }[];
  t_sf: { t: number; df: number; p: number }[];
}
const reference = JSON.parse(readFileSync('test/data/reference/concepts/reference.json', 'utf8')) as Reference;

describe('CAV classifiers and the t-test', () => {
  it('logistic regression matches scikit-learn\'s LogisticRegression(C=1), with more rows or more columns', () => {
    for (const c of reference.logistic) {
      const fit = logisticRegression(Float64Array.from(c.x), c.n, c.d, c.y);
      const scale = Math.max(...c.coef.map(Math.abs));
      c.coef.forEach((w, k) => assert.ok(Math.abs(fit.weights[k] - w) < 1e-9 * scale, `${c.n}x${c.d} coef ${k}: ${fit.weights[k]} vs ${w}`));
      assert.ok(Math.abs(fit.intercept - c.intercept) < 1e-9 * Math.max(1, Math.abs(c.intercept)));
    }
  });

  it('SGD (hinge loss) separates what logistic regression separates, in about the same direction', () => {
    const c = reference.logistic[0];
    const x = Float64Array.from(c.x);
    const sgd = sgdClassifier(x, c.n, c.d, c.y, { seed: 3 });
    const logistic = logisticRegression(x, c.n, c.d, c.y);
    const cos = cosine(sgd.weights, logistic.weights);
    assert.ok(cos > 0.8, `cosine ${cos}`);
    assert.deepEqual(sgdClassifier(x, c.n, c.d, c.y, { seed: 3 }).weights, sgd.weights);
  });

  it('Student\'s t-test and the t tail match SciPy', () => {
    for (const c of reference.ttest) {
      const r = studentTTest(c.a, c.b);
      assert.ok(Math.abs(r.t - c.t) < 1e-10 * Math.max(1, Math.abs(c.t)), `t ${r.t} vs ${c.t}`);
      assert.ok(Math.abs(r.pValue - c.p) < 1e-10 + 1e-8 * c.p, `p ${r.pValue} vs ${c.p}`);
    }
    for (const c of reference.t_sf) {
      const p = studentTwoSidedP(c.t, c.df);
      assert.ok(Math.abs(p - c.p) < 1e-12 + 1e-9 * c.p, `t ${c.t}, df ${c.df}: ${p} vs ${c.p}`);
    }
    assert.equal(studentTTest([1, 1, 1], [1, 1]).pValue, 1);
    assert.equal(studentTTest([1, 1, 1], [0, 0]).pValue, 0);
  });
});

function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let ab = 0, aa = 0, bb = 0;
  for (let k = 0; k < a.length; k++) { ab += a[k] * b[k]; aa += a[k] ** 2; bb += b[k] ** 2; }
  return ab / Math.sqrt(aa * bb);
}

function gaussianSet(random: Random, n: number, d: number, shift: number[] = []): NdArray {
  const data = new Float32Array(n * d);
  for (let i = 0; i < n; i++) for (let k = 0; k < d; k++) data[i * d + k] = random.normal() + (shift[k] ?? 0);
  return { shape: [n, d], data };
}

describe('TCAV on a linear model (directional derivatives known in closed form)', () => {
  // features = x A + c (4 -> 4), logits = features W + b (4 -> 2): d logit_t / d features = W[:, t] for every input.
  const A = [[1, 0, 0, 0], [0, 2, 0, 0], [0, 0, 1, 0.5], [0, 0, 0, 1]];
  const W = [[2, -2], [0.3, 0.1], [-0.2, 0.4], [0.1, -0.3]];
  let model: Model;
  before(async () => {
    await useBackend('wasm');
    const net = tf.sequential();
    net.add(tf.layers.dense({ name: 'features', inputShape: [4], units: 4, weights: [tf.tensor2d(A), tf.tensor1d([0.5, 0, -1, 0])] }));
    net.add(tf.layers.dense({ name: 'logits', units: 2, weights: [tf.tensor2d(W), tf.tensor1d([0, 0.2])] }));
    model = new TfjsLayersModel(net, { name: 'linear-toy' });
  });

  it('layer gradients are the output weights, and the TCAV scores follow the sign of W[:, t] . cav', async () => {
    const random = new Random(5);
    const inputs = gaussianSet(random, 12, 4);
    for (const target of [0, 1]) {
      const g = await targetLayerGradients(model, inputs, 'features', target, { batchSize: 5 });
      assert.equal(g.dim, 4);
      for (let i = 0; i < 12; i++) for (let k = 0; k < 4; k++) assert.ok(Math.abs(g.values[i * 4 + k] - W[k][target]) < 1e-6);
    }
    // The concept moves inputs along x0, which the layer maps to features0: the CAV should point there.
    const concept = gaussianSet(random, 40, 4, [5]);
    const randoms = [0, 1, 2].map(() => gaussianSet(random, 40, 4));
    const result = await tcav(model, { layer: 'features', concept, randoms, inputs, target: 0, seed: 1 });
    const positive = await tcav(model, { layer: 'features', concept, randoms, inputs, target: 1, seed: 1 });
    assert.deepEqual(result.concept.runs.map((r) => r.score), [1, 1, 1]);
    assert.deepEqual(positive.concept.runs.map((r) => r.score), [0, 0, 0]);
    for (const r of result.concept.runs) assert.ok(r.cavAccuracy >= 0.9, `accuracy ${r.cavAccuracy}`);
    // The same CAV, scored by hand: every directional derivative is W[:, t] . cav.
    const features = (set: NdArray) => Float32Array.from({ length: set.data.length }, (_, j) => {
      const i = Math.floor(j / 4); const k = j % 4;
      return [0, 1, 2, 3].reduce((s, m) => s + set.data[i * 4 + m] * A[m][k], [0.5, 0, -1, 0][k]);
    });
    const cav = trainCav(features(concept), features(randoms[0]), 4, { seed: 1 });
    assert.ok(cav.vector[0] > 0.9, `cav ${Array.from(cav.vector)}`);
    const g = await targetLayerGradients(model, inputs, 'features', 0);
    const s = tcavScore(g.values, cav.vector);
    const expected = W.reduce((acc, row, k) => acc + row[0] * cav.vector[k], 0);
    for (const d of s.derivatives) assert.ok(Math.abs(d - expected) < 1e-5);
    assert.equal(s.score, expected > 0 ? 1 : 0);
    assert.equal(s.magnitude, expected > 0 ? 1 : 0);
    assert.equal(result.concept.runs[0].cavAccuracy, cav.accuracy);
  });

  it('says what is wrong with its input', async () => {
    const random = new Random(6);
    const set = gaussianSet(random, 10, 4);
    await assert.rejects(tcav(model, { layer: 'features', concept: set, randoms: [set], inputs: set, target: 0 }), /at least 2 random sets, got 1/);
    await assert.rejects(tcav(model, { layer: 'hidden', concept: set, randoms: [set, set], inputs: set, target: 0 }),
      /no layer named "hidden"\n  fix: choose one of: features, logits/);
    await assert.rejects(tcav(model, { layer: 'features', concept: set, randoms: [set, set], inputs: set, target: 2 }),
      /target 2 is not an output of model linear-toy\n  fix: choose a class from 0 to 1/);
    await assert.rejects(tcav(model, { layer: 'features', concept: { shape: [1, 4], data: new Float32Array(4) }, randoms: [set, set], inputs: set, target: 0 }),
      /at least 2 concept and 2 random examples, got 1 and 10/);
  });
});

describe('TCAV on the planted-concept digit model', () => {
  let model: Model;
  let concept: NdArray;
  let randomConcepts: NdArray[];
  let randoms: NdArray[];
  let threes: NdArray;
  const SET = 50;
  before(async () => {
    await useBackend('wasm');
    model = await loadModel('models/concept-digits/model.json');
    const meta = JSON.parse(readFileSync('models/concept-digits/model.json', 'utf8')).userDefinedMetadata.glassbox.plantedConcept;
    const square = meta.square as { row: number; col: number; size: number; value: number };
    const paint = (data: Float32Array, i: number) => {
      for (let y = square.row; y < square.row + square.size; y++) for (let x = square.col; x < square.col + square.size; x++) data[i * 784 + y * 28 + x] = square.value;
    };
    const set = await loadInputSet('data/mnist/t10k-images-idx3-ubyte.gz', model.info, { limit: 1800 });
    const labels = set.labels as number[];
    const rows = (indices: number[], square: boolean): NdArray => {
      const data = new Float32Array(indices.length * 784);
      indices.forEach((src, i) => {
        data.set(set.inputs.data.subarray(src * 784, (src + 1) * 784), i * 784);
        if (square) paint(data, i);
      });
      return { shape: [indices.length, 28, 28, 1], data };
    };
    const others = labels.map((l, i) => (l === meta.class ? -1 : i)).filter((i) => i >= 0);
    const threeRows = labels.map((l, i) => (l === meta.class ? i : -1)).filter((i) => i >= 0).slice(0, SET);
    // Concept: digits of other classes wearing the square; random sets: plain digits of every class.
    concept = rows(others.slice(0, SET), true);
    randoms = Array.from({ length: 10 }, (_, r) => rows(Array.from({ length: SET }, (_, i) => 100 + r * SET + i), false));
    randomConcepts = Array.from({ length: 6 }, (_, c) => rows(Array.from({ length: SET }, (_, i) => 1500 + c * SET + i), false));
    // The inputs are 3s as the model met them in training: with the square.
    threes = rows(threeRows, true);
  });

  it('finds the square significant for class 3, and a random concept not', async () => {
    const before = tf.memory().numTensors;
    const progress: number[] = [];
    const planted = await tcav(model, { layer: 'hidden2', concept, randoms, inputs: threes, target: 3, seed: 0, conceptName: 'square',
      onProgress: (d, t) => progress.push(d / t) });
    assert.equal(progress[progress.length - 1], 1);
    assert.ok(planted.concept.meanScore > 0.9, `square score ${planted.concept.meanScore}`);
    assert.ok(planted.concept.meanAccuracy > 0.95, `CAV accuracy ${planted.concept.meanAccuracy}`);
    assert.ok(planted.test.pValue < 0.05 && planted.test.significant, `p = ${planted.test.pValue}`);
    assert.equal(planted.concept.runs.length, 10);
    assert.equal(planted.random.runs.length, 10);
    // Under the null hypothesis p is spread over (0, 1): of six random concepts, at most one may come out significant.
    const randomP: number[] = [];
    for (const notConcept of randomConcepts) {
      const random = await tcav(model, { layer: 'hidden2', concept: notConcept, randoms, inputs: threes, target: 3, seed: 0 });
      assert.ok(random.concept.meanAccuracy < 0.65, `random CAV accuracy ${random.concept.meanAccuracy}`);
      randomP.push(random.test.pValue);
    }
    assert.ok(randomP.filter((p) => p < 0.05).length <= 1, `random concepts' p: ${randomP.join(', ')}`);
    // Another class does not grow along the square.
    const other = await tcav(model, { layer: 'hidden2', concept, randoms, inputs: threes, target: 8, seed: 0 });
    assert.ok(other.concept.meanScore < 0.5, `class 8 square score ${other.concept.meanScore}`);
    const sgd = await tcav(model, { layer: 'hidden2', concept, randoms, inputs: threes, target: 3, seed: 0, classifier: 'sgd' });
    assert.ok(sgd.concept.meanScore > 0.9 && sgd.test.pValue < 0.05, `sgd: score ${sgd.concept.meanScore}, p ${sgd.test.pValue}`);
    assert.deepEqual(JSON.parse(JSON.stringify(planted)), planted);
    assert.equal(tf.memory().numTensors, before);
  });
});

describe('directions', () => {
  it('mean difference and projection, by hand', () => {
    const a = { count: 2, dim: 3, vectors: Float32Array.from([2, 0, 1, 4, 0, 1]), metadata: {} };
    const b = { count: 1, dim: 3, vectors: Float32Array.from([0, 0, 1]), metadata: {} };
    assert.deepEqual(meanDifferenceDirection(a, b, { normalize: false }), Float32Array.from([3, 0, 0]));
    assert.deepEqual(meanDifferenceDirection(a, b), Float32Array.from([1, 0, 0]));
    const points = { count: 3, dim: 3, vectors: Float32Array.from([1, 2, 3, -1, 0, 0, 3, 4, 0]), metadata: {} };
    const close = (a: Float32Array, b: number[]) => b.forEach((v, i) => assert.ok(Math.abs(a[i] - v) < 1e-6, `${a[i]} vs ${v}`));
    close(projectOnto(points, [0, 3, 4]), [18 / 5, 0, 12 / 5]);
    close(projectOnto(points, [2, 0, 0], { origin: [1, 1, 1] }), [0, -2, 2]);
    assert.throws(() => projectOnto(points, [1, 0]), /direction has 2 values, but the embeddings have 3 dimensions/);
    assert.throws(() => meanDifferenceDirection(a, a), /same mean/);
    assert.throws(() => meanDifferenceDirection(a, { ...b, vectors: Float32Array.from([0, NaN, 1]) }), /second set row 0 has a non-finite value/);
  });
});
