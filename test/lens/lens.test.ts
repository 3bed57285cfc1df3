import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { useBackend } from '../../src/backend.js';
import { logitLens } from '../../src/lens/logit-lens.js';
import { directLogitAttribution } from '../../src/lens/direct-logit-attribution.js';
import { classLens } from '../../src/lens/class-lens.js';
import { loadTextClassifier } from '../../src/models/text/load.js';
import type { TransformerConfig } from '../../src/models/transformer/config.js';
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

const CLS_CLASSIFIER: TransformerConfig = { ...CLASSIFIER, classifier: { classes: 3, pooling: 'first', classNames: ['neg', 'neutral', 'pos'] } };
const LAST_CLASSIFIER: TransformerConfig = { ...CLASSIFIER, causal: true, classifier: { classes: 3, pooling: 'last' } };

/** LayerNorm (float64) of x, then the classifier: the readout by hand, from the weights. */
function classLogitsByHand(weights: ReturnType<typeof randomWeights>, config: TransformerConfig, x: ArrayLike<number>): number[] {
  const dim = config.dim;
  const mean = Array.from(x).reduce((a, b) => a + b, 0) / dim;
  const variance = Array.from(x).reduce((a, b) => a + (b - mean) ** 2, 0) / dim;
  const normed = Array.from(x, (v, i) => ((v - mean) / Math.sqrt(variance + 1e-5)) * weights.finalNorm.scale[i] + weights.finalNorm.bias![i]);
  const { weight, bias } = weights.classifier!;
  return Array.from({ length: config.classifier!.classes }, (_, c) => normed.reduce((s, v, i) => s + v * weight[c * dim + i], bias![c]));
}

describe('classifiers: direct logit attribution and the class lens', () => {
  before(async () => useBackend('wasm'));

  for (const [name, config] of [['[CLS] pooling', CLS_CLASSIFIER], ['last pooling, causal', LAST_CLASSIFIER]] as const) {
    it(`${name}: heads, MLPs, embeddings and the stated constant add up to the class logit`, () => {
      const weights = randomWeights(config, 31);
      const model = randomTransformer(config, 31);
      const tokens = [3, 9, 1, 12, 4, 7];
      const logits = model.run(tokens).logits[0];
      const pooled = config.classifier!.pooling === 'first' ? 0 : tokens.length - 1;
      for (const target of [0, 1, 2]) {
        const dla = directLogitAttribution(model, tokens, { target });
        assert.equal(dla.readout, 'class');
        assert.equal(dla.position, pooled);
        assert.ok(Math.abs(dla.logit - logits[target]) < 1e-6);
        const total = dla.components.reduce((a, c) => a + c.value, 0) + dla.constant;
        assert.ok(Math.abs(total - logits[target]) < 1e-4 * Math.max(1, Math.abs(logits[target])), `class ${target}: ${total} vs ${logits[target]}`);
        // The constant: the final norm's shift read by the class row, plus the class bias.
        const { weight, bias } = weights.classifier!;
        const expected = weights.finalNorm.bias!.reduce((s, b, i) => s + b * weight[target * config.dim + i], bias![target]);
        assert.ok(Math.abs(dla.constant - expected) < 1e-5, `constant ${dla.constant} vs ${expected}`);
      }
      assert.equal(directLogitAttribution(model, tokens).target, argmax(logits));
      const a = directLogitAttribution(model, tokens, { target: 2 });
      const b = directLogitAttribution(model, tokens, { target: 0 });
      const c = directLogitAttribution(model, tokens, { target: 2, contrast: 0 });
      c.components.forEach((x, i) => assert.ok(Math.abs(x.value - (a.components[i].value - b.components[i].value)) < 1e-9));
      assert.ok(Math.abs(c.logit - (logits[2] - logits[0])) < 1e-5);
      assert.equal(c.contrastName, config.classifier!.classNames?.[0]);
      model.dispose();
    });
  }

  it('the class lens reads every layer through the final LayerNorm and the classifier (by hand, float64); its last row is the output', () => {
    for (const config of [CLS_CLASSIFIER, LAST_CLASSIFIER, CLASSIFIER]) {
      const weights = randomWeights(config, 32);
      const model = randomTransformer(config, 32);
      const tokens = [2, 8, 5, 1, 9];
      const lens = classLens(model, tokens);
      const run = model.run(tokens, { residuals: true });
      const { dim } = config;
      const n = tokens.length;
      assert.deepEqual(lens.layerNames, ['embed', 'layer 0', 'layer 1']);
      lens.layerNames.forEach((_, l) => {
        const at = (p: number) => classLogitsByHand(weights, config, run.residuals!.values.subarray((l * n + p) * dim, (l * n + p + 1) * dim));
        const expected = config.classifier!.pooling === 'first' ? at(0) : config.classifier!.pooling === 'last' ? at(n - 1)
          // Mean pooling averages the normalised positions, and the classifier is linear: average the per-position logits.
          : at(0).map((_, c) => tokens.reduce((s, __, p) => s + at(p)[c], 0) / n);
        lens.logits[l].forEach((v, c) => assert.ok(Math.abs(v - expected[c]) < 1e-4, `${config.classifier!.pooling} layer ${l} class ${c}: ${v} vs ${expected[c]}`));
        assert.ok(Math.abs(lens.probabilities[l].reduce((a, p) => a + p, 0) - 1) < 1e-5);
      });
      lens.logits[lens.logits.length - 1].forEach((v, c) => assert.ok(Math.abs(v - run.logits[0][c]) < 1e-5));
      model.dispose();
    }
  });

  it('the spam model: the decomposition of spam - ham adds up, and the class lens ends at its prediction', async () => {
    const spam = await loadTextClassifier('spam');
    const tokens = spam.encode('WIN a FREE prize!! call now to claim your cash').ids;
    const dla = directLogitAttribution(spam.transformer, tokens, { target: 1, contrast: 0 });
    assert.equal(dla.targetName, 'spam');
    assert.equal(dla.components.length, 1 + 2 * (4 + 2));
    assert.ok(Math.abs(dla.error) < 1e-4, `error ${dla.error} on ${dla.logit}`);
    const lens = classLens(spam.transformer, tokens);
    const logits = spam.transformer.run(tokens).logits[0];
    assert.ok(Math.abs(lens.logits[2][1] - lens.logits[2][0] - dla.logit) < 1e-4);
    assert.equal(lens.predicted[2], argmax(logits));
    spam.dispose();
  });

  it('bad input: mean pooling for DLA, a position the classifier does not read, a class out of range, the class lens of a language model', () => {
    const mean = randomTransformer(CLASSIFIER, 33);
    assert.throws(() => directLogitAttribution(mean, [1, 2]), /mean pooling/);
    mean.dispose();
    const cls = randomTransformer(CLS_CLASSIFIER, 33);
    assert.throws(() => directLogitAttribution(cls, [1, 2, 3], { position: 2 }), /reads position 0 only/);
    assert.throws(() => directLogitAttribution(cls, [1, 2, 3], { target: 3 }), /target class 3 is out of range: the model has 3 classes/);
    cls.dispose();
    const lm = randomTransformer(RMSNORM_DECODER, 33);
    assert.throws(() => classLens(lm, [1, 2]), /language model/);
    lm.dispose();
  });
});
