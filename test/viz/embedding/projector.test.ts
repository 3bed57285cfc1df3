import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { encodeProjector, projectorHtml } from '../../../src/viz/embedding/projector.js';
import { PROJECTOR_SCRIPT } from '../../../src/viz/embedding/projector-script.js';
import { scatterPlot } from '../../../src/viz/embedding/scatter.js';
import type { Projection } from '../../../src/embedding/types.js';
import { UsageError } from '../../../src/errors.js';

function projection(count: number, dims: 2 | 3, f: (i: number, a: number) => number, method: Projection['method'] = 'pca'): Projection {
  const coordinates = new Float32Array(count * dims);
  for (let i = 0; i < count; i++) for (let a = 0; a < dims; a++) coordinates[i * dims + a] = f(i, a);
  return { method, count, dims, coordinates, parameters: {}, diagnostics: {} };
}

test('the projector packs coordinates, neighbours and thumbnails so the page reads them back exactly', () => {
  const n = 7;
  const p2 = projection(n, 2, (i, a) => i * 0.5 + a);
  const p3 = projection(n, 3, (i, a) => Math.sin(i + a), 'tsne');
  const indices = Int32Array.from({ length: n * 2 }, (_, j) => (Math.floor(j / 2) + 1 + (j % 2)) % n);
  const pixels = Uint8Array.from({ length: n * 4 }, (_, j) => (j * 37) % 256);
  const { meta, data } = encodeProjector({
    projections: [p2, p3], metadata: { text: ['a', 'b', 'c', 'd', 'e', 'f', 'g'], label: [0, 1, 0, 1, 2, 2, 0] },
    neighbors: { k: 2, queries: n, metric: 'euclidean', indices, distances: new Float32Array(n * 2) },
    images: { width: 2, height: 2, pixels },
  });
  assert.equal(meta.colorBy, 1, 'colours by "label" when there is one');
  assert.deepEqual(meta.projections.map((p) => p.name), ['PCA 2-D', 't-SNE 3-D']);
  // The page views the block as typed arrays at these offsets: they must be 4-byte aligned and hold the inputs.
  for (const p of meta.projections) assert.equal(p.offset % 4, 0);
  assert.deepEqual(new Float32Array(data.buffer, meta.projections[0].offset, n * 2), p2.coordinates);
  assert.deepEqual(new Float32Array(data.buffer, meta.projections[1].offset, n * 3), p3.coordinates);
  assert.deepEqual(new Int32Array(data.buffer, meta.neighbors!.offset, n * 2), indices);
  assert.deepEqual(data.subarray(meta.images!.offset, meta.images!.offset + n * 4), pixels);
});

test('the projector page is self-contained and admits only its own script', () => {
  const html = projectorHtml({ projections: [projection(3, 2, (i, a) => i + a)], metadata: { label: ['x', 'y', 'x'] }, date: new Date(0), version: 'test' });
  const hash = createHash('sha256').update(PROJECTOR_SCRIPT, 'utf8').digest('base64');
  assert.match(html, new RegExp(`script-src 'sha256-${hash.replace(/[+/=]/g, (c) => `\\${c}`)}'`));
  assert.match(html, /default-src 'none'/);
  assert.doesNotMatch(html, /https?:\/\//, 'nothing is fetched');
  assert.ok(html.includes(`<script>${PROJECTOR_SCRIPT}</script>`));
});

test('the projector keeps at most maxImages thumbnails', () => {
  const n = 10;
  const { meta, data } = encodeProjector({ projections: [projection(n, 2, (i) => i)], metadata: {}, images: { width: 1, height: 1, pixels: new Uint8Array(n).fill(9) }, maxImages: 4 });
  assert.equal(meta.images!.count, 4);
  assert.equal(data.length, n * 2 * 4 + 4);
});

test('the projector refuses inputs that disagree, with what to fix', () => {
  const p = projection(3, 2, (i) => i);
  const bad: [string, () => unknown, RegExp][] = [
    ['no projection', () => encodeProjector({ projections: [], metadata: {} }), /at least one projection/],
    ['counts differ', () => encodeProjector({ projections: [p, projection(4, 2, (i) => i)], metadata: {} }), /disagree on the number of points/],
    ['short column', () => encodeProjector({ projections: [p], metadata: { label: [1, 2] } }), /"label" has 2 values for 3 points/],
    ['NaN coordinate', () => encodeProjector({ projections: [projection(3, 2, (i) => (i === 1 ? NaN : i))], metadata: {} }), /NaN/],
    ['neighbour out of range', () => encodeProjector({ projections: [p], metadata: {}, neighbors: { k: 1, queries: 3, metric: 'cosine', indices: Int32Array.from([1, 2, 3]), distances: new Float32Array(3) } }), /outside the 3 points/],
    ['unknown colour column', () => encodeProjector({ projections: [p], metadata: { label: [1, 2, 3] }, colorBy: 'class' }), /choose one of: label/],
  ];
  for (const [what, f, message] of bad) assert.throws(f, (e: unknown) => e instanceof UsageError && message.test(e.message), what);
});

test('the static scatter draws every point in its category colour, with a legend', () => {
  const n = 50;
  const label = Array.from({ length: n }, (_, i) => i % 3);
  const svg = scatterPlot(projection(n, 2, (i, a) => (a === 0 ? i % 3 : Math.floor(i / 3))), { color: label, colorName: 'label', title: 'Three classes' });
  assert.equal((svg.match(/<circle cx="[^"]*" cy="[^"]*" r="[^"]*"\/>/g) ?? []).length, n);
  // One group per class colour holding that class's points, and a legend swatch per class.
  for (const [cls, colour] of [[0, '#1f77b4'], [1, '#ff7f0e'], [2, '#2ca02c']] as const) {
    const group = svg.match(new RegExp(`<g fill="${colour}"[^>]*>(.*?)</g>`));
    assert.ok(group, `class ${cls} has a group`);
    assert.equal((group[1].match(/<circle/g) ?? []).length, label.filter((l) => l === cls).length);
  }
  assert.match(svg, />label</);
});

test('the static scatter thins very large sets and says so', () => {
  const svg = scatterPlot(projection(1000, 2, (i, a) => i * (a + 1)), { maxPoints: 100, title: 'Many' });
  assert.equal((svg.match(/<circle cx="[^"]*" cy="[^"]*" r="[^"]*"\/>/g) ?? []).length, 100);
  assert.match(svg, /every 10th drawn/);
});

test('a numeric column with many values colours on a continuous scale', () => {
  const n = 40;
  const svg = scatterPlot(projection(n, 2, (i, a) => i + a), { color: Array.from({ length: n }, (_, i) => i / 10), colorName: 'confidence' });
  assert.match(svg, /linearGradient/);
  assert.match(svg, />3\.9</, 'the scale is labelled with the largest value');
});
