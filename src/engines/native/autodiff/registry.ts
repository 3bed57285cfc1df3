import { GlassboxError } from '../../../errors.js';
import type { Node } from '../graph.js';
import type { Emitter } from './emitter.js';

/** The chain rule in force while a backward graph is built (see GradientGraphRequest.rule). */
export type ResolvedRule =
  | { kind: 'standard' }
  | { kind: 'guided-backprop' }
  | { kind: 'deeplift'; eps: number };

export interface BackwardContext {
  node: Node;
  e: Emitter;
  /** The gradient arriving at each output of the node; null where nothing downstream needs one. */
  dy: (string | null)[];
  /** Which inputs want a gradient: they depend on a requested value and are differentiable here. */
  needs: boolean[];
  rule: ResolvedRule;
  /** The forward graph around the node, for rules that fold a neighbour's derivative into their own. */
  graph?: BackwardGraph;
}

/** What a rule may ask about the forward graph while the backward graph is built. */
export interface BackwardGraph {
  /** The forward node that computes a value; undefined for graph inputs and initializers. */
  producer(name: string): Node | undefined;
  /** How many node inputs of the forward graph read a value (a node reading it twice counts twice). */
  uses(name: string): number;
  /** The explained output or a requested value: its gradient must be its own, nothing folded into it. */
  pinned(name: string): boolean;
  /**
   * Values whose arriving gradient already carries their producer's derivative, folded in by the
   * rule of their only consumer (a Relu before a MaxPool: see pool.ts); that producer's rule passes
   * the gradient through unchanged. Filled while the backward walk goes from the output to the inputs.
   */
  premasked: Set<string>;
}

/**
 * How DeepLIFT treats an op. `linear` ops keep their ordinary gradient (matmuls, convolutions, shape
 * ops, sums); `custom` rules apply DeepLIFT themselves in `backward` (elementwise nonlinearities get the
 * rescale multiplier, max-pooling its own rule); `unsupported` ops (softmax, products of two values that
 * both depend on the input...) stop the build with an error.
 */
export type DeepLiftBehaviour = 'linear' | 'custom' | 'unsupported';

export interface GradientRule {
  /** Inputs a gradient can flow into; the others (shapes, indices, axes) are cut. Default: all. */
  differentiable?: readonly number[];
  /** Default 'unsupported'. A function decides per node (Mul is linear when only one operand varies). */
  deeplift?: DeepLiftBehaviour | ((ctx: BackwardContext) => DeepLiftBehaviour);
  /**
   * The gradient of each input (by input index), each the shape of its input; null or missing where
   * `needs` is false. Emit nodes through `ctx.e`.
   */
  backward(ctx: BackwardContext): (string | null | undefined)[];
}

/** The gradient arriving at output `i`; rules are only called when some output has one. */
export function gradOf(ctx: BackwardContext, i = 0): string {
  const g = ctx.dy[i];
  if (!g) throw new Error(`autodiff: ${ctx.node.op} node "${ctx.node.name}" has no gradient at output ${i}`);
  return g;
}

const rules = new Map<string, GradientRule>();

function key(op: string, domain: string): string {
  return domain === '' || domain === 'ai.onnx' ? op : `${domain}:${op}`;
}

/** Registers (or replaces) the backward rule of an op, as tfjs-core's registerGradient does. */
export function registerGradient(op: string, rule: GradientRule, domain = ''): void {
  rules.set(key(op, domain), rule);
}

export function getGradientRule(op: string, domain = ''): GradientRule | undefined {
  return rules.get(key(op, domain));
}

/** Every op with a rule ("domain:Op" outside the default domain), sorted. */
export function registeredGradientOps(): string[] {
  return [...rules.keys()].sort();
}

/** The error for an input whose gradient a rule does not implement (e.g. Conv's bias when computed). */
export function unsupportedInput(ctx: BackwardContext, index: number, what: string): never {
  const { node } = ctx;
  throw new GlassboxError(
    `no gradient for ${what} (input ${index}, "${node.inputs[index]}") of ${node.op} node "${node.name}"`,
    'differentiate with respect to the model inputs only, or use a perturbation method (occlusion, feature-ablation, shapley-values)');
}

/** Linear in each input, but not in their product: fine for DeepLIFT while at most one input varies. */
export function linearWhileOneVaries(ctx: BackwardContext): DeepLiftBehaviour {
  return ctx.needs.filter(Boolean).length > 1 ? 'unsupported' : 'linear';
}
