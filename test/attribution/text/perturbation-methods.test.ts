import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { useBackend } from '../../../src/backend.js';
import { textOcclusion } from '../../../src/attribution/text/occlusion.js';
import { textKernelShap } from '../../../src/attribution/text/kernel-shap.js';
import { textLime } from '../../../src/attribution/text/lime.js';
import { TokenGame } from '../../../src/attribution/text/token-game.js';
import { resolveTarget } from '../../../src/attribution/text/target.js';
import type { Transformer } from '../../../src/models/transformer/transformer.js';
import { CLASSIFIER, RMSNORM_DECODER, randomTransformer } from './helpers.js';

const logit = (model: Transformer, tokens: number[], target: number, position = tokens.length - 1) =>
  model.run(tokens).logits[model.config.classifier ? 0 : position][target];

describe('token perturbation methods', () => {
  before(async () => useBackend('wasm'));

  it('leave-one-token-out: each score is f(text) - f(text without that token)', async () => {
    const model = randomTransformer(CLASSIFIER, 11);
    const tokens = [3, 9, 4, 12, 6, 2];
    const result = await textOcclusion(model, tokens, { target: 2 });
    const full = logit(model, tokens, 2);
    assert.ok(Math.abs(result.prediction - full) < 1e-6);
    tokens.forEach((_, p) => {
      const without = tokens.filter((_, q) => q !== p);
      assert.ok(Math.abs(result.scores[p] - (full - logit(model, without, 2))) < 1e-5, `position ${p}`);
    });
    model.dispose();
  });

  it('spans of 2 replaced by a token: each score is the mean drop of the spans covering it; fixed positions stay', async () => {
    const model = randomTransformer(CLASSIFIER, 12);
    const tokens = [1, 9, 4, 12, 6, 2];
    const result = await textOcclusion(model, tokens, { target: 0, span: 2, absence: { tokenId: 0 }, fixed: [0] });
    const full = logit(model, tokens, 0);
    // Players are positions 1..5; spans start at players 0..3 (positions 1-2, 2-3, 3-4, 4-5).
    const drops = [1, 2, 3, 4].map((s) => full - logit(model, tokens.map((t, p) => (p === s || p === s + 1 ? 0 : t)), 0));
    const expected = [0, drops[0], (drops[0] + drops[1]) / 2, (drops[1] + drops[2]) / 2, (drops[2] + drops[3]) / 2, drops[3]];
    expected.forEach((e, p) => assert.ok(Math.abs(result.scores[p] - e) < 1e-5, `position ${p}: ${result.scores[p]} vs ${e}`));
    assert.equal(result.params.evaluations, 5);
    model.dispose();
  });

  it('a language model: tokens after the explained position are not players; removal moves the position', async () => {
    const model = randomTransformer(RMSNORM_DECODER, 13);
    const tokens = [1, 7, 3, 11, 5, 8];
    const resolved = resolveTarget(model, tokens, { position: 3, target: 4 });
    const game = new TokenGame(model, tokens, resolved, { absence: 'remove', fixed: [0] });
    assert.deepEqual(game.playerPositions, [1, 2, 3]);
    // Removing the explained token itself reads the prediction after the last kept token.
    assert.deepEqual(game.sequence(Uint8Array.of(1, 1, 0)), { tokens: [1, 7, 3], position: 2 });
    const values = await game.value(Uint8Array.of(1, 0, 1, 1, 1, 0), 2);
    assert.ok(Math.abs(values[0] - logit(model, [1, 7, 11], 4)) < 1e-5);
    assert.ok(Math.abs(values[1] - logit(model, [1, 7, 3], 4)) < 1e-5);
    const result = await textOcclusion(model, tokens, { position: 3, target: 4, fixed: [0] });
    assert.equal(result.scores[4], 0);
    assert.equal(result.scores[5], 0);
    model.dispose();
  });

  it('KernelSHAP over few tokens is exact: it matches Shapley values enumerated from the model', async () => {
    const model = randomTransformer(CLASSIFIER, 14);
    const tokens = [3, 9, 4, 12, 6];
    const result = await textKernelShap(model, tokens, { target: 1, absence: { tokenId: 0 } });
    const m = tokens.length;
    const value = (mask: number) => logit(model, tokens.map((t, p) => (mask & (1 << p) ? t : 0)), 1);
    const v = Array.from({ length: 1 << m }, (_, mask) => value(mask));
    const fact = (k: number): number => (k <= 1 ? 1 : k * fact(k - 1));
    for (let i = 0; i < m; i++) {
      let phi = 0;
      for (let mask = 0; mask < 1 << m; mask++) {
        if (mask & (1 << i)) continue;
        const size = mask.toString(2).split('1').length - 1;
        phi += (fact(size) * fact(m - size - 1) / fact(m)) * (v[mask | (1 << i)] - v[mask]);
      }
      assert.ok(Math.abs(result.scores[i] - phi) < 1e-4, `token ${i}: ${result.scores[i]} vs exact ${phi}`);
    }
    assert.equal(result.params.exact, true);
    assert.ok(Math.abs(result.convergenceDelta!) < 1e-6, 'efficiency');
    assert.ok(Math.abs((result.params.baseValue as number) - v[0]) < 1e-5);
    model.dispose();
  });

  it('KernelSHAP with sampling still satisfies efficiency and is reproducible by seed', async () => {
    const model = randomTransformer(RMSNORM_DECODER, 15);
    const tokens = [1, 7, 3, 11, 5, 8, 2, 9, 4, 6, 10, 12, 3];
    const a = await textKernelShap(model, tokens, { nsamples: 300, seed: 3, fixed: [0] });
    const b = await textKernelShap(model, tokens, { nsamples: 300, seed: 3, fixed: [0] });
    assert.deepEqual(a.scores, b.scores);
    assert.equal(a.params.exact, false);
    assert.ok(Math.abs(a.convergenceDelta!) < 1e-6);
    assert.equal(a.scores[0], 0);
    model.dispose();
  });

  it('LIME over tokens: seeded, fixed tokens score 0, and with every coalition sampled a linear surrogate fits a game', async () => {
    const model = randomTransformer(CLASSIFIER, 16);
    const tokens = [3, 9, 4, 12, 6, 2];
    const a = await textLime(model, tokens, { target: 2, numSamples: 400, seed: 5, fixed: [0] });
    const b = await textLime(model, tokens, { target: 2, numSamples: 400, seed: 5, fixed: [0] });
    const c = await textLime(model, tokens, { target: 2, numSamples: 400, seed: 6, fixed: [0] });
    assert.deepEqual(a.scores, b.scores);
    assert.notDeepEqual(a.scores, c.scores);
    assert.equal(a.scores[0], 0);
    assert.ok(Math.abs(a.prediction - logit(model, tokens, 2)) < 1e-5);
    // The surrogate's fit is reported and its prediction at the full text is close to the model's.
    const score = a.params.score as number;
    assert.ok(score > 0 && score <= 1);
    const atFull = (a.params.intercept as number) + a.scores.reduce((s, x) => s + x, 0);
    assert.ok(Math.abs(atFull - a.prediction) < Math.max(1, Math.abs(a.prediction)), `surrogate ${atFull} vs ${a.prediction}`);
    model.dispose();
  });
});
