import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../../src/backend.js';
import { linear } from '../../../src/models/transformer/linear.js';
import type { TransformerConfig } from '../../../src/models/transformer/config.js';
import { LAYERNORM_DECODER, RMSNORM_DECODER, randomTransformer } from '../../attribution/text/helpers.js';

const BASE: TransformerConfig = {
  vocabSize: 17, dim: 12, layers: 3, heads: 3, hiddenDim: 16, maxLength: 16,
  norm: 'layernorm', mlp: 'gelu', causal: false, positional: 'learned', tiedUnembedding: false,
  classifier: { classes: 3, pooling: 'first' },
};

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

/** Logits and the gradient of logit 1 w.r.t. the embeddings; `full` asks for residuals, which forces every position through the last layer. */
function logitsAndGradient(model: ReturnType<typeof randomTransformer>, x: tf.Tensor3D, full: boolean, paddingMask?: tf.Tensor2D) {
  const options = { residuals: full, paddingMask };
  const logits = tf.tidy(() => model.forwardEmbeddings(x, options).logits);
  const gradient = tf.tidy(() => tf.grad((e: tf.Tensor) => {
    const out = model.forwardEmbeddings(e as tf.Tensor3D, options);
    out.residuals?.forEach((r) => r.dispose());
    return tf.sum(tf.slice(out.logits, [0, 1], [-1, 1]));
  })(x));
  const result = { logits: logits.dataSync().slice(), gradient: gradient.dataSync().slice() };
  tf.dispose([logits, gradient]);
  return result;
}

describe('transformer fast paths', () => {
  before(async () => useBackend('wasm'));

  it('a classifier\'s last layer run on its pooled position only gives the logits and gradients of the full forward', () => {
    const variants: Partial<TransformerConfig>[] = [
      {},
      { causal: true },
      { classifier: { classes: 3, pooling: 'last' } },
      { classifier: { classes: 3, pooling: 'last' }, causal: true, positional: 'rotary', norm: 'rmsnorm', mlp: 'swiglu', kvHeads: 1 },
    ];
    for (const variant of variants) {
      const model = randomTransformer({ ...BASE, ...variant }, 7);
      const x = model.embed([[1, 5, 2, 7, 3, 4, 9], [4, 4, 8, 1, 0, 2, 6]]);
      const fast = logitsAndGradient(model, x, false);
      const full = logitsAndGradient(model, x, true);
      const label = JSON.stringify(variant);
      assert.ok(maxAbsDiff(fast.logits, full.logits) < 1e-5, `${label}: logits differ by ${maxAbsDiff(fast.logits, full.logits)}`);
      assert.ok(maxAbsDiff(fast.gradient, full.gradient) < 1e-5, `${label}: gradients differ by ${maxAbsDiff(fast.gradient, full.gradient)}`);
      // A non-causal model's first position depends on every token: the fast path must not cut them off.
      if (!variant.causal) assert.ok(fast.gradient.slice(6 * 12, 7 * 12).some((g) => Math.abs(g) > 1e-6), `${label}: the last token gets a gradient`);
      x.dispose();
      model.dispose();
    }
  });

  it('first pooling with right padding takes the fast path and matches the full one', () => {
    const model = randomTransformer(BASE, 8);
    const x = model.embed([[1, 5, 2, 7, 3], [4, 4, 8, 0, 0]]);
    const padding = tf.tensor2d([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0]]);
    const fast = logitsAndGradient(model, x, false, padding);
    const full = logitsAndGradient(model, x, true, padding);
    assert.ok(maxAbsDiff(fast.logits, full.logits) < 1e-5);
    assert.ok(maxAbsDiff(fast.gradient, full.gradient) < 1e-5);
    tf.dispose([x, padding]);
    model.dispose();
  });

  it('a language model\'s outputPosition gives that row of the full logits, and the same gradients', () => {
    for (const config of [LAYERNORM_DECODER, RMSNORM_DECODER]) {
      const model = randomTransformer(config, 9);
      const x = model.embed([[1, 5, 2, 7, 3, 4], [4, 4, 8, 1, 0, 2]]);
      const vocab = config.vocabSize;
      for (const position of [0, 3, 5]) {
        const readRow = (logits: tf.Tensor, row: number) => tf.reshape(tf.slice(logits, [0, row, 3], [2, 1, 1]), [2]);
        const full = tf.tidy(() => model.forwardEmbeddings(x).logits);
        const one = tf.tidy(() => model.forwardEmbeddings(x, { outputPosition: position }).logits);
        assert.deepEqual(one.shape, [2, 1, vocab]);
        const fullRow = tf.tidy(() => tf.slice(full, [0, position, 0], [2, 1, vocab]));
        assert.ok(maxAbsDiff(one.dataSync(), fullRow.dataSync()) < 1e-5, `${config.norm} position ${position}`);
        const gradFull = tf.grad((e: tf.Tensor) => tf.sum(readRow(model.forwardEmbeddings(e as tf.Tensor3D).logits, position)))(x);
        const gradOne = tf.grad((e: tf.Tensor) => tf.sum(readRow(model.forwardEmbeddings(e as tf.Tensor3D, { outputPosition: position }).logits, 0)))(x);
        assert.ok(maxAbsDiff(gradOne.dataSync(), gradFull.dataSync()) < 1e-5, `${config.norm} gradient at ${position}`);
        // Causal: later tokens get no gradient.
        const dim = config.dim;
        assert.ok(gradOne.dataSync().slice((position + 1) * dim, 6 * dim).every((g) => g === 0));
        tf.dispose([full, one, fullRow, gradFull, gradOne]);
      }
      assert.throws(() => model.forwardEmbeddings(x, { outputPosition: 6 }), /output position 6 is outside the 6 inputs/);
      x.dispose();
      model.dispose();
    }
  });

  it('linear: a constant weight gives the input gradient dy W^T; a variable weight still gets its own gradient', () => {
    const x = tf.tensor2d([[1, 2, 3], [-1, 0.5, 2]]);
    const wT = tf.tensor2d([[1, 0, 2, -1], [0.5, 1, 0, 3], [-2, 1, 1, 0]]);
    const dy = tf.tensor2d([[1, -1, 0.5, 2], [0, 3, -2, 1]]);
    const dx = tf.grad((input: tf.Tensor) => tf.sum(tf.mul(linear(input, wT as tf.Tensor2D), dy)))(x);
    // By hand: dx[i][k] = sum_j dy[i][j] wT[k][j].
    const w = wT.arraySync();
    const d = dy.arraySync();
    const expected = d.map((row) => w.map((wk) => wk.reduce((s, v, j) => s + v * row[j], 0)));
    assert.ok(maxAbsDiff(dx.dataSync(), expected.flat()) < 1e-6);
    const variable = tf.variable(wT);
    const { grads } = tf.variableGrads(() => tf.sum(tf.mul(linear(x, variable as unknown as tf.Tensor2D), dy)) as tf.Scalar, [variable]);
    // dL/dW^T = x^T dy.
    const xs = x.arraySync();
    const expectedW = w.map((_, k) => d[0].map((_, j) => xs[0][k] * d[0][j] + xs[1][k] * d[1][j]));
    assert.ok(maxAbsDiff(grads[variable.name].dataSync(), expectedW.flat()) < 1e-6);
    tf.dispose([x, wT, dy, dx, variable, ...Object.values(grads)]);
  });
});
