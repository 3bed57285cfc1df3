import type { Image, Rgb } from './image.js';

/*
 * A tiny 5x7 bitmap font, so PNGs can carry their own labels without a font dependency.
 * Each glyph is 7 rows above the baseline plus up to 2 descender rows (g, j, p, q, y, comma);
 * '#' is ink. Blank columns at both sides are trimmed, so the font is proportional (narrow i, l, 1, .).
 * Characters without a glyph are drawn as '?'.
 */
const GLYPHS: Record<string, string> = {
  '0': '.###. #...# #..## #.#.# ##..# #...# .###.',
  '1': '..#.. .##.. ..#.. ..#.. ..#.. ..#.. .###.',
  '2': '.###. #...# ....# ...#. ..#.. .#... #####',
  '3': '##### ...#. ..#.. ...#. ....# #...# .###.',
  '4': '...#. ..##. .#.#. #..#. ##### ...#. ...#.',
  '5': '##### #.... ####. ....# ....# #...# .###.',
  '6': '..##. .#... #.... ####. #...# #...# .###.',
  '7': '##### ....# ...#. ..#.. .#... .#... .#...',
  '8': '.###. #...# #...# .###. #...# #...# .###.',
  '9': '.###. #...# #...# .#### ....# ...#. .##..',
  A: '.###. #...# #...# ##### #...# #...# #...#',
  B: '####. #...# #...# ####. #...# #...# ####.',
  C: '.###. #...# #.... #.... #.... #...# .###.',
  D: '###.. #..#. #...# #...# #...# #..#. ###..',
  E: '##### #.... #.... ####. #.... #.... #####',
  F: '##### #.... #.... ####. #.... #.... #....',
  G: '.###. #...# #.... #.### #...# #...# .####',
  H: '#...# #...# #...# ##### #...# #...# #...#',
  I: '.###. ..#.. ..#.. ..#.. ..#.. ..#.. .###.',
  J: '..### ...#. ...#. ...#. ...#. #..#. .##..',
  K: '#...# #..#. #.#.. ##... #.#.. #..#. #...#',
  L: '#.... #.... #.... #.... #.... #.... #####',
  M: '#...# ##.## #.#.# #.#.# #...# #...# #...#',
  N: '#...# #...# ##..# #.#.# #..## #...# #...#',
  O: '.###. #...# #...# #...# #...# #...# .###.',
  P: '####. #...# #...# ####. #.... #.... #....',
  Q: '.###. #...# #...# #...# #.#.# #..#. .##.#',
  R: '####. #...# #...# ####. #.#.. #..#. #...#',
  S: '.#### #.... #.... .###. ....# ....# ####.',
  T: '##### ..#.. ..#.. ..#.. ..#.. ..#.. ..#..',
  U: '#...# #...# #...# #...# #...# #...# .###.',
  V: '#...# #...# #...# #...# #...# .#.#. ..#..',
  W: '#...# #...# #...# #.#.# #.#.# #.#.# .#.#.',
  X: '#...# #...# .#.#. ..#.. .#.#. #...# #...#',
  Y: '#...# #...# .#.#. ..#.. ..#.. ..#.. ..#..',
  Z: '##### ....# ...#. ..#.. .#... #.... #####',
  a: '..... ..... .###. ....# .#### #...# .####',
  b: '#.... #.... #.##. ##..# #...# #...# ####.',
  c: '..... ..... .###. #.... #.... #...# .###.',
  d: '....# ....# .##.# #..## #...# #...# .####',
  e: '..... ..... .###. #...# ##### #.... .###.',
  f: '..##. .#..# .#... ###.. .#... .#... .#...',
  g: '..... ..... .#### #...# #...# #...# .#### ....# .###.',
  h: '#.... #.... #.##. ##..# #...# #...# #...#',
  i: '..#.. ..... .##.. ..#.. ..#.. ..#.. .###.',
  j: '...#. ..... ..##. ...#. ...#. ...#. ...#. #..#. .##..',
  k: '#.... #.... #..#. #.#.. ##... #.#.. #..#.',
  l: '.##.. ..#.. ..#.. ..#.. ..#.. ..#.. .###.',
  m: '..... ..... ##.#. #.#.# #.#.# #.#.# #.#.#',
  n: '..... ..... #.##. ##..# #...# #...# #...#',
  o: '..... ..... .###. #...# #...# #...# .###.',
  p: '..... ..... ####. #...# #...# #...# ####. #.... #....',
  q: '..... ..... .#### #...# #...# #...# .#### ....# ....#',
  r: '..... ..... #.##. ##..# #.... #.... #....',
  s: '..... ..... .###. #.... .###. ....# ####.',
  t: '.#... .#... ###.. .#... .#... .#..# ..##.',
  u: '..... ..... #...# #...# #...# #..## .##.#',
  v: '..... ..... #...# #...# #...# .#.#. ..#..',
  w: '..... ..... #...# #...# #.#.# #.#.# .#.#.',
  x: '..... ..... #...# .#.#. ..#.. .#.#. #...#',
  y: '..... ..... #...# #...# #...# #...# .#### ....# .###.',
  z: '..... ..... ##### ...#. ..#.. .#... #####',
  '.': '..... ..... ..... ..... ..... ##... ##...',
  ',': '..... ..... ..... ..... ..... .##.. .##.. ..#.. .#...',
  '-': '..... ..... ..... ####. ..... ..... .....',
  '+': '..... ..#.. ..#.. ##### ..#.. ..#.. .....',
  '_': '..... ..... ..... ..... ..... ..... ..... #####',
  ':': '..... ##... ##... ..... ##... ##... .....',
  ';': '..... ##... ##... ..... ##... ##... .#... #....',
  '(': '..#.. .#... #.... #.... #.... .#... ..#..',
  ')': '#.... .#... ..#.. ..#.. ..#.. .#... #....',
  '[': '###.. #.... #.... #.... #.... #.... ###..',
  ']': '###.. ..#.. ..#.. ..#.. ..#.. ..#.. ###..',
  '/': '....# ....# ...#. ..#.. .#... #.... #....',
  '%': '##... ##..# ...#. ..#.. .#... #..## ...##',
  '=': '..... ..... ##### ..... ##### ..... .....',
  "'": '#.... #.... #.... ..... ..... ..... .....',
  '"': '#.#.. #.#.. #.#.. ..... ..... ..... .....',
  '?': '.###. #...# ....# ...#. ..#.. ..... ..#..',
  '!': '#.... #.... #.... #.... #.... ..... #....',
  '<': '...#. ..#.. .#... #.... .#... ..#.. ...#.',
  '>': '.#... ..#.. ...#. ....# ...#. ..#.. .#...',
  '*': '..... ..#.. #.#.# .###. #.#.# ..#.. .....',
  '#': '.#.#. .#.#. ##### .#.#. ##### .#.#. .#.#.',
  '|': '#.... #.... #.... #.... #.... #.... #....',
  '&': '.##.. #..#. #.#.. .#... #.#.# #..#. .##.#',
  '@': '.###. #...# #.### #.#.# #.### #.... .####',
  '^': '..#.. .#.#. #...# ..... ..... ..... .....',
  '~': '..... ..... .#... #.#.# ...#. ..... .....',
  '$': '..#.. .#### #.#.. .###. ..#.# ####. ..#..',
};

/** Rows of the cell: 7 above the baseline and 2 for descenders. */
export const FONT_ASCENT = 7;
export const FONT_CELL_HEIGHT = 9;
const SPACE_WIDTH = 3;
const LETTER_GAP = 1;

interface Glyph {
  width: number;
  /** Ink pixels as [x, y], x relative to the trimmed left edge. */
  ink: [number, number][];
}

const glyphCache = new Map<string, Glyph>();

function glyph(ch: string): Glyph {
  const cached = glyphCache.get(ch);
  if (cached) return cached;
  let g: Glyph;
  const rows = (GLYPHS[ch] ?? (ch === ' ' ? undefined : GLYPHS['?']))?.split(' ');
  if (!rows) {
    g = { width: SPACE_WIDTH, ink: [] };
  } else {
    let left = 5;
    let right = -1;
    for (const r of rows) {
      for (let x = 0; x < r.length; x++) {
        if (r[x] === '#') {
          left = Math.min(left, x);
          right = Math.max(right, x);
        }
      }
    }
    const ink: [number, number][] = [];
    rows.forEach((r, y) => {
      for (let x = 0; x < r.length; x++) if (r[x] === '#') ink.push([x - left, y]);
    });
    g = { width: right - left + 1, ink };
  }
  glyphCache.set(ch, g);
  return g;
}

export interface TextStyle {
  /** Integer pixel size of one font dot, default 1 (a 7-pixel cap height). */
  scale?: number;
  color?: Rgb;
}

/** Width and height in pixels of `text` on one line (height covers descenders). */
export function measureText(text: string, scale = 1): { width: number; height: number } {
  let width = 0;
  const chars = [...text];
  chars.forEach((ch, i) => {
    width += glyph(ch).width + (i < chars.length - 1 ? LETTER_GAP : 0);
  });
  return { width: width * scale, height: FONT_CELL_HEIGHT * scale };
}

/**
 * Draws `text` with its top-left corner at (x, y) into an RGB or RGBA image, clipping at the
 * edges. Returns the width drawn.
 */
export function drawText(image: Image, text: string, x: number, y: number, style: TextStyle = {}): number {
  const scale = Math.max(1, Math.round(style.scale ?? 1));
  const color = style.color ?? [0, 0, 0];
  let cx = x;
  for (const ch of text) {
    const g = glyph(ch);
    for (const [gx, gy] of g.ink) {
      for (let dy = 0; dy < scale; dy++) {
        const py = y + gy * scale + dy;
        if (py < 0 || py >= image.height) continue;
        for (let dx = 0; dx < scale; dx++) {
          const px = cx + gx * scale + dx;
          if (px < 0 || px >= image.width) continue;
          const o = (py * image.width + px) * image.channels;
          if (image.channels === 1) {
            image.data[o] = Math.round(0.299 * color[0] + 0.587 * color[1] + 0.114 * color[2]);
            continue;
          }
          image.data[o] = color[0];
          image.data[o + 1] = color[1];
          image.data[o + 2] = color[2];
          if (image.channels === 4) image.data[o + 3] = 255;
        }
      }
    }
    cx += (g.width + LETTER_GAP) * scale;
  }
  return Math.max(0, cx - x - LETTER_GAP * scale);
}

/** `text` shortened with a trailing ".." so it fits in `maxWidth` pixels at `scale`. */
export function fitText(text: string, maxWidth: number, scale = 1): string {
  if (measureText(text, scale).width <= maxWidth) return text;
  const chars = [...text];
  while (chars.length > 0 && measureText(`${chars.join('')}..`, scale).width > maxWidth) chars.pop();
  return `${chars.join('')}..`;
}

/**
 * A short label for a number: up to 3 significant digits, exponent form for very small or large
 * magnitudes ("1.5e-4"), no trailing zeros, and no "-0".
 */
export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0 || Object.is(v, -0)) return '0';
  const a = Math.abs(v);
  if (a >= 1e4 || a < 1e-3) {
    const [m, e] = v.toExponential(2).split('e');
    return `${stripZeros(m)}e${e.replace('+', '')}`;
  }
  return stripZeros(v.toPrecision(3));
}

function stripZeros(s: string): string {
  return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
}

/**
 * Breaks `text` into at most `maxLines` lines of at most `maxWidth` pixels, preferring breaks after
 * a space, '-', '_', ',' or '/' (method names are hyphenated); if text is left over, the last line
 * ends in "..".
 */
export function wrapText(text: string, maxWidth: number, scale = 1, maxLines = 2): string[] {
  const fits = (s: string) => measureText(s.trimEnd(), scale).width <= maxWidth;
  // Break after spaces, commas, slashes, underscores and hyphens, but not inside a negative number.
  const tokens = text.match(/(?:[^\s_,/-]|-(?=[\d.]))*(?:[\s_,/]+|-)?/g)?.filter((t) => t.length > 0) ?? [];
  const lines: string[] = [];
  let line = '';
  while (tokens.length > 0) {
    const token = tokens.shift() as string;
    if (fits(line + token)) {
      line += token;
    } else if (line !== '') {
      lines.push(line);
      line = '';
      tokens.unshift(token);
    } else {
      // One token wider than a line: break it where it overflows.
      let cut = 1;
      while (cut < token.length && fits(token.slice(0, cut + 1))) cut++;
      lines.push(token.slice(0, cut));
      tokens.unshift(token.slice(cut));
    }
  }
  if (line !== '') lines.push(line);
  const out = lines.map((l) => l.trimEnd());
  if (out.length <= maxLines) return out;
  let last = out[maxLines - 1];
  while (last.length > 0 && !fits(`${last}..`)) last = last.slice(0, -1);
  return [...out.slice(0, maxLines - 1), `${last}..`];
}
