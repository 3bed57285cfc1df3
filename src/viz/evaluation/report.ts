import { BASE_CSS, escapeHtml, htmlPage } from '../report/page.js';
import { formatDuration } from './common.js';
import { curveMetrics, evaluationCurvesPlot, type CurvesPlotOptions } from './curves.js';
import { randomisationMetrics, similarityMetrics } from './randomisation-examples.js';
import type { RandomisationGridOptions } from './randomisation-grid.js';
import { randomisationPicture } from './randomisation-picture.js';
import { checkEvaluationSummary, type EvaluationSummary } from './summary.js';
import { evaluationTableHtml } from './table.js';

export type { EvaluationSummary, EvaluationCell, EvaluationMetricInfo, EvaluationRanking } from './summary.js';

export interface EvaluationReportOptions {
  /** Default "Evaluation of explanations: <model>". */
  title?: string;
  curves?: CurvesPlotOptions;
  randomisation?: RandomisationGridOptions;
  /** Default now; pass one for reproducible output. */
  date?: Date;
  /** Default the version in Glassbox's package.json. */
  version?: string;
}

const CSS = `${BASE_CSS}
:root { color-scheme: light; --ink: #1e1e1e; --muted: #666; --line: #ddd; }
figure { margin: 0 0 12px; }
figure svg { display: block; max-width: 100%; height: auto; }
table.evaluation td.best { background: #f4f8ec; }
table.evaluation th.num { text-align: right; }
table.evaluation td, table.evaluation th { padding-right: 18px; white-space: nowrap; }
dl.metrics dt { font-weight: 600; margin-top: 12px; }
dl.metrics dd { margin: 2px 0 0 18px; }
code { font: 13px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; background: #f5f5f5; padding: 1px 4px; }
.tag { display: inline-block; font-size: 12px; padding: 0 6px; border-radius: 3px; background: #f3f3f3; color: var(--muted); margin-left: 6px; font-weight: normal; }
`;

const e = (s: string | number) => escapeHtml(String(s));

/** One inline SVG's ids prefixed, so several pictures on a page never share an id. */
function inlineSvg(svg: string, prefix: string): string {
  return svg.trim().replace(/\b(id="|url\(#)(gb[\w-]*?)-/g, `$1${prefix}-$2-`);
}

function curvesSection(summary: EvaluationSummary, options: EvaluationReportOptions): string {
  const metrics = curveMetrics(summary);
  const body = metrics.length
    ? `<figure>${inlineSvg(evaluationCurvesPlot(summary, options.curves), 'curves')}<figcaption>Mean curve per method over the explained rows; the legend gives the mean area under each row's curve. Deletion: a faithful explanation makes the output fall fast (lower area is better). Insertion: it makes the output rise fast (higher is better).</figcaption></figure>`
    : '<p class="muted">This evaluation has no curves: deletion and insertion give them (glassbox evaluate --metrics deletion,insertion).</p>';
  return `<section id="curves"><h2>Deletion and insertion curves</h2>\n${body}</section>`;
}

function randomisationSection(summary: EvaluationSummary, options: EvaluationReportOptions): string {
  const has = randomisationMetrics(summary).length > 0 || similarityMetrics(summary).length > 0;
  const body = has
    ? `<figure>${inlineSvg(randomisationPicture(summary, options.randomisation), 'randomisation')}<figcaption>The model parameter randomisation test (Adebayo et al. 2018): each method's explanation of one input under the trained model and as its layers are re-initialised, and the similarity of every row's explanation to the original one. An explanation that depends on the model changes as layers are randomised and its similarity falls towards 0; one that stays similar ignores the model.</figcaption></figure>`
    : `<p class="muted">This evaluation has no randomisation test${summary.modality === 'image' ? ' (glassbox evaluate --metrics randomisation)' : `: it needs a layered image model, and these are ${e(summary.modality)} inputs`}.</p>`;
  return `<section id="randomisation"><h2>Randomisation test</h2>\n${body}</section>`;
}

function metricsSection(summary: EvaluationSummary): string {
  const items = summary.metrics.map((m) => {
    const results = summary.results.filter((r) => r.metric === m.name);
    const time = results.reduce((a, r) => a + (Number.isFinite(r.timeMs) ? r.timeMs : 0), 0);
    const params = results[0]?.params;
    const paramText = params && Object.keys(params).length
      ? `<dd class="muted">parameters: ${Object.entries(params).map(([k, v]) => `${e(k)}=${e(JSON.stringify(v))}`).join(', ')}</dd>`
      : '';
    return `<dt>${e(m.name)} <span class="tag">${e(m.category)}</span><span class="tag">${m.higherIsBetter ? 'higher' : 'lower'} is better</span></dt>
<dd>${e(m.summary)}</dd>
<dd><code>${e(m.formula)}</code></dd>
<dd class="muted">${e(m.reference)}</dd>
${paramText}
<dd class="muted">${results.length} method${results.length === 1 ? '' : 's'} in ${e(formatDuration(time))}</dd>`;
  }).join('\n');
  return `<section id="metrics"><h2>Metrics</h2>\n<dl class="metrics">\n${items}\n</dl></section>`;
}

/**
 * The evaluation as a self-contained HTML page: the table of methods by metrics (mean, confidence
 * interval, best in bold, mean rank), the deletion and insertion curves, the randomisation test's
 * picture, and each metric's formula, reference and parameters. Pictures are inline SVG (maps as data:
 * PNGs inside them); the page has no scripts, and its Content-Security-Policy forbids any fetch.
 */
export function renderEvaluationReport(summary: EvaluationSummary, options: EvaluationReportOptions = {}): string {
  checkEvaluationSummary(summary);
  const title = options.title ?? `Evaluation of explanations: ${summary.model}`;
  const subtitle = `${summary.methods.length} method${summary.methods.length === 1 ? '' : 's'} × ${summary.metrics.length} metric${summary.metrics.length === 1 ? '' : 's'} on ${summary.rows} ${summary.modality} row${summary.rows === 1 ? '' : 's'}, seed ${summary.seed}.`;
  const body = [
    `<section id="table"><h2>Methods compared</h2>\n${evaluationTableHtml(summary)}</section>`,
    curvesSection(summary, options),
    randomisationSection(summary, options),
    metricsSection(summary),
  ].join('\n');
  return htmlPage({ title, css: CSS, subtitle, body, date: options.date, version: options.version });
}
