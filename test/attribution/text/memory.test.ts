import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../../src/backend.js';
import { textSaliency } from '../../../src/attribution/text/saliency.js';
import { textInputXGradient } from '../../../src/attribution/text/input-x-gradient.js';
import { textIntegratedGradients } from '../../../src/attribution/text/integrated-gradients.js';
import { textOcclusion } from '../../../src/attribution/text/occlusion.js';
import { textKernelShap } from '../../../src/attribution/text/kernel-shap.js';
import { generationAttribution } from '../../../src/attribution/text/generation.js';
import { logitLens } from '../../../src/lens/logit-lens.js';
import { directLogitAttribution } from '../../../src/lens/direct-logit-attribution.js';
import { RMSNORM_DECODER, randomTransformer } from './helpers.js';

describe('text methods hold no tensors', () => {
  before(async () => useBackend('wasm'));

  it('tf.memory().numTensors is flat over repeated calls of every method, including ones that throw', async () => {
    const model = randomTransformer(RMSNORM_DECODER, 31);
    const tokens = [1, 4, 7, 2, 9];
    const calls = async () => {
      textSaliency(model, tokens);
      textInputXGradient(model, tokens, { contrast: 3, target: 2 });
      textIntegratedGradients(model, tokens, { steps: 8, baseline: { tokenId: 0 } });
      await textOcclusion(model, tokens, { span: 2 });
      await textKernelShap(model, tokens, { nsamples: 20 });
      generationAttribution(model, tokens.slice(0, 3), { newTokens: 2 });
      logitLens(model, tokens);
      directLogitAttribution(model, tokens, { contrast: 1 });
      assert.throws(() => textSaliency(model, tokens, { target: 99 }));
    };
    await calls();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) await calls();
    assert.equal(tf.memory().numTensors, before);
    model.dispose();
  });
});
