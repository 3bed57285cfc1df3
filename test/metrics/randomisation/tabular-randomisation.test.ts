import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../../src/backend.js';
import { UsageError } from '../../../src/errors.js';
import { loadModel } from '../../../src/models/load.js';
import type { Model } from '../../../src/models/model.js';
import { parameterLayers } from '../../../src/models/randomise.js';
import { tensorTabularModel } from '../../../src/models/tabular/tensor.js';
import { TfjsLayersModel } from '../../../src/models/tfjs-layers.js';
import { loadTabularData } from '../../../src/tabular/dataset.js';
import { sliceRows, type Matrix } from '../../../src/tabular/matrix.js';
import { ModelParameterRandomisation } from '../../../src/metrics/randomisation/model-parameter-randomisation.js';
import { createTabularSubject } from '../../../src/metrics/subjects/tabular.js';

const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;

/** Columns centred and scaled by the data set's mean and standard deviation. */
function standardised(all: Matrix, rows: Matrix): Matrix {
  const out = { ...rows, data: Float64Array.from(rows.data) };
  for (let j = 0; j < all.cols; j++) {
    let m = 0;
    let s = 0;
    for (let i = 0; i < all.rows; i++) m += all.data[i * all.cols + j] / all.rows;
    for (let i = 0; i < all.rows; i++) s += (all.data[i * all.cols + j] - m) ** 2 / all.rows;
    for (let i = 0; i < rows.rows; i++) out.data[i * rows.cols + j] = s > 0 ? (rows.data[i * rows.cols + j] - m) / Math.sqrt(s) : 0;
  }
  return out;
}

describe('model parameter randomisation on tabular rows (German credit, kernel SHAP)', () => {
  const data = loadTabularData('data/tabular/german_credit.csv', { schema: 'models/credit/schema.json' });
  const metric = new ModelParameterRandomisation();
  let credit: Model;
  before(async () => {
    await useBackend('wasm');
    credit = await loadModel('models/credit/tfjs/model.json');
  });
  after(() => credit.dispose());

  it('an MLP on standardised columns: its explanation is reproduced at step 0 and unrelated to that of the re-drawn model; SSIM does not apply to columns', async () => {
    const net = tf.sequential({ layers: [
      tf.layers.dense({ inputShape: [61], units: 16, activation: 'relu', kernelInitializer: tf.initializers.glorotNormal({ seed: 1 }), biasInitializer: 'ones', name: 'hidden' }),
      tf.layers.dense({ units: 2, kernelInitializer: tf.initializers.glorotNormal({ seed: 2 }), name: 'out' }),
    ] });
    const model = new TfjsLayersModel(net, { name: 'credit-mlp' });
    try {
      const subject = await createTabularSubject(tensorTabularModel(model), standardised(data.x, sliceRows(data.x, 0, 6)), 'kernel-shap', {
        background: standardised(data.x, sliceRows(data.x, 100, 112)), sourceModel: model, methodOptions: { samples: 300, seed: 3 },
      });
      const r = await metric.evaluate(subject, { seed: 2, absolute: false });
      assert.deepEqual(r.curves!.x, ['original', 'out', 'hidden']);
      assert.equal(r.details!.undefinedSimilarities, 0);
      assert.ok(r.curves!.y.every((row) => row[0] > 0.999), 'the seeded method reproduces its explanation on the unchanged model');
      assert.ok(Math.abs(mean(r.scores)) < 0.4, `signed Spearman after re-drawing both layers: ${r.scores}`);
      assert.deepEqual(Object.keys(r.details!.means as object).sort(), ['spearman', 'spearman-absolute']);
      assert.deepEqual(r.details!.examples, []);
      await assert.rejects(metric.evaluate(subject, { similarity: 'ssim' }),
        (e: Error) => e instanceof UsageError && /features of .* have shape \[61\]/.test(e.message));
    } finally {
      model.dispose();
    }
  });

  it('the credit model takes raw columns (its standardisation is folded into the weights): re-drawn weights saturate its softmax, every explanation is 0, and the metric says so', async () => {
    const subject = await createTabularSubject(tensorTabularModel(credit), sliceRows(data.x, 0, 6), 'kernel-shap', {
      background: sliceRows(data.x, 100, 112), sourceModel: credit, methodOptions: { samples: 300, seed: 3 },
    });
    const r = await metric.evaluate(subject, { seed: 2, absolute: false });
    assert.deepEqual(r.curves!.x, ['original', ...parameterLayers(credit).reverse()]);
    assert.ok(r.curves!.y.every((row) => row[0] > 0.999));
    // A constant map has no ranking: each of the 6 rows' randomised maps counts once (and scores 0).
    assert.equal(r.details!.undefinedSimilarities, 6);
    assert.deepEqual(r.scores, [0, 0, 0, 0, 0, 0]);
  });
});
