import { type Node, intAttr, intsAttr } from '../graph.js';
import { type Emitter, range } from './emitter.js';
import { type BackwardContext, type GradientRule, gradOf, registerGradient } from './registry.js';


/**
 * The axes a reduction folds, sorted and non-negative; undefined when it is the identity (empty axes
 * with noop_with_empty_axes). Axes are an attribute until the op's opset moved them to an input
 * (ReduceSum at 13, the other reductions at 18).
 */
function reducedAxes(e: Emitter, node: Node, inputFrom: number): number[] | undefined {
  const rank = e.rank(node.inputs[0]);
  const axes = e.opset >= inputFrom ? e.constantInts(node, 1) ?? [] : intsAttr(node, 'axes', []);
  if (axes.length === 0) return intAttr(node, 'noop_with_empty_axes', 0) !== 0 ? undefined : range(0, rank);
  return [...new Set(axes.map((a) => (a < 0 ? a + rank : a)))].sort((a, b) => a - b);
}

/** dy put back on the reduced axes (when they were dropped) and broadcast over them. */
function spread(ctx: BackwardContext, dy: string, axes: number[]): string {
  const { e, node } = ctx;
  const kept = intAttr(node, 'keepdims', 1) !== 0 ? dy : e.unsqueeze(dy, axes);
  return e.op('Expand', [kept, e.shapeOf(node.inputs[0])]);
}

registerGradient('ReduceSum', {
  differentiable: [0],
  deeplift: 'linear',
  backward(ctx) {
    const axes = reducedAxes(ctx.e, ctx.node, 13);
    return [axes ? spread(ctx, gradOf(ctx), axes) : gradOf(ctx)];
  },
});

registerGradient('ReduceMean', {
  differentiable: [0],
  deeplift: 'linear',
  backward(ctx) {
    const { e, node } = ctx;
    const axes = reducedAxes(e, node, 18);
    if (!axes) return [gradOf(ctx)];
    const x = node.inputs[0];
    const dims = e.shape(x);
    const dtype = e.dtype(x);
    const known = axes.map((a) => dims[a]);
    // The count is a constant unless a reduced size is only known at run time.
    const count = known.every((d): d is number => typeof d === 'number')
      ? e.scalar(known.reduce((a, b) => a * b, 1), dtype)
      : e.div(e.cast(e.op('Size', [x]), dtype), e.cast(e.op('Size', [node.outputs[0]]), dtype));
    return [spread(ctx, e.div(gradOf(ctx), count), axes)];
  },
});

/** A reduction whose gradient is dy (spread back) times a factor of x and the (kept-dims) result. */
function elementwiseReduction(factor: (ctx: BackwardContext, x: string, y: string) => string): GradientRule {
  return {
    differentiable: [0],
    deeplift: 'unsupported',
    backward(ctx) {
      const { e, node } = ctx;
      const axes = reducedAxes(e, node, 18);
      const x = node.inputs[0];
      if (!axes) return [e.mul(gradOf(ctx), factor(ctx, x, node.outputs[0]))];
      const keep = intAttr(node, 'keepdims', 1) !== 0;
      const y = keep ? node.outputs[0] : e.unsqueeze(node.outputs[0], axes);
      return [e.mul(spread(ctx, gradOf(ctx), axes), factor(ctx, x, y))];
    },
  };
}

// Ties share the gradient evenly, as TF's reduce_max and PyTorch's amax do.
const extremeReduction = elementwiseReduction((ctx, x, y) => {
  const { e, node } = ctx;
  const hit = e.cast(e.op('Equal', [x, y]), e.dtype(x));
  const axes = reducedAxes(e, node, 18) ?? [];
  return e.div(hit, e.reduceSum(hit, axes, true));
});
registerGradient('ReduceMax', extremeReduction);
registerGradient('ReduceMin', extremeReduction);
registerGradient('ReduceSumSquare', elementwiseReduction((ctx, x) => ctx.e.add(x, x)));
registerGradient('ReduceL2', elementwiseReduction((ctx, x, y) => ctx.e.div(x, y)));
registerGradient('ReduceLogSumExp', elementwiseReduction((ctx, x, y) => ctx.e.op('Exp', [ctx.e.sub(x, y)])));
