import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../../src/backend.js';
import { textSaliency } from '../../../src/attribution/text/saliency.js';
import { textInputXGradient } from '../../../src/attribution/text/input-x-gradient.js';
import { textIntegratedGradients } from '../../../src/attribution/text/integrated-gradients.js';
import { embedTokens, embeddingGradients, outputsOfEmbeddings } from '../../../src/attribution/text/embedding-gradients.js';
import { resolveTarget } from '../../../src/attribution/text/target.js';
import { generationAttribution } from '../../../src/attribution/text/generation.js';
import { UsageError } from '../../../src/errors.js';
import { CLASSIFIER, LAYERNORM_DECODER, RMSNORM_DECODER, randomTransformer } from './helpers.js';

const sum = (a: number[]) => a.reduce((x, y) => x + y, 0);

/** Explained output with one token's embedding scaled by alpha (others as in the input). */
function scaledOutput(model: ReturnType<typeof randomTransformer>, tokens: number[], position: number, alpha: number, target: Parameters<typeof resolveTarget>[2]): number {
  const dim = model.config.dim;
  const e = embedTokens(model, tokens);
  for (let i = position * dim; i < (position + 1) * dim; i++) e[i] *= alpha;
  const x = tf.tensor3d(e, [1, tokens.length, dim]);
  try {
    return outputsOfEmbeddings(model, x, resolveTarget(model, tokens, target))[0];
  } finally {
    x.dispose();
  }
}

describe('token gradient methods', () => {
  before(async () => useBackend('wasm'));

  it('input x gradient is the derivative along each token\'s own embedding (central differences)', () => {
    for (const config of [RMSNORM_DECODER, CLASSIFIER]) {
      const model = randomTransformer(config, 3);
      const tokens = [1, 5, 2, 7, 3, 4];
      const result = textInputXGradient(model, tokens, { target: 2 });
      assert.equal(result.target, 2);
      assert.equal(result.scores.length, tokens.length);
      const h = 1e-2;
      tokens.forEach((_, p) => {
        const fd = (scaledOutput(model, tokens, p, 1 + h, { target: 2 }) - scaledOutput(model, tokens, p, 1 - h, { target: 2 })) / (2 * h);
        assert.ok(Math.abs(fd - result.scores[p]) < 2e-3 + 2e-2 * Math.abs(fd), `${config.norm} position ${p}: ${result.scores[p]} vs finite difference ${fd}`);
      });
      assert.ok(Math.abs(result.prediction - model.run(tokens).logits[config.classifier ? 0 : tokens.length - 1][2]) < 1e-5);
      model.dispose();
    }
  });

  it('saliency is the L2 (or L1) norm of each token\'s gradient, and a causal model gives later tokens none', () => {
    const model = randomTransformer(RMSNORM_DECODER, 4);
    const tokens = [1, 5, 2, 7, 3, 4];
    const resolved = resolveTarget(model, tokens, { position: 3 });
    const x = tf.tensor3d(embedTokens(model, tokens), [1, tokens.length, model.config.dim]);
    const { gradients } = embeddingGradients(model, x, resolved);
    x.dispose();
    const dim = model.config.dim;
    const l2 = textSaliency(model, tokens, { position: 3 });
    const l1 = textSaliency(model, tokens, { position: 3, norm: 'l1' });
    assert.equal(l2.target, resolved.target, 'the default target is the prediction at the position');
    tokens.forEach((_, p) => {
      let s2 = 0;
      let s1 = 0;
      for (let i = p * dim; i < (p + 1) * dim; i++) { s2 += gradients[i] ** 2; s1 += Math.abs(gradients[i]); }
      assert.ok(Math.abs(l2.scores[p] - Math.sqrt(s2)) < 1e-6);
      assert.ok(Math.abs(l1.scores[p] - s1) < 1e-6);
    });
    assert.ok(l2.scores[0] > 0 && l2.scores[3] > 0);
    assert.equal(l2.scores[4], 0);
    assert.equal(l2.scores[5], 0);
    model.dispose();
  });

  it('contrastive attribution is the difference of the two tokens\' attributions (gradients are linear)', () => {
    const model = randomTransformer(LAYERNORM_DECODER, 5);
    const tokens = [3, 9, 1, 12, 4];
    const a = textInputXGradient(model, tokens, { target: 6 });
    const b = textInputXGradient(model, tokens, { target: 11 });
    const c = textInputXGradient(model, tokens, { target: 6, contrast: 11 });
    c.scores.forEach((s, p) => assert.ok(Math.abs(s - (a.scores[p] - b.scores[p])) < 1e-5));
    assert.ok(Math.abs(c.prediction - (a.prediction - b.prediction)) < 1e-5);
    assert.equal(c.params.contrast, 11);
    model.dispose();
  });

  it('integrated gradients satisfy completeness: scores add up to f(input) - f(baseline)', () => {
    const cases = [
      { config: RMSNORM_DECODER, baseline: { tokenId: 0 } },
      { config: LAYERNORM_DECODER, baseline: 'zero' as const },
      { config: CLASSIFIER, baseline: 'pad' as const },
      { config: CLASSIFIER, baseline: 'mask' as const, output: 'probability' as const },
    ];
    for (const { config, baseline, output } of cases) {
      const model = randomTransformer(config, 6);
      const tokens = [2, 8, 5, 1, 9, 3, 7];
      const result = textIntegratedGradients(model, tokens, { baseline, specials: { pad: 0, mask: 1 }, steps: 64, output });
      const baselineIds = typeof baseline === 'object' ? tokens.map(() => baseline.tokenId) : baseline === 'pad' ? tokens.map(() => 0) : baseline === 'mask' ? tokens.map(() => 1) : undefined;
      const total = sum(result.scores);
      const fx = result.prediction;
      const fb = result.params.baselineOutput as number;
      if (baselineIds) {
        const row = model.run(baselineIds).logits[config.classifier ? 0 : tokens.length - 1];
        const expected = output === 'probability' ? Math.exp(row[result.target]) / row.reduce((s, v) => s + Math.exp(v), 0) : row[result.target];
        assert.ok(Math.abs(fb - expected) < 1e-5, 'the baseline output is the model on the baseline tokens');
      }
      assert.ok(Math.abs(result.convergenceDelta! - (total - (fx - fb))) < 1e-9);
      assert.ok(Math.abs(result.convergenceDelta!) < 2e-3 * Math.max(1, Math.abs(fx - fb)), `${config.norm} ${JSON.stringify(baseline)}: delta ${result.convergenceDelta} for f(x)-f(b) = ${fx - fb}`);
      model.dispose();
    }
  });

  it('a zero baseline on an RMSNorm model without learned positions is stiff: the change happens near alpha = 0', () => {
    // RMSNorm is scale invariant up to eps, so f(alpha x) is flat until alpha ~ sqrt(eps): 64 Gauss-Legendre
    // points miss most of f(x) - f(0). Documented; the CLI's language-model default is a token baseline.
    const model = randomTransformer(RMSNORM_DECODER, 6);
    const tokens = [2, 8, 5, 1, 9, 3, 7];
    const zero = textIntegratedGradients(model, tokens, { steps: 64 });
    const token = textIntegratedGradients(model, tokens, { steps: 64, baseline: { tokenId: 0 } });
    assert.ok(Math.abs(zero.convergenceDelta!) > 10 * Math.abs(token.convergenceDelta!));
    model.dispose();
  });

  it('integrated gradients: kept positions score 0, fewer steps converge worse, batching does not change the result', () => {
    const model = randomTransformer(CLASSIFIER, 7);
    const tokens = [2, 8, 5, 1, 9, 3];
    const kept = textIntegratedGradients(model, tokens, { keep: [0, 5], steps: 32 });
    assert.equal(kept.scores[0], 0);
    assert.equal(kept.scores[5], 0);
    const coarse = textIntegratedGradients(model, tokens, { steps: 2, integration: 'riemann-left' });
    const fine = textIntegratedGradients(model, tokens, { steps: 64 });
    assert.ok(Math.abs(fine.convergenceDelta!) < Math.abs(coarse.convergenceDelta!));
    const batched = textIntegratedGradients(model, tokens, { steps: 64, batchSize: 7 });
    batched.scores.forEach((s, p) => assert.ok(Math.abs(s - fine.scores[p]) < 1e-5));
    model.dispose();
  });

  it('generation attribution: row i explains generated token i over the tokens before it', () => {
    const model = randomTransformer(RMSNORM_DECODER, 8);
    const prompt = [1, 4, 9];
    const result = generationAttribution(model, prompt, { newTokens: 4 });
    assert.deepEqual(result.generated, model.generate(prompt, 4));
    assert.equal(result.rows.length, 4);
    result.rows.forEach((row, i) => {
      assert.equal(row.length, prompt.length + i);
      const context = [...prompt, ...result.generated.slice(0, i)];
      const expected = textInputXGradient(model, context, { target: result.generated[i] });
      row.forEach((s, p) => assert.ok(Math.abs(s - expected.scores[p]) < 1e-6));
    });
    const ig = generationAttribution(model, prompt, { generated: [2, 3], method: 'integrated-gradients', integratedGradients: { steps: 32, baseline: { tokenId: 0 } } });
    assert.equal(ig.convergenceDeltas!.length, 2);
    ig.convergenceDeltas!.forEach((d) => assert.ok(Math.abs(d) < 1e-2));
    model.dispose();
  });

  it('bad input: empty, too long, out-of-range targets and missing special tokens are usage errors', () => {
    const model = randomTransformer(CLASSIFIER, 9);
    assert.throws(() => textSaliency(model, []), UsageError);
    assert.throws(() => textSaliency(model, new Array(17).fill(1)), /more than the model's context of 16/);
    assert.throws(() => textSaliency(model, [1, 99]), /outside the vocabulary/);
    assert.throws(() => textSaliency(model, [1, 2], { target: 3 }), /target 3 is out of range: the model has 3 classes/);
    assert.throws(() => textInputXGradient(model, [1, 2], { target: 1, contrast: 1 }), /contrast .* is the target itself/);
    assert.throws(() => textIntegratedGradients(model, [1, 2], { baseline: 'pad' }), /no pad token/);
    model.dispose();
  });
});
