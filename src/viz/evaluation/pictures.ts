import { join } from 'node:path';
import { writeFileAtomic } from '../../io/atomic-write.js';
import { svgToPng } from '../tabular/png.js';
import { curveMetrics, evaluationCurvesPlot, type CurvesPlotOptions } from './curves.js';
import { randomisationMetrics, similarityMetrics } from './randomisation-examples.js';
import type { RandomisationGridOptions } from './randomisation-grid.js';
import { randomisationPicture } from './randomisation-picture.js';
import { checkEvaluationSummary, type EvaluationSummary } from './summary.js';
import { evaluationTableMarkdown } from './table.js';

export interface EvaluationPicturesOptions {
  curves?: CurvesPlotOptions;
  randomisation?: RandomisationGridOptions;
  /** PNG pixels per SVG unit, default 2. */
  pngScale?: number;
}

export interface WrittenPictures {
  /** Paths written. */
  written: string[];
  /** Pictures the evaluation has no data for, and why. */
  skipped: { file: string; reason: string }[];
}

/**
 * Writes the evaluation's pictures into `dir` (created when missing), each atomically: curves.svg and
 * curves.png (deletion and insertion), randomisation.svg and randomisation.png (the randomisation
 * test), and table.md (the Markdown table). A picture the evaluation has no data for is skipped, and
 * the result says why.
 */
export function writeEvaluationPictures(summary: EvaluationSummary, dir: string, options: EvaluationPicturesOptions = {}): WrittenPictures {
  checkEvaluationSummary(summary);
  const written: string[] = [];
  const skipped: { file: string; reason: string }[] = [];
  const write = (name: string, data: string | Uint8Array) => {
    const path = join(dir, name);
    writeFileAtomic(path, data);
    written.push(path);
  };
  const scale = options.pngScale ?? 2;
  if (curveMetrics(summary).length) {
    const svg = evaluationCurvesPlot(summary, options.curves);
    write('curves.svg', svg);
    write('curves.png', svgToPng(svg, { scale }));
  } else {
    skipped.push({ file: 'curves.png', reason: 'no deletion or insertion curves in this evaluation' });
  }
  if (randomisationMetrics(summary).length || similarityMetrics(summary).length) {
    const svg = randomisationPicture(summary, { imageScale: Math.max(1, Math.ceil(scale)), ...options.randomisation });
    write('randomisation.svg', svg);
    write('randomisation.png', svgToPng(svg, { scale }));
  } else {
    skipped.push({ file: 'randomisation.png', reason: 'no randomisation test in this evaluation' });
  }
  write('table.md', evaluationTableMarkdown(summary));
  return { written, skipped };
}
