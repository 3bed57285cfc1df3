import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../src/backend.js';
import { DeepLift } from '../../src/attribution/gradient/deeplift.js';
import { TfjsLayersModel } from '../../src/models/tfjs-layers.js';
import { Random } from '../../src/util/random.js';
import type { NdArray } from '../../src/tensor.js';

const ROW = [8, 8, 2];

/** conv(ReLU) -> max-pool -> conv -> ReLU layer -> avg-pool -> dense(tanh) -> dense(sigmoid) -> dense, seeded. */
function smallCnn(): TfjsLayersModel {
  let seed = 10;
  const init = () => tf.initializers.glorotUniform({ seed: seed++ });
  const bias = () => tf.initializers.randomNormal({ mean: 0, stddev: 0.2, seed: seed++ });
  const net = tf.sequential({ name: 'small-cnn' });
  net.add(tf.layers.conv2d({ name: 'c1', inputShape: ROW, filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: init(), biasInitializer: bias() }));
  net.add(tf.layers.maxPooling2d({ name: 'mp', poolSize: 2 }));
  net.add(tf.layers.conv2d({ name: 'c2', filters: 6, kernelSize: 3, padding: 'same', kernelInitializer: init(), biasInitializer: bias() }));
  net.add(tf.layers.reLU({ name: 'r2' }));
  net.add(tf.layers.averagePooling2d({ name: 'ap', poolSize: 2 }));
  net.add(tf.layers.flatten({ name: 'fl' }));
  net.add(tf.layers.dense({ name: 'd1', units: 8, activation: 'tanh', kernelInitializer: init(), biasInitializer: bias() }));
  net.add(tf.layers.dense({ name: 'd2', units: 6, activation: 'sigmoid', kernelInitializer: init(), biasInitializer: bias() }));
  net.add(tf.layers.dense({ name: 'out', units: 3, kernelInitializer: init(), biasInitializer: bias() }));
  return new TfjsLayersModel(net, { name: 'small-cnn' });
}

function randomRows(rows: number, seed: number, lo = -1, hi = 1): NdArray {
  const rng = new Random(seed);
  const size = rows * ROW.reduce((a, b) => a * b, 1);
  return { shape: [rows, ...ROW], data: Float32Array.from({ length: size }, () => lo + (hi - lo) * rng.uniform()) };
}

/** f(x)[t] - f(x0)[t] per row, straight from the model. */
async function outputDifference(model: TfjsLayersModel, x: NdArray, x0: NdArray | number, targets: number[]): Promise<number[]> {
  const xs = tf.tensor(x.data, x.shape);
  const bs = typeof x0 === 'number' ? tf.fill(x.shape, x0) : tf.broadcastTo(tf.tensor(x0.data, x0.shape), x.shape);
  const [out, out0] = [await model.forward(xs), await model.forward(bs)];
  const [fx, f0] = [out.arraySync(), out0.arraySync()];
  tf.dispose([xs, bs, out, out0]);
  return targets.map((t, i) => fx[i][t] - f0[i][t]);
}

function assertSummation(attributions: Float32Array, rows: number, expected: number[], label: string): void {
  const size = attributions.length / rows;
  for (let i = 0; i < rows; i++) {
    let sum = 0;
    for (let k = 0; k < size; k++) sum += attributions[i * size + k];
    const tol = 1e-4 * Math.max(Math.abs(expected[i]), 1e-2);
    assert.ok(Math.abs(sum - expected[i]) <= tol, `${label} row ${i}: attributions sum to ${sum}, f(x) - f(x0) = ${expected[i]}`);
  }
}

describe('DeepLIFT (rescale)', () => {
  before(async () => useBackend('wasm'));

  it('routes a max-pool window through the reference when the reference is larger (hand computed, as Captum)', async () => {
    // f(x) = max of a 2x2 window. x = (1, 0, 0, 0), x0 = (0, 0, 0, 3): f(x) - f(x0) = -2. Captum's rule sends
    // dy * (max(y, y0) - y0) = 0 through x's argmax and dy * (y - max(y, y0)) = -2 through x0's argmax,
    // so the multipliers are 0 and -2 / (0 - 3) and the attributions (0, 0, 0, -2).
    const net = tf.sequential();
    net.add(tf.layers.maxPooling2d({ inputShape: [2, 2, 1], poolSize: 2 }));
    net.add(tf.layers.flatten());
    net.add(tf.layers.dense({ units: 2, kernelInitializer: 'ones', useBias: false }));
    const model = new TfjsLayersModel(net);
    const x = { shape: [1, 2, 2, 1], data: Float32Array.from([1, 0, 0, 0]) };
    const x0 = { shape: [2, 2, 1], data: Float32Array.from([0, 0, 0, 3]) };
    const r = await new DeepLift(model).attribute(x, { target: 0, baselines: x0 });
    assert.deepEqual(Array.from(r.attributions), [0, 0, 0, -2]);
    assert.ok(Math.abs(r.convergenceDelta![0]) < 1e-6);
    const m = await new DeepLift(model).attribute(x, { target: 0, baselines: x0, multiplyByInputs: false });
    assert.ok(Math.abs(m.attributions[3] - 2 / 3) < 1e-6 && m.attributions[0] === 0, `multipliers ${m.attributions}`);
    model.dispose();
  });

  it('sums to f(x) - f(x0) on a CNN with conv, ReLU, max-pool, avg-pool, tanh and sigmoid (zero baseline)', async () => {
    const model = smallCnn();
    const x = randomRows(3, 1);
    const targets = [0, 1, 2];
    const r = await new DeepLift(model).attribute(x, { target: targets, internalBatchSize: 2 });
    const expected = await outputDifference(model, x, 0, targets);
    assertSummation(r.attributions, 3, expected, 'zero baseline');
    r.convergenceDelta!.forEach((d, i) => assert.ok(Math.abs(d) <= 1e-4 * Math.max(Math.abs(expected[i]), 1e-2), `delta ${d}`));
    model.dispose();
  });

  it('sums to f(x) - f(x0) with a non-zero baseline, shared or one per row', async () => {
    const model = smallCnn();
    const x = randomRows(3, 2);
    const targets = [2, 0, 1];
    const shared = { shape: ROW, data: randomRows(1, 3, -0.5, 1.5).data };
    const r = await new DeepLift(model).attribute(x, { target: targets, baselines: shared });
    assertSummation(r.attributions, 3, await outputDifference(model, x, shared, targets), 'shared baseline');
    const perRow = randomRows(3, 4, 0, 1);
    const p = await new DeepLift(model).attribute(x, { target: targets, baselines: perRow, internalBatchSize: 1 });
    assertSummation(p.attributions, 3, await outputDifference(model, x, perRow, targets), 'per-row baseline');
    model.dispose();
  });

  it('keeps tensor memory flat over 20 calls', async () => {
    const model = smallCnn();
    const method = new DeepLift(model);
    const x = randomRows(2, 5);
    await method.attribute(x, { baselines: 0.5 });
    const before = tf.memory().numTensors;
    for (let i = 0; i < 20; i++) await method.attribute(x, { baselines: 0.5, internalBatchSize: 1 });
    assert.equal(tf.memory().numTensors, before);
    model.dispose();
  });
});
