import { UsageError } from '../../errors.js';
import { checkTokenMatrix } from '../../attention/check.js';
import type { TokenMatrix } from '../../attention/types.js';
import { colorAt } from '../colormaps.js';
import { pngDataUri } from '../png.js';
import { FONT_SIZE, INK, LinearScale, MUTED, drawTitle, formatValue, niceTicks, tickDecimals } from '../tabular/common.js';
import { Svg, fitText, textWidth } from '../tabular/svg.js';
import { bluesColormap, displayToken, sequentialColor } from './common.js';

export interface AttentionHeatmapOptions {
  title?: string;
  /** Pixels per cell; default fits the matrix in about 560 pixels (between 1 and 28 per cell). */
  cellSize?: number;
  /**
   * Top of the colour scale; default the 99th percentile of the values (the largest value on small
   * maps), so a rollout's heavy diagonal does not wash out the rest. Larger values are drawn at the top colour.
   */
  vmax?: number;
  /** Labels on the axes: default 'Query (attending)' and 'Key (attended to)'. */
  rowLabel?: string;
  columnLabel?: string;
  /** Longest token label in pixels, default 110. */
  maxLabelWidth?: number;
}

/**
 * A query x key heatmap of one attention map (a head, a fused layer, a rollout) as SVG. The cells are
 * one embedded PNG, one pixel per cell scaled without smoothing, so a 512 x 512 map is a small file
 * instead of 262,144 rectangles; rows and columns are labelled with the tokens (every k-th one when
 * they would not fit).
 */
export function attentionHeatmapSvg(matrix: TokenMatrix, options: AttentionHeatmapOptions = {}): string {
  checkTokenMatrix(matrix, 'attention matrix');
  const n = matrix.length;
  let vmax = options.vmax ?? defaultVmax(matrix.values);
  if (!(vmax > 0) || !Number.isFinite(vmax)) {
    if (options.vmax !== undefined) throw new UsageError(`vmax ${options.vmax} is not a positive number`, 'give the top of the colour scale, e.g. 1');
    vmax = 1;
  }
  for (let i = 0; i < matrix.values.length; i++) {
    if (!Number.isFinite(matrix.values[i])) throw new UsageError(`the attention matrix holds ${matrix.values[i]} at query ${Math.floor(i / n)}, key ${i % n}`, 'plot finite values only');
  }
  if (n > 4096) throw new UsageError(`${n} tokens are too many for one heatmap picture`, 'draw a window of at most 4096 tokens (slice the matrix), or use the head view page');
  const cell = options.cellSize ?? Math.max(1, Math.min(28, Math.floor(560 / n)));
  if (!(Number.isInteger(cell) && cell > 0 && n * cell <= 4096)) throw new UsageError(`cell size ${cell} is not positive`, 'give a whole number of pixels per cell, at most 4096 / tokens');
  const side = n * cell;
  const labelSize = Math.min(FONT_SIZE, Math.max(9, cell - 2));
  const every = Math.max(1, Math.ceil((labelSize + 2) / cell));
  const labels = matrix.tokens.map((t) => displayToken(t).text);
  const maxLabel = options.maxLabelWidth ?? 110;
  const labelW = Math.min(maxLabel, Math.max(...labels.map((t, i) => (i % every === 0 ? textWidth(t, labelSize) : 0)))) + 8;
  const titleH = options.title ? 30 : 8;
  const left = 28 + labelW;
  const top = titleH + 22 + labelW;
  const barX = left + side + 24;
  const width = barX + 70;
  const height = top + side + 16;
  const svg = new Svg(width, Math.max(height, top + 140), options.title ?? 'attention heatmap');
  if (options.title) drawTitle(svg, options.title);

  // The cells: an RGB image drawn at its final size (one block of cell x cell pixels per value), so no
  // renderer smooths the cells into blobs.
  const data = new Uint8Array(side * side * 3);
  const map = bluesColormap();
  for (let q = 0; q < n; q++) {
    for (let k = 0; k < n; k++) {
      const c = colorAt(map, matrix.values[q * n + k] / vmax);
      for (let y = q * cell; y < (q + 1) * cell; y++) for (let x = k * cell; x < (k + 1) * cell; x++) data.set(c, (y * side + x) * 3);
    }
  }
  svg.raw(`<image x="${left}" y="${top}" width="${side}" height="${side}" preserveAspectRatio="none" image-rendering="optimizeSpeed" href="${pngDataUri({ width: side, height: side, channels: 3, data })}"/>`);
  svg.rect(left - 0.5, top - 0.5, side + 1, side + 1, { fill: 'none', stroke: '#999999' });

  for (let i = 0; i < n; i += every) {
    const c = (i + 0.5) * cell;
    svg.text(left - 5, top + c, fitText(labels[i], labelW - 8, labelSize), { size: labelSize, anchor: 'end', baseline: 'middle', fill: INK });
    svg.text(left + c, top - 5, fitText(labels[i], labelW - 8, labelSize), { size: labelSize, rotate: -90, baseline: 'middle', fill: INK });
  }
  svg.text(12, top + side / 2, options.rowLabel ?? 'Query (attending)', { size: FONT_SIZE, anchor: 'middle', rotate: -90, fill: MUTED });
  svg.text(left + side / 2, titleH + 12, options.columnLabel ?? 'Key (attended to)', { size: FONT_SIZE, anchor: 'middle', fill: MUTED });

  // Colour bar from 0 to vmax.
  const barH = Math.max(100, Math.min(side, 240));
  const stops = Array.from({ length: 11 }, (_, i) => [i / 10, sequentialColor(i / 10)] as const);
  svg.rect(barX, top, 10, barH, { fill: svg.linearGradient(stops, true), stroke: '#999999', 'stroke-width': 0.5 });
  const scale = new LinearScale(0, vmax, top + barH, top);
  const ticks = niceTicks(0, vmax, 4);
  const d = tickDecimals(ticks);
  for (const t of ticks) {
    const y = scale.map(t);
    svg.line(barX + 10, y, barX + 14, y, { stroke: MUTED });
    svg.text(barX + 17, y, formatValue(t, d), { size: 10, baseline: 'middle', fill: MUTED });
  }
  return svg.toString();
}

/** The 99th percentile of the values (the maximum below 100 values); 1 when all are zero. */
function defaultVmax(values: Float32Array): number {
  let max = 0;
  for (const v of values) if (v > max) max = v;
  if (values.length < 100 || max === 0) return max > 0 ? max : 1;
  const sorted = Float32Array.from(values).sort();
  const p = sorted[Math.floor(0.99 * (sorted.length - 1))];
  return p > 0 ? p : max;
}
