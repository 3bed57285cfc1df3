import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { matrix } from '../../../src/tabular/matrix.js';
import { IndexedText } from '../../../src/attribution/lime/indexed-text.js';
import { LimeText } from '../../../src/attribution/lime/lime-text.js';
import { TextGame } from '../../../src/attribution/lime/text-game.js';
import { gameEnds } from '../../../src/attribution/coalition/game.js';

const reviews = JSON.parse(readFileSync(new URL('data/reviews.json', import.meta.url), 'utf8')) as { texts: [string, number][] };

/** Multinomial naive Bayes (Laplace smoothing) over lower-cased words, trained on the twelve reviews. */
function trainNaiveBayes() {
  const words = (t: string) => t.toLowerCase().split(/[^a-z]+/).filter(Boolean);
  const counts = [new Map<string, number>(), new Map<string, number>()];
  const totals = [0, 0];
  const docs = [0, 0];
  const vocabulary = new Set<string>();
  for (const [text, label] of reviews.texts) {
    docs[label]++;
    for (const w of words(text)) {
      counts[label].set(w, (counts[label].get(w) ?? 0) + 1);
      totals[label]++;
      vocabulary.add(w);
    }
  }
  let calls = 0;
  const classify = async (texts: string[]) => {
    calls++;
    const out = matrix(texts.length, 2);
    texts.forEach((t, i) => {
      const logp = [0, 1].map((c) => Math.log(docs[c] / reviews.texts.length)
        + words(t).reduce((s, w) => s + (vocabulary.has(w) ? Math.log(((counts[c].get(w) ?? 0) + 1) / (totals[c] + vocabulary.size)) : 0), 0));
      const m = Math.max(...logp);
      const z = Math.exp(logp[0] - m) + Math.exp(logp[1] - m);
      out.data[2 * i] = Math.exp(logp[0] - m) / z;
      out.data[2 * i + 1] = Math.exp(logp[1] - m) / z;
    });
    return out;
  };
  return { classify, calls: () => calls };
}

test('words split as lime_text does; bag of words removes every occurrence, otherwise words are masked', () => {
  const t = new IndexedText('The cat, the dog... and THE cat!');
  assert.deepEqual(t.featureNames, ['The', 'cat', 'the', 'dog', 'and', 'THE']);
  assert.deepEqual(t.positions[1], [2, 12]);
  assert.equal(t.keep([1, 1, 1, 1, 1, 1]), 'The cat, the dog... and THE cat!');
  assert.equal(t.keep([1, 0, 1, 1, 1, 1]), 'The , the dog... and THE !');
  const words = new IndexedText('a b a', false);
  assert.deepEqual(words.featureNames, ['a', 'b', 'a']);
  assert.equal(words.keep([0, 1, 1]), 'UNKWORDZ b a');
  assert.deepEqual(new IndexedText('café crème, naïve').featureNames, ['café', 'crème', 'naïve']);
});

test('the text game values coalitions with the classifier on the reduced text', async () => {
  const { classify } = trainNaiveBayes();
  const game = new TextGame(new IndexedText('great food'), classify, 1);
  const { full, empty } = await gameEnds(game);
  assert.equal(full, (await classify(['great food'])).data[1]);
  assert.equal(empty, (await classify([''])).data[1]);
  assert.deepEqual(game.texts(Uint8Array.from([0, 1]), 1), [' food']);
});

test('LIME text gives the sentiment words the largest weights, with their signs', async () => {
  const { classify, calls } = trainNaiveBayes();
  const text = 'the risotto was excellent but the waiters were rude';
  const e = await new LimeText(classify, { seed: 2 }).explain(text, { numSamples: 2000, batchSize: 400 });
  assert.equal(calls(), 1 + 5); // one probe for the number of classes, then 2000 texts in batches of 400
  assert.equal(e.target, 1);
  const weight = (w: string) => e.attributions[0][e.featureNames.indexOf(w)];
  const ranked = e.extras![0].ranked as string[];
  assert.deepEqual(ranked.slice(0, 2).sort(), ['excellent', 'rude']);
  assert.ok(weight('excellent') > 0.1 && weight('rude') < -0.1, `${weight('excellent')} ${weight('rude')}`);
  // Words the classifier never saw have no effect on it.
  assert.ok(Math.abs(weight('risotto')) < 0.02 && Math.abs(weight('but')) < 0.02);
  assert.ok((e.extras![0].score as number) > 0.5);
  assert.equal(e.predictions[0], (await classify([text])).data[1]);
  // Seeded: the same again.
  const again = await new LimeText(classify, { seed: 2 }).explain(text, { numSamples: 2000 });
  assert.deepEqual(again.attributions, e.attributions);
});

test('bad text input gets usage errors', async () => {
  const { classify } = trainNaiveBayes();
  const lime = new LimeText(classify);
  await assert.rejects(lime.explain('... !!!'), /no words/);
  await assert.rejects(lime.explain('great food', { target: 2 }), /target 2 is out of range/);
  await assert.rejects(lime.explain('great food', { numSamples: 1 }), /numSamples/);
});

test('weights match lime_text\'s pipeline replayed on numpy and sklearn for a fixed word-weight classifier', async () => {
  const ref = JSON.parse(readFileSync(new URL('data/text-reference.json', import.meta.url), 'utf8')) as {
    text: string; word_weights: Record<string, number>; words: string[]; num_samples: number;
    coef_mean: number[]; coef_std: number[]; intercept_mean: number; score_mean: number;
  };
  const classify = async (texts: string[]) => {
    const out = matrix(texts.length, 2);
    texts.forEach((t, i) => {
      const z = t.split(/[^\p{L}\p{N}_]+/u).filter(Boolean).reduce((s, w) => s + (ref.word_weights[w.toLowerCase()] ?? 0), 0);
      out.data[2 * i + 1] = 1 / (1 + Math.exp(-z));
      out.data[2 * i] = 1 - out.data[2 * i + 1];
    });
    return out;
  };
  const e = await new LimeText(classify, { seed: 4 }).explain(ref.text, { numSamples: ref.num_samples, featureSelection: 'none' });
  assert.deepEqual(e.featureNames, ref.words);
  // One run scatters around the expected weights with the per-run standard deviation (0.002 to 0.004).
  e.attributions[0].forEach((a, j) => assert.ok(Math.abs(a - ref.coef_mean[j]) < 4 * ref.coef_std[j] + 0.002, `${ref.words[j]}: ${a} vs ${ref.coef_mean[j]} +- ${ref.coef_std[j]}`));
  assert.ok(Math.abs(e.baseValues[0] - ref.intercept_mean) < 0.01 && Math.abs((e.extras![0].score as number) - ref.score_mean) < 0.01);
});

test('a custom separator splits words, keeping its flags', () => {
  const t = new IndexedText('alpha;beta , gammaXdelta', true, 'UNKWORDZ', /\s*[;,x]\s*/i);
  assert.deepEqual(t.featureNames, ['alpha', 'beta', 'gamma', 'delta']);
  assert.equal(t.keep([1, 0, 1, 1]), 'alpha; , gammaXdelta');
});
