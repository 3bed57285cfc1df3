import { colorAt, colormapFromStops, getColormap, type Colormap } from '../colormaps.js';
import type { Rgb } from '../image.js';
import { rgbHex } from '../tabular/common.js';

/*
 * Colours and token display shared by the text pictures. Attention and probabilities are sequential
 * (ColorBrewer "Blues", white at 0 so a sparse map reads as mostly empty); attributions are
 * diverging (ColorBrewer RdBu reversed: red for the target, blue against, near-white at zero).
 */
const BLUES_9 = ['#f7fbff', '#deebf7', '#c6dbef', '#9ecae1', '#6baed6', '#4292c6', '#2171b5', '#08519c', '#08306b'];
let blues: Colormap | undefined;

/** The sequential map for weights and probabilities. */
export function bluesColormap(): Colormap {
  blues ??= colormapFromStops('blues', BLUES_9);
  return blues;
}

/** Sequential colour of t in [0, 1] as #rrggbb. */
export function sequentialColor(t: number): string {
  return rgbHex(colorAt(bluesColormap(), t) as [number, number, number]);
}

/** Diverging colour of t in [-1, 1] (0 near-white) as #rrggbb. */
export function divergingColor(t: number): string {
  const u = Number.isFinite(t) ? Math.max(-1, Math.min(1, t)) : 0;
  return rgbHex(colorAt(getColormap('rdbu_r'), (u + 1) / 2) as [number, number, number]);
}

/** Relative luminance (WCAG) of a #rrggbb colour. */
export function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => {
    const c = Number.parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** Dark ink on light backgrounds, white on dark ones (whichever contrasts more). */
export function inkOn(background: string): string {
  const l = luminance(background);
  return (l + 0.05) / 0.05 >= 1.05 / (l + 0.05) ? '#222222' : '#ffffff';
}

export function rgbOf(hex: string): Rgb {
  return [1, 3, 5].map((i) => Number.parseInt(hex.slice(i, i + 2), 16)) as unknown as Rgb;
}

/**
 * A token as shown: sub-word markers become what they mean (GPT-2's "Ġ" and SentencePiece's "▁" are
 * a leading space, shown as "·" only when the token is nothing but spaces), control characters are
 * escaped so a newline token is visible. `continuation` says the token glues to the previous one
 * (WordPiece "##").
 */
export function displayToken(token: string): { text: string; continuation: boolean; leadingSpace: boolean } {
  let t = token;
  let continuation = false;
  let leadingSpace = false;
  if (t.startsWith('##') && t.length > 2) {
    continuation = true;
    t = t.slice(2);
  }
  if (t.startsWith('Ġ') || t.startsWith('▁')) {
    leadingSpace = true;
    t = ` ${t.slice(1)}`;
  }
  t = t.replace(/\n/g, '\\n').replace(/\t/g, '\\t').replace(/\r/g, '\\r').replace(/Ċ/g, '\\n');
  const trimmed = t.trim();
  return { text: trimmed === '' ? (t.length ? '·'.repeat(Math.min(t.length, 3)) : '∅') : trimmed, continuation, leadingSpace };
}
