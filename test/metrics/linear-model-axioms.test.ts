import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../src/backend.js';
import { IntegratedGradients } from '../../src/attribution/gradient/integrated-gradients.js';
import { InputXGradient } from '../../src/attribution/gradient/input-x-gradient.js';
import { INTEGRATION_METHODS } from '../../src/attribution/integration.js';
import { FunctionModel } from '../../src/models/function.js';
import { Random } from '../../src/util/random.js';

// On a linear model the gradient is constant along any path, so integrated gradients from a zero baseline
// is exactly gradient x input: (x - 0) * w_target, whatever the integration rule (its weights sum to 1; for
// riemann-trapezoid, Captum's weights sum to 1 - 1/n, so IG is that fraction of it).
describe('linear model: integrated gradients equal gradient x input', () => {
  const inputs = 12;
  const classes = 3;
  const random = new Random(7);
  const w = Float32Array.from({ length: inputs * classes }, () => random.normal());
  const b = Float32Array.from({ length: classes }, () => random.normal());
  const x = { shape: [5, inputs], data: Float32Array.from({ length: 5 * inputs }, () => random.uniform() * 2 - 1) };
  let model: FunctionModel;
  before(async () => {
    await useBackend('wasm');
    model = new FunctionModel((t) => tf.add(tf.matMul(t as tf.Tensor2D, tf.tensor2d(w, [inputs, classes])), tf.tensor1d(b)), { inputShape: [inputs], numOutputs: classes, outputKind: 'logits' });
  });

  for (const integration of INTEGRATION_METHODS) {
    it(`${integration}: IG = x * w[:, target] = input x gradient, delta as the rule's weights say`, async () => {
      const steps = 7;
      const ig = await new IntegratedGradients(model).attribute(x, { steps, integration, target: [0, 1, 2, 1, 0] });
      const ixg = await new InputXGradient(model).attribute(x, { target: [0, 1, 2, 1, 0] });
      const scale = integration === 'riemann-trapezoid' ? 1 - 1 / steps : 1;
      for (let r = 0; r < 5; r++) {
        const t = ig.target![r];
        for (let i = 0; i < inputs; i++) {
          const exact = x.data[r * inputs + i] * w[i * classes + t];
          assert.ok(Math.abs(ixg.attributions[r * inputs + i] - exact) < 1e-5, `input x gradient row ${r} feature ${i}`);
          assert.ok(Math.abs(ig.attributions[r * inputs + i] - scale * exact) < 1e-5, `IG row ${r} feature ${i}: ${ig.attributions[r * inputs + i]} vs ${scale * exact}`);
        }
      }
    });
  }
});
