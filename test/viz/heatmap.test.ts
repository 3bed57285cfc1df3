import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { UsageError } from '../../src/errors.js';
import { colorAt, getColormap } from '../../src/viz/colormaps.js';
import { cumulativeSumThreshold, normalizeAttribution, reduceChannels, renderHeatmap } from '../../src/viz/heatmap.js';
import { displayFactor, imageFromInput, imageFromPixels, upscaleNearest, type Image } from '../../src/viz/image.js';
import { encodePng } from '../../src/viz/png.js';
import { decodePng, isBluish, isNearWhite, isReddish, rgbAt, rgbaAt } from './helpers.js';

const nd = (shape: number[], values: number[]) => ({ shape, data: Float32Array.from(values) });

/** 28x28x1 (NHWC) attributions: +5 at (x 10, y 12), -5 at (x 20, y 3), 0 elsewhere. */
function hotSpots() {
  const data = new Float32Array(28 * 28);
  data[12 * 28 + 10] = 5;
  data[3 * 28 + 20] = -5;
  return { shape: [28, 28, 1], data };
}

describe('outlier clipping (Captum _cumulative_sum_threshold / _normalize_attr)', () => {
  it('threshold is the first sorted value whose running sum reaches the percentile of the total', () => {
    // sorted 10, 20, 30, 40; running sums 10, 30, 60, 100 (total 100).
    assert.equal(cumulativeSumThreshold([40, 10, 30, 20], 98), 40); // 98 needs all four
    assert.equal(cumulativeSumThreshold([40, 10, 30, 20], 50), 30); // 60 >= 50
    assert.equal(cumulativeSumThreshold([40, 10, 30, 20], 30), 20); // 30 >= 30
    assert.equal(cumulativeSumThreshold([40, 10, 30, 20], 0), 10);
    // A share of the mass, not a quantile of the count: one pixel with most of the mass sets the scale.
    assert.equal(cumulativeSumThreshold([1, 1, 1, 1, 1, 1, 1, 1, 1, 100], 98), 100);
    assert.throws(() => cumulativeSumThreshold([1], 101), UsageError);
  });

  it('sign all: scale by the threshold of |channel sum|, clip to [-1, 1]', () => {
    // |values| 10, 20, 30, 40 -> with 50 % outliers the threshold is 30.
    const n = normalizeAttribution(nd([2, 2], [10, -20, 30, -40]), { outlierPercentile: 50 });
    assert.equal(n.threshold, 30);
    assert.deepEqual(Array.from(n.values), [10 / 30, -20 / 30, 1, -1].map(Math.fround));
    assert.equal(n.clippedFraction, 0.25);
  });

  it('default 2 % on a realistic spread: hand-computed threshold and clipping', () => {
    // 98 ones and two 50s: total 198, 98 % = 194.04; the running sum is 98 after the ones,
    // 148 after the first 50, 198 after the second, so the threshold is 50 and nothing clips.
    const values = [...new Array(98).fill(1), 50, -50];
    const n = normalizeAttribution(nd([10, 10], values));
    assert.equal(n.threshold, 50);
    assert.equal(n.values[0], Math.fround(1 / 50));
    assert.equal(n.values[99], -1);
    // 196 ones and four 10s: total 236, 98 % = 231.28; ones sum to 196, then 206, 216, 226, 236 -> 10 again.
    // With 10 % (goal 212.4): 196, 206, 216 -> the second 10. With 20 % (goal 188.8): a one.
    const w = [...new Array(196).fill(1), 10, 10, 10, 10];
    assert.equal(normalizeAttribution(nd([20, 10], w)).threshold, 10);
    assert.equal(normalizeAttribution(nd([20, 10], w), { outlierPercentile: 10 }).threshold, 10);
    const t20 = normalizeAttribution(nd([20, 10], w), { outlierPercentile: 20 });
    assert.equal(t20.threshold, 1);
    assert.equal(t20.clippedFraction, 4 / 200);
  });

  it('channels are summed before the sign is taken; absolute_value is |sum|, as in Captum', () => {
    // One pixel, channels +3 and -5: sum -2.
    const row = nd([1, 1, 2], [3, -5]);
    assert.deepEqual(Array.from(reduceChannels(row, 'NHWC').values), [-2]);
    const abs = normalizeAttribution(row, { sign: 'absolute_value', layout: 'NHWC' });
    assert.equal(abs.threshold, 2);
    assert.equal(abs.values[0], 1);
  });

  it('positive and negative keep one sign and map it to [0, 1]', () => {
    const row = nd([2, 2], [4, -2, 1, -8]);
    // Kept positives sorted 0, 0, 1, 4 (running 0, 0, 1, 5). No outliers: the goal is all 5, so 4.
    const pos = normalizeAttribution(row, { sign: 'positive', outlierPercentile: 0 });
    assert.equal(pos.threshold, 4);
    assert.deepEqual(Array.from(pos.values), [1, 0, 0.25, 0]);
    // 90 % outliers: the goal is 0.5, reached at 1, so the 4 clips.
    const pos90 = normalizeAttribution(row, { sign: 'positive', outlierPercentile: 90 });
    assert.equal(pos90.threshold, 1);
    assert.deepEqual(Array.from(pos90.values), [1, 0, 1, 0]);
    const neg = normalizeAttribution(row, { sign: 'negative', outlierPercentile: 0 });
    assert.equal(neg.threshold, 8);
    assert.deepEqual(Array.from(neg.values), [0, 0.25, 0, 1]);
  });

  it('NCHW and NHWC rows of the same picture give the same values', () => {
    // 2 channels, 2x3 image.
    const hwc = [1, 10, 2, 20, 3, 30, 4, 40, 5, 50, 6, 60];
    const chw = [1, 2, 3, 4, 5, 6, 10, 20, 30, 40, 50, 60];
    const a = normalizeAttribution(nd([2, 3, 2], hwc), { layout: 'NHWC' });
    const b = normalizeAttribution(nd([2, 2, 3], chw), { layout: 'NCHW' });
    assert.equal(a.width, 3);
    assert.equal(b.width, 3);
    assert.deepEqual(Array.from(a.values), Array.from(b.values));
    // Guessed layouts: [3, 8, 8] is channels-first, [8, 8, 3] channels-last.
    assert.equal(normalizeAttribution(nd([3, 8, 8], new Array(192).fill(1))).width, 8);
    assert.equal(normalizeAttribution(nd([5, 8, 3], new Array(120).fill(1))).width, 8);
  });

  it('rejects NaN, shapes that are not images, and a mismatched image', () => {
    assert.throws(() => renderHeatmap(nd([2, 2], [1, Number.NaN, 0, 0])), UsageError);
    assert.throws(() => renderHeatmap(nd([16], new Array(16).fill(1))), UsageError);
    assert.equal(renderHeatmap(nd([16], new Array(16).fill(1)), { imageSize: { height: 4, width: 4 } }).image.width, 4 * 56);
    const image: Image = { width: 3, height: 3, channels: 1, data: new Uint8Array(9) };
    assert.throws(() => renderHeatmap(nd([2, 2], [1, 2, 3, 4]), { method: 'blended_heat_map', image }), UsageError);
    assert.throws(() => renderHeatmap(nd([2, 2], [1, 2, 3, 4]), { method: 'masked_image' }), UsageError);
    assert.throws(() => renderHeatmap(nd([2, 2], [1, 2, 3, 4]), { method: 'masked_image', sign: 'all', image: { ...image, width: 2, height: 2, data: new Uint8Array(4) } }), UsageError);
  });

  it('all-zero attributions render (scale 1) instead of dividing by zero', () => {
    const h = renderHeatmap(nd([4, 4], new Array(16).fill(0)));
    assert.equal(h.threshold, 0);
    assert.deepEqual([h.vmin, h.vmax], [-1, 1]);
    assert.ok(isNearWhite(rgbAt(h.image, 0, 0)));
  });
});

describe('renderHeatmap', () => {
  it('a 28x28 digit comes out 224x224, each attribution pixel an 8x8 block', () => {
    assert.equal(displayFactor(28, 28), 8);
    assert.equal(displayFactor(224, 224), 1);
    assert.equal(displayFactor(32, 32), 7);
    const h = renderHeatmap(hotSpots());
    assert.equal(h.upscale, 8);
    assert.equal(h.image.width, 224);
    assert.equal(h.image.height, 224);
    // The +5 pixel at (10, 12) fills x 80..87, y 96..103 and nothing outside.
    for (const [x, y] of [[80, 96], [87, 103], [83, 99]]) assert.ok(isReddish(rgbAt(h.image, x, y)), `(${x}, ${y})`);
    for (const [x, y] of [[79, 96], [88, 103], [80, 95], [87, 104]]) assert.ok(isNearWhite(rgbAt(h.image, x, y)), `(${x}, ${y})`);
    assert.equal(renderHeatmap(hotSpots(), { upscale: 3 }).image.width, 84);
  });

  it('upscaleNearest repeats pixels', () => {
    const img: Image = { width: 2, height: 1, channels: 3, data: Uint8Array.from([1, 2, 3, 4, 5, 6]) };
    const up = upscaleNearest(img, 3);
    assert.equal(up.width, 6);
    assert.equal(up.height, 3);
    assert.deepEqual(rgbAt(up, 2, 2), [1, 2, 3]);
    assert.deepEqual(rgbAt(up, 3, 0), [4, 5, 6]);
  });

  it('sign all, diverging map: positive pixel red, negative blue, zero near white (checked in the decoded PNG)', () => {
    const h = renderHeatmap(hotSpots());
    assert.deepEqual([h.vmin, h.vmax], [-5, 5]);
    assert.equal(h.colormap.name, 'rdbu_r');
    const png = decodePng(encodePng(h.image));
    assert.equal(png.width, 224);
    assert.equal(png.height, 224);
    const hot = rgbaAt(png, 10 * 8 + 4, 12 * 8 + 4);
    const cold = rgbaAt(png, 20 * 8 + 4, 3 * 8 + 4);
    const zero = rgbaAt(png, 2, 2);
    assert.ok(isReddish(hot), `hot ${hot}`);
    assert.ok(isBluish(cold), `cold ${cold}`);
    assert.ok(isNearWhite(zero), `zero ${zero}`);
    assert.deepEqual(hot.slice(0, 3), [...colorAt(getColormap('rdbu_r'), 1)]);
    assert.equal(hot[3], 255);
  });

  it('a half-strength value lands halfway up the map', () => {
    const row = nd([1, 3], [1, -0.5, 0.5]);
    const h = renderHeatmap(row, { outlierPercentile: 0, upscale: 1 });
    // percentile 100: threshold is the largest |value|, 1.
    assert.equal(h.threshold, 1);
    assert.deepEqual(rgbAt(h.image, 2, 0), [...colorAt(getColormap('rdbu_r'), 0.75)]);
    assert.deepEqual(rgbAt(h.image, 1, 0), [...colorAt(getColormap('rdbu_r'), 0.25)]);
  });

  it('one-sign modes use the sequential map; negative is reversed so its colour bar reads left to right', () => {
    const pos = renderHeatmap(hotSpots(), { sign: 'positive' });
    assert.equal(pos.colormap.name, 'magma');
    assert.deepEqual([pos.vmin, pos.vmax], [0, 5]);
    assert.deepEqual(rgbAt(pos.image, 84, 100), [...colorAt(getColormap('magma'), 1)]);
    assert.deepEqual(rgbAt(pos.image, 0, 0), [...colorAt(getColormap('magma'), 0)]);
    // The negative pixel is 0 in 'positive'.
    assert.deepEqual(rgbAt(pos.image, 164, 28), [...colorAt(getColormap('magma'), 0)]);
    const neg = renderHeatmap(hotSpots(), { sign: 'negative', colormap: 'viridis' });
    assert.deepEqual([neg.vmin, neg.vmax], [-5, 0]);
    assert.equal(neg.colormap.name, 'viridis_r');
    assert.deepEqual(rgbAt(neg.image, 164, 28), [...colorAt(getColormap('viridis'), 1)]);
    assert.deepEqual(rgbAt(neg.image, 84, 100), [...colorAt(getColormap('viridis'), 0)]);
    const abs = renderHeatmap(hotSpots(), { sign: 'absolute_value' });
    assert.deepEqual(rgbAt(abs.image, 164, 28), rgbAt(abs.image, 84, 100));
  });

  it('blended_heat_map mixes alpha of the heat colour with (1 - alpha) of the input grey', () => {
    const image: Image = { width: 2, height: 1, channels: 3, data: Uint8Array.from([200, 200, 200, 0, 0, 0]) };
    const row = nd([1, 2], [1, 0]);
    const h = renderHeatmap(row, { method: 'blended_heat_map', image, alpha: 0.25, upscale: 1, outlierPercentile: 0 });
    const red = colorAt(getColormap('rdbu_r'), 1);
    const mid = colorAt(getColormap('rdbu_r'), 0.5);
    assert.deepEqual(rgbAt(h.image, 0, 0), red.map((c) => Math.round(0.25 * c + 0.75 * 200)));
    assert.deepEqual(rgbAt(h.image, 1, 0), mid.map((c) => Math.round(0.25 * c)));
  });

  it('masked_image multiplies the input by the normalised attribution; alpha_scaling uses it as opacity', () => {
    const image: Image = { width: 2, height: 1, channels: 3, data: Uint8Array.from([200, 100, 50, 200, 100, 50]) };
    const row = nd([1, 2], [1, 0.5]);
    const masked = renderHeatmap(row, { method: 'masked_image', sign: 'positive', image, upscale: 1, outlierPercentile: 0 });
    assert.deepEqual(rgbAt(masked.image, 0, 0), [200, 100, 50]);
    assert.deepEqual(rgbAt(masked.image, 1, 0), [100, 50, 25]);
    assert.equal(masked.colormap.name, 'gray');
    const alpha = renderHeatmap(row, { method: 'alpha_scaling', sign: 'positive', image, upscale: 1, outlierPercentile: 0 });
    assert.equal(alpha.image.channels, 4);
    const png = decodePng(encodePng(alpha.image));
    assert.deepEqual(rgbaAt(png, 0, 0), [200, 100, 50, 255]);
    assert.deepEqual(rgbaAt(png, 1, 0), [200, 100, 50, 128]);
  });

  it('imageFromInput undoes the preprocessing', () => {
    const pre = { layout: 'NCHW' as const, width: 2, height: 1, channels: 3 as const, scale: 1 / 255, mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] };
    // Channel-first [3, 1, 2]: value x maps back to (x * 0.5 + 0.5) * 255.
    const img = imageFromInput(nd([3, 1, 2], [-1, 1, 0, 1, 1, -1]), pre);
    assert.equal(img.channels, 3);
    assert.deepEqual(Array.from(img.data), [0, 128, 255, 255, 255, 0]);
    const grey = imageFromInput(nd([2, 2, 1], [0, 0.5, 1, 0.25]));
    assert.deepEqual(Array.from(grey.data), [0, 128, 255, 64]);
  });
});

describe('imageFromPixels', () => {
  it('rounds and clips float pixels to bytes', () => {
    const img = imageFromPixels({ width: 2, height: 1, channels: 1, data: Float32Array.from([-3, 254.6]) });
    assert.deepEqual(Array.from(img.data), [0, 255]);
  });
});
