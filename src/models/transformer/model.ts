import * as tf from '@tensorflow/tfjs';
import { UsageError } from '../../errors.js';
import { formatShape } from '../../tensor.js';
import type { BackwardRule, GradientRequest, Gradients, Model, ModelInfo } from '../model.js';
import type { Transformer } from './transformer.js';
import { autodiffGradients } from '../autodiff-gradients.js';

export interface TransformerModelOptions {
  /** Sequence length of the inputs (the core Model has a fixed input shape: [length, dim]). */
  length: number;
  /**
   * For a language model, the position whose next-token logits are the outputs; the last by default.
   * Ignored for a classifier, whose outputs are its class logits.
   */
  position?: number;
  /** Position of the first input token (for models run on a window of a longer text); 0 by default. */
  positionOffset?: number;
  name?: string;
}

/**
 * A transformer behind the core `Model` interface, over embedded inputs [batch, length, dim], so that
 * saliency, integrated gradients and occlusion run on embeddings: gradients are taken with respect to
 * the embeddings (TF.js wasm has no gradient through `gather` into the table). Outputs are class
 * logits for a classifier, and one position's next-token logits for a language model.
 */
export class TransformerModel implements Model {
  readonly info: ModelInfo;
  private readonly position: number;

  constructor(readonly transformer: Transformer, private readonly options: TransformerModelOptions) {
    const config = transformer.config;
    const { length } = options;
    if (!Number.isInteger(length) || length <= 0 || length + (options.positionOffset ?? 0) > config.maxLength) {
      throw new UsageError(`${transformer.name}: a model over ${length} tokens does not fit the context of ${config.maxLength}`,
        `choose a length from 1 to ${config.maxLength}`);
    }
    this.position = options.position ?? length - 1;
    if (!Number.isInteger(this.position) || this.position < 0 || this.position >= length) {
      throw new UsageError(`${transformer.name}: position ${options.position} is outside the ${length} tokens`,
        `choose a position from 0 to ${length - 1}`);
    }
    this.info = {
      name: options.name ?? transformer.name,
      engine: 'transformer',
      inputShape: [length, config.dim],
      numOutputs: transformer.numOutputs,
      outputKind: 'logits',
      classNames: config.classifier?.classNames ?? (config.classifier ? undefined : transformer.vocabulary),
      layers: [],
    };
  }

  /** Token ids [batch][length] to this model's inputs, [batch, length, dim] embeddings. */
  embed(tokens: number[][]): tf.Tensor3D {
    return this.transformer.embed(tokens);
  }

  async forward(inputs: tf.Tensor): Promise<tf.Tensor2D> {
    return this.forwardSync(inputs);
  }

  private forwardSync(inputs: tf.Tensor): tf.Tensor2D {
    const expected = [inputs.shape[0], ...this.info.inputShape];
    if (inputs.rank !== 3 || inputs.shape.some((n, i) => n !== expected[i])) {
      throw new UsageError(`${this.info.name}: inputs have shape ${formatShape(inputs.shape)}`,
        `give embedded tokens of shape ${formatShape(expected)} (embed the token ids first)`);
    }
    return tf.tidy(() => {
      const { logits } = this.transformer.forwardEmbeddings(inputs as tf.Tensor3D, { positionOffset: this.options.positionOffset });
      if (this.transformer.config.classifier) return logits as tf.Tensor2D;
      const [batch, , vocab] = logits.shape;
      return tf.reshape(tf.slice(logits, [0, this.position, 0], [batch, 1, vocab]), [batch, vocab]) as tf.Tensor2D;
    });
  }

  supportsRule(kind: BackwardRule['kind']): boolean {
    return kind === 'standard';
  }

  async gradients(inputs: tf.Tensor, request: GradientRequest): Promise<Gradients> {
    if (request.layer !== undefined) {
      throw new UsageError(`${this.info.name} has no named layers for "${request.layer}"`,
        'use a method over the embeddings (saliency, integrated gradients, occlusion); attention has its own methods');
    }
    if (request.rule && request.rule.kind !== 'standard') {
      throw new UsageError(`${request.rule.kind} is not supported on a transformer`,
        'use saliency, input x gradient, integrated gradients or a perturbation method');
    }
    return autodiffGradients((x) => this.forwardSync(x), inputs, request.target);
  }

  /** The transformer is shared and owned by its creator: disposing the view leaves it alone. */
  dispose(): void {}
}
