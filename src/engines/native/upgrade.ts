import { GlassboxError } from '../../errors.js';
import { GraphBuilder, type AttrValue, type Graph, type Node } from './graph.js';

/** The opset the native engine computes gradients in: its backward rules use ops of this version. */
export const TARGET_OPSET = 13;

/** Ops whose signature changed between opset 7 and 13, and how to rewrite them. */
const REWRITES: Record<string, (node: Node, b: GraphBuilder, from: number) => void> = {
  // Opset 10 moved starts/ends/axes from attributes to inputs.
  Slice: (node, b, from) => {
    if (from >= 10) return;
    const starts = ints(node, 'starts');
    const ends = ints(node, 'ends');
    const axes = node.attrs.axes?.type === 'ints' ? node.attrs.axes.value : starts.map((_, i) => i);
    node.inputs = [node.inputs[0], b.int64s(starts, 'slice_starts'), b.int64s(ends, 'slice_ends'), b.int64s(axes, 'slice_axes')];
    node.attrs = {};
  },
  // Opset 13 moved axes to an input.
  Squeeze: (node, b, from) => axesToInput(node, b, from, 13),
  Unsqueeze: (node, b, from) => axesToInput(node, b, from, 13),
  ReduceSum: (node, b, from) => axesToInput(node, b, from, 13),
  // Opset 13 moved split sizes to an input.
  Split: (node, b, from) => {
    if (from >= 13 || node.attrs.split?.type !== 'ints') return;
    node.inputs = [node.inputs[0], b.int64s(node.attrs.split.value, 'split_sizes')];
    delete node.attrs.split;
  },
  // Opset 11 moved min/max to inputs.
  Clip: (node, b, from) => {
    if (from >= 11) return;
    const min = node.attrs.min?.type === 'float' ? node.attrs.min.value : -3.4028234663852886e38;
    const max = node.attrs.max?.type === 'float' ? node.attrs.max.value : 3.4028234663852886e38;
    node.inputs = [node.inputs[0], b.scalar(min, 'float32', 'clip_min'), b.scalar(max, 'float32', 'clip_max')];
    node.attrs = {};
  },
  // Opset 11 moved pads (and the constant) to inputs.
  Pad: (node, b, from) => {
    if (from >= 11) return;
    const pads = ints(node, 'pads');
    const value = node.attrs.value?.type === 'float' ? node.attrs.value.value : 0;
    node.inputs = [node.inputs[0], b.int64s(pads, 'pads'), b.scalar(value, 'float32', 'pad_value')];
    node.attrs = node.attrs.mode ? { mode: node.attrs.mode } : {};
  },
  // Inference-only attributes that later opsets dropped.
  Dropout: (node) => { delete node.attrs.is_test; delete node.attrs.ratio; },
  BatchNormalization: (node) => { delete node.attrs.spatial; delete node.attrs.is_test; delete node.attrs.consumed_inputs; },
};

/** Ops that did not change between the model's opset and TARGET_OPSET in a way that matters here. */
const UNCHANGED = new Set([
  'Conv', 'ConvTranspose', 'Gemm', 'MatMul', 'Add', 'Sub', 'Mul', 'Div', 'Neg', 'Pow', 'Sqrt', 'Exp', 'Log', 'Relu',
  'LeakyRelu', 'Elu', 'Sigmoid', 'Tanh', 'Erf', 'Softmax', 'LogSoftmax', 'MaxPool', 'AveragePool', 'GlobalAveragePool',
  'GlobalMaxPool', 'Reshape', 'Flatten', 'Transpose', 'Concat', 'Gather', 'ReduceMean', 'ReduceMax', 'ReduceMin',
  'Where', 'Identity', 'Cast', 'Constant', 'Shape', 'ConstantOfShape', 'Equal', 'Less', 'Greater', 'Not', 'Expand',
  'Tile', 'Sum', 'Max', 'Min', 'Abs', 'Sign', 'Reciprocal', 'Floor', 'Ceil', 'LRN', 'PRelu', 'Softplus', 'Selu',
  'HardSigmoid', 'InstanceNormalization',
]);

/**
 * Raises a graph read from an older opset to TARGET_OPSET in place, rewriting the ops whose
 * signatures changed, so the backward rules (written against opset 13) apply. Softmax and
 * LogSoftmax before opset 13 flatten to 2-D around their axis, which matches opset 13 only on the
 * last axis: other axes are refused.
 */
export function upgradeOpset(graph: Graph): void {
  const from = graph.opset;
  if (from >= TARGET_OPSET) return;
  const b = new GraphBuilder(graph, 'upgrade_');
  for (const node of graph.nodes) {
    if (node.domain !== '' && node.domain !== 'ai.onnx') continue;
    const rewrite = REWRITES[node.op];
    if (rewrite) {
      rewrite(node, b, from);
    } else if (!UNCHANGED.has(node.op)) {
      throw new GlassboxError(`node ${node.name} (${node.op}) is written for opset ${from}, and Glassbox cannot raise it to opset ${TARGET_OPSET}`,
        `export the model with opset ${TARGET_OPSET} or later, or use perturbation methods (occlusion, feature-ablation)`);
    }
    if ((node.op === 'Softmax' || node.op === 'LogSoftmax') && from < 13) {
      const axis = node.attrs.axis?.type === 'int' ? node.attrs.axis.value : 1;
      const rank = graph.values.get(node.inputs[0])?.shape.length;
      if (rank !== undefined && axis !== -1 && axis !== rank - 1) {
        throw new GlassboxError(`node ${node.name} (${node.op}) flattens around axis ${axis}, which opset ${TARGET_OPSET} computes differently`,
          `export the model with opset ${TARGET_OPSET} or later`);
      }
    }
  }
  graph.opset = TARGET_OPSET;
}

function ints(node: Node, name: string): number[] {
  const a: AttrValue | undefined = node.attrs[name];
  if (!a || a.type !== 'ints') throw new GlassboxError(`node ${node.name} (${node.op}) has no "${name}" attribute`, 'the model file is malformed: export it again');
  return a.value;
}

function axesToInput(node: Node, b: GraphBuilder, from: number, since: number): void {
  if (from >= since || node.attrs.axes?.type !== 'ints') return;
  node.inputs = [node.inputs[0], b.int64s(node.attrs.axes.value, `${node.op.toLowerCase()}_axes`)];
  delete node.attrs.axes;
}
