import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import { useBackend } from '../../src/backend.js';
import { findMethod } from '../../src/attribution/registry.js';
import { evaluateExplanations, rankMethods, type EvaluationSummary } from '../../src/metrics/evaluate.js';
import { createImageSubject } from '../../src/metrics/subjects/image.js';
import { loadInputSet } from '../../src/embedding/activations/input-set.js';
import { loadModel } from '../../src/models/load.js';
import type { MetricInfo } from '../../src/metrics/metric.js';

const MNIST = 'data/mnist/t10k-images-idx3-ubyte.gz';

async function run(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (t) => out.push(t), warn: (l) => err.push(l) });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

describe('glassbox evaluate', () => {
  before(async () => {
    await useBackend('wasm');
  });

  it('scores image methods with a mean and interval per metric, ranks them, and agrees with the library', async () => {
    const r = await run('evaluate', '--model', 'digits', '--data', MNIST, '--methods', 'saliency,integrated-gradients,edge-detector',
      '--metrics', 'deletion,sparseness,randomisation', '--limit', '6', '--seed', '3');
    assert.equal(r.code, 0, r.stderr);
    const summary = JSON.parse(r.stdout) as EvaluationSummary;
    assert.equal(summary.rows, 6);
    assert.equal(summary.seed, 3);
    assert.deepEqual(summary.methods, ['saliency', 'integrated-gradients', 'edge-detector']);
    assert.deepEqual(summary.metrics.map((m) => m.name), ['deletion', 'sparseness', 'randomisation']);
    assert.equal(summary.cells.length, 9);
    for (const c of summary.cells) {
      assert.ok(c.ciLow <= c.mean && c.mean <= c.ciHigh, `${c.method}/${c.metric}: ${c.ciLow} <= ${c.mean} <= ${c.ciHigh}`);
      assert.equal(c.n + c.skipped, 6);
    }
    // The control ignores the model, so randomising the model leaves it exactly as it was.
    const randomisation = (m: string) => summary.cells.find((c) => c.method === m && c.metric === 'randomisation')!.mean;
    assert.equal(randomisation('edge-detector'), 1);
    assert.ok(randomisation('saliency') < 0.9);
    // The ranking is the mean of per-metric ranks, best first.
    const ranks = summary.ranking.map((x) => x.meanRank);
    assert.deepEqual(ranks, [...ranks].sort((a, b) => a - b));
    for (const x of summary.ranking) {
      const own = Object.values(x.ranks);
      assert.ok(Math.abs(x.meanRank - own.reduce((a, b) => a + b, 0) / own.length) < 1e-12);
    }

    // The library on the same rows gives the same numbers.
    const model = await loadModel('digits');
    try {
      const set = await loadInputSet(MNIST, model.info, { limit: 6 });
      const subjects = [];
      for (const name of summary.methods) subjects.push(await createImageSubject(model, set.inputs, findMethod(name)!, {}));
      const direct = await evaluateExplanations(subjects, { metrics: ['deletion', 'sparseness', 'randomisation'], seed: 3 });
      for (const c of direct.cells) {
        const cli = summary.cells.find((x) => x.method === c.method && x.metric === c.metric)!;
        assert.ok(Math.abs(cli.mean - c.mean) <= 1e-6 * Math.max(1, Math.abs(c.mean)), `${c.method}/${c.metric}: ${cli.mean} vs ${c.mean}`);
      }
    } finally {
      model.dispose();
    }
  });

  it('writes the html report, the summary and the pictures, with no temporary files left', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'glassbox-eval-'));
    const r = await run('evaluate', '--model', 'digits', '--data', MNIST, '--methods', 'saliency,grad-cam', '--metrics', 'deletion,insertion,randomisation',
      '--limit', '3', '--format', 'html', '--out', dir);
    assert.equal(r.code, 0, r.stderr);
    const files = readdirSync(dir).sort();
    for (const f of ['report.html', 'summary.json', 'curves.png', 'randomisation.png']) assert.ok(files.includes(f), `${f} in ${files.join(', ')}`);
    assert.ok(!files.some((f) => f.includes('.tmp')), files.join(', '));
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    assert.match(html, /deletion/);
    assert.match(html, /Adebayo/);
    assert.match(r.stdout, /saliency/);
    const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as EvaluationSummary;
    assert.equal(summary.results.length, 6);
  });

  it('evaluates tabular methods on the credit model and text methods on the spam classifier', async () => {
    const tab = await run('evaluate', '--model', 'models/credit/model.onnx', '--data', 'data/tabular/german_credit.csv', '--methods', 'kernel-shap,permutation-shap',
      '--metrics', 'deletion,sparseness,completeness', '--limit', '3', '--samples', '200');
    assert.equal(tab.code, 0, tab.stderr);
    const t = JSON.parse(tab.stdout) as EvaluationSummary;
    assert.equal(t.modality, 'tabular');
    assert.equal(t.rows, 3);
    assert.ok(t.cells.every((c) => Number.isFinite(c.mean) && c.n === 3));

    const dir = mkdtempSync(join(tmpdir(), 'glassbox-eval-text-'));
    const texts = join(dir, 'texts.jsonl');
    writeFileSync(texts, [
      { text: 'WINNER! Claim your free prize now, call 09061701461', label: 'spam' },
      { text: 'Are we still on for lunch tomorrow?', label: 'ham' },
      { text: 'URGENT: your mobile has won a 2000 cash award, text CLAIM to 81010', label: 'spam' },
    ].map((x) => JSON.stringify(x)).join('\n'));
    const text = await run('evaluate', '--model', 'spam', '--data', texts, '--methods', 'occlusion,integrated-gradients',
      '--metrics', 'deletion,insertion,completeness', '--explain-target', 'label');
    assert.equal(text.code, 0, text.stderr);
    const s = JSON.parse(text.stdout) as EvaluationSummary;
    assert.equal(s.modality, 'text');
    assert.equal(s.rows, 3);
    assert.ok(s.cells.every((c) => c.n === 3));
  });

  it('says what is wrong with bad requests', async () => {
    const cases: [string[], RegExp][] = [
      [['--methods', 'saliency', '--metrics', 'deletion,beauty'], /unknown metric "beauty"/],
      [['--methods', 'saliency,telepathy'], /unknown method "telepathy"/],
      [['--methods', 'kernel-shap', '--metrics', 'deletion,complexity,nope'], /unknown metric "nope"/],
      [['--methods', 'saliency', '--metrics', 'deletion,deletion'], /names one twice/],
      [['--methods', 'saliency', '--perturb-baseline', 'fog'], /--perturb-baseline "fog"/],
      [['--methods', 'saliency', '--confidence', '2'], /not a probability/],
      [['--methods', 'saliency', '--metrics', 'deletion', '--metric-options', '{"deletion":{"stpes":10}}'], /deletion has no option "stpes"/],
      [['--methods', 'saliency', '--metric-options', '{deletion'], /--metric-options is not JSON/],
      [['--methods', 'saliency', '--metric-options', '{"elegance":{}}'], /unknown metric "elegance"/],
    ];
    for (const [extra, message] of cases) {
      const r = await run('evaluate', '--model', 'digits', '--data', MNIST, '--limit', '2', ...extra);
      assert.equal(r.code, 2, `${extra.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assert.match(r.stderr, /fix:/);
    }
    const dir = mkdtempSync(join(tmpdir(), 'glassbox-eval-bad-'));
    const texts = join(dir, 'texts.jsonl');
    writeFileSync(texts, `${JSON.stringify({ text: 'free prize' })}\n`);
    const noise = await run('evaluate', '--model', 'spam', '--data', texts, '--methods', 'occlusion', '--metrics', 'max-sensitivity');
    assert.equal(noise.code, 2);
    assert.match(noise.stderr, /max-sensitivity does not apply to text/);
    const noLabels = await run('evaluate', '--model', 'spam', '--data', texts, '--methods', 'occlusion', '--explain-target', 'label');
    assert.equal(noLabels.code, 2);
    assert.match(noLabels.stderr, /has no labels/);
    const imageMethodOnText = await run('evaluate', '--model', 'spam', '--data', texts, '--methods', 'grad-cam');
    assert.equal(imageMethodOnText.code, 2);
    assert.match(imageMethodOnText.stderr, /"grad-cam" is not a text method/);
    const randomTree = await run('evaluate', '--model', 'models/credit/model.onnx', '--data', 'data/tabular/german_credit.csv', '--methods', 'kernel-shap',
      '--metrics', 'randomisation', '--limit', '2');
    assert.equal(randomTree.code, 2);
    assert.match(randomTree.stderr, /randomisation/);
    // The vision transformer hides its weights: the defaults leave the randomisation test out, asking for it is refused before any work.
    const vitDefaults = await run('evaluate', '--model', 'vit-digits', '--data', MNIST, '--methods', 'saliency', '--metrics', 'sparseness', '--limit', '2');
    assert.equal(vitDefaults.code, 0, vitDefaults.stderr);
    const vit = await run('evaluate', '--model', 'vit-digits', '--data', MNIST, '--methods', 'saliency', '--metrics', 'sparseness,randomisation', '--limit', '2');
    assert.equal(vit.code, 2);
    assert.match(vit.stderr, /randomisation changes the model itself, which vit-digits does not allow: cannot randomise the weights/);
    const wrongShape = join(dir, 'rows.json');
    writeFileSync(wrongShape, JSON.stringify({ shape: [2, 5], data: [0, 0, 0, 0, 0, 1, 1, 1, 1, 1] }));
    const shape = await run('evaluate', '--model', 'digits', '--data', wrongShape, '--methods', 'saliency');
    assert.equal(shape.code, 2, shape.stderr);
    assert.match(shape.stderr, /shape|28/);
  });
});

describe('rankMethods', () => {
  it('ranks in each metric\'s better direction, shares ranks on ties, and leaves unscored methods unranked', () => {
    const info = (name: string, higherIsBetter: boolean) => ({ name, higherIsBetter }) as MetricInfo;
    const cell = (method: string, metric: string, mean: number) => ({ method, metric, mean, ciLow: mean, ciHigh: mean, n: 1, skipped: 0, timeMs: 0 });
    const ranking = rankMethods(['a', 'b', 'c'], [info('up', true), info('down', false)], [
      cell('a', 'up', 3), cell('b', 'up', 1), cell('c', 'up', 3),
      cell('a', 'down', 5), cell('b', 'down', 2), cell('c', 'down', NaN),
    ]);
    const by = Object.fromEntries(ranking.map((r) => [r.method, r]));
    assert.deepEqual(by.a.ranks, { up: 1.5, down: 2 });
    assert.deepEqual(by.b.ranks, { up: 3, down: 1 });
    assert.deepEqual(by.c.ranks, { up: 1.5 });
    assert.equal(by.a.meanRank, 1.75);
    assert.equal(ranking[0].method, 'c');
  });
});
