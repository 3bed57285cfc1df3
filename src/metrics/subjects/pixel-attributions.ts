import * as tf from '@tensorflow/tfjs';
import { interpolate } from '../../attribution/gradient/interpolate.js';
import type { ImageGeometry, ImageLayout } from '../../attribution/perturbation/feature-ablation.js';
import type { AttributionResult } from '../../attribution/result.js';
import { GlassboxError } from '../../errors.js';
import { formatShape, sizeOf } from '../../tensor.js';

/**
 * A method's image attributions per pixel (H x W, row-major), one array per row: channels summed, and
 * a coarser map (Grad-CAM at its layer's resolution) resized bilinearly to the image first.
 */
export function pixelAttributions(result: AttributionResult, geometry: ImageGeometry, rowShape: readonly number[],
  layout: ImageLayout | undefined): Float64Array[] {
  const shape = result.shape.slice(1);
  const rows = result.shape[0];
  const pixels = geometry.height * geometry.width;
  if (shape.length === rowShape.length && shape.every((d, i) => d === rowShape[i])) {
    const size = sizeOf(rowShape);
    return Array.from({ length: rows }, (_, r) => {
      const values = result.attributions.subarray(r * size, (r + 1) * size);
      const out = new Float64Array(pixels);
      for (let y = 0; y < geometry.height; y++) {
        for (let x = 0; x < geometry.width; x++) {
          let s = 0;
          for (let c = 0; c < geometry.channels; c++) s += values[geometry.index(y, x, c)];
          out[y * geometry.width + x] = s;
        }
      }
      return out;
    });
  }
  return resizedMaps(result, shape, geometry, layout);
}

/** A map with fewer pixels than the image: [h, w], [h, w, C] or ([C, h, w] channels-first), summed over C and resized. */
function resizedMaps(result: AttributionResult, shape: number[], geometry: ImageGeometry, layout: ImageLayout | undefined): Float64Array[] {
  const rows = result.shape[0];
  const channelsFirst = shape.length === 3 && layout === 'NCHW';
  const spatial = shape.length === 2 ? shape : channelsFirst ? shape.slice(1) : shape.slice(0, 2);
  if (shape.length < 2 || shape.length > 3) {
    throw new GlassboxError(`the method returned attributions of shape ${formatShape(result.shape)}, which are not an image map`,
      'evaluate methods whose attributions have the input\'s shape or a spatial map (grad-cam at a convolution layer)');
  }
  const channels = shape.length === 2 ? 1 : channelsFirst ? shape[0] : shape[2];
  const [h, w] = spatial;
  const summed = new Float32Array(rows * h * w);
  const a = result.attributions;
  for (let r = 0; r < rows; r++) {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        let s = 0;
        for (let c = 0; c < channels; c++) {
          s += a[r * h * w * channels + (channelsFirst ? (c * h + y) * w + x : (y * w + x) * channels + c)];
        }
        summed[(r * h + y) * w + x] = s;
      }
    }
  }
  const resized = tf.tidy(() => interpolate(tf.tensor4d(summed, [rows, h, w, 1]), [geometry.height, geometry.width], 'bilinear').dataSync());
  const pixels = geometry.height * geometry.width;
  return Array.from({ length: rows }, (_, r) => Float64Array.from(resized.subarray(r * pixels, (r + 1) * pixels)));
}
