import { UsageError } from '../../errors.js';
import type { TokenAttribution } from '../../attention/types.js';
import { escapeHtml, htmlPage } from '../report/page.js';
import { FONT_SIZE, INK, MUTED, drawTitle, formatSignificant } from '../tabular/common.js';
import { Svg, fitText, textWidth } from '../tabular/svg.js';
import { displayToken, divergingColor, inkOn } from './common.js';

/*
 * Tokens highlighted by attribution, as Captum's visualize_text and Inseq do: each token on a
 * background from blue (against the explained output) through white to red (for it), the colour
 * scaled by the largest |score| of that method (or of all methods, `sharedScale`), with a legend.
 */
export interface HighlightOptions {
  title?: string;
  /** Width of the picture in pixels (SVG), default 720. */
  width?: number;
  /** One colour scale for all methods (compare magnitudes), default false: each method its own. */
  sharedScale?: boolean;
}

function checkAttributions(attributions: readonly TokenAttribution[]): void {
  if (attributions.length === 0) throw new UsageError('no token attributions to draw', 'pass at least one TokenAttribution');
  for (const a of attributions) {
    if (!Array.isArray(a.tokens) || a.tokens.length === 0) throw new UsageError(`the ${a.method} attribution has no tokens`, 'explain a non-empty text');
    if (a.scores.length !== a.tokens.length) {
      throw new UsageError(`the ${a.method} attribution has ${a.scores.length} scores for ${a.tokens.length} tokens`, 'give one score per token');
    }
    a.scores.forEach((s, i) => {
      if (!Number.isFinite(s)) throw new UsageError(`the ${a.method} score of token ${i} ("${a.tokens[i]}") is ${s}`, 'draw finite scores only');
    });
  }
}

/** The colour scale (largest |score|) of each attribution. */
export function highlightScales(attributions: readonly TokenAttribution[], sharedScale = false): number[] {
  const own = attributions.map((a) => a.scores.reduce((m, s) => Math.max(m, Math.abs(s)), 0) || 1);
  if (!sharedScale) return own;
  const max = Math.max(...own);
  return own.map(() => max);
}

function caption(a: TokenAttribution): string {
  const target = a.targetName ?? String(a.target);
  return `${a.method} · target ${target} · output ${formatSignificant(a.prediction, 4)}`;
}

interface Placed { x: number; y: number; w: number; text: string; score: number }

const BOX_H = 22;
const LINE_H = 28;
const PAD = 4;
const TOKEN_SIZE = 13;

/** Tokens flowed into lines of `width` pixels. */
function layoutTokens(a: TokenAttribution, left: number, width: number): { placed: Placed[]; lines: number } {
  const placed: Placed[] = [];
  let x = left;
  let line = 0;
  a.tokens.forEach((t, i) => {
    const d = displayToken(t);
    const text = fitText(d.text, width - 2 * PAD, TOKEN_SIZE);
    const w = textWidth(text, TOKEN_SIZE) + 2 * PAD;
    const gap = i === 0 ? 0 : d.continuation ? 1 : 4;
    if (x + gap + w > left + width && x > left) {
      line++;
      x = left;
    } else {
      x += gap;
    }
    placed.push({ x, y: line * LINE_H, w, text, score: a.scores[i] });
    x += w;
  });
  return { placed, lines: line + 1 };
}

/** The highlight of one or several methods on the same tokens, as SVG (rasterise with svgToPng). */
export function tokenHighlightSvg(attributions: readonly TokenAttribution[], options: HighlightOptions = {}): string {
  checkAttributions(attributions);
  const width = options.width ?? 720;
  if (!(width >= 200)) throw new UsageError(`width ${width} is too small for a token highlight`, 'use at least 200 pixels');
  const scales = highlightScales(attributions, options.sharedScale);
  const margin = 16;
  const titleH = options.title ? 34 : 10;
  const blocks = attributions.map((a) => layoutTokens(a, margin, width - 2 * margin));
  const blockH = blocks.map((b) => 22 + b.lines * LINE_H + 10);
  const legendTop = titleH + blockH.reduce((s, h) => s + h, 0) + 6;
  const svg = new Svg(width, legendTop + 52, options.title ?? 'token attributions');
  if (options.title) drawTitle(svg, options.title);
  let y = titleH;
  attributions.forEach((a, m) => {
    svg.text(margin, y + 12, fitText(caption(a), width - 2 * margin, FONT_SIZE, true), { size: FONT_SIZE, bold: true, fill: INK });
    for (const p of blocks[m].placed) {
      const bg = divergingColor(p.score / scales[m]);
      const top = y + 22 + p.y;
      svg.group({ class: 'token' }, () => {
        svg.raw(`<title>${escapeHtml(`${p.text}: ${formatSignificant(p.score, 4)}`)}</title>`);
        svg.rect(p.x, top, p.w, BOX_H, { fill: bg, rx: 3, stroke: '#dddddd', 'stroke-width': 0.5 });
        svg.text(p.x + PAD, top + BOX_H / 2, p.text, { size: TOKEN_SIZE, baseline: 'middle', fill: inkOn(bg) });
      });
    }
    y += blockH[m];
  });
  // Legend: the diverging bar from -scale to +scale.
  const barW = Math.min(260, width - 2 * margin - 200);
  const bx = (width - barW) / 2;
  const stops = Array.from({ length: 11 }, (_, i) => [i / 10, divergingColor(i / 5 - 1)] as const);
  svg.rect(bx, legendTop, barW, 10, { fill: svg.linearGradient(stops, false), stroke: '#999999', 'stroke-width': 0.5 });
  const same = scales.every((s) => s === scales[0]);
  const lo = same ? `−${formatSignificant(scales[0], 3)}` : '−max |score|';
  const hi = same ? `+${formatSignificant(scales[0], 3)}` : '+max |score|';
  svg.text(bx - 6, legendTop + 5, lo, { size: 11, anchor: 'end', baseline: 'middle', fill: MUTED });
  svg.text(bx + barW + 6, legendTop + 5, hi, { size: 11, baseline: 'middle', fill: MUTED });
  svg.text(bx + barW / 2, legendTop + 26, 'blue: against the target · 0 · red: for the target', { size: 11, anchor: 'middle', fill: MUTED });
  if (!same) svg.text(bx + barW / 2, legendTop + 41, 'each method scaled by its own largest |score|', { size: 10, anchor: 'middle', fill: MUTED });
  return svg.toString();
}

export const HIGHLIGHT_CSS = `
.gb-highlight { margin: 0 0 1.2em; }
.gb-highlight h3 { font-size: 14px; margin: 0 0 0.4em; }
.gb-highlight .tokens { line-height: 2.1; font-size: 15px; }
.gb-highlight .tok { padding: 2px 4px; margin-right: 3px; border-radius: 3px; border: 0.5px solid #ddd; white-space: pre; }
.gb-highlight .tok.cont { margin-left: -3px; }
.gb-legend { display: flex; align-items: center; gap: 8px; color: #777; font-size: 12px; margin: 0.6em 0 1.4em; }
.gb-legend .bar { width: 240px; height: 10px; border: 0.5px solid #999; }
`;

/** The same highlights as HTML (a fragment: one block per method and a legend); each token's score in its tooltip. */
export function tokenHighlightHtml(attributions: readonly TokenAttribution[], options: HighlightOptions = {}): string {
  checkAttributions(attributions);
  const scales = highlightScales(attributions, options.sharedScale);
  const blocks = attributions.map((a, m) => {
    const spans = a.tokens.map((t, i) => {
      const d = displayToken(t);
      const bg = divergingColor(a.scores[i] / scales[m]);
      return `<span class="tok${d.continuation ? ' cont' : ''}" style="background:${bg};color:${inkOn(bg)}" title="${escapeHtml(`${t}: ${formatSignificant(a.scores[i], 4)}`)}">${escapeHtml(d.text)}</span>`;
    }).join('');
    return `<div class="gb-highlight"><h3>${escapeHtml(caption(a))}</h3><div class="tokens">${spans}</div></div>`;
  }).join('\n');
  const gradient = Array.from({ length: 11 }, (_, i) => `${divergingColor(i / 5 - 1)} ${i * 10}%`).join(', ');
  const same = scales.every((s) => s === scales[0]);
  const legend = `<div class="gb-legend"><span>${same ? `−${formatSignificant(scales[0], 3)}` : '−max'}</span><span class="bar" style="background:linear-gradient(to right, ${gradient})"></span><span>${same ? `+${formatSignificant(scales[0], 3)}` : '+max'}</span><span>blue: against the target, red: for it${same ? '' : ' (each method scaled by its own largest |score|)'}</span></div>`;
  return `${blocks}\n${legend}`;
}

/** A self-contained page with the highlights (no script). */
export function tokenHighlightPage(attributions: readonly TokenAttribution[], options: HighlightOptions & { date?: Date; version?: string } = {}): string {
  const body = `<main>${tokenHighlightHtml(attributions, options)}</main>`;
  const css = `body { font-family: 'DejaVu Sans', Verdana, sans-serif; color: #333; margin: 24px; max-width: 960px; } h1 { font-size: 20px; } .meta { color: #888; font-size: 12px; }${HIGHLIGHT_CSS}`;
  return htmlPage({ title: options.title ?? 'Token attributions', css, body, date: options.date, version: options.version });
}
