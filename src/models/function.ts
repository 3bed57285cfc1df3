import * as tf from '@tensorflow/tfjs';
import { UsageError } from '../errors.js';
import { formatShape } from '../tensor.js';
import type { BackwardRule, GradientRequest, Gradients, LayerActivations, Model, ModelInfo } from './model.js';
import { autodiffGradients } from './autodiff-gradients.js';

export interface FunctionModelOptions {
  /** Input shape without the batch dimension. */
  inputShape: number[];
  /** Outputs per row. */
  numOutputs: number;
  name?: string;
  classNames?: string[];
  outputKind?: ModelInfo['outputKind'];
  preprocessing?: ModelInfo['preprocessing'];
}

/**
 * A plain TS function over tensors as a model: `fn` maps [B, ...inputShape] to [B, numOutputs] with
 * differentiable TF.js ops. It has no layers, so layer methods and modified backward rules do not apply.
 */
export class FunctionModel implements Model {
  readonly info: ModelInfo;

  constructor(private readonly fn: (inputs: tf.Tensor) => tf.Tensor, options: FunctionModelOptions) {
    this.info = {
      name: options.name ?? 'function',
      engine: 'function',
      inputShape: [...options.inputShape],
      numOutputs: options.numOutputs,
      outputKind: options.outputKind ?? 'values',
      classNames: options.classNames,
      layers: [],
      preprocessing: options.preprocessing,
    };
  }

  async forward(inputs: tf.Tensor): Promise<tf.Tensor2D> {
    return this.forwardSync(inputs);
  }

  private forwardSync(inputs: tf.Tensor): tf.Tensor2D {
    return tf.tidy(() => {
      const out = this.fn(inputs);
      const expected = [inputs.shape[0], this.info.numOutputs];
      if (out.rank !== 2 || out.shape[0] !== expected[0] || out.shape[1] !== expected[1]) {
        throw new UsageError(`model function ${this.info.name} returned shape ${formatShape(out.shape)} for a batch of ${inputs.shape[0]}`,
          `return shape ${formatShape(expected)}, or fix numOutputs`);
      }
      return out as tf.Tensor2D;
    });
  }

  supportsRule(kind: BackwardRule['kind']): boolean {
    return kind === 'standard';
  }

  async activations(_inputs: tf.Tensor, layer: string): Promise<LayerActivations> {
    throw new UsageError(`model ${this.info.name} is a plain function and has no layer "${layer}"`,
      'layer activations need a TF.js LayersModel, a graph model or an ONNX model');
  }

  async gradients(inputs: tf.Tensor, request: GradientRequest): Promise<Gradients> {
    if (request.layer !== undefined) {
      throw new UsageError(`model ${this.info.name} is a plain function and has no layer "${request.layer}"`,
        'layer methods (grad-cam) need a TF.js LayersModel');
    }
    if (request.rule && request.rule.kind !== 'standard') {
      throw new UsageError(`${request.rule.kind} needs a layered model, and ${this.info.name} is a plain function`,
        'use saliency, integrated-gradients or a perturbation method');
    }
    return autodiffGradients((x) => this.forwardSync(x), inputs, request.target);
  }

  dispose(): void {}
}
