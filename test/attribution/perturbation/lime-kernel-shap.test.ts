import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../../src/backend.js';
import { UsageError } from '../../../src/errors.js';
import { loadModel } from '../../../src/models/load.js';
import type { Model } from '../../../src/models/model.js';
import { TfjsLayersModel } from '../../../src/models/tfjs-layers.js';
import { FunctionModel } from '../../../src/models/function.js';
import { DEFAULT_IMAGE_PREPROCESSING } from '../../../src/models/preprocessing.js';
import { loadInput } from '../../../src/io/load-input.js';
import { blockMask } from '../../../src/attribution/perturbation/feature-ablation.js';
import { KernelShapImage } from '../../../src/attribution/perturbation/kernel-shap.js';
import { Lime } from '../../../src/attribution/perturbation/lime.js';
import { segmentRows } from '../../../src/attribution/perturbation/segment-game.js';
import { ShapleyValues } from '../../../src/attribution/perturbation/shapley-values.js';

/** f(x) = sum_i w_i x_i on a 6x6x1 input; output 1 is -f. */
function linearModel(weights: number[]): TfjsLayersModel {
  const net = tf.sequential();
  net.add(tf.layers.flatten({ inputShape: [6, 6, 1] }));
  net.add(tf.layers.dense({ units: 2, useBias: false }));
  net.layers[1].setWeights([tf.tensor2d(weights.map((w) => [w, -w]))]);
  return new TfjsLayersModel(net, { name: 'linear' });
}

/** A small ReLU conv net: interactions between segments, so Shapley values are not just ablations. */
function convNet(): TfjsLayersModel {
  const net = tf.sequential();
  net.add(tf.layers.conv2d({ inputShape: [6, 6, 2], filters: 3, kernelSize: 3, activation: 'relu',
    kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }), biasInitializer: 'ones' }));
  net.add(tf.layers.flatten());
  net.add(tf.layers.dense({ units: 3, activation: 'tanh', kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }));
  return new TfjsLayersModel(net, { name: 'conv' });
}

const W = Array.from({ length: 36 }, (_, i) => Math.sin(1.7 * i + 0.3) * (1 + (i % 5)));
const X = Array.from({ length: 36 }, (_, i) => Math.cos(0.9 * i) + 0.5);
const input = (rows = 1) => ({ shape: [rows, 6, 6, 1], data: Float32Array.from({ length: rows * 36 }, (_, k) => X[k % 36] * (1 + Math.floor(k / 36))) });

/** Segment effects of the linear model with absent segments at `hidden`: sum over the segment of w_i (x_i - hidden_i). */
function effects(mask: Int32Array, x: number[], hidden: (i: number) => number): Map<number, number> {
  const e = new Map<number, number>();
  mask.forEach((id, i) => e.set(id, (e.get(id) ?? 0) + W[i] * (x[i] - hidden(i))));
  return e;
}

/** The value of each segment (the attribution of its first element), in order of segment ids. */
function perSegment(attributions: Float32Array, mask: Int32Array, offset = 0): Map<number, number> {
  const out = new Map<number, number>();
  mask.forEach((id, i) => { if (!out.has(id)) out.set(id, attributions[offset + i]); });
  return out;
}

describe('kernel-shap on tensors (KernelShapImage)', () => {
  before(async () => useBackend('wasm'));

  it('recovers the segment effects of a linear model exactly, from sampled coalitions (9 segments, 60 of 510 coalitions)', async () => {
    const mask = blockMask([6, 6, 1], 2);
    const r = await new KernelShapImage(linearModel(W)).attribute(input(), { featureMask: mask, samples: 60, target: 0, seed: 3 });
    const expected = effects(mask, X, () => 0);
    for (const [id, phi] of perSegment(r.attributions, mask)) assert.ok(Math.abs(phi - expected.get(id)!) < 1e-4, `segment ${id}: ${phi} vs ${expected.get(id)}`);
    assert.deepEqual(r.params.exact, [false]);
    assert.ok(Math.abs(r.convergenceDelta![0]) < 1e-4);
  });

  it('with every coalition evaluated, equals the exact Shapley values (ShapleyValues) of a nonlinear conv net, per row and target', async () => {
    const model = convNet();
    const mask = blockMask([6, 6, 2], 3, 'NHWC'); // 4 segments: 'auto' evaluates all 14 proper coalitions
    const x = { shape: [2, 6, 6, 2], data: Float32Array.from({ length: 144 }, (_, i) => Math.sin(0.37 * i) + 0.2) };
    const baselines = 0.1;
    const ks = await new KernelShapImage(model).attribute(x, { featureMask: mask, baselines, target: [0, 2] });
    const exact = await new ShapleyValues(model).attribute(x, { featureMask: mask, baselines, target: [0, 2] });
    assert.deepEqual(ks.params.exact, [true, true]);
    let spread = 0;
    for (let i = 0; i < ks.attributions.length; i++) {
      assert.ok(Math.abs(ks.attributions[i] - exact.attributions[i]) < 1e-5, `element ${i}: ${ks.attributions[i]} vs ${exact.attributions[i]}`);
      spread = Math.max(spread, Math.abs(exact.attributions[i]));
    }
    assert.ok(spread > 1e-2, 'the values are not all near zero');
    // Same segments, baseline and values: the efficiency gaps agree too.
    for (let b = 0; b < 2; b++) assert.ok(Math.abs(ks.convergenceDelta![b]) < 1e-5);
  });

  it('segment-mean absence, per-row feature masks and a second target', async () => {
    const maskA = blockMask([6, 6, 1], 3);
    const maskB = Int32Array.from({ length: 36 }, (_, i) => (i < 18 ? 5 : 9)); // top and bottom halves
    const perRow = Int32Array.from([...maskA, ...maskB]);
    const x = input(2);
    const r = await new KernelShapImage(linearModel(W)).attribute(x, { featureMask: perRow, baselines: 'segment-mean', target: [0, 1] });
    const rowX = (b: number) => Array.from(x.data.subarray(b * 36, (b + 1) * 36));
    const meanOf = (mask: Int32Array, xs: number[]) => (i: number) => {
      const members = xs.filter((_, j) => mask[j] === mask[i]);
      return members.reduce((s, v) => s + v, 0) / members.length;
    };
    const e0 = effects(maskA, rowX(0), meanOf(maskA, rowX(0)));
    for (const [id, phi] of perSegment(r.attributions, maskA)) assert.ok(Math.abs(phi - e0.get(id)!) < 1e-4);
    const e1 = effects(maskB, rowX(1), meanOf(maskB, rowX(1)));
    for (const [id, phi] of perSegment(r.attributions, maskB, 36)) assert.ok(Math.abs(phi + e1.get(id)!) < 1e-4, 'target 1 is -f');
    assert.deepEqual(r.params.segments, [4, 2]);
    assert.equal(r.params.baselines, 'segment-mean');
  });

  it('reads NCHW models through their layout: the same SLIC segments and values per pixel as the NHWC twin', async () => {
    // An RGB 6 x 6 picture of four coloured quadrants and a linear model over it, once channels-last and once channels-first.
    const w = Array.from({ length: 108 }, (_, i) => Math.sin(0.7 * i) + 0.2);
    const colours = [[0.9, 0.1, 0.1], [0.1, 0.9, 0.1], [0.1, 0.1, 0.9], [0.9, 0.9, 0.1]];
    const hwc = Float32Array.from({ length: 108 }, (_, i) => {
      const y = Math.floor(i / 18);
      const x = Math.floor(i / 3) % 6;
      return colours[(y < 3 ? 0 : 2) + (x < 3 ? 0 : 1)][i % 3] + 0.02 * Math.sin(i);
    });
    const chw = new Float32Array(108);
    const wChw = new Array<number>(108);
    for (let y = 0; y < 6; y++) for (let x = 0; x < 6; x++) for (let c = 0; c < 3; c++) {
      chw[(c * 6 + y) * 6 + x] = hwc[(y * 6 + x) * 3 + c];
      wChw[(c * 6 + y) * 6 + x] = w[(y * 6 + x) * 3 + c];
    }
    const linear = (weights: number[], inputShape: number[], layout: 'NHWC' | 'NCHW') => new FunctionModel(
      (t) => tf.matMul(t.reshape([-1, 108]), tf.tensor2d(weights, [108, 1])), {
        inputShape, numOutputs: 1, name: layout,
        preprocessing: { layout, width: 6, height: 6, channels: 3, ...DEFAULT_IMAGE_PREPROCESSING },
      });
    const options = { slic: { nSegments: 4 }, target: 0, baselines: 'segment-mean' as const };
    const a = await new KernelShapImage(linear(w, [6, 6, 3], 'NHWC')).attribute({ shape: [1, 6, 6, 3], data: hwc }, options);
    const b = await new KernelShapImage(linear(wChw, [3, 6, 6], 'NCHW')).attribute({ shape: [1, 3, 6, 6], data: chw }, options);
    assert.deepEqual(a.params.segments, b.params.segments);
    assert.deepEqual(a.params.segments, [4], 'one superpixel per quadrant');
    for (let y = 0; y < 6; y++) for (let x = 0; x < 6; x++) for (let c = 0; c < 3; c++) {
      assert.ok(Math.abs(a.attributions[(y * 6 + x) * 3 + c] - b.attributions[(c * 6 + y) * 6 + x]) < 1e-5, `pixel ${y},${x} channel ${c}`);
      assert.equal(a.attributions[(y * 6 + x) * 3 + c], a.attributions[(y * 6 + x) * 3], 'a pixel\'s channels share its segment');
    }
  });

  it('refuses inputs it cannot segment, with a fix', async () => {
    const flat = tf.sequential();
    flat.add(tf.layers.dense({ inputShape: [5], units: 2 }));
    const model = new TfjsLayersModel(flat, { name: 'flat' });
    await assert.rejects(new KernelShapImage(model).attribute({ shape: [1, 5], data: new Float32Array(5) }),
      (e: unknown) => e instanceof UsageError && /SLIC superpixels need image inputs/.test(e.message) && /featureMask/.test(e.hint ?? ''));
    await assert.rejects(new Lime(model).attribute({ shape: [1, 5], data: new Float32Array(5) }, { featureMask: [0, 1] }),
      (e: unknown) => e instanceof UsageError && /featureMask has 2 values/.test(e.message));
    // With a featureMask any shape works.
    const r = await new KernelShapImage(model).attribute({ shape: [1, 5], data: Float32Array.of(1, 2, 3, 4, 5) }, { featureMask: [0, 0, 1, 1, 2], target: 0 });
    assert.equal(r.attributions.length, 5);
  });
});

describe('lime on tensors (Lime)', () => {
  before(async () => useBackend('wasm'));

  it('recovers the segment effects of a linear model (9 segments, zero baseline), within 2% of the largest', async () => {
    const mask = blockMask([6, 6, 1], 2);
    const r = await new Lime(linearModel(W)).attribute(input(), { featureMask: mask, baselines: 0, samples: 1000, target: 0 });
    const expected = effects(mask, X, () => 0);
    const largest = Math.max(...[...expected.values()].map(Math.abs));
    for (const [id, w] of perSegment(r.attributions, mask)) {
      assert.ok(Math.abs(w - expected.get(id)!) < 0.02 * largest, `segment ${id}: ${w} vs ${expected.get(id)}`);
    }
    // A linear game is fit almost perfectly; the ridge only shrinks a little.
    assert.ok((r.params.score as number[])[0] > 0.99);
    assert.equal(r.convergenceDelta, undefined);
  });

  it('is reproducible by seed, and another seed gives other samples', async () => {
    const model = convNet();
    const x = { shape: [1, 6, 6, 2], data: Float32Array.from({ length: 72 }, (_, i) => Math.sin(0.37 * i) + 0.2) };
    const options = { featureMask: blockMask([6, 6, 2], 2, 'NHWC'), samples: 200, target: 1 };
    const a = await new Lime(model).attribute(x, { ...options, seed: 5 });
    const b = await new Lime(model).attribute(x, { ...options, seed: 5 });
    const c = await new Lime(model).attribute(x, { ...options, seed: 6 });
    assert.deepEqual(a.attributions, b.attributions);
    assert.notDeepEqual(a.attributions, c.attributions);
  });
});

describe('lime and kernel-shap on the digit CNN (SLIC superpixels)', () => {
  let model: Model;
  let seven: { shape: number[]; data: Float32Array };
  before(async () => {
    await useBackend('wasm');
    model = await loadModel('digits');
    const t = (await loadInput('samples/digits/digit-7.png', model.info)).tensor;
    seven = { shape: [...t.shape], data: Float32Array.from(t.dataSync()) };
    t.dispose();
  });

  const score = async (data: Float32Array, target: number) => {
    const out = await model.forward(tf.tensor(data, [1, 28, 28, 1]));
    const v = (await out.data())[target];
    out.dispose();
    return v;
  };

  /** The image with the given segments painted by `hidden` (0, or the segment mean). */
  const hide = (segments: Int32Array, which: Set<number>, hidden: Float32Array) =>
    Float32Array.from(seven.data, (v, i) => (which.has(segments[i]) ? hidden[i] : v));

  const segmentValues = (attributions: Float32Array, segments: Int32Array, count: number) => {
    const values = new Array<number>(count).fill(0);
    segments.forEach((s, i) => { values[s] = attributions[i]; });
    return values;
  };

  it('kernel-shap: segment values sum to f(x) - f(black image), and hiding the top 3 segments costs more than the bottom 3', async () => {
    const [seg] = segmentRows(seven.data, 1, [28, 28, 1], {}, 'NHWC');
    const r = await new KernelShapImage(model).attribute(seven, { target: 7 });
    assert.equal((r.params.segments as number[])[0], seg.count);
    const values = segmentValues(r.attributions, seg.segmentOfValue, seg.count);
    const fx = await score(seven.data, 7);
    const f0 = await score(new Float32Array(784), 7);
    const sum = values.reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(sum - (fx - f0)) < 1e-3 * Math.abs(fx - f0), `sum ${sum} vs f(x) - f(0) = ${fx - f0}`);
    assert.ok(Math.abs(r.convergenceDelta![0]) < 1e-3);
    const order = values.map((v, s) => [v, s]).sort((a, b) => b[0] - a[0]).map(([, s]) => s);
    const zeros = new Float32Array(784);
    const top = await score(hide(seg.segmentOfValue, new Set(order.slice(0, 3)), zeros), 7);
    const bottom = await score(hide(seg.segmentOfValue, new Set(order.slice(-3)), zeros), 7);
    assert.ok(top < fx - 0.2 * (fx - f0), `hiding the top segments: ${fx} -> ${top}`);
    assert.ok(top < bottom, `top 3 hidden ${top}, bottom 3 hidden ${bottom}`);
  });

  it('lime: hiding the top 3 segments (with their mean colour, as sampled) lowers the class score more than the bottom 3', async () => {
    const [seg] = segmentRows(seven.data, 1, [28, 28, 1], {}, 'NHWC');
    const r = await new Lime(model).attribute(seven, { target: 7, seed: 1 });
    const values = segmentValues(r.attributions, seg.segmentOfValue, seg.count);
    const means = new Float32Array(784);
    for (let s = 0; s < seg.count; s++) {
      const idx = [...seg.segmentOfValue.keys()].filter((i) => seg.segmentOfValue[i] === s);
      const mean = idx.reduce((a, i) => a + seven.data[i], 0) / idx.length;
      for (const i of idx) means[i] = mean;
    }
    const order = values.map((v, s) => [v, s]).sort((a, b) => b[0] - a[0]).map(([, s]) => s);
    const fx = await score(seven.data, 7);
    const top = await score(hide(seg.segmentOfValue, new Set(order.slice(0, 3)), means), 7);
    const bottom = await score(hide(seg.segmentOfValue, new Set(order.slice(-3)), means), 7);
    assert.ok(top < fx, `hiding the top segments: ${fx} -> ${top}`);
    assert.ok(top < bottom, `top 3 hidden ${top}, bottom 3 hidden ${bottom}`);
    assert.ok((r.params.score as number[])[0] > 0.5, 'the surrogate explains most of the sampled variation');
  });
});
