import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gradientWeightedAttention, gradientWeightedLayer, gradientWeightedRollout } from '../../src/attention/gradient-weighted.js';
import { assertClose, mapsFrom } from './helpers.js';

// 2 layers, 2 heads, 2 tokens.
const maps = mapsFrom([
  [[[0.5, 0.5], [0.25, 0.75]], [[1, 0], [0.5, 0.5]]],
  [[[0.75, 0.25], [0.5, 0.5]], [[0.5, 0.5], [0, 1]]],
]);
const grads = Float32Array.from([
  2, -4, 4, 1, /* */ 1, 3, -2, 2,
  -1, 4, 2, 2, /* */ 2, 2, 5, -1,
]);

describe('gradient-weighted attention', () => {
  it('mean over heads of relu(grad * attention), by hand', () => {
    // Layer 0: head 0 products [1, -2, 1, .75] -> relu [1, 0, 1, .75]; head 1 [1, 0, -1, 1] -> [1, 0, 0, 1].
    assertClose(gradientWeightedLayer(maps, grads, 0).values, [1, 0, 0.5, 0.875], 1e-7, 'layer 0');
    // Layer 1: head 0 [-.75, 1, 1, 1] -> [0, 1, 1, 1]; head 1 [1, 1, 0, -1] -> [1, 1, 0, 0].
    assertClose(gradientWeightedLayer(maps, grads, 1).values, [0.5, 1, 0.5, 0.5], 1e-7, 'layer 1');
    assertClose(gradientWeightedLayer(maps, grads, 0, { keepNegative: true }).values, [1, -1, 0, 0.875], 1e-7, 'signed');
    assert.equal(gradientWeightedAttention(maps, grads).heads, 1);
  });

  it("Chefer et al.'s relevance rollout: R = I, R += Ā_l R", () => {
    // R1 = I + Ā0 = [[2, 0], [.5, 1.875]]; R2 = R1 + Ā1 R1 = R1 + [[1.5, 1.875], [1.25, .9375]].
    assertClose(gradientWeightedRollout(maps, grads).values, [3.5, 1.875, 1.75, 2.8125], 1e-6);
  });

  it('refuses gradients of another layout', () => {
    assert.throws(() => gradientWeightedRollout(maps, grads.slice(2)), /gradients hold 14 values, the maps 16/);
  });
});
