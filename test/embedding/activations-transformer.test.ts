import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../src/backend.js';
import { loadModel } from '../../src/models/load.js';
import { VitModel } from '../../src/models/vit/model.js';
import { loadTextClassifier } from '../../src/models/text/load.js';
import { loadInputSet } from '../../src/embedding/activations/input-set.js';
import { collectTextResiduals, collectVitResiduals } from '../../src/embedding/activations/residual-stream.js';

/** Both built-in transformers classify from [CLS] ('first' pooling): head(finalNorm(cls of the last layer)) must give their logits. */
describe('residual streams of the project\'s transformers', () => {
  before(async () => useBackend('wasm'));

  it('vision transformer: [CLS], mean and token rows at a layer, consistent with the classifier head', async () => {
    const model = await loadModel('vit-digits');
    assert.ok(model instanceof VitModel);
    const set = await loadInputSet('data/mnist/t10k-images-idx3-ubyte.gz', model.info, { limit: 12 });
    const before = tf.memory().numTensors;
    const cls = await collectVitResiduals(model, set.inputs, { layer: 'layer 3', pooling: 'cls', batchSize: 5, labels: set.labels });
    const tokens = await collectVitResiduals(model, set.inputs, { layer: '3', pooling: 'tokens' });
    const mean = await collectVitResiduals(model, set.inputs, { layer: 'layer 3', pooling: 'mean' });
    assert.equal(tf.memory().numTensors, before);
    assert.deepEqual([cls.count, cls.dim, tokens.count, mean.count], [12, 64, 12 * 17, 12]);
    const logits = await model.forward(tf.tensor(set.inputs.data, set.inputs.shape));
    const expected = logits.arraySync() as number[][];
    logits.dispose();
    const transformer = model.vit.transformer;
    const viaHead = tf.tidy(() => transformer.classify(transformer.finalNorm(tf.tensor2d(cls.vectors, [12, 64]))).arraySync() as number[][]);
    expected.forEach((row, i) => row.forEach((v, k) => assert.ok(Math.abs(v - viaHead[i][k]) < 1e-4, `image ${i} class ${k}: ${v} vs ${viaHead[i][k]}`)));
    assert.deepEqual(cls.metadata.prediction, expected.map((r) => r.indexOf(Math.max(...r))));
    assert.deepEqual(cls.metadata.label, set.labels);
    for (let i = 0; i < 12; i++) {
      for (let k = 0; k < 64; k++) {
        assert.equal(tokens.vectors[(i * 17) * 64 + k], cls.vectors[i * 64 + k]);
        let s = 0;
        for (let t = 0; t < 17; t++) s += tokens.vectors[(i * 17 + t) * 64 + k];
        assert.ok(Math.abs(s / 17 - mean.vectors[i * 64 + k]) < 1e-5);
      }
    }
    assert.deepEqual(tokens.metadata.token.slice(0, 3), ['[CLS]', 'patch 0,0', 'patch 0,1']);
    assert.deepEqual(tokens.metadata.image.slice(16, 18), [0, 1]);
    assert.equal(cls.source?.layer, 'layer 3 (cls)');
    await assert.rejects(collectVitResiduals(model, set.inputs, { layer: 'layer 4' }),
      /has no residual stream "layer 4"\n  fix: choose one of: embed, layer 0, layer 1, layer 2, layer 3/);
    model.dispose();
  });

  it('text classifier: [CLS] of the last layer gives the logits, token rows carry their tokens', async () => {
    const model = await loadTextClassifier('spam');
    const texts = ['WINNER!! Claim your free prize now, call 0800 123', 'see you at lunch tomorrow?', 'ok'];
    const before = tf.memory().numTensors;
    const cls = await collectTextResiduals(model, texts, { layer: `layer ${model.transformer.config.layers - 1}`, labels: ['spam', 'ham', 'ham'] });
    const tokens = await collectTextResiduals(model, texts, { layer: 'embed', pooling: 'tokens' });
    assert.equal(tf.memory().numTensors, before);
    const dim = model.transformer.config.dim;
    assert.equal(cls.count, 3);
    const logits = model.logits(texts.map((t) => model.encode(t).ids));
    const transformer = model.transformer;
    const viaHead = tf.tidy(() => transformer.classify(transformer.finalNorm(tf.tensor2d(cls.vectors, [3, dim]))).dataSync());
    for (let i = 0; i < logits.data.length; i++) assert.ok(Math.abs(logits.data[i] - viaHead[i]) < 1e-4);
    assert.deepEqual(cls.metadata.label, ['spam', 'ham', 'ham']);
    assert.equal(cls.metadata.text[1], texts[1]);
    const lengths = texts.map((t) => model.encode(t).ids.length);
    assert.equal(tokens.count, lengths.reduce((a, b) => a + b, 0));
    assert.equal(tokens.metadata.token[0], '[CLS]');
    assert.deepEqual(tokens.metadata.text_index.slice(lengths[0] - 1, lengths[0] + 1), [0, 1]);
    model.dispose();
  });
});
