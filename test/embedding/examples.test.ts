import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { useBackend } from '../../src/backend.js';
import { loadModel } from '../../src/models/load.js';
import { loadInputSet } from '../../src/embedding/activations/input-set.js';
import { collectActivations } from '../../src/embedding/activations/collect-activations.js';
import { nearestExamples } from '../../src/embedding/examples/nearest-examples.js';
import { explainByExample } from '../../src/embedding/examples/explain-by-example.js';

describe('nearestExamples', () => {
  it('returns the nearest training examples with their metadata, by hand', () => {
    const training = {
      count: 4, dim: 2, vectors: Float32Array.from([0, 0, 3, 4, 1, 0, -2, 0]),
      metadata: { label: ['a', 'b', 'a', 'c'], file: ['p.png', 'q.png', 'r.png', 's.png'] },
    };
    const queries = { count: 2, dim: 2, vectors: Float32Array.from([0.9, 0.1, 3, 3]), metadata: {} };
    const r = nearestExamples(training, queries, { k: 2 });
    assert.equal(r.metric, 'euclidean');
    assert.deepEqual(r.queries[0].examples.map((e) => e.index), [2, 0]);
    assert.ok(Math.abs(r.queries[0].examples[0].distance - Math.hypot(0.1, 0.1)) < 1e-6);
    assert.ok(Math.abs(r.queries[0].examples[1].distance - Math.hypot(0.9, 0.1)) < 1e-6);
    assert.deepEqual(r.queries[0].examples[0].metadata, { label: 'a', file: 'r.png' });
    assert.deepEqual(r.queries[1].examples.map((e) => e.metadata.label), ['b', 'a']);
    const cosine = nearestExamples(training, queries, { k: 1, metric: 'cosine' });
    assert.equal(cosine.queries[1].examples[0].index, 1);
    assert.throws(() => nearestExamples(training, { count: 1, dim: 3, vectors: new Float32Array(3), metadata: {} }, { k: 1 }),
      /queries have 3 dimensions, but the training examples have 2/);
    assert.throws(() => nearestExamples(training, queries, { k: 5 }), /k = 5 is larger than the 4 points/);
  });

  it('on the digit model\'s hidden layer, a test digit\'s nearest training digits mostly share its label', async () => {
    await useBackend('wasm');
    const model = await loadModel('models/concept-digits/model.json');
    const train = await loadInputSet('data/mnist/train-10k-images-idx3-ubyte.gz', model.info, { limit: 600 });
    const test = await loadInputSet('data/mnist/t10k-images-idx3-ubyte.gz', model.info, { limit: 60 });
    const trainEmb = await collectActivations(model, train.inputs, { layer: 'hidden2', labels: train.labels });
    const testEmb = await collectActivations(model, test.inputs, { layer: 'hidden2', labels: test.labels, predictions: false });
    const r = nearestExamples(trainEmb, testEmb, { k: 5 });
    const agree = r.queries.filter((q, i) => q.examples[0].metadata.label === test.labels![i]).length;
    assert.ok(agree >= 48, `${agree} of 60 nearest labels agree`);
    for (const q of r.queries) {
      for (let j = 1; j < 5; j++) assert.ok(q.examples[j].distance >= q.examples[j - 1].distance);
    }
    // The same search from the model and raw inputs: identical neighbours.
    const byModel = await explainByExample(model, test.inputs, trainEmb, { layer: 'hidden2', k: 5, batchSize: 13 });
    assert.deepEqual(byModel.queries.map((q) => q.examples.map((e) => e.index)), r.queries.map((q) => q.examples.map((e) => e.index)));
    assert.deepEqual(byModel.queries[0].examples[0].metadata, r.queries[0].examples[0].metadata);
    await assert.rejects(explainByExample(model, test.inputs, trainEmb, { layer: 'hidden1', k: 5 }),
      /the queries have 128 dimensions, but the training examples have 64\n  fix: embed both with the same model and layer \(the training examples come from layer hidden2\)/);
    model.dispose();
  });
});
