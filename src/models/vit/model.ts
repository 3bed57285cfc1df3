import * as tf from '@tensorflow/tfjs';
import { UsageError } from '../../errors.js';
import { formatShape, toTensor, type InputLike } from '../../tensor.js';
import type { RolloutOptions } from '../../attention/rollout.js';
import type { BackwardRule, GradientRequest, Gradients, Model, ModelInfo } from '../model.js';
import type { ImagePreprocessing } from '../preprocessing.js';
import { vitAttention, type VitAttention } from './image-attention.js';
import type { VisionTransformer } from './vit.js';
import { autodiffGradients } from '../autodiff-gradients.js';

export interface VitModelOptions {
  name?: string;
  classNames?: string[];
  preprocessing?: ImagePreprocessing;
  description?: string;
}

/**
 * A vision transformer behind the core `Model` interface: inputs are images [batch, size, size,
 * channels] (NHWC, as the CNN digit model), outputs class logits, gradients are taken with respect to
 * the pixels, so the core's image methods (saliency, integrated gradients, occlusion, ...) run on it.
 * `attention` adds what only a transformer has: where [CLS] looks, per head and rolled out.
 */
export class VitModel implements Model {
  readonly info: ModelInfo;

  constructor(readonly vit: VisionTransformer, options: VitModelOptions = {}) {
    const config = vit.config;
    this.info = {
      name: options.name ?? vit.name,
      engine: 'transformer',
      inputShape: vit.inputShape,
      numOutputs: config.transformer.classifier!.classes,
      outputKind: 'logits',
      classNames: options.classNames ?? config.transformer.classifier!.classNames,
      layers: [],
      preprocessing: options.preprocessing,
      description: options.description,
    };
  }

  async forward(inputs: tf.Tensor): Promise<tf.Tensor2D> {
    return this.forwardSync(inputs);
  }

  private forwardSync(inputs: tf.Tensor): tf.Tensor2D {
    this.checkInputs(inputs);
    return this.vit.forward(inputs as tf.Tensor4D).logits;
  }

  supportsRule(kind: BackwardRule['kind']): boolean {
    return kind === 'standard';
  }

  async gradients(inputs: tf.Tensor, request: GradientRequest): Promise<Gradients> {
    if (request.layer !== undefined) {
      throw new UsageError(`${this.info.name} has no named layers for "${request.layer}"`,
        'use a method over the pixels (saliency, integrated gradients, occlusion); for where the model looks, use its attention');
    }
    if (request.rule && request.rule.kind !== 'standard') {
      throw new UsageError(`${request.rule.kind} is not supported on a vision transformer`,
        'use saliency, input x gradient, integrated gradients or a perturbation method');
    }
    return autodiffGradients((x) => this.forwardSync(x), inputs, request.target);
  }

  /**
   * Where [CLS] looks in one image ([size, size, channels] or [1, size, size, channels], pixels as
   * the model takes them): per layer and head, and rolled out over all layers.
   */
  attention(image: InputLike, rollout: RolloutOptions = {}): VitAttention {
    const tensor = toTensor(image);
    try {
      const shape = this.info.inputShape;
      const batched = tensor.rank === 3 ? tf.expandDims(tensor, 0) : tensor;
      try {
        if (batched.rank !== 4 || batched.shape[0] !== 1) {
          throw new UsageError(`${this.info.name}: attention takes one image, got shape ${formatShape(tensor.shape)}`,
            `give one image of shape ${formatShape(shape)} or ${formatShape([1, ...shape])}`);
        }
        this.checkInputs(batched);
        const [maps] = this.vit.attentionMaps(batched as tf.Tensor4D);
        return vitAttention(maps, this.vit.config, rollout);
      } finally {
        if (batched !== tensor) batched.dispose();
      }
    } finally {
      if (tensor !== image) tensor.dispose();
    }
  }

  dispose(): void {
    this.vit.dispose();
  }

  private checkInputs(inputs: tf.Tensor): void {
    const expected = [inputs.shape[0], ...this.info.inputShape];
    if (inputs.rank !== 4 || inputs.shape.some((n, i) => n !== expected[i])) {
      throw new UsageError(`${this.info.name}: inputs have shape ${formatShape(inputs.shape)}`,
        `give images of shape ${formatShape(expected)} (batch, height, width, channels)`);
    }
  }
}
