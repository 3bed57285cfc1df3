import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { useBackend } from '../../../src/backend.js';
import { loadBuiltinLanguageModel, builtInLanguageModelFiles } from '../../../src/models/llama2c/builtin.js';
import type { Llama2cModel } from '../../../src/models/llama2c/model.js';
import { textLoss } from '../../../src/models/llama2c/text-loss.js';
import { readLabelledTexts } from '../../../src/text/labelled-texts.js';
import { argmax } from '../../../src/models/transformer/transformer.js';
import { UsageError } from '../../../src/errors.js';

const root = new URL('../../../', import.meta.url).pathname;
const split = JSON.parse(readFileSync(`${root}models/sms-lm/split.json`, 'utf8')) as { data: string; heldOut: number[] };
const recorded = JSON.parse(readFileSync(`${root}models/sms-lm/training.json`, 'utf8')) as {
  heldOut: { loss: number; tokens: number }; unigramBaseline: number;
};
const { texts } = readLabelledTexts(`${root}${split.data}`);
const heldOutSet = new Set(split.heldOut);
const heldOutTexts = split.heldOut.map((i) => texts[i]);
const trainingTexts = texts.filter((_, i) => !heldOutSet.has(i));

/** tok.bin read here on its own: pieces (UTF-8) and scores. */
function readTokenizerFile(path: string): { pieces: string[]; scores: number[] } {
  const bytes = readFileSync(path);
  const pieces: string[] = [];
  const scores: number[] = [];
  for (let at = 4; at < bytes.length;) {
    scores.push(bytes.readFloatLE(at));
    const length = bytes.readInt32LE(at + 4);
    pieces.push(bytes.subarray(at + 8, at + 8 + length).toString('utf8'));
    at += 8 + length;
  }
  return { pieces, scores };
}

/**
 * Textbook BPE: the dummy-prefix space, one symbol per character (bytes for characters outside the
 * vocabulary), then the merges applied in rank order (rank = -score), leftmost first.
 */
function rankOrderBpe(text: string, pieces: string[], scores: number[]): number[] {
  const id = new Map<string, number>();
  pieces.forEach((p, i) => { if (!id.has(p)) id.set(p, i); });
  const rank = new Map<string, number>();
  pieces.forEach((p, i) => { if (i >= 259 && [...p].length >= 2) rank.set(p, -scores[i]); });
  const symbols = [...(' ' + text)];
  for (;;) {
    let best = -1;
    let bestRank = Infinity;
    for (let i = 0; i + 1 < symbols.length; i++) {
      const r = rank.get(symbols[i] + symbols[i + 1]);
      if (r !== undefined && r < bestRank) {
        bestRank = r;
        best = i;
      }
    }
    if (best < 0) break;
    symbols.splice(best, 2, symbols[best] + symbols[best + 1]);
  }
  return [1, ...symbols.flatMap((s) => (id.has(s) ? [id.get(s)!] : [...Buffer.from(s, 'utf8')].map((b) => b + 3)))];
}

describe('built-in language model sms-lm', () => {
  let model: Llama2cModel;
  before(async () => {
    await useBackend('wasm');
    model = await loadBuiltinLanguageModel('sms-lm');
  });
  after(() => model.dispose());

  it('loads by name as a llama2.c checkpoint and tokenizer', async () => {
    assert.deepEqual({ ...model.header }, {
      dim: 64, hiddenDim: 192, layers: 4, heads: 4, kvHeads: 4, vocabSize: 1024, sharedClassifier: true, seqLen: 128, version: 0,
    });
    assert.equal(model.transformer.name, 'sms-lm');
    assert.equal(model.tokenizer.vocabSize, 1024);
    await assert.rejects(loadBuiltinLanguageModel('gpt-9'), (err: unknown) => err instanceof UsageError && /sms-lm/.test(err.hint ?? ''));
  });

  it('encodes as textbook rank-order BPE of its tok.bin (scores are minus the merge rank), and decodes back', () => {
    const { pieces, scores } = readTokenizerFile(builtInLanguageModelFiles('sms-lm').tokenizer);
    assert.equal(pieces.length, 1024);
    let differ = 0;
    for (const text of heldOutTexts) {
      const ids = model.encode(text);
      if (ids.join() !== rankOrderBpe(text, pieces, scores).join()) differ++;
      assert.equal(model.decode(ids), text);
    }
    assert.equal(differ, 0, `${differ} of ${heldOutTexts.length} held-out texts encode differently`);
  });

  it('generates greedily, deterministically, each token the argmax of a full forward pass', () => {
    const first = model.generate('Sorry, I', 16);
    const second = model.generate('Sorry, I', 16);
    assert.deepEqual(first, second);
    assert.ok(first.tokens.length > 0);
    const prompt = model.encode('Sorry, I');
    const full = model.transformer.run([...prompt, ...first.tokens]);
    first.tokens.forEach((token, k) => assert.equal(token, argmax(full.logits[prompt.length - 1 + k])));
  });

  it('predicts held-out texts far better than the unigram baseline', () => {
    const scored = textLoss(model, heldOutTexts);
    // Independent of the script's numbers: add-one unigram frequencies of the training texts' tokens (BOS ends a text).
    const counts = new Float64Array(1024).fill(1);
    for (const text of trainingTexts) for (const id of [...model.encode(text).slice(1), 1]) counts[id]++;
    const total = counts.reduce((a, b) => a + b, 0);
    let unigram = 0;
    let n = 0;
    for (const text of heldOutTexts) {
      for (const id of [...model.encode(text), 1].slice(1, 129)) {
        unigram -= Math.log(counts[id] / total);
        n++;
      }
    }
    unigram /= n;
    assert.equal(scored.tokens, n);
    assert.ok(Math.abs(scored.loss - recorded.heldOut.loss) < 1e-4, `loss ${scored.loss}, recorded ${recorded.heldOut.loss}`);
    assert.ok(Math.abs(unigram - recorded.unigramBaseline) < 1e-6);
    assert.ok(scored.loss < unigram - 1, `held-out loss ${scored.loss.toFixed(3)} nats/token, unigram ${unigram.toFixed(3)}`);
  });

  it('scores texts in padded batches as it scores them one by one', () => {
    const sample = heldOutTexts.slice(0, 12);
    const batched = textLoss(model, sample, { batchSize: 12 });
    const single = sample.map((t) => textLoss(model, [t], { batchSize: 1 }));
    const pooled = single.reduce((a, s) => a + s.loss * s.tokens, 0) / single.reduce((a, s) => a + s.tokens, 0);
    assert.ok(Math.abs(batched.loss - pooled) < 1e-5, `batched ${batched.loss}, one by one ${pooled}`);
  });
});
