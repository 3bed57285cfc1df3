import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../../src/backend.js';
import { attentionGradients } from '../../../src/attribution/text/attention-gradients.js';
import { explainedOutput } from '../../../src/attribution/text/target.js';
import { gradientWeightedRollout } from '../../../src/attention/gradient-weighted.js';
import { loadTextClassifier } from '../../../src/models/text/load.js';
import { loadBuiltinLanguageModel } from '../../../src/models/llama2c/builtin.js';
import type { Transformer } from '../../../src/models/transformer/transformer.js';
import type { ResolvedTarget } from '../../../src/attribution/text/target.js';

/** The explained output with `delta` added to one attention weight (layer, head, query, key). */
function outputWithBump(transformer: Transformer, tokens: number[], resolved: ResolvedTarget, at: number[], delta: number): number {
  const n = tokens.length;
  const { layers, heads } = transformer.config;
  return tf.tidy(() => {
    const probes = Array.from({ length: layers }, (_, l) => {
      const values = new Float32Array(heads * n * n);
      if (l === at[0]) values[(at[1] * n + at[2]) * n + at[3]] = delta;
      return tf.tensor4d(values, [1, heads, n, n]);
    });
    const { logits } = transformer.forwardEmbeddings(transformer.embed([tokens]), { attentionProbes: probes });
    return explainedOutput(logits, resolved).dataSync()[0];
  });
}

describe('attention gradients (for gradient-weighted attention)', () => {
  before(async () => { await useBackend('cpu'); });

  for (const kind of ['classifier', 'language model'] as const) {
    it(`match central differences on the built-in ${kind}`, async () => {
      const model = kind === 'classifier' ? await loadTextClassifier('spam') : await loadBuiltinLanguageModel('sms-lm');
      try {
        const transformer = model.transformer;
        const tokens = kind === 'classifier' ? (model as Awaited<ReturnType<typeof loadTextClassifier>>).tokenizer.encode('WIN a free prize, call now').ids
          : (model as Awaited<ReturnType<typeof loadBuiltinLanguageModel>>).encode('Sorry, I will call you later');
        const before = tf.memory().numTensors;
        const { maps, gradients, resolved } = attentionGradients(transformer, tokens);
        assert.equal(tf.memory().numTensors, before, 'no tensors left behind');
        const n = tokens.length;
        assert.equal(gradients.length, maps.layers * maps.heads * n * n);
        // The largest gradients and a few others, each against (f(a + h) - f(a - h)) / 2h.
        const order = Array.from(gradients.keys()).sort((a, b) => Math.abs(gradients[b]) - Math.abs(gradients[a]));
        const picks = [...order.slice(0, 4), order[Math.floor(order.length / 3)]];
        const h = 1e-2;
        for (const i of picks) {
          const at = [Math.floor(i / (maps.heads * n * n)), Math.floor(i / (n * n)) % maps.heads, Math.floor(i / n) % n, i % n];
          const fd = (outputWithBump(transformer, tokens, resolved, at, h) - outputWithBump(transformer, tokens, resolved, at, -h)) / (2 * h);
          assert.ok(Math.abs(fd - gradients[i]) <= 2e-3 + 2e-2 * Math.abs(fd), `weight ${at.join(',')}: gradient ${gradients[i]}, central difference ${fd}`);
        }
        assert.ok(Math.abs(gradients[order[0]]) > 1e-3, 'the output depends on the attention');
        const relevance = gradientWeightedRollout(maps, gradients);
        assert.equal(relevance.length, n);
      } finally {
        model.dispose();
      }
    });
  }
});
