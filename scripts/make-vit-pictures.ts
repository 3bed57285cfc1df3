/**
 * Draws docs/images/vit-attention.png: test digits, the attention rollout of [CLS] over each, and
 * single heads' [CLS] attention (patch grid upsampled to the image), from the committed models/vit-digits.
 *   npx tsx scripts/make-vit-pictures.ts
 */
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../src/backend.js';
import { readIdx } from '../src/io/idx.js';
import { writeFileAtomic } from '../src/io/atomic-write.js';
import { clsAttentionImage, loadVitModel, rolloutImage } from '../src/models/vit/index.js';
import { renderGrid, type GridPanel } from '../src/viz/grid.js';
import { renderHeatmap } from '../src/viz/heatmap.js';
import { blit, createImage, imageFromInput, type Image } from '../src/viz/image.js';
import { encodePng } from '../src/viz/png.js';
import { formatNumber } from '../src/viz/font.js';

const DIGITS = [0, 1, 4]; // t10k images: a 7, a 2 and a 4
await useBackend('wasm');
const model = loadVitModel('models/vit-digits');
const images = readIdx('data/mnist/t10k-images-idx3-ubyte.gz');
const labels = readIdx('data/mnist/t10k-labels-idx1-ubyte.gz');
const { layers, heads } = model.vit.config.transformer;

const rows: Image[] = [];
for (const index of DIGITS) {
  const pixels = Float32Array.from(images.data.subarray(index * 784, (index + 1) * 784), (v) => v / 255);
  const row = { shape: [28, 28, 1], data: pixels };
  const input = imageFromInput(row, model.info.preprocessing);
  const x = tf.tensor4d(pixels, [1, 28, 28, 1]);
  const logits = await model.forward(x);
  const predicted = tf.tidy(() => logits.argMax(1).dataSync()[0]);
  tf.dispose([x, logits]);
  const attention = model.attention(row);
  // Attention is non-negative: one sequential map, scaled to each panel's own maximum (no outlier clipping).
  const draw = (map: { shape: number[]; data: Float32Array }) =>
    renderHeatmap(map, { method: 'blended_heat_map', sign: 'positive', outlierPercentile: 0, image: input, alpha: 0.6, colormap: 'magma', upscale: 4 });
  const panels: GridPanel[] = [{ title: 'rollout', heatmap: draw(rolloutImage(attention)), caption: `on [CLS] ${formatNumber(attention.rolloutSelf)}` }];
  // The first and last layers' heads: early heads look locally, late heads gather the stroke.
  for (const layer of [0, layers - 1]) {
    for (let head = 0; head < heads; head++) {
      panels.push({
        title: `L${layer} H${head}`,
        heatmap: draw(clsAttentionImage(attention, layer, head)),
        caption: `on [CLS] ${formatNumber(attention.clsSelf[layer * heads + head])}`,
      });
    }
  }
  rows.push(renderGrid(input, panels, {
    title: `vit-digits: where [CLS] looks (t10k #${index}, label ${labels.data[index]}, predicted ${predicted})`,
    inputCaption: `label ${labels.data[index]}`,
    fontScale: 1,
  }));
}
const width = Math.max(...rows.map((r) => r.width));
const out = createImage(width, rows.reduce((s, r) => s + r.height, 0));
let y = 0;
for (const r of rows) {
  blit(out, r, 0, y);
  y += r.height;
}
writeFileAtomic('docs/images/vit-attention.png', encodePng(out));
console.log(`wrote docs/images/vit-attention.png (${out.width} x ${out.height})`);
model.dispose();
