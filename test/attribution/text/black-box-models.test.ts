import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { useBackend } from '../../../src/backend.js';
import { textOcclusion } from '../../../src/attribution/text/occlusion.js';
import { textKernelShap } from '../../../src/attribution/text/kernel-shap.js';
import { textLime } from '../../../src/attribution/text/lime.js';
import type { TokenSequenceModel } from '../../../src/attribution/text/token-sequence-model.js';
import type { TokenAttribution } from '../../../src/attention/types.js';
import { loadTextClassifier } from '../../../src/models/text/load.js';
import type { TextClassifierModel } from '../../../src/models/text/text-classifier.js';
import { loadOnnxTextModel } from '../../../src/models/onnx-text/load.js';
import type { OnnxTextModel } from '../../../src/models/onnx-text/onnx-text-model.js';

const TEXT = 'URGENT! You have won a £900 prize. Call 09061701461 to claim now';

function close(a: TokenAttribution, b: TokenAttribution, tolerance: number): void {
  assert.deepEqual(a.tokens, b.tokens);
  assert.equal(a.target, b.target);
  assert.equal(a.targetName, b.targetName);
  assert.ok(Math.abs(a.prediction - b.prediction) < tolerance, `prediction ${a.prediction} vs ${b.prediction}`);
  const worst = Math.max(...a.scores.map((s, i) => Math.abs(s - b.scores[i])));
  assert.ok(worst < tolerance, `largest score difference ${worst}`);
  // Not all zero: the comparison means something.
  assert.ok(Math.max(...a.scores.map(Math.abs)) > 0.01);
}

/** An additive black box: the logit of class 1 is the sum of per-token weights (class 0 is minus that). */
function additiveModel(weights: number[]): TokenSequenceModel {
  return {
    name: 'additive', kind: 'classifier', vocabSize: weights.length, maxLength: 32, numOutputs: 2, classNames: ['no', 'yes'],
    tokenName: (id) => `w${id}`,
    outputName: (id) => ['no', 'yes'][id],
    outputs: async (sequences) => sequences.map((s) => {
      const sum = s.reduce((acc, id) => acc + weights[id], 0);
      return [Float32Array.of(-sum, sum)];
    }),
  };
}

describe('token perturbation methods on black-box models', () => {
  let tfjs: TextClassifierModel;
  let onnx: OnnxTextModel;
  let ids: number[];
  let fixed: number[];
  before(async () => {
    await useBackend('wasm');
    tfjs = await loadTextClassifier('spam');
    onnx = await loadOnnxTextModel('spam-onnx');
    const encoding = onnx.encode(TEXT);
    ids = encoding.ids;
    fixed = encoding.specialPositions;
    assert.deepEqual(ids, tfjs.encode(TEXT).ids);
  });
  after(async () => {
    tfjs?.dispose();
    await onnx?.dispose();
  });

  it('occlusion on the ONNX export equals occlusion on the TF.js spam model (1e-4), by removal and by [PAD]', async () => {
    close(await textOcclusion(onnx, ids, { fixed }), await textOcclusion(tfjs.transformer, ids, { fixed }), 1e-4);
    const pad = { fixed, span: 2, absence: { tokenId: 0 } as const };
    close(await textOcclusion(onnx, ids, pad), await textOcclusion(tfjs.transformer, ids, pad), 1e-4);
  });

  it('KernelSHAP and LIME with the same seed give the same scores on both engines (1e-4)', async () => {
    const shap = { fixed, nsamples: 300, seed: 3 };
    const a = await textKernelShap(onnx, ids, shap);
    const b = await textKernelShap(tfjs.transformer, ids, shap);
    close(a, b, 1e-4);
    assert.ok(Math.abs(a.convergenceDelta!) < 1e-4);
    const lime = { fixed, numSamples: 200, seed: 4, output: 'probability' as const };
    close(await textLime(onnx, ids, lime), await textLime(tfjs.transformer, ids, lime), 1e-4);
  });

  it('an additive black box: occlusion and KernelSHAP give each token its own weight (Shapley\'s additivity)', async () => {
    const weights = [0, 0.5, -1.25, 2, 0.75, -0.3];
    const model = additiveModel(weights);
    const tokens = [1, 2, 3, 4, 5, 3];
    const occlusion = await textOcclusion(model, tokens, { target: 1 });
    const shap = await textKernelShap(model, tokens, { target: 1 });
    const expected = tokens.map((id) => weights[id]);
    occlusion.scores.forEach((s, p) => assert.ok(Math.abs(s - expected[p]) < 1e-6, `occlusion ${p}`));
    shap.scores.forEach((s, p) => assert.ok(Math.abs(s - expected[p]) < 1e-6, `kernel-shap ${p}`));
    assert.deepEqual(occlusion.tokens, ['w1', 'w2', 'w3', 'w4', 'w5', 'w3']);
    assert.equal(shap.targetName, 'yes');
    // The default target is the prediction: class 1 (sum 3.7 > 0).
    assert.equal((await textOcclusion(model, tokens)).target, 1);
  });
});
