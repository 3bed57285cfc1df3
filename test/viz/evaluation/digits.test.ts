import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EDGE_DETECTOR_ENTRY } from '../../../src/attribution/control/edge-detector.js';
import { useBackend } from '../../../src/backend.js';
import { testDigits } from '../../helpers/mnist.js';
import { evaluateExplanations } from '../../../src/metrics/evaluate.js';
import { Deletion } from '../../../src/metrics/faithfulness/deletion.js';
import { createImageSubject } from '../../../src/metrics/subjects/image.js';
import { loadModel } from '../../../src/models/load.js';
import { parameterLayers } from '../../../src/models/randomise.js';
import { evaluationCurvesPlot, meanCurves } from '../../../src/viz/evaluation/curves.js';
import { randomisationPicture } from '../../../src/viz/evaluation/randomisation-picture.js';
import { renderEvaluationReport, type EvaluationSummary } from '../../../src/viz/evaluation/report.js';
import { similarityLines } from '../../../src/viz/evaluation/similarity-chart.js';
import { evaluationTableMarkdown } from '../../../src/viz/evaluation/table.js';
import { svgToPng } from '../../../src/viz/tabular/png.js';
import { decodePng } from '../helpers.js';
import { findAll, parseXml, texts } from '../tabular/xml.js';

describe('evaluation pictures of a real run on the digit model', () => {
  const rows = 4;
  const digits = testDigits(rows).inputs;
  let summary: EvaluationSummary;
  let layers: string[];

  before(async () => {
    await useBackend('wasm');
    const model = await loadModel('digits');
    layers = parameterLayers(model);
    const subjects = [
      await createImageSubject(model, digits, 'integrated-gradients', { methodOptions: { steps: 8 } }),
      await createImageSubject(model, digits, 'saliency'),
      await createImageSubject(model, digits, EDGE_DETECTOR_ENTRY),
    ];
    // The evaluation's own summary type is what the pictures take.
    summary = await evaluateExplanations(subjects, {
      metrics: ['deletion', 'insertion', 'randomisation'],
      metricOptions: { deletion: { steps: 10 }, insertion: { steps: 10 }, randomisation: { keepExamples: 1 } },
    });
  });

  it('draws each method\'s mean deletion and insertion curve through the metric\'s own points, with its AUC', () => {
    const svg = parseXml(evaluationCurvesPlot(summary));
    const lines = findAll(svg, 'polyline').filter((p) => p.attrs['stroke-width'] === '2');
    assert.equal(lines.length, 2 * 3);
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

  it('draws the randomisation grid: the input, then a map per step from "original" down the cascade, per method', () => {
    const svg = parseXml(randomisationPicture(summary));
    const steps = ['original', ...[...layers].reverse()];
    assert.equal(findAll(svg, 'image').length, 3 * (1 + steps.length));
    const t = texts(svg);
    for (const s of steps) assert.ok(t.includes(s), s);
    // The control ignores the model: its similarity stays at 1 while saliency's falls.
    const lines = similarityLines(summary, 'randomisation');
    const edge = lines.find((l) => l.method === 'edge-detector')!;
    const saliency = lines.find((l) => l.method === 'saliency')!;
    assert.ok(edge.mean.every((v) => v > 0.99));
    assert.ok(saliency.mean[saliency.mean.length - 1] < edge.mean[edge.mean.length - 1] - 0.1);
    const png = decodePng(svgToPng(randomisationPicture(summary), { scale: 1 }));
    assert.ok(png.width > 600 && png.height > 600);
  });

  it('renders the table and the report from the run', () => {
    const md = evaluationTableMarkdown(summary);
    assert.equal(md.split('\n').filter((l) => l.startsWith('| ')).length, 1 + 3);
    assert.ok(md.split('\n')[0].includes('randomisation ↓'));
    const html = renderEvaluationReport(summary, { date: new Date(0), version: 'test' });
    assert.ok(html.includes('3 methods × 3 metrics on 4 image rows'));
    assert.ok(html.includes(new Deletion().info.formula));
    assert.equal((html.match(/<svg xmlns/g) ?? []).length, 2);
  });
});
