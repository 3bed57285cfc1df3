import { UsageError } from '../../errors.js';
import type { DirectLogitAttribution } from '../../lens/direct-logit-attribution.js';
import { FONT_SIZE, INK, MUTED, GRID, drawTitle, formatSigned, formatValue } from '../tabular/common.js';
import { Svg, textWidth } from '../tabular/svg.js';
import { displayToken, divergingColor } from './common.js';

export interface LogitAttributionPlotOptions {
  title?: string;
  /** Width of the bar area in pixels, default 360. */
  barWidth?: number;
}

/**
 * Direct logit attribution as bars, one per residual-stream write in model order (embeddings, then
 * per layer its heads and its MLP), red for a share towards the target logit and blue against. The
 * attention output biases are left out when they are all exactly zero (models without biases).
 * The footer states the logit they add up to, with the constant and the rounding error.
 */
export function logitAttributionSvg(dla: DirectLogitAttribution, options: LogitAttributionPlotOptions = {}): string {
  if (dla.components.length === 0) throw new UsageError('the direct logit attribution has no components', 'run it on a transformer with at least one layer');
  const biasesZero = dla.components.every((c) => c.kind !== 'attention-bias' || c.value === 0);
  const shown = dla.components.filter((c) => !(biasesZero && c.kind === 'attention-bias'));
  const barW = options.barWidth ?? 360;
  const rowH = 18;
  const labelW = Math.max(...shown.map((c) => textWidth(c.name, FONT_SIZE))) + 14;
  const left = 16 + labelW;
  const titleH = options.title ? 32 : 8;
  // The text as the model read it (the pieces joined), cut from the left so the predicted end shows.
  const context = dla.tokens.slice(0, dla.position + 1).filter((t) => t !== '<s>' && t !== '[CLS]').join('').trim();
  const target = displayToken(dla.targetName ?? String(dla.target)).text;
  const top = titleH + 44;
  const height = top + shown.length * rowH + 58;
  const width = left + barW + 70;
  const svg = new Svg(width, height, options.title ?? 'direct logit attribution');
  if (options.title) drawTitle(svg, options.title);
  const what = dla.contrast === undefined ? `logit of "${target}"`
    : `logit of "${target}" minus "${displayToken(dla.contrastName ?? String(dla.contrast)).text}"`;
  svg.text(16, titleH + 12, `${what} after: ${fitTail(context, width - 32 - textWidth(`${what} after: `, 11), 11)}`, { size: 11, fill: MUTED });
  const extent = Math.max(...shown.map((c) => Math.abs(c.value)), 1e-9);
  const zeroX = left + barW / 2;
  const scale = (barW / 2 - 4) / extent;
  svg.line(zeroX, top - 6, zeroX, top + shown.length * rowH + 2, { stroke: GRID, 'stroke-width': 1 });
  svg.text(left, top - 10, `− ${formatValue(extent, 2)}`, { size: 10, fill: MUTED });
  svg.text(left + barW, top - 10, `+ ${formatValue(extent, 2)}`, { size: 10, anchor: 'end', fill: MUTED });
  shown.forEach((c, i) => {
    const y = top + i * rowH;
    const w = Math.abs(c.value) * scale;
    const x = c.value >= 0 ? zeroX : zeroX - w;
    // Layers alternate a faint band so a layer's heads and MLP read as one group.
    if (c.layer !== undefined && c.layer % 2 === 0) svg.rect(16, y, left + barW - 16, rowH, { fill: '#f4f4f4' });
    svg.rect(x, y + 3, Math.max(w, 0.5), rowH - 6, { fill: divergingColor(c.value >= 0 ? 0.85 : -0.85) });
    svg.text(left - 8, y + rowH / 2, c.name, { size: FONT_SIZE, anchor: 'end', baseline: 'middle', fill: INK });
    const labelX = c.value >= 0 ? x + w + 4 : x - 4;
    svg.text(labelX, y + rowH / 2, formatSigned(c.value, 2), { size: 10, anchor: c.value >= 0 ? 'start' : 'end', baseline: 'middle', fill: MUTED });
  });
  const sum = shown.reduce((a, c) => a + c.value, 0);
  const footer = top + shown.length * rowH + 22;
  svg.text(16, footer, `sum of the bars ${formatValue(sum, 3)} + constant ${formatValue(dla.constant, 3)} = logit ${formatValue(dla.logit, 3)}`
    + ` (float32 rounding ${dla.error === 0 ? '0' : dla.error.toExponential(1)})`, { size: 11, fill: INK });
  svg.text(16, footer + 18, 'red: towards the target; blue: against. The final norm\'s scale is frozen at this input.', { size: 10, fill: MUTED });
  return svg.toString();
}

/** The end of `text` that fits in `maxWidth`, with an ellipsis in front when cut. */
function fitTail(text: string, maxWidth: number, size: number): string {
  if (textWidth(text, size) <= maxWidth) return text;
  let start = 0;
  while (start < text.length && textWidth(`…${text.slice(start)}`, size) > maxWidth) start++;
  return `…${text.slice(start)}`;
}
