/**
 * How an image becomes the model's input tensor: resized to width x height, brought to `channels`,
 * each value v in [0, 255] mapped to (v * scale - mean[c]) / std[c], and laid out as `layout`.
 * Stored with the model (TF.js userDefinedMetadata.glassbox.preprocessing) so a PNG goes in and the
 * right tensor comes out.
 */
export interface ImagePreprocessing {
  layout: 'NHWC' | 'NCHW';
  width: number;
  height: number;
  channels: 1 | 3;
  scale: number;
  mean: number[];
  std: number[];
}

export const DEFAULT_IMAGE_PREPROCESSING: Omit<ImagePreprocessing, 'width' | 'height' | 'channels' | 'layout'> = {
  scale: 1 / 255,
  mean: [0],
  std: [1],
};

/** Guesses image preprocessing from an input shape when the model carries none: [H, W, C] or [C, H, W]. */
export function inferImagePreprocessing(inputShape: readonly number[]): ImagePreprocessing | undefined {
  if (inputShape.length !== 3) return undefined;
  const [a, b, c] = inputShape;
  if (c === 1 || c === 3) return { layout: 'NHWC', height: a, width: b, channels: c, ...DEFAULT_IMAGE_PREPROCESSING };
  if (a === 1 || a === 3) return { layout: 'NCHW', height: b, width: c, channels: a, ...DEFAULT_IMAGE_PREPROCESSING };
  return undefined;
}
