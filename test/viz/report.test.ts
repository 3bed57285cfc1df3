import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AttributionResult } from '../../src/attribution/result.js';
import { escapeHtml, renderReport, softmax, writeReport, type ReportInput } from '../../src/viz/report/html.js';
import { decodePng } from './helpers.js';
import { digitImage, exampleResults } from './fixtures.js';

const classNames = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', '<script>alert(1)</script>', 'eight', 'nine'];

function input(overrides: Partial<ReportInput> = {}): ReportInput {
  return {
    model: { name: 'mnist "cnn" & co', engine: 'tfjs-layers', inputShape: [28, 28, 1], numOutputs: 10, outputKind: 'logits', classNames },
    image: digitImage(),
    prediction: { outputs: [0, 0, 0, 0, 0, 0, 0, Math.log(91), 0, 0] },
    items: exampleResults().map((result) => ({ result })),
    date: new Date('2025-03-04T05:06:00Z'),
    version: '9.9.9',
    ...overrides,
  };
}

const dataUris = (html: string) => [...html.matchAll(/src="data:image\/png;base64,([A-Za-z0-9+/=]+)"/g)].map((m) => m[1]);

describe('HTML report', () => {
  it('inlines every image as a PNG data URI that decodes', () => {
    const html = renderReport(input());
    const uris = dataUris(html);
    // input + (heat map + colour bar) per method
    assert.equal(uris.length, 1 + 2 * 3);
    const first = decodePng(new Uint8Array(Buffer.from(uris[0], 'base64')));
    assert.deepEqual([first.width, first.height], [224, 224]);
    const imgTags = html.match(/<img\b/g) ?? [];
    assert.equal(imgTags.length, uris.length, 'no <img> without a data URI');
  });

  it('is self-contained: no http(s) URLs, no scripts, no external styles or fonts', () => {
    const html = renderReport(input());
    assert.ok(!/https?:\/\//i.test(html), 'no http:// or https://');
    assert.ok(!/<script/i.test(html), 'no script element');
    assert.ok(!/<link\b/i.test(html) && !/@import|@font-face|url\(/i.test(html), 'no external CSS or fonts');
    assert.match(html, /Content-Security-Policy" content="default-src 'none'; img-src data:/);
  });

  it('escapes user strings: a <script> class name, the model name, parameter values', () => {
    const weird = new AttributionResult({
      method: 'my<b>method', params: { '<k>': '"v" & <x>' }, target: [7], shape: [1, 28, 28], timeMs: 1,
      attributions: new Float32Array(28 * 28).fill(0.5), model: 'm',
    });
    const html = renderReport(input({ items: [{ result: weird }] }));
    assert.ok(!html.includes('<script>alert(1)</script>'));
    assert.ok(html.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
    assert.ok(html.includes('mnist &quot;cnn&quot; &amp; co'));
    assert.ok(!html.includes('my<b>method') && html.includes('my&lt;b&gt;method'));
    assert.ok(html.includes('&lt;k&gt;') && html.includes('&quot;v&quot; &amp; &lt;x&gt;'));
    assert.equal(escapeHtml(`<a href='x'>&</a>`), '&lt;a href=&#39;x&#39;&gt;&amp;&lt;/a&gt;');
  });

  it('shows the prediction as softmax probabilities of the logits, most probable first', () => {
    // logits 0 x 9 and log(91): softmax gives 91 / 100 for class 7 and 1 / 100 for the others.
    const p = softmax([0, 0, 0, 0, 0, 0, 0, Math.log(91), 0, 0]);
    assert.ok(Math.abs(p[7] - 0.91) < 1e-12 && Math.abs(p[0] - 0.01) < 1e-12);
    assert.ok(Math.abs(softmax([1000, 1000])[0] - 0.5) < 1e-12, 'stable for large logits');
    const html = renderReport(input());
    const items = [...html.matchAll(/<li[^>]*><span class="label">([^<]*)<\/span>.*?<span class="value">([^<]*)<\/span><\/li>/g)];
    assert.equal(items.length, 10);
    assert.equal(items[0][1], '&lt;script&gt;alert(1)&lt;/script&gt;');
    assert.equal(items[0][2], '91.0%');
    assert.equal(items[1][2], '1%');
    assert.match(html, /softmax of the logits/);
    // Probabilities given as outputs are used as they are; topK limits the list.
    const probs = renderReport(input({ model: { name: 'm', outputKind: 'probabilities' }, prediction: { outputs: [0.2, 0.8], classNames: ['a', 'b'] }, topK: 1 }));
    assert.match(probs, /<span class="label">b<\/span>.*80\.0%/);
    assert.ok(!probs.includes('<span class="label">a</span>'));
  });

  it('has a header with date and version, and per method: parameters, run time, delta where defined', () => {
    const html = renderReport(input());
    assert.match(html, /2025-03-04 05:06 UTC/);
    assert.match(html, /Glassbox 9\.9\.9/);
    assert.match(html, /<h2>integrated-gradients<\/h2>/);
    assert.match(html, /<code>steps<\/code><\/th><td><code>50<\/code>/);
    assert.match(html, /<code>slidingWindow<\/code><\/th><td><code>\[4, 4, 1\]<\/code>/);
    const igDelta = exampleResults()[1].convergenceDelta![0];
    assert.ok(html.includes(`<th>convergence delta</th><td>${Number(igDelta.toPrecision(3))}</td>`));
    assert.equal((html.match(/<th>convergence delta<\/th><td>/g) ?? []).length, 1, 'only IG defines a delta');
    assert.match(html, /<th>run time<\/th><td>\d+\.\d ms<\/td>/);
    // Default version comes from package.json.
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    assert.ok(renderReport(input({ version: undefined })).includes(`Glassbox ${pkg.version}`));
  });

  it('writeReport writes the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'glassbox-report-'));
    try {
      const path = join(dir, 'report.html');
      writeReport(path, input());
      assert.equal(readFileSync(path, 'utf8'), renderReport(input()));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
