import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { useBackend } from '../../src/backend.js';
import { logitLens } from '../../src/lens/logit-lens.js';
import { directLogitAttribution } from '../../src/lens/direct-logit-attribution.js';
import { loadLlama2c } from '../../src/models/llama2c/load.js';
import { argmax } from '../../src/models/transformer/transformer.js';
import { UsageError } from '../../src/errors.js';
import { CLASSIFIER, LAYERNORM_DECODER, RMSNORM_DECODER, randomTransformer, randomWeights } from '../attribution/text/helpers.js';

const LLAMA = new URL('../data/llama2c/', import.meta.url).pathname;

function softmax(row: ArrayLike<number>): number[] {
  const max = Math.max(...Array.from(row));
  const e = Array.from(row, (v) => Math.exp(v - max));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

describe('logit lens', () => {
  before(async () => useBackend('wasm'));

  it('the last layer reads the model\'s own output; every layer is norm + unembedding of its residual', () => {
    const model = randomTransformer(LAYERNORM_DECODER, 21);
    const tokens = [1, 5, 9, 2, 14, 7];
    const lens = logitLens(model, tokens, { top: 3 });
    const run = model.run(tokens, { residuals: true });
    assert.deepEqual(lens.layerNames, ['embed', 'layer 0', 'layer 1']);
    const last = lens.layerNames.length - 1;
    tokens.forEach((_, p) => {
      const probs = softmax(run.logits[p]);
      const order = probs.map((v, i) => [v, i]).sort((a, b) => b[0] - a[0]);
      assert.deepEqual(lens.top[last][p].map((c) => c.id), order.slice(0, 3).map((o) => o[1]));
      lens.top[last][p].forEach((c, j) => assert.ok(Math.abs(c.probability - order[j][0]) < 1e-5));
      assert.equal(lens.chosen[p].id, argmax(run.logits[p]));
      assert.ok(Math.abs(lens.chosenProbability[last][p] - probs[lens.chosen[p].id]) < 1e-5);
      // Probabilities fall down the top-k list, and the chosen token's probability is a probability.
      for (let l = 0; l <= last; l++) {
        const cell = lens.top[l][p];
        for (let j = 1; j < cell.length; j++) assert.ok(cell[j].probability <= cell[j - 1].probability);
        assert.ok(lens.chosenProbability[l][p] >= 0 && lens.chosenProbability[l][p] <= 1);
      }
    });
    // A chosen token followed at every position.
    const fixed = logitLens(model, tokens, { chosen: 4 });
    assert.ok(fixed.chosen.every((c) => c.id === 4));
    assert.ok(Math.abs(fixed.chosenProbability[last][0] - softmax(run.logits[0])[4]) < 1e-5);
    model.dispose();
  });

  it('every layer matches a hand-written RMSNorm and unembedding of its residual (float64, from the weights)', () => {
    const weights = randomWeights(RMSNORM_DECODER, 22);
    const model = randomTransformer(RMSNORM_DECODER, 22);
    const tokens = [2, 6, 11, 3, 17];
    const lens = logitLens(model, tokens, { top: 2 });
    const run = model.run(tokens, { residuals: true });
    const { dim, vocabSize } = RMSNORM_DECODER;
    const g = weights.finalNorm.scale;
    const u = weights.unembedding!;
    const x = run.residuals!.values;
    lens.layerNames.forEach((_, l) => {
      tokens.forEach((__, p) => {
        const start = (l * tokens.length + p) * dim;
        let ms = 0;
        for (let i = 0; i < dim; i++) ms += x[start + i] ** 2;
        const s = 1 / Math.sqrt(ms / dim + 1e-5);
        const logits = Array.from({ length: vocabSize }, (___, t) => {
          let v = 0;
          for (let i = 0; i < dim; i++) v += x[start + i] * s * g[i] * u[t * dim + i];
          return v;
        });
        const probs = softmax(logits);
        const order = probs.map((v, i) => [v, i]).sort((a, b) => b[0] - a[0]);
        assert.equal(lens.top[l][p][0].id, order[0][1], `layer ${l} position ${p}`);
        assert.ok(Math.abs(lens.top[l][p][0].probability - order[0][0]) < 1e-5);
        assert.ok(Math.abs(lens.top[l][p][1].probability - order[1][0]) < 1e-5);
        assert.ok(Math.abs(lens.chosenProbability[l][p] - probs[lens.chosen[p].id]) < 1e-5);
      });
    });
    model.dispose();
  });

  it('bad input: classifiers, empty text, top out of range', () => {
    const classifier = randomTransformer(CLASSIFIER, 23);
    assert.throws(() => logitLens(classifier, [1, 2]), /classifier/);
    classifier.dispose();
    const model = randomTransformer(RMSNORM_DECODER, 23);
    assert.throws(() => logitLens(model, []), UsageError);
    assert.throws(() => logitLens(model, [1], { top: 0 }), /top must be/);
    assert.throws(() => logitLens(model, [1], { chosen: 99 }), /outside the vocabulary/);
    model.dispose();
  });
});

describe('direct logit attribution', () => {
  before(async () => useBackend('wasm'));

  for (const [name, config] of [['LayerNorm, learned positions, biases', LAYERNORM_DECODER], ['RMSNorm, rotary, grouped-query', RMSNORM_DECODER]] as const) {
    it(`${name}: components plus the stated constant add up to the logit`, () => {
      const model = randomTransformer(config, 24);
      const tokens = [1, 5, 9, 2, 14, 7, 3, 8];
      for (const position of [0, 3, tokens.length - 1]) {
        const dla = directLogitAttribution(model, tokens, { position });
        const logits = model.run(tokens).logits[position];
        assert.equal(dla.target, argmax(logits));
        assert.ok(Math.abs(dla.logit - logits[dla.target]) < 1e-6);
        const total = dla.components.reduce((a, c) => a + c.value, 0) + dla.constant;
        assert.ok(Math.abs(total - dla.logit) < 1e-4 * Math.max(1, Math.abs(dla.logit)), `position ${position}: ${total} vs ${dla.logit}`);
        assert.ok(Math.abs(dla.error) < 1e-4 * Math.max(1, Math.abs(dla.logit)));
        assert.equal(dla.components.length, 1 + config.layers * (config.heads + 2));
        if (config.norm === 'rmsnorm') assert.equal(dla.constant, 0);
        else assert.notEqual(dla.constant, 0);
      }
      // Contrastive: the decomposition of a logit difference is the difference of decompositions.
      const a = directLogitAttribution(model, tokens, { target: 3 });
      const b = directLogitAttribution(model, tokens, { target: 6 });
      const c = directLogitAttribution(model, tokens, { target: 3, contrast: 6 });
      c.components.forEach((x, i) => assert.ok(Math.abs(x.value - (a.components[i].value - b.components[i].value)) < 1e-9));
      assert.ok(Math.abs(c.logit - (a.logit - b.logit)) < 1e-5);
      model.dispose();
    });
  }

  it('a real llama2.c model: heads and MLPs add up to the logit at every position', async () => {
    const model = await loadLlama2c(`${LLAMA}aidreams260K.bin`, `${LLAMA}tok512.bin`);
    const tokens = model.encode('Once upon a time, there was a little girl');
    for (let position = 0; position < tokens.length; position += 3) {
      const dla = directLogitAttribution(model.transformer, tokens, { position });
      assert.ok(Math.abs(dla.error) < 1e-3, `position ${position}: error ${dla.error} on logit ${dla.logit}`);
      assert.equal(dla.constant, 0);
    }
    const lens = logitLens(model.transformer, tokens);
    assert.equal(lens.layerNames.length, 5);
    model.dispose();
  });

  it('bad input: classifiers and out-of-range positions or tokens', () => {
    const classifier = randomTransformer(CLASSIFIER, 25);
    assert.throws(() => directLogitAttribution(classifier, [1, 2]), /classifier/);
    classifier.dispose();
    const model = randomTransformer(RMSNORM_DECODER, 25);
    assert.throws(() => directLogitAttribution(model, [1, 2], { position: 2 }), /position 2 is outside the 2 tokens/);
    assert.throws(() => directLogitAttribution(model, [1, 2], { target: 19 }), /outside the vocabulary/);
    model.dispose();
  });
});
