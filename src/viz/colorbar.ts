import { UsageError } from '../errors.js';
import { colorAt, type Colormap } from './colormaps.js';
import { drawText, formatNumber, measureText } from './font.js';
import { createImage, fillRect, strokeRect, WHITE, type Image, type Rgb } from './image.js';
import type { Heatmap } from './heatmap.js';

export interface ColorbarOptions {
  /** Total width in pixels, default 224 (the default heat map width). */
  width?: number;
  /** Height of the colour strip, default 14. */
  barHeight?: number;
  /** Font dot size for the labels, default 2 (14-pixel digits). */
  fontScale?: number;
  background?: Rgb;
  textColor?: Rgb;
}

/**
 * A horizontal colour bar: the map from `vmin` (left edge) to `vmax` (right edge), framed, with
 * ticks and labels at min, max and, when the range straddles it, 0. End labels are aligned to the
 * bar ends so the strip can use the full width; the 0 label is dropped if it would collide.
 */
export function renderColorbar(colormap: Colormap, vmin: number, vmax: number, options: ColorbarOptions = {}): Image {
  if (!Number.isFinite(vmin) || !Number.isFinite(vmax) || vmax < vmin) {
    throw new UsageError(`colour bar range [${vmin}, ${vmax}] is not a finite increasing range`, 'give vmin <= vmax');
  }
  const width = Math.round(options.width ?? 224);
  const barHeight = options.barHeight ?? 14;
  const scale = options.fontScale ?? 2;
  const text = options.textColor ?? [40, 40, 40];
  const frame: Rgb = [120, 120, 120];
  const tickLength = 4;
  const textHeight = measureText('0', scale).height;
  // 1 px of frame on each side of the strip, ticks, a gap, then one line of labels.
  const height = 1 + barHeight + 1 + tickLength + 2 + textHeight;
  if (width < 16) throw new UsageError(`colour bar width ${width} is too small`, 'use at least 16 pixels');
  const img = createImage(width, height, options.background ?? WHITE);
  const x0 = 1;
  const barWidth = width - 2;
  for (let x = 0; x < barWidth; x++) {
    const rgb = colorAt(colormap, barWidth > 1 ? x / (barWidth - 1) : 0.5);
    fillRect(img, x0 + x, 1, 1, barHeight, rgb);
  }
  strokeRect(img, x0, 1, barWidth, barHeight, frame);

  const range = vmax - vmin;
  const xOf = (v: number) => x0 + (range > 0 ? Math.round(((v - vmin) / range) * (barWidth - 1)) : Math.floor(barWidth / 2));
  const labelY = 1 + barHeight + 1 + tickLength + 2;
  const tick = (v: number) => fillRect(img, xOf(v), 1 + barHeight + 1, 1, tickLength, frame);

  const minLabel = formatNumber(vmin);
  const maxLabel = formatNumber(vmax);
  const minWidth = measureText(minLabel, scale).width;
  const maxWidth = measureText(maxLabel, scale).width;
  tick(vmin);
  drawText(img, minLabel, 0, labelY, { scale, color: text });
  if (range > 0) {
    tick(vmax);
    drawText(img, maxLabel, width - maxWidth, labelY, { scale, color: text });
  }
  if (vmin < 0 && vmax > 0) {
    tick(0);
    const zeroWidth = measureText('0', scale).width;
    const zx = xOf(0) - Math.floor(zeroWidth / 2);
    const gap = 2 * scale;
    if (zx > minWidth + gap && zx + zeroWidth + gap < width - maxWidth) {
      drawText(img, '0', zx, labelY, { scale, color: text });
    }
  }
  return img;
}

/** The colour bar that labels a rendered heat map. */
export function heatmapColorbar(heatmap: Heatmap, options: ColorbarOptions = {}): Image {
  return renderColorbar(heatmap.colormap, heatmap.vmin, heatmap.vmax, { width: heatmap.image.width, ...options });
}
