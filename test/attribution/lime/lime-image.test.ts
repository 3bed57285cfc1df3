import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { useBackend } from '../../../src/backend.js';
import { loadModel } from '../../../src/models/load.js';
import { FunctionModel } from '../../../src/models/function.js';
import { loadInput } from '../../../src/io/load-input.js';
import { slic, type Segmentation } from '../../../src/attribution/lime/slic.js';
import { imageGame } from '../../../src/attribution/lime/image-game.js';
import { LimeImage } from '../../../src/attribution/lime/lime-image.js';
import { gameEnds } from '../../../src/attribution/coalition/game.js';
import { Random } from '../../../src/util/random.js';

/** Every segment is one 4-connected piece, labels run 0..count-1. */
function assertConnected(seg: Segmentation): void {
  const { labels, height, width, count } = seg;
  assert.equal(Math.max(...labels) + 1, count);
  const seen = new Uint8Array(labels.length);
  const pieces = new Set<number>();
  for (let start = 0; start < labels.length; start++) {
    if (seen[start]) continue;
    assert.ok(!pieces.has(labels[start]), `segment ${labels[start]} has two pieces`);
    pieces.add(labels[start]);
    const stack = [start];
    seen[start] = 1;
    while (stack.length) {
      const p = stack.pop()!;
      const y = Math.floor(p / width);
      const x = p % width;
      for (const q of [x > 0 ? p - 1 : -1, x < width - 1 ? p + 1 : -1, y > 0 ? p - width : -1, y < height - 1 ? p + width : -1]) {
        if (q >= 0 && !seen[q] && labels[q] === labels[p]) { seen[q] = 1; stack.push(q); }
      }
    }
  }
  assert.equal(pieces.size, count);
}

describe('SLIC', () => {
  it('follows colour edges: no segment of a noisy four-region grey image straddles two regions', () => {
    const rng = new Random(4);
    const h = 40;
    const w = 48;
    const region = (y: number, x: number) => (y < 17 ? 0 : 2) + (x < 29 ? 0 : 1);
    const image = new Float32Array(h * w);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) image[y * w + x] = [0.1, 0.4, 0.7, 0.95][region(y, x)] + 0.02 * rng.normal();
    const seg = slic(image, h, w, 1, { nSegments: 20, compactness: 0.05 });
    assert.ok(seg.count >= 10 && seg.count <= 40, `${seg.count} segments`);
    assertConnected(seg);
    const regionOf = new Map<number, number>();
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const l = seg.labels[y * w + x];
        if (!regionOf.has(l)) regionOf.set(l, region(y, x));
        assert.equal(regionOf.get(l), region(y, x), `segment ${l} crosses a region edge at (${y}, ${x})`);
      }
    }
  });

  it('segments RGB images in Lab without crossing a colour edge, and a flat image into a near-regular grid', () => {
    const h = 30;
    const w = 30;
    const image = new Float32Array(h * w * 3);
    for (let p = 0; p < h * w; p++) image.set((p % w) < 13 ? [0.9, 0.1, 0.1] : [0.1, 0.2, 0.9], 3 * p);
    const seg = slic(image, h, w, 3, { nSegments: 9 });
    assertConnected(seg);
    const side = new Map<number, boolean>();
    seg.labels.forEach((l, p) => {
      const red = p % w < 13;
      if (!side.has(l)) side.set(l, red);
      assert.equal(side.get(l), red, `segment ${l} holds both colours`);
    });
    const grid = slic(new Float32Array(h * w), h, w, 1, { nSegments: 9 });
    assert.equal(grid.count, 9);
    const sizes = new Array<number>(9).fill(0);
    grid.labels.forEach((l) => { sizes[l]++; });
    assert.ok(sizes.every((s) => s >= 80 && s <= 125), `${sizes}`);
    assert.throws(() => slic(new Float32Array(10), 3, 3, 1), /needs 9/);
  });
});

describe('LIME for images', () => {
  before(async () => useBackend('wasm'));

  it('recovers each segment\'s exact effect on a linear image model', async () => {
    const h = 12;
    const w = 12;
    const rng = new Random(6);
    const weights = Float32Array.from({ length: h * w }, () => rng.normal());
    const model = new FunctionModel((x) => tf.tidy(() => tf.stack([x.reshape([-1, h * w]).mul(tf.tensor1d(weights)).sum(1), tf.zeros([x.shape[0]])], 1)), { inputShape: [h, w, 1], numOutputs: 2 });
    const image = tf.tensor(Float32Array.from({ length: h * w }, () => rng.uniform()), [1, h, w, 1]);
    const pixels = await image.data();
    const seg = slic(Float32Array.from(pixels), h, w, 1, { nSegments: 9, compactness: 0.1 });
    const e = await new LimeImage(model, { seed: 1 }).explain(image, { target: 0, numSamples: 1000, segments: seg.labels, hideColor: 0.5 });
    // f is linear in which segments are on: segment s adds sum over its pixels of w (x - 0.5); ridge shrinks by alpha = 1 only.
    const effect = new Array<number>(seg.count).fill(0);
    seg.labels.forEach((l, p) => { effect[l] += weights[p] * (pixels[p] - 0.5); });
    e.attributions[0].forEach((a, s) => assert.ok(Math.abs(a - effect[s]) < 0.02 * Math.max(1, Math.abs(effect[s])), `segment ${s}: ${a} vs ${effect[s]}`));
    assert.ok((e.extras![0].score as number) > 0.999);
    assert.equal(e.featureNames[0], 'segment 0');
    assert.deepEqual(e.extras![0].segments, Array.from(seg.labels));
    image.dispose();
  });

  it('on the digit CNN, hiding the top segments lowers the class score more than hiding the bottom ones', async () => {
    const model = await loadModel('digits');
    const { tensor } = await loadInput('samples/digits/digit-7.png', model.info);
    const e = await new LimeImage(model, { seed: 3 }).explain(tensor, { numSamples: 400, hideColor: 0 });
    assert.equal(e.target, 7);
    const segments = Int32Array.from(e.extras![0].segments as number[]);
    const count = e.featureNames.length;
    assert.ok(count >= 20 && count <= 80, `${count} segments`);
    const ranked = e.extras![0].ranked as number[];
    const pixels = Float32Array.from(await tensor.data());
    const game = imageGame(model, pixels, { height: 28, width: 28, labels: segments, count }, { target: 7, hideColor: 0 });
    const { full } = await gameEnds(game);
    assert.ok(Math.abs(full - e.predictions[0]) < 1e-4);
    const without = (drop: number[]) => { const m = new Uint8Array(count).fill(1); drop.forEach((s) => { m[s] = 0; }); return m; };
    const byWeight = [...ranked].sort((a, b) => e.attributions[0][b] - e.attributions[0][a]);
    const [top, bottom] = await game.value(Uint8Array.from([...without(byWeight.slice(0, 3)), ...without(byWeight.slice(-3))]), 2);
    assert.ok(top < full - 1 && top < bottom, `full ${full}, without top 3 ${top}, without bottom 3 ${bottom}`);
    // The top segments lie on the stroke.
    const ink = (s: number) => pixels.reduce((acc, v, p) => acc + (segments[p] === s ? v : 0), 0);
    assert.ok(byWeight.slice(0, 3).every((s) => ink(s) > 0), 'top segments carry ink');
    tensor.dispose();
  });

  it('matches lime_image\'s pipeline replayed on numpy and sklearn (segment means, coin flips, cosine kernel 0.25)', async () => {
    const ref = JSON.parse(readFileSync(new URL('data/image-reference.json', import.meta.url), 'utf8')) as {
      image: number[][]; pixel_weights: number[][]; bias: number; segments: number[][]; num_samples: number;
      coef_mean: number[]; coef_std: number[]; intercept_mean: number; score_mean: number;
    };
    const weights = tf.tensor1d(ref.pixel_weights.flat());
    const model = new FunctionModel((x) => tf.tidy(() => {
      const p = tf.sigmoid(x.reshape([-1, 64]).mul(weights).sum(1).add(ref.bias));
      return tf.stack([tf.sub(1, p), p], 1);
    }), { inputShape: [8, 8, 1], numOutputs: 2, outputKind: 'probabilities' });
    const image = tf.tensor(ref.image.flat(), [1, 8, 8, 1]);
    const e = await new LimeImage(model, { seed: 9 }).explain(image, { target: 1, numSamples: ref.num_samples, segments: Int32Array.from(ref.segments.flat()) });
    // One run scatters around the expected weights with the per-run standard deviation (about 5e-4).
    e.attributions[0].forEach((a, s) => assert.ok(Math.abs(a - ref.coef_mean[s]) < 4 * ref.coef_std[s] + 2e-4, `segment ${s}: ${a} vs ${ref.coef_mean[s]} +- ${ref.coef_std[s]}`));
    assert.ok(Math.abs(e.baseValues[0] - ref.intercept_mean) < 2e-3 && Math.abs((e.extras![0].score as number) - ref.score_mean) < 0.02);
    image.dispose();
    weights.dispose();
  });

  it('refuses images of the wrong shape and bad hide colours', async () => {
    const model = new FunctionModel((x) => x.reshape([-1, 4]), { inputShape: [2, 2, 1], numOutputs: 4 });
    const lime = new LimeImage(model);
    await assert.rejects(lime.explain(tf.zeros([3, 3, 1])), /one image of shape \[2, 2, 1\]/);
    await assert.rejects(lime.explain(tf.zeros([2, 2, 1]), { hideColor: [1, 2] }), /hideColor/);
    await assert.rejects(lime.explain(tf.zeros([2, 2, 1]), { segments: Int32Array.from([0, 1]) }), /segment map has 2 labels/);
  });
});
