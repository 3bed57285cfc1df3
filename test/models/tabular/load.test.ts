import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { UsageError } from '../../../src/errors.js';
import { loadTabularModel } from '../../../src/models/tabular/load.js';
import { linearOnnx, save } from './onnx-fixtures.js';

const usage = (pattern: RegExp) => (e: unknown) => e instanceof UsageError && pattern.test(e.message);
const XGBOOST = 'test/data/trees/xgboost/breast_cancer/model.json';
const LIGHTGBM = 'test/data/trees/lightgbm/lg_dart_breast_cancer.model';

describe('loadTabularModel', () => {
  it('loads ONNX files, with names from the metadata.json beside them', async () => {
    const credit = await loadTabularModel('models/credit/model.onnx');
    assert.equal(credit.info.kind, 'onnx');
    assert.equal(credit.info.name, 'credit');
    assert.equal(credit.info.featureNames?.length, 61);
    assert.deepEqual(credit.info.outputNames, ['good', 'bad']);
    credit.dispose?.();
    const plain = await loadTabularModel(linearOnnx('plain.onnx', [1, 2], 0));
    assert.equal(plain.info.featureNames, undefined);
    plain.dispose?.();
  });

  it('refuses an output kind the model does not give', async () => {
    await assert.rejects(loadTabularModel('models/credit/model.onnx', { output: 'margin' }), usage(/gives probabilities, not margins/));
    await assert.rejects(loadTabularModel('models/credit/model.onnx', { output: 'soft' as 'margin' }), usage(/unknown model output "soft"/));
  });

  it('loads TF.js model.json files through the core loader', async () => {
    const m = await loadTabularModel('models/credit/tfjs/model.json');
    assert.equal(m.info.kind, 'tensor');
    assert.equal(m.info.output, 'probability');
    assert.deepEqual(m.info.outputNames, ['good', 'bad']);
    m.dispose?.();
    await assert.rejects(loadTabularModel('models/digits/model.json'), usage(/takes inputs of shape \[28,28,1\] per row, not a row of features/));
  });

  it('loads XGBoost JSON and LightGBM text models', async () => {
    const m = await loadTabularModel(XGBOOST);
    assert.equal(m.info.kind, 'xgboost');
    assert.equal(m.info.output, 'probability');
    const margin = await loadTabularModel(XGBOOST, { output: 'margin' });
    assert.equal(margin.info.output, 'margin');
    const lgb = await loadTabularModel(LIGHTGBM, { output: 'margin' });
    assert.equal(lgb.info.kind, 'lightgbm');
    assert.equal(lgb.info.output, 'margin');
  });

  it('names what it cannot read', async () => {
    await assert.rejects(loadTabularModel('no/model.onnx'), usage(/model not found: no\/model\.onnx/));
    await assert.rejects(loadTabularModel(save('other.json', '{"layers": []}')), usage(/neither an XGBoost model .* nor a TF\.js model\.json/));
    await assert.rejects(loadTabularModel(save('broken.json', '{"learner": ')), usage(/broken\.json is not valid JSON/));
    await assert.rejects(loadTabularModel(save('notes.txt', 'hello')), usage(/notes\.txt is not a model file Glassbox reads/));
    await assert.rejects(loadTabularModel(save('bad.onnx', 'not onnx')), usage(/cannot load .*bad\.onnx with onnxruntime/));
  });
});
