import * as tf from '@tensorflow/tfjs';
import { UsageError } from '../../errors.js';
import type { OutputSelector } from '../../models/model.js';
import { inferImagePreprocessing } from '../../models/preprocessing.js';
import { Attribution, type AttributeOptions, type Computed } from '../base.js';
import type { MethodEntry } from '../registry.js';

/**
 * A control "explanation" that ignores the model: the Sobel gradient magnitude of the input image, per
 * channel, with skimage.filters.sobel's semantics (reflected borders, the [1, 2, 1] / 4 smoothing,
 * sqrt((h^2 + v^2) / 2)). Summed over channels it is the edge map Adebayo et al. (2018) set beside
 * saliency maps: a method whose maps stay this similar while the model's weights are randomised does
 * not explain the model. The target is resolved (and reported) as for any method, and changes nothing.
 */
export class EdgeDetector extends Attribution<AttributeOptions> {
  readonly name = 'edge-detector';

  protected async compute(inputs: tf.Tensor, _target: OutputSelector): Promise<Computed> {
    const shape = this.model.info.inputShape;
    const layout = this.model.info.preprocessing?.layout ?? inferImagePreprocessing(shape)?.layout;
    if (shape.length !== 3 || !layout) {
      throw new UsageError(`the edge detector needs image inputs ([height, width, channels] or [channels, height, width]); model ${this.model.info.name} takes [${shape.join(', ')}]`,
        'use it on an image model');
    }
    const [height, width, channels] = layout === 'NHWC' ? shape : [shape[1], shape[2], shape[0]];
    const x = await inputs.data();
    const out = new Float32Array(x.length);
    const plane = new Float64Array(height * width);
    const rows = inputs.shape[0];
    for (let b = 0; b < rows; b++) {
      for (let c = 0; c < channels; c++) {
        // Element (y, x) of channel c of row b, in either layout.
        const at = layout === 'NHWC'
          ? (y: number, xx: number) => ((b * height + y) * width + xx) * channels + c
          : (y: number, xx: number) => ((b * channels + c) * height + y) * width + xx;
        for (let y = 0; y < height; y++) for (let xx = 0; xx < width; xx++) plane[y * width + xx] = x[at(y, xx)];
        const magnitude = sobelMagnitude(plane, height, width);
        for (let y = 0; y < height; y++) for (let xx = 0; xx < width; xx++) out[at(y, xx)] = magnitude[y * width + xx];
      }
    }
    return { attributions: tf.tensor(out, inputs.shape, 'float32'), params: { filter: 'sobel' } };
  }
}

/** skimage.filters.sobel of one [h, w] plane: scipy's "reflect" borders repeat the edge value (x[-1] = x[0]). */
export function sobelMagnitude(plane: ArrayLike<number>, height: number, width: number): Float64Array {
  const at = (y: number, x: number) => plane[clampReflect(y, height) * width + clampReflect(x, width)];
  const out = new Float64Array(height * width);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const alongRows = (at(y + 1, x - 1) - at(y - 1, x - 1) + 2 * (at(y + 1, x) - at(y - 1, x)) + at(y + 1, x + 1) - at(y - 1, x + 1)) / 4;
      const alongCols = (at(y - 1, x + 1) - at(y - 1, x - 1) + 2 * (at(y, x + 1) - at(y, x - 1)) + at(y + 1, x + 1) - at(y + 1, x - 1)) / 4;
      out[y * width + x] = Math.sqrt((alongRows * alongRows + alongCols * alongCols) / 2);
    }
  }
  return out;
}

function clampReflect(i: number, n: number): number {
  if (n === 1) return 0;
  if (i < 0) return -i - 1;
  if (i >= n) return 2 * n - i - 1;
  return i;
}

/** The edge detector as a method entry, for subjects built outside the registry (which lists the same entry). */
export const EDGE_DETECTOR_ENTRY: MethodEntry = {
  name: 'edge-detector',
  family: 'control',
  needsLayer: false,
  needsRule: false,
  onRequestOnly: true,
  summary: 'control that ignores the model: Sobel edge magnitude of the input (the sanity-check baseline of Adebayo et al.)',
  create: (model) => new EdgeDetector(model) as unknown as ReturnType<MethodEntry['create']>,
};
