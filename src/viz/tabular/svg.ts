import { UsageError } from '../../errors.js';
import { ADVANCE_BOLD, ADVANCE_REGULAR, FALLBACK_ADVANCE, UNITS_PER_EM } from './font-metrics.js';

/**
 * A tiny SVG builder: the plots are written against it so escaping, number formatting and text
 * measurement live in one place. Text is measured with DejaVu Sans's own advance widths (the font the
 * PNG rasteriser is given), so layouts reserve exactly the room their labels take.
 */

/** The font the plots ask for: DejaVu Sans is shipped for the PNGs; Verdana has near-identical widths in browsers. */
export const FONT_FAMILY = "'DejaVu Sans', Verdana, 'Bitstream Vera Sans', sans-serif";

export type Attrs = Record<string, string | number | undefined>;

export interface TextStyle {
  /** Font size in pixels, default 12. */
  size?: number;
  anchor?: 'start' | 'middle' | 'end';
  bold?: boolean;
  fill?: string;
  /** Degrees, about the text's anchor point. */
  rotate?: number;
  /** Where `y` is: the baseline (default) or the middle of the lower-case letters. */
  baseline?: 'alphabetic' | 'middle' | 'top';
}

/** Escapes text for XML content and attribute values. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] as string);
}

/** Coordinates with at most two decimals: short files, and no "1e-7" in an attribute. */
export function num(v: number): string {
  if (!Number.isFinite(v)) throw new UsageError(`a plot coordinate is ${v}`, 'check the values given to the plot are finite');
  const r = Math.round(v * 100) / 100;
  return Object.is(r, -0) ? '0' : String(r);
}

/** Width in pixels of `text` in DejaVu Sans at `size` pixels. */
export function textWidth(text: string, size = 12, bold = false): number {
  const table = bold ? ADVANCE_BOLD : ADVANCE_REGULAR;
  let units = 0;
  for (const ch of text) units += table[ch] ?? FALLBACK_ADVANCE;
  return (units / UNITS_PER_EM) * size;
}

/** `text` cut with an ellipsis so it is at most `maxWidth` pixels wide. */
export function fitText(text: string, maxWidth: number, size = 12, bold = false): string {
  if (textWidth(text, size, bold) <= maxWidth) return text;
  const chars = Array.from(text);
  while (chars.length > 1 && textWidth(`${chars.join('')}…`, size, bold) > maxWidth) chars.pop();
  return `${chars.join('').trimEnd()}…`;
}

function attrs(a: Attrs): string {
  let out = '';
  for (const [k, v] of Object.entries(a)) {
    if (v === undefined) continue;
    out += ` ${k}="${typeof v === 'number' ? num(v) : escapeXml(v)}"`;
  }
  return out;
}

/** One piece of a text line with its own colour or weight (a <tspan>). */
export interface TextSpan {
  text: string;
  fill?: string;
  bold?: boolean;
}

export class Svg {
  readonly width: number;
  readonly height: number;
  private readonly parts: string[] = [];
  private readonly defs: string[] = [];
  private ids = 0;

  constructor(width: number, height: number, private readonly title?: string) {
    if (!(width > 0 && height > 0)) throw new UsageError(`a plot of ${width} x ${height} pixels`, 'give a positive width and height');
    this.width = Math.ceil(width);
    this.height = Math.ceil(height);
  }

  /** A fresh id for a gradient or clip path; the report makes ids unique across plots. */
  newId(kind: string): string {
    this.ids += 1;
    return `gb-${kind}-${this.ids}`;
  }

  raw(markup: string): this {
    this.parts.push(markup);
    return this;
  }

  rect(x: number, y: number, w: number, h: number, a: Attrs = {}): this {
    return this.raw(`<rect${attrs({ x, y, width: Math.max(0, w), height: Math.max(0, h), ...a })}/>`);
  }

  line(x1: number, y1: number, x2: number, y2: number, a: Attrs = {}): this {
    return this.raw(`<line${attrs({ x1, y1, x2, y2, stroke: '#333333', ...a })}/>`);
  }

  circle(cx: number, cy: number, r: number, a: Attrs = {}): this {
    return this.raw(`<circle${attrs({ cx, cy, r, ...a })}/>`);
  }

  polygon(points: readonly (readonly [number, number])[], a: Attrs = {}): this {
    return this.raw(`<polygon${attrs({ points: points.map(([x, y]) => `${num(x)},${num(y)}`).join(' '), ...a })}/>`);
  }

  polyline(points: readonly (readonly [number, number])[], a: Attrs = {}): this {
    return this.raw(`<polyline${attrs({ points: points.map(([x, y]) => `${num(x)},${num(y)}`).join(' '), fill: 'none', ...a })}/>`);
  }

  path(d: string, a: Attrs = {}): this {
    return this.raw(`<path${attrs({ d, ...a })}/>`);
  }

  /** A line of text, or of spans with their own colours, positioned by `style`. */
  text(x: number, y: number, content: string | readonly TextSpan[], style: TextStyle = {}): this {
    const size = style.size ?? 12;
    // Alphabetic baseline everywhere (renderers differ on dominant-baseline); shift for the other modes.
    const dy = style.baseline === 'middle' ? 0.36 * size : style.baseline === 'top' ? 0.76 * size : 0;
    const a: Attrs = {
      x, y: y + dy, 'font-size': size,
      'text-anchor': style.anchor && style.anchor !== 'start' ? style.anchor : undefined,
      'font-weight': style.bold ? 'bold' : undefined,
      fill: style.fill,
      transform: style.rotate ? `rotate(${num(style.rotate)} ${num(x)} ${num(y)})` : undefined,
    };
    const body = typeof content === 'string' ? escapeXml(content)
      : content.map((s) => `<tspan${attrs({ fill: s.fill, 'font-weight': s.bold ? 'bold' : undefined })}>${escapeXml(s.text)}</tspan>`).join('');
    return this.raw(`<text${attrs(a)}>${body}</text>`);
  }

  /** Elements drawn by `draw` inside one <g> with shared attributes. */
  group(a: Attrs, draw: (svg: this) => void): this {
    this.parts.push(`<g${attrs(a)}>`);
    draw(this);
    this.parts.push('</g>');
    return this;
  }

  /** A linear gradient through `stops` (offset 0..1, colour); returns its url(#id). */
  linearGradient(stops: readonly (readonly [number, string])[], vertical: boolean): string {
    const id = this.newId('grad');
    const dir = vertical ? { x1: 0, y1: 1, x2: 0, y2: 0 } : { x1: 0, y1: 0, x2: 1, y2: 0 };
    this.defs.push(`<linearGradient${attrs({ id, ...dir })}>${stops.map(([o, c]) => `<stop${attrs({ offset: o, 'stop-color': c })}/>`).join('')}</linearGradient>`);
    return `url(#${id})`;
  }

  toString(): string {
    const head = `<svg xmlns="http://www.w3.org/2000/svg"${attrs({ width: this.width, height: this.height, viewBox: `0 0 ${this.width} ${this.height}`, 'font-family': FONT_FAMILY, fill: '#333333' })}>`;
    const title = this.title ? `<title>${escapeXml(this.title)}</title>` : '';
    const defs = this.defs.length ? `<defs>${this.defs.join('')}</defs>` : '';
    return `${head}${title}${defs}<rect width="100%" height="100%" fill="#ffffff"/>${this.parts.join('\n')}</svg>\n`;
  }
}
