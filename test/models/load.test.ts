import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, writeFileSync, readFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { activeBackend, useBackend } from '../../src/backend.js';
import { loadModel } from '../../src/models/load.js';
import { fileHandler } from '../../src/models/tfjs-file-io.js';
import { FunctionModel } from '../../src/models/function.js';
import { Saliency } from '../../src/attribution/gradient/saliency.js';
import { IntegratedGradients } from '../../src/attribution/gradient/integrated-gradients.js';
import { GlassboxError, UsageError } from '../../src/errors.js';
import { assertClose, goldenCase, mlpFixture, referenceMlp } from '../helpers/mlp.js';
import { writeGraphMlp } from '../helpers/graph-fixture.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'glassbox-load-'));
const mlpInputs = { shape: [3, 4], data: Float32Array.from(mlpFixture.inputs.flat()) };

describe('loading models', () => {
  before(async () => useBackend('wasm'));

  it('loads the built-in digit model with its metadata', async () => {
    const model = await loadModel('digits');
    assert.deepEqual(model.info.inputShape, [28, 28, 1]);
    assert.equal(model.info.numOutputs, 10);
    assert.equal(model.info.classNames?.[3], '3');
    assert.equal(model.info.preprocessing?.layout, 'NHWC');
    assert.deepEqual(model.info.layers.map((l) => l.name), ['conv1', 'pool1', 'conv2', 'pool2', 'flatten', 'dense1', 'logits']);
    model.dispose();
  });

  it('round-trips a LayersModel through the file handler', async () => {
    const dir = tmp();
    const ref = referenceMlp();
    await ref.net.save(fileHandler(join(dir, 'model.json')));
    const loaded = await loadModel(join(dir, 'model.json'));
    const x = tf.tensor2d(mlpFixture.inputs);
    assertClose((await loaded.forward(x)).dataSync(), (await ref.forward(x)).dataSync(), 1e-6, 'logits');
    loaded.dispose();
  });

  it('runs a GraphModel: forward, saliency and layer gradients match the reference MLP', async () => {
    const graph = await loadModel(writeGraphMlp());
    assert.equal(graph.info.engine, 'tfjs-graph');
    const c = goldenCase('mlp/forward');
    const out = await graph.forward(tf.tensor2d(mlpFixture.inputs));
    assertClose(out.dataSync(), (c.output as number[][]).flat(), 1e-5, 'graph logits');
    const s = goldenCase('mlp/saliency');
    const r = await new Saliency(graph).attribute(mlpInputs, { abs: false, target: s.target as number[] });
    assertClose(r.attributions, (s.output as number[][]).flat(), 1e-4, 'graph saliency');
    // Layer gradients at the tanh node equal those of the same layer in the LayersModel.
    const target = { kind: 'index' as const, indices: new Int32Array([2, 0, 0]) };
    const x = tf.tensor2d(mlpFixture.inputs);
    const g = await graph.gradients(x, { target, layer: 'hidden' });
    const l = await referenceMlp().gradients(x, { target, layer: 'l1' });
    assertClose(g.layerActivations!.dataSync(), l.layerActivations!.dataSync(), 1e-5, 'activations');
    assertClose(g.layerGradients!.dataSync(), l.layerGradients!.dataSync(), 1e-5, 'layer gradients');
    graph.dispose();
  });

  it('explains a plain function model: IG completeness on f(x) = sum(x^2) per output', async () => {
    const model = new FunctionModel((x) => tf.stack([tf.sum(tf.square(x), 1), tf.sum(tf.mul(x, 3), 1)], 1), { inputShape: [4], numOutputs: 2 });
    const r = await new IntegratedGradients(model).attribute(mlpInputs, { target: 0, steps: 20 });
    // For f = sum x_i^2 from a zero baseline, IG gives exactly x_i^2 (the integrand is linear in alpha).
    assertClose(r.attributions, mlpFixture.inputs.flat().map((v) => v * v), 1e-5, 'x^2');
    await assert.rejects(model.gradients(tf.zeros([1, 4]), { target: { kind: 'index', indices: new Int32Array([0]) }, layer: 'x' }),
      (e: Error) => e instanceof UsageError && /no layer/.test(e.message));
  });

  it('falls back to cpu, with one line, when wasm lacks a kernel the model needs', async () => {
    await useBackend('wasm');
    const net = tf.sequential();
    net.add(tf.layers.depthwiseConv2d({ inputShape: [6, 6, 2], kernelSize: 3, depthMultiplier: 1 }));
    net.add(tf.layers.flatten());
    net.add(tf.layers.dense({ units: 2 }));
    const dir = tmp();
    await net.save(fileHandler(join(dir, 'model.json')));
    const lines: string[] = [];
    const model = await loadModel(join(dir, 'model.json'), { engine: 'tfjs', log: (l) => lines.push(l) });
    assert.equal(activeBackend(), 'cpu');
    assert.equal(lines.length, 1);
    assert.match(lines[0], /wasm backend lacks a kernel.*using the cpu backend/);
    const r = await new Saliency(model).attribute({ shape: [1, 6, 6, 2], data: new Float32Array(72).fill(0.5) });
    assert.equal(r.attributions.length, 72);
    model.dispose();
    await useBackend('wasm');
  });

  describe('bad model files get clear errors', () => {
    it('missing file', async () => {
      await assert.rejects(loadModel('/nonexistent/model.json'), (e: Error) => e instanceof UsageError && /model not found/.test(e.message) && /fix:/.test(e.message));
    });
    it('not JSON', async () => {
      const dir = tmp();
      writeFileSync(join(dir, 'model.json'), '{"modelTopology": {"class_name"');
      await assert.rejects(loadModel(join(dir, 'model.json')), (e: Error) => e instanceof GlassboxError && /not valid JSON/.test(e.message));
    });
    it('JSON that is not a model', async () => {
      const dir = tmp();
      writeFileSync(join(dir, 'model.json'), '{"hello": 1}');
      await assert.rejects(loadModel(join(dir, 'model.json')), (e: Error) => /no "modelTopology"/.test(e.message));
    });
    it('missing weights file', async () => {
      const dir = tmp();
      copyFileSync(new URL('../../models/digits/model.json', import.meta.url), join(dir, 'model.json'));
      await assert.rejects(loadModel(join(dir, 'model.json')), (e: Error) => /weight file .*weights.bin.* is missing/.test(e.message));
    });
    it('truncated weights file', async () => {
      const dir = tmp();
      copyFileSync(new URL('../../models/digits/model.json', import.meta.url), join(dir, 'model.json'));
      const weights = readFileSync(new URL('../../models/digits/weights.bin', import.meta.url));
      writeFileSync(join(dir, 'weights.bin'), weights.subarray(0, 1000));
      await assert.rejects(loadModel(join(dir, 'model.json')), (e: Error) => /truncated/.test(e.message));
    });
    it('corrupt topology', async () => {
      const dir = tmp();
      const json = JSON.parse(readFileSync(new URL('../../models/digits/model.json', import.meta.url), 'utf8'));
      json.modelTopology.config.layers[0].class_name = 'NoSuchLayer';
      writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
      copyFileSync(new URL('../../models/digits/weights.bin', import.meta.url), join(dir, 'weights.bin'));
      await assert.rejects(loadModel(join(dir, 'model.json')), (e: Error) => e instanceof GlassboxError && /cannot load model/.test(e.message) && /export it again/.test(e.message));
    });
  });
});
