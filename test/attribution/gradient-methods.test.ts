import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../src/backend.js';
import { UsageError } from '../../src/errors.js';
import type { Attribution } from '../../src/attribution/base.js';
import { Saliency } from '../../src/attribution/gradient/saliency.js';
import { IntegratedGradients } from '../../src/attribution/gradient/integrated-gradients.js';
import { InputXGradient } from '../../src/attribution/gradient/input-x-gradient.js';
import { DeepLift } from '../../src/attribution/gradient/deeplift.js';
import { GuidedBackprop } from '../../src/attribution/gradient/guided-backprop.js';
import { NoiseTunnel, SmoothGrad } from '../../src/attribution/gradient/noise-tunnel.js';
import { GradientShap } from '../../src/attribution/gradient/gradient-shap.js';
import type { GradientRequest, Gradients, Model, ModelInfo } from '../../src/models/model.js';
import { selectOutputs } from '../../src/models/select.js';
import { TfjsLayersModel } from '../../src/models/tfjs-layers.js';
import { Random } from '../../src/util/random.js';
import { assertClose, goldenCase, mlpFixture, referenceMlp } from '../helpers/mlp.js';

const flat = (rows: number[][] | number[]) => (rows as number[][]).flat();
const inputs = { shape: [3, 4], data: Float32Array.from(mlpFixture.inputs.flat()) };

/**
 * f0(x) = sum(x^2) / 2 and f1(x) = w . x with analytic gradients x and w: every noisy method has a
 * closed-form expectation on it.
 */
class QuadraticModel implements Model {
  readonly info: ModelInfo;
  constructor(readonly w: Float32Array) {
    this.info = { name: 'quadratic', engine: 'test', inputShape: [w.length], numOutputs: 2, outputKind: 'values', layers: [] };
  }
  async forward(x: tf.Tensor): Promise<tf.Tensor2D> {
    return this.forwardSync(x);
  }
  private forwardSync(x: tf.Tensor): tf.Tensor2D {
    return tf.tidy(() => tf.stack([tf.mul(0.5, tf.sum(tf.square(x), 1)), tf.sum(tf.mul(x, this.w), 1)], 1) as tf.Tensor2D);
  }
  async gradients(x: tf.Tensor, request: GradientRequest): Promise<Gradients> {
    return tf.tidy(() => {
      const selected = selectOutputs(this.forwardSync(x), request.target);
      if (request.target.kind !== 'index') throw new Error('index targets only');
      const isLinear = tf.tensor1d(request.target.indices, 'int32').equal(1).reshape([-1, 1]);
      const inputGradients = tf.where(tf.broadcastTo(isLinear, x.shape), tf.broadcastTo(tf.tensor1d(this.w), x.shape), x);
      return { selected, inputGradients } as unknown as tf.TensorContainer;
    }) as unknown as Gradients;
  }
  supportsRule(kind: string): boolean {
    return kind === 'standard';
  }
  dispose(): void {}
}

/** 20 calls after a warm-up leave the number of live tensors unchanged. */
async function assertNoLeak(run: () => Promise<unknown>): Promise<void> {
  await run();
  const before = tf.memory().numTensors;
  for (let i = 0; i < 20; i++) await run();
  assert.equal(tf.memory().numTensors, before, 'live tensors after 20 calls');
}

function sumRow(a: ArrayLike<number>, row: number, size: number): number {
  let s = 0;
  for (let k = 0; k < size; k++) s += a[row * size + k];
  return s;
}

describe('gradient methods', () => {
  before(async () => useBackend('wasm'));

  describe('Captum 0.8 reference values on the MLP fixture', () => {
    it('input x gradient matches', async () => {
      const c = goldenCase('mlp/input_x_gradient');
      const r = await new InputXGradient(referenceMlp()).attribute(inputs, { target: c.target as number[], internalBatchSize: 2 });
      assert.equal(r.method, 'input-x-gradient');
      assert.deepEqual(r.shape, [3, 4]);
      assertClose(r.attributions, flat(c.output), 1e-4, c.id);
    });

    it('DeepLIFT (rescale) matches attributions and convergence delta', async () => {
      const c = goldenCase('mlp/deeplift');
      const r = await new DeepLift(referenceMlp()).attribute(inputs, { target: c.target as number[], internalBatchSize: 2 });
      assert.equal(r.method, 'deeplift');
      assertClose(r.attributions, flat(c.output), 1e-4, c.id);
      assert.ok(r.convergenceDelta);
      // Captum's deltas are float64 rounding (~1e-16); ours are float32 rounding of outputs of size ~0.4.
      r.convergenceDelta.forEach((d, i) => assert.ok(Math.abs(d - c.convergence_delta![i]) < 1e-5, `delta row ${i}: ${d}`));
      assert.deepEqual(r.params, { baselines: 0, eps: 1e-10, multiplyByInputs: true, rule: 'rescale', internalBatchSize: 2 });
    });

    it('DeepLIFT without multiplying by inputs returns multipliers whose product with x is the reference', async () => {
      const c = goldenCase('mlp/deeplift');
      const r = await new DeepLift(referenceMlp()).attribute(inputs, { target: c.target as number[], multiplyByInputs: false });
      assertClose(r.attributions.map((m, i) => m * inputs.data[i]), flat(c.output), 1e-4, 'multipliers * x');
    });
  });

  describe('guided backprop on a hand-computed dense ReLU net', () => {
    // h = relu(x W1 + b1), out = h W2. Row (1, 1): pre-activations (3, 0.5, -0.3); row (0.5, -1): (-1.5, -1, 1.45).
    const W1 = [[1, -1, 0.5], [2, 1, -1]];
    const b1 = [0, 0.5, 0.2];
    const W2 = [[1, -1], [2, 0.5], [-1, 1]];
    const x = { shape: [2, 2], data: Float32Array.from([1, 1, 0.5, -1]) };
    function net(reluLayer: boolean): TfjsLayersModel {
      const seq = tf.sequential();
      seq.add(tf.layers.dense({ inputShape: [2], units: 3, activation: reluLayer ? 'linear' : 'relu' }));
      if (reluLayer) seq.add(tf.layers.reLU());
      seq.add(tf.layers.dense({ units: 2, useBias: false }));
      seq.layers[0].setWeights([tf.tensor2d(W1), tf.tensor1d(b1)]);
      seq.layers[reluLayer ? 2 : 1].setWeights([tf.tensor2d(W2)]);
      return new TfjsLayersModel(seq);
    }

    for (const reluLayer of [false, true]) {
      const label = reluLayer ? 'ReLU layer' : 'relu activation';
      it(`equals the gradient where every gradient reaching an active ReLU is positive (${label})`, async () => {
        // Targets (0, 1): the upstream gradients at the active units are (1, 2) and (1); the negative ones
        // meet inactive units. Gradients: W1 (1, 2, 0) = (-1, 4) and W1 (0, 0, 1) = (0.5, -1).
        const model = net(reluLayer);
        const guided = await new GuidedBackprop(model).attribute(x, { target: [0, 1] });
        const plain = await new Saliency(model).attribute(x, { target: [0, 1], abs: false });
        assertClose(guided.attributions, [-1, 4, 0.5, -1], 1e-6, 'guided');
        assertClose(plain.attributions, [-1, 4, 0.5, -1], 1e-6, 'gradient');
      });

      it(`clips negative gradients at the ReLUs (${label})`, async () => {
        // Targets (1, 0). Row 0: upstream (-1, 0.5, 1) masked by (1, 1, 0): the gradient is W1 (-1, 0.5, 0) =
        // (-1.5, -1.5), guided keeps (0, 0.5, 0): (-0.5, 0.5). Row 1: upstream (1, 2, -1) masked by (0, 0, 1):
        // the gradient is W1 (0, 0, -1) = (-0.5, 1), guided clips it all to 0.
        const model = net(reluLayer);
        const guided = await new GuidedBackprop(model).attribute(x, { target: [1, 0] });
        const plain = await new Saliency(model).attribute(x, { target: [1, 0], abs: false });
        assertClose(guided.attributions, [-0.5, 0.5, 0, 0], 1e-6, 'guided');
        assertClose(plain.attributions, [-1.5, -1.5, -0.5, 1], 1e-6, 'gradient');
        assert.equal(guided.method, 'guided-backprop');
      });
    }
  });

  describe('noise tunnel', () => {
    it('with stdev 0 equals the inner method exactly (saliency), and vargrad is 0', async () => {
      const model = referenceMlp();
      const target = [2, 0, 1];
      const plain = await new Saliency(model).attribute(inputs, { target, abs: false });
      const tunnel = new NoiseTunnel(new Saliency(model));
      const smooth = await tunnel.attribute(inputs, { target, stdev: 0, samples: 4, internalBatchSize: 5, methodOptions: { abs: false } });
      assert.deepEqual(Array.from(smooth.attributions), Array.from(plain.attributions));
      const sq = await tunnel.attribute(inputs, { target, stdev: 0, samples: 3, ntType: 'smoothgrad_sq', methodOptions: { abs: false } });
      assert.deepEqual(Array.from(sq.attributions), Array.from(plain.attributions, (a) => Math.fround(a * a)));
      const vargrad = await tunnel.attribute(inputs, { target, stdev: 0, samples: 3, ntType: 'vargrad', methodOptions: { abs: false } });
      assert.deepEqual(Array.from(vargrad.attributions), new Array(12).fill(0));
      assert.deepEqual(smooth.params, {
        ntType: 'smoothgrad', samples: 4, stdev: 0, seed: 0, method: 'saliency', methodParams: { abs: false }, internalBatchSize: 5,
      });
    });

    it('with stdev 0 wraps integrated gradients: Captum reference, delta, and per-row baselines', async () => {
      const model = referenceMlp();
      const c = goldenCase('mlp/ig_gausslegendre');
      const tunnel = new NoiseTunnel(new IntegratedGradients(model));
      const r = await tunnel.attribute(inputs, { target: c.target as number[], stdev: 0, samples: 2, internalBatchSize: 4 });
      assertClose(r.attributions, flat(c.output), 1e-4, 'smoothgrad of IG');
      r.convergenceDelta!.forEach((d, i) => assert.ok(Math.abs(d - c.convergence_delta![i]) < 1e-5, `delta row ${i}: ${d}`));
      // One baseline per row must follow its row's copies (a [3, 4] baseline for 2 x 3 copies).
      const baselines = { shape: [3, 4], data: Float32Array.from([0.5, 0, -1, 1, 0.2, 0.2, 0.2, 0.2, -0.3, 0.1, 0, 0.4]) };
      const ig = await new IntegratedGradients(model).attribute(inputs, { target: [0, 1, 2], baselines, steps: 8 });
      const nt = await tunnel.attribute(inputs, { target: [0, 1, 2], stdev: 0, samples: 2, internalBatchSize: 5, methodOptions: { baselines, steps: 8 } });
      assertClose(nt.attributions, ig.attributions, 1e-5, 'per-row baselines');
      assert.equal(nt.params.method, 'integrated-gradients');
    });

    it('draws noise with the requested standard deviation (vargrad of the gradient x + noise is stdev^2)', async () => {
      const size = 64;
      const model = new QuadraticModel(new Float32Array(size).fill(1));
      const rng = new Random(7);
      const x = { shape: [2, size], data: Float32Array.from({ length: 2 * size }, (_, i) => (i < size ? 2 * rng.uniform() : rng.uniform() - 3)) };
      const samples = 400;
      const tunnel = new NoiseTunnel(new Saliency(model));
      const mean = (a: Float32Array, row: number) => sumRow(a, row, size) / size;
      // Explicit stdev 0.5: E[vargrad] = 0.25 (n-1)/n; the mean over 64 values has a standard error of ~0.002.
      const v = await tunnel.attribute(x, { target: 0, samples, stdev: 0.5, ntType: 'vargrad', methodOptions: { abs: false } });
      for (const row of [0, 1]) assert.ok(Math.abs(mean(v.attributions, row) - 0.25 * (1 - 1 / samples)) < 0.01, `row ${row}: ${mean(v.attributions, row)}`);
      // Default stdev: 0.15 x (max - min) of each row.
      const auto = await tunnel.attribute(x, { target: 0, samples, ntType: 'vargrad', methodOptions: { abs: false } });
      const stdevs = auto.params.stdev as number[];
      for (const row of [0, 1]) {
        const values = Array.from(x.data.subarray(row * size, (row + 1) * size));
        assert.ok(Math.abs(stdevs[row] - 0.15 * (Math.max(...values) - Math.min(...values))) < 1e-6, `stdev row ${row}`);
        const expected = stdevs[row] ** 2 * (1 - 1 / samples);
        assert.ok(Math.abs(mean(auto.attributions, row) / expected - 1) < 0.05, `auto row ${row}: ${mean(auto.attributions, row)} vs ${expected}`);
      }
      assert.equal(auto.params.noiseLevel, 0.15);
      // SmoothGrad of a gradient that is linear in x is x, up to the noise's standard error.
      const s = await tunnel.attribute(x, { target: 0, samples, stdev: 0.5, methodOptions: { abs: false } });
      s.attributions.forEach((a, i) => assert.ok(Math.abs(a - x.data[i]) < 0.15, `element ${i}: ${a} vs ${x.data[i]}`));
    });

    it('is reproducible: same seed same result at any batch size, another seed another result', async () => {
      const method = new SmoothGrad(referenceMlp());
      const a = await method.attribute(inputs, { target: [0, 1, 2], samples: 10, seed: 3 });
      const b = await method.attribute(inputs, { target: [0, 1, 2], samples: 10, seed: 3, internalBatchSize: 7 });
      const c = await method.attribute(inputs, { target: [0, 1, 2], samples: 10, seed: 4 });
      assertClose(b.attributions, a.attributions, 1e-6, 'batch size 7 vs 64');
      assert.ok(a.attributions.some((v, i) => Math.abs(v - c.attributions[i]) > 1e-4), 'seeds 3 and 4 gave the same result');
    });

    it('SmoothGrad is a noise tunnel over signed gradients and records its parameters', async () => {
      const model = referenceMlp();
      const r = await new SmoothGrad(model).attribute(inputs, { target: 1 });
      assert.equal(r.method, 'smoothgrad');
      assert.equal(r.params.method, 'saliency');
      assert.deepEqual(r.params.methodParams, { abs: false });
      assert.equal(r.params.ntType, 'smoothgrad');
      assert.equal(r.params.samples, 25);
      assert.equal(r.params.seed, 0);
      assert.ok(r.attributions.some((v) => v < 0), 'signed gradients');
      const abs = await new SmoothGrad(model).attribute(inputs, { target: 1, stdev: 0, methodOptions: { abs: true } });
      const plain = await new Saliency(model).attribute(inputs, { target: 1 });
      assert.deepEqual(Array.from(abs.attributions), Array.from(plain.attributions));
    });

    it('rejects bad options with a fix', async () => {
      const method = new SmoothGrad(referenceMlp());
      await assert.rejects(method.attribute(inputs, { samples: 0 }), (e: unknown) => e instanceof UsageError && /samples/.test(e.message));
      await assert.rejects(method.attribute(inputs, { stdev: -1 }), (e: unknown) => e instanceof UsageError && /stdev/.test(e.message));
      await assert.rejects(method.attribute(inputs, { ntType: 'mean' as never }), (e: unknown) => e instanceof UsageError && /smoothgrad_sq/.test(e.message));
      await assert.rejects(method.attribute(inputs, { seed: 1.5 }), (e: unknown) => e instanceof UsageError && /seed/.test(e.message));
    });
  });

  describe('GradientSHAP', () => {
    it('with one zero baseline and no noise approximates integrated gradients (expected gradients)', async () => {
      const c = goldenCase('mlp/ig_gausslegendre');
      const r = await new GradientShap(referenceMlp()).attribute(inputs, { target: c.target as number[], samples: 2000, internalBatchSize: 1000 });
      // Monte Carlo over alpha: here within 0.3% of each value; 2% leaves room without letting a wrong formula through.
      assertClose(r.attributions, flat(c.output), 0.02, 'gradient-shap vs IG');
      // The delta is the attributions' sum minus f(x) - f(0).
      const f = await referenceMlp().forward(tf.tensor2d(mlpFixture.inputs));
      const f0 = await referenceMlp().forward(tf.zeros([1, 4]));
      const [fx, fz] = [f.arraySync(), f0.arraySync()[0]];
      const targets = c.target as number[];
      r.convergenceDelta!.forEach((d, i) => {
        const expected = sumRow(r.attributions, i, 4) - (fx[i][targets[i]] - fz[targets[i]]);
        assert.ok(Math.abs(d - expected) < 1e-5, `delta row ${i}: ${d} vs ${expected}`);
      });
      tf.dispose([f, f0]);
    });

    it('on a quadratic, attributions are mean(alpha) x^2 per row', async () => {
      const model = new QuadraticModel(new Float32Array(3).fill(1));
      const x = { shape: [2, 3], data: Float32Array.from([1, -2, 3, 0.5, 0.25, -1]) };
      const r = await new GradientShap(model).attribute(x, { target: 0, samples: 7 });
      for (const row of [0, 1]) {
        const ratios = [0, 1, 2].map((k) => r.attributions[row * 3 + k] / x.data[row * 3 + k] ** 2);
        ratios.forEach((q) => assert.ok(Math.abs(q - ratios[0]) < 1e-5 && q > 0 && q < 1, `row ${row}: ${ratios}`));
        let half = 0;
        for (let k = 0; k < 3; k++) half += 0.5 * x.data[row * 3 + k] ** 2;
        assert.ok(Math.abs(r.convergenceDelta![row] - (sumRow(r.attributions, row, 3) - half)) < 1e-5, `delta row ${row}`);
      }
    });

    it('on a linear model with noise and a baseline distribution: w (x + mean noise - mean baseline), delta 0', async () => {
      const w = Float32Array.from([1, -2, 0.5, 3]);
      const model = new QuadraticModel(w);
      const dist = { shape: [5, 4], data: Float32Array.from({ length: 20 }, (_, i) => (i % 7) - 3) };
      const method = new GradientShap(model);
      const r = await method.attribute(inputs, { target: 1, baselines: dist, stdev: 0.3, samples: 3000, internalBatchSize: 512 });
      // Exact for any draw: each point's delta is w.(x+n-b) - (w.(x+n) - w.b) = 0.
      r.convergenceDelta!.forEach((d, i) => assert.ok(Math.abs(d) < 1e-4, `delta row ${i}: ${d}`));
      // x - attr / w estimates the mean baseline (mean noise is ~0): per feature 1/5 of the distribution's column sums.
      const meanBaseline = [0, 1, 2, 3].map((k) => [0, 1, 2, 3, 4].reduce((s, n) => s + dist.data[n * 4 + k], 0) / 5);
      for (let i = 0; i < 12; i++) {
        const estimate = inputs.data[i] - r.attributions[i] / w[i % 4];
        assert.ok(Math.abs(estimate - meanBaseline[i % 4]) < 0.15, `element ${i}: ${estimate} vs ${meanBaseline[i % 4]}`);
      }
      assert.deepEqual(r.params, { baselines: 'tensor [5, 4]', baselineCount: 5, samples: 3000, stdev: 0.3, seed: 0, internalBatchSize: 512 });
    });

    it('is reproducible: same seed same result at any batch size, another seed another result', async () => {
      const method = new GradientShap(referenceMlp());
      const options = { target: [0, 1, 2], samples: 9, stdev: 0.2, baselines: { shape: [2, 4], data: Float32Array.from([0, 0, 0, 0, 1, 1, 1, 1]) } };
      const a = await method.attribute(inputs, { ...options, seed: 11 });
      const b = await method.attribute(inputs, { ...options, seed: 11, internalBatchSize: 4 });
      const c = await method.attribute(inputs, { ...options, seed: 12 });
      assertClose(b.attributions, a.attributions, 1e-5, 'batch size 4 vs 64');
      assert.ok(a.attributions.some((v, i) => Math.abs(v - c.attributions[i]) > 1e-4), 'seeds 11 and 12 gave the same result');
    });

    it('rejects a baseline distribution of the wrong shape', async () => {
      await assert.rejects(new GradientShap(referenceMlp()).attribute(inputs, { baselines: { shape: [2, 3], data: new Float32Array(6) } }),
        (e: unknown) => e instanceof UsageError && /\[N, 4\]/.test(e.message));
    });
  });

  describe('seeded random source', () => {
    it('gives the same stream for a seed, and standard moments', () => {
      const a = new Random(5);
      const b = new Random(5);
      const xs = Array.from({ length: 100000 }, () => a.normal());
      assert.deepEqual(Array.from({ length: 10 }, () => b.normal()), xs.slice(0, 10));
      const mean = xs.reduce((s, v) => s + v, 0) / xs.length;
      const variance = xs.reduce((s, v) => s + (v - mean) ** 2, 0) / xs.length;
      assert.ok(Math.abs(mean) < 0.015 && Math.abs(variance - 1) < 0.02, `mean ${mean}, variance ${variance}`);
      const u = new Random(0);
      const us = Array.from({ length: 100000 }, () => u.uniform());
      assert.ok(us.every((v) => v >= 0 && v < 1));
      assert.ok(Math.abs(us.reduce((s, v) => s + v, 0) / us.length - 0.5) < 0.005);
      assert.notEqual(new Random(6).uniform(), new Random(5).uniform());
    });
  });

  describe('tensor memory stays flat over 20 calls', () => {
    type Make = (model: Model) => Attribution<never>;
    const cases: [string, Make, Record<string, unknown>][] = [
      ['input-x-gradient', (m) => new InputXGradient(m) as Attribution<never>, { internalBatchSize: 2 }],
      ['deeplift', (m) => new DeepLift(m) as Attribution<never>, { internalBatchSize: 2, baselines: 0.1 }],
      ['guided-backprop', (m) => new GuidedBackprop(m) as Attribution<never>, { internalBatchSize: 2 }],
      ['noise-tunnel (deeplift)', (m) => new NoiseTunnel(new DeepLift(m)) as Attribution<never>,
        { samples: 3, internalBatchSize: 4, methodOptions: { baselines: 0.2 } }],
      ['smoothgrad', (m) => new SmoothGrad(m) as Attribution<never>, { samples: 5, internalBatchSize: 4, ntType: 'vargrad' }],
      ['gradient-shap', (m) => new GradientShap(m) as Attribution<never>, { samples: 5, stdev: 0.1, internalBatchSize: 4 }],
    ];
    for (const [name, make, options] of cases) {
      it(name, async () => {
        const method = make(referenceMlp());
        await assertNoLeak(() => method.attribute(inputs, options as never));
      });
    }
  });
});
