import { createHash } from 'node:crypto';
import { UsageError } from '../../errors.js';
import { checkAttentionMaps, checkTokenMatrix } from '../../attention/check.js';
import type { AttentionMaps, TokenMatrix } from '../../attention/types.js';
import { htmlPage } from '../report/page.js';
import { displayToken } from './common.js';
import { HEAD_VIEW_SCRIPT } from './head-view-script.js';

/*
 * The head view and model view (after BertViz, Vig 2019) as one self-contained page: a layer and head
 * selector; "lines" from each token (left) to the tokens it attends to (right), hover to focus a token;
 * a query x key "matrix" for long inputs; a "model" grid of every layer and head. The weights travel
 * inside the page as 16-bit integers; for long inputs only each query's top-k keys are kept, so the
 * page stays a few megabytes at 512 tokens x 144 heads.
 */
export interface HeadViewOptions {
  title?: string;
  /** Extra maps offered in the layer selector after the layers, e.g. [{ name: 'rollout', matrix }]. */
  extras?: readonly { name: string; matrix: TokenMatrix }[];
  /**
   * Most weights stored in the page (default 1,500,000): each query keeps its top-k keys with
   * k = max(8, budget / (maps x queries)), all keys when they fit.
   */
  maxStoredWeights?: number;
  date?: Date;
  version?: string;
}

/** What the page's script reads: sizes, names and the per-map scale of the 16-bit weights. */
export interface HeadViewData {
  tokens: string[];
  length: number;
  /** Keys kept per query. */
  k: number;
  maps: number;
  panels: { name: string; heads: number; first: number }[];
  scales: number[];
  note: string;
}

/** The top-k encoding of the maps: keys then weights, both Uint16 ([map][query][rank]), and the metadata. */
export function encodeHeadView(maps: AttentionMaps, options: Pick<HeadViewOptions, 'extras' | 'maxStoredWeights'> = {}): { meta: HeadViewData; data: Uint16Array } {
  checkAttentionMaps(maps);
  const n = maps.length;
  if (n > 65535) throw new UsageError(`${n} tokens are too many for the head view`, 'show at most 65,535 tokens');
  const extras = options.extras ?? [];
  extras.forEach((e) => {
    checkTokenMatrix(e.matrix, e.name);
    if (e.matrix.length !== n) throw new UsageError(`the extra map "${e.name}" has ${e.matrix.length} tokens, the attention ${n}`, 'pass maps of the same input');
  });
  const sources: Float32Array[] = [];
  const panels: HeadViewData['panels'] = [];
  const n2 = n * n;
  for (let l = 0; l < maps.layers; l++) {
    panels.push({ name: `layer ${l}`, heads: maps.heads, first: sources.length });
    for (let h = 0; h < maps.heads; h++) sources.push(maps.weights.subarray((l * maps.heads + h) * n2, (l * maps.heads + h + 1) * n2));
  }
  for (const e of extras) {
    panels.push({ name: e.name, heads: 1, first: sources.length });
    sources.push(e.matrix.values);
  }
  const budget = options.maxStoredWeights ?? 1_500_000;
  if (!(budget >= 1)) throw new UsageError(`maxStoredWeights ${budget} is not positive`, 'give a budget of stored weights, e.g. 1500000');
  const k = Math.min(n, Math.max(8, Math.floor(budget / (sources.length * n))));
  const per = n * k;
  const data = new Uint16Array(2 * sources.length * per);
  const wOff = sources.length * per;
  const scales: number[] = [];
  const order = new Uint32Array(n);
  sources.forEach((src, m) => {
    let scale = 0;
    for (const v of src) {
      if (!Number.isFinite(v) || v < 0) throw new UsageError(`map ${panels.find((p) => p.first <= m && m < p.first + p.heads)?.name} holds ${v}`, 'show non-negative finite weights');
      if (v > scale) scale = v;
    }
    scale ||= 1;
    scales.push(scale);
    for (let q = 0; q < n; q++) {
      const row = src.subarray(q * n, (q + 1) * n);
      for (let j = 0; j < n; j++) order[j] = j;
      const ranked = k === n ? Array.from(order).sort((a, b) => row[b] - row[a]) : topK(row, k);
      for (let j = 0; j < k; j++) {
        data[m * per + q * k + j] = ranked[j];
        data[wOff + m * per + q * k + j] = Math.round((row[ranked[j]] / scale) * 65535);
      }
    }
  });
  const note = k < n ? `Showing each query's ${k} strongest keys of ${n} (the page keeps at most ${budget.toLocaleString('en-US')} weights).` : `All ${n} keys of every query.`;
  return {
    meta: { tokens: maps.tokens.map((t) => displayToken(t).text), length: n, k, maps: sources.length, panels, scales, note },
    data,
  };
}

/** Indices of the k largest values, largest first (a partial selection: n log k, not a full sort per row). */
function topK(row: Float32Array, k: number): number[] {
  const idx: number[] = [];
  for (let j = 0; j < row.length; j++) {
    if (idx.length === k && row[j] <= row[idx[k - 1]]) continue;
    let at = idx.length === k ? k - 1 : idx.length;
    if (idx.length === k) idx.pop();
    while (at > 0 && row[idx[at - 1]] < row[j]) at--;
    idx.splice(at, 0, j);
  }
  return idx;
}

const CSS = `
body { font-family: 'DejaVu Sans', Verdana, sans-serif; color: #333; margin: 20px; }
h1 { font-size: 20px; margin: 0 0 2px; } .meta { color: #888; font-size: 12px; margin: 0 0 12px; }
.controls { display: flex; flex-wrap: wrap; gap: 14px; align-items: center; font-size: 13px; margin-bottom: 8px; }
.controls select, .controls input { font: inherit; }
#gb-status { font-size: 13px; min-height: 1.4em; background: #f6f6f6; border: 1px solid #e4e4e4; border-radius: 3px; padding: 4px 8px; margin-bottom: 8px; overflow-wrap: anywhere; }
.view { max-width: 920px; }
#gb-lines { max-height: 78vh; overflow-y: auto; border: 1px solid #eee; }
canvas { display: block; }
#gb-matrix-canvas { cursor: crosshair; image-rendering: pixelated; }
#gb-model-canvas { cursor: pointer; }
.small { color: #888; font-size: 12px; }
.chip { display: inline-block; min-width: 18px; padding: 1px 3px; margin-right: 3px; border-radius: 3px; color: #fff; text-align: center; cursor: pointer; font-size: 11px; opacity: 0.75; }
.chip.on { opacity: 1; outline: 2px solid #333; }
`;

/** The interactive head view / model view page for `maps` (one input). */
export function headViewHtml(maps: AttentionMaps, options: HeadViewOptions = {}): string {
  const { meta, data } = encodeHeadView(maps, options);
  const title = options.title ?? 'Attention';
  const scriptHash = createHash('sha256').update(HEAD_VIEW_SCRIPT, 'utf8').digest('base64');
  // JSON inside <script>: "<" escaped so no token text can close the element.
  const metaJson = JSON.stringify(meta).replace(/</g, '\\u003c');
  const b64 = Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64');
  return htmlPage({
    title, css: CSS, scriptHash, subtitle: `${maps.length} tokens, ${maps.layers} layers x ${maps.heads} heads${maps.causal ? ', causal' : ''}.`,
    ...(options.date ? { date: options.date } : {}), ...(options.version ? { version: options.version } : {}),
    body: `<div class="controls">
<label>View <select id="gb-view"><option value="lines">head view (lines)</option><option value="matrix">matrix</option><option value="model">model view (all heads)</option></select></label>
<label>Layer <select id="gb-layer"></select></label>
<label>Head <select id="gb-head"></select></label>
<label>Lines per token <input id="gb-lines-per" type="number" min="1" max="${meta.k}" value="3" style="width:4em"></label>
<span id="gb-heads-legend"></span>
</div>
<div id="gb-status" role="status"></div>
<div class="view">
<div id="gb-lines"><canvas id="gb-lines-canvas" aria-label="attention lines from each token (left) to the tokens it attends to (right)"></canvas></div>
<div id="gb-matrix" hidden><canvas id="gb-matrix-canvas" aria-label="attention matrix, rows are queries, columns keys"></canvas><p id="gb-matrix-scale" class="small"></p></div>
<div id="gb-model" hidden><canvas id="gb-model-canvas" aria-label="every layer and head"></canvas></div>
</div>
<noscript><p>This view needs JavaScript; the static heatmaps (attention --format svg/png) need none.</p></noscript>
<script id="gb-meta" type="application/json">${metaJson}</script>
<script id="gb-data" type="application/octet-stream">${b64}</script>
<script>${HEAD_VIEW_SCRIPT}</script>`,
  });
}
