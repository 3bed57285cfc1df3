import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../../src/backend.js';
import { attr, emptyGraph, GraphBuilder, type Graph } from '../../../src/engines/native/graph.js';
import { inferShapes } from '../../../src/engines/native/shapes.js';
import { NativeModel } from '../../../src/models/native.js';
import { Random } from '../../../src/util/random.js';

/** A pre-norm transformer block with two attention heads, mean-pooled to 3 logits. */
const T = 4, D = 8, H = 2, DH = D / H, F = 16, C = 3;

function weights(seed: number) {
  const rng = new Random(seed);
  const m = (r: number, c: number, s = 0.4) => Float32Array.from({ length: r * c }, () => rng.normal() * s);
  return {
    gamma: Float32Array.from({ length: D }, () => 1 + 0.1 * rng.normal()), beta: m(1, D, 0.1),
    wq: m(D, D), wk: m(D, D), wv: m(D, D), wo: m(D, D), w1: m(D, F), b1: m(1, F, 0.1), w2: m(F, D), wc: m(D, C),
  };
}
type Weights = ReturnType<typeof weights>;

function onnxBlock(w: Weights): Graph {
  const g = emptyGraph('transformer-block', 17);
  g.inputs.push({ name: 'x', dtype: 'float32', shape: ['N', T, D] });
  const b = new GraphBuilder(g);
  const c = (data: Float32Array, shape: number[]) => b.constant({ dtype: 'float32', shape, data });
  const h = b.op('LayerNormalization', ['x', c(w.gamma, [D]), c(w.beta, [D])], { axis: attr.int(-1), epsilon: attr.float(1e-5) });
  const heads = (t: string) => b.op('Transpose', [b.op('Reshape', [t, b.int64s([0, T, H, DH])])], { perm: attr.ints([0, 2, 1, 3]) });
  const q = heads(b.op('MatMul', [h, c(w.wq, [D, D])]));
  const k = heads(b.op('MatMul', [h, c(w.wk, [D, D])]));
  const v = heads(b.op('MatMul', [h, c(w.wv, [D, D])]));
  const scores = b.op('Mul', [b.op('MatMul', [q, b.op('Transpose', [k], { perm: attr.ints([0, 1, 3, 2]) })]), b.scalar(1 / Math.sqrt(DH))]);
  const att = b.op('Softmax', [scores], { axis: attr.int(-1) });
  const ctx = b.op('Reshape', [b.op('Transpose', [b.op('MatMul', [att, v])], { perm: attr.ints([0, 2, 1, 3]) }), b.int64s([0, T, D])]);
  const r1 = b.op('Add', ['x', b.op('MatMul', [ctx, c(w.wo, [D, D])])]);
  const pre = b.op('Add', [b.op('MatMul', [r1, c(w.w1, [D, F])]), c(w.b1, [F])]);
  // GELU written out with Erf, as exporters before opset 20 do.
  const gelu = b.op('Mul', [b.op('Mul', [pre, b.scalar(0.5)]), b.op('Add', [b.op('Erf', [b.op('Div', [pre, b.scalar(Math.SQRT2)])]), b.scalar(1)])]);
  const r2 = b.op('Add', [r1, b.op('MatMul', [gelu, c(w.w2, [F, D])])]);
  const pooled = b.op('ReduceMean', [r2], { axes: attr.ints([1]), keepdims: attr.int(0) });
  g.nodes.push({ op: 'MatMul', domain: '', name: 'logits_node', inputs: [pooled, c(w.wc, [D, C])], outputs: ['logits'], attrs: {} });
  g.outputs.push({ name: 'logits', dtype: 'float32', shape: ['N', C] });
  return g;
}

/** The same block in TF.js ops, for TF.js's own autodiff. */
function tfjsBlock(w: Weights, x: tf.Tensor): tf.Tensor {
  const n = x.shape[0];
  const mean = tf.mean(x, -1, true);
  const variance = tf.mean(tf.square(tf.sub(x, mean)), -1, true);
  const h = tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, 1e-5))), tf.tensor1d(w.gamma)), tf.tensor1d(w.beta));
  const mm = (a: tf.Tensor, m: Float32Array, r: number, cols: number) => tf.matMul(a.reshape([-1, r]), tf.tensor2d(m, [r, cols])).reshape([...a.shape.slice(0, -1), cols]);
  const heads = (t: tf.Tensor) => tf.transpose(t.reshape([n, T, H, DH]), [0, 2, 1, 3]);
  const q = heads(mm(h, w.wq, D, D));
  const k = heads(mm(h, w.wk, D, D));
  const v = heads(mm(h, w.wv, D, D));
  const att = tf.softmax(tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(DH)));
  const ctx = tf.transpose(tf.matMul(att, v), [0, 2, 1, 3]).reshape([n, T, D]);
  const r1 = tf.add(x, mm(ctx, w.wo, D, D));
  const pre = tf.add(mm(r1, w.w1, D, F), tf.tensor1d(w.b1));
  const gelu = tf.mul(tf.mul(pre, 0.5), tf.add(tf.erf(tf.div(pre, Math.SQRT2)), 1));
  const r2 = tf.add(r1, mm(gelu, w.w2, F, D));
  return tf.matMul(tf.mean(r2, 1), tf.tensor2d(w.wc, [D, C]));
}

describe('native gradients of a small transformer block against TF.js autodiff', () => {
  before(async () => useBackend('cpu'));

  it('layer norm, two-head attention with softmax, erf GELU, residuals and mean pooling: input gradients to 1e-4', async () => {
    const w = weights(5);
    const graph = onnxBlock(w);
    inferShapes(graph);
    const model = new NativeModel(graph, { name: 'block' });
    const rng = new Random(9);
    const x = tf.tensor3d(Float32Array.from({ length: 3 * T * D }, () => rng.normal()), [3, T, D]);
    const targets = [0, 2, 1];
    const out = await model.forward(x);
    const ref = tfjsBlock(w, x);
    const outScale = Math.max(...(ref.dataSync() as Float32Array).map(Math.abs));
    assert.ok(Math.max(...(out.dataSync() as Float32Array).map((v, i) => Math.abs(v - ref.dataSync()[i]))) < 1e-5 * outScale, 'forward');
    const g = await model.gradients(x, { target: { kind: 'index', indices: Int32Array.from(targets) } });
    const expected = tf.grad((z: tf.Tensor) => tf.sum(tf.mul(tfjsBlock(w, z), tf.oneHot(targets, C))))(x);
    const e = expected.dataSync() as Float32Array;
    const scale = Math.max(...e.map(Math.abs));
    const worst = Math.max(...(g.inputGradients.dataSync() as Float32Array).map((v, i) => Math.abs(v - e[i])));
    assert.ok(worst < 1e-4 * scale, `max |native - tfjs| = ${worst} (scale ${scale})`);
    tf.dispose([x, out, ref, expected, g.selected, g.inputGradients]);
    model.dispose();
  });

  after(async () => useBackend('wasm'));
});
