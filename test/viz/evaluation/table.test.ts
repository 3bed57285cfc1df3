import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { UsageError } from '../../../src/errors.js';
import { formatMeanInterval } from '../../../src/viz/evaluation/common.js';
import type { EvaluationSummary } from '../../../src/viz/evaluation/summary.js';
import { bestMethods, evaluationTableHtml, evaluationTableMarkdown } from '../../../src/viz/evaluation/table.js';
import { handSummary } from './fixtures.js';

/** The body rows of a Markdown table, as cells. */
function mdRows(md: string): string[][] {
  return md.split('\n').filter((l) => l.startsWith('| ')).slice(1)
    .map((l) => l.slice(2, -2).split(/(?<!\\)\|/).map((c) => c.trim()));
}

describe('evaluation table', () => {
  it('writes mean ± half the interval with two significant digits of the half-width', () => {
    assert.equal(formatMeanInterval(0.41234, 0.38134, 0.44334), '0.412 ± 0.031');
    assert.equal(formatMeanInterval(-12.345, -15.545, -9.145), '−12.3 ± 3.2');
    assert.equal(formatMeanInterval(0.5, 0.5, 0.5), '0.5');
    assert.equal(formatMeanInterval(0.5, 0.4, 0.9), '0.5 [0.4, 0.9]');
    assert.equal(formatMeanInterval(NaN, NaN, NaN), 'n/a');
    assert.equal(formatMeanInterval(null, null, null), 'n/a');
  });

  it('picks the best method per metric in its better direction, ties included', () => {
    const s = handSummary();
    assert.deepEqual(bestMethods(s, 'deletion'), ['integrated-gradients']);
    assert.deepEqual(bestMethods(s, 'insertion'), ['integrated-gradients']);
    const tie = handSummary();
    for (const c of tie.cells.filter((x) => x.metric === 'sparseness')) c.mean = 0.5;
    assert.deepEqual(bestMethods(tie, 'sparseness'), tie.methods);
    for (const c of tie.cells.filter((x) => x.metric === 'sparseness')) c.mean = NaN;
    assert.deepEqual(bestMethods(tie, 'sparseness'), []);
  });

  it('Markdown: methods by mean rank, arrows for the better direction, best values bold', () => {
    const s = handSummary();
    const md = evaluationTableMarkdown(s);
    const header = md.split('\n')[0];
    assert.equal(header, '| method | deletion ↓ | insertion ↑ | sparseness ↑ | model-parameter-randomisation ↓ | mean rank |');
    const rows = mdRows(md);
    assert.deepEqual(rows.map((r) => r[0]), s.ranking.map((r) => r.method));
    s.metrics.forEach((m, j) => {
      const bold = rows.filter((r) => r[j + 1].startsWith('**')).map((r) => r[0]);
      assert.deepEqual(bold, bestMethods(s, m.name), m.name);
    });
    const cell = s.cells.find((c) => c.method === 'saliency' && c.metric === 'deletion')!;
    assert.equal(rows.find((r) => r[0] === 'saliency')![1], formatMeanInterval(cell.mean, cell.ciLow, cell.ciHigh));
    assert.ok(md.includes('Mean over 4 rows of digits ± half the 95% confidence interval'));
  });

  it('survives a JSON round trip (NaN becomes null) and escapes names', () => {
    const s = handSummary();
    s.cells.find((c) => c.method === 'random' && c.metric === 'sparseness')!.mean = NaN;
    s.methods[2] = 'a|b<i>';
    for (const x of [...s.cells, ...s.results, ...s.ranking]) if (x.method === 'random') x.method = 'a|b<i>';
    const back = JSON.parse(JSON.stringify(s)) as EvaluationSummary;
    const md = evaluationTableMarkdown(back);
    const row = mdRows(md).find((r) => r[0] === 'a\\|b<i>')!;
    assert.equal(row[3], 'n/a');
    const html = evaluationTableHtml(back);
    assert.ok(html.includes('<th scope="row">a|b&lt;i&gt;</th>') && !html.includes('<i>'));
  });

  it('HTML: bold best cells, a tooltip with rows and time, and the mean rank column', () => {
    const s = handSummary();
    const html = evaluationTableHtml(s);
    assert.equal((html.match(/<strong>/g) ?? []).length, s.metrics.length);
    assert.ok(html.includes('<th class="num" title="Output as the most relevant features are removed. (lower is better)">deletion ↓</th>'));
    assert.ok(html.includes('title="4 rows, 1.23 s"'));
    const ig = s.ranking.find((r) => r.method === 'integrated-gradients')!;
    assert.ok(html.includes(`<td class="num">${ig.meanRank.toFixed(2)}</td></tr>`));
  });

  it('refuses a summary whose cells name unknown methods or metrics', () => {
    const s: EvaluationSummary = handSummary();
    s.cells[0] = { ...s.cells[0], method: 'lime' };
    assert.throws(() => evaluationTableMarkdown(s), (e: unknown) => e instanceof UsageError && /a cell names method "lime"/.test(e.message));
    const t = handSummary();
    t.methods = [];
    assert.throws(() => evaluationTableHtml(t), (e: unknown) => e instanceof UsageError && /no methods/.test(e.message));
    assert.throws(() => evaluationTableHtml({ ...handSummary(), cells: undefined } as unknown as EvaluationSummary), UsageError);
  });
});
