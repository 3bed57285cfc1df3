/** What the digit training scripts (train-digits.ts, train-vit.ts) share: turning IDX bytes into inputs. */

/** Copies image i into out at offset, shifted by (dy, dx) with zero fill, scaled to [0, 1]. */
export function putImage(src: Uint8Array, i: number, out: Float32Array, offset: number, dy: number, dx: number): void {
  for (let y = 0; y < 28; y++) {
    const sy = y - dy;
    for (let x = 0; x < 28; x++) {
      const sx = x - dx;
      out[offset + y * 28 + x] = sy >= 0 && sy < 28 && sx >= 0 && sx < 28 ? src[i * 784 + sy * 28 + sx] / 255 : 0;
    }
  }
}
