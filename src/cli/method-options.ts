import { UsageError } from '../errors.js';
import type { Model } from '../models/model.js';
import { loadInput } from '../io/load-input.js';
import type { MethodEntry } from '../attribution/registry.js';
import { INTEGRATION_METHODS } from '../attribution/integration.js';
import { blockMask } from '../attribution/perturbation/feature-ablation.js';
import type { Baseline, ProgressCallback } from '../attribution/base.js';
import { choiceOption, intOption, listOption, numberOption, stringOption, type OptionSpec, type ParsedOptions } from './args.js';

/** The method flags shared by `attribute` and `explain`, and which methods each one applies to. */
export const METHOD_FLAGS: Record<string, OptionSpec & { methods: readonly string[] }> = {
  steps: { type: 'string', placeholder: 'N', description: 'integration steps (integrated-gradients; default 50)', methods: ['integrated-gradients'] },
  integration: { type: 'string', placeholder: 'rule', description: `integration rule: ${INTEGRATION_METHODS.join('|')} (default gausslegendre)`, methods: ['integrated-gradients'] },
  baseline: { type: 'string', placeholder: 'zeros|mean|file', description: 'reference input: zeros, or a file like --input (default zeros); lime and kernel-shap also take mean (each segment\'s mean colour, lime\'s default)',
    methods: ['integrated-gradients', 'deeplift', 'gradient-shap', 'occlusion', 'feature-ablation', 'shapley-values', 'lime', 'kernel-shap'] },
  layer: { type: 'string', placeholder: 'name', description: 'layer for grad-cam / guided-grad-cam (default: the last spatial layer)', methods: ['grad-cam', 'guided-grad-cam'] },
  upsample: { type: 'string', placeholder: 'mode', description: 'grad-cam map to input size: nearest|bilinear (default: none for attribute, bilinear for explain)', methods: ['grad-cam'] },
  relu: { type: 'boolean', description: 'keep only positive Grad-CAM evidence (guided-grad-cam always does)', methods: ['grad-cam'] },
  window: { type: 'string', placeholder: 'a,b,c', description: 'occlusion window per input dimension, model layout (default about 1/7 of each spatial side)', methods: ['occlusion'] },
  stride: { type: 'string', placeholder: 'a,b,c', description: 'occlusion strides per input dimension (default half the window)', methods: ['occlusion'] },
  block: { type: 'string', placeholder: 'N', description: 'feature-ablation / shapley-values / lime / kernel-shap features as N x N pixel blocks (default: every element; SLIC superpixels for lime and kernel-shap)',
    methods: ['feature-ablation', 'shapley-values', 'lime', 'kernel-shap'] },
  segments: { type: 'string', placeholder: 'N', description: 'lime / kernel-shap: about N SLIC superpixels (n_segments; default 50, 100 for RGB)', methods: ['lime', 'kernel-shap'] },
  samples: { type: 'string', placeholder: 'N', description: 'noisy samples (smoothgrad, gradient-shap); lime samples (default 1000); kernel-shap coalitions (default 2M + 2048)',
    methods: ['smoothgrad', 'gradient-shap', 'lime', 'kernel-shap'] },
  stdev: { type: 'string', placeholder: 'X', description: 'noise standard deviation (smoothgrad, gradient-shap)', methods: ['smoothgrad', 'gradient-shap'] },
  seed: { type: 'string', placeholder: 'N', description: 'random seed (smoothgrad, gradient-shap, lime, kernel-shap; default 0)', methods: ['smoothgrad', 'gradient-shap', 'lime', 'kernel-shap'] },
};

/** The methods whose features are segments (SLIC superpixels by default) rather than single elements. */
const SEGMENT_METHODS: readonly string[] = ['lime', 'kernel-shap'];

/** The method flags as plain option specs, for a command's spec and help. */
export function methodFlagSpecs(): Record<string, OptionSpec> {
  return Object.fromEntries(Object.entries(METHOD_FLAGS).map(([key, { type, placeholder, description }]) =>
    [key, { type, placeholder, description }]));
}

export interface MethodOptionContext {
  model: Model;
  /** Defaults that make pictures readable, for `explain`; `attribute` keeps the library defaults. */
  pictureDefaults: boolean;
  onProgress?: ProgressCallback;
  warn: (line: string) => void;
}

/** Reads a --baseline file like an input, in the model's layout, as plain data. */
export async function loadBaseline(model: Model, path: string): Promise<Baseline> {
  const b = (await loadInput(path, model.info)).tensor;
  const data = { shape: [...b.shape], data: Float32Array.from(b.dataSync()) };
  b.dispose();
  return data;
}

/** Turns parsed flags into the options of one method, warning about flags that do not apply to it. */
export async function methodOptions(entry: MethodEntry, flags: ParsedOptions, ctx: MethodOptionContext): Promise<Record<string, unknown>> {
  for (const [flag, spec] of Object.entries(METHOD_FLAGS)) {
    if (flags[flag] !== undefined && !spec.methods.includes(entry.name) && !ctx.pictureDefaults) {
      ctx.warn(`glassbox: --${flag} does not apply to ${entry.name}; ignored`);
    }
  }
  const applies = (flag: string) => METHOD_FLAGS[flag].methods.includes(entry.name);
  const options: Record<string, unknown> = {};
  if (ctx.onProgress) options.onProgress = ctx.onProgress;
  const target = intOption(flags, 'target', { min: 0 });
  if (target !== undefined) options.target = target;
  if (applies('steps')) setIf(options, 'steps', intOption(flags, 'steps', { min: 1, max: 100000 }));
  if (applies('integration')) setIf(options, 'integration', choiceOption(flags, 'integration', INTEGRATION_METHODS));
  if (applies('baseline')) {
    const baseline = stringOption(flags, 'baseline');
    const segmentMethod = SEGMENT_METHODS.includes(entry.name);
    if (baseline === 'mean') {
      if (!segmentMethod) throw new UsageError(`--baseline mean applies to lime and kernel-shap, not ${entry.name}`, 'use --baseline zeros or a file');
      options.baselines = 'segment-mean';
    } else if (baseline === 'zeros') {
      // lime's library default is the segment mean; on the CLI zeros means zeros for every method.
      if (segmentMethod) options.baselines = 0;
    } else if (baseline !== undefined) {
      options.baselines = await loadBaseline(ctx.model, baseline);
    }
  }
  if (applies('layer')) options.layer = stringOption(flags, 'layer') ?? defaultLayer(ctx.model);
  if (applies('upsample')) {
    setIf(options, 'upsample', choiceOption(flags, 'upsample', ['nearest', 'bilinear', 'none'] as const) ?? (ctx.pictureDefaults ? 'bilinear' : undefined));
  }
  if (applies('relu') && flags.relu === true) options.relu = true;
  if (applies('window')) {
    const window = listOption(flags, 'window') ?? defaultWindow(ctx.model);
    options.window = window;
    setIf(options, 'strides', listOption(flags, 'stride') ?? window.map((w) => Math.max(1, Math.floor(w / 2))));
  }
  if (applies('block')) {
    // Superpixel methods default to SLIC; the per-element ones to 2 x 2 blocks in pictures.
    const pictureBlock = ctx.pictureDefaults && !SEGMENT_METHODS.includes(entry.name) ? 2 : undefined;
    const block = intOption(flags, 'block', { min: 1 }) ?? pictureBlock;
    if (block !== undefined) options.featureMask = blockMask(ctx.model.info.inputShape, block, ctx.model.info.preprocessing?.layout);
  }
  if (applies('segments')) {
    const segments = intOption(flags, 'segments', { min: 1, max: 100000 });
    if (segments !== undefined && options.featureMask !== undefined) {
      throw new UsageError('--segments and --block were both given', 'choose SLIC superpixels (--segments N) or square blocks (--block N)');
    }
    if (segments !== undefined) options.slic = { nSegments: segments };
  }
  if (applies('samples')) setIf(options, 'samples', intOption(flags, 'samples', { min: 1, max: 100000 }));
  if (applies('stdev')) setIf(options, 'stdev', numberOption(flags, 'stdev', { min: 0 }));
  if (applies('seed')) setIf(options, 'seed', intOption(flags, 'seed'));
  return options;
}

function setIf(options: Record<string, unknown>, key: string, value: unknown): void {
  if (value !== undefined) options[key] = value;
}

/** The last layer whose output still has spatial dimensions: where Grad-CAM is usually taken. */
export function defaultLayer(model: Model): string {
  const spatial = model.info.layers.filter((l) => l.outputShape.length >= 3);
  const last = spatial[spatial.length - 1];
  if (!last) {
    throw new UsageError(`model ${model.info.name} has no layer with spatial output for Grad-CAM`,
      `name one with --layer (layers: ${model.info.layers.map((l) => l.name).join(', ') || 'none'})`);
  }
  return last.name;
}

/** About a seventh of each spatial side (4 x 4 on a 28 x 28 digit), all channels at once. */
export function defaultWindow(model: Model): number[] {
  const shape = model.info.inputShape;
  const layout = model.info.preprocessing?.layout;
  const side = (n: number) => Math.max(1, Math.round(n / 7));
  if (shape.length === 3 && layout === 'NCHW') return [shape[0], side(shape[1]), side(shape[2])];
  if (shape.length === 3) return [side(shape[0]), side(shape[1]), shape[2]];
  return shape.map(side);
}
