import type { ImageGeometry } from '../../attribution/perturbation/feature-ablation.js';

/**
 * One image blurred by a Gaussian of standard deviation `sigma` pixels, each channel on its own, as
 * scipy.ndimage.gaussian_filter: separable, the kernel cut at 4 sigma and normalised, edges mirrored
 * (mode 'reflect': d c b a | a b c d). `values` is one input row in the layout `geometry` reads.
 */
export function gaussianBlur(values: Float32Array, geometry: ImageGeometry, sigma: number): Float32Array {
  const { height, width, channels, index } = geometry;
  if (sigma <= 0) return Float32Array.from(values);
  const radius = Math.round(4 * sigma);
  const kernel = new Float64Array(2 * radius + 1);
  let total = 0;
  for (let k = -radius; k <= radius; k++) total += kernel[k + radius] = Math.exp(-0.5 * (k / sigma) ** 2);
  for (let k = 0; k < kernel.length; k++) kernel[k] /= total;
  const mirror = (i: number, n: number) => {
    const period = 2 * n;
    let j = ((i % period) + period) % period;
    if (j >= n) j = period - 1 - j;
    return j;
  };
  const out = new Float32Array(values.length);
  const rowsPass = new Float64Array(height * width);
  for (let c = 0; c < channels; c++) {
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        let s = 0;
        for (let k = -radius; k <= radius; k++) s += kernel[k + radius] * values[index(y, mirror(x + k, width), c)];
        rowsPass[y * width + x] = s;
      }
    }
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        let s = 0;
        for (let k = -radius; k <= radius; k++) s += kernel[k + radius] * rowsPass[mirror(y + k, height) * width + x];
        out[index(y, x, c)] = s;
      }
    }
  }
  return out;
}
