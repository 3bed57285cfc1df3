/**
 * Reverse-mode differentiation on the native engine's graph: from a model's graph, a new graph that
 * computes the forward pass and, in the same run, the gradient of a weighted sum of one output with
 * respect to chosen inputs and intermediate values. One backward rule per op lives in the family
 * files (elementwise, matmul, conv, pool, normalization, shape, reduce), registered by op name.
 */
import { GlassboxError, UsageError } from '../../../errors.js';
import { type DType, type Graph, GraphBuilder, type Node, type ValueInfo, attr } from '../graph.js';
import { Emitter, isFloat, tensorOf } from './emitter.js';
import { type BackwardContext, type BackwardGraph, type ResolvedRule, getGradientRule } from './registry.js';
import './elementwise.js';
import './matmul.js';
import './conv.js';
import './pool.js';
import './normalization.js';
import './shape.js';
import './reduce.js';

export {
  type BackwardContext, type BackwardGraph, type DeepLiftBehaviour, type GradientRule, type ResolvedRule,
  getGradientRule, registerGradient, registeredGradientOps,
} from './registry.js';
export { Emitter } from './emitter.js';

/** The extra graph input that carries the output's cotangent (the weights of the explained sum). */
export const OUTPUT_WEIGHTS = 'glassbox_output_weights';

/** The graph output that holds the gradient with respect to `value`. */
export function gradientName(value: string): string {
  return `glassbox_grad:${value}`;
}

/**
 * How gradients flow backwards (the native side of BackwardRule in src/models/model.ts).
 * - `guided-backprop`: Relu passes only positive gradients, and only where its input was positive.
 * - `{ deeplift: true }`: DeepLIFT's rescale rule. The batch holds the inputs in its first half and
 *   their baselines in its second; every elementwise nonlinearity's multiplier becomes
 *   (f(x) - f(x0)) / (x - x0) (f'(x) where |x - x0| < eps, default 1e-10), max-pooling routes the output
 *   difference through both halves' maxima, linear ops keep their gradient, and any other op on the
 *   path (softmax, a product of two varying values...) is an error. Feed zero output weights for the
 *   baselines' rows; the inputs' rows of each gradient are DeepLIFT's multipliers.
 */
export type BackwardRuleOption = 'standard' | 'guided-backprop' | { deeplift: true; eps?: number };

export interface GradientGraphRequest {
  /** The value to explain: a graph output, [B, numOutputs]. */
  output: string;
  /** Graph inputs to differentiate with respect to. Default: every floating-point graph input. */
  inputs?: string[];
  /** Intermediate values to differentiate with respect to as well (a layer's activations, for Grad-CAM). */
  intermediates?: string[];
  /** Also make the intermediates graph outputs, so one run returns their values. Default false. */
  outputIntermediates?: boolean;
  /** Default 'standard'. */
  rule?: BackwardRuleOption;
}

/** The graph buildGradientGraph returns, and where to find what it computes. */
export interface GradientGraph {
  /** Forward and backward nodes; the original graph's inputs and outputs, plus the ones named below. */
  graph: Graph;
  /** The explained output (still an output of the graph). */
  output: string;
  /** The extra input, shaped like the output: row-wise weights of the explained sum (one-hot rows pick a logit). */
  outputWeights: string;
  /** Gradient output name of each differentiated value (inputs and intermediates): `glassbox_grad:<value>`. */
  gradients: Record<string, string>;
  /** Output name of each intermediate value the graph outputs (its own name); empty unless outputIntermediates. */
  intermediates: Record<string, string>;
  rule: ResolvedRule;
}

function resolveRule(rule: BackwardRuleOption | undefined): ResolvedRule {
  if (rule === undefined || rule === 'standard') return { kind: 'standard' };
  if (rule === 'guided-backprop') return { kind: 'guided-backprop' };
  if (typeof rule === 'object' && rule.deeplift === true) {
    const eps = rule.eps ?? 1e-10;
    if (!(eps >= 0)) throw new UsageError(`DeepLIFT's eps must be a non-negative number, not ${eps}`);
    return { kind: 'deeplift', eps };
  }
  throw new UsageError(`unknown backward rule ${JSON.stringify(rule)}`, "use 'standard', 'guided-backprop' or { deeplift: true }");
}

function cloneGraph(graph: Graph): Graph {
  return {
    ...graph,
    inputs: graph.inputs.map((v) => ({ ...v, shape: [...v.shape] })),
    outputs: graph.outputs.map((v) => ({ ...v, shape: [...v.shape] })),
    initializers: new Map(graph.initializers),
    nodes: graph.nodes.map((n) => ({ ...n, inputs: [...n.inputs], outputs: [...n.outputs], attrs: { ...n.attrs } })),
    values: new Map(graph.values),
  };
}

function differentiableInputs(node: Node): boolean[] {
  const rule = getGradientRule(node.op, node.domain);
  return node.inputs.map((_, i) => !rule?.differentiable || rule.differentiable.includes(i));
}

/**
 * Drops the backward nodes (those from index `first` on) whose outputs reach no graph output:
 * onnxruntime runs every node it is given, needed or not.
 */
function pruneBackward(g: Graph, first: number): void {
  const live = new Set(g.outputs.map((o) => o.name));
  const keep = g.nodes.map(() => true);
  for (let n = g.nodes.length - 1; n >= 0; n--) {
    const node = g.nodes[n];
    if (n >= first && !node.outputs.some((o) => o && live.has(o))) {
      keep[n] = false;
      continue;
    }
    for (const x of node.inputs) if (x) live.add(x);
  }
  if (keep.every(Boolean)) return;
  g.nodes.forEach((node, n) => { if (!keep[n]) for (const o of node.outputs) if (o) g.values.delete(o); });
  g.nodes = g.nodes.filter((_, n) => keep[n]);
}

/**
 * A new graph (the original is left untouched) that runs `graph` forward and backpropagates the
 * cotangent fed as `outputWeights` from `request.output` to each requested value. Only nodes between
 * a requested value and the output are differentiated; integer and boolean values (shapes, indices,
 * masks) carry no gradient. Needs the dtype and shape of every value on that path (inferShapes).
 * Throws a GlassboxError naming the op and node when an op on the path has no backward rule.
 */
export function buildGradientGraph(graph: Graph, request: GradientGraphRequest): GradientGraph {
  const rule = resolveRule(request.rule);
  const g = cloneGraph(graph);
  const producer = new Map<string, Node>();
  for (const node of g.nodes) for (const o of node.outputs) if (o) producer.set(o, node);
  const known = (name: string) => producer.has(name) || g.initializers.has(name) || g.inputs.some((v) => v.name === name);
  const dtypeOf = (name: string): DType | undefined =>
    g.values.get(name)?.dtype ?? g.initializers.get(name)?.dtype ?? g.inputs.find((v) => v.name === name)?.dtype;
  const valueInfo = (name: string): ValueInfo => {
    const info = g.values.get(name) ?? g.inputs.find((v) => v.name === name) ?? g.outputs.find((v) => v.name === name);
    if (!info) throw new GlassboxError(`autodiff needs the dtype and shape of "${name}"`, 'run inferShapes(graph) before buildGradientGraph');
    return info;
  };

  const { output } = request;
  if (!known(output)) {
    throw new UsageError(`the graph has no value "${output}" to explain`, `choose one of its outputs: ${g.outputs.map((o) => o.name).join(', ')}`);
  }
  const inputs = request.inputs ?? g.inputs.filter((v) => isFloat(v.dtype)).map((v) => v.name);
  const intermediates = request.intermediates ?? [];
  const wrt = [...new Set([...inputs, ...intermediates])];
  for (const name of wrt) {
    if (!known(name)) throw new UsageError(`the graph has no value "${name}" to differentiate with respect to`);
    const dtype = dtypeOf(name);
    if (dtype !== undefined && !isFloat(dtype)) throw new UsageError(`"${name}" holds ${dtype} values, which have no gradient`);
  }
  const outputInfo = valueInfo(output);
  const weights = OUTPUT_WEIGHTS;
  const taken = new Set([...g.inputs.map((v) => v.name), ...g.initializers.keys(), ...producer.keys()]);
  for (const name of [weights, ...wrt.map(gradientName)]) {
    if (taken.has(name)) throw new GlassboxError(`the graph already has a value named "${name}"`, 'rename it before computing gradients');
  }

  // Values that depend on a requested value through differentiable, floating-point edges...
  const carries = (name: string) => name !== '' && (dtypeOf(name) === undefined || isFloat(dtypeOf(name)!));
  const varying = new Set(wrt);
  for (const node of g.nodes) {
    const diff = differentiableInputs(node);
    if (node.inputs.some((x, i) => diff[i] && varying.has(x))) for (const o of node.outputs) if (carries(o)) varying.add(o);
  }
  // ...and through which the output depends on one: the part of the graph that is differentiated.
  const relevant = new Set<string>(varying.has(output) ? [output] : []);
  for (let n = g.nodes.length - 1; n >= 0; n--) {
    const node = g.nodes[n];
    if (!node.outputs.some((o) => relevant.has(o))) continue;
    const diff = differentiableInputs(node);
    node.inputs.forEach((x, i) => { if (diff[i] && varying.has(x)) relevant.add(x); });
  }

  const forwardNodes = [...g.nodes];
  g.inputs.push({ name: weights, dtype: outputInfo.dtype, shape: [...outputInfo.shape] });
  g.values.set(weights, { name: weights, dtype: outputInfo.dtype, shape: [...outputInfo.shape] });
  const builder = new GraphBuilder(g, 'glassbox_bw/');
  const e = new Emitter(builder, g);

  const uses = new Map<string, number>();
  for (const node of forwardNodes) for (const x of node.inputs) if (x) uses.set(x, (uses.get(x) ?? 0) + 1);
  const pinned = new Set([output, ...wrt]);
  const around: BackwardGraph = {
    producer: (name) => producer.get(name),
    uses: (name) => uses.get(name) ?? 0,
    pinned: (name) => pinned.has(name),
    premasked: new Set(),
  };

  const contributions = new Map<string, string[]>([[output, [weights]]]);
  const total = (name: string): string | null => {
    const terms = contributions.get(name);
    if (!terms || terms.length === 0) return null;
    if (terms.length > 1) contributions.set(name, [e.sum(terms)]);
    return contributions.get(name)![0];
  };
  for (let n = forwardNodes.length - 1; n >= 0; n--) {
    const node = forwardNodes[n];
    if (!node.outputs.some((o) => relevant.has(o))) continue;
    const dy = node.outputs.map((o) => (relevant.has(o) ? total(o) : null));
    if (dy.every((d) => d === null)) continue;
    const diff = differentiableInputs(node);
    const needs = node.inputs.map((x, i) => x !== '' && diff[i] && relevant.has(x));
    if (!needs.some(Boolean)) continue;
    const gradientRule = getGradientRule(node.op, node.domain);
    const opName = node.domain ? `${node.domain}:${node.op}` : node.op;
    if (!gradientRule) {
      throw new GlassboxError(`no gradient rule for ${opName} (node "${node.name}")`,
        'use a perturbation method (occlusion, feature-ablation, shapley-values), or the TF.js engine');
    }
    const ctx: BackwardContext = { node, e, dy, needs, rule, graph: around };
    if (rule.kind === 'deeplift') {
      const behaviour = typeof gradientRule.deeplift === 'function' ? gradientRule.deeplift(ctx) : gradientRule.deeplift ?? 'unsupported';
      if (behaviour === 'unsupported') {
        throw new GlassboxError(`DeepLIFT has no rule for ${opName} (node "${node.name}") here`,
          'DeepLIFT handles elementwise nonlinearities, max-pooling and linear ops; use integrated-gradients or a perturbation method');
      }
    }
    const grads = gradientRule.backward(ctx);
    needs.forEach((need, i) => {
      const grad = grads[i];
      if (!need || !grad) return;
      const list = contributions.get(node.inputs[i]) ?? [];
      list.push(grad);
      contributions.set(node.inputs[i], list);
    });
  }

  // Named outputs: an Identity of the accumulated gradient, or zeros where the output does not depend on it.
  const gradients: Record<string, string> = {};
  for (const name of wrt) {
    const info = valueInfo(name);
    const out = gradientName(name);
    const sum = total(name);
    const node: Node = sum
      ? { op: 'Identity', domain: '', name: builder.fresh('grad_out'), inputs: [sum], outputs: [out], attrs: {} }
      : {
        op: 'ConstantOfShape', domain: '', name: builder.fresh('grad_zero'), inputs: [e.shapeOf(name)], outputs: [out],
        attrs: { value: attr.tensor(tensorOf(info.dtype, [1], [0])) },
      };
    g.nodes.push(node);
    const outInfo = { name: out, dtype: info.dtype, shape: [...info.shape] };
    g.outputs.push(outInfo);
    g.values.set(out, { ...outInfo, shape: [...info.shape] });
    gradients[name] = out;
  }
  const exposed: Record<string, string> = {};
  if (request.outputIntermediates) {
    for (const name of intermediates) {
      if (!g.outputs.some((o) => o.name === name)) {
        const info = valueInfo(name);
        g.outputs.push({ name, dtype: info.dtype, shape: [...info.shape] });
      }
      exposed[name] = name;
    }
  }
  pruneBackward(g, forwardNodes.length);
  return { graph: g, output, outputWeights: weights, gradients, intermediates: exposed, rule };
}
