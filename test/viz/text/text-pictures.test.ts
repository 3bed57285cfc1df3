import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { tokenHighlightHtml, tokenHighlightSvg, highlightScales } from '../../../src/viz/text/highlight.js';
import { logitLensSvg } from '../../../src/viz/text/lens.js';
import { displayToken, divergingColor, inkOn, sequentialColor } from '../../../src/viz/text/common.js';
import { svgToPng } from '../../../src/viz/tabular/png.js';
import type { LogitLens, TokenAttribution } from '../../../src/attention/types.js';
import { decodePng, isBluish, isReddish, rgbaAt } from '../helpers.js';

const attribution: TokenAttribution = {
  method: 'saliency', tokens: ['good', 'not', '<x>', '##ly'], scores: [2, -2, 0, 1], target: 1, targetName: 'positive', prediction: 0.9, params: {},
};

describe('token highlights', () => {
  it('colours a positive token red and a negative one blue (PNG pixels inside their boxes)', () => {
    const svg = tokenHighlightSvg([attribution]);
    const png = decodePng(svgToPng(svg, { scale: 1 }));
    const boxes = [...svg.matchAll(/<rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="22"/g)].map((m) => m.slice(1).map(Number));
    assert.equal(boxes.length, 4);
    const probe = ([x, y]: number[]) => rgbaAt(png, Math.round(x + 2), Math.round(y + 2));
    assert.ok(isReddish(probe(boxes[0])), `good: ${probe(boxes[0])}`);
    assert.ok(isBluish(probe(boxes[1])), `not: ${probe(boxes[1])}`);
  });

  it('HTML: one span per token, escaped, coloured by score over the scale, score in the tooltip', () => {
    const html = tokenHighlightHtml([attribution, { ...attribution, method: 'occlusion', scores: [4, 0, 0, 0] }], { sharedScale: true });
    assert.equal((html.match(/class="tok[ "]/g) ?? []).length, 8);
    assert.ok(html.includes('&lt;x&gt;') && !html.includes('<x>'));
    // Shared scale 4: saliency's "good" (2) is half way to the full red of occlusion's "good" (4).
    assert.ok(html.includes(`background:${divergingColor(0.5)}`));
    assert.ok(html.includes(`background:${divergingColor(1)}`));
    assert.ok(html.includes('title="good: 2"'));
    assert.ok(html.includes('class="tok cont"'));
    assert.deepEqual(highlightScales([attribution, { ...attribution, scores: [4, 0, 0, 0] }]), [2, 4]);
  });

  it('refuses scores that do not match the tokens', () => {
    assert.throws(() => tokenHighlightSvg([{ ...attribution, scores: [1] }]), /1 scores for 4 tokens/);
    assert.throws(() => tokenHighlightHtml([]), /no token attributions/);
    assert.throws(() => tokenHighlightSvg([{ ...attribution, scores: [1, 2, Number.NaN, 0] }]), /token 2 \("<x>"\) is NaN/);
  });

  it('token display and colour helpers', () => {
    assert.deepEqual(displayToken('Ġcat'), { text: 'cat', continuation: false, leadingSpace: true });
    assert.deepEqual(displayToken('##ing'), { text: 'ing', continuation: true, leadingSpace: false });
    assert.equal(displayToken('\n').text, '\\n');
    assert.equal(displayToken('▁').text, '·');
    assert.equal(inkOn('#08306b'), '#ffffff');
    assert.equal(inkOn('#f7fbff'), '#222222');
    assert.ok(divergingColor(0).slice(1).match(/../g)!.every((h) => Number.parseInt(h, 16) >= 240), 'zero is near-white');
    assert.equal(sequentialColor(0), '#f7fbff');
  });
});

describe('logit lens grid', () => {
  const lens: LogitLens = {
    tokens: ['The', ' cat'],
    layerNames: ['embed', 'layer 0', 'layer 1'],
    top: [
      [[{ token: ' of', id: 5, probability: 0.05 }], [{ token: ' the', id: 6, probability: 0.1 }]],
      [[{ token: ' cat', id: 7, probability: 0.4 }], [{ token: ' sat', id: 8, probability: 0.5 }]],
      [[{ token: ' cat', id: 7, probability: 0.9 }], [{ token: ' sat', id: 8, probability: 0.95 }]],
    ],
    chosenProbability: [[0.01, 0.02], [0.4, 0.5], [0.9, 0.95]],
    chosen: [{ token: ' cat', id: 7 }, { token: ' sat', id: 8 }],
  };

  it('puts the last layer on top, darker for likelier guesses, bold where the guess is final', () => {
    const svg = logitLensSvg(lens);
    const cells = [...svg.matchAll(/<rect x="([\d.]+)" y="([\d.]+)" width="76" height="24" fill="(#[0-9a-f]{6})"/g)].map((m) => ({ x: Number(m[1]), y: Number(m[2]), fill: m[3] }));
    assert.equal(cells.length, 6);
    // Drawn per position, layers in order: the embed row is lowest on the page.
    assert.ok(cells[0].y > cells[2].y);
    assert.equal(cells[2].fill, sequentialColor(0.9));
    const png = decodePng(svgToPng(svg, { scale: 1 }));
    const lum = (c: number[]) => c[0] + c[1] + c[2];
    const at = (c: { x: number; y: number }) => rgbaAt(png, Math.round(c.x + 3), Math.round(c.y + 3));
    assert.ok(lum(at(cells[2])) < lum(at(cells[0])) - 100, `${at(cells[2])} vs ${at(cells[0])}`);
    assert.equal((svg.match(/font-weight="bold" fill="#(?:ffffff|222222)">cat</g) ?? []).length, 2);
  });

  it('colours by the final token\'s probability on request, and checks the shape', () => {
    assert.ok(logitLensSvg(lens, { colorBy: 'chosen' }).includes(`fill="${sequentialColor(0.01)}"`));
    assert.throws(() => logitLensSvg({ ...lens, chosen: [] }), /0 chosen tokens for 2 positions/);
    assert.throws(() => logitLensSvg({ ...lens, top: lens.top.slice(1) }), /2 top-token rows/);
    assert.equal((logitLensSvg(lens, { lastPositions: 1 }).match(/height="24"/g) ?? []).length, 3);
  });
});
