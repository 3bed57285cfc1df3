/**
 * Writes example pictures to /tmp/viz-check (or the folder given) for looking at by eye:
 *   node --import tsx test/viz/render-examples.ts [folder]
 */
import { join } from 'node:path';
import { attributionGrid } from '../../src/viz/grid.js';
import { renderHeatmap, type HeatmapOptions } from '../../src/viz/heatmap.js';
import { heatmapColorbar } from '../../src/viz/colorbar.js';
import { drawText, writePng } from '../../src/viz/png.js';
import { blit, createImage, imageFromInput } from '../../src/viz/image.js';
import { AttributionResult } from '../../src/attribution/result.js';
import { writeReport } from '../../src/viz/report/html.js';
import { digitImage, exampleResults } from './fixtures.js';

const out = process.argv[2] ?? '/tmp/viz-check';
const image = digitImage();
const results = exampleResults();
const ig = results[1];

writePng(join(out, 'grid.png'), attributionGrid(image, results, { title: 'mnist-cnn: digit 7, predicted 7 (97.4%)', inputCaption: 'pred 7 (97.4%)' }));
writePng(join(out, 'grid-abs.png'), attributionGrid(image, results, { heatmap: { sign: 'absolute_value' }, title: 'absolute value' }));
writePng(join(out, 'grid-blended.png'), attributionGrid(image, results, { heatmap: { method: 'blended_heat_map' }, title: 'blended' }));
const variants: [string, HeatmapOptions][] = [
  ['heat-all', {}],
  ['heat-positive', { sign: 'positive' }],
  ['heat-negative', { sign: 'negative' }],
  ['heat-abs-viridis', { sign: 'absolute_value', colormap: 'viridis' }],
  ['blended', { method: 'blended_heat_map', image }],
  ['masked', { method: 'masked_image', sign: 'positive', image }],
  ['alpha', { method: 'alpha_scaling', sign: 'absolute_value', image }],
];
// Every variant alone, and all of them on one contact sheet.
const sheet = createImage(variants.length * 240 + 8, 300);
variants.forEach(([name, options], i) => {
  const h = renderHeatmap(ig.row(0), options);
  const bar = heatmapColorbar(h);
  writePng(join(out, `${name}.png`), h.image);
  writePng(join(out, `${name}-bar.png`), bar);
  drawText(sheet, name, 8 + i * 240, 6, { scale: 2 });
  blit(sheet, h.image, 8 + i * 240, 30);
  blit(sheet, bar, 8 + i * 240, 262);
});
writePng(join(out, 'sheet.png'), sheet);
console.log(`wrote ${out}`);

// The HTML report for the same example (open it from disk in a browser).
writeReport(join(out, 'report.html'), {
  model: { name: 'mnist-cnn', engine: 'tfjs-layers', inputShape: [28, 28, 1], numOutputs: 10, outputKind: 'logits',
    classNames: ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'], description: 'A small CNN on MNIST <synthetic example>' },
  image,
  inputLabel: 'seven.png',
  prediction: { outputs: [-2.1, 1.3, 0.2, 0.9, -0.5, -1.2, -3.0, 6.4, 0.1, 2.2] },
  items: results.map((result) => ({ result })),
  date: new Date('2025-01-01T12:00:00Z'),
});

// A colour input in NCHW (a 32x32 "sun over a field") to check layouts, blending and grid wrapping.
const size = 32;
const rgb = new Float32Array(3 * size * size);
const attr = new Float32Array(3 * size * size);
for (let y = 0; y < size; y++) {
  for (let x = 0; x < size; x++) {
    const sun = Math.hypot(x - 22, y - 9) < 5;
    const field = y > 20;
    const px: [number, number, number] = sun ? [1, 0.85, 0.2] : field ? [0.2, 0.6 + 0.1 * Math.sin(x), 0.2] : [0.45, 0.65, 0.95];
    for (let c = 0; c < 3; c++) {
      rgb[(c * size + y) * size + x] = px[c];
      attr[(c * size + y) * size + x] = (sun ? 0.3 : 0) - (field ? 0.05 * Math.cos(x / 3) ** 2 : 0) + 0.01 * Math.sin(x * y);
    }
  }
}
const colour = imageFromInput({ shape: [3, size, size], data: rgb }, { layout: 'NCHW', width: size, height: size, channels: 3, scale: 1 / 255, mean: [0], std: [1] });
const colourResults = ['saliency', 'integrated-gradients', 'deep-lift', 'gradient-shap', 'occlusion'].map((method, k) => new AttributionResult({
  method, params: {}, target: [3], shape: [1, 3, size, size], attributions: attr.map((v) => v * (k + 1)), timeMs: 3, model: 'toy',
}));
writePng(join(out, 'grid-colour.png'), attributionGrid(colour, colourResults, {
  columns: 3, title: 'colour input, NCHW, blended', heatmap: { method: 'blended_heat_map', layout: 'NCHW' },
}));
