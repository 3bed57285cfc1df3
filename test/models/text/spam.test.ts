import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { useBackend } from '../../../src/backend.js';
import { loadTextClassifier } from '../../../src/models/text/load.js';
import type { TextClassifierModel } from '../../../src/models/text/text-classifier.js';
import { readLabelledTexts } from '../../../src/text/labelled-texts.js';
import { GlassboxError, UsageError } from '../../../src/errors.js';

describe('the built-in spam classifier (models/spam)', () => {
  let model: TextClassifierModel;
  before(async () => {
    await useBackend('wasm');
    model = await loadTextClassifier('spam');
  });
  after(() => model?.dispose());

  it('scores on the committed held-out split exactly what its config states, and at least 95%', async () => {
    const heldOut = model.config.heldOut!;
    const split = JSON.parse(readFileSync('models/spam/split.json', 'utf8')) as { heldOut: number[] };
    const { labels, texts } = readLabelledTexts(heldOut.data);
    assert.equal(texts.length, 5574);
    assert.equal(split.heldOut.length, heldOut.total);
    // Stratified: the held-out share of spam is the data's (747 / 5574).
    const spamShare = split.heldOut.filter((i) => labels[i] === 'spam').length / split.heldOut.length;
    assert.ok(Math.abs(spamShare - 747 / 5574) < 0.002, `spam share ${spamShare}`);
    const predicted = await model.predict(split.heldOut.map((i) => texts[i]));
    const correct = predicted.filter((p, k) => model.classNames[p] === labels[split.heldOut[k]]).length;
    assert.ok(correct >= heldOut.correct, `${correct} correct, the config states ${heldOut.correct}`);
    assert.equal(correct / heldOut.total, heldOut.accuracy);
    assert.ok(heldOut.accuracy >= 0.95, `held-out accuracy ${heldOut.accuracy}`);
  });

  it('calls obvious spam spam and ordinary messages ham', async () => {
    const spam = [
      'WINNER!! You have been selected to receive a £1000 cash prize. Call 09061701461 now to claim. T&C apply',
      'FREE entry into our weekly competition! Text WIN to 80086 to win a brand new mobile phone. 18+ only',
      'URGENT: your mobile number has won a guaranteed £2000 award. Claim code X29. Call 0871 277 8100 now',
    ];
    const ham = [
      'Are we still meeting for lunch tomorrow?',
      'Sorry I am running late, see you at home in ten minutes',
      'Can you pick up some milk on your way back? Thanks mum',
    ];
    // classify is bound: it goes to LIME / KernelSHAP as a plain function.
    const { classify } = model;
    const p = await classify([...spam, ...ham]);
    assert.deepEqual([p.rows, p.cols], [6, 2]);
    assert.deepEqual(model.classNames, ['ham', 'spam']);
    for (let r = 0; r < 6; r++) {
      const [pHam, pSpam] = [p.data[2 * r], p.data[2 * r + 1]];
      assert.ok(Math.abs(pHam + pSpam - 1) < 1e-12);
      if (r < 3) assert.ok(pSpam > 0.9, `spam message ${r}: p(spam) = ${pSpam}`);
      else assert.ok(pHam > 0.9, `ham message ${r - 3}: p(ham) = ${pHam}`);
    }
  });

  it('returns attention maps whose rows sum to 1, over the tokens of encode', () => {
    const encoding = model.encode('Congratulations! You have won a free holiday, reply YES to claim');
    assert.equal(encoding.tokens[0], '[CLS]');
    assert.equal(encoding.tokens.at(-1), '[SEP]');
    const run = model.transformer.run(encoding.ids, { attentions: true });
    const maps = run.attentions!;
    assert.deepEqual(maps.tokens, encoding.tokens);
    const n = encoding.ids.length;
    assert.equal(maps.weights.length, maps.layers * maps.heads * n * n);
    for (let row = 0; row < maps.layers * maps.heads * n; row++) {
      let sum = 0;
      for (let k = 0; k < n; k++) sum += maps.weights[row * n + k];
      assert.ok(Math.abs(sum - 1) < 1e-5, `row ${row} sums to ${sum}`);
    }
  });

  it('cuts texts longer than its context and says so', () => {
    const long = model.encode('win '.repeat(500));
    assert.equal(long.ids.length, model.maxLength);
    assert.equal(long.truncated, true);
    assert.equal(model.encode('').tokens.join(' '), '[CLS] [SEP]');
  });

  it('reports a missing or broken model directory clearly', async () => {
    await assert.rejects(loadTextClassifier('models/no-such-model'), UsageError);
    await assert.rejects(loadTextClassifier('models/digits'), UsageError);
    await assert.rejects(loadTextClassifier('data/text'), (err: unknown) => err instanceof GlassboxError && /config/.test((err as Error).message));
  });
});
