import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TabularExplanation } from '../../../src/attribution/tabular-explanation.js';
import { UsageError } from '../../../src/errors.js';
import { beeswarmPlot } from '../../../src/viz/tabular/beeswarm.js';
import { categoryLabels, featureColorRange, redBlue, titleLines } from '../../../src/viz/tabular/common.js';
import { dependencePlot } from '../../../src/viz/tabular/dependence.js';
import { limeBarPlot } from '../../../src/viz/tabular/lime-bar.js';
import { textWidth } from '../../../src/viz/tabular/svg.js';
import { findAll, parseXml, texts, type XmlElement } from './xml.js';

const CATS = ['no checking account', 'below 0 DM', '0 to 200 DM', 'above 200 DM'];

/**
 * A credit-like explanation: feature 0 is a one-hot group explained as one feature (values = category
 * code, displayValues = its name), feature 1 is numeric. Codes 0..3, with code 3 in only 2 of 100 rows.
 * The SHAP values of feature 0 are a step per category plus a little row noise.
 */
function explanation(): TabularExplanation {
  const n = 100;
  const code = (i: number) => (i < 2 ? 3 : i % 3);
  const values = Array.from({ length: n }, (_, i) => [code(i), 20 + (i % 37)]);
  return new TabularExplanation({
    method: 'test', params: {}, model: 'm', target: 0, output: 'probability', featureNames: ['checking', 'age'],
    values,
    displayValues: values.map(([c, a]) => [CATS[c], String(a)]),
    attributions: values.map(([c, a], i) => [0.05 * c - 0.07 + 0.002 * Math.sin(i), 0.001 * (a - 38)]),
    baseValues: values.map(() => 0.7), predictions: values.map(() => 0.7), timeMs: 0,
  });
}

const circles = (doc: XmlElement) => findAll(doc, 'circle');

describe('categorical features (one-hot groups explained as one feature)', () => {
  it('are recognised from integer codes whose display values are names, not from numbers', () => {
    const e = explanation();
    assert.deepEqual([...(categoryLabels(e, 0) ?? new Map()).entries()].sort((a, b) => a[0] - b[0]), CATS.map((c, k) => [k, c]));
    assert.equal(categoryLabels(e, 1), undefined, 'a numeric column shown as its number');
    const clash = { ...e, displayValues: e.displayValues?.map((r, i) => (i === 5 ? ['other', r[1]] : r)) };
    assert.equal(categoryLabels(clash, 0), undefined, 'one code with two names is not a category');
    assert.equal(categoryLabels({ ...e, displayValues: undefined }, 0), undefined);
  });

  it('dependence plot: category names at the codes, dots jittered within +-jitter/2 of their category, seeded', () => {
    const e = explanation();
    const svg = dependencePlot(e, { feature: 'checking', interaction: null });
    const doc = parseXml(svg);
    const all = texts(doc);
    for (const c of CATS) assert.ok(all.includes(c), `tick label ${c}`);
    assert.ok(!all.includes('0.5') && !all.includes('2.5'), 'no numeric ticks between categories');
    const straight = circles(parseXml(dependencePlot(e, { feature: 'checking', interaction: null, jitter: 0 })));
    const jittered = circles(doc);
    assert.equal(jittered.length, 100);
    // With jitter 0 each category's dots share one x; the pixel gap between categories gives the scale.
    const xAt = new Map<number, number>();
    straight.forEach((c, i) => {
      const code = e.values[i][0] as number;
      const x = Number(c.attrs.cx);
      if (xAt.has(code)) assert.equal(x, xAt.get(code));
      xAt.set(code, x);
    });
    const step = (xAt.get(3)! - xAt.get(0)!) / 3;
    assert.ok(step > 50);
    const offsets = jittered.map((c, i) => (Number(c.attrs.cx) - xAt.get(e.values[i][0] as number)!) / step);
    for (const o of offsets) assert.ok(Math.abs(o) <= 0.2 + 1e-9, `offset ${o} of a category gap`);
    assert.ok(Math.max(...offsets) - Math.min(...offsets) > 0.2, 'the dots are spread, not on one line');
    // y is untouched by the jitter.
    jittered.forEach((c, i) => assert.equal(c.attrs.cy, straight[i].attrs.cy));
    assert.equal(dependencePlot(e, { feature: 'checking', interaction: null }), svg, 'same seed, same picture');
    assert.notEqual(dependencePlot(e, { feature: 'checking', interaction: null, seed: 7 }), svg);
    assert.throws(() => dependencePlot(e, { feature: 'checking', jitter: 2 }), UsageError);
  });

  it('dependence plot: a numeric feature keeps its numeric axis and no jitter', () => {
    const e = explanation();
    const doc = parseXml(dependencePlot(e, { feature: 'age', interaction: null }));
    assert.ok(!texts(doc).some((t) => CATS.includes(t)));
    const xs = circles(doc).map((c) => Number(c.attrs.cx));
    // Same age, same x.
    assert.equal(xs[0], xs[37]);
  });

  it('a categorical colour feature spans all its codes and names the first and last category on the colour bar', () => {
    const e = explanation();
    const doc = parseXml(dependencePlot(e, { feature: 'age', interaction: 'checking' }));
    const all = texts(doc);
    // The bar's column is narrow: long names are cut to fit it, never drawn past the picture.
    assert.ok(all.some((s) => s.startsWith('no ch')) && all.some((s) => s.startsWith('above')));
    assert.ok(!all.includes('High') && !all.includes('Low'));
    const fills = new Map<number, string>();
    circles(doc).forEach((c, i) => fills.set(e.values[i][0] as number, c.attrs.fill));
    assert.equal(fills.get(0), redBlue(0));
    assert.equal(fills.get(3), redBlue(1));
    assert.equal(fills.get(2), redBlue(2 / 3));
  });

  it('beeswarm: a rare last category keeps its own colour (codes coloured over their full range)', () => {
    const e = explanation();
    // shap's 5th..95th percentile range would end at code 2 and paint codes 2 and 3 alike.
    const codes = e.values.map((r) => r[0] as number);
    assert.deepEqual(featureColorRange(codes, false), [0, 2]);
    assert.deepEqual(featureColorRange(codes, true), [0, 3]);
    const doc = parseXml(beeswarmPlot(e, { maxDisplay: 2 }));
    const rows = findAll(doc, 'g').filter((g) => g.attrs.class === 'row');
    const checkingRow = rows.find((g) => g.children.length === 100 && g.children.some((c) => c.attrs.fill === redBlue(1)));
    assert.ok(checkingRow, 'the checking row has a dot in the top colour');
    const byCode = new Map<string, Set<number>>();
    checkingRow.children.forEach((c, i) => {
      const s = byCode.get(c.attrs.fill) ?? new Set<number>();
      s.add(e.values[i][0] as number);
      byCode.set(c.attrs.fill, s);
    });
    // Four categories, four colours, one category per colour.
    assert.equal(byCode.size, 4);
    for (const s of byCode.values()) assert.equal(s.size, 1);
  });
});

describe('plot titles', () => {
  const limeTitle = 'Local explanation for benign tumour (not cancerous) (local prediction −5.552, model −4.646, R² 0.561)';

  it('wrap onto two lines before the last parenthesis when too wide, without cutting anything', () => {
    const lines = titleLines(limeTitle, 520);
    assert.deepEqual(lines, ['Local explanation for benign tumour (not cancerous)', '(local prediction −5.552, model −4.646, R² 0.561)']);
    for (const l of lines) assert.ok(textWidth(l, 14, true) <= 520 - 16);
    assert.deepEqual(titleLines('Global importance', 520), ['Global importance']);
    const plain = titleLines('a b c d e f g h i j k l m n o p q r s t u v w x y z a b c d e f g h i j k l m n o p', 200);
    assert.equal(plain.length, 2);
    assert.ok(!plain[0].endsWith('…'));
    assert.ok(Math.abs(textWidth(plain[0], 14, true) - textWidth(plain[1].replace('…', ''), 14, true)) < 80, 'an even break');
  });

  it("LIME's chart shows its whole title on two lines and grows by one line", () => {
    const e = {
      method: 'lime', params: {}, model: 'm', output: 'margin' as const, timeMs: 0,
      featureNames: ['a', 'b'], values: [[1, 2]], attributions: [[0.5, -0.25]], baseValues: [0], predictions: [-4.646], target: 1,
      extras: [{ localPrediction: -5.552, score: 0.561 }],
    };
    // A width that fits the short title on one line but not the long one.
    const width = Math.ceil(textWidth('Local explanation for b (local prediction −5.552, model −4.646, R² 0.561)', 14, true)) + 30;
    const long = parseXml(limeBarPlot(e, { className: 'benign tumour (not cancerous)', width }));
    const short = parseXml(limeBarPlot(e, { className: 'b', width }));
    const bold = (doc: XmlElement) => findAll(doc, 'text').filter((t) => t.attrs['font-weight'] === 'bold').map((t) => t.text);
    assert.deepEqual(bold(long), ['Local explanation for benign tumour (not cancerous)', '(local prediction −5.552, model −4.646, R² 0.561)']);
    assert.equal(bold(short).length, 1);
    assert.ok(!texts(long).some((t) => t.includes('…')));
    assert.equal(Number(long.attrs.height) - Number(short.attrs.height), 18);
  });
});
