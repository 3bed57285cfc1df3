/** Pictures of an evaluation of explanations: the table, deletion and insertion curves, the randomisation test, an HTML report. */
export {
  checkEvaluationSummary, type EvaluationSummary, type EvaluationCell, type EvaluationMetricInfo, type EvaluationRanking,
} from './summary.js';
export { evaluationCurvesPlot, meanCurves, curveMetrics, type CurvesPlotOptions, type CurveBand, type MeanCurve } from './curves.js';
export { randomisationGridPlot, type RandomisationGridOptions } from './randomisation-grid.js';
export { randomisationExamples, type RandomisationExample } from './randomisation-examples.js';
export { similarityChart, similarityLines, type SimilarityChartOptions, type SimilarityLine } from './similarity-chart.js';
export { randomisationPicture } from './randomisation-picture.js';
export { scaleSaliencyMap, type SaliencyScalingOptions } from './saliency-scaling.js';
export { evaluationTableHtml, evaluationTableMarkdown, bestMethods } from './table.js';
export { renderEvaluationReport, type EvaluationReportOptions } from './report.js';
export { writeEvaluationPictures, type EvaluationPicturesOptions, type WrittenPictures } from './pictures.js';
