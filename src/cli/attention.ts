import { gradientWeightedAttention, gradientWeightedRollout } from '../attention/gradient-weighted.js';
import { headStatistics, specialTokenPositions, type HeadStatistics } from '../attention/head-statistics.js';
import { HEAD_FUSIONS, type HeadFusion } from '../attention/aggregate.js';
import { attentionGradients } from '../attribution/text/attention-gradients.js';
import { aggregateHeads, attentionRollout, attentionToNested, headAttention, matrixToNested, selectAttention } from '../attention/index.js';
import { attentionFlowRows, type AttentionFlowRows } from '../attention/flow.js';
import type { TokenMatrix } from '../attention/types.js';
import { UsageError } from '../errors.js';
import { headViewHtml } from '../viz/text/head-view.js';
import { attentionHeatmapSvg } from '../viz/text/heatmap.js';
import { svgToPng } from '../viz/tabular/png.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import { choiceOption, intOption, stringOption, type CommandSpec, type ParsedOptions } from './args.js';
import type { CommandIo } from './attribute.js';
import { ProgressBar } from './progress.js';
import { BACKEND_FLAG, TEXT_MODEL_FLAGS, emit, layerRange, loadAnyTextModel, toJson } from './text-model.js';
import { textModelAttentions } from '../models/onnx-text/text-attentions.js';

export const attentionSpec: CommandSpec = {
  name: 'attention',
  summary: 'a transformer\'s attention weights per layer and head, with rollout and flow (JSON or the head view page)',
  usage: 'glassbox attention --model <folder|checkpoint.bin> [--tokenizer tok.bin] --text "..." [--layer L] [--head H] [--rollout] [--flow [--rows Q,Q|all]] [--stats] [--fusion mean|max|min] [--gradient-weighted [--target N]] --format json|html|svg|png',
  options: {
    model: { type: 'string', placeholder: 'folder|checkpoint.bin', description: 'a text classifier folder or built-in name (spam, spam-onnx, sms-lm), an ONNX text export folder (model.onnx + tokenizer.json, with attention outputs), or a llama2.c checkpoint' },
    ...TEXT_MODEL_FLAGS,
    ...BACKEND_FLAG,
    layer: { type: 'string', placeholder: 'L', description: 'keep only this layer (from 0)' },
    head: { type: 'string', placeholder: 'H', description: 'keep only this head in each kept layer (from 0)' },
    rollout: { type: 'boolean', description: 'add attention rollout (Abnar & Zuidema: mean heads, 0.5 A + 0.5 I, product over all layers)' },
    flow: { type: 'boolean', description: 'add attention flow (max-flow over all layers) of the --rows query positions' },
    stats: { type: 'boolean', description: 'add per-head statistics: entropy, mean attention distance, self and previous-token attention, attention to special tokens' },
    fusion: { type: 'string', placeholder: 'mean|max|min', description: 'add each layer\'s heads fused into one map (mean, max or min over heads)' },
    'gradient-weighted': { type: 'boolean', description: 'add gradient-weighted attention (Chefer et al. 2021: per layer mean_h relu(dy/dA * A), and its relevance rollout) for --target' },
    target: { type: 'string', placeholder: 'N', description: 'with --gradient-weighted: the class (classifier) or next token id (language model) explained; default the prediction' },
    rows: { type: 'string', placeholder: 'Q,Q|all', description: 'query positions (from 0) whose flow --flow computes; default the position the model reads: a classifier\'s pooled token ([CLS]: 0; every row for mean pooling), a language model\'s last token. "all": the whole matrix, n^2 max-flows (about 23 s at 128 tokens)' },
    format: { type: 'string', placeholder: 'json|html|svg|png', description: 'json (default), the interactive head view page, or a static query x key heatmap '
      + '(svg/png: the rollout with --rollout, else --layer (default the last) and --head (default the mean of the heads))' },
    out: { type: 'string', placeholder: 'file', short: 'o', description: 'write to a file instead of stdout' },
  },
  examples: [
    'glassbox attention --model spam --text "WIN a free prize now" --rollout --format json',
    'glassbox attention --model spam --text "WIN a free prize now" --flow --rows all --format json',
    'glassbox attention --model stories.bin --tokenizer tok512.bin --text "Once upon a time" --format html --out heads.html',
  ],
};

/** The JSON of `glassbox attention`. */
export interface AttentionOutput {
  tokens: string[];
  layers: number[];
  heads: number[];
  causal: boolean;
  /** [layer][head][query][key] for the kept layers and heads. */
  attentions: number[][][][];
  /** [query][key] over all layers, whatever --layer and --head keep. */
  rollout?: number[][];
  /** The query positions of the rows of `flow`. */
  flowRows?: number[];
  /** [row][key]: the attention flow of each query in `flowRows` from every input token (rows sum to 1). */
  flow?: number[][];
  /** Per-head statistics, tables [layer][head]. */
  headStatistics?: HeadStatistics;
  /** Each layer's heads fused: [layer][query][key]. */
  fused?: { fusion: HeadFusion; layers: number[][][] };
  /** Gradient-weighted attention of the explained output: per layer [query][key], and the relevance rollout [query][key]. */
  gradientWeighted?: { target: number; targetName?: string; position: number; layers: number[][][]; rollout: number[][] };
}

/** --rows: a comma list of positions, "all", or by default the position(s) the model's output reads. */
function flowQueryRows(raw: string | undefined, length: number, config: { pooling?: 'first' | 'last' | 'mean' }): number[] {
  const all = () => Array.from({ length }, (_, q) => q);
  if (raw === undefined) {
    const pooling = config.pooling;
    if (pooling === 'first') return [0];
    if (pooling === 'mean') return all();
    return [length - 1];
  }
  if (raw.trim() === 'all') return all();
  const rows = raw.split(',').map((part) => Number(part.trim()));
  const bad = rows.find((q) => !Number.isInteger(q) || q < 0 || q >= length);
  if (raw.trim() === '' || bad !== undefined) {
    throw new UsageError(`--rows must be query positions from 0 to ${length - 1} separated by commas, or "all"; got "${raw}"`,
      `e.g. --rows 0 (the text has ${length} tokens)`);
  }
  return [...new Set(rows)];
}

/** Flow rows as a square matrix for the head view: rows not computed are zero. */
function flowMatrix(flow: AttentionFlowRows): TokenMatrix {
  const n = flow.length;
  const values = new Float32Array(n * n);
  flow.outputs.forEach((q, i) => values.set(flow.values.subarray(i * n, (i + 1) * n), q * n));
  return { tokens: flow.tokens, length: n, values };
}

function flowWithProgress(maps: Parameters<typeof attentionFlowRows>[0], rows: number[]): AttentionFlowRows {
  const bar = new ProgressBar('attention flow');
  try {
    return attentionFlowRows(maps, rows, { onProgress: (done, total) => bar.update(done, total) });
  } finally {
    bar.done();
  }
}

export async function runAttention(flags: ParsedOptions, io: CommandIo): Promise<number> {
  const format = choiceOption(flags, 'format', ['json', 'html', 'svg', 'png'] as const) ?? 'json';
  const layer = intOption(flags, 'layer');
  const head = intOption(flags, 'head');
  const model = await loadAnyTextModel(flags, io.warn);
  try {
    // A Glassbox transformer gives its weights directly; an ONNX export only when it has attention outputs.
    const maps = model.transformer ? model.transformer.run(model.tokens, { attentions: true }).attentions! : await textModelAttentions(model.sequenceModel, model.tokens);
    const config = { layers: maps.layers, heads: maps.heads, pooling: model.transformer?.config.classifier?.pooling ?? (model.kind === 'classifier' ? 'first' as const : undefined) };
    if (layer !== undefined) layerRange('layer', layer, config.layers);
    if (head !== undefined) layerRange('head', head, config.heads);
    const rollout = flags.rollout === true ? attentionRollout(maps) : undefined;
    const fusion = choiceOption(flags, 'fusion', HEAD_FUSIONS);
    const targetFlag = intOption(flags, 'target', { min: 0 });
    if (targetFlag !== undefined && flags['gradient-weighted'] !== true) throw new UsageError('--target picks the output that --gradient-weighted explains', 'add --gradient-weighted');
    let weighted: { result: NonNullable<AttentionOutput['gradientWeighted']>; rollout: TokenMatrix } | undefined;
    if (flags['gradient-weighted'] === true) {
      if (!model.transformer) throw new UsageError(`${model.name} is an ONNX text model, a black box: gradient-weighted attention needs gradients`, 'use a Glassbox transformer (e.g. --model spam), or leave out --gradient-weighted');
      const { gradients, resolved } = attentionGradients(model.transformer, model.tokens, targetFlag !== undefined ? { target: targetFlag } : {});
      const perLayer = gradientWeightedAttention(maps, gradients);
      const relevance = gradientWeightedRollout(maps, gradients);
      const n = maps.length;
      weighted = {
        rollout: relevance,
        result: {
          target: resolved.target, ...(resolved.targetName !== undefined ? { targetName: resolved.targetName } : {}), position: resolved.position,
          layers: Array.from({ length: maps.layers }, (_, l) => matrixToNested({ tokens: maps.tokens, length: n, values: perLayer.weights.subarray(l * n * n, (l + 1) * n * n) })),
          rollout: matrixToNested(relevance),
        },
      };
    }
    const rowsFlag = stringOption(flags, 'rows');
    if (rowsFlag !== undefined && flags.flow !== true) throw new UsageError('--rows chooses the rows of attention flow', 'add --flow');
    const flow = flags.flow === true ? flowWithProgress(maps, flowQueryRows(rowsFlag, maps.length, config)) : undefined;
    const layers = layer !== undefined ? [layer] : Array.from({ length: config.layers }, (_, l) => l);
    const heads = head !== undefined ? [head] : Array.from({ length: config.heads }, (_, h) => h);
    const selected = selectAttention(maps, { layers, heads });
    if (format === 'svg' || format === 'png') {
      if (flags.flow === true) throw new UsageError('the static heatmap draws one map: attention, or the rollout with --rollout', 'leave out --flow, or use --format html or json for the flow');
      const at = layer ?? maps.layers - 1;
      const matrix = rollout ?? (head !== undefined ? headAttention(maps, at, head) : aggregateHeads(maps, at, 'mean'));
      const what = rollout ? 'rollout' : head !== undefined ? `layer ${at}, head ${head}` : `layer ${at}, mean of ${maps.heads} heads`;
      const svg = attentionHeatmapSvg(matrix, { title: `Attention: ${model.name}, ${what}` });
      if (format === 'png') {
        const out = stringOption(flags, 'out');
        if (!out) throw new UsageError('--format png needs --out', 'e.g. --out attention.png');
        writeFileAtomic(out, svgToPng(svg));
      } else {
        emit(flags, svg, io.out);
      }
      return 0;
    }
    if (format === 'html') {
      if (!flags.out) throw new UsageError('--format html needs --out', 'e.g. --out attention.html (the page is self-contained)');
      const extras: { name: string; matrix: TokenMatrix }[] = [];
      if (rollout) extras.push({ name: 'rollout', matrix: rollout });
      if (weighted) extras.push({ name: 'gradient-weighted rollout', matrix: weighted.rollout });
      if (flow) extras.push({ name: flow.outputs.length === flow.length ? 'flow' : `flow (rows ${flow.outputs.join(', ')})`, matrix: flowMatrix(flow) });
      emit(flags, headViewHtml(selected, { title: `Attention: ${model.name}`, extras }), io.out);
      return 0;
    }
    const output: AttentionOutput = {
      tokens: maps.tokens, layers, heads, causal: maps.causal,
      attentions: attentionToNested(selected),
      ...(rollout ? { rollout: matrixToNested(rollout) } : {}),
      ...(flags.stats === true ? { headStatistics: headStatistics(maps, { specialPositions: specialTokenPositions(maps.tokens) }) } : {}),
      ...(fusion ? { fused: { fusion, layers: Array.from({ length: maps.layers }, (_, l) => matrixToNested(aggregateHeads(maps, l, fusion))) } } : {}),
      ...(weighted ? { gradientWeighted: weighted.result } : {}),
      ...(flow ? { flowRows: flow.outputs, flow: flow.outputs.map((_, i) => Array.from(flow.values.subarray(i * flow.length, (i + 1) * flow.length))) } : {}),
    };
    emit(flags, toJson(output), io.out);
    return 0;
  } finally {
    model.dispose();
  }
}
