/**
 * Shape inference and constant folding on a Graph. Walks the nodes in order, gives every value a
 * dtype and shape (graph.values), and replaces each node it can evaluate from constants (initializers,
 * Constant nodes, and Shape of a tensor of known shape) by an initializer: exports compute Reshape
 * targets from Shape -> Gather -> Unsqueeze -> Concat, and once the input shapes are known those
 * chains become plain constants that the autodiff rules and onnxruntime see as such.
 */
import { GlassboxError, UsageError } from '../../errors.js';
import type { Dim, Graph, Node, TensorValue, ValueInfo } from './graph.js';
import { unknownRankInputs } from './read.js';
import { InferError, type Known, NodeContext, isKnownShape, showShape } from './shapes/context.js';
import { evaluate, evaluateSym } from './shapes/evaluate.js';
import { RULES } from './shapes/rules.js';

export { RULES as SHAPE_RULES } from './shapes/rules.js';
export type { Known } from './shapes/context.js';

/** The ops shape inference handles (default ONNX domain). */
export function supportedOps(): string[] {
  return Object.keys(RULES).sort();
}

/**
 * Fills graph.values with the dtype and shape of every value and folds constant subgraphs into
 * initializers (in place). `inputShapes` fixes the shapes of graph inputs (their symbolic dimensions
 * resolved); the graph's input declarations are updated to match, since folded shape computations
 * are then only valid for those shapes.
 */
export function inferShapes(graph: Graph, inputShapes: Record<string, number[]> = {}): void {
  const known = new Map<string, Known>();
  applyInputShapes(graph, inputShapes);
  for (const v of graph.inputs) known.set(v.name, { dtype: v.dtype, shape: [...v.shape] });
  for (const [name, t] of graph.initializers) known.set(name, { dtype: t.dtype, shape: [...t.shape], value: t });

  const graphOutputs = new Set(graph.outputs.map((o) => o.name));
  const usedBefore = new Set(graph.nodes.flatMap((n) => n.inputs));
  const folded = new Set<string>();
  const kept: Node[] = [];

  for (const node of graph.nodes) {
    const inputs = node.inputs.map((name) => {
      if (name === '') return undefined;
      const k = known.get(name);
      if (!k) throw new GlassboxError(`shape inference: node '${node.name}' (${node.op}) reads '${name}', which is not defined before it`, 'the graph is malformed or not in topological order');
      return k;
    });
    const c = new NodeContext(node, graph.opset, inputs);
    const rule = node.domain === '' || node.domain === 'ai.onnx' ? RULES[node.op] : undefined;
    if (!rule) {
      const op = node.domain ? `${node.domain}.${node.op}` : node.op;
      throw new GlassboxError(
        `shape inference: op '${op}' (node '${node.name}') is not supported by the native engine`,
        `supported ops: ${supportedOps().join(', ')}`,
      );
    }
    const outs = rule(c);
    if (outs.length < node.outputs.filter((o) => o).length) {
      throw c.error(`has ${node.outputs.length} outputs, but the op gives ${outs.length}`);
    }

    const allConstant = inputs.every((k) => !k || k.value);
    let values: TensorValue[] | undefined;
    try {
      values = allConstant ? evaluate(c, outs) : undefined;
    } catch (e) {
      // A bad model (an index out of range) is reported; JS arithmetic trouble (NaN to int64) is left to run time.
      if (e instanceof InferError) throw e;
    }
    let syms: Dim[][] | undefined;
    if (!values) {
      syms = evaluateSym(c, outs);
      // A fully known "symbolic" vector is a constant: Shape of a tensor of known shape, and what follows it.
      if (syms && syms.length === outs.length && syms.every((s) => isKnownShape(s)) && outs.every((o) => o.dtype === 'int64' || o.dtype === 'int32')) {
        values = syms.map((s, i) => intTensor(outs[i].dtype as 'int64' | 'int32', outs[i].shape as number[], s as number[]));
      }
    }

    node.outputs.forEach((name, i) => {
      if (!name) return;
      const info: Known = { dtype: outs[i].dtype, shape: outs[i].shape };
      if (values) {
        const v = values[i];
        if (v.dtype !== info.dtype || !sameShape(v.shape, info.shape)) {
          throw c.error(`folding gave ${v.dtype}${showShape(v.shape)} where the shape rule says ${info.dtype}${showShape(info.shape)}`, 'this is a bug in Glassbox\'s shape inference: please report it');
        }
        info.shape = [...v.shape];
        info.value = v;
      } else if (syms?.[i] && syms[i].length === (info.shape.length === 0 ? 1 : Number(info.shape[0]))) {
        info.sym = syms[i];
      }
      known.set(name, info);
    });

    // Graph outputs stay computed by their node; everything else evaluated becomes an initializer.
    const foldable = values && node.outputs.every((o) => !graphOutputs.has(o));
    if (foldable) {
      node.outputs.forEach((name, i) => {
        if (!name) return;
        graph.initializers.set(name, values![i]);
        folded.add(name);
      });
    } else {
      kept.push(node);
    }
  }
  graph.nodes = kept;

  // Initializers that only fed folded nodes (or were folded and then consumed by folding) go.
  const usedNow = new Set([...graph.nodes.flatMap((n) => n.inputs), ...graphOutputs]);
  for (const name of [...graph.initializers.keys()]) {
    if ((folded.has(name) || usedBefore.has(name)) && !usedNow.has(name)) {
      graph.initializers.delete(name);
      known.delete(name);
    }
  }

  graph.values.clear();
  for (const [name, k] of known) graph.values.set(name, { name, dtype: k.dtype, shape: [...k.shape] });
  // Declared outputs learn what inference found (a symbolic batch that inputShapes fixed, say).
  graph.outputs = graph.outputs.map((o) => refineOutput(o, known.get(o.name)));
}

function applyInputShapes(graph: Graph, inputShapes: Record<string, number[]>): void {
  const names = graph.inputs.map((v) => v.name);
  for (const name of Object.keys(inputShapes)) {
    if (!names.includes(name)) throw new UsageError(`inputShapes names '${name}', which is not an input of the graph`, `the graph's inputs are: ${names.join(', ')}`);
  }
  const unknownRank = unknownRankInputs(graph);
  graph.inputs = graph.inputs.map((v) => {
    const given = inputShapes[v.name];
    if (!given) {
      if (unknownRank.has(v.name)) {
        throw new UsageError(`graph input '${v.name}' declares no shape`, `pass its shape: inferShapes(graph, { '${v.name}': [...] })`);
      }
      return v;
    }
    if (!given.every((d) => Number.isInteger(d) && d >= 0)) throw new UsageError(`inputShapes['${v.name}'] = [${given}] is not a list of sizes`, 'give non-negative integers');
    if (!unknownRank.has(v.name)) {
      const fits = given.length === v.shape.length && v.shape.every((d, i) => typeof d !== 'number' || d === given[i]);
      if (!fits) {
        throw new UsageError(`inputShapes['${v.name}'] = [${given}] does not fit the declared shape ${showShape(v.shape)}`, 'give a shape of the same rank that agrees with every fixed dimension');
      }
    }
    return { ...v, shape: [...given] };
  });
}

function intTensor(dtype: 'int64' | 'int32', shape: number[], values: number[]): TensorValue {
  return { dtype, shape, data: dtype === 'int64' ? BigInt64Array.from(values, (v) => BigInt(v)) : Int32Array.from(values) };
}

function sameShape(a: readonly number[], b: readonly Dim[]): boolean {
  return a.length === b.length && a.every((d, i) => b[i] === null || typeof b[i] === 'string' || b[i] === d);
}

function refineOutput(o: ValueInfo, k: Known | undefined): ValueInfo {
  if (!k || k.shape.length !== o.shape.length) return k && o.shape.length === 0 ? { ...o, shape: [...k.shape] } : o;
  return { ...o, shape: o.shape.map((d, i) => (typeof k.shape[i] === 'number' ? k.shape[i] : d ?? k.shape[i])) };
}
