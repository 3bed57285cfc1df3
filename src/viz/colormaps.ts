import { UsageError } from '../errors.js';
import type { Rgb } from './image.js';

/** A colour map as a 256-entry lookup table: entry i (RGB, 3 bytes) is the colour at t = i / 255. */
export interface Colormap {
  name: string;
  lut: Uint8Array;
}

/**
 * - `rdbu_r`: diverging, blue (negative) - near-white (zero) - red (positive); matplotlib's RdBu_r.
 * - `viridis`, `magma`: perceptual sequential maps, lightness rising from t = 0 to 1.
 * - `gray`: black to white.
 */
export type ColormapName = 'rdbu_r' | 'viridis' | 'magma' | 'gray';

export const COLORMAP_NAMES: readonly ColormapName[] = ['rdbu_r', 'viridis', 'magma', 'gray'];

/*
 * Control points. Maps are built by piecewise-linear interpolation in CIELAB (D65) between evenly
 * spaced points: lightness L* is then linear between points, so a map whose points rise in L*
 * rises everywhere, and equal steps in t are near-equal perceived steps (unlike sRGB mixing,
 * which dips in the middle of a hue change).
 *
 * RdBu: ColorBrewer 2.0 "RdBu", 11 classes (Cynthia Brewer, Penn State), reversed so that blue is
 *   low/negative and red high/positive. Its midpoint #f7f7f7 is where zero attribution lands.
 * viridis, magma: matplotlib's maps (van der Walt & Smith, 2015) sampled at 10 evenly spaced
 *   points, t = 0, 1/9, ..., 1 (the hex values of matplotlib's `cmap(np.linspace(0, 1, 10))`).
 *   Re-interpolated in CIELAB they stay within a few units of the originals.
 */
const RDBU_11 = ['#67001f', '#b2182b', '#d6604d', '#f4a582', '#fddbc7', '#f7f7f7',
  '#d1e5f0', '#92c5de', '#4393c3', '#2166ac', '#053061'];
const VIRIDIS_10 = ['#440154', '#482878', '#3e4989', '#31688e', '#26828e',
  '#1f9e89', '#35b779', '#6ece58', '#b5de2b', '#fde725'];
const MAGMA_10 = ['#000004', '#180f3d', '#440f76', '#721f81', '#9e2f7f',
  '#cd4071', '#f1605d', '#fd9668', '#feca8d', '#fcfdbf'];

export function parseHex(hex: string): Rgb {
  const m = /^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (!m) throw new UsageError(`"${hex}" is not a colour`, 'write colours as #rrggbb');
  return [parseInt(m[1], 16), parseInt(m[2], 16), parseInt(m[3], 16)];
}

// sRGB (D65) <-> CIELAB, after IEC 61966-2-1 and CIE 15.
const XN = 0.95047;
const YN = 1.0;
const ZN = 1.08883;

function toLinear(c: number): number {
  const s = c / 255;
  return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
}

function fromLinear(l: number): number {
  const s = l <= 0.0031308 ? 12.92 * l : 1.055 * l ** (1 / 2.4) - 0.055;
  return Math.max(0, Math.min(255, Math.round(s * 255)));
}

export function rgbToLab([r8, g8, b8]: Rgb): [number, number, number] {
  const r = toLinear(r8);
  const g = toLinear(g8);
  const b = toLinear(b8);
  const x = (0.4124564 * r + 0.3575761 * g + 0.1804375 * b) / XN;
  const y = (0.2126729 * r + 0.7151522 * g + 0.072175 * b) / YN;
  const z = (0.0193339 * r + 0.119192 * g + 0.9503041 * b) / ZN;
  const f = (t: number) => (t > 216 / 24389 ? Math.cbrt(t) : (24389 / 27 * t + 16) / 116);
  const fx = f(x);
  const fy = f(y);
  const fz = f(z);
  return [116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)];
}

export function labToRgb([L, a, b]: readonly [number, number, number]): Rgb {
  const fy = (L + 16) / 116;
  const fx = fy + a / 500;
  const fz = fy - b / 200;
  const inv = (t: number) => (t ** 3 > 216 / 24389 ? t ** 3 : (116 * t - 16) / (24389 / 27));
  const x = inv(fx) * XN;
  const y = inv(fy) * YN;
  const z = inv(fz) * ZN;
  // Out-of-gamut values are clipped per channel; the control points are all in gamut.
  return [
    fromLinear(3.2404542 * x - 1.5371385 * y - 0.4985314 * z),
    fromLinear(-0.969266 * x + 1.8760108 * y + 0.041556 * z),
    fromLinear(0.0556434 * x - 0.2040259 * y + 1.0572252 * z),
  ];
}

/** A 256-entry map through evenly spaced control points, interpolated in CIELAB. */
export function colormapFromStops(name: string, stops: readonly string[]): Colormap {
  if (stops.length < 2) throw new UsageError(`colour map ${name} needs at least two control points`);
  const labs = stops.map((s) => rgbToLab(parseHex(s)));
  const lut = new Uint8Array(256 * 3);
  const segments = labs.length - 1;
  for (let i = 0; i < 256; i++) {
    const pos = (i / 255) * segments;
    const k = Math.min(segments - 1, Math.floor(pos));
    const f = pos - k;
    const p = labs[k];
    const q = labs[k + 1];
    const rgb = labToRgb([p[0] + (q[0] - p[0]) * f, p[1] + (q[1] - p[1]) * f, p[2] + (q[2] - p[2]) * f]);
    lut.set(rgb, i * 3);
  }
  return { name, lut };
}

function grayMap(): Colormap {
  const lut = new Uint8Array(256 * 3);
  for (let i = 0; i < 256; i++) lut.fill(i, i * 3, i * 3 + 3);
  return { name: 'gray', lut };
}

const cache = new Map<ColormapName, Colormap>();

export function getColormap(name: ColormapName): Colormap {
  let map = cache.get(name);
  if (!map) {
    switch (name) {
      case 'rdbu_r': map = colormapFromStops('rdbu_r', [...RDBU_11].reverse()); break;
      case 'viridis': map = colormapFromStops('viridis', VIRIDIS_10); break;
      case 'magma': map = colormapFromStops('magma', MAGMA_10); break;
      case 'gray': map = grayMap(); break;
      default:
        throw new UsageError(`unknown colour map "${String(name)}"`, `use one of ${COLORMAP_NAMES.join(', ')}`);
    }
    cache.set(name, map);
  }
  return map;
}

/** The same colours in the opposite direction; the name gains or loses an "_r" suffix. */
export function reverseColormap(map: Colormap): Colormap {
  const lut = new Uint8Array(256 * 3);
  for (let i = 0; i < 256; i++) lut.set(map.lut.subarray((255 - i) * 3, (255 - i) * 3 + 3), i * 3);
  const name = map.name.endsWith('_r') ? map.name.slice(0, -2) : `${map.name}_r`;
  return { name, lut };
}

/** The colour at t in [0, 1] (clipped; NaN counts as 0). */
export function colorAt(map: Colormap, t: number): Rgb {
  const i = Number.isNaN(t) ? 0 : Math.round(Math.max(0, Math.min(1, t)) * 255);
  return [map.lut[i * 3], map.lut[i * 3 + 1], map.lut[i * 3 + 2]];
}
