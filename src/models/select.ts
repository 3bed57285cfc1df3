import * as tf from '@tensorflow/tfjs';
import { UsageError } from '../errors.js';
import { formatShape } from '../tensor.js';
import type { OutputSelector } from './model.js';

/** One value per row: the target column of each row, or the user's function of the output. */
export function selectOutputs(output: tf.Tensor, target: OutputSelector): tf.Tensor1D {
  if (target.kind === 'function') {
    const picked = target.fn(output);
    if (picked.rank !== 1 || picked.shape[0] !== output.shape[0]) {
      throw new UsageError(`the target function returned shape ${formatShape(picked.shape)} for a batch of ${output.shape[0]}`,
        'return one value per row, shape [batch]');
    }
    return picked as tf.Tensor1D;
  }
  // tf.oneHot needs a depth of 2 or more; a single output is its own selection.
  if (output.shape[1] === 1) return tf.reshape(output, [output.shape[0]]) as tf.Tensor1D;
  const mask = tf.oneHot(tf.tensor1d(target.indices, 'int32'), output.shape[1]!);
  return tf.sum(tf.mul(output, mask), 1) as tf.Tensor1D;
}
