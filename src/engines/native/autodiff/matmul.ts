import { floatAttr, intAttr } from '../graph.js';
import { range } from './emitter.js';
import { gradOf, linearWhileOneVaries, registerGradient } from './registry.js';

// Y = A @ B with numpy semantics: batched, broadcast over the leading axes, and 1-D operands promoted
// to matrices (A [K] as [1, K], B [K] as [K, 1]) whose added axis is dropped from Y.
registerGradient('MatMul', {
  deeplift: linearWhileOneVaries,
  backward(ctx) {
    const { e, node } = ctx;
    const [a, b] = node.inputs;
    const ra = e.rank(a);
    const rb = e.rank(b);
    const yShape = e.shape(node.outputs[0]);
    let dy = gradOf(ctx);
    const dyShape = [...yShape];
    if (ra === 1 && rb === 1) {
      dy = e.reshape(dy, [1, 1]);
      dyShape.push(1, 1);
    } else if (ra === 1) {
      dy = e.unsqueeze(dy, [yShape.length - 1]);
      dyShape.splice(yShape.length - 1, 0, 1);
    } else if (rb === 1) {
      dy = e.unsqueeze(dy, [yShape.length]);
      dyShape.push(1);
    }
    const r = dyShape.length;
    const batch = dyShape.slice(0, -2);
    let da: string | null = null;
    let db: string | null = null;
    if (ctx.needs[0]) {
      const bT = rb === 1 ? e.unsqueeze(b, [0]) : e.transposeLast2(b, rb);
      const g = e.op('MatMul', [dy, bT]);
      const aShape = e.shape(a);
      da = ra === 1 ? e.reduceSum(g, range(0, r - 1), false) : e.unbroadcast(g, [...batch, ...aShape.slice(-2)], a);
    }
    if (ctx.needs[1]) {
      const aT = ra === 1 ? e.unsqueeze(a, [1]) : e.transposeLast2(a, ra);
      const g = e.op('MatMul', [aT, dy]);
      const bShape = e.shape(b);
      db = rb === 1 ? e.reduceSum(g, [...range(0, r - 2), r - 1], false) : e.unbroadcast(g, [...batch, ...bShape.slice(-2)], b);
    }
    return [da, db];
  },
});

// Y = alpha op(A) op(B) + beta C, op transposing on request, C broadcast to Y. Built from MatMul and
// Transpose rather than Gemm, whose C input is optional only from opset 11.
registerGradient('Gemm', {
  deeplift: linearWhileOneVaries,
  backward(ctx) {
    const { e, node } = ctx;
    const [a, b, c] = node.inputs;
    const alpha = floatAttr(node, 'alpha', 1);
    const beta = floatAttr(node, 'beta', 1);
    const transA = intAttr(node, 'transA', 0) !== 0;
    const transB = intAttr(node, 'transB', 0) !== 0;
    const y = node.outputs[0];
    const dy = gradOf(ctx);
    const scaled = (x: string, s: number) => (s === 1 ? x : e.mul(x, e.scalar(s, e.dtype(y))));
    const t = (x: string) => e.transpose(x, [1, 0]);
    let da: string | null = null;
    let db: string | null = null;
    let dc: string | null = null;
    if (ctx.needs[0]) {
      // d op(A) = dy op(B)^T; A's gradient is its transpose when transA.
      const g = e.op('MatMul', [dy, transB ? b : t(b)]);
      da = scaled(transA ? t(g) : g, alpha);
    }
    if (ctx.needs[1]) {
      const g = e.op('MatMul', [transA ? a : t(a), dy]);
      db = scaled(transB ? t(g) : g, alpha);
    }
    if (ctx.needs[2] && c) dc = e.unbroadcast(scaled(dy, beta), e.shape(y), c);
    return [da, db, dc];
  },
});
