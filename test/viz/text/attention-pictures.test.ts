import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { attentionHeatmapSvg } from '../../../src/viz/text/heatmap.js';
import { encodeHeadView, headViewHtml } from '../../../src/viz/text/head-view.js';
import { HEAD_VIEW_SCRIPT } from '../../../src/viz/text/head-view-script.js';
import { svgToPng } from '../../../src/viz/tabular/png.js';
import { attentionRollout } from '../../../src/attention/rollout.js';
import { headAttention } from '../../../src/attention/raw.js';
import { UsageError } from '../../../src/errors.js';
import { randomMaps } from '../../attention/helpers.js';
import { decodePng, isNearWhite, rgbaAt } from '../helpers.js';

const dark = ([r, g, b]: readonly number[]) => b > 90 && r < 60 && g < 90;

describe('attention heatmap (SVG/PNG)', () => {
  it('draws the largest weight dark blue and zero near-white, cells at their place, tokens as labels', () => {
    const tokens = ['[CLS]', 'a', '<b>', 'c'];
    const values = new Float32Array(16);
    values[1 * 4 + 2] = 1; // query 1 -> key 2
    const svg = attentionHeatmapSvg({ tokens, length: 4, values }, { cellSize: 20 });
    assert.match(svg, /&lt;b&gt;/);
    assert.ok(!svg.includes('<b>'));
    const png = decodePng(svgToPng(svg, { scale: 1 }));
    // Find the image's placement from the SVG and probe the centres of two cells.
    const m = /<image x="([\d.]+)" y="([\d.]+)"/.exec(svg)!;
    const [x0, y0] = [Number(m[1]), Number(m[2])];
    assert.ok(dark(rgbaAt(png, Math.round(x0 + 2.5 * 20), Math.round(y0 + 1.5 * 20))), 'query 1, key 2 is dark');
    assert.ok(isNearWhite(rgbaAt(png, Math.round(x0 + 1.5 * 20), Math.round(y0 + 2.5 * 20))), 'query 2, key 1 is white');
  });

  it('stays small at 512 tokens (one embedded image, not 262,144 rectangles)', () => {
    const maps = randomMaps(1, 1, 512, { causal: true, seed: 2 });
    const svg = attentionHeatmapSvg(attentionRollout(maps), { title: 'rollout' });
    assert.ok(svg.length < 1_500_000, `${svg.length} bytes`);
    assert.equal((svg.match(/<rect/g) ?? []).length < 50, true);
    const png = decodePng(svgToPng(svg, { scale: 1 }));
    assert.ok(png.width > 512 && png.height > 512);
  });

  it('refuses a matrix of the wrong size and a bad scale', () => {
    assert.throws(() => attentionHeatmapSvg({ tokens: ['a', 'b'], length: 2, values: new Float32Array(3) }), UsageError);
    assert.throws(() => attentionHeatmapSvg(headAttention(randomMaps(1, 1, 3), 0, 0), { vmax: 0 }), /vmax 0/);
    assert.throws(() => attentionHeatmapSvg({ tokens: ['a'], length: 1, values: Float32Array.of(Number.NaN) }), /NaN at query 0, key 0/);
    assert.throws(() => attentionHeatmapSvg({ tokens: ['a', 'b'], length: 2, values: new Float32Array(4) }, { cellSize: 2049 }), /whole number of pixels per cell/);
  });
});

describe('head view page', () => {
  it('keeps each query\'s top-k keys in order, weights to 1/65535 of the map maximum', () => {
    const maps = randomMaps(2, 3, 40, { seed: 7 });
    const { meta, data } = encodeHeadView(maps, { maxStoredWeights: 6 * 40 * 10 });
    assert.equal(meta.k, 10);
    assert.equal(meta.maps, 6);
    const per = 40 * 10;
    for (const [m, q] of [[0, 0], [4, 17], [5, 39]]) {
      const row = Array.from(maps.weights.subarray((m * 40 + q) * 40, (m * 40 + q + 1) * 40));
      const expected = row.map((v, j) => [v, j] as const).sort((a, b) => b[0] - a[0]).slice(0, 10);
      for (let j = 0; j < 10; j++) {
        assert.equal(data[m * per + q * 10 + j], expected[j][1], `map ${m} query ${q} rank ${j}`);
        const w = (data[6 * per + m * per + q * 10 + j] / 65535) * meta.scales[m];
        assert.ok(Math.abs(w - expected[j][0]) <= meta.scales[m] / 65535, `weight ${w} vs ${expected[j][0]}`);
      }
    }
    // Everything fits: every key kept.
    assert.equal(encodeHeadView(maps).meta.k, 40);
  });

  it('is self-contained: a CSP whose script hash is the script, no external resource, tokens cannot close the script', () => {
    const maps = { ...randomMaps(2, 2, 3, { seed: 1 }), tokens: ['</script><script>alert(1)</script>', 'a', 'b'] };
    const html = headViewHtml(maps, { extras: [{ name: 'rollout', matrix: attentionRollout(maps) }], date: new Date(0), version: 'test' });
    const hash = createHash('sha256').update(HEAD_VIEW_SCRIPT, 'utf8').digest('base64');
    assert.ok(html.includes(`script-src 'sha256-${hash}'`));
    assert.ok(html.includes(`<script>${HEAD_VIEW_SCRIPT}</script>`));
    assert.equal((html.match(/<script/g) ?? []).length, 3);
    assert.ok(!/(src|href)=["']?https?:/i.test(html));
    assert.ok(html.includes('\\u003c/script>'));
    assert.match(html, /"panels":\[\{"name":"layer 0","heads":2,"first":0\},\{"name":"layer 1","heads":2,"first":2\},\{"name":"rollout","heads":1,"first":4\}\]/);
  });

  it('its script parses', () => {
    assert.doesNotThrow(() => new Function(HEAD_VIEW_SCRIPT));
  });

  it('page size follows the weight budget: about 5.4 bytes per stored weight (16-bit key and weight, base64)', () => {
    // 12 layers x 12 heads x 512 tokens under the default budget keeps k = 20 (checked here at 2 x 2 heads
    // with the budget scaled to match, to keep the test fast): about 8 MB.
    const maps = randomMaps(2, 2, 512, { causal: true, seed: 3 });
    const html = headViewHtml(maps, { maxStoredWeights: 4 * 512 * 20 });
    assert.match(html, /"k":20/);
    assert.ok(html.length < 4 * 512 * 20 * 5.4 + 60_000, `${html.length} bytes`);
  });

  it('refuses extras of another length', () => {
    const maps = randomMaps(1, 1, 3);
    assert.throws(() => headViewHtml(maps, { extras: [{ name: 'x', matrix: headAttention(randomMaps(1, 1, 4), 0, 0) }] }), /has 4 tokens, the attention 3/);
  });
});
