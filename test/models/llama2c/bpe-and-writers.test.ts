import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../../src/backend.js';
import { trainBpe } from '../../../src/models/llama2c/train-bpe.js';
import { writeLlama2cTokenizer } from '../../../src/models/llama2c/write-tokenizer.js';
import { writeLlama2cCheckpoint } from '../../../src/models/llama2c/write-checkpoint.js';
import { readLlama2cCheckpoint } from '../../../src/models/llama2c/checkpoint.js';
import { Llama2cTokenizer } from '../../../src/models/llama2c/tokenizer.js';
import { TrainableLlama, initialLlamaWeights } from '../../../src/models/llama2c/trainable-llama.js';
import { Transformer } from '../../../src/models/transformer/transformer.js';
import type { TransformerConfig } from '../../../src/models/transformer/config.js';
import { UsageError } from '../../../src/errors.js';

describe('trainBpe', () => {
  it('learns the merges counted by hand', () => {
    // " aaab" and " aab": (a,a) occurs 3 times -> "aa"; then (" ", aa) twice -> " aa"; every pair left occurs once.
    const bpe = trainBpe(['aaab', 'aab'], { vocabSize: 300 });
    assert.equal(bpe.merges, 2);
    assert.deepEqual(bpe.pieces.slice(0, 3), ['<unk>', '<s>', '</s>']);
    assert.equal(bpe.pieces[3], '<0x00>');
    assert.equal(bpe.pieces[258], '<0xFF>');
    assert.deepEqual(bpe.pieces.slice(259), [' ', 'a', 'b', 'aa', ' aa']);
    assert.deepEqual(bpe.scores.slice(259).map((s) => s + 0), [0, 0, 0, 0, -1]);
  });

  it('stops at the vocabulary size, and refuses one too small for the alphabet', () => {
    assert.equal(trainBpe(['aaab', 'aab'], { vocabSize: 263 }).pieces.length, 263);
    assert.throws(() => trainBpe(['abc'], { vocabSize: 100, minCharacterCount: 1 }), UsageError);
  });

  it('leaves rare characters to the byte tokens', () => {
    const bpe = trainBpe(['aa é', 'aa'], { vocabSize: 300 });
    assert.ok(!bpe.pieces.includes('é'));
  });
});

describe('writeLlama2cTokenizer', () => {
  it('is read back by the run.c encoder, which applies the merges in rank order', () => {
    const bpe = trainBpe(['aaab', 'aab'], { vocabSize: 300 });
    const tokenizer = Llama2cTokenizer.fromBytes(writeLlama2cTokenizer(bpe));
    assert.equal(tokenizer.vocabSize, bpe.pieces.length);
    assert.equal(tokenizer.maxTokenLength, 6); // "<0x00>"
    const id = (piece: string) => bpe.pieces.indexOf(piece);
    assert.deepEqual(tokenizer.encode('aaab'), [1, id(' aa'), id('a'), id('b')]);
    // "é" is not in the vocabulary: its two UTF-8 bytes, 0xC3 0xA9, as byte tokens 3 + byte.
    assert.deepEqual(tokenizer.encode('aé'), [1, id(' '), id('a'), 3 + 0xc3, 3 + 0xa9]);
    assert.equal(tokenizer.decode(tokenizer.encode('aé ba')), 'aé ba');
  });
});

const tiny: TransformerConfig = {
  vocabSize: 40, dim: 16, layers: 2, heads: 2, hiddenDim: 24, maxLength: 12,
  norm: 'rmsnorm', normEps: 1e-5, mlp: 'swiglu', causal: true, positional: 'rotary', ropeTheta: 10000, tiedUnembedding: true,
};

/** Initial weights made larger so the blocks are far from the identity and the test can fail. */
function scaledWeights(seed: number) {
  const weights = initialLlamaWeights(tiny, seed);
  weights.tokenEmbedding.forEach((_, i, a) => { a[i] *= 40; });
  for (const layer of weights.layers) {
    for (const key of ['wq', 'wk', 'wv', 'wo', 'w1', 'w2', 'w3'] as const) layer[key]!.forEach((_, i, a) => { a[i] *= 20; });
  }
  return weights;
}

describe('TrainableLlama', () => {
  before(async () => { await useBackend('wasm'); });

  it('gives the Transformer\'s logits', () => {
    const model = new TrainableLlama(tiny, scaledWeights(1));
    const transformer = new Transformer(tiny, model.exportWeights());
    const ids = [1, 7, 30, 7, 2, 39, 11];
    const trained = tf.tidy(() => model.forward(tf.tensor2d([ids], [1, ids.length], 'int32')).arraySync()[0]);
    const run = transformer.run(ids);
    let worst = 0;
    let largest = 0;
    run.logits.forEach((row, t) => row.forEach((v, k) => {
      worst = Math.max(worst, Math.abs(v - trained[t][k]));
      largest = Math.max(largest, Math.abs(v));
    }));
    assert.ok(largest > 0.5, `logits too small to compare (${largest})`);
    assert.ok(worst < 1e-4, `max |difference| ${worst}`);
    transformer.dispose();
    model.dispose();
  });

  it('has gradients that match central differences (custom matmul and embedding gradients)', () => {
    const model = new TrainableLlama(tiny, scaledWeights(2));
    const inputs = tf.tensor2d([[1, 5, 9, 5, 20], [1, 33, 2, 8, 8]], [2, 5], 'int32');
    const targets = tf.tensor2d([[5, 9, 5, 20, 1], [33, 2, 8, 8, 1]], [2, 5], 'int32');
    const { value, grads } = tf.variableGrads(() => model.loss(inputs, targets));
    // The embedding (used at the input and as the tied unembedding), a query matrix and an MLP matrix.
    const checked = [model.variables[0], model.variables[2], model.variables[model.variables.length - 3]];
    for (const variable of checked) {
      const analytic = grads[variable.name].dataSync();
      const base = variable.dataSync().slice();
      // The entries with the largest gradients: relative float32 noise is smallest there.
      const order = Array.from(analytic.keys()).sort((a, b) => Math.abs(analytic[b]) - Math.abs(analytic[a])).slice(0, 3);
      for (const index of order) {
        const h = 1e-2;
        const at = (delta: number) => {
          const moved = base.slice();
          moved[index] += delta;
          variable.assign(tf.tensor(moved, variable.shape));
          return tf.tidy(() => model.loss(inputs, targets).dataSync()[0]);
        };
        const numeric = (at(h) - at(-h)) / (2 * h);
        variable.assign(tf.tensor(base, variable.shape));
        assert.ok(Math.abs(numeric - analytic[index]) <= 0.03 * Math.abs(analytic[index]) + 1e-3,
          `${variable.name}[${index}]: analytic ${analytic[index]}, numeric ${numeric}`);
      }
    }
    tf.dispose([inputs, targets, value, ...Object.values(grads)]);
    model.dispose();
  });

  it('refuses architectures a llama2.c checkpoint cannot hold', () => {
    assert.throws(() => new TrainableLlama({ ...tiny, norm: 'layernorm' }, initialLlamaWeights(tiny, 0)), UsageError);
  });
});

describe('writeLlama2cCheckpoint', () => {
  it('is read back exactly, with run.c\'s RoPE tables after the final norm', () => {
    const weights = initialLlamaWeights(tiny, 3);
    const bytes = writeLlama2cCheckpoint(tiny, weights);
    const back = readLlama2cCheckpoint(bytes);
    assert.deepEqual(back.weights.tokenEmbedding, weights.tokenEmbedding);
    assert.deepEqual(back.weights.layers[1].w3, weights.layers[1].w3);
    assert.deepEqual(back.weights.finalNorm.scale, weights.finalNorm.scale);
    assert.equal(back.header.sharedClassifier, true);
    assert.equal(back.header.seqLen, 12);
    // freq_cis_real[pos 3][pair 1] = cos(3 * 10000^(-2/8)), head size 8, at the end of the file's first table.
    const floats = new Float32Array(bytes.slice(28).buffer);
    const tables = floats.length - 2 * 12 * 4;
    assert.ok(Math.abs(floats[tables + 3 * 4 + 1] - Math.cos(3 * 10000 ** (-2 / 8))) < 1e-7);
    assert.ok(Math.abs(floats[tables + 12 * 4 + 3 * 4 + 1] - Math.sin(3 * 10000 ** (-2 / 8))) < 1e-7);
    assert.throws(() => writeLlama2cCheckpoint({ ...tiny, mlp: 'gelu' }, weights), UsageError);
  });
});
