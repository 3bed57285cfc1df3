/**
 * A core-engine Model (TF.js or native, src/models/model.ts) whose input is [batch, features] as a
 * TabularModel: rows go in as float32 tensors, outputs come back as float64 matrices.
 */
import * as tf from '@tensorflow/tfjs';
import { UsageError } from '../../errors.js';
import { matrix, type Matrix } from '../../tabular/matrix.js';
import type { Model, ModelInfo } from '../model.js';
import { checkBatchSize, checkOutputs, checkRows } from './check.js';
import type { TabularModel, TabularModelInfo, TabularOutput } from './model.js';

export interface TensorTabularOptions {
  featureNames?: string[];
  /** Default: from the model's outputKind (logits -> margin, probabilities -> probability, values -> value). */
  output?: TabularOutput;
  /** Most rows per forward pass. Default 4096. */
  batchSize?: number;
}

const OUTPUT_KINDS: Record<ModelInfo['outputKind'], TabularOutput> = { logits: 'margin', probabilities: 'probability', values: 'value' };

export function tensorTabularModel(model: Model, options: TensorTabularOptions = {}): TabularModel {
  const shape = model.info.inputShape;
  if (shape.length !== 1) {
    throw new UsageError(`model ${model.info.name} takes inputs of shape [${shape}] per row, not a row of features`,
      'explain it with the tensor methods (glassbox attribute), or give a model whose input is [batch, features]');
  }
  const batchSize = checkBatchSize(options.batchSize ?? 4096);
  const numFeatures = shape[0];
  if (options.featureNames && options.featureNames.length !== numFeatures) {
    throw new UsageError(`${options.featureNames.length} feature names for model ${model.info.name}, which takes ${numFeatures} features`, 'give one name per feature');
  }
  const info: TabularModelInfo = {
    name: model.info.name,
    kind: 'tensor',
    numFeatures,
    numOutputs: model.info.numOutputs,
    output: options.output ?? OUTPUT_KINDS[model.info.outputKind],
    acceptsMissing: false,
  };
  if (options.featureNames) info.featureNames = [...options.featureNames];
  if (model.info.classNames) info.outputNames = [...model.info.classNames];
  return {
    info,
    async predict(rows: Matrix): Promise<Matrix> {
      checkRows(info, rows);
      const out = matrix(rows.rows, info.numOutputs);
      for (let start = 0; start < rows.rows; start += batchSize) {
        const count = Math.min(batchSize, rows.rows - start);
        const x = tf.tensor2d(Float32Array.from(rows.data.subarray(start * numFeatures, (start + count) * numFeatures)), [count, numFeatures]);
        try {
          const y = await model.forward(x);
          try {
            out.data.set(await y.data(), start * info.numOutputs);
          } finally {
            y.dispose();
          }
        } finally {
          x.dispose();
        }
      }
      checkOutputs(info, out);
      return out;
    },
    dispose(): void {
      model.dispose();
    },
  };
}
