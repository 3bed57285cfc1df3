import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../../src/backend.js';
import { UsageError } from '../../../src/errors.js';
import { testDigits } from '../../helpers/mnist.js';
import { loadModel } from '../../../src/models/load.js';
import type { Model } from '../../../src/models/model.js';
import type { MetricResultData } from '../../../src/metrics/metric.js';
import { spearmanCorrelation } from '../../../src/metrics/similarity/index.js';
import { ModelParameterRandomisation } from '../../../src/metrics/randomisation/model-parameter-randomisation.js';
import type { EvaluationSubject } from '../../../src/metrics/subject.js';
import { createImageSubject, type ImageSubject } from '../../../src/metrics/subjects/image.js';

const ROWS = 8;
const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
const column = (r: MetricResultData, k: number) => r.curves!.y.map((row) => row[k]);
const means = (r: MetricResultData, measure: string) => (r.details!.means as Record<string, number[]>)[measure];

describe('model parameter randomisation test on the digit CNN', () => {
  let native: Model;
  let x: { shape: number[]; data: Float32Array };
  const metric = new ModelParameterRandomisation();
  let signedGradient: MetricResultData | undefined;
  before(async () => {
    await useBackend('wasm');
    native = await loadModel('digits');
    x = testDigits(ROWS).inputs;
  });
  after(() => native.dispose());

  it('cascading: the gradient falls to zero similarity as layers are randomised, while the edge-detector control (which ignores the model) stays at 1 at every step', async () => {
    // Signed gradients compared signed, as in Adebayo et al.'s "rank correlation (no abs)".
    const gradient = await createImageSubject(native, x, 'saliency', { methodOptions: { abs: false } });
    const edges = await createImageSubject(native, x, 'edge-detector');
    const stages = new Set<string>();
    let last = 0;
    gradient.onProgress = (done, total, stage) => {
      assert.ok(done >= last && done <= total, `progress ${done} / ${total}`);
      last = done;
      stages.add(stage ?? '');
    };
    const g = await metric.evaluate(gradient, { seed: 1, absolute: false });
    signedGradient = g;
    const e = await metric.evaluate(edges, { seed: 1 });
    assert.deepEqual(g.curves!.x, ['original', 'logits', 'dense1', 'conv2', 'conv1']);
    assert.deepEqual([...stages], ['randomisation: original model', 'randomisation: down to logits', 'randomisation: down to dense1',
      'randomisation: down to conv2', 'randomisation: down to conv1']);
    assert.equal(last, 5 * ROWS);
    // Re-explaining with the unchanged model reproduces the original map.
    assert.ok(column(g, 0).every((v) => v > 0.999), `original: ${column(g, 0)}`);
    const steps = g.curves!.x.map((_, k) => mean(column(g, k)));
    assert.ok(steps.slice(1).every((v) => Math.abs(v) < 0.3), `gradient: mean Spearman per step ${steps.map((v) => v.toFixed(3))}`);
    assert.deepEqual(g.scores, column(g, 4));
    assert.equal(g.higherIsBetter, false);
    assert.ok(means(g, 'ssim')[0] > 0.999 && means(g, 'ssim')[4] < 0.2, `gradient SSIM ${means(g, 'ssim')}`);
    assert.ok(means(g, 'hog')[0] > 0.999 && means(g, 'hog')[4] < 0.6, `gradient HOG ${means(g, 'hog')}`);
    // The control: its map is a function of the input alone, so every step leaves it exactly as it was.
    for (let k = 0; k < 5; k++) assert.ok(column(e, k).every((v) => v > 0.9), `edge detector at step ${k}: ${column(e, k)}`);
    assert.ok(e.scores.every((v) => Math.abs(v - 1) < 1e-12));
    for (const m of ['spearman', 'ssim', 'hog']) assert.ok(means(e, m).every((v) => v > 0.999), `edge detector ${m}: ${means(e, m)}`);
    // The picture's data: the first two rows' maps per step, the original map first, and the input.
    const examples = g.details!.examples as { row: number; steps: string[]; maps: number[][]; featureShape: number[]; input: number[] }[];
    assert.equal(examples.length, 2);
    assert.deepEqual(examples[1].featureShape, [28, 28]);
    assert.equal(examples[1].maps.length, 5);
    assert.deepEqual(examples[1].maps[0], Array.from(gradient.attribution(1)));
    assert.deepEqual(examples[1].input, Array.from(gradient.input(1)));
    assert.ok(JSON.parse(JSON.stringify(g)).scores.every((v: unknown) => typeof v === 'number'));
  });

  it('|gradient| keeps a rank similarity of about 0.6, much of it from the 108 pixels the CNN never reads; SSIM falls', async () => {
    const saliency = await createImageSubject(native, x, 'saliency');
    const s = await metric.evaluate(saliency, { seed: 1 });
    const steps = s.curves!.x.map((_, k) => mean(column(s, k)));
    assert.ok(steps[0] > 0.999 && steps[4] < 0.8, `|gradient| Spearman per step ${steps.map((v) => v.toFixed(3))}`);
    assert.ok(means(s, 'ssim')[4] < 0.3, `|gradient| SSIM ${means(s, 'ssim')}`);
    // The signed run's absolute Spearman (kept in its details) is this run's Spearman: |gradient| is saliency.
    means(signedGradient!, 'spearman-absolute').forEach((v, k) => assert.ok(Math.abs(v - steps[k]) < 1e-12, `step ${k}: ${v} vs ${steps[k]}`));
    // Valid 3x3 convolutions and floor pooling (28 -> 26 -> 13 -> 11 -> 5) never read the last two rows and
    // columns: those 108 pixels have zero gradient under every weight setting, tie at the bottom of both
    // rankings, and carry much of the similarity. Over the pixels the model reads, less remains (the ReLU
    // pattern of the input still shapes the gradient of a random network).
    const read = Array.from({ length: 784 }, (_, i) => i).filter((i) => Math.floor(i / 28) < 26 && i % 28 < 26);
    const examples = s.details!.examples as { maps: number[][] }[];
    examples.forEach(({ maps }, row) => {
      const unread = maps.every((m) => m.every((v, i) => v === 0 || (Math.floor(i / 28) < 26 && i % 28 < 26)));
      assert.ok(unread, 'every map is zero on the unread pixels');
      const rho = spearmanCorrelation(read.map((i) => maps[0][i]), read.map((i) => maps[4][i]));
      assert.ok(rho < 0.5 && rho < s.scores[row] - 0.1, `|gradient| Spearman after all layers over the read pixels ${rho}, over all ${s.scores[row]}`);
    });
  });

  it('input x gradient: its absolute map stays rank-similar (the input\'s zero background zeroes it under any model), its signed map does not; independent mode randomises one layer at a time', async () => {
    const ixg = await createImageSubject(native, x, 'input-x-gradient');
    const absolute = await metric.evaluate(ixg, { seed: 1, keepExamples: 0 });
    assert.ok(mean(absolute.scores) > 0.9, `|input x gradient| after all layers ${mean(absolute.scores)}`);
    const signed = await metric.evaluate(ixg, { seed: 1, keepExamples: 0, absolute: false });
    assert.ok(Math.abs(mean(signed.scores)) < 0.3, `signed input x gradient after all layers ${mean(signed.scores)}`);
    assert.deepEqual(signed.details!.examples, []);
    const independent = await metric.evaluate(ixg, { seed: 1, mode: 'independent', keepExamples: 1, absolute: false });
    assert.deepEqual(independent.curves!.x, ['original', 'logits', 'dense1', 'conv2', 'conv1']);
    // Each score is the mean over the independent steps.
    independent.curves!.y.forEach((row, i) => assert.ok(Math.abs(independent.scores[i] - mean(row.slice(1))) < 1e-12));
    assert.ok(Math.abs(mean(independent.scores)) < 0.3, `signed input x gradient, independent ${mean(independent.scores)}`);
    // The first step randomises the same single (output) layer in both modes; later ones differ.
    assert.deepEqual(column(independent, 1), column(signed, 1));
    assert.notDeepEqual(column(independent, 4), column(signed, 4));
  });

  it('is seeded: the same seed gives the same scores, another seed others; tensor memory stays flat', async () => {
    const subject = await createImageSubject(native, { shape: [3, 28, 28, 1], data: x.data.subarray(0, 3 * 784) }, 'saliency');
    const a = await metric.evaluate(subject, { seed: 5, layers: ['logits', 'dense1'] });
    const startTensors = tf.memory().numTensors;
    const b = await metric.evaluate(subject, { seed: 5, layers: ['logits', 'dense1'] });
    const c = await metric.evaluate(subject, { seed: 6, layers: ['logits', 'dense1'] });
    assert.equal(tf.memory().numTensors, startTensors);
    assert.deepEqual(a.scores, b.scores);
    assert.notDeepEqual(a.scores, c.scores);
    assert.deepEqual(a.params.layers, ['logits', 'dense1']);
  });

  it('on the TF.js engine too: the gradient falls, the control stays', async () => {
    const tfjs = await loadModel('digits', { engine: 'tfjs' });
    try {
      const rows = { shape: [4, 28, 28, 1], data: x.data.subarray(0, 4 * 784) };
      const gradient = await createImageSubject(tfjs, rows, 'saliency', { methodOptions: { abs: false } });
      const s = await metric.evaluate(gradient, { seed: 1, keepExamples: 0, absolute: false });
      const e = await metric.evaluate(await createImageSubject(tfjs, rows, 'edge-detector'), { seed: 1, keepExamples: 0 });
      assert.ok(Math.abs(mean(s.scores)) < 0.3, `gradient on tfjs ${s.scores}`);
      assert.ok(e.curves!.y.every((row) => row.every((v) => v > 0.9)));
    } finally {
      tfjs.dispose();
    }
  });

  it('bad input: subjects without a model, unknown layers and measures that do not fit the features', async () => {
    const subject: ImageSubject = await createImageSubject(native, { shape: [1, 28, 28, 1], data: x.data.subarray(0, 784) }, 'saliency');
    const outputsOnly: EvaluationSubject = {
      modality: 'text', model: 'spam', method: 'occlusion', rows: 1, targets: new Int32Array(1), numOutputs: 2, baseline: 'zeros',
      features: () => 3, input: () => new Float32Array(3), attribution: () => new Float64Array(3),
      score: async () => new Float64Array(0), explain: async () => [],
    };
    await assert.rejects(metric.evaluate(outputsOnly), (e: Error) => e instanceof UsageError && /text subject of spam/.test(e.message));
    await assert.rejects(metric.evaluate(subject, { layers: ['pool1'] }), (e: Error) => e instanceof UsageError && /no layer with weights named pool1/.test(e.message));
    await assert.rejects(metric.evaluate(subject, { mode: 'sideways' as never }), UsageError);
    await assert.rejects(metric.evaluate(subject, { similarity: 'hog', hog: { pixelsPerCell: [16, 16] } }), (e: Error) => e instanceof UsageError && /compares maps as pictures/.test(e.message));
  });
});
