import * as tf from '@tensorflow/tfjs';
import type { Model } from '../models/model.js';

export interface Prediction {
  /** Raw outputs per row. */
  logits: number[][];
  /** Softmax of the outputs when they are logits; the outputs themselves otherwise. */
  probabilities: number[][];
}

export function predict(model: Model, inputs: tf.Tensor): Prediction {
  return tf.tidy(() => {
    const out = model.forward(inputs);
    const probs = model.info.outputKind === 'logits' ? tf.softmax(out) : out;
    return { logits: out.arraySync() as number[][], probabilities: probs.arraySync() as number[][] };
  });
}
