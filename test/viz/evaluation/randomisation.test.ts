import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { UsageError } from '../../../src/errors.js';
import { randomisationGridPlot } from '../../../src/viz/evaluation/randomisation-grid.js';
import { randomisationPicture } from '../../../src/viz/evaluation/randomisation-picture.js';
import { scaleSaliencyMap } from '../../../src/viz/evaluation/saliency-scaling.js';
import { similarityChart, similarityLines } from '../../../src/viz/evaluation/similarity-chart.js';
import type { EvaluationSummary } from '../../../src/viz/evaluation/summary.js';
import { decodePng, rgbaAt } from '../helpers.js';
import { findAll, parseXml, texts, type XmlElement } from '../tabular/xml.js';
import { handSummary } from './fixtures.js';

function examplesOf(s: EvaluationSummary, method: string): Record<string, unknown>[] {
  return s.results.find((r) => r.metric === 'model-parameter-randomisation' && r.method === method)!.details!.examples as Record<string, unknown>[];
}

function pngOf(el: XmlElement): { width: number; height: number; rgba: Uint8Array } {
  const href = el.attrs.href;
  assert.ok(href.startsWith('data:image/png;base64,'));
  return decodePng(new Uint8Array(Buffer.from(href.slice('data:image/png;base64,'.length), 'base64')));
}

describe('randomisation test picture', () => {
  it('scales each map as Adebayo et al. show it: |value| from the minimum to the 99th percentile, clipped', () => {
    // |map| = [4, 1, 2, 3, 0]; numpy.percentile([0, 1, 2, 3, 4], 99) = 3 + 0.96 = 3.96.
    const abs = scaleSaliencyMap([-4, 1, 2, -3, 0]);
    [1, 1 / 3.96, 2 / 3.96, 3 / 3.96, 0].forEach((v, i) => assert.ok(Math.abs(abs[i] - v) < 1e-12, `value ${i}`));
    // Shifted by the minimum: |map| = [2, 3, 6]; p50 = 3 -> (v - 2) / (3 - 2), clipped.
    assert.deepEqual(Array.from(scaleSaliencyMap([2, -3, 6], { clipPercentile: 50 })), [0, 1, 1]);
    // Signed: divided by the percentile of |value| (p50 of [2, 3, 6] = 3), clipped to [-1, 1].
    assert.deepEqual(Array.from(scaleSaliencyMap([2, -3, 6], { absolute: false, clipPercentile: 50 })), [2 / 3, -1, 1]);
    assert.deepEqual(Array.from(scaleSaliencyMap([5, 5, 5])), [0, 0, 0]);
    const withNaN = scaleSaliencyMap([NaN, 1, 3]);
    assert.ok(Number.isNaN(withNaN[0]) && withNaN[2] === 1);
    assert.throws(() => scaleSaliencyMap([1], { clipPercentile: 0 }), UsageError);
  });

  it('draws a map per method and step, "original" first, each scaled on its own', () => {
    const s = handSummary();
    const svg = parseXml(randomisationGridPlot(s));
    const images = findAll(svg, 'image');
    assert.equal(images.length, s.methods.length * 5);
    const t = texts(svg);
    for (const step of ['original', 'logits', 'dense1', 'conv2', 'conv1']) assert.ok(t.includes(step), step);
    for (const m of s.methods) assert.ok(t.includes(m), m);
    // 6 x 5 maps at 14 display pixels per feature, embedded at twice that.
    const first = images[0];
    assert.equal(first.attrs.width, '70');
    assert.equal(first.attrs.height, '84');
    const png = pngOf(first);
    assert.equal(png.width, 5 * 28);
    assert.equal(png.height, 6 * 28);
    // The pixel of the map's largest |value| is white, of its smallest black (grey colour map).
    const map = (examplesOf(s, s.methods[0])[0].maps as number[][])[0].map(Math.abs);
    const hi = map.indexOf(Math.max(...map));
    const lo = map.indexOf(Math.min(...map));
    const at = (p: number) => rgbaAt(png, (p % 5) * 28 + 14, Math.floor(p / 5) * 28 + 14);
    assert.deepEqual(at(hi).slice(0, 3), [255, 255, 255]);
    assert.deepEqual(at(lo).slice(0, 3), [0, 0, 0]);
  });

  it('adds the input column when examples carry the input, and several examples per method', () => {
    const s = handSummary();
    for (const m of s.methods) {
      const ex = examplesOf(s, m);
      ex[0].input = Array.from({ length: 30 }, (_, i) => i / 29);
      ex.push({ ...ex[0], row: 3 });
    }
    const svg = parseXml(randomisationGridPlot(s, { examples: 2, imageScale: 1 }));
    assert.equal(findAll(svg, 'image').length, s.methods.length * 2 * (1 + 5));
    assert.ok(texts(svg).includes('input') && texts(svg).includes('row 3'));
    const input = pngOf(findAll(svg, 'image')[0]);
    assert.equal(input.width, 5 * 14);
    // Stretched from its min (black, top left) to its max (white, bottom right).
    assert.equal(rgbaAt(input, 0, 0)[0], 0);
    assert.equal(rgbaAt(input, input.width - 1, input.height - 1)[0], 255);
  });

  it('marks a map with no finite value as NaN instead of drawing it', () => {
    const s = handSummary();
    const maps = examplesOf(s, 'saliency')[0].maps as (number | null)[][];
    maps[2] = maps[2].map(() => null);
    const svg = parseXml(randomisationGridPlot(s));
    assert.equal(findAll(svg, 'image').length, s.methods.length * 5 - 1);
    assert.equal(findAll(svg, 'rect').filter((r) => r.attrs.class === 'nan-map').length, 1);
    assert.ok(texts(svg).includes('NaN'));
  });

  it('refuses maps that do not fit their shape, mismatched steps, and a summary without the test', () => {
    const s = handSummary();
    examplesOf(s, 'random')[0].featureShape = [5, 5];
    assert.throws(() => randomisationGridPlot(s), (e: unknown) => e instanceof UsageError && /map 0 of example 0 of the model-parameter-randomisation result of random has 30 values, but featureShape 5 x 5 needs 25/.test(e.message));
    const t = handSummary();
    examplesOf(t, 'saliency')[0].steps = ['original', 'a', 'b', 'c', 'd'];
    assert.throws(() => randomisationGridPlot(t), (e: unknown) => e instanceof UsageError && /steps of saliency/.test(e.message));
    const none = handSummary();
    none.results = none.results.filter((r) => r.metric !== 'model-parameter-randomisation');
    assert.throws(() => randomisationPicture(none), (e: unknown) => e instanceof UsageError && /no randomisation test/.test(e.message));
    assert.throws(() => randomisationGridPlot(handSummary(), { examples: 0 }), UsageError);
    assert.throws(() => randomisationGridPlot(handSummary(), { cellSize: Number.NaN }), (e: unknown) => e instanceof UsageError && /cell size NaN/.test(e.message));
    const shapes = handSummary();
    const ex = examplesOf(shapes, 'random')[0];
    ex.featureShape = [5, 6];
    assert.throws(() => randomisationGridPlot(shapes), (e: unknown) => e instanceof UsageError && /maps of random are 5 x 6 but those of integrated-gradients 6 x 5/.test(e.message));
  });

  it('charts the mean similarity per step, a line per method, falling for a model-dependent method', () => {
    const s = handSummary();
    const lines = similarityLines(s, 'model-parameter-randomisation');
    const r = s.results.find((x) => x.metric === 'model-parameter-randomisation' && x.method === 'saliency')!;
    const mean3 = r.curves!.y.reduce((a, row) => a + (row[3] as number), 0) / r.curves!.y.length;
    assert.ok(Math.abs(lines[1].mean[3] - mean3) < 1e-12);
    const svg = parseXml(similarityChart(s));
    const dots = s.methods.map((m) => findAll(findAll(svg, 'g').find((g) => g.attrs['data-method'] === m)!, 'circle'));
    dots.forEach((d) => assert.equal(d.length, 5));
    // SVG y grows downwards: IG falls from the top to near zero, the control stays near the top.
    const y = (d: XmlElement[], k: number) => Number(d[k].attrs.cy);
    assert.ok(y(dots[0], 4) > y(dots[0], 0) + 100);
    assert.ok(Math.abs(y(dots[2], 4) - y(dots[2], 0)) < 5);
    assert.ok(texts(svg).includes('Spearman rank correlation to the original explanation'));
    // Another measure the result keeps per-step means of (details.means), drawn the same way.
    const ssim = parseXml(similarityChart(s, { measure: 'ssim' }));
    assert.ok(texts(ssim).includes('SSIM to the original explanation'));
    const igSsim = findAll(findAll(ssim, 'g').find((g) => g.attrs['data-method'] === 'integrated-gradients')!, 'circle').map((c) => Number(c.attrs.cy));
    const igSpearman = dots[0].map((c) => Number(c.attrs.cy));
    assert.ok(igSsim[4] > igSsim[1] && Math.abs(igSsim[0] - igSpearman[0]) > 1, 'ssim means are 0.8 x the spearman ones');
    assert.throws(() => similarityChart(s, { measure: 'hog' }), (e: unknown) => e instanceof UsageError && /keep no per-step means of hog/.test(e.message));
  });

  it('reads examples whose maps start with the stored explanation before the "original" step', () => {
    const s = handSummary();
    for (const m of s.methods) {
      const ex = examplesOf(s, m)[0];
      ex.maps = [(ex.maps as number[][])[0].map(() => 0), ...(ex.maps as number[][])];
    }
    const images = findAll(parseXml(randomisationGridPlot(s)), 'image');
    assert.equal(images.length, 15);
    // The all-zero extra map was left out: the first drawn map still has a white (largest) pixel.
    const png = pngOf(images[0]);
    let white = 0;
    for (let i = 0; i < png.rgba.length; i += 4) if (png.rgba[i] === 255) white++;
    assert.ok(white > 0);
    examplesOf(s, 'saliency')[0].steps = ['original', 'logits'];
    assert.throws(() => randomisationGridPlot(s), (e: unknown) => e instanceof UsageError && /6 maps but 2 step names/.test(e.message));
  });

  it('draws only the similarities for tabular rows, whose features have no picture', () => {
    const s = handSummary();
    for (const m of s.methods) {
      const ex = examplesOf(s, m)[0];
      ex.featureShape = [30];
    }
    const svg = parseXml(randomisationPicture(s));
    assert.equal(findAll(svg, 'image').length, 0);
    assert.ok(texts(svg).includes('Spearman rank correlation to the original explanation'));
    assert.throws(() => randomisationGridPlot(s), (e: unknown) => e instanceof UsageError && /no randomisation maps/.test(e.message));
  });

  it('stacks the grid above the similarity chart in one well-formed picture with unique ids', () => {
    const s = handSummary();
    const picture = randomisationPicture(s);
    const svg = parseXml(picture);
    // The grid, the scored measure's chart and the SSIM chart from details.means.
    assert.equal(findAll(svg, 'svg').length, 4);
    assert.equal(findAll(svg, 'image').length, 15);
    // Each step's similarity point sits under its column of maps.
    const [grid, chart, ssimChart] = findAll(svg, 'svg').slice(1);
    assert.ok(texts(ssimChart).includes('SSIM to the original explanation'));
    assert.ok(!texts(chart).includes('random'), 'only the last chart has the legend');
    assert.ok(texts(ssimChart).includes('random'));
    const columns = findAll(grid, 'image').slice(0, 5).map((im) => Number(im.attrs.x) + Number(im.attrs.width) / 2);
    const dots = findAll(findAll(chart, 'g').find((g) => g.attrs['data-method'] === 'saliency')!, 'circle').map((c) => Number(c.attrs.cx));
    dots.forEach((x, k) => assert.ok(Math.abs(x - columns[k]) < 0.02, `step ${k}: ${x} vs ${columns[k]}`));
    const ids = [...picture.matchAll(/ id="([^"]+)"/g)].map((m) => m[1]);
    assert.equal(new Set(ids).size, ids.length);
    for (const m of picture.matchAll(/url\(#([^)]+)\)/g)) assert.ok(ids.includes(m[1]), m[1]);
  });
});
