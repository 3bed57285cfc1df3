import { PNG } from 'pngjs';
import type { Image } from '../../src/viz/image.js';

/** Decodes PNG bytes with pngjs (independently of our encoder) into RGBA. */
export function decodePng(bytes: Uint8Array): { width: number; height: number; rgba: Uint8Array } {
  const png = PNG.sync.read(Buffer.from(bytes));
  return { width: png.width, height: png.height, rgba: new Uint8Array(png.data) };
}

export function rgbaAt(img: { width: number; rgba: Uint8Array }, x: number, y: number): [number, number, number, number] {
  const o = (y * img.width + x) * 4;
  return [img.rgba[o], img.rgba[o + 1], img.rgba[o + 2], img.rgba[o + 3]];
}

export function rgbAt(img: Image, x: number, y: number): number[] {
  const o = (y * img.width + x) * img.channels;
  return Array.from(img.data.subarray(o, o + Math.min(3, img.channels)));
}

export const isReddish = ([r, g, b]: readonly number[]) => r > g + 60 && r > b + 60;
export const isBluish = ([r, g, b]: readonly number[]) => b > r + 60 && b > g + 10;
export const isNearWhite = (c: readonly number[]) => c.slice(0, 3).every((v) => v >= 240);
