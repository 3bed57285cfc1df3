import { GlassboxError } from '../../../errors.js';
import { attr, intAttr, intsAttr, stringAttr } from '../graph.js';
import { TO_END, range, tensorOf } from './emitter.js';
import { type BackwardContext, type GradientRule, gradOf, registerGradient } from './registry.js';

const normalise = (axis: number, rank: number) => (axis < 0 ? axis + rank : axis);

/** Ops that only rearrange their first input's elements into a new shape. */
const reshapeBack: GradientRule = {
  differentiable: [0],
  deeplift: 'linear',
  backward: (ctx) => [ctx.e.reshapeLike(gradOf(ctx), ctx.node.inputs[0])],
};
for (const op of ['Reshape', 'Flatten', 'Squeeze', 'Unsqueeze']) registerGradient(op, reshapeBack);

registerGradient('Transpose', {
  deeplift: 'linear',
  backward(ctx) {
    const rank = ctx.e.rank(ctx.node.inputs[0]);
    const perm = intsAttr(ctx.node, 'perm', range(0, rank).reverse());
    const inverse = new Array<number>(rank);
    perm.forEach((p, i) => { inverse[p] = i; });
    return [ctx.e.transpose(gradOf(ctx), inverse)];
  },
});

registerGradient('Expand', {
  differentiable: [0],
  deeplift: 'linear',
  backward: (ctx) => [ctx.e.unbroadcast(gradOf(ctx), ctx.e.shape(ctx.node.outputs[0]), ctx.node.inputs[0])],
});

/** An input's extent along `axis` as a 1-element int64 tensor: a constant when known. */
function extent(ctx: BackwardContext, name: string, axis: number): string {
  const { e } = ctx;
  const d = e.shape(name)[axis];
  if (typeof d === 'number') return e.ints([d]);
  return e.op('Gather', [e.op('Shape', [name]), e.ints([axis])], { axis: attr.int(0) });
}

// Each input's gradient is its stretch of dy along the axis.
registerGradient('Concat', {
  deeplift: 'linear',
  backward(ctx) {
    const { e, node } = ctx;
    const dy = gradOf(ctx);
    const axis = normalise(intAttr(node, 'axis', 0), e.rank(node.outputs[0]));
    const sizes = node.inputs.map((x) => e.shape(x)[axis]);
    if (sizes.every((s): s is number => typeof s === 'number')) {
      let start = 0;
      return node.inputs.map((_, i) => {
        const from = start;
        start += sizes[i];
        return ctx.needs[i] ? e.slice(dy, [from], [from + sizes[i]], [axis]) : null;
      });
    }
    if (e.opset < 10) throw new GlassboxError(`Concat node "${node.name}": sizes along axis ${axis} are unknown`, 'give the model fixed input sizes');
    let start = e.ints([0]);
    return node.inputs.map((x, i) => {
      const end = e.add(start, extent(ctx, x, axis));
      const g = ctx.needs[i] ? e.op('Slice', [dy, start, end, e.ints([axis])]) : null;
      start = end;
      return g;
    });
  },
});

// The outputs' gradients side by side, zeros for outputs nothing downstream needed.
registerGradient('Split', {
  differentiable: [0],
  deeplift: 'linear',
  backward(ctx) {
    const { e, node } = ctx;
    const axis = normalise(intAttr(node, 'axis', 0), e.rank(node.inputs[0]));
    const parts = node.outputs.map((y, i) => ctx.dy[i] ?? e.zerosLike(y));
    return [e.concat(parts, axis)];
  },
});

/** Which elements a Slice keeps along one axis: the first index, the step, how many. */
function sliceRun(start: number, end: number, step: number, dim: number): { first: number; step: number; count: number } {
  if (step > 0) {
    const s = Math.min(Math.max(start < 0 ? start + dim : start, 0), dim);
    const t = Math.min(Math.max(end < 0 ? end + dim : end, 0), dim);
    return { first: s, step, count: Math.max(0, Math.ceil((t - s) / step)) };
  }
  const s = Math.min(Math.max(start < 0 ? start + dim : start, 0), dim - 1);
  const t = Math.min(Math.max(end < 0 ? end + dim : end, -1), dim - 1);
  return { first: s, step, count: Math.max(0, Math.ceil((s - t) / -step)) };
}

// Contiguous runs go back by padding with zeros; strided or reversed runs by a 0/1 matrix along the
// axis (exact: each input position receives at most one element).
registerGradient('Slice', {
  differentiable: [0],
  deeplift: 'linear',
  backward(ctx) {
    const { e, node } = ctx;
    const x = node.inputs[0];
    const rank = e.rank(x);
    const dtype = e.dtype(x);
    let starts: number[];
    let ends: number[];
    let axes: number[] | undefined;
    let steps: number[] | undefined;
    if (e.opset >= 10) {
      starts = e.constantInts(node, 1) ?? [];
      ends = e.constantInts(node, 2) ?? [];
      axes = e.constantInts(node, 3);
      steps = e.constantInts(node, 4);
    } else {
      starts = intsAttr(node, 'starts', []);
      ends = intsAttr(node, 'ends', []);
      axes = node.attrs.axes ? intsAttr(node, 'axes', []) : undefined;
    }
    const axisList = (axes ?? range(0, starts.length)).map((a) => normalise(a, rank));
    let g = gradOf(ctx);
    const pads = new Array<number>(2 * rank).fill(0);
    axisList.forEach((axis, i) => {
      const [dim] = e.knownDims(x, [axis], node);
      const run = sliceRun(starts[i], ends[i], steps?.[i] ?? 1, dim);
      if (run.step === 1) {
        pads[axis] = run.first;
        pads[rank + axis] = dim - run.first - run.count;
        return;
      }
      // g moved to the last axis, times S [count, dim] with S[j, first + j step] = 1, moved back.
      const select = new Array<number>(run.count * dim).fill(0);
      for (let j = 0; j < run.count; j++) select[j * dim + run.first + j * run.step] = 1;
      const toLast = [...range(0, axis), ...range(axis + 1, rank), axis];
      const back = [...range(0, axis), rank - 1, ...range(axis, rank - 1)];
      const spread = e.op('MatMul', [e.transpose(g, toLast), e.constant(tensorOf(dtype, [run.count, dim], select), 'slice_select')]);
      g = e.transpose(spread, back);
    });
    return [e.pad(g, pads, 0, dtype)];
  },
});

// Pad in constant mode: the gradient is dy without the padding (and zeros where the pad cropped).
registerGradient('Pad', {
  differentiable: [0],
  deeplift: 'linear',
  backward(ctx) {
    const { e, node } = ctx;
    const x = node.inputs[0];
    const rank = e.rank(x);
    const mode = stringAttr(node, 'mode', 'constant');
    if (mode !== 'constant') throw new GlassboxError(`no gradient for Pad node "${node.name}" in ${mode} mode`, 'use a perturbation method');
    let pads = e.opset >= 11 ? e.constantInts(node, 1) ?? [] : intsAttr(node, 'pads', intsAttr(node, 'paddings', []));
    const axes = e.opset >= 18 ? e.constantInts(node, 3) : undefined;
    if (axes) {
      const full = new Array<number>(2 * rank).fill(0);
      axes.forEach((a, i) => {
        const axis = normalise(a, rank);
        full[axis] = pads[i];
        full[rank + axis] = pads[axes.length + i];
      });
      pads = full;
    }
    const all = range(0, rank);
    const starts = all.map((a) => Math.max(pads[a], 0));
    const ends = all.map((a) => (pads[rank + a] > 0 ? -pads[rank + a] : TO_END));
    const cropped = e.slice(gradOf(ctx), starts, ends, all);
    return [e.pad(cropped, pads.map((p) => Math.max(-p, 0)), 0, e.dtype(x))];
  },
});

// y = data taken at `indices` along `axis`. dData adds dy back at the indices (repeats add up):
// dy as [outer, K, inner] (K = indices' count) times the one-hot [K, D] of the indices.
registerGradient('Gather', {
  differentiable: [0],
  deeplift: 'linear',
  backward(ctx) {
    const { e, node } = ctx;
    const [data, indices] = node.inputs;
    const rank = e.rank(data);
    const axis = normalise(intAttr(node, 'axis', 0), rank);
    const [depth] = e.knownDims(data, [axis], node);
    const dataShape = e.shape(data);
    const after = dataShape.slice(axis + 1);
    const inner = after.every((d): d is number => typeof d === 'number') ? after.reduce((a, b) => a * b, 1) : undefined;
    const indexShape = e.shape(indices);
    const count = indexShape.every((d): d is number => typeof d === 'number') ? indexShape.reduce((a, b) => a * b, 1) : undefined;
    if (inner === undefined || count === undefined) {
      throw new GlassboxError(`the gradient of Gather node "${node.name}" needs the sizes of "${indices}" and of "${data}" after axis ${axis}`,
        'give the model fixed input sizes');
    }
    const idx = e.cast(e.reshape(indices, [count, 1]), 'int64');
    const wrapped = e.where(e.op('Less', [idx, e.ints([0])]), e.add(idx, e.ints([depth])), idx);
    const oneHot = e.cast(e.op('Equal', [wrapped, e.ints(range(0, depth))]), e.dtype(data));
    const dy = e.transpose(e.reshape(gradOf(ctx), [-1, count, inner]), [0, 2, 1]);
    const spread = e.transpose(e.op('MatMul', [dy, oneHot]), [0, 2, 1]);
    return [e.reshapeLike(spread, data)];
  },
});

// y repeats x r_i times along each axis: dy as [r0, d0, r1, d1, ...] summed over the repeats.
registerGradient('Tile', {
  differentiable: [0],
  deeplift: 'linear',
  backward(ctx) {
    const { e, node } = ctx;
    const x = node.inputs[0];
    const repeats = e.constantInts(node, 1) ?? [];
    const dims = e.shape(x);
    if (dims.filter((d) => typeof d !== 'number').length > 1) {
      throw new GlassboxError(`the gradient of Tile node "${node.name}" needs all but one dimension of "${x}" known`, 'give the model fixed input sizes');
    }
    const split = dims.flatMap((d, i) => [repeats[i], typeof d === 'number' ? d : -1]);
    const summed = e.reduceSum(e.reshape(gradOf(ctx), split), dims.map((_, i) => 2 * i), false);
    return [summed];
  },
});
