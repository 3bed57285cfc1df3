import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import type { TcavOutput } from '../../src/cli/tcav.js';
import { useBackend } from '../../src/backend.js';
import { encodeNpy } from '../../src/io/npy.js';
import { readIdx } from '../../src/io/idx.js';

async function run(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (t) => out.push(t), warn: (l) => err.push(l) });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

const MODEL = 'models/concept-digits/model.json';
const MNIST = 'data/mnist/t10k-images-idx3-ubyte.gz';

describe('glassbox tcav', () => {
  let dir: string;
  before(async () => {
    await useBackend('wasm');
    dir = mkdtempSync(join(tmpdir(), 'glassbox-tcav-'));
    const images = readIdx(MNIST);
    const labels = readIdx('data/mnist/t10k-labels-idx1-ubyte.gz').data;
    const save = (name: string, indices: number[], square: boolean) => {
      const data = new Float32Array(indices.length * 784);
      indices.forEach((src, i) => {
        for (let p = 0; p < 784; p++) data[i * 784 + p] = images.data[src * 784 + p] / 255;
        // The planted concept of models/concept-digits: a 4 x 4 white square at rows and columns 1-4.
        if (square) for (let y = 1; y < 5; y++) for (let x = 1; x < 5; x++) data[i * 784 + y * 28 + x] = 1;
      });
      writeFileSync(join(dir, name), encodeNpy({ shape: [indices.length, 28, 28, 1], data }));
    };
    const by = (keep: (label: number) => boolean, from: number, count: number) => {
      const out: number[] = [];
      for (let i = from; out.length < count; i++) if (keep(labels[i])) out.push(i);
      return out;
    };
    save('squares.npy', by((l) => l !== 3, 5000, 40), true);
    save('threes.npy', by((l) => l === 3, 5000, 40), true);
    save('plain.npy', by(() => true, 6000, 40), false);
  });

  it('finds the planted square significant for class 3 and prints the JSON result', async () => {
    const r = await run('tcav', '--model', MODEL, '--layer', 'hidden2', '--concept', join(dir, 'squares.npy'), '--random', MNIST,
      '--limit', '400', '--runs', '8', '--target', '3', '--inputs', join(dir, 'threes.npy'), '--format', 'json');
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as TcavOutput;
    assert.equal(out.model, 'concept-digits');
    assert.equal(out.layer, 'hidden2');
    assert.equal(out.target, 3);
    assert.equal(out.conceptExamples, 40);
    assert.deepEqual(out.randomExamples, Array(8).fill(40));
    assert.equal(out.inputs, 40);
    assert.equal(out.concept.runs.length, 8);
    assert.ok(out.concept.meanScore > 0.9, `score ${out.concept.meanScore}`);
    assert.ok(out.test.pValue < 0.05 && out.test.significant, `p ${out.test.pValue}`);
    assert.match(out.sources.random[0], /t10k-images-idx3-ubyte\.gz \(IDX, 400 of 10000 images, with labels\)/);
    // Several random sets given one by one, and the inputs defaulting to random examples predicted as 3.
    const plain = join(dir, 'plain.npy');
    const sets = await run('tcav', '--model', MODEL, '--layer', 'hidden1', '--concept', join(dir, 'squares.npy'),
      '--random', [plain, join(dir, 'threes.npy'), plain].join(','), '--target', '3', '--classifier', 'sgd', '--format', 'json');
    assert.equal(sets.code, 0, sets.stderr);
    const setsOut = JSON.parse(sets.stdout) as TcavOutput;
    assert.equal(setsOut.classifier, 'sgd');
    assert.equal(setsOut.random.runs.length, 3);
    assert.match(setsOut.sources.inputs, /^\d+ --random examples predicted as 3$/);
  });

  it('has --help, and says what is wrong', async () => {
    const help = await run('tcav', '--help');
    assert.equal(help.code, 0);
    assert.match(help.stdout, /usage: glassbox tcav --model <model> --layer NAME --concept <examples> --random <examples>/);
    const concept = join(dir, 'squares.npy');
    const layer = await run('tcav', '--model', MODEL, '--layer', 'conv1', '--concept', concept, '--random', MNIST, '--target', '3');
    assert.equal(layer.code, 2);
    assert.match(layer.stderr, /no layer named "conv1"\n  fix: choose one of: flatten, hidden1, hidden2, logits/);
    const target = await run('tcav', '--model', MODEL, '--layer', 'hidden2', '--concept', concept, '--random', MNIST, '--target', '10');
    assert.equal(target.code, 2);
    assert.match(target.stderr, /--target must be a whole number from 0 to 9, got "10"/);
    const small = await run('tcav', '--model', MODEL, '--layer', 'hidden2', '--concept', concept, '--random', MNIST, '--limit', '100',
      '--target', '3');
    assert.equal(small.code, 2);
    assert.match(small.stderr, /10 random sets of 40 need 400 examples, but .* has 100\n  fix: lower --runs or --set-size, or raise --limit/);
    const missing = await run('tcav', '--model', MODEL, '--layer', 'hidden2', '--random', MNIST, '--target', '3');
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--concept is required/);
  });
});
