import { prepareInputs } from '../../attribution/base.js';
import * as tf from '@tensorflow/tfjs';
import { UsageError } from '../../errors.js';
import type { Model } from '../../models/model.js';
import type { InputLike } from '../../tensor.js';
import { checkLayer } from '../activations/layer-activations.js';

/**
 * d output[target] / d layer, flattened to one row per input, batch by batch; every tensor is disposed.
 * Returns the rows and their width.
 */
export async function targetLayerGradients(model: Model, inputs: InputLike, layer: string, target: number,
  options: { batchSize?: number; onBatch?: (rows: number) => void } = {}): Promise<{ count: number; dim: number; values: Float32Array }> {
  checkLayer(model, layer);
  if (!Number.isInteger(target) || target < 0 || target >= model.info.numOutputs) {
    throw new UsageError(`target ${target} is not an output of model ${model.info.name}`, `choose a class from 0 to ${model.info.numOutputs - 1}`);
  }
  // The shared input check: shape against the model, finite values (a NaN row is named), a batch dimension.
  const all = prepareInputs(model, inputs);
  try {
    const count = all.shape[0];
    const batchSize = options.batchSize ?? 64;
    let values: Float32Array | undefined;
    let dim = 0;
    for (let start = 0; start < count; start += batchSize) {
      const rows = Math.min(batchSize, count - start);
      const batch = tf.slice(all, start, rows);
      try {
        const g = await model.gradients(batch, { target: { kind: 'index', indices: new Int32Array(rows).fill(target) }, layer });
        const data = g.layerGradients ? await g.layerGradients.data() as Float32Array : undefined;
        tf.dispose(Object.values(g));
        if (!data) throw new UsageError(`model ${model.info.name} returned no gradient for layer "${layer}"`, 'choose another layer');
        if (!values) {
          dim = data.length / rows;
          values = new Float32Array(count * dim);
        }
        values.set(data, start * dim);
      } finally {
        batch.dispose();
      }
      options.onBatch?.(rows);
    }
    return { count, dim, values: values ?? new Float32Array(0) };
  } finally {
    all.dispose();
  }
}
