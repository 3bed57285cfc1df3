import { GlassboxError } from '../../../errors.js';
import { type AttrValue, type Node, type TensorValue, attr, intAttr, intsAttr, stringAttr } from '../graph.js';
import { type Emitter, range } from './emitter.js';
import { type BackwardContext, gradOf, linearWhileOneVaries, registerGradient, unsupportedInput } from './registry.js';


/** Where the windows of a convolution or pooling lie, per spatial axis (sizes from the recorded shapes). */
export interface WindowGeometry {
  kernel: number[];
  strides: number[];
  dilations: number[];
  /** The forward op's padding before and after each spatial axis. */
  begin: number[];
  end: number[];
  inSize: number[];
  outSize: number[];
}

/** The windows of `node` (Conv, MaxPool, AveragePool) from input `x` to output `y`. */
export function windowGeometry(e: Emitter, node: Node, x: string, y: string, kernel: number[]): WindowGeometry {
  const n = kernel.length;
  const spatial = range(2, 2 + n);
  const inSize = e.knownDims(x, spatial, node);
  const outSize = e.knownDims(y, spatial, node);
  const strides = intsAttr(node, 'strides', new Array<number>(n).fill(1));
  const dilations = intsAttr(node, 'dilations', new Array<number>(n).fill(1));
  const autoPad = stringAttr(node, 'auto_pad', 'NOTSET');
  let begin: number[];
  let end: number[];
  if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    // The total padding that makes out = ceil(in / stride); odd totals put the extra at the end (UPPER).
    const total = kernel.map((k, i) => Math.max(0, (outSize[i] - 1) * strides[i] + (k - 1) * dilations[i] + 1 - inSize[i]));
    begin = total.map((t) => (autoPad === 'SAME_UPPER' ? Math.floor(t / 2) : Math.ceil(t / 2)));
    end = total.map((t, i) => t - begin[i]);
  } else if (autoPad === 'VALID') {
    begin = new Array<number>(n).fill(0);
    end = new Array<number>(n).fill(0);
  } else {
    const pads = intsAttr(node, 'pads', new Array<number>(2 * n).fill(0));
    begin = pads.slice(0, n);
    end = pads.slice(n);
  }
  return { kernel, strides, dilations, begin, end, inSize, outSize };
}

/**
 * ConvTranspose attributes that scatter an output-sized map back onto the input, each window's
 * values to where the window read them: the forward's strides, dilations and leading pads, and an
 * end pad (or output_padding) that makes the result exactly the input's size. That covers the rows a
 * strided window never reads, and ceil-mode windows that hang past the end.
 */
export function scatterBackAttrs(g: WindowGeometry, group = 1): Record<string, AttrValue> {
  const end: number[] = [];
  const outputPadding: number[] = [];
  g.kernel.forEach((k, i) => {
    const reach = (g.outSize[i] - 1) * g.strides[i] + (k - 1) * g.dilations[i] + 1 - g.begin[i];
    end.push(Math.max(0, reach - g.inSize[i]));
    outputPadding.push(Math.max(0, g.inSize[i] - reach));
  });
  const attrs: Record<string, AttrValue> = {
    kernel_shape: attr.ints(g.kernel),
    strides: attr.ints(g.strides),
    dilations: attr.ints(g.dilations),
    pads: attr.ints([...g.begin, ...end]),
    group: attr.int(group),
  };
  if (outputPadding.some((p) => p > 0)) attrs.output_padding = attr.ints(outputPadding);
  return attrs;
}

function kernelOf(ctx: BackwardContext, w: string): number[] {
  const rank = ctx.e.rank(w);
  return intsAttr(ctx.node, 'kernel_shape', []).length > 0
    ? intsAttr(ctx.node, 'kernel_shape', [])
    : ctx.e.knownDims(w, range(2, rank), ctx.node);
}

/** The bias gradient of a convolution: dy summed over everything but the channels. */
function biasGradient(ctx: BackwardContext): string {
  return ctx.e.reduceSum(gradOf(ctx), [0, ...range(2, ctx.e.rank(ctx.node.outputs[0]))], false);
}

/**
 * dW[m, c, t] = sum over n, o of dy[n, m, o] x[n, c, o s + t d - begin]: itself a convolution of x
 * (channels as batch) with dy (batch as channels) where stride and dilation swap roles, per group.
 */
function weightGradient(ctx: BackwardContext, x: string, g: WindowGeometry, group: number): string {
  const { e, node } = ctx;
  const dy = gradOf(ctx);
  const n = g.kernel.length;
  const swap = [1, 0, ...range(2, 2 + n)];
  const [channels] = e.knownDims(x, [1], node);
  const [filters] = e.knownDims(node.outputs[0], [1], node);
  const xs = group === 1 ? [x] : e.split(x, 1, new Array<number>(group).fill(channels / group));
  const dys = group === 1 ? [dy] : e.split(dy, 1, new Array<number>(group).fill(filters / group));
  const parts = xs.map((xg, j) => {
    const full = e.op('Conv', [e.transpose(xg, swap), e.transpose(dys[j], swap)], {
      strides: attr.ints(g.dilations),
      dilations: attr.ints(g.strides),
      pads: attr.ints([...g.begin, ...g.end]),
    });
    // [C/g, M/g, t'] with t' >= k when the end padding reaches past the last window: keep k.
    const kept = e.slice(full, new Array<number>(n).fill(0), g.kernel, range(2, 2 + n));
    return e.transpose(kept, swap);
  });
  return e.concat(parts, 0);
}

/**
 * W [M, C / group, k...] as the kernel of the convolution that transposes it: [C, M / group, k...]
 * with every spatial axis reversed (W'[j C/g + c, m, t] = W[j M/g + m, c, k - 1 - t] in group j).
 */
function flippedKernel(w: TensorValue, group: number): TensorValue {
  const [filters, perGroupIn, ...kernel] = w.shape;
  const perGroupOut = filters / group;
  const taps = kernel.reduce((a, b) => a * b, 1);
  const data = new (w.data.constructor as new (n: number) => typeof w.data)(w.data.length);
  for (let j = 0; j < group; j++) {
    for (let m = 0; m < perGroupOut; m++) {
      for (let c = 0; c < perGroupIn; c++) {
        const from = ((j * perGroupOut + m) * perGroupIn + c) * taps;
        const to = ((j * perGroupIn + c) * perGroupOut + m) * taps;
        // Reversing every spatial axis of a row-major block reverses its flat order.
        for (let t = 0; t < taps; t++) data[to + t] = w.data[from + taps - 1 - t];
      }
    }
  }
  return { dtype: w.dtype, shape: [perGroupIn * group, perGroupOut, ...kernel], data };
}

/**
 * dX of a stride-1 convolution with constant weights, as a convolution of dy with the flipped,
 * transposed kernel, padded by (k - 1) d minus the forward's pads: onnxruntime runs Conv in its
 * blocked (NCHWc) kernels, about twice as fast as ConvTranspose, when the output has channels to
 * fill the blocks. Undefined where that does not apply (ConvTranspose then).
 */
function inputGradientAsConv(ctx: BackwardContext, w: string, g: WindowGeometry, group: number): string | undefined {
  const { e } = ctx;
  const value = e.constantValue(w);
  if (!value) return undefined;
  const channels = value.shape[1] * group;
  if (group !== 1 || channels % 8 !== 0) return undefined;
  if (g.strides.some((s) => s !== 1)) return undefined;
  const reach = g.kernel.map((k, i) => (k - 1) * g.dilations[i]);
  const begin = reach.map((r, i) => r - g.begin[i]);
  const end = reach.map((r, i) => r - g.end[i]);
  if ([...begin, ...end].some((p) => p < 0)) return undefined;
  const flipped = e.constant(flippedKernel(value, group), 'conv_flipped');
  return e.op('Conv', [gradOf(ctx), flipped], {
    kernel_shape: attr.ints(g.kernel),
    dilations: attr.ints(g.dilations),
    pads: attr.ints([...begin, ...end]),
    group: attr.int(group),
  });
}

// Y = conv(X, W) + B. dX is the transposed convolution of dy with the same W (which ConvTranspose
// reads as [in = M, out / group = C / group, k...], exactly Conv's layout).
registerGradient('Conv', {
  deeplift: linearWhileOneVaries,
  backward(ctx) {
    const { e, node } = ctx;
    const [x, w] = node.inputs;
    const y = node.outputs[0];
    const group = intAttr(node, 'group', 1);
    const g = windowGeometry(e, node, x, y, kernelOf(ctx, w));
    return [
      ctx.needs[0] ? inputGradientAsConv(ctx, w, g, group) ?? e.op('ConvTranspose', [gradOf(ctx), w], scatterBackAttrs(g, group)) : null,
      ctx.needs[1] ? weightGradient(ctx, x, g, group) : null,
      ctx.needs[2] ? biasGradient(ctx) : null,
    ];
  },
});

// Y = convT(X, W) + B: dX is the convolution of dy with W ([C, M / group, k...] read as Conv's
// [out = C, in / group = M / group, k...]), with the same strides, dilations and pads.
registerGradient('ConvTranspose', {
  deeplift: linearWhileOneVaries,
  backward(ctx) {
    const { e, node } = ctx;
    const [x, w] = node.inputs;
    const n = e.rank(x) - 2;
    const autoPad = stringAttr(node, 'auto_pad', 'NOTSET');
    if (node.attrs.output_shape || autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
      throw new GlassboxError(`no gradient for ConvTranspose node "${node.name}" with output_shape or auto_pad ${autoPad}: `
        + 'ONNX and onnxruntime split that padding differently', 'export the model with explicit pads');
    }
    if (ctx.needs[1]) unsupportedInput(ctx, 1, 'the weights');
    const strides = intsAttr(node, 'strides', new Array<number>(n).fill(1));
    const outputPadding = intsAttr(node, 'output_padding', new Array<number>(n).fill(0));
    if (outputPadding.some((p, i) => p >= strides[i])) {
      throw new GlassboxError(`no gradient for ConvTranspose node "${node.name}": output_padding ${outputPadding} is not below its strides`);
    }
    const attrs: Record<string, AttrValue> = {
      strides: attr.ints(strides),
      dilations: attr.ints(intsAttr(node, 'dilations', new Array<number>(n).fill(1))),
      pads: attr.ints(autoPad === 'VALID' ? new Array<number>(2 * n).fill(0) : intsAttr(node, 'pads', new Array<number>(2 * n).fill(0))),
      group: attr.int(intAttr(node, 'group', 1)),
    };
    return [
      ctx.needs[0] ? e.op('Conv', [gradOf(ctx), w], attrs) : null,
      null,
      ctx.needs[2] ? biasGradient(ctx) : null,
    ];
  },
});
