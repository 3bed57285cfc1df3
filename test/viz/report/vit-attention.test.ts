import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AttentionMaps } from '../../../src/attention/types.js';
import { UsageError } from '../../../src/errors.js';
import { vitAttention } from '../../../src/models/vit/image-attention.js';
import { vitAttentionPanels } from '../../../src/models/vit/attention-panels.js';
import { Random } from '../../../src/util/random.js';
import { renderReport, type ReportInput } from '../../../src/viz/report/html.js';
import { vitAttentionSection } from '../../../src/viz/report/vit-attention.js';
import { decodePng, rgbaAt } from '../helpers.js';

// A toy vision transformer's attention: a 12 x 12 image in 3 x 3 patches of 4 px (9 patches + [CLS]), 3 layers, 2 heads.
const GRID = 3;
const PATCH = 4;
const N = GRID * GRID + 1;
const LAYERS = 3;
const HEADS = 2;

/** Random softmax rows: every map is a valid attention map. */
function randomMaps(seed: number): AttentionMaps {
  const random = new Random(seed);
  const weights = new Float32Array(LAYERS * HEADS * N * N);
  for (let row = 0; row < LAYERS * HEADS * N; row++) {
    const logits = Array.from({ length: N }, () => 2 * random.normal());
    const max = Math.max(...logits);
    const exps = logits.map((l) => Math.exp(l - max));
    const sum = exps.reduce((a, b) => a + b, 0);
    exps.forEach((v, k) => { weights[row * N + k] = v / sum; });
  }
  return { tokens: ['[CLS]', ...Array.from({ length: N - 1 }, (_, i) => `p${i}`)], layers: LAYERS, heads: HEADS, length: N, causal: false, weights };
}

const w = (maps: AttentionMaps, layer: number, head: number, q: number, k: number) => maps.weights[((layer * HEADS + head) * N + q) * N + k];

/** Row 0 of the rollout, by hand: v <- v (0.5 mean_h A_l + 0.5 I) from the last layer down. */
function handRolloutRow(maps: AttentionMaps): number[] {
  let v: number[] = Array.from({ length: N }, (_, i) => (i === 0 ? 1 : 0));
  for (let l = LAYERS - 1; l >= 0; l--) {
    const next = new Array<number>(N).fill(0);
    for (let q = 0; q < N; q++) {
      for (let k = 0; k < N; k++) {
        const mean = (w(maps, l, 0, q, k) + w(maps, l, 1, q, k)) / 2;
        next[k] += v[q] * (0.5 * mean + (q === k ? 0.5 : 0));
      }
    }
    v = next;
  }
  return v;
}

function blackImage() {
  return { width: GRID * PATCH, height: GRID * PATCH, channels: 1 as const, data: new Uint8Array(GRID * PATCH * GRID * PATCH) };
}

function close(actual: readonly number[], expected: readonly number[], tol: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  actual.forEach((a, i) => assert.ok(Math.abs(a - expected[i]) <= tol, `${what}[${i}]: ${a} vs ${expected[i]}`));
}

describe('vitAttentionPanels', () => {
  const maps = randomMaps(5);
  const panels = vitAttentionPanels(vitAttention(maps, { imageSize: GRID * PATCH, patchSize: PATCH }));

  it('takes the last layer heads\' [CLS] rows straight from the maps, and the head means per layer', () => {
    assert.deepEqual([panels.grid, panels.layers, panels.heads], [GRID, LAYERS, HEADS]);
    assert.equal(panels.lastLayerHeads.length, HEADS);
    panels.lastLayerHeads.forEach((panel, h) => {
      assert.deepEqual([panel.kind, panel.layer, panel.head, panel.title], ['head', LAYERS - 1, h, `layer ${LAYERS - 1}, head ${h}`]);
      close(panel.patches, Array.from({ length: N - 1 }, (_, p) => w(maps, LAYERS - 1, h, 0, p + 1)), 0, `head ${h}`);
      assert.equal(panel.clsSelf, w(maps, LAYERS - 1, h, 0, 0));
    });
    assert.equal(panels.layerMeans.length, LAYERS);
    panels.layerMeans.forEach((panel, l) => {
      const mean = Array.from({ length: N - 1 }, (_, p) => (w(maps, l, 0, 0, p + 1) + w(maps, l, 1, 0, p + 1)) / 2);
      close(panel.patches, mean, 1e-7, `layer ${l} mean`);
      assert.ok(Math.abs(panel.clsSelf - (w(maps, l, 0, 0, 0) + w(maps, l, 1, 0, 0)) / 2) < 1e-7);
      // A mean of distributions is a distribution.
      assert.ok(Math.abs(panel.patches.reduce((a, b) => a + b, panel.clsSelf) - 1) < 1e-6);
    });
  });

  it('gives the rollout row of [CLS] that a hand computation gives, with the settings used', () => {
    const row = handRolloutRow(maps);
    close(panels.rollout.patches, row.slice(1), 1e-6, 'rollout');
    assert.ok(Math.abs(panels.rollout.clsSelf - row[0]) < 1e-6);
    assert.deepEqual(panels.rolloutSettings, { residualWeight: 0.5, headFusion: 'mean', fromLayer: 0, toLayer: LAYERS - 1 });
    assert.equal(panels.rollout.title, `rollout, layers 0-${LAYERS - 1}`);
    const partial = vitAttentionPanels(vitAttention(maps, { imageSize: GRID * PATCH, patchSize: PATCH }, { residualWeight: 0.25, toLayer: 1 }));
    assert.deepEqual(partial.rolloutSettings, { residualWeight: 0.25, headFusion: 'mean', fromLayer: 0, toLayer: 1 });
    assert.equal(partial.rollout.title, 'rollout, layers 0-1');
  });

  it('survives a JSON round trip unchanged (plain numbers, no typed arrays)', () => {
    assert.deepEqual(JSON.parse(JSON.stringify(panels)), panels);
  });
});

describe('the report\'s attention section', () => {
  // With seed 7 the rollout's largest patch, (row 1, column 2) at 0.18, is more than twice any other and off the
  // diagonal: a transposed or mirrored picture would put the brightest patch elsewhere.
  const maps = randomMaps(7);
  const attention = vitAttention(maps, { imageSize: GRID * PATCH, patchSize: PATCH });
  const panels = vitAttentionPanels(attention);
  const image = blackImage();

  it('draws one labelled panel with a colour bar per map, and the brightest patch where the largest weight is', () => {
    const html = vitAttentionSection(panels, image);
    const figures = html.match(/<figure class="attention"/g) ?? [];
    assert.equal(figures.length, 1 + HEADS + LAYERS);
    for (const panel of [panels.rollout, ...panels.lastLayerHeads, ...panels.layerMeans]) {
      assert.ok(html.includes(`<figcaption class="panel-title">${panel.title}</figcaption>`), panel.title);
    }
    // Every panel's colour bar runs from 0 to its largest weight.
    const bars = [...html.matchAll(/alt="colour bar from 0 to ([^"]+)"/g)].map((m) => Number(m[1]));
    const maxima = [panels.rollout, ...panels.lastLayerHeads, ...panels.layerMeans].map((p) => Math.max(...p.patches));
    close(bars, maxima, 0.006 * Math.max(...maxima), 'colour bar ends');
    // Over a black image the blended map's brightness is the colour map's, which rises with the weight.
    const first = html.match(/<img src="data:image\/png;base64,([A-Za-z0-9+/=]+)"/);
    assert.ok(first);
    const png = decodePng(new Uint8Array(Buffer.from(first[1], 'base64')));
    const cell = png.width / GRID;
    const brightness = Array.from({ length: GRID * GRID }, (_, p) => {
      const [r, g, b] = rgbaAt(png, Math.floor(((p % GRID) + 0.5) * cell), Math.floor((Math.floor(p / GRID) + 0.5) * cell));
      return r + g + b;
    });
    const top = panels.rollout.patches.indexOf(Math.max(...panels.rollout.patches));
    assert.equal(top, 1 * GRID + 2);
    assert.equal(brightness.indexOf(Math.max(...brightness)), top);
    assert.ok(html.includes(`(row ${Math.floor(top / GRID)}, column ${top % GRID})`));
  });

  it('is in the report when given and absent otherwise', () => {
    const base: ReportInput = {
      model: { name: 'toy-vit', outputKind: 'logits' }, image, items: [], date: new Date('2025-01-01T00:00:00Z'), version: '1',
    };
    const without = renderReport(base);
    assert.ok(!without.includes('id="attention"'));
    const withIt = renderReport({ ...base, attention: panels });
    assert.ok(withIt.includes('<section id="attention">'));
    assert.ok(withIt.includes('<a href="#attention">'));
  });

  it('says what is wrong when the image does not match the patch grid', () => {
    const wrong = { width: 28, height: 28, channels: 1 as const, data: new Uint8Array(784) };
    assert.throws(() => vitAttentionSection(panels, wrong), (err: unknown) => err instanceof UsageError && /12 x 12 pixels.*28 x 28/.test(err.message));
  });
});
