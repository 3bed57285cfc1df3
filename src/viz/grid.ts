import { UsageError } from '../errors.js';
import type { AttributionResult } from '../attribution/result.js';
import { heatmapColorbar } from './colorbar.js';
import { drawText, fitText, formatNumber, measureText, wrapText } from './font.js';
import { renderHeatmap, type Heatmap, type HeatmapOptions } from './heatmap.js';
import { blit, checkImage, createImage, displayFactor, strokeRect, upscaleNearest, WHITE, type Image, type Rgb } from './image.js';

export interface GridPanel {
  /** Drawn above the heat map, usually the method name. */
  title: string;
  heatmap: Heatmap;
  /** One short line under the colour bar (target, convergence delta...). */
  caption?: string;
}

export interface GridOptions {
  /** A line across the top of the grid. */
  title?: string;
  /** Title of the input panel, default "input". */
  inputTitle?: string;
  /** One line under the input (the prediction, say). */
  inputCaption?: string;
  /** Panels per row, input included; default all in one row. */
  columns?: number;
  /** Font dot size of titles, default 2; captions and bar labels use the same. */
  fontScale?: number;
  margin?: number;
  gap?: number;
}

const TEXT: Rgb = [30, 30, 30];
const MUTED: Rgb = [90, 90, 90];
const FRAME: Rgb = [170, 170, 170];

/**
 * Several methods side by side for one input: the input first, then one heat map per panel, each
 * with its title above and its own colour bar below. Each method gets its own bar on purpose:
 * different methods produce attributions on different scales (a gradient vs. gradient x input vs.
 * an occlusion score), and each heat map is normalised by its own outlier threshold, so one shared
 * bar would label all but one of them wrongly.
 */
export function renderGrid(input: Image, panels: readonly GridPanel[], options: GridOptions = {}): Image {
  checkImage(input, 'input image');
  if (panels.length === 0) throw new UsageError('a grid needs at least one heat map', 'pass one panel per method');
  const scale = options.fontScale ?? 2;
  const margin = options.margin ?? 16 + 2 * scale;
  const gap = options.gap ?? 12 + 4 * scale;
  const cellWidth = Math.max(...panels.map((p) => p.heatmap.image.width));
  const imageHeight = Math.max(...panels.map((p) => p.heatmap.image.height));
  // The input at the heat maps' display scale, so pixels line up across panels.
  const first = panels[0].heatmap;
  const sameSize = input.width * first.upscale === first.image.width;
  const shownInput = upscaleNearest(input, sameSize ? first.upscale : displayFactor(input.width, input.height, cellWidth));

  const bars = panels.map((p) => heatmapColorbar(p.heatmap, { width: p.heatmap.image.width, fontScale: scale }));
  const lineHeight = measureText('Ag', scale).height;
  const width0 = Math.max(cellWidth, shownInput.width);
  // Long method names wrap onto a second line rather than being cut.
  const titles = [options.inputTitle ?? 'input', ...panels.map((p) => p.title)].map((t) => wrapText(t, width0, scale, 2));
  const captions = [options.inputCaption, ...panels.map((p) => p.caption)].map((c) => (c ? wrapText(c, width0, scale, 2) : []));
  const titleHeight = Math.max(...titles.map((t) => t.length)) * lineHeight + 4 * scale;
  const barHeight = Math.max(...bars.map((b) => b.height));
  const captionLines = Math.max(...captions.map((c) => c.length));
  const captionHeight = captionLines > 0 ? captionLines * lineHeight + 3 * scale : 0;
  const cellHeight = titleHeight + Math.max(imageHeight, shownInput.height) + 6 * scale + barHeight + captionHeight;

  const cells = panels.length + 1;
  const columns = Math.max(1, Math.min(cells, options.columns ?? cells));
  const rows = Math.ceil(cells / columns);
  const headerHeight = options.title ? lineHeight + 8 * scale : 0;
  const width = 2 * margin + columns * width0 + (columns - 1) * gap;
  const height = 2 * margin + headerHeight + rows * cellHeight + (rows - 1) * gap;
  const img = createImage(width, height, WHITE);

  if (options.title) drawText(img, fitText(options.title, width - 2 * margin, scale), margin, margin, { scale, color: TEXT });

  const place = (index: number) => ({
    x: margin + (index % columns) * (width0 + gap),
    y: margin + headerHeight + Math.floor(index / columns) * (cellHeight + gap),
  });
  // Centred lines; a one-line title sits on the bottom line so images stay aligned under it.
  const lines = (text: string[], x: number, y: number, color: Rgb, area = text.length) => {
    text.forEach((t, k) => {
      const ty = y + (area - text.length + k) * lineHeight;
      drawText(img, t, x + Math.floor((width0 - measureText(t, scale).width) / 2), ty, { scale, color });
    });
  };
  const titleLines = titleHeight > lineHeight + 4 * scale ? 2 : 1;

  {
    const { x, y } = place(0);
    lines(titles[0], x, y, TEXT, titleLines);
    const ix = x + Math.floor((width0 - shownInput.width) / 2);
    blit(img, shownInput, ix, y + titleHeight);
    strokeRect(img, ix, y + titleHeight, shownInput.width, shownInput.height, FRAME);
    lines(captions[0], x, y + titleHeight + shownInput.height + 4 * scale, MUTED);
  }
  panels.forEach((panel, i) => {
    const { x, y } = place(i + 1);
    const hm = panel.heatmap.image;
    lines(titles[i + 1], x, y, TEXT, titleLines);
    const hx = x + Math.floor((width0 - hm.width) / 2);
    blit(img, hm, hx, y + titleHeight);
    strokeRect(img, hx, y + titleHeight, hm.width, hm.height, FRAME);
    const barY = y + titleHeight + imageHeight + 6 * scale;
    blit(img, bars[i], hx, barY);
    lines(captions[i + 1], x, barY + barHeight + 3 * scale, MUTED);
  });
  return img;
}

export interface AttributionGridOptions extends GridOptions {
  /** Which row of each result to show, default 0. */
  row?: number;
  /** How every heat map is drawn; `image` defaults to the grid's input. */
  heatmap?: HeatmapOptions;
  /** Names for target indices in captions. */
  classNames?: readonly string[];
}

/** A grid straight from results: one panel per result, titled by method, captioned with target and delta. */
export function attributionGrid(input: Image, results: readonly AttributionResult[], options: AttributionGridOptions = {}): Image {
  const row = options.row ?? 0;
  const panels = results.map((r): GridPanel => {
    if (row < 0 || row >= r.batchSize) {
      throw new UsageError(`row ${row} is out of range for ${r.method} (${r.batchSize} rows)`, 'pick a row the results have');
    }
    const heatmap = renderHeatmap(r.row(row), { image: input, ...options.heatmap });
    const parts: string[] = [];
    const t = r.target?.[row];
    if (t !== undefined) parts.push(`target ${options.classNames?.[t] ?? t}`);
    const d = r.convergenceDelta?.[row];
    if (d !== undefined) parts.push(`delta ${formatNumber(d)}`);
    return { title: r.method, heatmap, ...(parts.length ? { caption: parts.join(', ') } : {}) };
  });
  return renderGrid(input, panels, options);
}
