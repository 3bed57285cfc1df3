import type * as tf from '@tensorflow/tfjs';
import { findMethod, METHOD_NAMES } from '../attribution/registry.js';
import { explainTabular, isTabularMethod, pickRows, TABULAR_METHOD_NAMES, withDisplay } from '../attribution/tabular-methods.js';
import type { BackendName } from '../backend.js';
import { BACKENDS } from '../backend.js';
import { UsageError } from '../errors.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import { loadInput } from '../io/load-input.js';
import { ENGINES, loadModel } from '../models/load.js';
import { choiceOption, stringOption, type CommandSpec, type ParsedOptions } from './args.js';
import { methodFlagSpecs, methodOptions } from './method-options.js';
import { TABULAR_DATA_FLAGS, TABULAR_METHOD_FLAGS, loadTabularSetup, resolveTabularTarget, tabularMethodOptions } from './tabular.js';
import { predict } from './prediction.js';
import { TEXT_ATTRIBUTE_FLAGS, TEXT_METHOD_NAMES, runTextAttribute } from './text-attribute.js';
import { TEXT_MODEL_FLAGS } from './text-model.js';
import { ProgressBar } from './progress.js';

export const attributeSpec: CommandSpec = {
  name: 'attribute',
  summary: 'compute one method\'s attributions and print them as JSON (for scripts)',
  usage: 'glassbox attribute --model <model.json|model.onnx|digits> --input <file.png|.json|.npy> --method <name> [options] --format json\n'
    + '       glassbox attribute --model <model.onnx|xgb.json|lgbm.txt> --data <file.csv> --row N --method <tabular method> [options] --format json\n'
    + `       glassbox attribute --model <folder|checkpoint.bin> [--tokenizer tok.bin] --text "..." --method ${TEXT_METHOD_NAMES.join('|')} [--target N] [--steps N] --format json`,
  options: {
    model: { type: 'string', placeholder: 'model.json|model.onnx|digits', description: 'TF.js model.json, ONNX file, or a built-in model name' },
    input: { type: 'string', placeholder: 'file', description: 'PNG/JPEG image, JSON tensor ({"shape","data"} or nested arrays) or .npy' },
    method: { type: 'string', placeholder: 'name', description: `images: ${METHOD_NAMES.join(', ')}; tabular: ${TABULAR_METHOD_NAMES.join(', ')}` },
    target: { type: 'string', placeholder: 'N', description: 'output index to explain (default: the predicted class of each row)' },
    ...methodFlagSpecs(),
    ...TABULAR_DATA_FLAGS,
    ...TABULAR_METHOD_FLAGS,
    ...TEXT_MODEL_FLAGS,
    ...TEXT_ATTRIBUTE_FLAGS,
    engine: { type: 'string', placeholder: 'native|tfjs', description: 'native: onnxruntime with Glassbox\'s own backward graphs (default where the model converts); tfjs: TF.js autodiff' },
    backend: { type: 'string', placeholder: 'wasm|cpu', description: 'TF.js backend for --engine tfjs (default wasm; falls back to cpu when wasm lacks a kernel)' },
    format: { type: 'string', placeholder: 'json', description: 'output format (json)' },
    out: { type: 'string', placeholder: 'file', short: 'o', description: 'write the JSON to a file instead of stdout' },
  },
  examples: [
    'glassbox attribute --model digits --input samples/digits/digit-3.png --method integrated-gradients --steps 50 --format json',
    'glassbox attribute --model digits --input x.npy --method occlusion --window 4,4,1 --stride 4,4,1 --format json',
    'glassbox attribute --model digits --input samples/digits/digit-7.png --method grad-cam --layer conv2 --upsample bilinear --relu --format json',
    'glassbox attribute --model models/credit/model.onnx --data data/tabular/german_credit.csv --row 0 --method kernel-shap --format json',
    'glassbox attribute --model models/cancer-xgb/model.json --data data/tabular/breast_cancer.csv --row 3 --method tree-shap --output margin --format json',
    'glassbox attribute --model spam --text "WIN a free prize, call now" --method integrated-gradients --steps 50 --format json',
  ],
};

/** The JSON that `attribute` prints: a contract other tools rely on. */
export interface AttributeOutput {
  method: string;
  /** The explained output: a number for one input row, one per row for a batch. */
  target: number | number[] | null;
  shape: number[];
  attributions: number[];
  convergenceDelta?: number | number[];
  prediction: { logits: number[] | number[][]; probabilities: number[] | number[][] };
}

export interface CommandIo {
  out: (text: string) => void;
  warn: (line: string) => void;
}

export async function runAttribute(flags: ParsedOptions, io: CommandIo): Promise<number> {
  if (stringOption(flags, 'text') !== undefined) return runTextAttribute(flags, io);
  if (stringOption(flags, 'data') !== undefined) return runTabularAttribute(flags, io);
  const modelPath = required(flags, 'model', 'e.g. --model digits');
  const inputPath = required(flags, 'input', 'e.g. --input samples/digits/digit-3.png');
  const methodName = required(flags, 'method', `one of: ${METHOD_NAMES.join(', ')}`);
  const entry = findMethod(methodName);
  if (!entry) {
    if (isTabularMethod(methodName)) throw new UsageError(`${methodName} explains tabular models`, 'give the rows with --data file.csv and --row N');
    throw new UsageError(`unknown method "${methodName}"`, `choose one of: ${METHOD_NAMES.join(', ')} (glassbox methods)`);
  }
  const format = stringOption(flags, 'format') ?? 'json';
  if (format !== 'json') throw new UsageError(`unknown --format "${format}"`, 'use --format json');
  const backend = choiceOption(flags, 'backend', BACKENDS) as BackendName | undefined;

  const engine = choiceOption(flags, 'engine', ENGINES);
  const model = await loadModel(modelPath, { backend, engine, log: io.warn });
  let input: tf.Tensor | undefined;
  try {
    input = (await loadInput(inputPath, model.info)).tensor;
    const bar = new ProgressBar(methodName);
    const options = await methodOptions(entry, flags, {
      model,
      pictureDefaults: false,
      warn: io.warn,
      onProgress: (done, total) => bar.update(done, total),
    });
    const result = await entry.create(model).attribute(input, options);
    bar.done();
    const prediction = await predict(model, input);
    const single = result.batchSize === 1;
    const output: AttributeOutput = {
      method: result.method,
      target: result.target === null ? null : single ? result.target[0] : result.target,
      shape: result.shape,
      attributions: Array.from(result.attributions),
      ...(result.convergenceDelta ? { convergenceDelta: single ? result.convergenceDelta[0] : result.convergenceDelta } : {}),
      prediction: single
        ? { logits: prediction.logits[0], probabilities: prediction.probabilities[0] }
        : prediction,
    };
    const json = JSON.stringify(output);
    const outputPath = stringOption(flags, 'out');
    if (outputPath) writeFileAtomic(outputPath, `${json}\n`);
    else io.out(json);
    return 0;
  } finally {
    input?.dispose();
    model.dispose();
  }
}

export function required(flags: ParsedOptions, key: string, hint: string): string {
  const value = stringOption(flags, key);
  if (value === undefined || value === '') throw new UsageError(`--${key} is required`, hint);
  return value;
}

/** `attribute --data file.csv --row N`: one row of a tabular model, in the tabular JSON contract. */
async function runTabularAttribute(flags: ParsedOptions, io: CommandIo): Promise<number> {
  const methodName = required(flags, 'method', `one of: ${TABULAR_METHOD_NAMES.join(', ')}`);
  if (!isTabularMethod(methodName)) {
    const hint = findMethod(methodName) ? `${methodName} explains image models (--input); for tabular rows use` : 'choose one of:';
    throw new UsageError(`"${methodName}" is not a tabular method`, `${hint} ${TABULAR_METHOD_NAMES.join(', ')}`);
  }
  if (stringOption(flags, 'input') !== undefined) throw new UsageError('--input and --data were both given', 'use --data (a CSV) for tabular models, --input for image models');
  const format = stringOption(flags, 'format') ?? 'json';
  if (format !== 'json') throw new UsageError(`unknown --format "${format}"`, 'use --format json');
  const rowFlag = required(flags, 'row', 'e.g. --row 0 (rows are numbered from 0; the header is not a row)');
  const rowIndex = Number(rowFlag);
  const setup = await loadTabularSetup(flags, methodName, io.warn);
  try {
    for (const note of setup.notes) io.warn(`glassbox: ${note}`);
    const rows = pickRows(setup.data.x, Number.isInteger(rowIndex) ? rowIndex : -1);
    const target = await resolveTabularTarget(setup.model, rows, flags);
    const bar = new ProgressBar(methodName);
    const options = tabularMethodOptions(setup, methodName, flags, target);
    options.onProgress = (done, total) => bar.update(done, total);
    const explanation = await explainTabular(setup.model, rows, methodName, options);
    bar.done();
    const display = setup.data.display.slice(rowIndex, rowIndex + 1);
    const shown = withDisplay(explanation, display, options.groups, rows);
    const json = JSON.stringify({ ...shown.row(0), row: rowIndex, ...(shown.displayValues ? { displayValues: shown.displayValues[0] } : {}) },
      (_key, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v));
    const outputPath = stringOption(flags, 'out');
    if (outputPath) writeFileAtomic(outputPath, `${json}\n`);
    else io.out(json);
    return 0;
  } finally {
    setup.model.dispose?.();
  }
}
