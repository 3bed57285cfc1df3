import * as tf from '@tensorflow/tfjs';
import { UsageError } from '../../errors.js';
import type { LayerActivations, Model } from '../../models/model.js';

/** Checks that the model has the layer, naming the layers it does have. */
export function checkLayer(model: Model, layer: string): void {
  const names = model.info.layers.map((l) => l.name);
  if (names.includes(layer)) return;
  const shown = names.slice(0, 40).join(', ') + (names.length > 40 ? `, ... (${names.length} in all)` : '');
  throw new UsageError(`model ${model.info.name} has no layer named "${layer}"`,
    names.length > 0 ? `choose one of: ${shown}` : `model ${model.info.name} exposes no layers (a plain function): wrap a TF.js or ONNX model instead`);
}

/**
 * A layer's output for one batch, and with `output` the model's output: the model's own `activations`
 * when it has one (one pass), else the activations a layer gradient request returns (with a backward
 * pass that is thrown away) and a forward pass. The caller disposes the tensors.
 */
export async function layerActivations(model: Model, inputs: tf.Tensor, layer: string, options: { output?: boolean } = {}): Promise<LayerActivations> {
  if (model.activations) return model.activations(inputs, layer, options);
  const g = await model.gradients(inputs, { target: { kind: 'index', indices: new Int32Array(inputs.shape[0]) }, layer });
  const { layerActivations: activations, ...rest } = g;
  tf.dispose(Object.values(rest));
  if (!activations) throw new UsageError(`model ${model.info.name} returned no activations for layer "${layer}"`, 'choose another layer');
  return options.output ? { activations, output: await model.forward(inputs) } : { activations };
}
