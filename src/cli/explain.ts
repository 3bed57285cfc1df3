import * as tf from '@tensorflow/tfjs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AttributionResult } from '../attribution/result.js';
import { findMethod, METHOD_NAMES, METHODS, type MethodEntry } from '../attribution/registry.js';
import { BACKENDS, type BackendName } from '../backend.js';
import { GlassboxError, UsageError } from '../errors.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import { loadInput } from '../io/load-input.js';
import { ENGINES, loadModel } from '../models/load.js';
import type { Model } from '../models/model.js';
import { VitModel } from '../models/vit/model.js';
import { vitAttentionPanels, type VitAttentionPanels } from '../models/vit/attention-panels.js';
import { attributionGrid } from '../viz/grid.js';
import type { HeatmapSign } from '../viz/heatmap.js';
import { imageFromInput, imageFromPixels, type Image } from '../viz/image.js';
import { encodePng } from '../viz/png.js';
import { renderReport } from '../viz/report/html.js';
import { choiceOption, stringOption, type CommandSpec, type ParsedOptions } from './args.js';
import type { CommandIo } from './attribute.js';
import { runTabularExplain } from './explain-tabular.js';
import { runTextExplain } from './explain-text.js';
import { methodFlagSpecs, methodOptions } from './method-options.js';
import { TABULAR_DATA_FLAGS, TABULAR_METHOD_FLAGS } from './tabular.js';
import { predict } from './prediction.js';
import { ProgressBar } from './progress.js';

const DEMO_INPUT = fileURLToPath(new URL('../../samples/digits/digit-7.png', import.meta.url));
const SIGNS: readonly HeatmapSign[] = ['all', 'positive', 'negative', 'absolute_value'];

export const explainSpec: CommandSpec = {
  name: 'explain',
  summary: 'explain one decision with several methods: an HTML report with pictures (images or tabular rows)',
  usage: 'glassbox explain [--demo] --model <model.json|model.onnx|digits> --input <image|.json|.npy> [--methods a,b,...] [--out dir] [options]\n'
    + '       glassbox explain --model <model.onnx|xgb.json|lgbm.txt> --data <file.csv> --row N [--methods kernel-shap,lime] [--out dir] [options]\n'
    + '       glassbox explain --model <spam|folder|checkpoint.bin> [--tokenizer tok.bin] --text "..." [--methods integrated-gradients,occlusion,...] [--out dir]',
  options: {
    demo: { type: 'boolean', description: 'the built-in demos: the digit model on a sample digit, and the credit and breast-cancer models on a row each' },
    model: { type: 'string', placeholder: 'model.json|model.onnx|digits', description: 'TF.js model.json, ONNX file, or a built-in model name' },
    input: { type: 'string', placeholder: 'file', description: 'PNG/JPEG image, or a JSON/.npy tensor in the model\'s input layout' },
    methods: { type: 'string', placeholder: 'a,b,...', description: 'methods to run (default: every method the model supports; --text: integrated-gradients,input-x-gradient,occlusion,lime,kernel-shap)' },
    text: { type: 'string', placeholder: '"..."', description: 'text models: the text to explain (token highlights, head view, and for language models the logit lens)' },
    tokenizer: { type: 'string', placeholder: 'tok.bin', description: 'text: the llama2.c tokenizer (tok*.bin) for a .bin checkpoint' },
    truncate: { type: 'boolean', description: 'text: cut a text longer than the model\'s context (with a warning) instead of failing' },
    out: { type: 'string', placeholder: 'dir', description: 'output folder for report.html, grid.png and results.json (default glassbox-report)' },
    target: { type: 'string', placeholder: 'N', description: 'output index to explain (default: the predicted class)' },
    sign: { type: 'string', placeholder: 'mode', description: `heatmap sign: ${SIGNS.join('|')} (default all: red positive, blue negative)` },
    ...methodFlagSpecs(),
    ...TABULAR_DATA_FLAGS,
    ...TABULAR_METHOD_FLAGS,
    limit: { type: 'string', placeholder: 'N', description: 'tabular: rows explained for the global views (default 100)' },
    'max-depth': { type: 'string', placeholder: 'D', description: 'tabular: surrogate tree depth (default 3)' },
    engine: { type: 'string', placeholder: 'native|tfjs', description: 'native: onnxruntime with Glassbox\'s own backward graphs (default where the model converts); tfjs: TF.js autodiff' },
    backend: { type: 'string', placeholder: 'wasm|cpu', description: 'TF.js backend for --engine tfjs (default wasm)' },
  },
  examples: [
    'glassbox explain --demo',
    'glassbox explain --model digits --input samples/digits/digit-8.png --methods integrated-gradients,grad-cam,occlusion --out out/eight',
    'glassbox explain --model my-model/model.json --input cat.jpg --target 281 --steps 100',
    'glassbox explain --model vit-digits --input samples/digits/digit-7.png --out out/vit   (adds [CLS] attention: rollout and heads)',
    'glassbox explain --model models/credit/model.onnx --data data/tabular/german_credit.csv --row 3 --out out/credit',
    'glassbox explain --model spam --text "WIN a free prize now, call to claim" --out out/spam',
  ],
};

export async function runExplain(flags: ParsedOptions, io: CommandIo): Promise<number> {
  const demo = flags.demo === true;
  if (stringOption(flags, 'text') !== undefined) {
    if (demo || stringOption(flags, 'data') !== undefined) throw new UsageError('--text was given with --demo or --data', 'give one input: --text for text models, --data for tables');
    return runTextExplain(flags, io, resolve(stringOption(flags, 'out') ?? 'glassbox-report'));
  }
  if (stringOption(flags, 'data') !== undefined) {
    if (demo) throw new UsageError('--demo and --data were both given', 'run glassbox explain --demo alone, or give --model and --data');
    return runTabularExplain(flags, io, resolve(stringOption(flags, 'out') ?? 'glassbox-report'));
  }
  const code = await runImageExplain(flags, io);
  if (code !== 0 || !demo) return code;
  return runTabularDemos(flags, io, resolve(stringOption(flags, 'out') ?? 'glassbox-report'));
}

/** The tabular half of --demo: the credit model (ONNX, kernel-shap) and the breast-cancer model (XGBoost, tree-shap). */
async function runTabularDemos(flags: ParsedOptions, io: CommandIo, outDir: string): Promise<number> {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const demos = [
    { name: 'credit', model: 'models/credit/model.onnx', data: 'data/tabular/german_credit.csv', row: '0', limit: '50' },
    { name: 'cancer', model: 'models/cancer-xgb/model.json', data: 'data/tabular/breast_cancer.csv', row: '0', limit: '200' },
  ];
  for (const d of demos) {
    const demoFlags: ParsedOptions = { model: join(root, d.model), data: join(root, d.data), row: d.row, limit: d.limit };
    if (flags.seed !== undefined) demoFlags.seed = flags.seed;
    const code = await runTabularExplain(demoFlags, io, join(outDir, d.name));
    if (code !== 0) return code;
  }
  return 0;
}

async function runImageExplain(flags: ParsedOptions, io: CommandIo): Promise<number> {
  const demo = flags.demo === true;
  const modelPath = stringOption(flags, 'model') ?? (demo ? 'digits' : undefined);
  const inputPath = stringOption(flags, 'input') ?? (demo ? DEMO_INPUT : undefined);
  if (!modelPath) throw new UsageError('--model is required', 'e.g. --model digits, or run glassbox explain --demo');
  if (!inputPath) throw new UsageError('--input is required', 'e.g. --input samples/digits/digit-3.png, or run glassbox explain --demo');
  const outDir = resolve(stringOption(flags, 'out') ?? 'glassbox-report');
  const backend = choiceOption(flags, 'backend', BACKENDS) as BackendName | undefined;
  const sign = choiceOption(flags, 'sign', SIGNS) ?? 'all';
  const requested = parseMethodList(stringOption(flags, 'methods'));

  const engine = choiceOption(flags, 'engine', ENGINES);
  const model = await loadModel(modelPath, { backend, engine, log: io.warn });
  let input: tf.Tensor | undefined;
  try {
    const loaded = await loadInput(inputPath, model.info);
    input = loaded.tensor;
    if (input.shape[0] > 1) {
      io.warn(`glassbox: ${inputPath} holds ${input.shape[0]} inputs; explaining the first`);
      const first = input.slice(0, 1);
      input.dispose();
      input = first;
    }
    const image = displayImage(model, input, loaded.display);
    const methods = requested ?? METHODS.filter((m) => !m.onRequestOnly && usable(model, m));
    const results: AttributionResult[] = [];
    const skipped: string[] = [];
    for (const entry of methods) {
      if (!usable(model, entry)) {
        const why = entry.family === 'gradient' && model.info.gradientsUnavailable
          ? `${entry.name} needs gradients (${model.info.gradientsUnavailable})`
          : `${entry.name} needs ${entry.needsRule ? 'a layered model' : 'a layer with spatial output'}`;
        if (requested) throw new UsageError(`${why}, which ${model.info.name} does not have`, 'leave it out of --methods');
        skipped.push(why);
        continue;
      }
      const bar = new ProgressBar(entry.name);
      const options = await methodOptions(entry, flags, {
        model,
        pictureDefaults: true,
        warn: io.warn,
        onProgress: (done, total) => bar.update(done, total),
      });
      try {
        results.push(await entry.create(model).attribute(input, options));
      } finally {
        bar.done();
      }
    }
    const prediction = await predict(model, input);
    // A vision transformer also shows where its [CLS] token looks; no other model has attention to show.
    const attention: VitAttentionPanels | undefined = model instanceof VitModel ? vitAttentionPanels(model.attention(input)) : undefined;
    const heatmap = { sign } as const;
    const grid = attributionGrid(image, results, {
      heatmap, classNames: model.info.classNames, inputTitle: 'input', columns: Math.min(6, results.length + 1),
      title: `${model.info.name}: predicted ${className(model, prediction.probabilities[0])}`,
      inputCaption: loaded.source.split(' ')[0],
    });
    const html = renderReport({
      model: model.info,
      image,
      inputLabel: loaded.source,
      prediction: { outputs: prediction.logits[0], probabilities: prediction.probabilities[0] },
      items: results.map((result) => ({ result, heatmap })),
      attention,
      title: `Glassbox: why ${model.info.name} predicted what it did`,
    });
    const reportPath = join(outDir, 'report.html');
    writeFileAtomic(join(outDir, 'grid.png'), encodePng(grid));
    writeFileAtomic(join(outDir, 'results.json'), `${JSON.stringify({ model: model.info.name, input: loaded.source, prediction, skipped, results, attention }, null, 1)}\n`);
    writeFileAtomic(reportPath, html);
    for (const s of skipped) io.warn(`glassbox: skipped ${s}`);
    io.out(reportPath);
    return 0;
  } finally {
    input?.dispose();
    model.dispose();
  }
}

function parseMethodList(raw: string | undefined): MethodEntry[] | undefined {
  if (raw === undefined) return undefined;
  const names = raw.split(',').map((s) => s.trim()).filter(Boolean);
  if (names.length === 0) throw new UsageError('--methods is empty', `name one or more of: ${METHOD_NAMES.join(', ')}`);
  return names.map((name) => {
    const entry = findMethod(name);
    if (!entry) throw new UsageError(`unknown method "${name}" in --methods`, `choose from: ${METHOD_NAMES.join(', ')}`);
    return entry;
  });
}

function usable(model: Model, entry: MethodEntry): boolean {
  if (entry.family === 'gradient' && model.info.gradientsUnavailable) return false;
  if (entry.needsRule && !model.supportsRule('guided-backprop')) return false;
  if (entry.needsLayer && !model.info.layers.some((l) => l.outputShape.length >= 3)) return false;
  return true;
}

/** The input as a picture: the decoded image when there is one, else the tensor drawn back as pixels. */
function displayImage(model: Model, input: tf.Tensor, decoded: { width: number; height: number; channels: 3; data: Uint8Array } | undefined): Image {
  if (decoded) return imageFromPixels(decoded);
  const shape = model.info.inputShape;
  if (shape.length < 2) {
    throw new GlassboxError(`explain draws heatmaps over images, and model ${model.info.name} takes inputs of shape [${shape.join(', ')}]`,
      'use glassbox attribute for non-image inputs', 'usage');
  }
  return imageFromInput({ shape, data: Float32Array.from(input.dataSync()) }, model.info.preprocessing);
}

function className(model: Model, probabilities: number[]): string {
  const top = probabilities.indexOf(Math.max(...probabilities));
  return `${model.info.classNames?.[top] ?? top} (p = ${probabilities[top].toFixed(3)})`;
}
