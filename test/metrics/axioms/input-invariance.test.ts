import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../../src/backend.js';
import { loadModel } from '../../../src/models/load.js';
import { FunctionModel } from '../../../src/models/function.js';
import type { Model } from '../../../src/models/model.js';
import { testDigits } from '../../helpers/mnist.js';
import { createImageSubject } from '../../../src/metrics/subjects/image.js';
import { InputInvariance } from '../../../src/metrics/axioms/input-invariance.js';
import { ShiftedInputModel } from '../../../src/models/shifted-input.js';
import { findMethod, type MethodEntry } from '../../../src/attribution/registry.js';
import { IntegratedGradients, type IntegratedGradientsOptions } from '../../../src/attribution/gradient/integrated-gradients.js';
import { DeepLift, type DeepLiftOptions } from '../../../src/attribution/gradient/deeplift.js';
import type { InputLike } from '../../../src/tensor.js';
import { UsageError } from '../../../src/errors.js';
import { FunctionSubject } from '../robustness/function-subject.js';

/** The reference a method starts from, moved with the inputs: -offset on a shifted model, 0 on the original. */
const movedBaseline = (model: Model) => (model instanceof ShiftedInputModel && typeof model.offset === 'number' ? -model.offset : 0);

class IgFromMovedBaseline extends IntegratedGradients {
  override attribute(inputs: InputLike, options: IntegratedGradientsOptions = {}) {
    return super.attribute(inputs, { ...options, baselines: movedBaseline(this.model) });
  }
}

class DeepLiftFromMovedBaseline extends DeepLift {
  override attribute(inputs: InputLike, options: DeepLiftOptions = {}) {
    return super.attribute(inputs, { ...options, baselines: movedBaseline(this.model) });
  }
}

const withCreate = (name: string, create: MethodEntry['create']): MethodEntry => ({ ...findMethod(name)!, create });

describe('input invariance on the digit model (Kindermans et al. 2017)', () => {
  let model: Model;
  const rows = 3;
  const digits = testDigits(rows).inputs;
  before(async () => {
    await useBackend('wasm');
    model = await loadModel('digits');
  });

  it('the shifted model computes the same function, and gradients pass through it', async () => {
    const shifted = new ShiftedInputModel(model, 1);
    const x = tf.tensor(digits.data, digits.shape);
    const x2 = tf.sub(x, 1);
    const [y, y2] = [await model.forward(x), await shifted.forward(x2)];
    const [a, b] = [await y.data(), await y2.data()];
    for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) < 1e-4, `${a[i]} vs ${b[i]}`);
    const before = tf.memory().numTensors;
    const target = { kind: 'index' as const, indices: Int32Array.from([1, 2, 3]) };
    const g = await model.gradients(x, { target });
    const g2 = await shifted.gradients(x2, { target });
    const [ga, gb] = [await g.inputGradients.data(), await g2.inputGradients.data()];
    for (let i = 0; i < ga.length; i++) assert.ok(Math.abs(ga[i] - gb[i]) < 1e-4);
    tf.dispose([g.selected, g.inputGradients, g2.selected, g2.inputGradients]);
    assert.equal(tf.memory().numTensors, before);
    tf.dispose([x, x2, y, y2]);
    shifted.dispose();
  });

  it('saliency, grad-cam, and integrated gradients and DeepLIFT from a moved baseline pass; input x gradient and a fixed zero baseline fail', async () => {
    const metric = new InputInvariance();
    const cases: { method: string | MethodEntry; label: string; options?: Record<string, unknown>; invariant: boolean }[] = [
      { method: 'saliency', label: 'saliency', invariant: true },
      { method: 'grad-cam', label: 'grad-cam', options: { layer: 'conv2' }, invariant: true },
      { method: withCreate('integrated-gradients', (m) => new IgFromMovedBaseline(m) as unknown as ReturnType<MethodEntry["create"]>), label: 'IG, moved baseline', options: { steps: 16 }, invariant: true },
      { method: withCreate('deeplift', (m) => new DeepLiftFromMovedBaseline(m) as unknown as ReturnType<MethodEntry["create"]>), label: 'DeepLIFT, moved baseline', invariant: true },
      { method: 'input-x-gradient', label: 'input x gradient', invariant: false },
      { method: 'integrated-gradients', label: 'IG, zero baseline', options: { steps: 16 }, invariant: false },
      { method: 'deeplift', label: 'DeepLIFT, zero baseline', invariant: false },
    ];
    const before = tf.memory().numTensors;
    for (const c of cases) {
      const subject = await createImageSubject(model, digits, c.method, { methodOptions: c.options });
      const result = await metric.evaluate(subject);
      const invariant = result.details!.invariant as boolean[];
      const scale = Math.max(...Array.from({ length: rows }, (_, r) => Math.max(...subject.attribution(r).map(Math.abs))));
      assert.deepEqual(invariant, Array(rows).fill(c.invariant), `${c.label}: scores ${result.scores}, max|a| ${scale}`);
      // The mean difference is float rounding when invariant, and a sizeable part of the map when not.
      for (const s of result.scores) assert.ok(c.invariant ? s < 1e-4 * scale : s > 0.01 * scale, `${c.label}: ${s} vs max|a| ${scale}`);
    }
    assert.equal(tf.memory().numTensors, before);
  });

  it('a shift may be one value per input value; wrong sizes and non-finite shifts are refused', async () => {
    const linear = new FunctionModel((x) => tf.matMul(x, tf.tensor2d([[1, 0], [2, 1], [-1, 3]])), { inputShape: [3], numOutputs: 2 });
    const shifted = new ShiftedInputModel(linear, Float32Array.from([0.5, -1, 2]));
    const y = await shifted.forward(tf.tensor2d([[1, 1, 1]]));
    // [1.5, 0, 3] . columns: 1.5 + 0 - 3 = -1.5 and 0 + 0 + 9 = 9.
    assert.deepEqual(Array.from(await y.data()), [-1.5, 9]);
    y.dispose();
    shifted.dispose();
    assert.throws(() => new ShiftedInputModel(linear, Float32Array.from([1, 2])), /2 values does not fit inputs of 3 values/);
    assert.throws(() => new ShiftedInputModel(linear, Number.NaN), /must be finite/);
  });

  it('refuses subjects without a layered model, and token sequences', async () => {
    const plain = new FunctionSubject({ inputs: [[1, 2]], numOutputs: 2, modality: 'image', forward: () => [0, 1], explain: (x) => x });
    await assert.rejects(new InputInvariance().evaluate(plain), (e: unknown) => e instanceof UsageError && /needs a layered model/.test(e.message));
    const text = new FunctionSubject({ inputs: [[1, 2]], numOutputs: 2, modality: 'text', forward: () => [0, 1], explain: (x) => x });
    await assert.rejects(new InputInvariance().evaluate(text), /does not apply to text/);
    const subject = await createImageSubject(model, digits, 'saliency');
    await assert.rejects(new InputInvariance().evaluate(subject, { inputShift: 0 }), /inputShift must be a finite number other than 0/);
  });
});
