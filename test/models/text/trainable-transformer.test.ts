import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../../src/backend.js';
import type { TransformerConfig } from '../../../src/models/transformer/config.js';
import { Transformer } from '../../../src/models/transformer/transformer.js';
import { TrainableTransformer, initialClassifierWeights } from '../../../src/models/text/trainable-transformer.js';
import { decodeWeights, encodeWeights } from '../../../src/models/text/weights-file.js';
import { UsageError } from '../../../src/errors.js';

const config: TransformerConfig = {
  vocabSize: 30, dim: 16, layers: 2, heads: 4, hiddenDim: 24, maxLength: 10, norm: 'layernorm', mlp: 'gelu',
  causal: false, positional: 'learned', tiedUnembedding: false, classifier: { classes: 3, pooling: 'first' },
};
const sequences = [[2, 7, 9, 11, 3], [2, 5, 3], [2, 29, 28, 27, 26, 25, 3]];

function padded(seqs: number[][]): { ids: tf.Tensor2D; padding: tf.Tensor2D } {
  const length = Math.max(...seqs.map((s) => s.length));
  return {
    ids: tf.tensor2d(seqs.flatMap((s) => Array.from({ length }, (_, t) => s[t] ?? 0)), [seqs.length, length], 'int32'),
    padding: tf.tensor2d(seqs.flatMap((s) => Array.from({ length }, (_, t) => (t < s.length ? 1 : 0))), [seqs.length, length]),
  };
}

describe('TrainableTransformer (the training forward of scripts/train-text.ts)', () => {
  before(async () => useBackend('wasm'));

  it('trains: a few Adam steps lower the loss, and every parameter, the token embedding included, moves', () => {
    const model = new TrainableTransformer(config, initialClassifierWeights(config, 1));
    const before = model.exportWeights();
    const { ids, padding } = padded(sequences);
    const labels = tf.oneHot(tf.tensor1d([0, 1, 2], 'int32'), 3);
    const optimizer = tf.train.adam(0.01);
    const loss = () => tf.losses.softmaxCrossEntropy(labels, model.forward(ids, padding)) as tf.Scalar;
    const first = tf.tidy(() => loss().dataSync()[0]);
    for (let step = 0; step < 20; step++) tf.dispose(optimizer.minimize(loss, true) ?? []);
    const last = tf.tidy(() => loss().dataSync()[0]);
    assert.ok(last < first / 2, `loss ${first} -> ${last}`);
    const after = model.exportWeights();
    // Row 7 of the embedding was used, row 1 ([UNK]) was not.
    const row = (w: Float32Array, r: number) => Array.from(w.subarray(r * config.dim, (r + 1) * config.dim));
    assert.notDeepEqual(row(after.tokenEmbedding, 7), row(before.tokenEmbedding, 7));
    assert.deepEqual(row(after.tokenEmbedding, 1), row(before.tokenEmbedding, 1));
    assert.notDeepEqual(Array.from(after.layers[0].wq), Array.from(before.layers[0].wq));
    tf.dispose([ids, padding, labels]);
    model.dispose();
  });

  it('gives the logits of the Transformer built from its exported weights, through weights.bin and back', () => {
    const model = new TrainableTransformer(config, initialClassifierWeights(config, 2));
    const { ids, padding } = padded(sequences);
    const trained = model.forward(ids, padding).arraySync();
    const { bytes, manifest } = encodeWeights(model.exportWeights(), config.dim);
    const weights = decodeWeights(bytes, manifest, config.layers, 'test');
    const transformer = new Transformer(config, weights);
    const runs = transformer.runBatch(sequences);
    runs.forEach((run, b) => {
      assert.equal(run.logits.length, 1);
      run.logits[0].forEach((v, c) => assert.ok(Math.abs(v - trained[b][c]) < 1e-5, `text ${b} class ${c}: ${v} vs ${trained[b][c]}`));
    });
    // Each text alone (no padding) gives the same as in the padded batch.
    const alone = transformer.run(sequences[1]).logits[0];
    alone.forEach((v, c) => assert.ok(Math.abs(v - trained[1][c]) < 1e-5));
    assert.deepEqual(manifest.find((m) => m.name === 'layers.1.wo')?.shape, [config.dim, config.dim]);
    assert.deepEqual(manifest.find((m) => m.name === 'layers.0.w1')?.shape, [config.hiddenDim, config.dim]);
    assert.throws(() => decodeWeights(bytes.subarray(0, bytes.length - 4), manifest, config.layers, 'cut.bin'), /outside/);
    tf.dispose([ids, padding]);
    transformer.dispose();
    model.dispose();
  });

  it('refuses configurations it does not mirror', () => {
    const causal = { ...config, causal: true };
    assert.throws(() => new TrainableTransformer(causal, initialClassifierWeights(config, 1)), UsageError);
  });
});
