import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useBackend } from '../../src/backend.js';
import { loadModel } from '../../src/models/load.js';
import { NativeModel } from '../../src/models/native.js';
import { fileHandler } from '../../src/models/tfjs-file-io.js';
import { GlassboxError } from '../../src/errors.js';
import { emptyGraph, GraphBuilder } from '../../src/engines/native/graph.js';
import { writeOnnx } from '../../src/engines/native/write.js';
import { readIdx } from '../../src/io/idx.js';
import { Saliency } from '../../src/attribution/gradient/saliency.js';
import { InputXGradient } from '../../src/attribution/gradient/input-x-gradient.js';
import { IntegratedGradients } from '../../src/attribution/gradient/integrated-gradients.js';
import { DeepLift } from '../../src/attribution/gradient/deeplift.js';
import { GradCam } from '../../src/attribution/gradient/grad-cam.js';
import { GuidedGradCam } from '../../src/attribution/gradient/guided-grad-cam.js';
import { FeatureAblation } from '../../src/attribution/perturbation/feature-ablation.js';
import { ShapleyValues } from '../../src/attribution/perturbation/shapley-values.js';
import type { IntegrationMethod } from '../../src/attribution/integration.js';
import { assertClose, goldenCase, mlpFixture, referenceMlp } from '../helpers/mlp.js';

const MNIST_ONNX = 'test/data/models/mnist-onnx/mnist-cntk-opset7.onnx';
const flat = (rows: number[][] | number[]) => (rows as number[][]).flat();
const mlpInputs = () => ({ shape: [3, 4], data: Float32Array.from(mlpFixture.inputs.flat()) });

describe('the native engine (onnxruntime, Glassbox autodiff)', () => {
  before(async () => useBackend('wasm'));

  describe('passes the Captum 0.8 reference cases on the MLP', () => {
    const native = () => NativeModel.fromTfjs(referenceMlp().net, { name: 'reference-mlp' });
    it('saliency, input x gradient, DeepLIFT, feature ablation, Shapley values', async () => {
      const model = native();
      const cases: [string, () => Promise<Float32Array>][] = [
        ['mlp/saliency', async () => (await new Saliency(model).attribute(mlpInputs(), { abs: false, target: [2, 0, 0] })).attributions],
        ['mlp/input_x_gradient', async () => (await new InputXGradient(model).attribute(mlpInputs(), { target: [2, 0, 0] })).attributions],
        ['mlp/deeplift', async () => (await new DeepLift(model).attribute(mlpInputs(), { target: [2, 0, 0] })).attributions],
        ['mlp/feature_ablation', async () => (await new FeatureAblation(model).attribute(mlpInputs(), { target: [2, 0, 0] })).attributions],
        ['mlp/exact_shapley', async () => (await new ShapleyValues(model).attribute(mlpInputs(), { target: [2, 0, 0] })).attributions],
      ];
      for (const [id, run] of cases) assertClose(await run(), flat(goldenCase(id).output), 1e-4, id);
      model.dispose();
    });
    for (const rule of ['gausslegendre', 'riemann_left', 'riemann_right', 'riemann_middle', 'riemann_trapezoid']) {
      it(`integrated gradients (${rule}), with the convergence delta`, async () => {
        const c = goldenCase(`mlp/ig_${rule}`);
        const model = native();
        const r = await new IntegratedGradients(model).attribute(mlpInputs(), { target: c.target as number[], integration: rule.replace('_', '-') as IntegrationMethod });
        assertClose(r.attributions, flat(c.output), 1e-4, c.id);
        r.convergenceDelta!.forEach((d, i) => assert.ok(Math.abs(d - c.convergence_delta![i]) < 1e-5));
        model.dispose();
      });
    }
  });

  it('is the default engine for the digit model, and agrees with the TF.js engine on every gradient method', async () => {
    const native = await loadModel('digits');
    const tfjs = await loadModel('digits', { engine: 'tfjs' });
    assert.match(native.info.engine, /native/);
    assert.deepEqual(native.info.layers.map((l) => l.name), tfjs.info.layers.map((l) => l.name));
    const images = readIdx('data/mnist/t10k-images-idx3-ubyte.gz');
    const x = { shape: [3, 28, 28, 1], data: Float32Array.from(images.data.subarray(0, 3 * 784), (v) => v / 255) };
    const runs: [string, (m: typeof native) => Promise<Float32Array>][] = [
      ['integrated-gradients', async (m) => (await new IntegratedGradients(m).attribute(x, { steps: 16 })).attributions],
      ['deeplift', async (m) => (await new DeepLift(m).attribute(x, { baselines: 0.1 })).attributions],
      ['grad-cam', async (m) => (await new GradCam(m).attribute(x, { layer: 'conv2', upsample: 'bilinear' })).attributions],
      ['guided-grad-cam', async (m) => (await new GuidedGradCam(m).attribute(x, { layer: 'conv2' })).attributions],
    ];
    for (const [name, run] of runs) {
      const [a, b] = [await run(native), await run(tfjs)];
      const scale = Math.max(...b.map(Math.abs));
      const worst = Math.max(...a.map((v, i) => Math.abs(v - b[i])));
      assert.ok(worst <= 1e-4 * scale, `${name}: max |native - tfjs| = ${worst} (scale ${scale})`);
    }
    native.dispose();
    tfjs.dispose();
  });

  describe('the real ONNX digit model (opset 7, CNTK export, batch fixed at 1)', () => {
    it('gives the reference logits', async () => {
      const model = await loadModel(MNIST_ONNX);
      const ref = JSON.parse(readFileSync('test/data/models/mnist-onnx/reference_outputs.json', 'utf8')) as { first_10_test_images: { index: number; logits: number[] }[] };
      const images = readIdx('data/mnist/t10k-images-idx3-ubyte.gz');
      const x = tf.tensor(Float32Array.from(images.data.subarray(0, 10 * 784), (v) => v / 255), [10, 1, 28, 28]);
      const out = await model.forward(x);
      const logits = out.arraySync() as number[][];
      ref.first_10_test_images.forEach((r) => assertClose(logits[r.index], r.logits, 1e-3, `image ${r.index}`));
      tf.dispose([x, out]);
      model.dispose();
    });

    it('runs saliency, IG (complete to within 1%) and Grad-CAM on an inner layer, on a batch', async () => {
      const model = await loadModel(MNIST_ONNX);
      assert.equal(model.info.preprocessing?.layout, 'NCHW');
      const images = readIdx('data/mnist/t10k-images-idx3-ubyte.gz');
      const x = { shape: [2, 1, 28, 28], data: Float32Array.from(images.data.subarray(0, 2 * 784), (v) => v / 255) };
      const s = await new Saliency(model).attribute(x);
      assert.deepEqual(s.target, [7, 2]);
      assert.ok(s.attributions.some((v) => v > 0));
      const ig = await new IntegratedGradients(model).attribute(x, { steps: 64 });
      const out = await model.forward(tf.tensor(x.data, x.shape));
      const fx = out.arraySync() as number[][];
      const zero = await model.forward(tf.zeros([1, 1, 28, 28]));
      const f0 = zero.arraySync() as number[][];
      [7, 2].forEach((t, row) => {
        const gap = fx[row][t] - f0[0][t];
        assert.ok(Math.abs(ig.convergenceDelta![row]) < 0.01 * Math.abs(gap), `row ${row}: delta ${ig.convergenceDelta![row]} of ${gap}`);
      });
      const layer = model.info.layers.find((l) => l.className === 'Relu' && l.outputShape[0] === 14)!.name;
      const cam = await new GradCam(model).attribute(x, { layer, upsample: 'bilinear', relu: true });
      assert.deepEqual(cam.shape, [2, 1, 28, 28]);
      assert.ok(cam.attributions.every((v) => v >= 0) && cam.attributions.some((v) => v > 0));
      await assert.rejects(new DeepLift(model).attribute(x), (e: Error) => /fixes its batch size at 1/.test(e.message));
      tf.dispose([out, zero]);
      model.dispose();
    });
  });

  it('refuses a truncated ONNX file clearly, and keeps working for other models', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'glassbox-native-'));
    const bytes = readFileSync(MNIST_ONNX);
    writeFileSync(join(dir, 'cut.onnx'), bytes.subarray(0, Math.floor(bytes.length / 2)));
    await assert.rejects(loadModel(join(dir, 'cut.onnx')), (e: Error) => e instanceof GlassboxError && /truncated|ends/.test(e.message) && /fix:/.test(e.message));
    const model = await loadModel(MNIST_ONNX);
    const out = await model.forward(tf.zeros([1, 1, 28, 28]));
    assert.deepEqual(out.shape, [1, 10]);
    out.dispose();
    model.dispose();
  });

  it('an ONNX model with an operator that has no backward rule still gets perturbation methods, and says so once', async () => {
    const graph = emptyGraph('floored', 13);
    graph.inputs.push({ name: 'x', dtype: 'float32', shape: ['N', 4] });
    const b = new GraphBuilder(graph);
    const w = b.constant({ dtype: 'float32', shape: [4, 3], data: Float32Array.from({ length: 12 }, (_, i) => (i % 5) - 2) }, 'w');
    const floored = b.op('Floor', [b.op('MatMul', ['x', w])]);
    graph.nodes.push({ op: 'Add', domain: '', name: 'out_node', inputs: [floored, b.scalar(0.5)], outputs: ['y'], attrs: {} });
    graph.outputs.push({ name: 'y', dtype: 'float32', shape: ['N', 3] });
    const dir = mkdtempSync(join(tmpdir(), 'glassbox-native-'));
    writeFileSync(join(dir, 'floored.onnx'), writeOnnx(graph));
    const lines: string[] = [];
    const model = await loadModel(join(dir, 'floored.onnx'), { log: (l) => lines.push(l) });
    assert.equal(lines.length, 1);
    assert.match(lines[0], /gradient methods are not available for .*floored\.onnx \(.*Floor.*\); perturbation methods/);
    const x = { shape: [2, 4], data: Float32Array.from([1, 2, 3, 4, -1, 0.5, 2, 0]) };
    await assert.rejects(new Saliency(model).attribute(x, { target: 0 }), (e: Error) => /Floor/.test(e.message) && /occlusion/.test(e.message));
    const fa = await new FeatureAblation(model).attribute(x, { target: 0 });
    assert.ok(fa.attributions.some((v) => v !== 0));
    model.dispose();
  });

  it('falls back to the TF.js engine, in one line, for a model it cannot convert; refuses when native is asked for', async () => {
    const net = tf.sequential();
    net.add(tf.layers.upSampling2d({ inputShape: [4, 4, 1], size: [2, 2] }));
    net.add(tf.layers.flatten());
    net.add(tf.layers.dense({ units: 3 }));
    const dir = mkdtempSync(join(tmpdir(), 'glassbox-native-'));
    await net.save(fileHandler(join(dir, 'model.json')));
    const lines: string[] = [];
    const model = await loadModel(join(dir, 'model.json'), { log: (l) => lines.push(l) });
    assert.equal(model.info.engine, 'tfjs-layers');
    assert.equal(lines.length, 1);
    assert.match(lines[0], /runs on the TF.js engine: the native engine cannot take it \(.*UpSampling2D/);
    await assert.rejects(loadModel(join(dir, 'model.json'), { engine: 'native' }), (e: Error) => e instanceof GlassboxError && /UpSampling2D/.test(e.message));
    model.dispose();
  });
});
