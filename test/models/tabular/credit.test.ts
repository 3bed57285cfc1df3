import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { loadModel } from '../../../src/models/load.js';
import { loadTabularModel } from '../../../src/models/tabular/load.js';
import { tensorTabularModel } from '../../../src/models/tabular/tensor.js';
import type { TabularModel } from '../../../src/models/tabular/model.js';
import { loadTabularData, type TabularData } from '../../../src/tabular/dataset.js';
import { matrix } from '../../../src/tabular/matrix.js';

/** The committed credit model: README and metadata.json state its held-out accuracy (74%). */
const MIN_HELD_OUT_ACCURACY = 0.73;

interface CreditMetadata {
  featureNames: string[];
  classNames: string[];
  accuracy: { heldOut: number };
  split: { heldOutRows: number[] };
}
const metadata = JSON.parse(readFileSync('models/credit/metadata.json', 'utf8')) as CreditMetadata;

describe('the built-in credit model', () => {
  let onnx: TabularModel;
  let tfjs: TabularModel;
  let data: TabularData;
  before(async () => {
    data = loadTabularData('data/tabular/german_credit.csv', { schema: 'models/credit/schema.json' });
    onnx = await loadTabularModel('models/credit/model.onnx');
    // The TF.js model on the TF.js engine itself (loadTabularModel would run it on the native engine,
    // through the same converter that wrote model.onnx).
    const core = await loadModel('models/credit/tfjs/model.json', { engine: 'tfjs' });
    assert.equal(core.info.engine, 'tfjs-layers');
    tfjs = tensorTabularModel(core, { featureNames: data.featureNames });
  });
  after(() => {
    onnx.dispose?.();
    tfjs.dispose?.();
  });

  it('carries its feature and class names', () => {
    assert.deepEqual(onnx.info.featureNames, data.featureNames);
    assert.deepEqual(metadata.featureNames, data.featureNames);
    assert.deepEqual(onnx.info.outputNames, ['good', 'bad']);
    assert.deepEqual(data.classNames, ['good', 'bad']);
    assert.equal(tfjs.info.kind, 'tensor');
  });

  it(`reaches at least ${MIN_HELD_OUT_ACCURACY * 100}% on its 200 held-out rows, as metadata.json says`, async () => {
    const rows = metadata.split.heldOutRows;
    assert.equal(rows.length, 200);
    const x = matrix(rows.length, data.x.cols);
    rows.forEach((i, r) => x.data.set(data.x.data.subarray(i * x.cols, (i + 1) * x.cols), r * x.cols));
    const p = await onnx.predict(x);
    const correct = rows.filter((i, r) => (p.data[2 * r + 1] > p.data[2 * r] ? 1 : 0) === data.y![i]).length;
    const accuracy = correct / rows.length;
    assert.ok(accuracy >= MIN_HELD_OUT_ACCURACY, `held-out accuracy ${accuracy}`);
    assert.equal(accuracy, metadata.accuracy.heldOut);
  });

  it('gives the TF.js model\'s probabilities (TF.js engine, wasm) through ONNX on all 1000 rows', async () => {
    const a = await onnx.predict(data.x);
    const b = await tfjs.predict(data.x);
    let worst = 0;
    for (let k = 0; k < a.data.length; k++) worst = Math.max(worst, Math.abs(a.data[k] - b.data[k]));
    assert.ok(worst < 1e-6, `largest difference ${worst}`);
  });
});
