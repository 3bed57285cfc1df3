import type { AttentionMaps } from '../../attention/types.js';
import type { TokenSequenceModel } from '../../attribution/text/token-sequence-model.js';
import { UsageError } from '../../errors.js';

/**
 * Every layer's attention for one token sequence, as the attention methods take it (rollout, flow,
 * head view), from any text model that exposes it: an ONNX export's attention outputs, or the TF.js
 * transformer (through `transformerSequenceModel`).
 */
export async function textModelAttentions(model: TokenSequenceModel, tokens: readonly number[]): Promise<AttentionMaps> {
  if (!model.attentions) {
    throw new UsageError(`${model.name} does not give its attention weights`,
      'export the model with output_attentions=True (one attentions output per layer), or use a Glassbox transformer');
  }
  return model.attentions(tokens);
}
