import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { useBackend } from '../../src/backend.js';
import { Saliency } from '../../src/attribution/gradient/saliency.js';
import { IntegratedGradients } from '../../src/attribution/gradient/integrated-gradients.js';
import { integrationGrid, type IntegrationMethod } from '../../src/attribution/integration.js';
import { assertClose, goldenCase, mlpFixture, referenceMlp } from '../helpers/mlp.js';

const flat = (rows: number[][] | number[]) => (rows as number[][]).flat();
const inputs = { shape: [3, 4], data: Float32Array.from(mlpFixture.inputs.flat()) };

describe('Captum 0.8 reference values on the MLP fixture', () => {
  before(async () => useBackend('wasm'));

  it('forward matches torch', async () => {
    const model = referenceMlp();
    const c = goldenCase('mlp/forward');
    const out = await model.forward(referenceInputs());
    assertClose(out.dataSync(), flat(c.output), 1e-5, 'logits');
    out.dispose();
  });

  it('saliency (abs=false) matches', async () => {
    const c = goldenCase('mlp/saliency');
    const r = await new Saliency(referenceMlp()).attribute(inputs, { abs: false, target: c.target as number[] });
    assertClose(r.attributions, flat(c.output), 1e-4, c.id);
  });

  for (const rule of ['gausslegendre', 'riemann_left', 'riemann_right', 'riemann_middle', 'riemann_trapezoid']) {
    it(`integrated gradients (${rule}) matches attributions, grid and convergence delta`, async () => {
      const c = goldenCase(`mlp/ig_${rule}`);
      const integration = rule.replace('_', '-') as IntegrationMethod;
      const grid = c.ig_grid as { alphas: number[]; step_sizes: number[] };
      const ours = integrationGrid(integration, 50);
      assertClose(ours.alphas, grid.alphas, 1e-10, 'alphas');
      assertClose(ours.weights, grid.step_sizes, 1e-10, 'weights');
      const r = await new IntegratedGradients(referenceMlp()).attribute(inputs, { target: c.target as number[], steps: 50, integration, internalBatchSize: 37 });
      assertClose(r.attributions, flat(c.output), 1e-4, c.id);
      assert.ok(r.convergenceDelta);
      for (let i = 0; i < 3; i++) assert.ok(Math.abs(r.convergenceDelta[i] - c.convergence_delta![i]) < 1e-5, `delta row ${i}`);
    });
  }
});

import * as tf from '@tensorflow/tfjs';
function referenceInputs(): tf.Tensor {
  return tf.tensor2d(mlpFixture.inputs);
}
