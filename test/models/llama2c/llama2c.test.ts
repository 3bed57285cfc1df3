import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useBackend } from '../../../src/backend.js';
import { loadLlama2c } from '../../../src/models/llama2c/load.js';
import type { Llama2cModel } from '../../../src/models/llama2c/model.js';
import { readLlama2cCheckpoint } from '../../../src/models/llama2c/checkpoint.js';
import { Llama2cTokenizer } from '../../../src/models/llama2c/tokenizer.js';
import { Transformer } from '../../../src/models/transformer/transformer.js';
import { GlassboxError, UsageError } from '../../../src/errors.js';

const data = (name: string) => new URL(`../../data/llama2c/${name}`, import.meta.url).pathname;
const checkpointPath = data('aidreams260K.bin');
const tokenizerPath = data('tok512.bin');
const greedy = JSON.parse(readFileSync(data('greedy_reference.json'), 'utf8')) as {
  greedy_token_ids: number[]; greedy_text: string; first_step_logits_0_to_7: number[];
};
const reference = JSON.parse(readFileSync(data('reference.json'), 'utf8')) as {
  tokens: number[]; logits: number[]; attentions: number[]; finalResidual: number[]; encodings: { text: string; ids: number[] }[];
};
const tmp = mkdtempSync(join(tmpdir(), 'glassbox-llama2c-'));

function maxAbsDiff(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  assert.equal(actual.length, expected.length, 'sizes differ');
  let worst = 0;
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
  return worst;
}

function float32Bytes(arrays: Float32Array[]): Uint8Array {
  const total = arrays.reduce((n, a) => n + a.length, 0);
  const out = new Float32Array(total);
  let at = 0;
  for (const a of arrays) {
    out.set(a, at);
    at += a.length;
  }
  return new Uint8Array(out.buffer);
}

describe('llama2.c checkpoints: aidreams260K', () => {
  let model: Llama2cModel;
  before(async () => {
    await useBackend('wasm');
    model = await loadLlama2c(checkpointPath, tokenizerPath);
  });
  after(() => model.dispose());

  it('reads the header', () => {
    assert.deepEqual({ ...model.header }, {
      dim: 64, hiddenDim: 172, layers: 4, heads: 4, kvHeads: 4, vocabSize: 512, sharedClassifier: true, seqLen: 128, version: 0,
    });
    assert.equal(model.tokenizer.vocabSize, 512);
  });

  it('first-step logits match greedy_reference.json to 1e-4', () => {
    const logits = model.transformer.logits([1])[0];
    assert.ok(maxAbsDiff(logits.slice(0, 8), greedy.first_step_logits_0_to_7) < 1e-4);
  });

  it('logits, attentions and the final residual of a 24-token sequence match the NumPy float64 forward', () => {
    const run = model.transformer.run(reference.tokens, { attentions: true, residuals: true });
    const logits = Float32Array.from(run.logits.flatMap((row) => Array.from(row)));
    const logitError = maxAbsDiff(logits, reference.logits);
    assert.ok(logitError < 1e-4, `logits off by ${logitError}`);
    assert.ok(maxAbsDiff(run.attentions!.weights, reference.attentions) < 1e-5);
    const residuals = run.residuals!;
    const block = residuals.length * residuals.dim;
    assert.ok(maxAbsDiff(residuals.values.subarray(4 * block), reference.finalResidual) < 1e-4);
    assert.deepEqual(run.tokenNames.slice(0, 3), ['<s>', ' "', 'E']);
  });

  it('greedy decoding reproduces the reference tokens exactly, and its text', () => {
    const tokens = model.transformer.generate([1], greedy.greedy_token_ids.length, { stopTokens: [1] });
    assert.deepEqual(tokens, greedy.greedy_token_ids);
    assert.equal(model.decode(tokens), greedy.greedy_text);
  });

  it('attention rows sum to 1 and respect the causal mask', () => {
    const { attentions } = model.runText('Echoes of vectors unfold', { attentions: true });
    const { layers, heads, length, weights, causal, tokens } = attentions!;
    assert.equal(causal, true);
    assert.equal(tokens.length, length);
    for (let m = 0; m < layers * heads; m++) {
      for (let q = 0; q < length; q++) {
        let sum = 0;
        for (let k = 0; k < length; k++) {
          const w = weights[(m * length + q) * length + k];
          if (k > q) assert.equal(w, 0);
          sum += w;
        }
        assert.ok(Math.abs(sum - 1) < 1e-5);
      }
    }
  });

  it('encodes as run.c (BPE merges by score, byte fallback) and decodes back', () => {
    for (const { text, ids } of reference.encodings) {
      assert.deepEqual(model.encode(text), ids, JSON.stringify(text));
      // encode adds a dummy-prefix space and decode drops the leading space after BOS: text comes back unchanged.
      assert.equal(model.decode(ids.slice(1)), text);
    }
    assert.deepEqual(model.encode('a', { bos: false, eos: true }), [262, 2]);
  });

  it('text longer than the context is refused with the limit; unknown characters fall back to bytes', () => {
    assert.throws(() => model.runText('word '.repeat(200)), (e: unknown) => e instanceof UsageError
      && /positions exceed the model's context of 128/.test(e.message) && /shorten the input to at most 128 tokens/.test(e.message));
    const ids = model.encode('\u{1F600}');
    assert.deepEqual(ids, [1, 429, 0xf0 + 3, 0x9f + 3, 0x98 + 3, 0x80 + 3]);
    assert.equal(model.decode(ids.slice(1)), '\u{1F600}');
  });

  it('generate() continues a text prompt greedily', () => {
    const { tokens, text } = model.generate('"Echoes of vectors', 8);
    const ids = model.encode('"Echoes of vectors');
    assert.deepEqual(tokens, model.transformer.generate(ids, 8, { stopTokens: [1] }));
    assert.equal(text, model.tokenizer.decode(tokens, ids[ids.length - 1]));
    assert.ok(text.length > 0);
  });
});

describe('llama2.c files written in the other layouts', () => {
  const { config, weights } = readLlama2cCheckpoint(readFileSync(checkpointPath));
  let expected: Float32Array[];
  before(async () => {
    await useBackend('wasm');
    const original = new Transformer(config, weights);
    expected = original.logits(reference.tokens.slice(0, 6));
    original.dispose();
  });
  const layers = weights.layers;
  const legacyBody = (classifier: Float32Array[]) => float32Bytes([
    weights.tokenEmbedding, ...layers.map((l) => l.attentionNorm.scale), ...layers.map((l) => l.wq), ...layers.map((l) => l.wk),
    ...layers.map((l) => l.wv), ...layers.map((l) => l.wo), ...layers.map((l) => l.mlpNorm.scale), ...layers.map((l) => l.w1),
    ...layers.map((l) => l.w2), ...layers.map((l) => l.w3!), weights.finalNorm.scale, ...classifier]);
  const header = (vocab: number) => new Uint8Array(Int32Array.of(64, 172, 4, 4, 4, vocab, 128).buffer);
  const check = (file: Uint8Array) => {
    const read = readLlama2cCheckpoint(file);
    const model = new Transformer(read.config, read.weights);
    const logits = model.logits(reference.tokens.slice(0, 6));
    model.dispose();
    return { read, error: maxAbsDiff(logits.flatMap((r) => Array.from(r)), expected.flatMap((r) => Array.from(r))) };
  };

  it('an unshared classifier (negative vocab_size) and no RoPE tables', () => {
    // The classifier is a scaled copy of the embeddings, so the logits are scaled by the same factor.
    const classifier = weights.tokenEmbedding.map((v) => 2 * v);
    const { read, error } = check(Buffer.concat([header(-512), legacyBody([classifier])]));
    assert.equal(read.header.sharedClassifier, false);
    assert.equal(read.config.tiedUnembedding, false);
    assert.ok(read.weights.unembedding![5] === classifier[5]);
    assert.ok(error > 1e-2, 'a scaled classifier must change the logits');
    const doubled = new Transformer(read.config, { ...read.weights, unembedding: weights.tokenEmbedding });
    const same = doubled.logits(reference.tokens.slice(0, 6));
    doubled.dispose();
    assert.ok(maxAbsDiff(same.flatMap((r) => Array.from(r)), expected.flatMap((r) => Array.from(r))) < 1e-5);
  });

  it('export.py version 1 (magic ak42, 256-byte header, norms first)', () => {
    const head = new Uint8Array(256);
    const view = new DataView(head.buffer);
    view.setUint32(0, 0x616b3432, true);
    view.setInt32(4, 1, true);
    [64, 172, 4, 4, 4, 512, 128].forEach((v, i) => view.setInt32(8 + 4 * i, v, true));
    head[36] = 1;
    const body = float32Bytes([...layers.map((l) => l.attentionNorm.scale), ...layers.map((l) => l.mlpNorm.scale), weights.finalNorm.scale,
      weights.tokenEmbedding, ...layers.map((l) => l.wq), ...layers.map((l) => l.wk), ...layers.map((l) => l.wv), ...layers.map((l) => l.wo),
      ...layers.map((l) => l.w1), ...layers.map((l) => l.w2), ...layers.map((l) => l.w3!)]);
    const { read, error } = check(Buffer.concat([head, body]));
    assert.equal(read.header.version, 1);
    assert.ok(error < 1e-6);
  });
});

describe('llama2.c bad files', () => {
  before(async () => useBackend('wasm'));
  const bytes = readFileSync(checkpointPath);
  const write = (name: string, content: Uint8Array) => {
    const path = join(tmp, name);
    writeFileSync(path, content);
    return path;
  };

  it('a truncated checkpoint says so, with the sizes', async () => {
    const path = write('truncated.bin', bytes.subarray(0, 500000));
    await assert.rejects(loadLlama2c(path, tokenizerPath), (e: unknown) => e instanceof GlassboxError
      && /is not a valid llama2\.c checkpoint: it is truncated: .* needs 932124 bytes, the file has 500000/.test(e.message)
      && /fix:/.test(e.message));
    await assert.rejects(loadLlama2c(write('tiny.bin', bytes.subarray(0, 10)), tokenizerPath), /fewer than the 28-byte header/);
  });

  it('a corrupt header or trailing bytes are refused', async () => {
    const corrupt = Buffer.from(bytes);
    corrupt.writeInt32LE(-7, 8); // n_layers
    await assert.rejects(loadLlama2c(write('corrupt.bin', corrupt), tokenizerPath), /header's n_layers is -7/);
    const heads = Buffer.from(bytes);
    heads.writeInt32LE(3, 12); // n_heads
    await assert.rejects(loadLlama2c(write('heads.bin', heads), tokenizerPath), /dim 64 is not divisible by n_heads 3/);
    const longer = Buffer.concat([bytes, Buffer.alloc(12)]);
    await assert.rejects(loadLlama2c(write('longer.bin', longer), tokenizerPath), /longer than its header says/);
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452000000100000001008060000001ff3ff61', 'hex');
    await assert.rejects(loadLlama2c(write('image.bin', png), tokenizerPath), /not a valid llama2\.c checkpoint/);
  });

  it('a tokenizer whose vocabulary does not match the model', async () => {
    const tok = readFileSync(tokenizerPath);
    // Keep only the first 300 entries: a well-formed tokenizer for a different model.
    let at = 4;
    for (let i = 0; i < 300; i++) at += 8 + tok.readInt32LE(at + 4);
    const small = write('tok300.bin', tok.subarray(0, at));
    await assert.rejects(loadLlama2c(checkpointPath, small), (e: unknown) => e instanceof UsageError
      && /has 300 tokens but the model's vocabulary has 512/.test(e.message));
    // Cut inside an entry: corrupt, not merely different.
    await assert.rejects(loadLlama2c(checkpointPath, write('tokcut.bin', tok.subarray(0, at + 5))), /entry 300 is cut short/);
    assert.throws(() => Llama2cTokenizer.fromBytes(Uint8Array.of(1, 2)), /shorter than its 4-byte header/);
  });

  it('missing files name the path', async () => {
    await assert.rejects(loadLlama2c(join(tmp, 'nope.bin'), tokenizerPath), /cannot read the checkpoint .*nope\.bin \(ENOENT\)/);
    await assert.rejects(loadLlama2c(checkpointPath, join(tmp, 'nope-tok.bin')), /cannot read the tokenizer .*nope-tok\.bin/);
  });
});
