import * as tf from '@tensorflow/tfjs';
import { UsageError } from '../../errors.js';
import type { OutputSelector } from '../../models/model.js';
import { Attribution, batchSizeOf, inputGradients, type AttributeOptions, type Computed } from '../base.js';
import { checkLayer, inputSpatialShape, toInputLayout, layerCam } from './grad-cam.js';
import { interpolate, type InterpolateMode } from './interpolate.js';

export interface GuidedGradCamOptions extends AttributeOptions {
  /** Name of the layer Grad-CAM explains, usually the last convolution. Required. */
  layer: string;
  /** How the Grad-CAM map is resized to the input. Default 'nearest', as Captum; the paper uses 'bilinear'. */
  upsample?: InterpolateMode;
}

const UPSAMPLE: readonly InterpolateMode[] = ['nearest', 'bilinear'];

/**
 * Guided Grad-CAM (Selvaraju et al. 2017), as Captum's GuidedGradCam: guided backpropagation times
 * the Grad-CAM map with its negative part cut off (relu), resized to the input's spatial size and
 * shared by every channel. The result has the inputs' shape.
 */
export class GuidedGradCam extends Attribution<GuidedGradCamOptions> {
  readonly name = 'guided-grad-cam';

  protected async compute(inputs: tf.Tensor, target: OutputSelector, options: GuidedGradCamOptions): Promise<Computed> {
    const upsample = options.upsample ?? 'nearest';
    if (!UPSAMPLE.includes(upsample)) {
      throw new UsageError(`unknown upsample mode "${upsample as string}"`, `choose one of: ${UPSAMPLE.join(', ')}`);
    }
    const layer = checkLayer(this.model, options.layer);
    const cam = await layerCam(this.model, inputs, target, layer, true, batchSizeOf(options));
    const layerShape = cam.shape.slice(1);
    let guided: tf.Tensor | undefined;
    try {
      const layout = this.model.info.preprocessing?.layout;
      const spatial = inputSpatialShape(inputs, cam, layer, layout);
      guided = await inputGradients(this.model, inputs, target, options, { rule: { kind: 'guided-backprop' } });
      const g = guided;
      const attributions = tf.tidy(() => {
        const map = toInputLayout(interpolate(cam, spatial, upsample), layout);
        // Without a channel axis in the input, the map's trailing 1 goes too.
        return tf.mul(g, map.rank === inputs.rank ? map : map.reshape(inputs.shape));
      });
      return { attributions, params: { layer, upsample, relu: true, layerShape } };
    } finally {
      cam.dispose();
      guided?.dispose();
    }
  }
}
