import { UsageError } from '../../errors.js';
import { colorAt, getColormap, type ColormapName } from '../colormaps.js';
import { upscaleNearest, type Image } from '../image.js';
import { pngDataUri } from '../png.js';
import { INK, MUTED, NAN_COLOR } from '../tabular/common.js';
import { Svg, escapeXml, fitText, num, textWidth } from '../tabular/svg.js';
import { randomisationExamples, randomisationMetrics, type RandomisationExample } from './randomisation-examples.js';
import { scaleSaliencyMap } from './saliency-scaling.js';
import { checkEvaluationSummary, type EvaluationSummary } from './summary.js';

export interface RandomisationGridOptions {
  /** The randomisation metric whose maps to draw, default the first that kept some. */
  metric?: string;
  /** Example rows per method, default 1. */
  examples?: number;
  /** Display size of a map's longer side in pixels, default 84 (a whole number of pixels per feature). */
  cellSize?: number;
  /** Absolute maps on a sequential colour map (default, as Adebayo et al.), or signed ones on a diverging map. */
  absolute?: boolean;
  /** Percentile each map is clipped at, default 99. */
  clipPercentile?: number;
  /** Default 'gray' for absolute maps (Adebayo et al.'s figures), 'rdbu_r' for signed ones. */
  colormap?: ColormapName;
  /** Pixels of the embedded pictures per SVG unit, default 2 (matches the PNG scale, so PNGs stay crisp). */
  imageScale?: number;
}

const NAN_RGB: [number, number, number] = [0x77, 0x77, 0x77];

/** A map as RGB pixels, nearest-neighbour upscaled so neither a browser nor resvg smooths the features. */
function mapImage(values: Float64Array, [h, w]: [number, number], signed: boolean, map: ColormapName, factor: number): Image {
  const cmap = getColormap(map);
  const data = new Uint8Array(h * w * 3);
  values.forEach((v, p) => data.set(Number.isNaN(v) ? NAN_RGB : colorAt(cmap, signed ? (v + 1) / 2 : v), p * 3));
  return upscaleNearest({ width: w, height: h, channels: 3, data }, factor);
}

/** The input as grey (one value per feature) or colour (channels last), stretched from its min to its max. */
function inputImage(input: readonly (number | null)[], [h, w]: [number, number], factor: number): Image {
  const channels = input.length / (h * w);
  const values = input.map((v) => (typeof v === 'number' && Number.isFinite(v) ? v : NaN));
  const finite = values.filter(Number.isFinite);
  const lo = finite.reduce((a, b) => Math.min(a, b), Infinity);
  const hi = finite.reduce((a, b) => Math.max(a, b), -Infinity);
  const data = new Uint8Array(h * w * 3);
  for (let p = 0; p < h * w; p++) {
    for (let c = 0; c < 3; c++) {
      const v = values[p * channels + (channels === 1 ? 0 : c)];
      data[p * 3 + c] = Number.isNaN(v) ? NAN_RGB[c] : hi > lo ? Math.round(((v - lo) / (hi - lo)) * 255) : 0;
    }
  }
  return upscaleNearest({ width: w, height: h, channels: 3, data }, factor);
}

function image(svg: Svg, x: number, y: number, w: number, h: number, picture: Image, label: string): void {
  svg.raw(`<image x="${num(x)}" y="${num(y)}" width="${num(w)}" height="${num(h)}" preserveAspectRatio="none" style="image-rendering:pixelated" href="${pngDataUri(picture)}"><title>${escapeXml(label)}</title></image>`);
}

interface GridLayout {
  metric: string;
  results: EvaluationSummary['results'];
  rows: { method: string; example: RandomisationExample }[];
  steps: string[];
  withInput: boolean;
  cellW: number;
  cellH: number;
  labelW: number;
  left: number;
  top: number;
  rowGap: number;
  legendH: number;
  width: number;
  height: number;
  /** Left edge of column c (the input column first when there is one). */
  colX: (c: number) => number;
  stepStart: number;
}

/** Where everything of the grid goes; shared with the similarity chart, whose points sit under their columns. */
function gridLayout(summary: EvaluationSummary, options: RandomisationGridOptions): GridLayout {
  checkEvaluationSummary(summary);
  const available = randomisationMetrics(summary);
  if (available.length === 0) {
    throw new UsageError('the evaluation has no randomisation maps to draw',
      'evaluate with --metrics randomisation (the model parameter randomisation test keeps example maps) on an image model');
  }
  const metric = options.metric ?? available[0];
  if (!available.includes(metric)) throw new UsageError(`metric ${metric} kept no example maps`, `draw one of: ${available.join(', ')}`);
  const perMethod = options.examples ?? 1;
  if (!Number.isInteger(perMethod) || perMethod < 1) throw new UsageError(`examples ${perMethod} is not a positive integer`, 'draw at least one example row per method');
  const results = summary.results.filter((r) => r.metric === metric)
    .sort((a, b) => summary.methods.indexOf(a.method) - summary.methods.indexOf(b.method));
  const rows: { method: string; example: RandomisationExample }[] = [];
  for (const r of results) for (const example of randomisationExamples(r).slice(0, perMethod)) rows.push({ method: r.method, example });
  const first = rows[0].example;
  const steps = first.steps;
  for (const { method, example } of rows) {
    if (example.steps.length !== steps.length || example.steps.some((s, i) => s !== steps[i])) {
      throw new UsageError(`the randomisation steps of ${method} (${example.steps.join(', ')}) differ from those of ${rows[0].method} (${steps.join(', ')})`,
        'draw results of one randomisation run, made on one model');
    }
  }
  for (const { method, example } of rows) {
    if (example.featureShape[0] !== first.featureShape[0] || example.featureShape[1] !== first.featureShape[1]) {
      throw new UsageError(`the maps of ${method} are ${example.featureShape.join(' x ')} but those of ${rows[0].method} ${first.featureShape.join(' x ')}`,
        'draw results of one randomisation run, made on one model');
    }
  }
  const withInput = rows.some((r) => r.example.input !== undefined);
  const [h0, w0] = first.featureShape;
  const target = options.cellSize ?? 84;
  if (!(Number.isFinite(target) && target > 0)) throw new UsageError(`cell size ${target} is not a positive number of pixels`, 'use e.g. cellSize: 84');
  const k = Math.max(1, Math.round(target / Math.max(h0, w0)));
  const cellW = w0 * k;
  const cellH = h0 * k;
  const gap = 6;
  const labels = rows.map((r) => r.method);
  const labelW = Math.min(170, Math.max(70, ...labels.map((l) => textWidth(l, 12, true))) + 14);
  const columns = (withInput ? 1 : 0) + steps.length;
  const left = labelW;
  const top = 90;
  const rowGap = 10;
  const legendH = 70;
  const width = Math.max(left + columns * (cellW + gap) + 10, 420);
  const height = top + rows.length * (cellH + rowGap) + legendH;
  const colX = (c: number) => left + c * (cellW + gap);
  return { metric, results, rows, steps, withInput, cellW, cellH, labelW, left, top, rowGap, legendH, width, height, colX, stepStart: withInput ? 1 : 0 };
}

/** The grid's width and the centre of each randomisation step's column, in pixels. */
export function randomisationStepCentres(summary: EvaluationSummary, options: RandomisationGridOptions = {}): { width: number; centres: number[] } {
  const g = gridLayout(summary, options);
  return { width: g.width, centres: g.steps.map((_, s) => g.colX(g.stepStart + s) + g.cellW / 2) };
}

/**
 * The randomisation test's picture after Adebayo et al. (2018), Figure 2: a row per method (and example
 * input), a column for the explanation under the original model, then one per randomisation step (for
 * cascading randomisation: the top layer first, then each layer below it too, up to all layers). Each
 * map is scaled on its own (|value|, clipped at its 99th percentile) so structure shows whatever the
 * gradients' size; a map with no finite value is a grey cell marked NaN.
 */
export function randomisationGridPlot(summary: EvaluationSummary, options: RandomisationGridOptions = {}): string {
  const { metric, results, rows, steps, withInput, cellW, cellH, labelW, left, top, rowGap, legendH, width, height, colX, stepStart } = gridLayout(summary, options);
  const absolute = options.absolute ?? true;
  const colormap = options.colormap ?? (absolute ? 'gray' : 'rdbu_r');
  const imageScale = options.imageScale ?? 2;
  if (!(Number.isInteger(imageScale) && imageScale >= 1 && imageScale <= 8)) throw new UsageError(`image scale ${imageScale} is not a whole number from 1 to 8`, 'use 1 or 2');
  const target = options.cellSize ?? 84;
  const params = results[0].params;
  const mode = typeof params.mode === 'string' ? params.mode : undefined;
  const svg = new Svg(width, height, `${metric}${mode ? ` (${mode})` : ''} of ${summary.methods.join(', ')} on ${summary.model}`);

  const title = `${mode === 'independent' ? 'Independent' : mode === 'cascading' ? 'Cascading' : 'Model parameter'} randomisation: ${summary.model}`;
  svg.text(width / 2, 19, fitText(title, width - 16, 14, true), { size: 14, anchor: 'middle', bold: true, fill: INK });
  const how = mode === 'independent'
    ? 'each column: the original model with only that layer randomised'
    : 'the original model, then layers randomised from the output down, cumulatively';
  svg.text(width / 2, 37, fitText(how, width - 16, 11), { size: 11, anchor: 'middle', fill: MUTED });

  // A bracket over the randomised steps says which way the randomisation runs.
  if (steps.length > 1) {
    const x1 = colX(stepStart + 1);
    const x2 = colX(stepStart + steps.length - 1) + cellW;
    svg.line(x1, 62, x2, 62, { stroke: MUTED, 'stroke-width': 1 });
    svg.polygon([[x2, 62], [x2 - 6, 59], [x2 - 6, 65]], { fill: MUTED });
    svg.text((x1 + x2) / 2, 57, fitText(mode === 'independent' ? 'layer randomised' : 'more layers randomised', x2 - x1, 11), { size: 11, anchor: 'middle', fill: MUTED });
  }
  const headers = [...(withInput ? ['input'] : []), ...steps];
  headers.forEach((name, c) => {
    svg.text(colX(c) + cellW / 2, 81, fitText(name, colX(1) - colX(0) - 2, 11), { size: 11, anchor: 'middle', fill: INK, bold: c === stepStart });
  });

  rows.forEach(({ method, example }, r) => {
    const y = top + r * (cellH + rowGap);
    svg.text(left - 10, y + cellH / 2 - 6, fitText(method, labelW - 14, 12, true), { size: 12, anchor: 'end', baseline: 'middle', bold: true, fill: INK });
    svg.text(left - 10, y + cellH / 2 + 9, `row ${example.row}`, { size: 11, anchor: 'end', baseline: 'middle', fill: MUTED });
    const [h, w] = example.featureShape;
    const kk = Math.max(1, Math.round(target / Math.max(h, w)));
    const dw = w * kk;
    const dh = h * kk;
    if (withInput) {
      if (example.input) image(svg, colX(0), y, dw, dh, inputImage(example.input, [h, w], kk * imageScale), `input, row ${example.row}`);
      else svg.rect(colX(0), y, dw, dh, { fill: '#f3f3f3' });
    }
    example.maps.forEach((m, s) => {
      const x = colX(stepStart + s);
      const scaled = scaleSaliencyMap(m.map((v) => (v === null ? NaN : v)), { absolute, clipPercentile: options.clipPercentile });
      if (scaled.every(Number.isNaN)) {
        svg.rect(x, y, dw, dh, { fill: NAN_COLOR, class: 'nan-map' });
        svg.text(x + dw / 2, y + dh / 2, 'NaN', { size: 12, anchor: 'middle', baseline: 'middle', fill: '#ffffff', bold: true });
        return;
      }
      image(svg, x, y, dw, dh, mapImage(scaled, [h, w], !absolute, colormap, kk * imageScale), `${method}, ${example.steps[s]}`);
    });
  });

  // The scale every map was put on.
  const ly = height - legendH + 14;
  const barW = 140;
  const cmap = getColormap(colormap);
  const stops = Array.from({ length: 11 }, (_, i) => {
    const [r, g, b] = colorAt(cmap, i / 10);
    return [i / 10, `#${[r, g, b].map((v) => v.toString(16).padStart(2, '0')).join('')}`] as const;
  });
  svg.rect(left, ly, barW, 10, { fill: svg.linearGradient(stops, false), stroke: '#bbbbbb', 'stroke-width': 0.5 });
  const p = options.clipPercentile ?? 99;
  svg.text(left, ly + 24, absolute ? 'min' : `−p${p}`, { size: 11, fill: MUTED });
  svg.text(left + barW, ly + 24, `p${p}`, { size: 11, anchor: 'end', fill: MUTED });
  const note = absolute
    ? `each map's |attribution|, min to ${p}th percentile`
    : `each map divided by its ${p}th percentile of |value|`;
  svg.text(left, ly + 42, fitText(note, width - left - 10, 11), { size: 11, fill: MUTED });
  return svg.toString();
}
