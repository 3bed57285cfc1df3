import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../../src/backend.js';
import { KeyValueCache, Transformer } from '../../../src/models/transformer/transformer.js';
import { TransformerModel } from '../../../src/models/transformer/model.js';
import type { TransformerConfig } from '../../../src/models/transformer/config.js';
import type { TransformerWeights } from '../../../src/models/transformer/weights.js';
import { Saliency } from '../../../src/attribution/gradient/saliency.js';
import { IntegratedGradients } from '../../../src/attribution/gradient/integrated-gradients.js';
import { UsageError } from '../../../src/errors.js';

interface Reference {
  name: string;
  config: TransformerConfig;
  weights: unknown;
  runs: { tokens: number[]; logits: number[]; attentions: number[]; residuals: number[]; headOutputs: number[] }[];
}

const references: Reference[] = JSON.parse(readFileSync(new URL('./random-models.json', import.meta.url), 'utf8'));

/** JSON number arrays back to Float32Arrays, recursively. */
function toWeights(value: unknown): TransformerWeights {
  const convert = (v: unknown): unknown => {
    if (Array.isArray(v)) return typeof v[0] === 'number' ? Float32Array.from(v as number[]) : v.map(convert);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, convert(x)]));
    return v;
  };
  return convert(value) as TransformerWeights;
}

function maxAbsDiff(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  assert.equal(actual.length, expected.length, 'sizes differ');
  let worst = 0;
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
  return worst;
}

const build = (ref: Reference) => new Transformer(ref.config, toWeights(ref.weights), { name: ref.name });
const classifierRef = references.find((r) => r.name === 'classifier')!;
const decoderRef = references.find((r) => r.name === 'decoder')!;

describe('transformer against a NumPy float64 forward', () => {
  before(async () => useBackend('wasm'));

  for (const ref of references) {
    it(`${ref.name}: logits, attentions and residuals of a batch of two match`, () => {
      const model = build(ref);
      const runs = model.runBatch(ref.runs.map((r) => r.tokens), { attentions: true, residuals: true });
      runs.forEach((run, b) => {
        const expected = ref.runs[b];
        const logits = Float32Array.from(run.logits.flatMap((row) => Array.from(row)));
        assert.ok(maxAbsDiff(logits, expected.logits) < 1e-4, `${ref.name} logits off by ${maxAbsDiff(logits, expected.logits)}`);
        assert.ok(maxAbsDiff(run.attentions!.weights, expected.attentions) < 1e-5, 'attentions');
        assert.ok(maxAbsDiff(run.residuals!.values, expected.residuals) < 1e-4, 'residuals');
        assert.equal(run.attentions!.layers, ref.config.layers);
        assert.equal(run.attentions!.heads, ref.config.heads);
        assert.equal(run.attentions!.length, expected.tokens.length);
        assert.equal(run.attentions!.causal, ref.config.causal);
        assert.deepEqual(run.residuals!.layerNames, ['embed', 'layer 0', 'layer 1']);
      });
      model.dispose();
    });
  }

  for (const ref of references) {
    it(`${ref.name}: each layer's residual update is the sum of its heads' outputs, the attention bias and the MLP output`, () => {
      const model = build(ref);
      const run = model.runBatch(ref.runs.map((r) => r.tokens), { residuals: true, components: true })[1];
      const { layers, heads, length, dim, headOutputs, attentionBiases, mlpOutputs } = run.components!;
      const residual = run.residuals!.values;
      let worst = 0;
      let largestHead = 0;
      for (let l = 0; l < layers; l++) {
        for (let p = 0; p < length; p++) {
          for (let c = 0; c < dim; c++) {
            let update = attentionBiases[l * dim + c] + mlpOutputs[(l * length + p) * dim + c];
            for (let h = 0; h < heads; h++) {
              const v = headOutputs[((l * heads + h) * length + p) * dim + c];
              largestHead = Math.max(largestHead, Math.abs(v));
              update += v;
            }
            const actual = residual[((l + 1) * length + p) * dim + c] - residual[(l * length + p) * dim + c];
            worst = Math.max(worst, Math.abs(actual - update));
          }
        }
      }
      assert.ok(worst < 1e-4, `components miss the residual update by ${worst}`);
      assert.ok(largestHead > 1e-2, 'head outputs must not be trivially zero');
      assert.ok(maxAbsDiff(headOutputs, ref.runs[1].headOutputs) < 1e-4, 'head outputs against NumPy');
      model.dispose();
    });
  }

  for (const ref of references) {
    it(`${ref.name}: a ragged batch (padded and masked) gives each sequence the results of running it alone`, () => {
      const model = build(ref);
      const sequences = [ref.runs[0].tokens.slice(0, 2), ref.runs[1].tokens, ref.runs[0].tokens.slice(0, 4)];
      const together = model.runBatch(sequences, { attentions: true, residuals: true, components: true });
      sequences.forEach((tokens, b) => {
        const alone = model.run(tokens, { attentions: true, residuals: true, components: true });
        const got = together[b];
        assert.equal(got.logits.length, alone.logits.length);
        got.logits.forEach((row, i) => assert.ok(maxAbsDiff(row, alone.logits[i]) < 1e-5, 'logits'));
        assert.equal(got.attentions!.length, tokens.length);
        assert.ok(maxAbsDiff(got.attentions!.weights, alone.attentions!.weights) < 1e-6, 'attentions');
        assert.ok(maxAbsDiff(got.residuals!.values, alone.residuals!.values) < 1e-5, 'residuals');
        assert.ok(maxAbsDiff(got.components!.headOutputs, alone.components!.headOutputs) < 1e-5, 'head outputs');
      });
      model.dispose();
    });
  }

  it('attention rows sum to 1, and a causal model puts no weight on later keys', () => {
    const model = build(decoderRef);
    const { attentions } = model.run(decoderRef.runs[0].tokens, { attentions: true });
    const { layers, heads, length, weights } = attentions!;
    for (let m = 0; m < layers * heads; m++) {
      for (let q = 0; q < length; q++) {
        let sum = 0;
        for (let k = 0; k < length; k++) {
          const w = weights[(m * length + q) * length + k];
          sum += w;
          if (k > q) assert.equal(w, 0, `weight on a future key (map ${m}, query ${q}, key ${k})`);
        }
        assert.ok(Math.abs(sum - 1) < 1e-5, `row sum ${sum}`);
      }
    }
    model.dispose();
  });

  it('rotary positions make a causal model invariant to a shift of all positions', () => {
    const model = build(decoderRef);
    const tokens = decoderRef.runs[0].tokens.slice(0, 4);
    const embedded = model.embed([tokens]);
    const at0 = model.forwardEmbeddings(embedded).logits;
    const at3 = model.forwardEmbeddings(embedded, { positionOffset: 3 }).logits;
    assert.ok(maxAbsDiff(at0.dataSync(), at3.dataSync()) < 1e-4);
    tf.dispose([embedded, at0, at3]);
    // Learned positions are not shift-invariant: the same check must see a difference.
    const learned = build(classifierRef);
    const e2 = learned.embed([classifierRef.runs[0].tokens.slice(0, 3)]);
    const a = learned.forwardEmbeddings(e2).logits;
    const b = learned.forwardEmbeddings(e2, { positionOffset: 2 }).logits;
    assert.ok(maxAbsDiff(a.dataSync(), b.dataSync()) > 1e-3);
    tf.dispose([e2, a, b]);
    model.dispose();
    learned.dispose();
  });

  it('a key/value cache run in chunks gives the logits of the whole sequence at once', () => {
    const model = build(decoderRef);
    const tokens = decoderRef.runs[0].tokens;
    const cache = new KeyValueCache();
    const rows: number[] = [];
    for (const chunk of [tokens.slice(0, 3), tokens.slice(3, 4), tokens.slice(4)]) {
      const embedded = model.embed([chunk]);
      const { logits } = model.forwardEmbeddings(embedded, { cache });
      rows.push(...logits.dataSync());
      tf.dispose([embedded, logits]);
    }
    assert.equal(cache.length, tokens.length);
    assert.ok(maxAbsDiff(rows, decoderRef.runs[0].logits) < 1e-4);
    const embedded = model.embed([[1, 2]]);
    assert.throws(() => model.forwardEmbeddings(embedded, { cache }), /8 positions exceed the model's context of 7/);
    cache.dispose();
    embedded.dispose();
    model.dispose();
  });

  it('greedy generate appends the argmax of the last position', () => {
    const model = build(decoderRef);
    const prompt = [1, 12, 0];
    const generated = model.generate(prompt, 3);
    const sequence = [...prompt];
    for (const next of generated) {
      const rows = model.logits(sequence);
      const last = rows[rows.length - 1];
      assert.equal(next, last.indexOf(Math.max(...last)));
      sequence.push(next);
    }
    assert.equal(generated.length, 3);
    assert.throws(() => model.generate(prompt, 5), /exceed the context of 7/);
    model.dispose();
  });
});

describe('transformer on the cpu backend', () => {
  after(async () => useBackend('wasm'));

  it('gives the NumPy logits and the wasm gradients', async () => {
    await useBackend('wasm');
    const onWasm = build(classifierRef);
    const wasmModel = new TransformerModel(onWasm, { length: 5 });
    const target = { kind: 'index' as const, indices: Int32Array.of(1) };
    const x = wasmModel.embed([classifierRef.runs[0].tokens]);
    const wasmGrads = await wasmModel.gradients(x, { target });
    const expectedGradients = wasmGrads.inputGradients.dataSync().slice();
    const embedded = x.dataSync().slice();
    tf.dispose([x, wasmGrads.selected, wasmGrads.inputGradients]);
    onWasm.dispose();
    await useBackend('cpu');
    const onCpu = build(classifierRef);
    const logits = onCpu.run(classifierRef.runs[0].tokens).logits[0];
    assert.ok(maxAbsDiff(logits, classifierRef.runs[0].logits) < 1e-4);
    const cpuModel = new TransformerModel(onCpu, { length: 5 });
    const input = tf.tensor3d(embedded, [1, 5, 8]);
    const grads = await cpuModel.gradients(input, { target });
    assert.ok(maxAbsDiff(grads.inputGradients.dataSync(), expectedGradients) < 1e-4);
    tf.dispose([input, grads.selected, grads.inputGradients]);
    onCpu.dispose();
  });
});

describe('transformer behind the core Model interface', () => {
  before(async () => useBackend('wasm'));

  it('classifier: forward equals the class logits; gradients w.r.t. the embeddings match finite differences', async () => {
    const transformer = build(classifierRef);
    const model = new TransformerModel(transformer, { length: 5 });
    assert.deepEqual(model.info.inputShape, [5, 8]);
    assert.equal(model.info.numOutputs, 3);
    const embedded = model.embed(classifierRef.runs.map((r) => r.tokens));
    const out = await model.forward(embedded);
    assert.ok(maxAbsDiff(out.dataSync(), classifierRef.runs.flatMap((r) => r.logits)) < 1e-4);
    const target = { kind: 'index' as const, indices: Int32Array.of(2, 0) };
    const grads = await model.gradients(embedded, { target });
    const g = grads.inputGradients.dataSync();
    const base = embedded.dataSync();
    const h = 1e-2;
    for (const i of [0, 7, 13, 39, 40, 55, 79]) {
      const row = i < 40 ? 0 : 1;
      const value = async (delta: number) => {
        const bumped = Float32Array.from(base);
        bumped[i] += delta;
        const x = tf.tensor3d(bumped, embedded.shape as [number, number, number]);
        const y = await model.forward(x);
        const v = y.dataSync()[row * 3 + target.indices[row]];
        tf.dispose([x, y]);
        return v;
      };
      const numeric = ((await value(h)) - (await value(-h))) / (2 * h);
      assert.ok(Math.abs(numeric - g[i]) < 2e-3 + 2e-2 * Math.abs(numeric), `gradient ${i}: ${g[i]} vs finite difference ${numeric}`);
    }
    tf.dispose([embedded, out, grads.selected, grads.inputGradients]);
    transformer.dispose();
  });

  it('language model: outputs are one position\'s next-token logits; the core saliency runs on embeddings', async () => {
    const transformer = build(decoderRef);
    const tokens = decoderRef.runs[1].tokens;
    const model = new TransformerModel(transformer, { length: tokens.length, position: 2 });
    const embedded = model.embed([tokens]);
    const out = await model.forward(embedded);
    const expected = decoderRef.runs[1].logits.slice(2 * 13, 3 * 13);
    assert.ok(maxAbsDiff(out.dataSync(), expected) < 1e-4);
    const result = await new Saliency(model).attribute(embedded, { target: 4 });
    // Causal: the prediction at position 2 cannot depend on the embeddings of positions 3 and later.
    const values = result.attributions;
    const perToken = Array.from({ length: tokens.length }, (_, t) => values.slice(t * 8, (t + 1) * 8).reduce((s, v) => s + Math.abs(v), 0));
    assert.ok(perToken[0] > 0 && perToken[2] > 0);
    assert.deepEqual(perToken.slice(3), [0, 0, 0]);
    // The core integrated gradients runs on the embeddings too: completeness within a small delta.
    // The random model's output swings along the path (delta -2.2 at 64 steps, -3e-4 at 256).
    const baseline = model.embed([[0, 0, 0, 0, 0, 0]]);
    const ig = await new IntegratedGradients(model).attribute(embedded, { target: 4, steps: 256, baselines: baseline });
    const total = ig.attributions.reduce((sum, v) => sum + v, 0);
    assert.ok(Math.abs(total) > 1e-2);
    assert.ok(Math.abs(ig.convergenceDelta![0]) < 1e-3 * Math.max(1, Math.abs(total)), `delta ${ig.convergenceDelta![0]}, sum ${total}`);
    baseline.dispose();
    tf.dispose([embedded, out]);
    transformer.dispose();
  });

  it('keeps tf.memory().numTensors flat over many calls', async () => {
    const transformer = build(decoderRef);
    const model = new TransformerModel(transformer, { length: 6 });
    const embedded = model.embed([decoderRef.runs[0].tokens]);
    const cycle = async () => {
      transformer.run(decoderRef.runs[0].tokens, { attentions: true, residuals: true, components: true });
      transformer.generate([1, 2], 2);
      tf.dispose(await model.forward(embedded));
      const g = await model.gradients(embedded, { target: { kind: 'index', indices: Int32Array.of(3) } });
      tf.dispose([g.selected, g.inputGradients]);
      const f = transformer.forwardEmbeddings(embedded, { attentions: true, residuals: true, components: true });
      tf.dispose([f.logits, ...f.attentions!, ...f.residuals!, ...f.headOutputs!, ...f.mlpOutputs!]);
    };
    await cycle();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 20; i++) await cycle();
    assert.equal(tf.memory().numTensors, before);
    embedded.dispose();
    transformer.dispose();
    assert.equal(tf.memory().numTensors, before - 1 - countOwned(decoderRef));
  });
});

/** Tensors a Transformer keeps: one per weight array, plus the unembedding when untied. */
function countOwned(ref: Reference): number {
  const w = toWeights(ref.weights);
  let n = 1 + (w.positionEmbedding ? 1 : 0) + 1 + (w.finalNorm.bias ? 1 : 0);
  for (const layer of w.layers) n += Object.values(layer).reduce((s: number, v) => s + (v instanceof Float32Array ? 1 : Object.keys(v).length), 0);
  if (w.unembedding) n += 1;
  if (w.classifier) n += 1 + (w.classifier.bias ? 1 : 0);
  return n;
}

describe('transformer input errors', () => {
  before(async () => useBackend('wasm'));

  it('rejects bad configs, mismatched weights, bad token ids and over-long inputs with fixes', () => {
    const weights = toWeights(decoderRef.weights);
    assert.throws(() => new Transformer({ ...decoderRef.config, heads: 3 }, weights), (e: unknown) =>
      e instanceof UsageError && /not divisible by heads 3/.test(e.message));
    assert.throws(() => new Transformer({ ...decoderRef.config, kvHeads: 3 }, weights), /kvHeads 3 does not divide heads 4/);
    assert.throws(() => new Transformer({ ...decoderRef.config, hiddenDim: 11 }, weights), /layers\[0\]\.w1 has 80 values, expected 88/);
    assert.throws(() => new Transformer({ ...decoderRef.config, tiedUnembedding: false }, { ...weights, unembedding: undefined }),
      /unembedding is missing/);
    const model = build(decoderRef);
    assert.throws(() => model.run([1, 13]), /token id 13 at position 1 is outside the vocabulary of 13/);
    assert.throws(() => model.run([]), /an empty sequence/);
    assert.throws(() => model.runBatch([]), /no tokens/);
    assert.throws(() => model.run([1, 2, 3, 4, 5, 6, 7, 8]), /8 positions exceed the model's context of 7/);
    assert.throws(() => model.runBatch([[1, 2], []]), /an empty sequence/);
    assert.throws(() => new TransformerModel(model, { length: 8 }), /does not fit the context of 7/);
    model.dispose();
    assert.throws(() => model.run([1]), /has been disposed/);
  });
});
