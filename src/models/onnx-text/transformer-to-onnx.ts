import { UsageError } from '../../errors.js';
import { attr, emptyGraph, GraphBuilder, type Graph } from '../../engines/native/graph.js';
import { headDim, kvHeads, validateConfig, type TransformerConfig } from '../transformer/config.js';
import { validateWeights, type NormWeights, type TransformerWeights } from '../transformer/weights.js';

/** The graph's input and output names, as Hugging Face exports (Optimum, torch.onnx) name them. */
export const ONNX_TEXT_INPUTS = { ids: 'input_ids', mask: 'attention_mask' } as const;
export const ONNX_TEXT_LOGITS = 'logits';
/** Output name of layer l's attention weights [batch, heads, query, key]. */
export const attentionOutputName = (layer: number): string => `attentions.${layer}`;

export interface TransformerToOnnxOptions {
  /** Add one attention output per layer (what `output_attentions=True` exports); default true. */
  attentions?: boolean;
  name?: string;
}

// Added to masked scores, as the TF.js transformer does: exp(-1e9) is 0 in float32 and makes no NaNs.
const MASKED = -1e9;
const OPSET = 17;

/**
 * The project's transformer as an ONNX graph laid out as a Hugging Face encoder export: int64
 * input_ids and attention_mask [batch, sequence] with dynamic axes, float logits ([batch, classes] for a
 * classifier, [batch, sequence, vocab] for a language model) and, optionally, every layer's attention.
 * Padded keys (mask 0) get no attention, as in the TF.js forward. Opset 17 (one LayerNormalization op).
 */
export function transformerToOnnx(config: TransformerConfig, weights: TransformerWeights, options: TransformerToOnnxOptions = {}): Graph {
  validateConfig(config);
  validateWeights(config, weights);
  const unsupported = (what: string) => new UsageError(`ONNX export: ${what} is not supported`,
    'export a transformer with learned positions, plain multi-head attention and first or mean pooling');
  if (config.positional !== 'learned' || !weights.positionEmbedding) throw unsupported(`${config.positional} positions`);
  if (kvHeads(config) !== config.heads) throw unsupported('grouped-query attention');
  if (config.classifier && config.classifier.pooling === 'last') throw unsupported('last-token pooling');

  const graph = emptyGraph(options.name ?? 'transformer', OPSET);
  const g = new GraphBuilder(graph);
  const { dim, heads, vocabSize, hiddenDim, maxLength } = config;
  const hd = headDim(config);
  const eps = config.normEps ?? 1e-5;
  const floats = (data: Float32Array, shape: number[], hint: string) => g.constant({ dtype: 'float32', shape, data: Float32Array.from(data) }, hint);
  // [out, in] (nn.Linear) to [in, out], so every projection is x @ W as PyTorch's export writes it.
  const transposed = (data: Float32Array, out: number, inner: number, hint: string) => {
    const t = new Float32Array(data.length);
    for (let o = 0; o < out; o++) for (let i = 0; i < inner; i++) t[i * out + o] = data[o * inner + i];
    return floats(t, [inner, out], hint);
  };
  const linear = (x: string, w: Float32Array, out: number, inner: number, b: Float32Array | undefined, hint: string) => {
    const y = g.op('MatMul', [x, transposed(w, out, inner, `${hint}.weight`)], {}, hint);
    return b ? g.op('Add', [y, floats(b, [out], `${hint}.bias`)], {}, hint) : y;
  };
  const norm = (x: string, n: NormWeights, hint: string) => {
    const scale = floats(n.scale, [dim], `${hint}.weight`);
    if (config.norm === 'layernorm') {
      const bias = floats(n.bias ?? new Float32Array(dim), [dim], `${hint}.bias`);
      return g.op('LayerNormalization', [x, scale, bias], { axis: attr.int(-1), epsilon: attr.float(eps) }, hint);
    }
    const meanSquare = g.op('ReduceMean', [g.op('Mul', [x, x])], { axes: attr.ints([-1]), keepdims: attr.int(1) }, hint);
    const inverse = g.op('Reciprocal', [g.op('Sqrt', [g.op('Add', [meanSquare, g.scalar(eps)])])], {}, hint);
    return g.op('Mul', [g.op('Mul', [x, inverse]), scale], {}, hint);
  };

  graph.inputs.push(
    { name: ONNX_TEXT_INPUTS.ids, dtype: 'int64', shape: ['batch', 'sequence'] },
    { name: ONNX_TEXT_INPUTS.mask, dtype: 'int64', shape: ['batch', 'sequence'] },
  );
  const tokens = g.op('Gather', [floats(weights.tokenEmbedding, [vocabSize, dim], 'embeddings.word_embeddings'), ONNX_TEXT_INPUTS.ids], { axis: attr.int(0) }, 'embed');
  const length = g.op('Shape', [ONNX_TEXT_INPUTS.ids], { start: attr.int(1), end: attr.int(2) }, 'sequence_length');
  const positions = g.op('Slice', [floats(weights.positionEmbedding, [maxLength, dim], 'embeddings.position_embeddings'), g.int64s([0]), length, g.int64s([0])], {}, 'positions');
  let x = g.op('Add', [tokens, positions], {}, 'embeddings');

  // (1 - mask) * -1e9 as [batch, 1, 1, key], plus the causal mask [query, key] for a decoder.
  const maskFloat = g.op('Cast', [ONNX_TEXT_INPUTS.mask], { to: attr.int(1) }, 'mask');
  let bias = g.op('Unsqueeze', [g.op('Mul', [g.op('Sub', [g.scalar(1), maskFloat]), g.scalar(MASKED)]), g.int64s([1, 2])], {}, 'key_padding');
  if (config.causal) {
    const table = new Float32Array(maxLength * maxLength);
    for (let q = 0; q < maxLength; q++) for (let k = q + 1; k < maxLength; k++) table[q * maxLength + k] = MASKED;
    const causal = g.op('Slice', [floats(table, [maxLength, maxLength], 'causal_mask'), g.int64s([0, 0]), g.op('Concat', [length, length], { axis: attr.int(0) }), g.int64s([0, 1])], {}, 'causal');
    bias = g.op('Add', [bias, causal], {}, 'attention_bias');
  }

  const splitHeads = (t: string, perm: number[], hint: string) =>
    g.op('Transpose', [g.op('Reshape', [t, g.int64s([0, 0, heads, hd])], {}, hint)], { perm: attr.ints(perm) }, hint);
  weights.layers.forEach((layer, l) => {
    const p = `layer.${l}`;
    const h = norm(x, layer.attentionNorm, `${p}.attention_norm`);
    const q = splitHeads(linear(h, layer.wq, dim, dim, layer.bq, `${p}.query`), [0, 2, 1, 3], `${p}.query`);
    const k = splitHeads(linear(h, layer.wk, dim, dim, layer.bk, `${p}.key`), [0, 2, 3, 1], `${p}.key`);
    const v = splitHeads(linear(h, layer.wv, dim, dim, layer.bv, `${p}.value`), [0, 2, 1, 3], `${p}.value`);
    const scores = g.op('Add', [g.op('Mul', [g.op('MatMul', [q, k]), g.scalar(1 / Math.sqrt(hd))]), bias], {}, `${p}.scores`);
    const weightsOut = options.attentions === false ? g.fresh(`${p}.attention`) : attentionOutputName(l);
    graph.nodes.push({ op: 'Softmax', domain: '', name: g.fresh(`${p}.softmax`), inputs: [scores], outputs: [weightsOut], attrs: { axis: attr.int(-1) } });
    const mixed = g.op('Reshape', [g.op('Transpose', [g.op('MatMul', [weightsOut, v])], { perm: attr.ints([0, 2, 1, 3]) }), g.int64s([0, 0, dim])], {}, `${p}.context`);
    x = g.op('Add', [x, linear(mixed, layer.wo, dim, dim, layer.bo, `${p}.output`)], {}, `${p}.residual`);
    const m = norm(x, layer.mlpNorm, `${p}.mlp_norm`);
    const up = linear(m, layer.w1, hiddenDim, dim, layer.b1, `${p}.up`);
    let hidden: string;
    if (config.mlp === 'swiglu') {
      hidden = g.op('Mul', [g.op('Mul', [up, g.op('Sigmoid', [up])]), linear(m, layer.w3!, hiddenDim, dim, undefined, `${p}.gate`)], {}, `${p}.swiglu`);
    } else {
      // The exact GELU, x * Phi(x), as the TF.js forward and PyTorch's nn.GELU.
      const phi = g.op('Add', [g.scalar(1), g.op('Erf', [g.op('Mul', [up, g.scalar(Math.SQRT1_2)])])]);
      hidden = g.op('Mul', [g.op('Mul', [up, g.scalar(0.5)]), phi], {}, `${p}.gelu`);
    }
    x = g.op('Add', [x, linear(hidden, layer.w2, dim, hiddenDim, layer.b2, `${p}.down`)], {}, `${p}.output_residual`);
  });
  const normalised = norm(x, weights.finalNorm, 'final_norm');

  const classifier = config.classifier;
  let logitsShape: (string | number)[];
  let logits: string;
  if (classifier) {
    let pooled: string;
    if (classifier.pooling === 'first') {
      pooled = g.op('Gather', [normalised, g.constant({ dtype: 'int64', shape: [], data: BigInt64Array.of(0n) }, 'first')], { axis: attr.int(1) }, 'pooled');
    } else {
      // The real tokens' mean: padded positions weigh 0.
      const w = g.op('Unsqueeze', [maskFloat, g.int64s([2])]);
      const sum = g.op('ReduceSum', [g.op('Mul', [normalised, w]), g.int64s([1])], { keepdims: attr.int(0) });
      pooled = g.op('Div', [sum, g.op('ReduceSum', [w, g.int64s([1])], { keepdims: attr.int(0) })], {}, 'pooled');
    }
    logits = linear(pooled, weights.classifier!.weight, classifier.classes, dim, weights.classifier!.bias, 'classifier');
    logitsShape = ['batch', classifier.classes];
  } else {
    const unembedding = config.tiedUnembedding ? weights.tokenEmbedding : weights.unembedding!;
    logits = linear(normalised, unembedding, vocabSize, dim, undefined, 'lm_head');
    logitsShape = ['batch', 'sequence', vocabSize];
  }
  graph.nodes.push({ op: 'Identity', domain: '', name: g.fresh('logits_node'), inputs: [logits], outputs: [ONNX_TEXT_LOGITS], attrs: {} });
  graph.outputs.push({ name: ONNX_TEXT_LOGITS, dtype: 'float32', shape: logitsShape });
  if (options.attentions !== false) {
    for (let l = 0; l < config.layers; l++) {
      graph.outputs.push({ name: attentionOutputName(l), dtype: 'float32', shape: ['batch', heads, 'sequence', 'sequence'] });
    }
  }
  return graph;
}
