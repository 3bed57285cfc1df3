import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../src/backend.js';
import { maxPoolBackward } from '../../src/models/tfjs-kernel-fixes.js';

const CONFIGS: [number[], number, number, 'valid' | 'same'][] = [
  [[2, 10, 10, 3], 2, 2, 'valid'], [[2, 11, 11, 3], 2, 2, 'valid'], [[2, 9, 9, 3], 3, 2, 'same'],
  [[1, 7, 8, 2], 3, 1, 'valid'], [[1, 7, 8, 2], 2, 3, 'same'], [[1, 6, 6, 1], 1, 1, 'valid'],
];

/** Inputs with and without ties (ReLU'd integers tie often), as plain arrays to move between backends. */
function cases() {
  return CONFIGS.flatMap(([shape, k, s, pad], n) => [false, true].map((ties) => {
    const x = tf.tidy(() => {
      const r = tf.randomNormal(shape, 0, 1, 'float32', 11 + n);
      return (ties ? tf.relu(tf.round(r)) : r).arraySync();
    });
    const outShape = tf.tidy(() => tf.maxPool(tf.tensor(x) as tf.Tensor4D, k, s, pad).shape);
    const dy = tf.tidy(() => tf.randomNormal(outShape, 0, 1, 'float32', 40 + n).arraySync());
    return { label: `${shape.join('x')} pool ${k} stride ${s} ${pad}${ties ? ' with ties' : ''}`, x, dy, k, s, pad };
  }));
}

describe('max-pool gradient fix', () => {
  it('gives what the cpu backend\'s MaxPoolGrad gives, on wasm, through tf.grad and directly', async () => {
    await useBackend('cpu');
    const all = cases();
    const reference = all.map((c) => tf.tidy(() => {
      const x = tf.tensor(c.x) as tf.Tensor4D;
      const y = tf.maxPool(x, c.k, c.s, c.pad);
      return Array.from((tf.engine().runKernel('MaxPoolGrad', { dy: tf.tensor(c.dy), input: x, output: y },
        { filterSize: c.k, strides: c.s, pad: c.pad }) as tf.Tensor).dataSync());
    }));
    await useBackend('wasm');
    all.forEach((c, i) => {
      const viaGrad = tf.tidy(() => Array.from(tf.grad((z: tf.Tensor) =>
        tf.sum(tf.mul(tf.maxPool(z as tf.Tensor4D, c.k, c.s, c.pad), tf.tensor(c.dy))))(tf.tensor(c.x)).dataSync()));
      const direct = tf.tidy(() => Array.from(maxPoolBackward(tf.tensor(c.dy) as tf.Tensor4D, tf.tensor(c.x) as tf.Tensor4D, c.k, c.s, c.pad).dataSync()));
      for (const [name, got] of [['tf.grad', viaGrad], ['maxPoolBackward', direct]] as const) {
        const worst = Math.max(...got.map((v, j) => Math.abs(v - reference[i][j])));
        assert.ok(worst < 1e-5, `${c.label} (${name}): max difference ${worst}`);
      }
    });
  });

  it('routes each output gradient to exactly one input: the gradient sums to the sum of dy', async () => {
    await useBackend('wasm');
    tf.tidy(() => {
      const x = tf.randomNormal([2, 26, 26, 32], 0, 1, 'float32', 3);
      const dy = tf.randomNormal([2, 13, 13, 32], 0, 1, 'float32', 4);
      const g = tf.grad((z: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(z as tf.Tensor4D, 2, 2, 'valid'), dy)))(x);
      assert.ok(Math.abs(tf.sum(g).dataSync()[0] - tf.sum(dy).dataSync()[0]) < 1e-2);
      assert.equal(tf.sum(tf.notEqual(g, 0)).dataSync()[0], 2 * 13 * 13 * 32);
    });
  });
});

describe('comparison gradients', () => {
  it('are zero, so tf.grad passes through a thresholdedReLU layer: gradient = 1 above theta, 0 below', async () => {
    await useBackend('wasm');
    const layer = tf.layers.thresholdedReLU({ theta: 0.5 });
    const x = tf.tensor1d([-1, 0.2, 0.7, 2]);
    const g = tf.grad((z: tf.Tensor) => tf.sum(layer.apply(z) as tf.Tensor))(x);
    assert.deepEqual(Array.from(g.dataSync()), [0, 0, 1, 1]);
    tf.dispose([x, g]);
  });
});
