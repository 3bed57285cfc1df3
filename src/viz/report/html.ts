import { UsageError } from '../../errors.js';
import { writeFileAtomic } from '../../io/atomic-write.js';
import type { AttributionResult, JsonValue } from '../../attribution/result.js';
import type { ModelInfo } from '../../models/model.js';
import { heatmapColorbar } from '../colorbar.js';
import { formatNumber } from '../font.js';
import { renderHeatmap, type HeatmapOptions } from '../heatmap.js';
import { checkImage, displayFactor, upscaleNearest, type Image } from '../image.js';
import { pngDataUri } from '../png.js';
import { BASE_CSS, escapeHtml, htmlPage } from './page.js';
import type { VitAttentionPanels } from '../../models/vit/attention-panels.js';
import { VIT_ATTENTION_CSS, vitAttentionSection } from './vit-attention.js';

/** What the report says about the model; a ModelInfo fits as is. */
export type ReportModel = Pick<ModelInfo, 'name' | 'outputKind'>
  & Partial<Pick<ModelInfo, 'engine' | 'inputShape' | 'numOutputs' | 'classNames' | 'description'>>;

export interface ReportPrediction {
  /** The model's output row as it came out: logits, probabilities or values, per model.outputKind. */
  outputs: ArrayLike<number>;
  /** Class probabilities when already known; otherwise softmax(outputs) for logits, the outputs themselves for probabilities. */
  probabilities?: ArrayLike<number>;
  /** Overrides model.classNames. */
  classNames?: readonly string[];
}

export interface ReportItem {
  result: AttributionResult;
  /** Which row of the result is this input, default 0. */
  row?: number;
  /** How the heat map is drawn; `image` defaults to the report's input image. */
  heatmap?: HeatmapOptions;
  /** Section heading, default the method name. */
  title?: string;
}

export interface ReportInput {
  model: ReportModel;
  /** The input as a person sees it, at the size the model saw (imageFromInput gives it). */
  image: Image;
  /** Where the input came from (a file name), shown under it. */
  inputLabel?: string;
  prediction?: ReportPrediction;
  items: readonly ReportItem[];
  /** A vision transformer's [CLS] attention (vitAttentionPanels): adds an "Attention" section before the methods' sections. */
  attention?: VitAttentionPanels;
  title?: string;
  /** Default now; pass one for reproducible output. */
  date?: Date;
  /** Default the version in Glassbox's package.json. */
  version?: string;
  /** How many classes the prediction list shows, most probable first; default 10. */
  topK?: number;
}

export { escapeHtml } from './page.js';

/** Numerically stable softmax (max subtracted before exponentiating). */
export function softmax(values: ArrayLike<number>): number[] {
  const xs = Array.from(values);
  const max = Math.max(...xs);
  const exps = xs.map((x) => Math.exp(x - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}

const e = (s: string | number) => escapeHtml(String(s));

function formatMs(ms: number): string {
  return ms < 1000 ? `${ms.toFixed(1)} ms` : `${(ms / 1000).toFixed(2)} s`;
}

function formatPercent(p: number): string {
  const v = p * 100;
  return `${v >= 10 || v === 0 ? v.toFixed(1) : Number(v.toPrecision(2))}%`;
}

/** A parameter value as short text: long arrays are abbreviated, objects shown as JSON. */
function formatParam(v: JsonValue): string {
  if (Array.isArray(v)) {
    const shown = v.slice(0, 8).map((x) => (typeof x === 'object' && x !== null ? JSON.stringify(x) : String(x)));
    return `[${shown.join(', ')}${v.length > 8 ? `, ... (${v.length} values)` : ''}]`;
  }
  if (typeof v === 'object' && v !== null) {
    const s = JSON.stringify(v);
    return s.length > 200 ? `${s.slice(0, 200)}...` : s;
  }
  return String(v);
}

const CSS = `${BASE_CSS}
:root { color-scheme: light; --ink: #1e1e1e; --muted: #666; --line: #ddd; --accent: #b2182b; --bar: #2166ac; }
figure { margin: 0; }
img { image-rendering: pixelated; display: block; border: 1px solid #aaa; }
img.bar { border: 0; margin-top: 6px; }
code { font: 13px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
ol.probs { list-style: none; padding: 0; margin: 0; min-width: 320px; }
ol.probs li { display: grid; grid-template-columns: minmax(60px, 160px) 220px 70px; gap: 10px; align-items: center; padding: 2px 0; }
ol.probs .label { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
ol.probs .track { height: 14px; background: #eee; border-radius: 2px; overflow: hidden; }
ol.probs .fill { display: block; height: 100%; background: var(--bar); }
ol.probs li.top .fill { background: var(--accent); }
ol.probs li.top .label { font-weight: 700; }
ol.probs .value { text-align: right; font-variant-numeric: tabular-nums; font-size: 13px; }
.tag { display: inline-block; font-size: 12px; padding: 0 6px; border-radius: 3px; background: #f3f3f3; color: var(--muted); margin-left: 6px; }
footer { color: var(--muted); font-size: 12px; margin-top: 18px; }
${VIT_ATTENTION_CSS}`;

function predictionSection(input: ReportInput): string {
  const p = input.prediction;
  if (!p) return '';
  const outputs = Array.from(p.outputs);
  if (outputs.length === 0) throw new UsageError('the prediction has no outputs', 'pass the model output row for this input');
  const names = p.classNames ?? input.model.classNames;
  const kind = input.model.outputKind;
  const probs = p.probabilities ? Array.from(p.probabilities)
    : kind === 'logits' ? softmax(outputs) : kind === 'probabilities' ? outputs : undefined;
  const scores = probs ?? outputs;
  const order = scores.map((_, i) => i).sort((a, b) => scores[b] - scores[a]);
  const top = order[0];
  const k = Math.min(order.length, Math.max(1, input.topK ?? 10));
  const label = (i: number) => names?.[i] ?? String(i);
  const maxAbs = Math.max(...outputs.map(Math.abs)) || 1;
  const rows = order.slice(0, k).map((i) => {
    const fraction = probs ? probs[i] : Math.abs(outputs[i]) / maxAbs;
    const value = probs ? formatPercent(probs[i]) : formatNumber(outputs[i]);
    const title = `output ${i}: ${formatNumber(outputs[i])}`;
    return `<li${i === top ? ' class="top"' : ''} title="${e(title)}"><span class="label">${e(label(i))}</span>`
      + `<span class="track"><span class="fill" style="width:${(Math.max(0, Math.min(1, fraction)) * 100).toFixed(2)}%"></span></span>`
      + `<span class="value">${e(value)}</span></li>`;
  }).join('\n');
  const what = probs ? (p.probabilities || kind !== 'logits' ? 'class probabilities' : 'class probabilities (softmax of the logits)') : 'output values';
  const more = k < order.length ? ` (top ${k} of ${order.length})` : '';
  return `<div><h2>Prediction</h2>
<p>Predicted <strong>${e(label(top))}</strong>${probs ? ` with probability ${e(formatPercent(probs[top]))}` : ''}.</p>
<p class="muted">${e(what)}${e(more)}</p>
<ol class="probs">
${rows}
</ol></div>`;
}

function itemSection(input: ReportInput, item: ReportItem, index: number, names: readonly string[] | undefined): string {
  const r = item.result;
  const row = item.row ?? 0;
  if (!Number.isInteger(row) || row < 0 || row >= r.batchSize) {
    throw new UsageError(`row ${row} is out of range for ${r.method} (${r.batchSize} rows)`, 'pick a row the result has');
  }
  const attributions = r.row(row);
  const heatmap = renderHeatmap(attributions, { image: input.image, ...item.heatmap });
  const bar = heatmapColorbar(heatmap);
  let sum = 0;
  for (const v of attributions.data) sum += v;
  const target = r.target?.[row];
  const delta = r.convergenceDelta?.[row];
  const facts: [string, string][] = [
    ['target', target === undefined ? 'custom output function' : `${names?.[target] ?? target} (output ${target})`],
    ['run time', formatMs(r.timeMs)],
  ];
  if (delta !== undefined) facts.push(['convergence delta', formatNumber(delta)]);
  facts.push(['sum of attributions', formatNumber(sum)]);
  const legend = heatmap.sign === 'all' && heatmap.colormap.name === 'rdbu_r' ? ' (red: for the target, blue: against, white: 0)' : '';
  facts.push(['shown as', `${heatmap.method}, sign ${heatmap.sign}${legend}`]);
  facts.push(['colour range', `${formatNumber(heatmap.vmin)} to ${formatNumber(heatmap.vmax)}`
    + ` (${heatmap.outlierPercentile}% outlier mass clipped; ${formatPercent(heatmap.clippedFraction)} of pixels)`]);
  const params = Object.entries(r.params);
  const paramRows = params.length
    ? params.map(([k, v]) => `<tr><th><code>${e(k)}</code></th><td><code>${e(formatParam(v))}</code></td></tr>`).join('\n')
    : '<tr><td class="muted">none</td></tr>';
  const title = item.title ?? r.method;
  return `<section id="method-${index + 1}">
<h2>${e(title)}${item.title ? ` <span class="tag">${e(r.method)}</span>` : ''}</h2>
<div class="flex">
<figure><img src="${pngDataUri(heatmap.image)}" width="${heatmap.image.width}" height="${heatmap.image.height}" alt="${e(`${title} heat map`)}">
<img class="bar" src="${pngDataUri(bar)}" width="${bar.width}" height="${bar.height}" alt="${e(`colour bar from ${formatNumber(heatmap.vmin)} to ${formatNumber(heatmap.vmax)}`)}"></figure>
<div><h3>Result</h3><table>
${facts.map(([k, v]) => `<tr><th>${e(k)}</th><td>${e(v)}</td></tr>`).join('\n')}
</table></div>
<div><h3>Parameters</h3><table>
${paramRows}
</table></div>
</div>
</section>`;
}

/**
 * A self-contained HTML report: images are inlined as PNG data URIs and the page has no scripts,
 * external styles or fonts, so it opens from disk; a Content-Security-Policy forbids any fetch.
 * Every string from the caller (names, parameters, class names) is HTML-escaped.
 */
export function renderReport(input: ReportInput): string {
  checkImage(input.image, 'report input image');
  const m = input.model;
  const names = input.prediction?.classNames ?? m.classNames;
  const title = input.title ?? `Glassbox report: ${m.name}`;
  const shown = upscaleNearest(input.image, displayFactor(input.image.width, input.image.height));

  const modelRows: [string, string][] = [['name', m.name]];
  if (m.engine) modelRows.push(['engine', m.engine]);
  if (m.inputShape) modelRows.push(['input shape', `[${m.inputShape.join(', ')}]`]);
  if (m.numOutputs !== undefined) modelRows.push(['outputs', `${m.numOutputs} (${m.outputKind})`]);
  else modelRows.push(['output kind', m.outputKind]);
  if (m.description) modelRows.push(['description', m.description]);

  const summary = input.items.map((it, i) => {
    const r = it.result;
    const delta = r.convergenceDelta?.[it.row ?? 0];
    return `<tr><td><a href="#method-${i + 1}">${e(it.title ?? r.method)}</a></td><td class="num">${e(formatMs(r.timeMs))}</td>`
      + `<td class="num">${delta === undefined ? '' : e(formatNumber(delta))}</td></tr>`;
  }).join('\n');
  const attentionRow = input.attention
    ? `<tr><td><a href="#attention">attention ([CLS] rollout and heads)</a></td><td class="num"></td><td class="num"></td></tr>\n` : '';

  return htmlPage({ title, css: CSS, date: input.date, version: input.version, body: `<section class="flex">
<figure><img src="${pngDataUri(shown)}" width="${shown.width}" height="${shown.height}" alt="input image">
<figcaption>${input.inputLabel ? e(input.inputLabel) : `input (${input.image.width} x ${input.image.height})`}</figcaption></figure>
<div><h2>Model</h2><table>
${modelRows.map(([k, v]) => `<tr><th>${e(k)}</th><td>${e(v)}</td></tr>`).join('\n')}
</table></div>
${predictionSection(input)}
</section>
${input.items.length || input.attention ? `<section><h2>Methods</h2><table>
<tr><th>method</th><th>run time</th><th>convergence delta</th></tr>
${attentionRow}${summary}
</table></section>` : ''}
${input.attention ? vitAttentionSection(input.attention, input.image) : ''}
${input.items.map((it, i) => itemSection(input, it, i, names)).join('\n')}
<footer>Heat maps follow Captum's visualize_image_attr: attributions are summed over channels, divided by the
outlier threshold and clipped, so the colour bar ends are the clipping values, not the extremes.</footer>` });
}

/** Renders the report and writes it atomically. */
export function writeReport(path: string, input: ReportInput): void {
  writeFileAtomic(path, renderReport(input));
}
