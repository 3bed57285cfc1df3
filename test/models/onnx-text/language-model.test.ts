import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useBackend } from '../../../src/backend.js';
import { writeOnnx } from '../../../src/engines/native/write.js';
import { loadOnnxTextModel } from '../../../src/models/onnx-text/load.js';
import { transformerToOnnx } from '../../../src/models/onnx-text/transformer-to-onnx.js';
import { Transformer } from '../../../src/models/transformer/transformer.js';
import { textOcclusion } from '../../../src/attribution/text/occlusion.js';
import { textKernelShap } from '../../../src/attribution/text/kernel-shap.js';
import { LAYERNORM_DECODER, randomWeights } from '../../attribution/text/helpers.js';

/** A folder with a random decoder exported to ONNX and a whitespace tokenizer over its 23 tokens ("[UNK]", "t1" ... "t22"). */
function decoderFolder(): { dir: string; transformer: Transformer } {
  const weights = randomWeights(LAYERNORM_DECODER, 21);
  const vocabulary = Array.from({ length: LAYERNORM_DECODER.vocabSize }, (_, i) => (i === 0 ? '[UNK]' : `t${i}`));
  const dir = mkdtempSync(join(tmpdir(), 'glassbox-onnx-lm-'));
  writeFileSync(join(dir, 'model.onnx'), writeOnnx(transformerToOnnx(LAYERNORM_DECODER, weights)));
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify({
    version: '1.0', truncation: null, padding: null,
    added_tokens: [{ id: 0, content: '[UNK]', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }],
    normalizer: null, pre_tokenizer: { type: 'WhitespaceSplit' }, post_processor: null, decoder: null,
    model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab: Object.fromEntries(vocabulary.map((t, i) => [t, i])) },
  }));
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ max_position_embeddings: LAYERNORM_DECODER.maxLength }));
  return { dir, transformer: new Transformer(LAYERNORM_DECODER, weights, { vocabulary, name: 'decoder' }) };
}

describe('an ONNX language model export (next-token logits per position)', () => {
  before(async () => useBackend('wasm'));

  it('loads as a language model and gives the TF.js next-token logits and causal attentions', async () => {
    const { dir, transformer } = decoderFolder();
    const model = await loadOnnxTextModel(dir);
    try {
      assert.equal(model.kind, 'language-model');
      assert.equal(model.numOutputs, 23);
      assert.equal(model.maxLength, 32);
      const encoding = model.encode('t5 t9 t3 t17 t2');
      assert.deepEqual(encoding.ids, [5, 9, 3, 17, 2]);
      assert.deepEqual(encoding.specialPositions, []);
      const [rows] = await model.outputs([encoding.ids]);
      const expected = transformer.run(encoding.ids).logits;
      assert.equal(rows.length, 5);
      rows.forEach((row, p) => row.forEach((v, c) => assert.ok(Math.abs(v - expected[p][c]) < 1e-4, `position ${p}, token ${c}`)));
      const maps = await model.attentions(encoding.ids);
      assert.equal(maps.causal, true);
      assert.equal(maps.weights[1], 0);
    } finally {
      transformer.dispose();
      await model.dispose();
    }
  });

  it('occlusion and KernelSHAP of the next token at a position equal the TF.js ones (removal moves the position)', async () => {
    const { dir, transformer } = decoderFolder();
    const model = await loadOnnxTextModel(dir);
    try {
      const tokens = [5, 9, 3, 17, 2, 8];
      for (const options of [{ position: 3 }, { position: 4, contrast: 1, output: 'probability' as const }]) {
        const a = await textOcclusion(model, tokens, options);
        const b = await textOcclusion(transformer, tokens, options);
        assert.equal(a.target, b.target);
        assert.equal(a.targetName, b.targetName);
        a.scores.forEach((s, p) => assert.ok(Math.abs(s - b.scores[p]) < 1e-4, `occlusion ${p}`));
        const c = await textKernelShap(model, tokens, { ...options, seed: 1 });
        const d = await textKernelShap(transformer, tokens, { ...options, seed: 1 });
        c.scores.forEach((s, p) => assert.ok(Math.abs(s - d.scores[p]) < 1e-4, `kernel-shap ${p}`));
        // Tokens after the explained position are not players.
        assert.deepEqual(a.scores.slice(options.position + 1), new Array(tokens.length - options.position - 1).fill(0));
      }
      await assert.rejects(textOcclusion(model, tokens, { position: 6 }), /position 6 is outside the 6 tokens/);
    } finally {
      transformer.dispose();
      await model.dispose();
    }
  });
});
