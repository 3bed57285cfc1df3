import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TabularExplanation } from '../../../src/attribution/tabular-explanation.js';
import { UsageError } from '../../../src/errors.js';
import { waterfallBars, waterfallPlot } from '../../../src/viz/tabular/waterfall.js';
import { forcePlot, forceSegments } from '../../../src/viz/tabular/force.js';
import { limeBarItems, limeBarPlot } from '../../../src/viz/tabular/lime-bar.js';
import { BLUE, RED } from '../../../src/viz/tabular/common.js';
import { explainedRow, logisticShap, probability, reference, testRows } from './fixtures.js';
import { findAll, parseXml, texts, type XmlElement } from './xml.js';

const explanation = logisticShap([explainedRow(), ...testRows().slice(0, 4)]);

/** x extent [min, max] of a polygon. */
function xExtent(el: XmlElement): [number, number] {
  const xs = el.attrs.points.split(' ').map((p) => Number(p.split(',')[0]));
  return [Math.min(...xs), Math.max(...xs)];
}

/** Pixels per unit across items: every (pixels / value) ratio must agree. */
function assertProportional(pixels: number[], values: number[], tolerance = 0.6): void {
  const k = pixels.reduce((s, p) => s + p, 0) / values.reduce((s, v) => s + Math.abs(v), 0);
  pixels.forEach((p, i) => assert.ok(Math.abs(p - k * Math.abs(values[i])) <= tolerance, `bar ${i}: ${p} px for ${values[i]} (expected ${k * Math.abs(values[i])})`));
}

describe('waterfall', () => {
  it('adds the bars up from E[f(X)] to f(x), largest |value| on top, the rest folded', () => {
    const bars = waterfallBars(explanation, 0, 10);
    const values = explanation.attributions[0];
    assert.equal(bars.length, 10);
    assert.equal(bars[9].label, '21 other features');
    assert.equal(bars[bars.length - 1].start, explanation.baseValues[0]);
    // Exact Shapley values are efficient: the top bar ends at f(x).
    assert.ok(Math.abs(bars[0].end - explanation.predictions[0]) < 1e-9);
    for (let k = 0; k < bars.length - 1; k++) assert.equal(bars[k].start, bars[k + 1].end);
    const shownMagnitudes = bars.slice(0, 9).map((b) => Math.abs(b.value));
    assert.deepEqual(shownMagnitudes, [...shownMagnitudes].sort((a, b) => b - a));
    const sorted = values.map(Math.abs).sort((a, b) => b - a);
    assert.equal(shownMagnitudes[0], sorted[0]);
    // The folded bar is the sum of the 21 smallest.
    const folded = values.map((v, j) => [Math.abs(v), v, j] as const).sort((a, b) => b[0] - a[0]).slice(9).reduce((s, [, v]) => s + v, 0);
    assert.ok(Math.abs(bars[9].value - folded) < 1e-12);
    assert.equal(waterfallBars(explanation, 0, 30).length, 30);
    assert.equal(waterfallBars(explanation, 0, 3)[2].label, '28 other features');
  });

  it('draws bars proportional to the values, labelled "feature = value" in order, f(x) and E[f(X)] marked', () => {
    const doc = parseXml(waterfallPlot(explanation, { row: 0 }));
    const bars = waterfallBars(explanation, 0, 10);
    const polys = findAll(doc, 'g').filter((g) => g.attrs.class === 'bar').map((g) => findAll(g, 'polygon')[0]);
    assert.equal(polys.length, 10);
    const widths = polys.map((p) => xExtent(p)[1] - xExtent(p)[0]);
    assertProportional(widths, bars.map((b) => b.value));
    polys.forEach((p, k) => assert.equal(p.attrs.fill, bars[k].value >= 0 ? RED : BLUE));
    const all = texts(doc);
    const labels = bars.map((b) => b.label);
    const positions = labels.map((l) => all.indexOf(l));
    assert.ok(positions.every((p) => p >= 0), `labels missing: ${labels.filter((_, i) => positions[i] < 0).join('; ')}`);
    assert.deepEqual(positions, [...positions].sort((a, b) => a - b));
    const name = reference.feature_names[explanation.attributions[0].map(Math.abs).indexOf(Math.max(...explanation.attributions[0].map(Math.abs)))];
    assert.ok(labels[0].startsWith(`${name} = `));
    const shown = (prefix: string) => Number(all.find((t) => t.startsWith(prefix))?.slice(prefix.length).replace('−', '-'));
    assert.ok(Math.abs(shown('f(x) = ') - explanation.predictions[0]) < 5e-4, all.join(' | '));
    assert.ok(Math.abs(shown('E[f(X)] = ') - explanation.baseValues[0]) < 5e-4, all.join(' | '));
    // The top bar's tip is at f(x)'s tick, the bottom bar's start at E[f(X)]'s.
    const scale = (widths[0]) / Math.abs(bars[0].value);
    const [x0, x1] = xExtent(polys[0]);
    const tip = bars[0].value >= 0 ? x1 : x0;
    const [b0, b1] = xExtent(polys[9]);
    const start = bars[9].value >= 0 ? b0 : b1;
    assert.ok(Math.abs((tip - start) - scale * (explanation.predictions[0] - explanation.baseValues[0])) < 1);
  });

  it('shows display values and says when attributions do not add up to f(x)', () => {
    const data = explanation.toJSON();
    const display = data.values.map((r) => r.map((v) => `${v.toFixed(1)} mm`));
    const shown = new TabularExplanation({ ...data, displayValues: display, predictions: data.predictions.map((p) => p + 0.5), method: 'kernel-shap' });
    const all = texts(parseXml(waterfallPlot(shown)));
    assert.ok(all.some((t) => / = \d+\.\d mm$/.test(t)), all.join(' | '));
    assert.ok(all.some((t) => t.includes('kernel-shap leaves +0.5 unexplained')), all.join(' | '));
  });

  it('rejects bad rows, shapes and maxDisplay with usage errors', () => {
    assert.throws(() => waterfallPlot(explanation, { row: 5 }), (e: unknown) => e instanceof UsageError && /row 5 is out of range/.test(e.message));
    assert.throws(() => waterfallPlot(explanation, { maxDisplay: 0 }), UsageError);
    const data = explanation.toJSON();
    assert.throws(() => waterfallPlot({ ...data, values: data.values.map((r) => r.slice(1)) }), (e: unknown) => e instanceof UsageError && /values has 29 values but there are 30 feature names/.test(e.message));
    assert.throws(() => waterfallPlot({ ...data, baseValues: [0] }), UsageError);
    assert.throws(() => waterfallPlot({ ...data, attributions: data.attributions.map((r) => r.map(() => Number.NaN)) }), UsageError);
  });
});

describe('force plot', () => {
  it('stacks red from the left and blue from the right, meeting at f(x)', () => {
    const { positive, negative, output } = forceSegments(explanation, 1);
    const v = explanation.attributions[1];
    assert.ok(Math.abs(output - explanation.predictions[1]) < 1e-9);
    assert.equal(positive.length + negative.length, v.filter((x) => x !== 0).length);
    assert.equal(positive[0].end, output);
    assert.equal(negative[0].start, output);
    assert.ok(Math.abs(positive[positive.length - 1].start - (output - v.filter((x) => x > 0).reduce((s, x) => s + x, 0))) < 1e-9);
    // Largest push of each sign next to f(x).
    assert.equal(positive[0].value, Math.max(...v));
    assert.equal(negative[0].value, Math.min(...v));
  });

  it('draws segments proportional to the values, with base value and f(x) marked', () => {
    const doc = parseXml(forcePlot(explanation, { row: 0 }));
    const { positive, negative } = forceSegments(explanation, 0);
    const polys = findAll(doc, 'polygon');
    assert.equal(polys.length, positive.length + negative.length);
    const widths = polys.map((p) => xExtent(p)[1] - xExtent(p)[0]);
    assertProportional(widths, [...positive, ...negative].map((s) => s.value));
    assert.deepEqual(polys.map((p) => p.attrs.fill), [...positive.map(() => RED), ...negative.map(() => BLUE)]);
    const all = texts(doc);
    assert.ok(all.some((t) => t.startsWith('base value = ')));
    assert.ok(all.some((t) => t.startsWith('f(x) = ')));
    // The largest push of each sign is labelled.
    assert.ok(all.includes(positive[0].label) && all.includes(negative[0].label), all.join(' | '));
  });
});

describe('LIME bar chart', () => {
  // A LIME-shaped result: weights and quartile conditions from the training quartiles, as LIME's discretiser writes them.
  const train = reference.train_idx.map((i) => reference.X[i]);
  const quartiles = reference.feature_names.map((_, j) => {
    const col = train.map((x) => x[j]).sort((a, b) => a - b);
    return [0.25, 0.5, 0.75].map((q) => col[Math.floor(q * (col.length - 1))]);
  });
  const x = explainedRow();
  const conditions = reference.feature_names.map((name, j) => {
    const [q1, q2, q3] = quartiles[j].map((q) => q.toFixed(2));
    const v = x[j];
    if (v <= quartiles[j][0]) return `${name} <= ${q1}`;
    if (v <= quartiles[j][1]) return `${q1} < ${name} <= ${q2}`;
    if (v <= quartiles[j][2]) return `${q2} < ${name} <= ${q3}`;
    return `${name} > ${q3}`;
  });
  const shap = logisticShap([x]);
  const weights = shap.attributions[0].map((w, j) => (j % 3 === 0 ? 0 : w / 10));
  const lime = new TabularExplanation({
    ...shap.toJSON(), method: 'lime', attributions: [weights],
    extras: [{ conditions, localPrediction: 0.47, score: 0.61, intercept: 0.52 }], predictions: [probability(x)],
  });

  it('lists the non-zero weights by |weight| with the condition strings', () => {
    const items = limeBarItems(lime, 0, 10);
    assert.equal(items.length, 10);
    const mags = items.map((i) => Math.abs(i.value));
    assert.deepEqual(mags, [...mags].sort((a, b) => b - a));
    assert.ok(items.every((i) => conditions.includes(i.label)));
    assert.equal(limeBarItems(lime, 0, 100).length, weights.filter((w) => w !== 0).length);
  });

  it('draws green/red bars proportional to the weights, titled with class and local prediction', () => {
    const doc = parseXml(limeBarPlot(lime, { className: 'benign' }));
    const items = limeBarItems(lime, 0, 10);
    const rects = findAll(doc, 'g').filter((g) => g.attrs.class === 'bar').map((g) => findAll(g, 'rect')[0]);
    assertProportional(rects.map((r) => Number(r.attrs.width)), items.map((i) => i.value));
    assert.deepEqual(rects.map((r) => r.attrs.fill), items.map((i) => (i.value > 0 ? '#2ca02c' : '#d62728')));
    const all = texts(doc);
    assert.ok(all[0].startsWith('Local explanation for benign (local prediction 0.47'), all[0]);
    for (const i of items) assert.ok(all.includes(i.label));
    const shapColors = findAll(parseXml(limeBarPlot(lime, { colors: 'shap' })), 'rect').map((r) => r.attrs.fill);
    assert.ok(shapColors.includes(RED) && shapColors.includes(BLUE));
  });

  it('rejects conditions that do not match the features', () => {
    const bad = new TabularExplanation({ ...lime.toJSON(), extras: [{ conditions: ['a', 'b'] }] });
    assert.throws(() => limeBarPlot(bad), (e: unknown) => e instanceof UsageError && /conditions/.test(e.message));
  });
});
