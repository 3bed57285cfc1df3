import { attentionFlow, attentionRollout, attentionToNested, matrixToNested, selectAttention } from '../attention/index.js';
import type { TokenMatrix } from '../attention/types.js';
import { UsageError } from '../errors.js';
import { headViewHtml } from '../viz/text/head-view.js';
import { choiceOption, intOption, type CommandSpec, type ParsedOptions } from './args.js';
import type { CommandIo } from './attribute.js';
import { BACKEND_FLAG, TEXT_MODEL_FLAGS, emit, layerRange, loadTextModel, toJson } from './text-model.js';

export const attentionSpec: CommandSpec = {
  name: 'attention',
  summary: 'a transformer\'s attention weights per layer and head, with rollout and flow (JSON or the head view page)',
  usage: 'glassbox attention --model <folder|checkpoint.bin> [--tokenizer tok.bin] --text "..." [--layer L] [--head H] [--rollout] [--flow] --format json|html',
  options: {
    model: { type: 'string', placeholder: 'folder|checkpoint.bin', description: 'a text classifier folder (or built-in name) or a llama2.c checkpoint' },
    ...TEXT_MODEL_FLAGS,
    ...BACKEND_FLAG,
    layer: { type: 'string', placeholder: 'L', description: 'keep only this layer (from 0)' },
    head: { type: 'string', placeholder: 'H', description: 'keep only this head in each kept layer (from 0)' },
    rollout: { type: 'boolean', description: 'add attention rollout (Abnar & Zuidema: mean heads, 0.5 A + 0.5 I, product over all layers)' },
    flow: { type: 'boolean', description: 'add attention flow (max-flow over all layers; n^2 flows, slow past ~100 tokens)' },
    format: { type: 'string', placeholder: 'json|html', description: 'json (default) or the interactive head view page' },
    out: { type: 'string', placeholder: 'file', short: 'o', description: 'write to a file instead of stdout' },
  },
  examples: [
    'glassbox attention --model spam --text "WIN a free prize now" --rollout --format json',
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
  flow?: number[][];
}

export async function runAttention(flags: ParsedOptions, io: CommandIo): Promise<number> {
  const format = choiceOption(flags, 'format', ['json', 'html'] as const) ?? 'json';
  const layer = intOption(flags, 'layer');
  const head = intOption(flags, 'head');
  const model = await loadTextModel(flags, io.warn);
  try {
    const { config } = model.transformer;
    if (layer !== undefined) layerRange('layer', layer, config.layers);
    if (head !== undefined) layerRange('head', head, config.heads);
    const maps = model.transformer.run(model.tokens, { attentions: true }).attentions!;
    const rollout = flags.rollout === true ? attentionRollout(maps) : undefined;
    const flow = flags.flow === true ? attentionFlow(maps) : undefined;
    const layers = layer !== undefined ? [layer] : Array.from({ length: config.layers }, (_, l) => l);
    const heads = head !== undefined ? [head] : Array.from({ length: config.heads }, (_, h) => h);
    const selected = selectAttention(maps, { layers, heads });
    if (format === 'html') {
      if (!flags.out) throw new UsageError('--format html needs --out', 'e.g. --out attention.html (the page is self-contained)');
      const extras: { name: string; matrix: TokenMatrix }[] = [];
      if (rollout) extras.push({ name: 'rollout', matrix: rollout });
      if (flow) extras.push({ name: 'flow', matrix: flow });
      emit(flags, headViewHtml(selected, { title: `Attention: ${model.name}`, extras }), io.out);
      return 0;
    }
    const output: AttentionOutput = {
      tokens: maps.tokens, layers, heads, causal: maps.causal,
      attentions: attentionToNested(selected),
      ...(rollout ? { rollout: matrixToNested(rollout) } : {}),
      ...(flow ? { flow: matrixToNested(flow) } : {}),
    };
    emit(flags, toJson(output), io.out);
    return 0;
  } finally {
    model.dispose();
  }
}
