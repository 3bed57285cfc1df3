import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import { useBackend } from '../../src/backend.js';
import { loadTextClassifier } from '../../src/models/text/load.js';
import { textOcclusion } from '../../src/attribution/text/occlusion.js';
import { textInputXGradient } from '../../src/attribution/text/input-x-gradient.js';
import type { TextExplainOutput } from '../../src/cli/explain-text.js';

const T = new URL('../data/llama2c/', import.meta.url).pathname;
const SPAM_TEXT = 'WINNER!! You have won a free prize, call now to claim your cash';

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { out: (t) => out.push(t), warn: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** Any src/href that leaves the page (http, //, file) breaks the self-contained report. */
function externalResources(html: string): string[] {
  return [...html.matchAll(/(?:src|href)\s*=\s*"([^"]*)"/g)].map((m) => m[1]).filter((u) => !u.startsWith('data:') && u !== 'attention.html');
}

describe('glassbox explain --text', () => {
  before(async () => useBackend('wasm'));

  it('spam classifier: report.html, attention.html, highlights.png, results.json with every default method', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'glassbox-explain-text-'));
    const { code, out, err } = await run(['explain', '--model', 'spam', '--text', SPAM_TEXT, '--out', dir]);
    assert.equal(code, 0, err);
    assert.equal(out.trim(), join(dir, 'report.html'));
    for (const f of ['report.html', 'attention.html', 'highlights.png', 'results.json']) assert.ok(existsSync(join(dir, f)), f);
    const png = readFileSync(join(dir, 'highlights.png'));
    assert.deepEqual([...png.subarray(1, 4)], [...Buffer.from('PNG')]);
    const json = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as TextExplainOutput;
    assert.deepEqual(json.methods.map((m) => m.method), ['integrated-gradients', 'input-x-gradient', 'occlusion', 'lime', 'kernel-shap']);
    assert.equal(json.kind, 'classifier');
    assert.equal(json.prediction.targetName, 'spam');
    assert.ok(json.prediction.probability > 0.5 && json.prediction.probability <= 1);
    assert.equal(json.logitLens, undefined);
    // A [CLS] classifier gets direct logit attribution too: spam minus ham, the parts summing to that difference.
    const dla = json.directLogitAttribution!;
    assert.equal(dla.target, 1);
    assert.equal(dla.contrast, 0);
    assert.ok(Math.abs(dla.error) < 1e-3, `components + constant = logit difference, error ${dla.error}`);

    // The same numbers as the library functions on the same tokens.
    const model = await loadTextClassifier('spam');
    try {
      const ids = model.tokenizer.encode(SPAM_TEXT).ids;
      assert.deepEqual(json.ids, ids);
      const fixed = ids.flatMap((id, p) => (id === model.tokenizer.clsId || id === model.tokenizer.sepId ? [p] : []));
      const occlusion = await textOcclusion(model.transformer, ids, { absence: 'remove', fixed });
      const fromJson = json.methods.find((m) => m.method === 'occlusion')!;
      fromJson.scores.forEach((s, i) => assert.ok(Math.abs(s - occlusion.scores[i]) < 1e-9, `occlusion token ${i}: ${s} vs ${occlusion.scores[i]}`));
      const ixg = textInputXGradient(model.transformer, ids, {});
      const ixgJson = json.methods.find((m) => m.method === 'input-x-gradient')!;
      ixgJson.scores.forEach((s, i) => assert.ok(Math.abs(s - ixg.scores[i]) < 1e-6, `input-x-gradient token ${i}`));
      const [logits] = model.transformer.run(ids).logits;
      assert.ok(Math.abs(dla.logit - (logits[1] - logits[0])) < 1e-4, `the decomposed value is the model's spam - ham logit difference (${dla.logit})`);
    } finally {
      model.dispose();
    }

    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    for (const m of json.methods) assert.ok(html.includes(`<h3>${m.method}`), `highlight block for ${m.method}`);
    assert.ok(html.includes('href="attention.html"'));
    assert.ok(html.includes('class="gb-legend"'));
    assert.deepEqual(externalResources(html), []);
    assert.ok(!/<script/i.test(html), 'the report runs no script (the head view is its own page)');
    const attention = readFileSync(join(dir, 'attention.html'), 'utf8');
    assert.match(attention, /script-src 'sha256-/);
    assert.deepEqual(externalResources(attention), []);
  });

  it('llama2.c: the logit lens and direct logit attribution are in the report, the components sum to the logit', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'glassbox-explain-text-lm-'));
    const { code, err } = await run(['explain', '--model', `${T}aidreams260K.bin`, '--tokenizer', `${T}tok512.bin`, '--text', 'Once upon a time',
      '--methods', 'input-x-gradient,occlusion', '--out', dir]);
    assert.equal(code, 0, err);
    const json = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as TextExplainOutput;
    assert.equal(json.kind, 'language-model');
    assert.deepEqual(json.methods.map((m) => m.method), ['input-x-gradient', 'occlusion']);
    assert.ok(json.logitLens && json.logitLens.layerNames.length === 5, 'embed + 4 layers');
    assert.equal(json.logitLens.chosen.at(-1)!.id, json.prediction.target, 'the lens\'s last row is the model\'s prediction');
    const dla = json.directLogitAttribution!;
    assert.equal(dla.target, json.prediction.target);
    assert.ok(Math.abs(dla.error) < 1e-3, `components + constant = logit up to float32, error ${dla.error}`);
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    assert.ok(html.includes('<h2>Logit lens</h2>') && html.includes('<svg'), 'lens SVG inline');
    assert.ok(html.includes('<h2>Direct logit attribution</h2>'));
    assert.deepEqual(externalResources(html), []);
  });

  it('bad input: an unknown method and --text with --data are usage errors', async () => {
    const bad = await run(['explain', '--model', 'spam', '--text', 'hi', '--methods', 'grad-cam', '--out', mkdtempSync(join(tmpdir(), 'gb-'))]);
    assert.notEqual(bad.code, 0);
    assert.match(bad.err, /not a text method/);
    const both = await run(['explain', '--model', 'spam', '--text', 'hi', '--data', 'x.csv']);
    assert.notEqual(both.code, 0);
    assert.match(both.err, /--text was given with --demo or --data/);
    const long = await run(['explain', '--model', 'spam', '--text', 'free prize '.repeat(100), '--out', mkdtempSync(join(tmpdir(), 'gb-'))]);
    assert.equal(long.code, 2);
    assert.match(long.err, /more than the model's context of 128[\s\S]*--truncate/);
  });
});
