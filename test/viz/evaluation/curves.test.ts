import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { UsageError } from '../../../src/errors.js';
import { curveMetrics, evaluationCurvesPlot, meanCurves } from '../../../src/viz/evaluation/curves.js';
import type { EvaluationSummary } from '../../../src/viz/evaluation/summary.js';
import { findAll, parseXml, texts, type XmlElement } from '../tabular/xml.js';
import { handSummary, meanCi, trapezoid } from './fixtures.js';

const points = (el: XmlElement) => el.attrs.points.split(' ').map((p) => p.split(',').map(Number) as [number, number]);

/** The summary with the deletion curves of `method` changed by `edit` (rows x positions). */
function withDeletion(method: string, edit: (y: number[][]) => number[][]): EvaluationSummary {
  const s = handSummary();
  const r = s.results.find((x) => x.metric === 'deletion' && x.method === method)!;
  r.curves = { ...r.curves!, y: edit(r.curves!.y) };
  return s;
}

describe('deletion and insertion curves', () => {
  it('averages the rows per position, with the t interval or the quartiles as the band, and the AUC as the mean score', () => {
    const s = handSummary();
    const r = s.results.find((x) => x.metric === 'insertion' && x.method === 'saliency')!;
    const curves = meanCurves(s, 'insertion', 'ci');
    assert.deepEqual(curves.map((c) => c.method), s.methods);
    const c = curves[1];
    for (let k = 0; k < c.x.length; k++) {
      const column = r.curves!.y.map((row) => row[k]);
      const ci = meanCi(column);
      assert.ok(Math.abs(c.mean[k] - ci.mean) < 1e-12);
      // Student's t from scipy (see fixtures): the band of the mean, not of the rows.
      assert.ok(Math.abs(c.low[k] - ci.low) < 1e-9 && Math.abs(c.high[k] - ci.high) < 1e-9, `position ${k}`);
    }
    const aucs = r.curves!.y.map((row) => trapezoid(c.x, row));
    assert.ok(Math.abs(c.auc - aucs.reduce((a, b) => a + b, 0) / aucs.length) < 1e-12);
    // numpy.percentile([a, b, c, d], 25) = a + 0.75 (b - a) on the sorted values.
    const iqr = meanCurves(s, 'insertion', 'iqr')[1];
    const sorted = r.curves!.y.map((row) => row[3]).sort((a, b) => a - b);
    assert.ok(Math.abs(iqr.low[3] - (sorted[0] + 0.75 * (sorted[1] - sorted[0]))) < 1e-12);
    assert.ok(Math.abs(iqr.high[3] - (sorted[2] + 0.25 * (sorted[3] - sorted[2]))) < 1e-12);
    assert.deepEqual(curveMetrics(s), ['deletion', 'insertion']);
  });

  it('draws one well-formed panel per metric with a curve per method, the band and AUCs in the legend', () => {
    const s = handSummary();
    const svg = parseXml(evaluationCurvesPlot(s));
    const groups = findAll(svg, 'g').filter((g) => g.attrs.class === 'curve');
    assert.equal(groups.length, 2 * s.methods.length);
    const lines = findAll(svg, 'polyline').filter((p) => p.attrs['stroke-width'] === '2');
    assert.equal(lines.length, 6);
    for (const l of lines) assert.equal(points(l).length, 11);
    assert.equal(findAll(svg, 'polygon').filter((p) => p.attrs['fill-opacity'] === '0.14').length, 6);
    const t = texts(svg);
    for (const c of [...meanCurves(s, 'deletion'), ...meanCurves(s, 'insertion')]) {
      assert.ok(t.includes(`AUC ${Number(c.auc.toPrecision(3))}`), `AUC of ${c.method} ${c.metric}`);
    }
    assert.ok(t.includes('fraction of features removed') && t.includes('fraction of features inserted'));
    assert.ok(t.some((x) => x.includes('output not normalised')));
    assert.ok(t.includes('band: 95% confidence interval of the mean'));
    // Each method keeps its colour in both panels; the fastest-falling deletion curve (IG) ends lowest (largest y pixel).
    const del = lines.slice(0, 3);
    const ends = del.map((l) => points(l)[10][1]);
    assert.ok(ends[0] > ends[1] && ends[1] > ends[2]);
    assert.equal(lines[0].attrs.stroke, lines[3].attrs.stroke);
  });

  it('draws only the asked metrics and refuses ones without curves', () => {
    const s = handSummary();
    const svg = parseXml(evaluationCurvesPlot(s, { metrics: ['insertion'], band: 'none' }));
    assert.equal(findAll(svg, 'g').filter((g) => g.attrs.class === 'curve').length, 3);
    assert.equal(findAll(svg, 'polygon').filter((p) => p.attrs['fill-opacity']).length, 0);
    assert.throws(() => evaluationCurvesPlot(s, { metrics: ['sparseness'] }), (e: unknown) => e instanceof UsageError && /sparseness has no curves/.test(e.message));
    assert.throws(() => evaluationCurvesPlot(s, { band: 'wide' as never }), UsageError);
    const none = { ...s, results: s.results.filter((r) => r.metric !== 'deletion' && r.metric !== 'insertion') };
    assert.throws(() => evaluationCurvesPlot(none), (e: unknown) => e instanceof UsageError && /no curves to draw/.test(e.message) && /--metrics deletion,insertion/.test(e.message));
  });

  it('leaves a gap where no row is finite, says so for a method with no finite value, and for a panel with none', () => {
    const hole = withDeletion('saliency', (y) => y.map((row) => row.map((v, k) => (k === 5 ? NaN : v))));
    const svg = parseXml(evaluationCurvesPlot(hole, { metrics: ['deletion'] }));
    const saliency = findAll(svg, 'g').find((g) => g.attrs['data-method'] === 'saliency')!;
    assert.deepEqual(findAll(saliency, 'polyline').map((p) => points(p).length), [5, 5]);

    const dead = withDeletion('random', (y) => y.map((row) => row.map(() => NaN)));
    const deadSvg = parseXml(evaluationCurvesPlot(dead, { metrics: ['deletion'] }));
    assert.equal(findAll(findAll(deadSvg, 'g').find((g) => g.attrs['data-method'] === 'random')!, 'polyline').length, 0);
    assert.ok(texts(deadSvg).includes('random (no finite values)'));
    assert.ok(texts(deadSvg).includes('AUC 0.633'), 'the scores still give an AUC');

    const s = handSummary();
    for (const r of s.results.filter((x) => x.metric === 'deletion')) {
      r.curves = { ...r.curves!, y: r.curves!.y.map((row) => row.map(() => NaN)) };
      r.scores = r.scores.map(() => NaN);
    }
    const empty = parseXml(evaluationCurvesPlot(s, { metrics: ['deletion'] }));
    assert.ok(texts(empty).includes('no finite values: every deletion curve is NaN'));
    assert.equal(findAll(empty, 'polyline').filter((p) => p.attrs['stroke-width'] === '2').length, 0);
    assert.ok(texts(empty).includes('AUC n/a'));
  });

  it('refuses a curve row of the wrong length', () => {
    const bad = withDeletion('saliency', (y) => [y[0].slice(1), ...y.slice(1)]);
    assert.throws(() => evaluationCurvesPlot(bad), (e: unknown) => e instanceof UsageError && /row 0 of the deletion curve of saliency has 10 values for 11 x positions/.test(e.message));
  });
});
