import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TabularExplanation } from '../../../src/attribution/tabular-explanation.js';
import { UsageError } from '../../../src/errors.js';
import { renderTabularReport } from '../../../src/viz/tabular/report.js';
import { explainedRow, logisticPartialDependence, logisticShap, logisticSurrogate, reference, testRows } from './fixtures.js';
import { parseXml, texts } from './xml.js';

const one = logisticShap([explainedRow()]);
const all = logisticShap(testRows().slice(0, 60));

/** The inline <svg>...</svg> blocks of a page. */
function svgs(html: string): string[] {
  return html.match(/<svg[\s\S]*?<\/svg>/g) ?? [];
}

describe('tabular HTML report', () => {
  it('holds the local plots, and the global ones when given, as inline well-formed SVG', () => {
    const local = renderTabularReport({ explanation: one, date: new Date(0), version: 'test' });
    assert.equal(svgs(local).length, 2);
    const html = renderTabularReport({
      explanation: one, global: all, className: 'benign', dependenceCount: 2,
      partialDependence: [logisticPartialDependence(21, 8)], surrogate: logisticSurrogate(2), date: new Date(0), version: 'test',
    });
    // waterfall, force, bar, beeswarm, 2 dependence, 1 PD, tree
    const blocks = svgs(html);
    assert.equal(blocks.length, 8);
    blocks.forEach((s) => parseXml(s));
    assert.ok(texts(parseXml(blocks[0])).some((t) => t.startsWith('f(x) = ')));
    assert.ok(html.includes('<pre>surrogate tree, depth 2'));
    assert.ok(html.includes('Generated 1970-01-01 00:00 UTC by Glassbox test'));
    // Gradient ids are unique across the page.
    const ids = [...html.matchAll(/ id="([^"]+)"/g)].map((m) => m[1]);
    assert.equal(new Set(ids).size, ids.length);
    for (const m of html.matchAll(/url\(#([^)]+)\)/g)) assert.ok(ids.includes(m[1]), m[1]);
  });

  it('is self-contained: no scripts, no external resources, a CSP that forbids fetching', () => {
    const html = renderTabularReport({ explanation: one, global: all, surrogate: logisticSurrogate(2) });
    assert.ok(html.includes("Content-Security-Policy\" content=\"default-src 'none'"));
    assert.ok(!/<script|<link|<img[^>]+src="http|@import|href="http/i.test(html));
    assert.ok(!/(src|href)="(?!data:)[^"#]/.test(html));
  });

  it('escapes names from the data', () => {
    const data = one.toJSON();
    const names = [...data.featureNames];
    names[0] = '<b>radius & "size"</b>';
    const html = renderTabularReport({ explanation: new TabularExplanation({ ...data, featureNames: names, model: 'm<script>' }), maxDisplay: 30 });
    assert.ok(!html.includes('<b>radius') && !html.includes('m<script>'));
    assert.ok(html.includes('&lt;b&gt;radius &amp; &quot;size&quot;&lt;/b&gt;'));
  });

  it('refuses a global explanation of other features and a row out of range', () => {
    const other = logisticShap(testRows().slice(0, 5)).toJSON();
    other.featureNames = other.featureNames.map((n) => `${n}!`);
    assert.throws(() => renderTabularReport({ explanation: one, global: new TabularExplanation(other) }), UsageError);
    assert.throws(() => renderTabularReport({ explanation: one, row: 1 }), UsageError);
    assert.equal(reference.feature_names.length, 30);
  });
});
