import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { useBackend } from '../../../src/backend.js';
import { loadTextClassifier } from '../../../src/models/text/load.js';
import type { TextClassifierModel, TextClassifierConfig } from '../../../src/models/text/text-classifier.js';
import { decodeWeights } from '../../../src/models/text/weights-file.js';
import { loadOnnxTextModel } from '../../../src/models/onnx-text/load.js';
import type { OnnxTextModel } from '../../../src/models/onnx-text/onnx-text-model.js';
import { transformerToOnnx } from '../../../src/models/onnx-text/transformer-to-onnx.js';
import { writeOnnx } from '../../../src/engines/native/write.js';
import { attentionRollout } from '../../../src/attention/rollout.js';
import { textModelAttentions } from '../../../src/models/onnx-text/text-attentions.js';
import { transformerSequenceModel } from '../../../src/attribution/text/transformer-sequence-model.js';
import { readLabelledTexts } from '../../../src/text/labelled-texts.js';

const maxAbs = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

describe('models/spam-onnx: the spam classifier exported to ONNX', () => {
  let tfjs: TextClassifierModel;
  let onnx: OnnxTextModel;
  const { texts } = readLabelledTexts('data/text/sms_spam_collection.tsv');
  const split = JSON.parse(readFileSync('models/spam/split.json', 'utf8')) as { heldOut: number[] };
  before(async () => {
    await useBackend('wasm');
    tfjs = await loadTextClassifier('spam');
    onnx = await loadOnnxTextModel('spam-onnx');
  });
  after(async () => {
    tfjs?.dispose();
    await onnx?.dispose();
  });

  it('is laid out as a Hugging Face export: int64 input_ids and attention_mask, logits, one attention output per layer, id2label', () => {
    assert.deepEqual(onnx.signature, {
      ids: 'input_ids', idType: 'int64', mask: 'attention_mask', logits: 'logits', logitsRank: 2, attentions: ['attentions.0', 'attentions.1'],
    });
    assert.equal(onnx.kind, 'classifier');
    assert.deepEqual(onnx.classNames, ['ham', 'spam']);
    assert.equal(onnx.maxLength, 128);
    assert.equal(onnx.vocabSize, 1600);
    assert.equal(onnx.numOutputs, 2);
  });

  it('is the file scripts/export-spam-onnx.ts writes from the committed weights (byte for byte)', () => {
    const config = JSON.parse(readFileSync('models/spam/config.json', 'utf8')) as TextClassifierConfig;
    const weights = decodeWeights(readFileSync('models/spam/weights.bin'), config.weights.manifest, config.transformer.layers, 'weights.bin');
    const bytes = writeOnnx(transformerToOnnx(config.transformer, weights, { name: 'spam-onnx', attentions: true }),
      { producerName: 'glassbox scripts/export-spam-onnx.ts' });
    assert.ok(Buffer.from(bytes).equals(readFileSync('models/spam-onnx/model.onnx')), 'model.onnx differs from a fresh export');
    assert.ok(bytes.length < 800_000, `${bytes.length} bytes`);
  });

  it('gives the TF.js classifier\'s logits (1e-4) on 200 held-out messages, in ragged batches', async () => {
    const ids = split.heldOut.slice(0, 200).map((i) => tfjs.encode(texts[i]).ids);
    const expected = tfjs.logits(ids);
    const got = await onnx.outputs(ids);
    let worst = 0;
    got.forEach((rows, r) => {
      assert.equal(rows.length, 1);
      worst = Math.max(worst, maxAbs(rows[0], expected.data.subarray(r * 2, r * 2 + 2)));
    });
    assert.ok(worst < 1e-4, `largest logit difference ${worst}`);
    // Padding inside a batch changes nothing: one message alone gives the same logits.
    const longest = ids.reduce((a, b) => (b.length > a.length ? b : a));
    const shortest = ids.reduce((a, b) => (b.length < a.length ? b : a));
    const [alone] = await onnx.outputs([shortest]);
    const [together] = (await onnx.outputs([longest, shortest])).slice(1);
    assert.ok(maxAbs(alone[0], together[0]) < 1e-5);
  });

  it('tokenizer.json (run by @huggingface/tokenizers) gives our tokenizer\'s ids on all 5,574 messages', () => {
    assert.equal(texts.length, 5574);
    const differ = texts.filter((t) => onnx.tokenizer.encode(t).ids.join() !== tfjs.tokenizer.encode(t).ids.join());
    assert.deepEqual(differ, []);
    // Texts off the data set: accents, symbols glued to digits, C1 controls in the vocabulary, CJK, long words.
    for (const t of ['café naïve ü', '£1000 & €5', 'a\u0091b', '日本語 text', 'İstanbul ΟΔΟΣ', 'x'.repeat(101), '']) {
      assert.deepEqual(onnx.tokenizer.encode(t).ids, tfjs.tokenizer.encode(t).ids, JSON.stringify(t));
    }
    // The one difference: a special token written in the text is one token to Hugging Face tokenizers.
    assert.deepEqual(onnx.tokenizer.encode('call [CLS] now').ids, [2, 207, 2, 240, 3]);
    assert.deepEqual(tfjs.tokenizer.encode('call [CLS] now').ids, [2, 207, 37, 320, 134, 39, 240, 3]);
  });

  it('truncates as our tokenizer does: word pieces cut, [CLS] and [SEP] kept', () => {
    const long = texts.map((t) => ({ t, n: tfjs.tokenizer.encode(t).ids.length })).find(({ n }) => n > 128)!;
    const ours = tfjs.encode(long.t);
    const theirs = onnx.encode(long.t);
    assert.equal(theirs.truncated, true);
    assert.deepEqual(theirs.ids, ours.ids);
    assert.deepEqual(theirs.specialPositions, [0, 127]);
  });

  it('its attention outputs equal the TF.js attentions, and so does their rollout', async () => {
    for (const i of split.heldOut.slice(0, 5)) {
      const ids = tfjs.encode(texts[i]).ids;
      const ours = await textModelAttentions(transformerSequenceModel(tfjs.transformer), ids);
      const theirs = await textModelAttentions(onnx, ids);
      assert.deepEqual({ ...theirs, weights: undefined }, { ...ours, weights: undefined });
      assert.ok(maxAbs(theirs.weights, ours.weights) < 1e-5, `message ${i}`);
      const a = attentionRollout(theirs);
      const b = attentionRollout(ours);
      assert.ok(maxAbs(a.values, b.values) < 1e-5, `rollout of message ${i}`);
      // Rows of a rollout are distributions: the check is not vacuous.
      assert.ok(Math.abs(a.values.slice(0, ids.length).reduce((s, v) => s + v, 0) - 1) < 1e-4);
    }
  });
});
