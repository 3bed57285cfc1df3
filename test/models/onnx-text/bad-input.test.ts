import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GlassboxError, UsageError } from '../../../src/errors.js';
import { loadOnnxTextModel } from '../../../src/models/onnx-text/load.js';
import { textModelAttentions } from '../../../src/models/onnx-text/text-attentions.js';
import { transformerToOnnx } from '../../../src/models/onnx-text/transformer-to-onnx.js';
import { writeOnnx } from '../../../src/engines/native/write.js';
import type { TextClassifierConfig } from '../../../src/models/text/text-classifier.js';
import { decodeWeights } from '../../../src/models/text/weights-file.js';

const SPAM = 'models/spam-onnx';

/** A copy of models/spam-onnx with some files left out or replaced. */
function variant(files: Record<string, string | Uint8Array | null>): string {
  const dir = mkdtempSync(join(tmpdir(), 'glassbox-onnx-text-'));
  for (const name of ['model.onnx', 'tokenizer.json', 'tokenizer_config.json', 'config.json']) {
    const replacement = files[name];
    if (replacement === null) continue;
    if (replacement === undefined) copyFileSync(join(SPAM, name), join(dir, name));
    else writeFileSync(join(dir, name), replacement);
  }
  return dir;
}

async function rejects(dir: string, kind: typeof GlassboxError, message: RegExp, hint: RegExp): Promise<void> {
  await assert.rejects(loadOnnxTextModel(dir), (e: unknown) => {
    assert.ok(e instanceof kind, `a ${kind.name}, got ${String(e)}`);
    assert.match((e as GlassboxError).message, message);
    assert.match((e as GlassboxError).hint ?? '', hint);
    return true;
  });
}

describe('loadOnnxTextModel: bad input', () => {
  it('a folder without tokenizer.json', async () => {
    await rejects(variant({ 'tokenizer.json': null }), UsageError, /has no tokenizer\.json/, /save it next to model\.onnx/);
  });

  it('a folder without model.onnx, a missing folder, a file instead of a folder', async () => {
    await rejects(variant({ 'model.onnx': null }), UsageError, /has no model\.onnx/, /model\.onnx and tokenizer\.json/);
    await rejects('/nonexistent/glassbox-model', UsageError, /no such folder/, /model\.onnx and tokenizer\.json/);
    await rejects(join(SPAM, 'model.onnx'), UsageError, /is a file, not a folder/, /the folder around it/);
  });

  it('a tokenizer whose vocabulary does not match the model\'s embedding table', async () => {
    const json = JSON.parse(readFileSync(join(SPAM, 'tokenizer.json'), 'utf8')) as { model: { vocab: Record<string, number> } };
    // The first 1,000 tokens only: a valid tokenizer, but not this model's.
    json.model.vocab = Object.fromEntries(Object.entries(json.model.vocab).filter(([, id]) => id < 1000));
    const smaller = variant({ 'tokenizer.json': JSON.stringify(json) });
    await rejects(smaller, UsageError, /has 1000 tokens but the model's embedding table has 1600 rows/, /use the tokenizer\.json exported with this model.*paddedVocabulary/);
    // A table padded beyond the tokenizer on purpose loads when asked.
    const padded = await loadOnnxTextModel(smaller, { paddedVocabulary: true });
    assert.equal(padded.vocabSize, 1000);
    await padded.dispose();
    const larger = JSON.parse(readFileSync(join(SPAM, 'tokenizer.json'), 'utf8')) as { model: { vocab: Record<string, number> } };
    larger.model.vocab['zzzextra'] = 1600;
    await rejects(variant({ 'tokenizer.json': JSON.stringify(larger) }), UsageError, /has 1601 tokens but the model's embedding table has 1600 rows/, /exported with this model/);
  });

  it('a corrupt model.onnx (cut short, or not ONNX at all)', async () => {
    const bytes = readFileSync(join(SPAM, 'model.onnx'));
    await rejects(variant({ 'model.onnx': bytes.subarray(0, 5000) }), GlassboxError, /model\.onnx is not a model onnxruntime can load/, /corrupt or cut short/);
    await rejects(variant({ 'model.onnx': 'this is not a model' }), GlassboxError, /not a model onnxruntime can load/, /export it again/);
  });

  it('a tokenizer.json that is not JSON, or not a Hugging Face tokenizer', async () => {
    await rejects(variant({ 'tokenizer.json': '{"model": ' }), UsageError, /tokenizer\.json is not valid JSON/, /save the file again/);
    const glassboxFormat = readFileSync('models/spam/tokenizer.json', 'utf8');
    await rejects(variant({ 'tokenizer.json': glassboxFormat }), UsageError, /not a Hugging Face tokenizer\.json/, /save_pretrained/);
  });

  it('config.json with a label count that is not the model\'s', async () => {
    const config = { id2label: { 0: 'a', 1: 'b', 2: 'c' } };
    await rejects(variant({ 'config.json': JSON.stringify(config) }), UsageError, /id2label has 3 labels but the model has 2 outputs/, /one label per output/);
  });

  it('without config.json the classes are unnamed and the context comes from tokenizer_config.json', async () => {
    const model = await loadOnnxTextModel(variant({ 'config.json': null }));
    try {
      assert.equal(model.classNames, undefined);
      assert.equal(model.maxLength, 128);
      assert.equal(model.outputName(1), undefined);
    } finally {
      await model.dispose();
    }
  });

  it('token ids outside the vocabulary and sequences beyond the context are usage errors, not onnxruntime crashes', async () => {
    const model = await loadOnnxTextModel(SPAM);
    try {
      await assert.rejects(model.outputs([[2, 1600, 3]]), (e: unknown) => e instanceof UsageError && /token id 1600 at position 1 is outside the vocabulary of 1600/.test(e.message));
      await assert.rejects(model.outputs([new Array(129).fill(5)]), (e: unknown) => e instanceof UsageError && /129 tokens exceed the model's context of 128/.test(e.message));
    } finally {
      await model.dispose();
    }
    await assert.rejects(model.outputs([[2, 3]]), (e: unknown) => e instanceof UsageError && /has been disposed/.test(e.message));
  });

  it('an export without attention outputs runs, and asking it for attention says how to export them', async () => {
    const config = JSON.parse(readFileSync('models/spam/config.json', 'utf8')) as TextClassifierConfig;
    const weights = decodeWeights(readFileSync('models/spam/weights.bin'), config.weights.manifest, config.transformer.layers, 'weights.bin');
    const model = await loadOnnxTextModel(variant({ 'model.onnx': writeOnnx(transformerToOnnx(config.transformer, weights, { attentions: false })) }));
    try {
      assert.equal(model.hasAttentions, false);
      assert.equal((await model.outputs([[2, 502, 3]]))[0].length, 1);
      await assert.rejects(textModelAttentions(model, [2, 502, 3]),
        (e: unknown) => e instanceof UsageError && /has no attention outputs/.test(e.message) && /output_attentions=True/.test((e as UsageError).hint ?? ''));
    } finally {
      await model.dispose();
    }
    const noAttentions = { name: 'plain', kind: 'classifier' as const, vocabSize: 3, maxLength: 4, numOutputs: 2, tokenName: String, outputName: () => undefined, outputs: async () => [] };
    await assert.rejects(textModelAttentions(noAttentions, [1]), (e: unknown) => e instanceof UsageError && /plain does not give its attention weights/.test(e.message));
  });
});
