import { GlassboxError } from '../../../errors.js';
import { type DType, floatAttr, intAttr } from '../graph.js';
import { range } from './emitter.js';
import { type BackwardContext, gradOf, registerGradient, unsupportedInput } from './registry.js';


// Inference mode: y = (x - mean) / sqrt(var + eps) * scale + bias with stored statistics, so x's
// gradient is dy times a per-channel constant (channels on axis 1).
registerGradient('BatchNormalization', {
  deeplift: 'linear',
  backward(ctx) {
    const { e, node } = ctx;
    if (intAttr(node, 'training_mode', 0) !== 0 || node.outputs.filter(Boolean).length > 1) {
      throw new GlassboxError(`BatchNormalization node "${node.name}" runs in training mode`, 'export the model in inference mode (model.eval())');
    }
    for (let i = 1; i < 5; i++) if (ctx.needs[i]) unsupportedInput(ctx, i, 'a normalization parameter');
    const [x, scale, , , variance] = node.inputs;
    const dtype = e.dtype(x);
    const perChannel = e.div(scale, e.op('Sqrt', [e.add(variance, e.scalar(floatAttr(node, 'epsilon', 1e-5), dtype))]));
    const rank = e.rank(x);
    const [channels] = e.knownDims(scale, [0], node);
    const factor = rank > 2 ? e.reshape(perChannel, [channels, ...new Array<number>(rank - 2).fill(1)]) : perChannel;
    return [e.mul(gradOf(ctx), factor)];
  },
});

// y = xhat * scale + bias, xhat = (x - mu) r, r = 1/sqrt(var + eps), over the axes from `axis` on.
// dx = r (g - mean(g) - xhat mean(g xhat)) with g = dy * scale.
registerGradient('LayerNormalization', {
  deeplift: 'unsupported',
  backward(ctx) {
    const { e, node } = ctx;
    if (ctx.dy[1] || ctx.dy[2]) throw new GlassboxError(`LayerNormalization node "${node.name}": its mean and inverse deviation outputs have no gradient rule`);
    const [x, scale, bias] = node.inputs;
    const y = node.outputs[0];
    const dtype = e.dtype(x);
    const rank = e.rank(x);
    const axis = intAttr(node, 'axis', -1);
    const axes = range(axis < 0 ? axis + rank : axis, rank);
    const dy = gradOf(ctx);
    const { r, xhat } = normalise(ctx, x, axes, dtype);
    const yShape = e.shape(y);
    let dx: string | null = null;
    if (ctx.needs[0]) {
      const g = e.mul(dy, scale);
      const inner = e.sub(e.sub(g, e.reduceMean(g, axes, true)), e.mul(xhat, e.reduceMean(e.mul(g, xhat), axes, true)));
      dx = e.mul(r, inner);
    }
    return [
      dx,
      ctx.needs[1] ? e.unbroadcast(e.mul(dy, xhat), yShape, scale) : null,
      ctx.needs[2] && bias ? e.unbroadcast(dy, yShape, bias) : null,
    ];
  },
});

/**
 * The axes Softmax and LogSoftmax normalise over: from opset 13 the one `axis` (default -1); before,
 * the input is seen as 2-D [prod(shape[:axis]), prod(shape[axis:])] (default axis 1), so every axis
 * from `axis` on.
 */
/** Layer and instance norm recomputed in the backward graph: r = 1/sqrt(var + eps), xhat = (x - mean) r. */
function normalise(ctx: BackwardContext, x: string, axes: number[], dtype: DType): { r: string; xhat: string } {
  const { e, node } = ctx;
  const centred = e.sub(x, e.reduceMean(x, axes, true));
  const variance = e.reduceMean(e.mul(centred, centred), axes, true);
  const r = e.op('Reciprocal', [e.op('Sqrt', [e.add(variance, e.scalar(floatAttr(node, 'epsilon', 1e-5), dtype))])]);
  return { r, xhat: e.mul(centred, r) };
}

function softmaxAxes(ctx: BackwardContext): number[] {
  const { e, node } = ctx;
  const rank = e.rank(node.inputs[0]);
  const modern = e.opset >= 13;
  let axis = intAttr(node, 'axis', modern ? -1 : 1);
  if (axis < 0) axis += rank;
  return modern ? [axis] : range(axis, rank);
}

// dx = y (dy - sum(dy y)).
registerGradient('Softmax', {
  deeplift: 'unsupported',
  backward(ctx) {
    const { e, node } = ctx;
    const y = node.outputs[0];
    const dy = gradOf(ctx);
    return [e.mul(y, e.sub(dy, e.reduceSum(e.mul(dy, y), softmaxAxes(ctx), true)))];
  },
});

// dx = dy - softmax(x) sum(dy), softmax(x) = exp(y).
registerGradient('LogSoftmax', {
  deeplift: 'unsupported',
  backward(ctx) {
    const { e, node } = ctx;
    const dy = gradOf(ctx);
    return [e.sub(dy, e.mul(e.op('Exp', [node.outputs[0]]), e.reduceSum(dy, softmaxAxes(ctx), true)))];
  },
});

// Per sample and channel, over the spatial axes: y = xhat * scale[c] + bias[c]; dx as LayerNormalization's.
registerGradient('InstanceNormalization', {
  deeplift: 'unsupported',
  backward(ctx) {
    const { e, node } = ctx;
    const [x, scale, bias] = node.inputs;
    const dtype = e.dtype(x);
    const rank = e.rank(x);
    const axes = range(2, rank);
    const [channels] = e.knownDims(x, [1], node);
    const perChannel = (v: string) => e.reshape(v, [channels, ...new Array<number>(rank - 2).fill(1)]);
    const dy = gradOf(ctx);
    const { r, xhat } = normalise(ctx, x, axes, dtype);
    const overBatchAndSpace = [0, ...axes];
    let dx: string | null = null;
    if (ctx.needs[0]) {
      const g = e.mul(dy, perChannel(scale));
      dx = e.mul(r, e.sub(e.sub(g, e.reduceMean(g, axes, true)), e.mul(xhat, e.reduceMean(e.mul(g, xhat), axes, true))));
    }
    return [
      dx,
      ctx.needs[1] ? e.reduceSum(e.mul(dy, xhat), overBatchAndSpace, false) : null,
      ctx.needs[2] && bias ? e.reduceSum(dy, overBatchAndSpace, false) : null,
    ];
  },
});
