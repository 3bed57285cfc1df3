import { fileURLToPath } from 'node:url';
import { Resvg } from '@resvg/resvg-js';
import { GlassboxError, UsageError } from '../../errors.js';
import { writeFileAtomic } from '../../io/atomic-write.js';

/*
 * SVG to PNG through resvg (a prebuilt native module from the npm registry). Fonts come only from the
 * repository (fonts/), never the system's, so a machine without fonts draws the same picture.
 */
const FONT_FILES = ['DejaVuSans-subset.ttf', 'DejaVuSans-Bold-subset.ttf']
  .map((f) => fileURLToPath(new URL(`./fonts/${f}`, import.meta.url)));

export interface PngOptions {
  /** Pixels per SVG unit, default 2 (sharp on high-density screens and in READMEs). */
  scale?: number;
}

/** PNG bytes of an SVG plot, rasterised at `scale`. */
export function svgToPng(svg: string, options: PngOptions = {}): Uint8Array {
  const scale = options.scale ?? 2;
  if (!(scale > 0 && scale <= 8)) throw new UsageError(`PNG scale ${scale} is out of range`, 'use a scale in (0, 8], e.g. 1 or 2');
  let png: Buffer;
  try {
    const renderer = new Resvg(svg, {
      fitTo: { mode: 'zoom', value: scale },
      background: '#ffffff',
      font: { loadSystemFonts: false, fontFiles: FONT_FILES, defaultFontFamily: 'DejaVu Sans', sansSerifFamily: 'DejaVu Sans' },
      logLevel: 'off',
    });
    png = renderer.render().asPng();
  } catch (err) {
    throw new GlassboxError(`cannot rasterise the plot: ${(err as Error).message}`, 'pass an SVG string made by one of the plot functions');
  }
  return new Uint8Array(png.buffer, png.byteOffset, png.byteLength);
}

/** Writes an SVG plot as a PNG file, atomically. */
export function writePlotPng(path: string, svg: string, options: PngOptions = {}): void {
  writeFileAtomic(path, svgToPng(svg, options));
}

/** Writes an SVG plot as an .svg file, atomically. */
export function writePlotSvg(path: string, svg: string): void {
  writeFileAtomic(path, svg);
}
