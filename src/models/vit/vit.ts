import * as tf from '@tensorflow/tfjs';
import { UsageError } from '../../errors.js';
import { formatShape } from '../../tensor.js';
import type { AttentionMaps } from '../../attention/types.js';
import { Transformer } from '../transformer/transformer.js';
import { linear } from '../transformer/linear.js';
import { gridSize, patchCount, patchLength, validateVitConfig, type VitConfig } from './config.js';
import { patchify } from './patches.js';
import type { VitWeights } from './weights.js';

export interface VitRunTensors {
  /** [batch, classes] */
  logits: tf.Tensor2D;
  /** Per layer, [batch, heads, tokens, tokens]; token 0 is [CLS], token 1 + r * grid + c is patch (r, c). */
  attentions?: tf.Tensor4D[];
}

/**
 * A vision transformer: a patch-embedding front end of its own and the project's Transformer as the
 * encoder (its one-token vocabulary is the [CLS] vector, its learned positions cover [CLS] and the
 * patches, its classifier reads the [CLS] position). Images are [batch, size, size, channels] NHWC.
 */
export class VisionTransformer {
  readonly config: VitConfig;
  readonly transformer: Transformer;
  readonly name: string;
  private readonly patchWeightT: tf.Tensor2D;
  private readonly patchBias: tf.Tensor1D;

  constructor(config: VitConfig, weights: VitWeights, options: { name?: string } = {}) {
    validateVitConfig(config);
    const dim = config.transformer.dim;
    const length = patchLength(config);
    if (!(weights.patchWeight instanceof Float32Array) || weights.patchWeight.length !== dim * length) {
      throw new UsageError(`vision transformer weights: patch.weight has ${weights.patchWeight?.length} values, expected ${dim * length}`,
        'the weights do not match the config (dim, patchSize, channels)');
    }
    if (!(weights.patchBias instanceof Float32Array) || weights.patchBias.length !== dim) {
      throw new UsageError(`vision transformer weights: patch.bias has ${weights.patchBias?.length} values, expected ${dim}`,
        'the weights do not match the config (dim)');
    }
    this.config = config;
    this.name = options.name ?? 'vit';
    const tokens = ['[CLS]'];
    this.transformer = new Transformer(config.transformer, weights.transformer, { name: this.name, vocabulary: tokens });
    // [dim, patchLength] (nn.Linear layout) to [patchLength, dim] for x @ W.
    const t = new Float32Array(dim * length);
    for (let o = 0; o < dim; o++) for (let i = 0; i < length; i++) t[i * dim + o] = weights.patchWeight[o * length + i];
    this.patchWeightT = tf.tensor2d(t, [length, dim]);
    this.patchBias = tf.tensor1d(weights.patchBias);
  }

  get inputShape(): [number, number, number] {
    return [this.config.imageSize, this.config.imageSize, this.config.channels];
  }

  /** Token names: "[CLS]", then "patch r,c" in grid order. */
  get tokenNames(): string[] {
    const grid = gridSize(this.config);
    return ['[CLS]', ...Array.from({ length: patchCount(this.config) }, (_, i) => `patch ${Math.floor(i / grid)},${i % grid}`)];
  }

  /** Images to the encoder's inputs [batch, 1 + patches, dim]: [CLS], then the projected patches (positions are added by the encoder). */
  embedImages(images: tf.Tensor4D): tf.Tensor3D {
    this.checkImages(images);
    return tf.tidy(() => {
      const batch = images.shape[0];
      const patches = linear(patchify(images, this.config.patchSize), this.patchWeightT, this.patchBias);
      const cls = this.transformer.embed([[0]]);
      const clsRows = tf.add(tf.zeros([batch, 1, this.config.transformer.dim]), cls);
      return tf.concat([clsRows, patches], 1) as tf.Tensor3D;
    });
  }

  /** The forward pass; the caller owns the returned tensors. Differentiable with respect to the images. */
  forward(images: tf.Tensor4D, options: { attentions?: boolean } = {}): VitRunTensors {
    const embedded = this.embedImages(images);
    try {
      const out = this.transformer.forwardEmbeddings(embedded, { attentions: options.attentions });
      return { logits: out.logits as tf.Tensor2D, attentions: out.attentions };
    } finally {
      embedded.dispose();
    }
  }

  /** Attention maps of each image in the batch, as the attention methods take them. */
  attentionMaps(images: tf.Tensor4D): AttentionMaps[] {
    const { logits, attentions } = this.forward(images, { attentions: true });
    logits.dispose();
    const { layers, heads } = this.config.transformer;
    const n = patchCount(this.config) + 1;
    const values = attentions!.map((a) => a.dataSync() as Float32Array);
    attentions!.forEach((a) => a.dispose());
    const block = heads * n * n;
    return Array.from({ length: images.shape[0] }, (_, b) => {
      const weights = new Float32Array(layers * block);
      values.forEach((v, l) => weights.set(v.subarray(b * block, (b + 1) * block), l * block));
      return { tokens: this.tokenNames, layers, heads, length: n, causal: false, weights };
    });
  }

  dispose(): void {
    this.transformer.dispose();
    this.patchWeightT.dispose();
    this.patchBias.dispose();
  }

  private checkImages(images: tf.Tensor): void {
    const expected = this.inputShape;
    if (images.rank !== 4 || images.shape.slice(1).some((n, i) => n !== expected[i])) {
      throw new UsageError(`${this.name}: images have shape ${formatShape(images.shape)}`,
        `give images of shape ${formatShape([images.shape[0] ?? 1, ...expected])} (batch, height, width, channels), pixels scaled to [0, 1]`);
    }
  }
}
