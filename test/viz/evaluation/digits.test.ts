import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { useBackend } from '../../../src/backend.js';
import { readIdx } from '../../../src/io/idx.js';
import { Deletion } from '../../../src/metrics/faithfulness/deletion.js';
import { Insertion } from '../../../src/metrics/faithfulness/insertion.js';
import type { MetricResultData } from '../../../src/metrics/metric.js';
import { createImageSubject } from '../../../src/metrics/subjects/image.js';
import { loadModel } from '../../../src/models/load.js';
import { meanConfidenceInterval } from '../../../src/stats/confidence.js';
import { meanCurves } from '../../../src/viz/evaluation/curves.js';
import { renderEvaluationReport } from '../../../src/viz/evaluation/report.js';
import type { EvaluationSummary } from '../../../src/viz/evaluation/summary.js';
import { evaluationTableMarkdown } from '../../../src/viz/evaluation/table.js';
import { svgToPng } from '../../../src/viz/tabular/png.js';
import { evaluationCurvesPlot } from '../../../src/viz/evaluation/curves.js';
import { decodePng } from '../helpers.js';
import { findAll, parseXml, texts } from '../tabular/xml.js';

/** The summary of real metric results: mean and t interval per cell, ranks by mean in each metric's direction. */
function summarise(results: MetricResultData[], methods: string[], metrics: (Deletion | Insertion)[], rows: number): EvaluationSummary {
  const cells = results.map((r) => {
    const ci = meanConfidenceInterval(r.scores);
    return { method: r.method, metric: r.metric, mean: ci.mean, ciLow: ci.low, ciHigh: ci.high, n: ci.n, timeMs: r.timeMs };
  });
  const ranking = methods.map((method) => {
    const ranks: Record<string, number> = {};
    for (const m of metrics) {
      const own = cells.find((c) => c.method === method && c.metric === m.info.name)!.mean;
      ranks[m.info.name] = 1 + cells.filter((c) => c.metric === m.info.name && (m.info.higherIsBetter ? c.mean > own : c.mean < own)).length;
    }
    return { method, meanRank: Object.values(ranks).reduce((a, b) => a + b, 0) / metrics.length, ranks };
  });
  return { model: 'digits', modality: 'image', rows, seed: 0, methods, metrics: metrics.map((m) => ({ ...m.info })), cells, ranking, results };
}

describe('evaluation pictures of a real run on the digit model', () => {
  const rows = 4;
  const images = readIdx('data/mnist/t10k-images-idx3-ubyte.gz');
  const digits = { shape: [rows, 28, 28, 1], data: Float32Array.from(images.data.subarray(0, rows * 784), (v) => v / 255) };
  const methods = ['integrated-gradients', 'saliency'];
  let summary: EvaluationSummary;

  before(async () => {
    await useBackend('wasm');
    const model = await loadModel('digits');
    const results: MetricResultData[] = [];
    const metrics = [new Deletion(), new Insertion()];
    const subjects = [
      await createImageSubject(model, digits, 'integrated-gradients', { methodOptions: { steps: 16 } }),
      await createImageSubject(model, digits, 'saliency'),
    ];
    for (const metric of metrics) for (const s of subjects) results.push(await metric.evaluate(s, { steps: 10 }));
    summary = summarise(results, methods, metrics, rows);
  });

  it('draws each method\'s mean deletion and insertion curve through the metric\'s own points, with its AUC', () => {
    const svg = parseXml(evaluationCurvesPlot(summary));
    const lines = findAll(svg, 'polyline').filter((p) => p.attrs['stroke-width'] === '2');
    assert.equal(lines.length, 4);
    for (const l of lines) assert.equal(l.attrs.points.split(' ').length, 11);
    for (const metric of ['deletion', 'insertion']) {
      for (const c of meanCurves(summary, metric)) {
        const r = summary.results.find((x) => x.metric === metric && x.method === c.method)!;
        const auc = r.scores.reduce((a, b) => a + b, 0) / rows;
        assert.ok(Math.abs(c.auc - auc) < 1e-9);
        assert.ok(texts(svg).includes(`AUC ${Number(auc.toPrecision(3))}`), `${metric} ${c.method}`);
        // The deletion curve starts at the unperturbed output, the insertion curve ends there.
        const full = (r.details!.unperturbedScores as number[]).reduce((a, b) => a + b, 0) / rows;
        assert.ok(Math.abs(c.mean[metric === 'deletion' ? 0 : 10] - full) < 1e-6);
      }
    }
    const png = decodePng(svgToPng(evaluationCurvesPlot(summary), { scale: 1 }));
    assert.ok(png.width >= 800 && png.height > 300);
  });

  it('renders the table and the report from the run', () => {
    const md = evaluationTableMarkdown(summary);
    assert.equal(md.split('\n').filter((l) => l.startsWith('| ')).length, 3);
    const html = renderEvaluationReport(summary, { date: new Date(0), version: 'test' });
    assert.ok(html.includes('2 methods × 2 metrics on 4 image rows'));
    assert.ok(html.includes(new Deletion().info.formula));
    assert.ok(html.includes('This evaluation has no randomisation test'));
  });
});
