import type { TabularExplanationData } from '../../attribution/tabular-explanation.js';
import type { PartialDependence, SurrogateTree } from '../../global/types.js';
import { UsageError } from '../../errors.js';
import { writeFileAtomic } from '../../io/atomic-write.js';
import { BASE_CSS, escapeHtml, htmlPage } from '../report/page.js';
import { barPlot } from './bar.js';
import { beeswarmPlot } from './beeswarm.js';
import { categoryLabels, checkExplanation, checkRow, displayValue, formatValue, meanAbsolute, orderByMagnitude } from './common.js';
import { dependencePlot } from './dependence.js';
import { forcePlot } from './force.js';
import { limeBarPlot } from './lime-bar.js';
import { pdpPlot } from './pdp.js';
import { treePlot, treeText } from './tree.js';
import { waterfallPlot } from './waterfall.js';

export interface TabularReportInput {
  /** The explanation holding the explained row (SHAP-like: base value + attributions = prediction). */
  explanation: TabularExplanationData;
  /** Which of its rows, default 0. */
  row?: number;
  /** A LIME explanation of the same row, drawn as LIME's bar chart. */
  lime?: TabularExplanationData;
  /** Its row, default `row`. */
  limeRow?: number;
  /** The explained class's name (titles), default "output <target>". */
  className?: string;
  /** Attributions over many rows: global bar, beeswarm and dependence plots. */
  global?: TabularExplanationData;
  /** Dependence plots for this many of the most important features, default 3. */
  dependenceCount?: number;
  partialDependence?: readonly PartialDependence[];
  surrogate?: SurrogateTree;
  /** Bars per plot, default 10. */
  maxDisplay?: number;
  title?: string;
  /** Default now; pass one for reproducible output. */
  date?: Date;
  /** Default the version in Glassbox's package.json. */
  version?: string;
}

const CSS = `${BASE_CSS}
:root { color-scheme: light; --ink: #1e1e1e; --muted: #666; --line: #ddd; --pos: #ff0051; --neg: #008bfb; }
figure { margin: 0 0 12px; }
figure svg { display: block; max-width: 100%; height: auto; }
.flex figure { max-width: 600px; }
td.pos { color: var(--pos); }
td.neg { color: var(--neg); }
pre { font: 13px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; background: #f7f7f7; padding: 10px 12px; overflow-x: auto; }
.tag { display: inline-block; font-size: 12px; padding: 0 6px; border-radius: 3px; background: #f3f3f3; color: var(--muted); margin-left: 6px; }
footer { color: var(--muted); font-size: 12px; margin-top: 18px; }
`;

const e = (s: string | number) => escapeHtml(String(s));

/**
 * Gives one plot's ids (gradients) a prefix of their own, so several inline SVGs on a page never
 * share an id; the XML declaration-free SVG is otherwise inlined as is.
 */
function inlineSvg(svg: string, index: number): string {
  return svg.replace(/\b(id="|url\(#)gb-/g, `$1gb${index}-`);
}

/**
 * A self-contained HTML page for one explained row of a tabular model: the waterfall and force plots
 * (and LIME's bar chart when given), then the global views that were given (bar, beeswarm,
 * dependence plots of the top features, partial dependence with ICE, the surrogate tree). Plots are
 * inline SVG; the page has no scripts and a Content-Security-Policy that forbids any fetch.
 */
export function renderTabularReport(input: TabularReportInput): string {
  const ex = input.explanation;
  checkExplanation(ex);
  const row = input.row ?? 0;
  checkRow(ex, row);
  const maxDisplay = input.maxDisplay ?? 10;
  const className = input.className ?? `output ${ex.target}`;
  let plots = 0;
  const figure = (svg: string, caption: string) => `<figure>${inlineSvg(svg, ++plots)}<figcaption>${e(caption)}</figcaption></figure>`;

  const values = ex.attributions[row];
  const sum = values.reduce((s, v) => s + v, 0);
  const gap = sum - (ex.predictions[row] - ex.baseValues[row]);
  const facts: [string, string][] = [
    ['model', ex.model], ['method', ex.method], ['explained output', `${className} (${ex.output})`],
    ['f(x)', formatValue(ex.predictions[row], 4)], ['base value E[f(X)]', formatValue(ex.baseValues[row], 4)],
    ['sum of attributions', formatValue(sum, 4)], ['efficiency gap', formatValue(gap, 6)], ['run time', `${formatValue(ex.timeMs, 1)} ms`],
  ];
  const top = orderByMagnitude(values).slice(0, maxDisplay);
  const featureRows = top.map((j) => {
    const v = values[j];
    return `<tr><td>${e(ex.featureNames[j])}</td><td class="num">${e(displayValue(ex, row, j))}</td>`
      + `<td class="num ${v >= 0 ? 'pos' : 'neg'}">${e(formatValue(v, 4, true))}</td></tr>`;
  }).join('\n');

  const local: string[] = [
    figure(waterfallPlot(ex, { row, maxDisplay }), `Waterfall: from the base value E[f(X)] (bottom) each feature's attribution adds up to f(x) (top); the ${Math.max(0, values.length - maxDisplay + 1)} smallest are folded into one bar.`),
    figure(forcePlot(ex, { row }), 'Force plot: red features push the output up from the base value, blue ones push it down; they meet at f(x).'),
  ];
  if (input.lime) {
    local.push(figure(limeBarPlot(input.lime, { row: input.limeRow ?? row, className, maxDisplay }), "LIME: the local linear model's weights on the conditions it found (green for, red against)."));
  }

  const global: string[] = [];
  if (input.global) {
    const g = input.global;
    checkExplanation(g, 'global explanation');
    if (g.featureNames.join('\u0000') !== ex.featureNames.join('\u0000')) {
      throw new UsageError('the global explanation has other features than the explained row', 'explain the same model and features for both');
    }
    global.push(figure(barPlot(g, { maxDisplay, title: 'Global importance' }), `Mean |attribution| over ${g.attributions.length} rows.`));
    const anyCategorical = g.featureNames.some((_, j) => categoryLabels(g, j) !== undefined);
    global.push(figure(beeswarmPlot(g, { maxDisplay, title: 'Attributions of every row' }), 'One dot per row and feature at its attribution, coloured by the feature value (5th to 95th percentile, blue low, red high'
      + (anyCategorical ? '; a categorical feature by its category code, first category blue, last red' : '') + ').'));
    const count = input.dependenceCount ?? 3;
    const dependence = orderByMagnitude(meanAbsolute(g)).slice(0, Math.max(0, count)).map((j) => figure(dependencePlot(g, { feature: j }), `How ${g.featureNames[j]}'s attribution depends on its value, coloured by the feature it interacts with most (shap's approximate_interactions)`
      + (categoryLabels(g, j) ? '; the dots of each category are spread sideways so they do not hide each other.' : '.')));
    if (dependence.length) global.push(`<div class="flex">${dependence.join('\n')}</div>`);
  }
  const pds = (input.partialDependence ?? []).map((pd) => figure(pdpPlot(pd, { title: `Partial dependence on ${pd.feature}` }), 'The model output averaged over the data as this feature is set to each grid value (thick), one thin curve per row (ICE), and the rows\' values (rug).'));
  if (pds.length) global.push(`<div class="flex">${pds.join('\n')}</div>`);
  if (input.surrogate) {
    const s = input.surrogate;
    global.push(figure(treePlot(s, { title: 'Surrogate decision tree' }), 'A small tree fitted to the model\'s predictions: how the model behaves, roughly; its fidelity says how roughly.'));
    global.push(`<figure><pre>${e(treeText(s))}</pre><figcaption>The same tree as text.</figcaption></figure>`);
  }

  const title = input.title ?? `Glassbox tabular report: ${ex.model}`;
  return htmlPage({ title, css: CSS, date: input.date, version: input.version, body: `<section class="flex">
<div><h2>Explained row ${e(row)}</h2><table>
${facts.map(([k, v]) => `<tr><th>${e(k)}</th><td>${e(v)}</td></tr>`).join('\n')}
</table></div>
<div><h2>Largest attributions</h2><table>
<tr><th>feature</th><th>value</th><th>attribution</th></tr>
${featureRows}
</table></div>
</section>
<section id="local">
<h2>This prediction</h2>
${local.join('\n')}
</section>
${global.length ? `<section id="global">
<h2>The model over the data</h2>
${global.join('\n')}
</section>` : ''}
<footer>Colours follow shap: red raises the explained output, blue lowers it. Attributions are in the model's
${e(ex.output)} space.</footer>` });
}

/** Renders the tabular report and writes it atomically. */
export function writeTabularReport(path: string, input: TabularReportInput): void {
  writeFileAtomic(path, renderTabularReport(input));
}
