import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { useBackend } from '../../../src/backend.js';
import { OnnxSession } from '../../../src/engines/native/runtime.js';
import { transformerToOnnx } from '../../../src/models/onnx-text/transformer-to-onnx.js';
import { Transformer } from '../../../src/models/transformer/transformer.js';
import type { TransformerConfig } from '../../../src/models/transformer/config.js';
import { UsageError } from '../../../src/errors.js';
import { CLASSIFIER, LAYERNORM_DECODER, RMSNORM_DECODER, randomWeights } from '../../attribution/text/helpers.js';

/** Runs the exported graph on right-padded sequences and the TF.js transformer on the same; returns the largest differences. */
async function compare(config: TransformerConfig, sequences: number[][], seed: number): Promise<{ logits: number; attentions: number }> {
  const weights = randomWeights(config, seed);
  const transformer = new Transformer(config, weights);
  const session = await OnnxSession.create(transformerToOnnx(config, weights));
  try {
    const length = Math.max(...sequences.map((s) => s.length));
    const ids = BigInt64Array.from(sequences.flatMap((s) => Array.from({ length }, (_, t) => BigInt(t < s.length ? s[t] : 0))));
    const mask = BigInt64Array.from(sequences.flatMap((s) => Array.from({ length }, (_, t) => (t < s.length ? 1n : 0n))));
    const shape = [sequences.length, length];
    const out = await session.run({ input_ids: { dtype: 'int64', shape, data: ids }, attention_mask: { dtype: 'int64', shape, data: mask } });
    const runs = transformer.runBatch(sequences, { attentions: true });
    const outputs = config.classifier?.classes ?? config.vocabSize;
    const logits = out.logits.data as Float32Array;
    const heads = config.heads;
    let worstLogit = 0;
    let worstAttention = 0;
    runs.forEach((run, b) => {
      run.logits.forEach((row, r) => {
        const start = config.classifier ? b * outputs : (b * length + r) * outputs;
        row.forEach((v, c) => { worstLogit = Math.max(worstLogit, Math.abs(v - logits[start + c])); });
      });
      const n = sequences[b].length;
      const maps = run.attentions!.weights;
      for (let l = 0; l < config.layers; l++) {
        const a = out[`attentions.${l}`].data as Float32Array;
        for (let h = 0; h < heads; h++) for (let q = 0; q < n; q++) for (let k = 0; k < n; k++) {
          const theirs = a[((b * heads + h) * length + q) * length + k];
          worstAttention = Math.max(worstAttention, Math.abs(maps[((l * heads + h) * n + q) * n + k] - theirs));
        }
      }
    });
    return { logits: worstLogit, attentions: worstAttention };
  } finally {
    transformer.dispose();
    await session.release();
  }
}

describe('transformerToOnnx: the project transformer as a Hugging Face-style ONNX graph', () => {
  before(async () => useBackend('wasm'));

  it('a mean-pooling classifier: onnxruntime gives the TF.js logits and attentions on a ragged batch', async () => {
    const diff = await compare(CLASSIFIER, [[1, 5, 9, 3, 7, 2], [4, 8, 2], [16, 0, 11, 12]], 3);
    assert.ok(diff.logits < 1e-4, `logits ${diff.logits}`);
    assert.ok(diff.attentions < 1e-5, `attentions ${diff.attentions}`);
  });

  it('a causal language model: every position\'s next-token logits and the causal attentions', async () => {
    const diff = await compare(LAYERNORM_DECODER, [[1, 5, 9, 3, 7, 2, 22], [4, 8]], 4);
    assert.ok(diff.logits < 1e-4, `logits ${diff.logits}`);
    assert.ok(diff.attentions < 1e-5, `attentions ${diff.attentions}`);
  });

  it('RMSNorm and SwiGLU export; rotary positions and grouped-query heads are refused by name', async () => {
    const plain: TransformerConfig = { ...RMSNORM_DECODER, positional: 'learned', kvHeads: undefined };
    const diff = await compare(plain, [[1, 5, 9, 3], [4, 8, 2]], 5);
    assert.ok(diff.logits < 1e-4, `logits ${diff.logits}`);
    assert.throws(() => transformerToOnnx(RMSNORM_DECODER, randomWeights(RMSNORM_DECODER, 6)),
      (e: unknown) => e instanceof UsageError && /rotary positions is not supported/.test(e.message));
    const grouped: TransformerConfig = { ...RMSNORM_DECODER, positional: 'learned' };
    assert.throws(() => transformerToOnnx(grouped, randomWeights(grouped, 6)),
      (e: unknown) => e instanceof UsageError && /grouped-query attention/.test(e.message));
  });
});
