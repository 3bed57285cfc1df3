import { escapeHtml } from '../report/page.js';
import { formatDuration, formatMeanInterval, formatScore } from './common.js';
import { checkEvaluationSummary, findCell, finite, type EvaluationSummary } from './summary.js';

/** Per metric, the methods with the best finite mean in the metric's better direction (all of them on a tie). */
export function bestMethods(summary: EvaluationSummary, metric: string): string[] {
  const info = summary.metrics.find((m) => m.name === metric);
  if (!info) return [];
  const scored = summary.methods
    .map((method) => ({ method, mean: finite(findCell(summary, method, metric)?.mean) }))
    .filter((c): c is { method: string; mean: number } => c.mean !== undefined);
  if (scored.length === 0) return [];
  const best = info.higherIsBetter ? Math.max(...scored.map((c) => c.mean)) : Math.min(...scored.map((c) => c.mean));
  return scored.filter((c) => c.mean === best).map((c) => c.method);
}

/** Methods best first: by mean rank, unranked methods last, then in the summary's order. */
export function rankedMethods(summary: EvaluationSummary): { method: string; meanRank: number }[] {
  const rank = (m: string) => finite(summary.ranking.find((r) => r.method === m)?.meanRank);
  return summary.methods
    .map((method, i) => ({ method, meanRank: rank(method) ?? NaN, i }))
    .sort((a, b) => (Number.isNaN(a.meanRank) ? 1 : 0) - (Number.isNaN(b.meanRank) ? 1 : 0) || (a.meanRank - b.meanRank) || a.i - b.i)
    .map(({ method, meanRank }) => ({ method, meanRank }));
}

/** Mean ranks with two decimals, so the column lines up. */
const formatRank = (r: number) => (Number.isFinite(r) ? r.toFixed(2) : 'n/a');

const arrow = (higherIsBetter: boolean) => (higherIsBetter ? '↑' : '↓');

function level(summary: EvaluationSummary): number {
  return Math.round((summary.confidence ?? 0.95) * 100);
}

/**
 * The evaluation as an HTML table: a row per method (best mean rank first), a column per metric with the
 * mean and its confidence interval, an arrow for the better direction, the best per column in bold, and
 * the mean rank. Cells carry their row count and run time as a tooltip.
 */
export function evaluationTableHtml(summary: EvaluationSummary): string {
  checkEvaluationSummary(summary);
  const e = (s: string | number) => escapeHtml(String(s));
  const best = new Map(summary.metrics.map((m) => [m.name, new Set(bestMethods(summary, m.name))]));
  const head = summary.metrics.map((m) => `<th class="num" title="${e(`${m.summary} (${m.higherIsBetter ? 'higher' : 'lower'} is better)`)}">${e(m.name)} ${arrow(m.higherIsBetter)}</th>`).join('');
  const body = rankedMethods(summary).map(({ method, meanRank }) => {
    const cells = summary.metrics.map((m) => {
      const c = findCell(summary, method, m.name);
      if (!c) return '<td class="num muted">—</td>';
      const text = formatMeanInterval(c.mean, c.ciLow, c.ciHigh);
      const skipped = c.skipped ? `, ${c.skipped} not finite` : '';
      const tip = `${c.n} rows${skipped}, ${formatDuration(c.timeMs)}`;
      const isBest = best.get(m.name)?.has(method) ?? false;
      return `<td class="num${isBest ? ' best' : ''}" title="${e(tip)}">${isBest ? `<strong>${e(text)}</strong>` : e(text)}</td>`;
    }).join('');
    return `<tr><th scope="row">${e(method)}</th>${cells}<td class="num">${e(formatRank(meanRank))}</td></tr>`;
  }).join('\n');
  return `<table class="evaluation">
<thead><tr><th>method</th>${head}<th class="num" title="mean of the per-metric ranks, 1 = best">mean rank ↓</th></tr></thead>
<tbody>
${body}
</tbody>
</table>
<p class="muted">Mean over ${e(summary.rows)} explained rows ± half the ${level(summary)}% confidence interval (Student's t). ↑ higher is better, ↓ lower is better; the best method per metric is in bold.</p>`;
}

/** A Markdown cell: pipes escaped so a name cannot split the table. */
function md(s: string): string {
  return s.replace(/\|/g, '\\|');
}

/**
 * The evaluation as a Markdown table for a README: the same rows, columns, arrows and bold best values as
 * the HTML table, and a line under it saying what the numbers are.
 */
export function evaluationTableMarkdown(summary: EvaluationSummary): string {
  checkEvaluationSummary(summary);
  const best = new Map(summary.metrics.map((m) => [m.name, new Set(bestMethods(summary, m.name))]));
  const header = `| method | ${summary.metrics.map((m) => `${md(m.name)} ${arrow(m.higherIsBetter)}`).join(' | ')} | mean rank |`;
  const rule = `|---|${summary.metrics.map(() => '---:').join('|')}|---:|`;
  const rows = rankedMethods(summary).map(({ method, meanRank }) => {
    const cells = summary.metrics.map((m) => {
      const c = findCell(summary, method, m.name);
      if (!c) return '—';
      const text = md(formatMeanInterval(c.mean, c.ciLow, c.ciHigh));
      return best.get(m.name)?.has(method) ? `**${text}**` : text;
    });
    return `| ${md(method)} | ${cells.join(' | ')} | ${formatRank(meanRank)} |`;
  });
  const note = `Mean over ${summary.rows} rows of ${md(summary.model)} ± half the ${level(summary)}% confidence interval; ↑/↓: higher/lower is better; best per metric in bold; seed ${summary.seed}.`;
  return `${header}\n${rule}\n${rows.join('\n')}\n\n${note}\n`;
}
