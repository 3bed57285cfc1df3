import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TabularExplanation } from '../../../src/attribution/tabular-explanation.js';
import { UsageError } from '../../../src/errors.js';
import { barItems, barPlot } from '../../../src/viz/tabular/bar.js';
import { beeswarmOffsets, beeswarmPlot } from '../../../src/viz/tabular/beeswarm.js';
import { approximateInteractions, dependencePlot } from '../../../src/viz/tabular/dependence.js';
import { NAN_COLOR, redBlue } from '../../../src/viz/tabular/common.js';
import { Random } from '../../../src/util/random.js';
import { logisticShap, reference, testRows } from './fixtures.js';
import { findAll, parseXml, texts } from './xml.js';

const rows = testRows();
const explanation = logisticShap(rows);

describe('global bar plot', () => {
  it('sorts features by mean |SHAP value| and folds the tail', () => {
    const items = barItems(explanation, 10);
    const means = explanation.meanAbs();
    const sorted = [...means].sort((a, b) => b - a);
    assert.deepEqual(items.slice(0, 9).map((i) => i.value), sorted.slice(0, 9));
    assert.equal(items[0].label, reference.feature_names[means.indexOf(sorted[0])]);
    assert.equal(items[9].label, 'Sum of 21 other features');
    assert.ok(Math.abs(items[9].value - sorted.slice(9).reduce((s, v) => s + v, 0)) < 1e-12);
  });

  it('draws bar lengths proportional to the values, with the values printed', () => {
    const doc = parseXml(barPlot(explanation, { maxDisplay: 30 }));
    const items = barItems(explanation, 30);
    const groups = findAll(doc, 'g').filter((g) => g.attrs.class === 'bar');
    const widths = groups.map((g) => Number(findAll(g, 'rect')[0].attrs.width));
    const k = widths[0] / items[0].value;
    widths.forEach((w, i) => assert.ok(Math.abs(w - k * items[i].value) < 0.02, `${items[i].label}: ${w} px`));
    const all = texts(doc);
    items.forEach((it) => assert.ok(all.includes(`+${it.value.toFixed(2).replace(/\.?0+$/, '')}`) && all.includes(it.label), it.label));
    assert.ok(all.includes('mean(|SHAP value|)'));
  });
});

describe('beeswarm', () => {
  it("stacks dots like shap: a lone value on the line, a crowded bin alternating outward", () => {
    const ys = beeswarmOffsets([0, 5, 5, 5, 5, 10], new Random(0));
    assert.equal(ys[0], 0);
    assert.equal(ys[5], 0);
    // Layers 0, 1, 2, 3 of one bin sit at 0, +1, -1, +2 (times 0.9 / 3, the fullest layer + 1).
    assert.deepEqual(ys.slice(1, 5).map((y) => Math.round(y / (0.9 / 3))).sort((a, b) => a - b), [-1, 0, 1, 2]);
    assert.ok(ys.every((y) => Math.abs(y) <= 0.9));
  });

  it('draws one dot per row and feature, features sorted by mean |SHAP|, coloured by value', () => {
    const doc = parseXml(beeswarmPlot(explanation, { maxDisplay: 5 }));
    const groups = findAll(doc, 'g').filter((g) => g.attrs.class === 'row');
    assert.equal(groups.length, 5);
    groups.forEach((g) => assert.equal(findAll(g, 'circle').length, rows.length));
    const all = texts(doc);
    const items = barItems(explanation, 5);
    const positions = items.map((i) => all.indexOf(i.label));
    assert.ok(positions.every((p) => p >= 0));
    assert.deepEqual(positions, [...positions].sort((a, b) => a - b));
    assert.ok(all.includes('Feature value') && all.includes('High') && all.includes('Low'));
    // Top feature: the row with its largest value is red, its smallest blue; the folded row is grey.
    const top = reference.feature_names.indexOf(items[0].label);
    const column = rows.map((r) => r[top]);
    const circles = findAll(groups[0], 'circle');
    assert.equal(circles[column.indexOf(Math.max(...column))].attrs.fill, redBlue(1));
    assert.equal(circles[column.indexOf(Math.min(...column))].attrs.fill, redBlue(0));
    assert.ok(findAll(groups[4], 'circle').every((c) => c.attrs.fill === NAN_COLOR));
    // Dots sit at their SHAP values: x is an increasing linear function of the attribution.
    const xs = circles.map((c) => Number(c.attrs.cx));
    const vs = explanation.attributions.map((r) => r[top]);
    const slope = (xs[1] - xs[0]) / (vs[1] - vs[0]);
    xs.forEach((x, i) => assert.ok(Math.abs(x - (xs[0] + slope * (vs[i] - vs[0]))) < 0.05));
  });

  it('is reproducible for a seed', () => {
    assert.equal(beeswarmPlot(explanation, { seed: 3 }), beeswarmPlot(explanation, { seed: 3 }));
  });
});

describe('dependence plot', () => {
  it("picks the feature that shap's approximate_interactions would: the one that modulates the SHAP values", () => {
    // SHAP of feature 0 = x0 * x2: within windows of similar x0 its spread follows x2.
    const xs = rows.slice(0, 120).map((r) => [r[0], r[1], r[2] / 100, r[3]]);
    const e = new TabularExplanation({
      method: 'test', params: {}, model: 'm', target: 0, output: 'value', featureNames: ['a', 'b', 'c', 'd'],
      values: xs, attributions: xs.map((x) => [x[0] * x[2] - 10, 0.1 * x[1], 0, 0]), baseValues: xs.map(() => 0),
      predictions: xs.map((x) => x[0] * x[2] - 10 + 0.1 * x[1]), timeMs: 0,
    });
    assert.equal(approximateInteractions(e, 'a')[0], 2);
    assert.throws(() => approximateInteractions(e, 'zzz'), (err: unknown) => err instanceof UsageError && /unknown feature "zzz"/.test(err.message));
  });

  it('draws one dot per row at (value, SHAP value), coloured by the interaction feature', () => {
    const j = reference.feature_names.indexOf('worst texture');
    const doc = parseXml(dependencePlot(explanation, { feature: 'worst texture', interaction: 'mean texture' }));
    const circles = findAll(doc, 'circle');
    assert.equal(circles.length, rows.length);
    const cx = circles.map((c) => Number(c.attrs.cx));
    const cy = circles.map((c) => Number(c.attrs.cy));
    const x = rows.map((r) => r[j]);
    const y = explanation.attributions.map((r) => r[j]);
    const sx = (cx[1] - cx[0]) / (x[1] - x[0]);
    const sy = (cy[1] - cy[0]) / (y[1] - y[0]);
    assert.ok(sx > 0 && sy < 0);
    cx.forEach((v, i) => assert.ok(Math.abs(v - (cx[0] + sx * (x[i] - x[0]))) < 0.05));
    cy.forEach((v, i) => assert.ok(Math.abs(v - (cy[0] + sy * (y[i] - y[0]))) < 0.05));
    const all = texts(doc);
    assert.ok(all.includes('mean texture') && all.includes('SHAP value for worst texture'));
    const plain = parseXml(dependencePlot(explanation, { feature: j, interaction: null }));
    assert.ok(!texts(plain).includes('High'));
    assert.throws(() => dependencePlot(explanation, { feature: 99 }), UsageError);
  });
});
