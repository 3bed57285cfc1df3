import { UsageError } from '../../errors.js';
import type { LogitLens } from '../../attention/types.js';
import { escapeHtml } from '../report/page.js';
import { FONT_SIZE, INK, MUTED, drawTitle, formatValue } from '../tabular/common.js';
import { Svg, fitText, textWidth } from '../tabular/svg.js';
import { displayToken, inkOn, sequentialColor } from './common.js';

export interface LogitLensPlotOptions {
  title?: string;
  /** Colour cells by the top token's probability (default) or by the probability of the chosen token. */
  colorBy?: 'top' | 'chosen';
  /** Cell width in pixels, default 76; `fit`: the widest token shown plus a margin, from 44 to 76 (long texts stay page-wide). */
  cellWidth?: number | 'fit';
  /** Draw only the last this many positions (long inputs), default all. */
  lastPositions?: number;
}

function checkLens(lens: LogitLens): void {
  const n = lens.tokens.length;
  const L = lens.layerNames.length;
  if (n === 0 || L === 0) throw new UsageError('the logit lens is empty', 'run the lens on a non-empty text');
  if (lens.top.length !== L || lens.chosenProbability.length !== L) {
    throw new UsageError(`the logit lens has ${lens.top.length} top-token rows and ${lens.chosenProbability.length} probability rows for ${L} layers`, 'give one row per layer name');
  }
  lens.top.forEach((row, l) => {
    if (row.length !== n || lens.chosenProbability[l].length !== n) throw new UsageError(`layer ${lens.layerNames[l]} of the logit lens does not have ${n} positions`, 'give one entry per token');
    row.forEach((cell, q) => {
      if (cell.length === 0) throw new UsageError(`the logit lens has no top token at layer ${lens.layerNames[l]}, position ${q}`, 'keep at least the top-1 token');
    });
  });
  if (lens.chosen.length !== n) throw new UsageError(`the logit lens has ${lens.chosen.length} chosen tokens for ${n} positions`, 'give one chosen token per position');
}

/**
 * The logit lens as a grid (nostalgebraist 2020): a row per layer, the embeddings at the bottom and
 * the last layer at the top, a column per input position; each cell is the layer's top next-token
 * guess, its colour that guess's probability. The model's final prediction heads each column, the
 * input token sits under it; a bold cell is one whose top guess already is the final prediction.
 */
export function logitLensSvg(lens: LogitLens, options: LogitLensPlotOptions = {}): string {
  checkLens(lens);
  const n = lens.tokens.length;
  const first = options.lastPositions === undefined ? 0 : Math.max(0, n - options.lastPositions);
  if (options.lastPositions !== undefined && !(Number.isInteger(options.lastPositions) && options.lastPositions > 0)) {
    throw new UsageError(`lastPositions ${options.lastPositions} is not a positive integer`, 'give how many positions to draw, e.g. 16');
  }
  const positions = Array.from({ length: n - first }, (_, i) => first + i);
  const L = lens.layerNames.length;
  const widest = Math.max(...positions.flatMap((q) => [lens.tokens[q], lens.chosen[q].token, ...lens.top.map((row) => row[q][0].token)])
    .map((t) => textWidth(displayToken(t).text, FONT_SIZE, true)));
  const cw = options.cellWidth === 'fit' ? Math.max(44, Math.min(76, Math.ceil(widest) + 12)) : options.cellWidth ?? 76;
  const ch = 24;
  const colorBy = options.colorBy ?? 'top';
  const labelW = Math.max(...lens.layerNames.map((s) => textWidth(s, FONT_SIZE))) + 14;
  const left = 16 + labelW;
  const titleH = options.title ? 32 : 8;
  const top = titleH + 40;
  const gridW = positions.length * cw;
  const gridH = L * ch;
  const width = left + gridW + 90;
  const svg = new Svg(width, top + gridH + 64, options.title ?? 'logit lens');
  if (options.title) drawTitle(svg, options.title);
  svg.text(left + gridW / 2, titleH + 10, 'final prediction', { size: 11, anchor: 'middle', fill: MUTED });
  positions.forEach((q, i) => {
    const x = left + i * cw;
    const chosen = displayToken(lens.chosen[q].token).text;
    svg.text(x + cw / 2, top - 10, fitText(chosen, cw - 6, FONT_SIZE, true), { size: FONT_SIZE, anchor: 'middle', bold: true, fill: INK });
    for (let l = 0; l < L; l++) {
      const cell = lens.top[l][q][0];
      const p = colorBy === 'top' ? cell.probability : lens.chosenProbability[l][q];
      const bg = sequentialColor(Math.max(0, Math.min(1, p)));
      const y = top + (L - 1 - l) * ch;
      const hit = cell.id === lens.chosen[q].id;
      svg.group({ class: 'cell' }, () => {
        svg.raw(`<title>${escapeHtml(`${lens.layerNames[l]}, position ${q}: ${lens.top[l][q].map((t) => `${t.token} ${formatValue(t.probability, 3)}`).join(', ')}`)}</title>`);
        svg.rect(x, y, cw, ch, { fill: bg, stroke: '#ffffff', 'stroke-width': 1 });
        svg.text(x + cw / 2, y + ch / 2, fitText(displayToken(cell.token).text, cw - 6, 11, hit), { size: 11, anchor: 'middle', baseline: 'middle', bold: hit, fill: inkOn(bg) });
      });
    }
    svg.text(x + cw / 2, top + gridH + 16, fitText(displayToken(lens.tokens[q]).text, cw - 6, FONT_SIZE), { size: FONT_SIZE, anchor: 'middle', fill: INK });
  });
  for (let l = 0; l < L; l++) {
    svg.text(left - 8, top + (L - 1 - l) * ch + ch / 2, lens.layerNames[l], { size: FONT_SIZE, anchor: 'end', baseline: 'middle', fill: INK });
  }
  svg.text(left + gridW / 2, top + gridH + 36, 'input token', { size: 11, anchor: 'middle', fill: MUTED });
  // Colour bar 0..1.
  const bx = left + gridW + 22;
  const barH = Math.min(gridH, 160);
  const stops = Array.from({ length: 11 }, (_, i) => [i / 10, sequentialColor(i / 10)] as const);
  svg.rect(bx, top, 10, barH, { fill: svg.linearGradient(stops, true), stroke: '#999999', 'stroke-width': 0.5 });
  for (const t of [0, 0.5, 1]) svg.text(bx + 15, top + barH * (1 - t), formatValue(t, 1), { size: 10, baseline: 'middle', fill: MUTED });
  svg.text(bx + 48, top + barH / 2, colorBy === 'top' ? 'p(top token)' : 'p(final token)', { size: 11, anchor: 'middle', rotate: -90, fill: MUTED });
  return svg.toString();
}
