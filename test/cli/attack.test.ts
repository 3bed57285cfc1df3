import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import { useBackend } from '../../src/backend.js';
import { loadModel } from '../../src/models/load.js';
import { loadInput } from '../../src/io/load-input.js';
import { parseNpy } from '../../src/io/npy.js';
import { fgsm } from '../../src/adversarial/fgsm.js';
import type { AttackOutput } from '../../src/cli/attack.js';

const SEVEN = 'samples/digits/digit-7.png';
const MNIST = 'data/mnist/t10k-images-idx3-ubyte.gz';

async function run(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (t) => out.push(t), warn: (l) => err.push(l) });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

describe('glassbox attack', () => {
  let clean: Float32Array;
  before(async () => {
    await useBackend('wasm');
    const model = await loadModel('digits');
    const loaded = await loadInput(SEVEN, model.info);
    clean = Float32Array.from(loaded.tensor.dataSync());
    loaded.tensor.dispose();
    model.dispose();
  });

  it('json: prints the contract, the same numbers as the library', async () => {
    const r = await run('attack', '--model', 'digits', '--input', SEVEN, '--method', 'fgsm', '--epsilon', '0.1', '--format', 'json');
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as AttackOutput;
    assert.deepEqual(Object.keys(out).slice(0, 6), ['method', 'epsilon', 'shape', 'adversarial', 'prediction', 'adversarialPrediction']);
    assert.equal(out.explanationChange, undefined);
    assert.equal(out.method, 'fgsm');
    assert.equal(out.epsilon, 0.1);
    assert.deepEqual(out.shape, [1, 28, 28, 1]);
    assert.equal(out.prediction, 7);
    const adversarial = out.adversarial!;
    assert.equal(adversarial.length, 784);
    let moved = 0;
    adversarial.forEach((v, i) => {
      assert.ok(v >= 0 && v <= 1);
      assert.ok(Math.abs(v - clean[i]) <= 0.1);
      if (v !== clean[i]) moved++;
    });
    assert.ok(moved > 300, `${moved} pixels moved`);
    const model = await loadModel('digits');
    const library = await fgsm(model, { shape: [1, 28, 28, 1], data: clean }, { epsilon: 0.1 });
    model.dispose();
    assert.deepEqual(adversarial, Array.from(library.adversarial));
    assert.equal(out.adversarialPrediction, library.adversarialPrediction[0]);
  });

  it('json: targeted PGD with --explain reports how far the explanation moved', async () => {
    const r = await run('attack', '--model', 'digits', '--input', SEVEN, '--method', 'pgd', '--epsilon', '0.25', '--target', '3',
      '--steps', '20', '--random-start', '--seed', '2', '--explain', 'saliency', '--format', 'json');
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as AttackOutput;
    assert.equal(out.adversarialPrediction, 3);
    assert.equal(out.success, true);
    assert.equal(out.targeted, true);
    assert.deepEqual(out.params, { epsilon: 0.25, norm: 'linf', range: [0, 1], targeted: true, batchSize: 128, steps: 20, stepSize: 2.5 * 0.25 / 20, randomStart: true, seed: 2 });
    const change = out.explanationChange!;
    assert.equal(change.method, 'saliency');
    assert.ok(typeof change.spearman === 'number' && change.spearman < 0.95 && change.spearman > -1);
    assert.ok(typeof change.l2Distance === 'number' && change.l2Distance > 0);
  });

  it('has --help with the documented usage', async () => {
    const r = await run('attack', '--help');
    assert.equal(r.code, 0);
    assert.match(r.stdout, /usage: glassbox attack --model <model> --input <file> --method fgsm\|pgd --epsilon X \[--label N \| --target N\] \[--range LO,HI\]/);
    for (const flag of ['--norm', '--steps', '--step-size', '--random-start', '--seed', '--explain', '--sweep', '--data', '--limit', '--format', '--out']) {
      assert.ok(r.stdout.includes(flag), `help lacks ${flag}`);
    }
  });

  it('refuses bad input with exit code 2 and a fix', async () => {
    const refuses = async (pattern: RegExp, ...argv: string[]) => {
      const r = await run('attack', ...argv);
      assert.equal(r.code, 2, `${argv.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, pattern);
      assert.match(r.stderr, /fix: /);
    };
    const base = ['--model', 'digits', '--input', SEVEN];
    await refuses(/an epsilon of 2 exceeds the input range \[0,1\]/, ...base, '--method', 'fgsm', '--epsilon', '2');
    await refuses(/--label and --target were both given/, ...base, '--method', 'pgd', '--epsilon', '0.1', '--label', '1', '--target', '2');
    await refuses(/--range 1,0 is empty/, ...base, '--method', 'fgsm', '--epsilon', '0.1', '--range', '1,0');
    await refuses(/--method must be one of fgsm, pgd, got "cw"/, ...base, '--method', 'cw', '--epsilon', '0.1');
    await refuses(/--method is required/, ...base, '--epsilon', '0.1');
    await refuses(/--epsilon is required/, ...base, '--method', 'fgsm');
    await refuses(/--sweep needs labelled inputs/, '--model', 'digits', '--method', 'fgsm', '--sweep', '0,0.1');
    await refuses(/--sweep must be epsilons of 0 or more/, '--model', 'digits', '--method', 'fgsm', '--sweep', '0,-1', '--data', MNIST);
    await refuses(/unknown method "magic" for --explain/, ...base, '--method', 'fgsm', '--epsilon', '0.1', '--explain', 'magic');
    await refuses(/--format must be one of json, html/, ...base, '--method', 'fgsm', '--epsilon', '0.1', '--format', 'png');
    await refuses(/target 10 is out of range: model digits has 10 classes/, ...base, '--method', 'fgsm', '--epsilon', '0.1', '--target', '10');
    await refuses(/input row 0 holds 0 .*outside the input range \[0.5,1\]/, ...base, '--method', 'fgsm', '--epsilon', '0.1', '--range', '0.5,1');
  });

  it('html: writes the report, results.json and adversarial.npy atomically, with the sweep chart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'glassbox-attack-'));
    const r = await run('attack', '--model', 'digits', '--input', SEVEN, '--method', 'fgsm', '--epsilon', '0.2',
      '--sweep', '0,0.1,0.3', '--data', MNIST, '--limit', '20', '--format', 'html', '--out', dir);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, join(dir, 'report.html'));
    assert.deepEqual(readdirSync(dir).sort(), ['adversarial.npy', 'report.html', 'results.json']);
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    for (const part of ['clean input', 'adversarial input', 'perturbation', 'saliency, clean', 'saliency, adversarial', 'probabilities', 'Accuracy against epsilon']) {
      assert.ok(html.includes(part), `report lacks "${part}"`);
    }
    assert.equal((html.match(/src="data:image\/png;base64,/g) ?? []).length, 5);
    assert.match(html, /<svg[^>]*>.*<polyline[^>]*class="accuracy"/s);
    assert.doesNotMatch(html, /(src|href)="(https?:)?\/\//);
    const results = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as AttackOutput;
    assert.equal(results.sweep!.count, 20);
    assert.deepEqual(results.sweep!.epsilons, [0, 0.1, 0.3]);
    assert.ok(results.sweep!.accuracy[2] < results.sweep!.accuracy[0]);
    assert.ok(results.explanationChange, 'html explains with saliency by default');
    const npy = parseNpy(readFileSync(join(dir, 'adversarial.npy')), 'adversarial.npy');
    assert.deepEqual(npy.shape, [1, 28, 28, 1]);
    assert.deepEqual(Array.from(npy.data), results.adversarial);
  });

  it('json: a sweep alone, on labelled data', async () => {
    const r = await run('attack', '--model', 'digits', '--method', 'fgsm', '--sweep', '0.3,0', '--data', MNIST, '--limit', '12', '--format', 'json');
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as AttackOutput;
    assert.equal(out.method, 'fgsm');
    assert.equal(out.adversarial, undefined);
    assert.deepEqual(out.sweep!.epsilons, [0.3, 0]);
    assert.ok(out.sweep!.accuracy[0] < out.sweep!.accuracy[1]);
    assert.match(out.sweep!.data, /t10k-images-idx3-ubyte\.gz \(IDX, 12 of 10000 images, with labels\)/);
  });
});
