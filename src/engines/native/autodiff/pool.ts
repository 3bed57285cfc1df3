import { GlassboxError } from '../../../errors.js';
import { type AttrValue, type DType, type Node, attr, intAttr, intsAttr } from '../graph.js';
import { type WindowGeometry, scatterBackAttrs, windowGeometry } from './conv.js';
import { type Emitter, range, tensorOf } from './emitter.js';
import { type BackwardContext, gradOf, registerGradient } from './registry.js';

const product = (xs: number[]) => xs.reduce((a, b) => a * b, 1);

/** Every offset inside a kernel, row-major (the order TF and PyTorch scan a window in). */
function offsets(kernel: number[]): number[][] {
  let all: number[][] = [[]];
  for (const k of kernel) all = all.flatMap((prefix) => range(0, k).map((i) => [...prefix, i]));
  return all;
}

function geometryOf(ctx: BackwardContext, x: string): WindowGeometry {
  const { e, node } = ctx;
  const kernel = intsAttr(node, 'kernel_shape', []);
  if (kernel.length === 0) throw new GlassboxError(`${node.op} node "${node.name}" has no kernel_shape`);
  return windowGeometry(e, node, x, node.outputs[0], kernel);
}

/**
 * Routes `g` (pool-output shaped) back to the maximum of each window of `x`: the first maximum in
 * row-major window order when several tie, as TF's MaxPoolGrad and PyTorch do (and ORT's MaxPool
 * indices). The k values of every window are sliced out side by side ([N, C, k, out...], the
 * padding as -inf so it never wins), ArgMax picks the winner, and a ConvTranspose with a one-hot
 * kernel per offset adds each routed gradient back where its window read it. That holds for
 * overlapping windows, padding, dilation and ceil mode alike. `xShape` is x's shape as a tensor.
 */
export function routeToMax(e: Emitter, x: string, g: string, geometry: WindowGeometry, dtype: DType, xShape: string): string {
  const { kernel, strides, dilations, begin, outSize, inSize } = geometry;
  const n = kernel.length;
  const spatial = range(2, 2 + n);
  const taps = offsets(kernel);
  const k = taps.length;
  // -inf after the input, far enough for the last window; leading pads as the forward op has them.
  const tail = kernel.map((kk, i) => Math.max(0, (outSize[i] - 1) * strides[i] + (kk - 1) * dilations[i] + 1 - begin[i] - inSize[i]));
  const padded = e.pad(x, [0, 0, ...begin, 0, 0, ...tail], -Infinity, dtype);
  const windows = e.concat(taps.map((t) => {
    const starts = t.map((ti, i) => ti * dilations[i]);
    const ends = starts.map((s, i) => s + (outSize[i] - 1) * strides[i] + 1);
    return e.unsqueeze(e.slice(padded, starts, ends, spatial, strides), [2]);
  }), 2);
  const winner = e.op('ArgMax', [windows], { axis: attr.int(2), keepdims: attr.int(1) });
  const slots = e.ints(range(0, k));
  const oneHot = e.cast(e.op('Equal', [winner, e.reshape(slots, [k, ...new Array<number>(n).fill(1)])]), dtype);
  const routed = e.reshape(e.mul(oneHot, e.unsqueeze(g, [2])), [-1, k, ...outSize]);
  const kernelValues = new Array<number>(k * k).fill(0);
  for (let i = 0; i < k; i++) kernelValues[i * k + i] = 1;
  // ORT's ConvTranspose has no double kernel (MaxPool has): float64 graphs scatter in float32.
  const wide = dtype === 'float64';
  const scatter = e.constant(tensorOf(wide ? 'float32' : dtype, [k, 1, ...kernel], kernelValues), 'maxpool_scatter');
  const back = e.op('ConvTranspose', [wide ? e.cast(routed, 'float32') : routed, scatter], scatterBackAttrs(geometry));
  return e.reshape(wide ? e.cast(back, 'float64') : back, xShape);
}

/** Scatters a pool-output-shaped gradient back onto the pool's input (x-shaped). */
type Router = (g: string) => string;

/**
 * The fast route back to the maxima: the forward MaxPool's own Indices output (added to the node in
 * the gradient graph when the model does not ask for it), which holds, for each window, the flat
 * row-major index into x (batch and channels included) of its first maximum: onnxruntime scans each
 * window in row-major order and keeps a value only when strictly greater, so ties go to the first,
 * as TF and PyTorch. Each gradient is then put there: MaxUnpool when the windows do not overlap (no
 * index repeats), ScatterElements adding up repeats (opset 16) when they do. Undefined when the
 * attributes leave the indices in another order (storage_order 1) or the opset has no such ops:
 * routeToMax then.
 */
function indexRouter(ctx: BackwardContext, geometry: WindowGeometry): Router | undefined {
  const { e, node } = ctx;
  const x = node.inputs[0];
  const dtype = e.dtype(x);
  if (e.opset < 11 || intAttr(node, 'storage_order', 0) !== 0 || !(dtype === 'float32' || dtype === 'float64')) return undefined;
  const { kernel, strides, dilations, begin, inSize, outSize } = geometry;
  // MaxUnpool checks that the output is at least (out - 1) stride + kernel - pads: ceil-mode windows
  // hanging past the end need that much end padding, which it accepts below the kernel size.
  const unpoolEnd = kernel.map((k, i) => Math.max(0, (outSize[i] - 1) * strides[i] + k - begin[i] - inSize[i]));
  const disjoint = kernel.every((k, i) => strides[i] >= (k - 1) * dilations[i] + 1 && begin[i] < k && unpoolEnd[i] < k);
  if (!disjoint && e.opset < 16) return undefined;
  const indices = poolIndices(e, node);
  const xShape = e.shapeOf(x);
  // MaxUnpool (float kernel only) where no index repeats; ScatterElements otherwise, adding the
  // repeats up, and in float64, which it runs in double.
  if (disjoint && dtype === 'float32') {
    const attrs = { kernel_shape: attr.ints(kernel), strides: attr.ints(strides), pads: attr.ints([...begin, ...unpoolEnd]) };
    return (g) => e.op('MaxUnpool', [g, indices, xShape], attrs);
  }
  const scatterAttrs: Record<string, AttrValue> = { axis: attr.int(0) };
  if (!disjoint) scatterAttrs.reduction = attr.string('add');
  return (g) => {
    const flat = e.op('ScatterElements', [e.reshape(e.zerosLike(x), [-1]), e.reshape(indices, [-1]), e.reshape(g, [-1])], scatterAttrs);
    return e.reshape(flat, xShape);
  };
}

/** The Indices output of a forward MaxPool node, given to it when it has none. */
function poolIndices(e: Emitter, node: Node): string {
  const existing = node.outputs[1];
  if (existing) return existing;
  const name = e.b.fresh(`${node.name || 'maxpool'}_indices`);
  node.outputs[1] = name;
  const y = e.info(node.outputs[0]);
  e.forward.values.set(name, { name, dtype: 'int64', shape: [...y.shape] });
  return name;
}

// DeepLIFT for max pooling as tfjs-rules.ts's rescaleMaxPool (Captum's rule): the output difference
// max(p(x), p(x0)) - p(x0) is routed through both halves' argmax and divided by the input difference;
// where that difference is below eps, the ordinary gradient. The references' half of dy is unused.
function deepLiftMaxPool(ctx: BackwardContext, geometry: WindowGeometry, router: Router | undefined): string {
  if (ctx.rule.kind !== 'deeplift') throw new Error('autodiff: DeepLIFT max-pool outside DeepLIFT');
  const { e, node } = ctx;
  const x = node.inputs[0];
  const y = node.outputs[0];
  const dy = gradOf(ctx);
  const dtype = e.dtype(x);
  const [x1, x0] = e.halves(x);
  const [y1, y0] = e.halves(y);
  const [dy1] = e.halves(dy);
  const crossMax = e.op('Max', [y1, y0]);
  const toInputs = e.mul(dy1, e.sub(crossMax, y0));
  const toReferences = e.mul(dy1, e.sub(y1, crossMax));
  let routed: string;
  if (router) {
    // One scatter of both halves through the forward indices: each half's rows land in its own half.
    const [first, second] = e.halves(router(e.concat([toInputs, toReferences], 0)));
    routed = e.add(first, second);
  } else {
    const halfShape = e.op('Shape', [x1]);
    routed = e.add(routeToMax(e, x1, toInputs, geometry, dtype, halfShape), routeToMax(e, x0, toReferences, geometry, dtype, halfShape));
  }
  const deltaIn = e.sub(x1, x0);
  const small = e.op('Less', [e.op('Abs', [deltaIn]), e.scalar(ctx.rule.eps, dtype)]);
  const ratio = e.div(routed, e.where(small, e.scalar(1, dtype), deltaIn));
  const standard = router ? router(dy) : routeToMax(e, x, dy, geometry, dtype, e.shapeOf(x));
  return e.where(e.concat([small, small], 0), standard, e.concat([ratio, ratio], 0));
}

/**
 * The standard rule's pooled gradient with the derivative of the Relu before the pool folded in,
 * when that Relu's output is read by this MaxPool alone and is neither explained nor requested (the
 * usual Conv -> Relu -> MaxPool): the gradient reaches the Relu's output only at window maxima, where
 * it equals the pooled value p, so the Relu's mask there is (p > 0), applied at the pool's size
 * instead of the Relu's. A window whose maximum is 0 (all of it 0 after the Relu) gets 0, as the Relu
 * gives at 0. The Relu's rule then passes the gradient through (BackwardGraph.premasked). Not under
 * guided backprop or DeepLIFT, whose Relu rules differ.
 */
function foldReluMask(ctx: BackwardContext, dy: string): string {
  const { e, node, graph } = ctx;
  const x = node.inputs[0];
  const relu = graph?.producer(x);
  if (!graph || ctx.rule.kind !== 'standard' || !relu || relu.op !== 'Relu' || !(relu.domain === '' || relu.domain === 'ai.onnx')
    || graph.uses(x) !== 1 || graph.pinned(x)) return dy;
  const dtype = e.dtype(x);
  graph.premasked.add(x);
  return e.mul(dy, e.cast(e.op('Greater', [node.outputs[0], e.scalar(0, dtype)]), dtype));
}

registerGradient('MaxPool', {
  differentiable: [0],
  deeplift: 'custom',
  backward(ctx) {
    const { e, node } = ctx;
    if (ctx.dy[1]) throw new GlassboxError(`MaxPool node "${node.name}": its indices have no gradient`);
    const x = node.inputs[0];
    const geometry = geometryOf(ctx, x);
    const router = indexRouter(ctx, geometry);
    if (ctx.rule.kind === 'deeplift') return [deepLiftMaxPool(ctx, geometry, router)];
    const dy = foldReluMask(ctx, gradOf(ctx));
    return [router ? router(dy) : routeToMax(e, x, dy, geometry, e.dtype(x), e.shapeOf(x))];
  },
});

/**
 * How many inputs each output of an average pool divides by, per spatial axis: onnxruntime counts
 * the taps inside the padded input (count_include_pad) or inside the input; taps of a ceil-mode
 * window past the end padding never count.
 */
function divisors(geometry: WindowGeometry, includePad: boolean): number[][] {
  const { kernel, strides, dilations, begin, end, inSize, outSize } = geometry;
  return kernel.map((k, i) => range(0, outSize[i]).map((o) => {
    let count = 0;
    for (let t = 0; t < k; t++) {
      const p = o * strides[i] + t * dilations[i] - begin[i];
      if (includePad ? p < inSize[i] + end[i] : p >= 0 && p < inSize[i]) count++;
    }
    return count;
  }));
}

// Each output is the mean of its window: its gradient, divided by the window's count, is spread
// evenly over the window by a ConvTranspose with a kernel of ones.
registerGradient('AveragePool', {
  differentiable: [0],
  deeplift: 'linear',
  backward(ctx) {
    const { e, node } = ctx;
    const x = node.inputs[0];
    const geometry = geometryOf(ctx, x);
    const { kernel, outSize } = geometry;
    const dtype = e.dtype(x);
    const perAxis = divisors(geometry, intAttr(node, 'count_include_pad', 0) !== 0);
    let counts: number[] = [1];
    for (const axis of perAxis) counts = counts.flatMap((c) => axis.map((a) => c * a));
    const divisor = e.constant(tensorOf(dtype, outSize, counts), 'avgpool_counts');
    const scaled = e.reshape(e.div(gradOf(ctx), divisor), [-1, 1, ...outSize]);
    const ones = e.constant(tensorOf(dtype, [1, 1, ...kernel], new Array<number>(product(kernel)).fill(1)), 'avgpool_ones');
    return [e.reshapeLike(e.op('ConvTranspose', [scaled, ones], scatterBackAttrs(geometry)), x)];
  },
});

registerGradient('GlobalAveragePool', {
  deeplift: 'linear',
  backward(ctx) {
    const { e, node } = ctx;
    const x = node.inputs[0];
    const size = product(e.knownDims(x, range(2, e.rank(x)), node));
    return [e.op('Expand', [e.div(gradOf(ctx), e.scalar(size, e.dtype(x))), e.shapeOf(x)])];
  },
});

// The whole map is one window: the gradient goes to its first maximum.
registerGradient('GlobalMaxPool', {
  deeplift: 'unsupported',
  backward(ctx) {
    const { e, node } = ctx;
    const x = node.inputs[0];
    const size = product(e.knownDims(x, range(2, e.rank(x)), node));
    const flat = e.reshape(x, [0, 0, size]);
    const winner = e.op('ArgMax', [flat], { axis: attr.int(2), keepdims: attr.int(1) });
    const oneHot = e.cast(e.op('Equal', [winner, e.ints(range(0, size))]), e.dtype(x));
    return [e.reshapeLike(e.mul(oneHot, e.reshape(gradOf(ctx), [0, 0, 1])), x)];
  },
});
