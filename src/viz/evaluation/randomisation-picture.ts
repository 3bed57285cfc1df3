import { UsageError } from '../../errors.js';
import { Svg } from '../tabular/svg.js';
import { randomisationMetrics, similarityMetrics } from './randomisation-examples.js';
import { randomisationGridPlot, randomisationStepCentres, type RandomisationGridOptions } from './randomisation-grid.js';
import { extraMeasures, similarityChart } from './similarity-chart.js';
import type { EvaluationSummary } from './summary.js';

/** The width and height an SVG string made by the Svg builder declares. */
function svgSize(svg: string): { width: number; height: number } {
  const m = /^<svg[^>]*\swidth="([\d.]+)"[^>]*\sheight="([\d.]+)"/.exec(svg);
  if (!m) throw new UsageError('a picture part is not an SVG made by the plot builder', 'pass SVG strings made by the evaluation plots');
  return { width: Number(m[1]), height: Number(m[2]) };
}

/** An SVG placed at (x, y) inside another, its ids prefixed so parts never share one. */
export function nestSvg(svg: string, x: number, y: number, prefix: string): string {
  return svg.trim()
    .replace(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/, `<svg x="${x}" y="${y}"`)
    .replace(/\b(id="|url\(#)gb-/g, `$1${prefix}-`);
}

/** Pieces stacked top to bottom, centred, in one SVG. */
export function stackSvgs(parts: readonly string[], title: string): string {
  const sizes = parts.map(svgSize);
  const width = Math.max(...sizes.map((s) => s.width));
  const height = sizes.reduce((a, s) => a + s.height, 0);
  const out = new Svg(width, height, title);
  let y = 0;
  parts.forEach((part, i) => {
    out.raw(nestSvg(part, Math.round((width - sizes[i].width) / 2), y, `gbp${i}`));
    y += sizes[i].height;
  });
  return out.toString();
}

/**
 * The randomisation test as one picture: the grid of maps per method and randomisation step (Adebayo
 * et al. 2018, Figure 2) above the chart of each method's similarity to its original explanation per
 * step. Either part alone when the evaluation has only that.
 */
export function randomisationPicture(summary: EvaluationSummary, options: RandomisationGridOptions = {}): string {
  const withMaps = randomisationMetrics(summary);
  const withSimilarity = similarityMetrics(summary);
  const metric = options.metric ?? withMaps[0] ?? withSimilarity[0];
  if (metric === undefined) {
    throw new UsageError('the evaluation has no randomisation test to draw',
      'evaluate with --metrics randomisation on an image model (TF.js or ONNX) to get the randomisation picture');
  }
  const parts: string[] = [];
  const grid = withMaps.includes(metric) ? randomisationStepCentres(summary, { ...options, metric }) : undefined;
  if (grid) parts.push(randomisationGridPlot(summary, { ...options, metric }));
  if (withSimilarity.includes(metric)) {
    // Under the grid, each step's point sits under its column of maps.
    const place = grid ? { width: grid.width, stepCentres: grid.centres } : {};
    // The other measures the test computed (SSIM, HOG), smaller, under the scored one; the last chart carries the legend.
    const extras = extraMeasures(summary, metric);
    parts.push(similarityChart(summary, { metric, legend: extras.length === 0, plotHeight: grid ? 160 : 200, ...place }));
    extras.forEach((measure, i) => parts.push(similarityChart(summary, { metric, measure, plotHeight: 130, legend: i === extras.length - 1, ...place })));
  }
  if (parts.length === 0) throw new UsageError(`metric ${metric} has neither example maps nor similarities per step`, 'draw the model parameter randomisation result');
  return parts.length === 1 ? parts[0] : stackSvgs(parts, `randomisation test of ${summary.methods.join(', ')} on ${summary.model}`);
}
