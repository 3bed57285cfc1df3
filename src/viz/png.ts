import { PNG } from 'pngjs';
import { writeFileAtomic } from '../io/atomic-write.js';
import { checkImage, type Image } from './image.js';

export { drawText, fitText, formatNumber, measureText, wrapText, FONT_ASCENT, FONT_CELL_HEIGHT, type TextStyle } from './font.js';

/** PNG bytes of an image: grey and RGB become 8-bit RGB, RGBA keeps its alpha. */
export function encodePng(image: Image): Uint8Array {
  checkImage(image);
  const { width, height, channels, data } = image;
  // pngjs packs from RGBA input; expand once here rather than teach every renderer RGBA.
  const rgba = Buffer.alloc(width * height * 4);
  for (let p = 0; p < width * height; p++) {
    const s = p * channels;
    const o = p * 4;
    rgba[o] = data[s];
    rgba[o + 1] = channels === 1 ? data[s] : data[s + 1];
    rgba[o + 2] = channels === 1 ? data[s] : data[s + 2];
    rgba[o + 3] = channels === 4 ? data[s + 3] : 255;
  }
  const png = new PNG({ width, height });
  png.data = rgba;
  const bytes = PNG.sync.write(png, { colorType: channels === 4 ? 6 : 2 });
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Writes `image` as a PNG file, atomically (readers never see a half-written file). */
export function writePng(path: string, image: Image): void {
  writeFileAtomic(path, encodePng(image));
}

/** `data:image/png;base64,...` for inlining an image in HTML. */
export function pngDataUri(image: Image): string {
  return `data:image/png;base64,${Buffer.from(encodePng(image)).toString('base64')}`;
}
