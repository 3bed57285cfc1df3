import { GlassboxError } from '../../../errors.js';
import { buildGradientGraph, getGradientRule, type BackwardContext } from '../autodiff/index.js';
import { Emitter } from '../autodiff/emitter.js';
import { type Graph, GraphBuilder, type Node, type ValueInfo } from '../graph.js';
import { inferShapes } from '../shapes.js';
import type { PathFold } from './find-path-fold.js';
import { foldFlattenTranspose } from './fold-flatten-transpose.js';

/** `first-layer`: steps 1-2 below; `first-layer-relu-maxpool`: step 3 as well. */
export type PathFoldShortcut = 'first-layer' | 'first-layer-relu-maxpool';

/** The folded graph and the names to feed and fetch. */
export interface PathFoldGraph {
  graph: Graph;
  /** [R, ...input]: the rows x. */
  inputs: string;
  /** [R, ...input]: each row's baseline b. */
  baselines: string;
  /** [K]: the path's alphas (an input, so one graph serves every step count). */
  alphas: string;
  /** [R K, outputs]: row r, point k's cotangent (weights[k] times the target's one-hot row), rows major. */
  outputWeights: string;
  /** [R, ...input]: sum_k weights[k] grad f(b + alphas[k] (x - b)). */
  weightedSum: string;
}

const PREFIX = 'glassbox_path/';

/**
 * A graph computing integrated gradients' weighted gradient sum for R rows and K path points with the
 * first layers run on the R rows only. With z_k = b + a_k d, d = x - b, and the first layer
 * pre(z) = L z + c (L linear, c its bias):
 *
 * 1. pre(z_k) = pre(b) + a_k L d, so the K points' pre-activations are an elementwise broadcast of two
 *    per-row maps, pre(b) and L d, and the rest of the model runs on those R K rows as before.
 * 2. grad f(z_k) = L^T g_k, with g_k the gradient at pre(z_k); L^T is linear, so
 *    sum_k w_k grad f(z_k) = L^T (sum_k w_k g_k). The rest's backward runs on the R K points with the
 *    cotangent scaled by w_k, a ReduceSum over k gives sum_k w_k g_k per row, and L^T (the layer's own
 *    backward rule, and the prefix's) runs on R rows.
 * 3. When pre is followed by Relu and MaxPool, pre(b) is constant per channel (C_c) and every a_k > 0:
 *    within a window, relu(C_c + a_k m) is non-decreasing in m, so its maximum is relu(C_c + a_k max m),
 *    i.e. maxpool(relu(pre(z_k))) = relu(C + a_k P) with P = maxpool(L d), and C = maxpool(pre(b)) is
 *    that constant. The gradient reaches pre(z_k) at the window's first maximum of relu(pre(z_k)),
 *    times relu' there: where the pooled value is > 0, the first maximum of relu(C_c + a_k m) is the
 *    first maximum of m (the map is strictly increasing above the ReLU's kink, and ties in m are ties
 *    in it), which is MaxPool's index on L d for every k; where it is 0, relu' is 0 at every position
 *    of the window, so the routing does not matter. Hence sum_k w_k grad f(z_k) =
 *    L^T unpool_P(sum_k w_k [relu(C + a_k P) > 0] h_k), h_k the gradient at the pooled output: the
 *    gradient with respect to C, routed through L d's pooling indices (the MaxPool rule run on L d).
 *    At a = 0 every window of relu(C) ties and routes to its first position, not to L d's maximum: the
 *    caller uses `first-layer` then, and when pre(b) is not constant per channel.
 * All of this is exact in real arithmetic; in float32 the point-by-point graph rounds conv(z_k) its own
 * way, so near-ties may route differently there. test/engines/native/straight-path.test.ts compares
 * both within 1e-4.
 */
export function buildPathFoldGraph(model: Graph, fold: PathFold, shortcut: PathFoldShortcut): PathFoldGraph {
  if (shortcut === 'first-layer-relu-maxpool' && !fold.reluPool) {
    throw new GlassboxError('the pooled path shortcut needs a Relu and a MaxPool after the first layer', 'this is a bug in Glassbox');
  }
  const modelInput = model.inputs[0];
  const outputName = model.outputs[0].name;
  const foldedNodes = new Set<Node>([...fold.prefix, fold.linear, ...(fold.bias ? [fold.bias] : [])]);
  if (shortcut === 'first-layer-relu-maxpool') for (const n of [fold.reluPool!.relu, fold.reluPool!.pool]) foldedNodes.add(n);
  const blockOutput = [...foldedNodes].at(-1)!.outputs[0];
  const rest = model.nodes.filter((n) => !foldedNodes.has(n)).map((n) => ({ ...n, inputs: [...n.inputs], outputs: [...n.outputs], attrs: { ...n.attrs } }));
  const rowShape = modelInput.shape.slice(1);
  const declared = (name: string, shape: ValueInfo['shape']): ValueInfo => ({ name, dtype: 'float32', shape });
  const names = { inputs: `${PREFIX}inputs`, baselines: `${PREFIX}baselines`, alphas: `${PREFIX}alphas` };
  const g: Graph = {
    name: `${model.name}/straight-path`,
    opset: model.opset,
    inputs: [declared(names.inputs, ['rows', ...rowShape]), declared(names.baselines, ['rows', ...rowShape]), declared(names.alphas, ['steps'])],
    outputs: model.outputs.map((o) => ({ ...o, shape: [...o.shape] })),
    initializers: new Map(model.initializers),
    nodes: rest,
    values: new Map(),
  };
  // The builder sees the rest's names before the front is added; the front then goes first.
  const builder = new GraphBuilder(g, PREFIX);
  const e = new Emitter(builder, g);
  const copy = (node: Node, inputs: string[]): Node => {
    const out = builder.fresh(node.outputs[0].split('/').pop() ?? 'value');
    const clone: Node = { ...node, name: builder.fresh(`${node.name || node.op}_node`), inputs, outputs: [out], attrs: { ...node.attrs } };
    g.nodes.push(clone);
    return clone;
  };
  const frontStart = g.nodes.length;
  const d = e.sub(names.inputs, names.baselines);
  // The chain of d (the linear map L, whose backward rules run later) and the chain of b (pre(b)).
  const dChain: Node[] = [];
  let dv = d;
  let bv = names.baselines;
  for (const node of fold.prefix) {
    const rest = node.inputs.slice(1);
    dChain.push(copy(node, [dv, ...rest]));
    dv = dChain.at(-1)!.outputs[0];
    bv = copy(node, [bv, ...rest]).outputs[0];
  }
  dChain.push(copy(fold.linear, [dv, fold.linear.inputs[1]]));
  let moving = dChain.at(-1)!.outputs[0];
  let base = copy(fold.linear, [bv, ...fold.linear.inputs.slice(1)]).outputs[0];
  if (fold.bias) {
    const linearOut = fold.linear.outputs[0];
    const withBase = base;
    base = copy(fold.bias, fold.bias.inputs.map((x) => (x === linearOut ? withBase : x))).outputs[0];
  }
  let poolNode: Node | undefined;
  if (shortcut === 'first-layer-relu-maxpool') {
    const pool = fold.reluPool!.pool;
    base = copy(pool, [base]).outputs[0];
    poolNode = copy(pool, [moving]);
    moving = poolNode.outputs[0];
  }
  const blockInfo = model.values.get(blockOutput);
  const blockDims = blockInfo?.shape.slice(1);
  if (!blockDims || blockDims.some((x) => typeof x !== 'number')) {
    throw new GlassboxError(`the straight-path shortcut needs the static shape of "${blockOutput}"`, 'this is a bug in Glassbox');
  }
  const dims = blockDims as number[];
  const size = dims.reduce((a, b) => a * b, 1);
  // Row-major [R, K, size]: point (r, k) is row r k + k of what follows.
  const alphas = e.reshape(names.alphas, [1, -1, 1]);
  const points = e.add(e.reshape(base, [-1, 1, size]), e.mul(alphas, e.reshape(moving, [-1, 1, size])));
  const pointsShape = [-1, ...dims];
  if (shortcut === 'first-layer-relu-maxpool') {
    g.nodes.push({ op: 'Relu', domain: '', name: builder.fresh('relu_node'), inputs: [e.reshape(points, pointsShape)], outputs: [blockOutput], attrs: {} });
  } else {
    g.nodes.push({ op: 'Reshape', domain: '', name: builder.fresh('points_node'), inputs: [points, e.ints(pointsShape)], outputs: [blockOutput], attrs: {} });
  }
  g.nodes = [...g.nodes.slice(frontStart), ...g.nodes.slice(0, frontStart)];
  inferShapes(g);
  foldFlattenTranspose(g);
  // Reshape's -1 leaves the number of points unknown; naming it lets the rest's backward rules see
  // equal batch dimensions statically instead of emitting runtime unbroadcast checks.
  for (const [name, info] of g.values) {
    if (info.shape[0] === null && typeof model.values.get(name)?.shape[0] === 'string') {
      g.values.set(name, { ...info, shape: ['points', ...info.shape.slice(1)] });
    }
  }

  const gg = buildGradientGraph(g, { output: outputName, inputs: [], intermediates: [blockOutput] });
  const out = gg.graph;
  const bw = new Emitter(new GraphBuilder(out, `${PREFIX}bw/`), out);
  // The points' gradients (the cotangent carries w_k), masked by the front's Relu, summed over k per row.
  // The mask from the Relu's output, as the Relu rule takes it (a cast mask beat Sign and Where here).
  let perPoint = gg.gradients[blockOutput];
  if (shortcut === 'first-layer-relu-maxpool') {
    perPoint = bw.mul(perPoint, bw.cast(bw.op('Greater', [blockOutput, bw.scalar(0, 'float32')]), 'float32'));
  }
  let grad = bw.reshape(bw.reduceSum(bw.reshape(perPoint, bw.shapeOf(points)), [1], false), [-1, ...dims]);
  // L^T (and the pooling's routing) by the layers' own backward rules, on the R rows' nodes.
  const chain = [...dChain, ...(poolNode ? [poolNode] : [])].reverse();
  for (const built of chain) {
    const node = out.nodes.find((n) => n.name === built.name)!;
    const rule = getGradientRule(node.op, node.domain);
    if (!rule) throw new GlassboxError(`no gradient rule for ${node.op}`, 'this is a bug in Glassbox');
    const ctx: BackwardContext = { node, e: bw, dy: [grad], needs: node.inputs.map((_, i) => i === 0), rule: { kind: 'standard' } };
    const next = rule.backward(ctx)[0];
    if (!next) throw new GlassboxError(`the ${node.op} rule gave no input gradient`, 'this is a bug in Glassbox');
    grad = next;
  }
  const weightedSum = `${PREFIX}weighted_sum`;
  out.nodes.push({ op: 'Identity', domain: '', name: `${PREFIX}weighted_sum_node`, inputs: [grad], outputs: [weightedSum], attrs: {} });
  const info = declared(weightedSum, ['rows', ...rowShape]);
  out.outputs = [info];
  out.values.set(weightedSum, info);
  pruneDead(out);
  return { graph: out, ...names, outputWeights: gg.outputWeights, weightedSum };
}

/** Drops nodes whose outputs reach no graph output (onnxruntime runs every node it is given). */
function pruneDead(g: Graph): void {
  const live = new Set(g.outputs.map((o) => o.name));
  const keep = new Array<boolean>(g.nodes.length).fill(false);
  for (let n = g.nodes.length - 1; n >= 0; n--) {
    if (!g.nodes[n].outputs.some((o) => o && live.has(o))) continue;
    keep[n] = true;
    for (const x of g.nodes[n].inputs) if (x) live.add(x);
  }
  g.nodes = g.nodes.filter((_, n) => keep[n]);
}
