import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { logitAttributionSvg } from '../../../src/viz/text/logit-attribution.js';
import { logitLensSvg } from '../../../src/viz/text/lens.js';
import { divergingColor } from '../../../src/viz/text/common.js';
import type { DirectLogitAttribution } from '../../../src/lens/direct-logit-attribution.js';
import type { LogitLens } from '../../../src/attention/types.js';
import { UsageError } from '../../../src/errors.js';

const dla: DirectLogitAttribution = {
  readout: 'next-token', tokens: ['<s>', ' Call', ' me'], position: 2, target: 9, targetName: ' later', logit: 2.5,
  components: [
    { name: 'embed', kind: 'embed', value: 0.5 },
    { name: 'L0H0', kind: 'head', layer: 0, head: 0, value: -1 },
    { name: 'L0 attn bias', kind: 'attention-bias', layer: 0, value: 0 },
    { name: 'L0 mlp', kind: 'mlp', layer: 0, value: 3 },
  ],
  constant: 0, normScale: 1, error: 0,
};

/** Bars: rects of the diverging colours, with their widths. */
function bars(svg: string): Array<{ width: number; fill: string }> {
  const fills = [divergingColor(0.85), divergingColor(-0.85)];
  return [...svg.matchAll(/<rect x="[\d.]+" y="[\d.]+" width="([\d.]+)" height="12" fill="(#[0-9a-f]{6})"/g)]
    .filter((m) => fills.includes(m[2])).map((m) => ({ width: Number(m[1]), fill: m[2] }));
}

describe('direct logit attribution bars', () => {
  it('draws one bar per write, red towards the target and blue against, lengths proportional to the values', () => {
    const svg = logitAttributionSvg(dla);
    const drawn = bars(svg);
    // The attention bias is all zeros (a model without biases) and is left out.
    assert.equal(drawn.length, 3);
    assert.deepEqual(drawn.map((b) => b.fill), [divergingColor(0.85), divergingColor(-0.85), divergingColor(0.85)]);
    assert.ok(Math.abs(drawn[2].width / drawn[0].width - 6) < 0.01);
    assert.ok(Math.abs(drawn[1].width / drawn[0].width - 2) < 0.01);
    assert.ok(!svg.includes('L0 attn bias'));
    assert.ok(svg.includes('logit of &quot;later&quot; after: Call me'));
    assert.ok(svg.includes('sum of the bars 2.5 + constant 0 = logit 2.5'));
  });

  it('keeps non-zero attention biases, and refuses an empty attribution', () => {
    const withBias = { ...dla, components: dla.components.map((c) => (c.kind === 'attention-bias' ? { ...c, value: 0.25 } : c)) };
    assert.equal(bars(logitAttributionSvg(withBias)).length, 4);
    assert.throws(() => logitAttributionSvg({ ...dla, components: [] }), UsageError);
  });
});

describe('logit lens grid width', () => {
  it('fits cells to short tokens on request', () => {
    const lens: LogitLens = {
      tokens: ['a', 'b'], layerNames: ['embed', 'layer 0'],
      top: [[[{ token: 'x', id: 1, probability: 0.2 }], [{ token: 'y', id: 2, probability: 0.3 }]],
        [[{ token: 'x', id: 1, probability: 0.6 }], [{ token: 'y', id: 2, probability: 0.7 }]]],
      chosenProbability: [[0.2, 0.3], [0.6, 0.7]], chosen: [{ token: 'x', id: 1 }, { token: 'y', id: 2 }],
    };
    assert.equal((logitLensSvg(lens, { cellWidth: 'fit' }).match(/width="44" height="24"/g) ?? []).length, 4);
    assert.equal((logitLensSvg(lens).match(/width="76" height="24"/g) ?? []).length, 4);
  });
});
