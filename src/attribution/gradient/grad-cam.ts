import * as tf from '@tensorflow/tfjs';
import { UsageError } from '../../errors.js';
import type { Model, OutputSelector } from '../../models/model.js';
import { formatShape } from '../../tensor.js';
import { Attribution, batchSizeOf, gradientsInChunks, type AttributeOptions, type Computed, type ProgressCallback } from '../base.js';
import { interpolate, type InterpolateMode } from './interpolate.js';

export type GradCamUpsample = 'none' | InterpolateMode;

export interface GradCamOptions extends AttributeOptions {
  /** Name of the layer to explain, usually the last convolution. Required. */
  layer: string;
  /** Keep only positive evidence, as the Grad-CAM paper does. Default false, as Captum's LayerGradCam. */
  relu?: boolean;
  /**
   * Resize the map from the layer's to the input's spatial size. Default 'none', as Captum's
   * LayerGradCam (which leaves it to LayerAttribution.interpolate); the paper uses 'bilinear'.
   */
  upsample?: GradCamUpsample;
}

const UPSAMPLE: readonly GradCamUpsample[] = ['none', 'nearest', 'bilinear'];

/**
 * Grad-CAM (Selvaraju et al. 2017), as Captum's LayerGradCam, for channels-last layers (the TF.js
 * layout): each channel of the layer's output is weighted by its gradient averaged over the spatial
 * positions, and the channels are summed. A layer output [B, ...spatial, C] gives a map
 * [B, ...spatial, 1]; upsampled, [B, ...input spatial, 1]. A flat layer [B, C] gives [B, 1], the sum
 * of gradient times activation.
 */
export class GradCam extends Attribution<GradCamOptions> {
  readonly name = 'grad-cam';

  protected async compute(inputs: tf.Tensor, target: OutputSelector, options: GradCamOptions): Promise<Computed> {
    const relu = options.relu ?? false;
    const upsample = options.upsample ?? 'none';
    if (!UPSAMPLE.includes(upsample)) {
      throw new UsageError(`unknown upsample mode "${upsample as string}"`, `choose one of: ${UPSAMPLE.join(', ')}`);
    }
    const layer = checkLayer(this.model, options.layer);
    const cam = await layerCam(this.model, inputs, target, layer, relu, batchSizeOf(options), options.onProgress);
    const params = { layer, relu, upsample, layerShape: cam.shape.slice(1) };
    if (upsample === 'none') return { attributions: cam, params };
    try {
      const layout = this.model.info.preprocessing?.layout;
      const map = interpolate(cam, inputSpatialShape(inputs, cam, layer, layout), upsample);
      return { attributions: toInputLayout(map, layout), params };
    } finally {
      cam.dispose();
    }
  }
}

/** The layer's name, after checking the model has it, with the candidates in the message when not. */
export function checkLayer(model: Model, layer: string | undefined): string {
  const spatial = model.info.layers.filter((l) => l.outputShape.length >= 3).map((l) => l.name);
  const hint = spatial.length > 0
    ? `pass layer: the last convolution is usual; layers with a spatial output: ${spatial.join(', ')}`
    : `model ${model.info.name} has no layer with a spatial output; layers: ${model.info.layers.map((l) => l.name).join(', ') || 'none'}`;
  if (layer === undefined || layer === '') throw new UsageError('grad-cam needs a layer to explain', hint);
  if (!model.info.layers.some((l) => l.name === layer)) throw new UsageError(`model ${model.info.name} has no layer named "${layer}"`, hint);
  return layer;
}

/** Grad-CAM at the layer's resolution, [B, ...spatial, 1] (or [B, 1] for a flat layer), in bounded batches. */
export function layerCam(model: Model, inputs: tf.Tensor, target: OutputSelector, layer: string, relu: boolean,
  batchSize: number, onProgress?: ProgressCallback): Promise<tf.Tensor> {
  return gradientsInChunks(model, inputs, target, batchSize, (g) => {
    const activations = g.layerActivations!;
    const grads = g.layerGradients!;
    const spatialAxes = activations.shape.slice(1, -1).map((_, i) => i + 1);
    const weights = spatialAxes.length > 0 ? tf.mean(grads, spatialAxes, true) : grads;
    const cam = tf.sum(tf.mul(weights, activations), -1, true);
    return relu ? tf.relu(cam) : cam;
  }, { layer, onProgress });
}

/**
 * The input's spatial size for a map with the same number of spatial axes: [B, ...spatial, C]
 * (channels last) or [B, ...spatial] (no channel axis).
 */
export function inputSpatialShape(inputs: tf.Tensor, cam: tf.Tensor, layer: string, layout?: 'NHWC' | 'NCHW'): number[] {
  const axes = cam.rank - 2;
  if (layout === 'NCHW' && axes > 0 && inputs.rank - 2 === axes) return inputs.shape.slice(2);
  if (axes > 0 && inputs.rank - 2 === axes) return inputs.shape.slice(1, -1);
  if (axes > 0 && inputs.rank - 1 === axes) return inputs.shape.slice(1);
  throw new UsageError(`cannot upsample the map of layer ${layer} (${formatShape(cam.shape.slice(1))}) to inputs ${formatShape(inputs.shape.slice(1))}`,
    'choose a layer with the spatial axes of the input (a convolution), or upsample: \'none\'');
}

/** An upsampled map [B, H, W, 1] in the inputs' layout: [B, 1, H, W] for channels-first image models. */
export function toInputLayout(map: tf.Tensor, layout: 'NHWC' | 'NCHW' | undefined): tf.Tensor {
  if (layout !== 'NCHW' || map.rank !== 4) return map;
  const out = tf.transpose(map, [0, 3, 1, 2]);
  map.dispose();
  return out;
}
