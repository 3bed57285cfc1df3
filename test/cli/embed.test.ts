import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import type { EmbedOutput } from '../../src/cli/embed.js';
import { useBackend } from '../../src/backend.js';
import { readEmbeddings } from '../../src/embedding/io/read-embeddings.js';

async function run(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (t) => out.push(t), warn: (l) => err.push(l) });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

const MNIST = 'data/mnist/t10k-images-idx3-ubyte.gz';

describe('glassbox embed', () => {
  before(async () => useBackend('wasm'));

  it('writes a projector directory with labels, predictions and file names', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'glassbox-embed-')), 'out');
    const r = await run('embed', '--model', 'digits', '--data', MNIST, '--layer', 'dense1', '--limit', '40', '--batch', '16', '--out', dir);
    assert.equal(r.code, 0, r.stderr);
    const output = JSON.parse(r.stdout) as EmbedOutput;
    assert.equal(output.count, 40);
    assert.equal(output.dim, 128);
    assert.deepEqual(output.columns, ['index', 'label', 'prediction', 'probability', 'name']);
    assert.deepEqual(readdirSync(dir).sort(), ['embeddings.json', 'metadata.tsv', 'projector_config.pbtxt', 'tensor.bytes']);
    const e = readEmbeddings(dir);
    assert.equal(e.vectors.length, 40 * 128);
    assert.deepEqual(e.metadata.label.slice(0, 4), [7, 2, 1, 0]);
    // The built-in model gets almost all of the first 40 test digits right (98.93% on all 10,000).
    const right = e.metadata.label.filter((l, i) => l === e.metadata.prediction[i]).length;
    assert.ok(right >= 38, `${right} of 40`);
    assert.equal(e.metadata.name[3], 't10k-images-idx3-ubyte.gz#3');
    assert.ok(e.vectors.every((v) => v >= 0), 'dense1 is a ReLU layer');
    assert.match(readFileSync(join(dir, 'projector_config.pbtxt'), 'utf8'), /tensor_shape: 40\n  tensor_shape: 128/);
    const pooled = await run('embed', '--model', 'digits', '--data', MNIST, '--layer', 'conv2', '--pooling', 'mean', '--limit', '5',
      '--tensor-format', 'tsv', '--out', `${dir}-conv`);
    assert.equal(pooled.code, 0, pooled.stderr);
    assert.equal((JSON.parse(pooled.stdout) as EmbedOutput).dim, 64);
    assert.equal(readFileSync(join(`${dir}-conv`, 'tensors.tsv'), 'utf8').trim().split('\n').length, 5);
  });

  it('embeds the transformers\' residual streams: the vision transformer and the text classifier', async () => {
    const base = mkdtempSync(join(tmpdir(), 'glassbox-embed-'));
    const vit = await run('embed', '--model', 'vit-digits', '--data', MNIST, '--layer', 'layer 3', '--limit', '6', '--out', join(base, 'vit'));
    assert.equal(vit.code, 0, vit.stderr);
    const vitOut = JSON.parse(vit.stdout) as EmbedOutput;
    assert.deepEqual([vitOut.count, vitOut.dim, vitOut.layer], [6, 64, 'layer 3 (cls)']);
    assert.deepEqual(readEmbeddings(join(base, 'vit')).metadata.label, [7, 2, 1, 0, 4, 1]);
    const tokens = await run('embed', '--model', 'vit-digits', '--data', MNIST, '--layer', 'embed', '--pooling', 'tokens', '--limit', '2', '--out', join(base, 'tok'));
    assert.equal(tokens.code, 0, tokens.stderr);
    assert.equal((JSON.parse(tokens.stdout) as EmbedOutput).count, 2 * 17);
    const spam = await run('embed', '--model', 'spam', '--data', 'data/text/sms_spam_collection.tsv', '--layer', 'layer 0', '--pooling', 'mean',
      '--limit', '5', '--out', join(base, 'spam'));
    assert.equal(spam.code, 0, spam.stderr);
    const spamOut = JSON.parse(spam.stdout) as EmbedOutput;
    assert.equal(spamOut.count, 5);
    assert.deepEqual(spamOut.columns, ['index', 'prediction', 'text', 'label']);
    const e = readEmbeddings(join(base, 'spam'));
    assert.deepEqual(e.metadata.label, ['ham', 'ham', 'spam', 'ham', 'ham']);
    const wrong = await run('embed', '--model', 'vit-digits', '--data', MNIST, '--layer', 'conv1', '--out', join(base, 'x'));
    assert.equal(wrong.code, 2);
    assert.match(wrong.stderr, /no residual stream "conv1"\n  fix: choose one of: embed, layer 0, layer 1, layer 2, layer 3/);
  });

  it('has --help, and says what is wrong: an unknown layer, no layer, a missing input set', async () => {
    const help = await run('embed', '--help');
    assert.equal(help.code, 0);
    assert.match(help.stdout, /usage: glassbox embed --model <model> --data <input set> --layer NAME/);
    const dir = mkdtempSync(join(tmpdir(), 'glassbox-embed-'));
    const unknown = await run('embed', '--model', 'digits', '--data', MNIST, '--layer', 'dense9', '--out', dir);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /no layer named "dense9"\n  fix: choose one of: conv1, pool1, conv2, pool2, flatten, dense1, logits/);
    const none = await run('embed', '--model', 'digits', '--data', MNIST, '--out', dir);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /--layer is required\n  fix: choose one of model digits's layers: conv1/);
    const missing = await run('embed', '--model', 'digits', '--data', 'no/such/folder', '--layer', 'dense1', '--out', dir);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /input set no\/such\/folder does not exist\n  fix: give a folder of images/);
    const pooling = await run('embed', '--model', 'digits', '--data', MNIST, '--layer', 'dense1', '--pooling', 'avg', '--out', dir);
    assert.equal(pooling.code, 2);
    assert.match(pooling.stderr, /--pooling must be one of flatten, mean, max, got "avg"/);
  });
});
