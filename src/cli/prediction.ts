import * as tf from '@tensorflow/tfjs';
import type { Model } from '../models/model.js';

export interface Prediction {
  /** Raw outputs per row. */
  logits: number[][];
  /** Softmax of the outputs when they are logits; the outputs themselves otherwise. */
  probabilities: number[][];
}

export async function predict(model: Model, inputs: tf.Tensor): Promise<Prediction> {
  const out = await model.forward(inputs);
  try {
    return tf.tidy(() => {
      const probs = model.info.outputKind === 'logits' ? tf.softmax(out) : out;
      return { logits: out.arraySync() as number[][], probabilities: probs.arraySync() as number[][] };
    });
  } finally {
    out.dispose();
  }
}
