import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../src/backend.js';
import { UsageError } from '../../src/errors.js';
import { prepareInputs, resolveBaseline } from '../../src/attribution/base.js';
import { TfjsLayersModel } from '../../src/models/tfjs-layers.js';
import {
  blockMask, elementMask, FeatureAblation, groupMask, imageGeometry, pixelMask,
} from '../../src/attribution/perturbation/feature-ablation.js';
import { Occlusion } from '../../src/attribution/perturbation/occlusion.js';
import { assertClose, goldenCase, mlpFixture, referenceMlp } from '../helpers/mlp.js';

const mlpInputs = () => ({ shape: [3, 4], data: Float32Array.from(mlpFixture.inputs.flat()) });

/** f(x) = sum_ij w_ij x_ij on a 3x3x1 input, two outputs (the second is -f). */
function linearModel(weights: number[]): TfjsLayersModel {
  const net = tf.sequential();
  net.add(tf.layers.flatten({ inputShape: [3, 3, 1] }));
  net.add(tf.layers.dense({ units: 2, useBias: false }));
  net.layers[1].setWeights([tf.tensor2d(weights.map((w) => [w, -w]))]);
  return new TfjsLayersModel(net, { name: 'linear' });
}

function smallConvNet(): TfjsLayersModel {
  const net = tf.sequential();
  net.add(tf.layers.conv2d({ inputShape: [5, 5, 2], filters: 3, kernelSize: 3, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }), biasInitializer: 'ones' }));
  net.add(tf.layers.flatten());
  net.add(tf.layers.dense({ units: 4, kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }));
  return new TfjsLayersModel(net, { name: 'conv' });
}

const ones3x3 = () => ({ shape: [1, 3, 3, 1], data: new Float32Array(9).fill(1) });
const W = [1, 2, 3, 4, 5, 6, 7, 8, 9];

describe('feature ablation', () => {
  before(async () => useBackend('wasm'));

  it('matches Captum 0.8 on the MLP (per-element features, zero baseline), in chunks of 5', async () => {
    const c = goldenCase('mlp/feature_ablation');
    const progress: [number, number][] = [];
    const r = await new FeatureAblation(referenceMlp()).attribute(mlpInputs(), {
      target: c.target as number[], internalBatchSize: 5, onProgress: (d, t) => progress.push([d, t]),
    });
    assertClose(r.attributions, (c.output as number[][]).flat(), 1e-4, c.id);
    assert.deepEqual(r.shape, [3, 4]);
    // 3 base evaluations + 12 ablations; 3 chunks of at most 5.
    assert.deepEqual(progress, [[3, 15], [8, 15], [13, 15], [15, 15]]);
    assert.equal(r.params.evaluations, 12);
  });

  it('gives every element of a group f(x) - f(x with the group at the baseline)', async () => {
    const model = referenceMlp();
    const x = tf.tensor2d([mlpFixture.inputs[0]]);
    const baseline = [0.5, -1, 2, 0.25];
    const r = await new FeatureAblation(model).attribute(x, {
      target: 1, featureMask: [7, 3, 7, 3], baselines: { shape: [4], data: Float32Array.from(baseline) },
    });
    const f = async (row: number[]) => {
      const x = tf.tensor2d([row]);
      const out = await model.forward(x);
      const value = out.dataSync()[1];
      tf.dispose([x, out]);
      return value;
    };
    const fx = await f(mlpFixture.inputs[0]);
    const [a, b, c2, d] = mlpFixture.inputs[0];
    const drop7 = fx - await f([baseline[0], b, baseline[2], d]);
    const drop3 = fx - await f([a, baseline[1], c2, baseline[3]]);
    assertClose(r.attributions, [drop7, drop3, drop7, drop3], 1e-5, 'grouped');
    assert.equal(r.params.featureMask, '2 features');
    x.dispose();
  });

  it('takes one mask per row', async () => {
    const model = referenceMlp();
    const perRow = [0, 0, 0, 0, /* row 1: per element */ 0, 1, 2, 3, /* row 2 */ 5, 5, 9, 9];
    const r = await new FeatureAblation(model).attribute(mlpInputs(), { target: 0, featureMask: perRow, internalBatchSize: 4 });
    const single = await new FeatureAblation(model).attribute(mlpInputs(), { target: 0 });
    const all = await new FeatureAblation(model).attribute(mlpInputs(), { target: 0, featureMask: [0, 0, 0, 0] });
    const pairs = await new FeatureAblation(model).attribute(mlpInputs(), { target: 0, featureMask: [5, 5, 9, 9] });
    assertClose(r.attributions.subarray(0, 4), all.attributions.subarray(0, 4), 1e-6, 'row 0');
    assertClose(r.attributions.subarray(4, 8), single.attributions.subarray(4, 8), 1e-6, 'row 1');
    assertClose(r.attributions.subarray(8, 12), pairs.attributions.subarray(8, 12), 1e-6, 'row 2');
    assert.equal(r.params.evaluations, 1 + 4 + 2);
  });

  it('leaves the tensor count flat', async () => {
    const model = referenceMlp();
    const grown = async (run: () => unknown) => {
      await run();
      const start = tf.memory().numTensors;
      for (let i = 0; i < 5; i++) await run();
      return tf.memory().numTensors - start;
    };
    assert.equal(await grown(() => new FeatureAblation(model).attribute(mlpInputs(), { internalBatchSize: 5 })), 0);
    assert.equal(await grown(() => new FeatureAblation(model).attribute(mlpInputs(), { featureMask: [0, 1, 0, 1, 2, 2, 2, 2, 0, 1, 2, 3], target: 1 })), 0);
    const baselines = { shape: [4], data: new Float32Array([0, 1, 2, 3]) };
    assert.equal(await grown(() => new Occlusion(model).attribute(mlpInputs(), { window: [2], strides: 1, internalBatchSize: 2, baselines })), 0);
  });

  it('refuses bad masks with a message saying what to give', async () => {
    const method = new FeatureAblation(referenceMlp());
    await assert.rejects(method.attribute(mlpInputs(), { featureMask: [0, 1, 2] }),
      (e: Error) => e instanceof UsageError && /featureMask has 3 values, but input rows have shape \[4\] \(4 values\) and there are 3 rows/.test(e.message)
        && /one feature id per element of a row \(4 values\), or per element of every row \(12\)/.test(e.message));
    await assert.rejects(method.attribute(mlpInputs(), { featureMask: [0, 1.5, 2, 3] }),
      (e: Error) => e instanceof UsageError && /featureMask value 1.5 at index 1 is not an integer/.test(e.message));
  });
});

describe('feature mask builders', () => {
  it('reads NHWC, NCHW and channel-less image rows', () => {
    const nhwc = imageGeometry([4, 5, 3]);
    assert.deepEqual([nhwc.height, nhwc.width, nhwc.channels, nhwc.index(1, 2, 1)], [4, 5, 3, (1 * 5 + 2) * 3 + 1]);
    const nchw = imageGeometry([3, 4, 5]);
    assert.deepEqual([nchw.height, nchw.width, nchw.channels, nchw.index(1, 2, 1)], [4, 5, 3, (1 * 4 + 1) * 5 + 2]);
    assert.equal(imageGeometry([4, 5]).channels, 1);
    assert.throws(() => imageGeometry([5, 6, 7]), /cannot tell which axis of \[5, 6, 7\] holds the channels[\s\S]*NHWC/);
    assert.throws(() => imageGeometry([10]), /\[H, W\], \[H, W, C\] or \[C, H, W\]/);
  });

  it('builds pixel, block and group masks shared by all channels', () => {
    assert.deepEqual([...elementMask([2, 2])], [0, 1, 2, 3]);
    assert.deepEqual([...pixelMask([2, 2, 2], 'NHWC')], [0, 0, 1, 1, 2, 2, 3, 3]);
    assert.deepEqual([...pixelMask([2, 2, 2], 'NCHW')], [0, 1, 2, 3, 0, 1, 2, 3]);
    // 3x5 in blocks of 2: a 2 x 3 grid of blocks, cut short at the right and bottom.
    assert.deepEqual([...blockMask([3, 5, 1], 2)], [0, 0, 1, 1, 2, 0, 0, 1, 1, 2, 3, 3, 4, 4, 5]);
    assert.deepEqual([...groupMask([4, 4, 9, 9], [2, 2, 3])], [4, 4, 4, 4, 4, 4, 9, 9, 9, 9, 9, 9]);
    assert.throws(() => groupMask([1, 2, 3], [2, 2, 3]), /label map has 3 values, but the image is 2 x 2 \(4 pixels\)/);
    assert.throws(() => blockMask([4, 4, 1], 0), /block size must be a positive integer/);
  });
});

describe('occlusion', () => {
  before(async () => useBackend('wasm'));

  it('with a one-element window and stride 1 equals per-element feature ablation exactly (conv net)', async () => {
    const model = smallConvNet();
    const x = tf.randomUniform([2, 5, 5, 2], -1, 1, 'float32', 7);
    const occ = await new Occlusion(model).attribute(x, { window: [1, 1, 1], target: [1, 3], internalBatchSize: 16, baselines: 0.3 });
    const abl = await new FeatureAblation(model).attribute(x, { target: [1, 3], internalBatchSize: 16, baselines: 0.3 });
    assert.deepEqual(occ.shape, [2, 5, 5, 2]);
    assert.deepEqual(Array.from(occ.attributions), Array.from(abl.attributions));
    assert.ok(occ.attributions.some((v) => Math.abs(v) > 1e-3), 'attributions are not all zero');
    x.dispose();
  });

  it('averages 2x2 windows (stride 1) over the windows covering each element: closed form on a linear model', async () => {
    // x = 1 everywhere, f = sum w x, baseline 0: a window's drop is the sum of the weights it covers.
    // Windows: top-left 1+2+4+5 = 12, top-right 16, bottom-left 24, bottom-right 28.
    const r = await new Occlusion(linearModel(W)).attribute(ones3x3(), { window: [2, 2, 1], target: 0, internalBatchSize: 3 });
    assertClose(r.attributions, [
      12, (12 + 16) / 2, 16,
      (12 + 24) / 2, (12 + 16 + 24 + 28) / 4, (16 + 28) / 2,
      24, (24 + 28) / 2, 28,
    ], 1e-6, 'stride 1');
    assert.equal(r.params.evaluations, 4);
    // The second output is -f, so its attributions are negated.
    const neg = await new Occlusion(linearModel(W)).attribute(ones3x3(), { window: [2, 2, 1], target: 1 });
    assertClose(neg.attributions, Array.from(r.attributions, (v) => -v), 1e-6, 'negated');
  });

  it('with stride 2 places windows like Captum: offsets 0 and 2, the last cut at the edge', async () => {
    // Windows cover {1,2,4,5} = 12, {3,6} = 9, {7,8} = 15, {9} = 9; each element once.
    const r = await new Occlusion(linearModel(W)).attribute(ones3x3(), { window: [2, 2, 1], strides: [2, 2, 1], target: 0 });
    assertClose(r.attributions, [12, 12, 9, 12, 12, 9, 15, 15, 9], 1e-6, 'stride 2');
    assert.equal(r.params.evaluations, 4);
  });

  it('gives 0 to elements no window covers when the stride exceeds the window', async () => {
    const progress: number[] = [];
    const r = await new Occlusion(linearModel(W)).attribute(ones3x3(), {
      window: [1, 1, 1], strides: [2, 2, 1], target: 0, onProgress: (d) => progress.push(d),
    });
    assertClose(r.attributions, [1, 0, 3, 0, 0, 0, 7, 0, 9], 1e-6, 'gaps');
    assert.deepEqual(progress, [1, 5]);
  });

  it('refuses windows and strides that do not fit the input', async () => {
    const occ = new Occlusion(linearModel(W));
    await assert.rejects(occ.attribute(ones3x3(), { window: [2, 2] }),
      (e: Error) => e instanceof UsageError && /window has 2 sizes \(\[2, 2\]\), but input rows have 3 dimensions \[3, 3, 1\]/.test(e.message));
    await assert.rejects(occ.attribute(ones3x3(), { window: [4, 2, 1] }),
      /window \[4, 2, 1\] does not fit input rows \[3, 3, 1\]: size 4 exceeds 3 in dimension 0/);
    await assert.rejects(occ.attribute(ones3x3(), { window: [2, 0, 1] }), /window size 0 \(dimension 1\) is not a positive integer/);
    await assert.rejects(occ.attribute(ones3x3(), { window: [2, 2, 1], strides: [1, 1] }), /strides \[1, 1\] have 2 values, but input rows have 3 dimensions/);
    await assert.rejects(occ.attribute(ones3x3(), { window: [2, 2, 1], strides: 0 }), /stride 0 \(dimension 0\) is not a positive integer/);
    await assert.rejects(occ.attribute(ones3x3(), {} as never), /occlusion window has undefined/);
  });
});
