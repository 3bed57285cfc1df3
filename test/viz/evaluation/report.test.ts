import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeEvaluationPictures } from '../../../src/viz/evaluation/pictures.js';
import { renderEvaluationReport } from '../../../src/viz/evaluation/report.js';
import { decodePng } from '../helpers.js';
import { findAll, parseXml } from '../tabular/xml.js';
import { handSummary } from './fixtures.js';

/** The top-level inline <svg>...</svg> blocks of a page (nested SVGs stay inside their parent). */
function svgs(html: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (const m of html.matchAll(/<svg\b|<\/svg>/g)) {
    if (m[0] === '<svg') { if (depth++ === 0) start = m.index!; } else if (--depth === 0) out.push(html.slice(start, m.index! + 6));
  }
  return out;
}

describe('evaluation report', () => {
  it('holds the table, the curves, the randomisation picture and every metric formula and reference', () => {
    const s = handSummary();
    const html = renderEvaluationReport(s, { date: new Date(0), version: 'test' });
    assert.ok(html.includes('Generated 1970-01-01 00:00 UTC by Glassbox test'));
    assert.ok(html.includes('3 methods × 4 metrics on 4 image rows, seed 0.'));
    assert.ok(html.includes('<table class="evaluation">'));
    const blocks = svgs(html);
    assert.equal(blocks.length, 2);
    const [curves, randomisation] = blocks.map((b) => parseXml(b));
    assert.equal(findAll(curves, 'g').filter((g) => g.attrs.class === 'curve').length, 6);
    assert.equal(findAll(randomisation, 'image').length, 15);
    for (const m of s.metrics) {
      assert.ok(html.includes(m.formula.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')), m.name);
      assert.ok(html.includes(m.reference), m.name);
    }
    assert.ok(html.includes('order=&quot;most-relevant-first&quot;'));
    const ids = [...html.matchAll(/ id="([^"]+)"/g)].map((m) => m[1]);
    assert.equal(new Set(ids).size, ids.length);
    for (const m of html.matchAll(/url\(#([^)]+)\)/g)) assert.ok(ids.includes(m[1]), m[1]);
  });

  it('is self-contained: no scripts, no external URL, images only as data: URIs', () => {
    const html = renderEvaluationReport(handSummary());
    assert.ok(html.includes("Content-Security-Policy\" content=\"default-src 'none'; img-src data:; style-src 'unsafe-inline'\""));
    assert.ok(!/<script|<link|@import|url\((?!#)/i.test(html));
    assert.ok(!/(src|href)="(?!data:)[^"#]/.test(html));
    // The only URL is the SVG namespace, which is a name, not a fetch.
    assert.deepEqual([...new Set(html.match(/https?:\/\/[^"\s<)]+/g) ?? [])], ['http://www.w3.org/2000/svg']);
  });

  it('says what is missing instead of drawing broken pictures', () => {
    const s = handSummary();
    s.results = s.results.filter((r) => r.metric === 'sparseness');
    s.metrics = s.metrics.filter((m) => m.name === 'sparseness');
    s.cells = s.cells.filter((c) => c.metric === 'sparseness');
    s.ranking = s.ranking.map((r) => ({ ...r, ranks: { sparseness: r.ranks.sparseness } }));
    const html = renderEvaluationReport(s);
    assert.equal(svgs(html).length, 0);
    assert.ok(html.includes('This evaluation has no curves: deletion and insertion give them (glassbox evaluate --metrics deletion,insertion).'));
    assert.ok(html.includes('This evaluation has no randomisation test (glassbox evaluate --metrics randomisation).'));
    const text = renderEvaluationReport({ ...s, modality: 'text' });
    assert.ok(text.includes('it needs a layered image model, and these are text inputs'));
  });

  it('escapes names from the data', () => {
    const s = handSummary();
    s.model = 'm<script>alert(1)</script>';
    const html = renderEvaluationReport(s);
    assert.ok(!html.includes('<script>'));
    assert.ok(html.includes('m&lt;script&gt;alert(1)&lt;/script&gt;'));
    svgs(html).forEach((b) => parseXml(b));
  });

  it('writes the pictures and the Markdown table atomically, and skips what the evaluation lacks', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gb-eval-'));
    try {
      const out = writeEvaluationPictures(handSummary(), join(dir, 'pictures'), { pngScale: 1 });
      assert.deepEqual(out.written.map((p) => p.slice(dir.length + 1)).sort(),
        ['pictures/curves.png', 'pictures/curves.svg', 'pictures/randomisation.png', 'pictures/randomisation.svg', 'pictures/table.md']);
      assert.deepEqual(out.skipped, []);
      const png = decodePng(readFileSync(join(dir, 'pictures', 'curves.png')));
      const svg = parseXml(readFileSync(join(dir, 'pictures', 'curves.svg'), 'utf8'));
      assert.equal(png.width, Number(svg.attrs.width));
      assert.ok(readFileSync(join(dir, 'pictures', 'table.md'), 'utf8').startsWith('| method |'));
      assert.deepEqual(readdirSync(join(dir, 'pictures')).filter((f) => f.endsWith('.tmp')), []);

      const s = handSummary();
      s.results = s.results.filter((r) => r.metric === 'sparseness');
      const partial = writeEvaluationPictures(s, join(dir, 'partial'));
      assert.deepEqual(partial.skipped.map((x) => x.file), ['curves.png', 'randomisation.png']);
      assert.ok(!existsSync(join(dir, 'partial', 'curves.png')));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
