import { resolve, join } from 'node:path';
import { findMethod, METHOD_NAMES, type MethodEntry } from '../attribution/registry.js';
import { BACKENDS, type BackendName } from '../backend.js';
import { loadInputSet } from '../embedding/activations/input-set.js';
import { UsageError } from '../errors.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import { evaluateExplanations, type EvaluationSummary } from '../metrics/evaluate.js';
import { METRIC_NAMES, METRICS } from '../metrics/registry.js';
import type { EvaluationSubject, RemovalBaseline } from '../metrics/subject.js';
import { createImageSubject } from '../metrics/subjects/image.js';
import { createTabularSubject } from '../metrics/subjects/tabular.js';
import { createTextSubject, TEXT_SUBJECT_METHODS, type TextSubjectMethod, type TextSubjectModel } from '../metrics/subjects/text.js';
import { isTabularMethod, TABULAR_METHOD_NAMES } from '../attribution/tabular-methods.js';
import { BUILT_IN_ONNX_TEXT_MODELS, isOnnxTextFolder, loadOnnxTextModel } from '../models/onnx-text/load.js';
import { BUILT_IN_TEXT_CLASSIFIERS, loadTextClassifier } from '../models/text/load.js';
import { readLabelledTexts } from '../text/labelled-texts.js';
import { useBackend } from '../backend.js';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { loadTabularSetup, TABULAR_DATA_FLAGS } from './tabular.js';
import { ENGINES, loadModel } from '../models/load.js';
import type { Model } from '../models/model.js';
import { renderEvaluationReport, writeEvaluationPictures } from '../viz/evaluation/index.js';
import { choiceOption, intOption, numberOption, stringOption, type CommandSpec, type ParsedOptions } from './args.js';
import { required, type CommandIo } from './attribute.js';
import { METHOD_FLAGS, methodFlagSpecs, methodOptions } from './method-options.js';
import { ProgressBar } from './progress.js';
import { toJson } from './text-model.js';

const DEFAULT_LIMIT = 100;

export const evaluateSpec: CommandSpec = {
  name: 'evaluate',
  summary: 'score explanation methods: faithfulness, robustness, complexity, randomisation (mean, interval, ranking)',
  usage: 'glassbox evaluate --model <model> --data <digits folder|idx|.npy> --methods a,b,... [--metrics m1,m2,...] [--limit N] [--seed N] [--format json|html] [--out dir]',
  options: {
    model: { type: 'string', placeholder: 'model', description: 'TF.js model.json, ONNX file, or a built-in model name (digits)' },
    data: { type: 'string', placeholder: 'path', description: 'the rows to explain: a folder of images (class subfolders give labels), an MNIST IDX file, or a .npy / JSON array' },
    methods: { type: 'string', placeholder: 'a,b,...', description: `methods to compare (e.g. integrated-gradients,saliency,grad-cam,occlusion; also edge-detector, a control that ignores the model); any of ${METHOD_NAMES.join(', ')}` },
    metrics: { type: 'string', placeholder: 'a,b,...', description: 'metrics to compute (default: every one that applies; glassbox evaluate --list-metrics)' },
    'list-metrics': { type: 'boolean', description: 'print the metrics with their formulas and references, and exit' },
    limit: { type: 'string', placeholder: 'N', description: `explain the first N rows of --data (default ${DEFAULT_LIMIT})` },
    seed: { type: 'string', placeholder: 'N', description: 'seed of every random draw of the metrics (default 0)' },
    'explain-target': { type: 'string', placeholder: 'prediction|label', description: 'output explained per row: the model\'s prediction (default) or the data\'s label' },
    'perturb-baseline': { type: 'string', placeholder: 'zeros|mean|blur|X', description: 'what removed features become in the faithfulness metrics (default zeros)' },
    'metric-options': { type: 'string', placeholder: 'json', description: 'options per metric, e.g. \'{"deletion":{"steps":100},"max-sensitivity":{"samples":50,"radius":0.1}}\' (glassbox evaluate --list-metrics names them)' },
    'randomisation-mode': { type: 'string', placeholder: 'cascading|independent', description: 'randomisation: layers re-drawn cumulatively from the output (default) or one at a time' },
    similarity: { type: 'string', placeholder: 'spearman|ssim|hog', description: 'randomisation and random-logit: how two explanations are compared (default spearman)' },
    confidence: { type: 'string', placeholder: 'P', description: 'confidence level of the intervals (default 0.95)' },
    format: { type: 'string', placeholder: 'json|html', description: 'json: the summary on stdout (or --out file); html: report.html, summary.json and pictures in --out (default json)' },
    out: { type: 'string', placeholder: 'path', description: 'json: a file for the summary; html: the report folder (default glassbox-evaluation)' },
    'batch-size': { type: 'string', placeholder: 'N', description: 'most inputs per model call (default 64)' },
    ...methodFlagSpecs(),
    ...TABULAR_DATA_FLAGS,
    engine: { type: 'string', placeholder: 'native|tfjs', description: 'native: onnxruntime (default where the model converts); tfjs: TF.js' },
    backend: { type: 'string', placeholder: 'wasm|cpu', description: 'TF.js backend for --engine tfjs (default wasm)' },
  },
  examples: [
    'glassbox evaluate --model digits --data data/mnist/t10k-images-idx3-ubyte.gz --methods integrated-gradients,saliency,grad-cam,occlusion --limit 100 --format html --out out/eval',
    'glassbox evaluate --model digits --data data/mnist/t10k-images-idx3-ubyte.gz --methods saliency,edge-detector --metrics randomisation --limit 10',
    'glassbox evaluate --list-metrics',
  ],
};

export async function runEvaluate(flags: ParsedOptions, io: CommandIo): Promise<number> {
  if (flags['list-metrics'] === true) {
    io.out(METRICS.map((m) => `${m.info.name.padEnd(26)}${m.info.category}: ${m.info.summary}\n${' '.repeat(26)}${m.info.formula}\n${' '.repeat(26)}${m.info.reference} (${m.info.modalities.join(', ')}; ${m.info.higherIsBetter ? 'higher' : 'lower'} is better)`).join('\n'));
    return 0;
  }
  const format = choiceOption(flags, 'format', ['json', 'html'] as const) ?? 'json';
  const methodNames = parseList(required(flags, 'methods', `e.g. --methods integrated-gradients,saliency,grad-cam,occlusion (any of ${METHOD_NAMES.join(', ')})`), 'methods');
  const metrics = stringOption(flags, 'metrics') === undefined ? undefined : parseList(stringOption(flags, 'metrics')!, 'metrics');
  for (const m of metrics ?? []) {
    if (!METRIC_NAMES.includes(m)) throw new UsageError(`unknown metric "${m}" in --metrics`, `choose from: ${METRIC_NAMES.join(', ')}`);
  }
  const seed = intOption(flags, 'seed') ?? 0;
  const confidence = numberOption(flags, 'confidence', { min: 0 }) ?? 0.95;
  if (!(confidence > 0 && confidence < 1)) throw new UsageError(`--confidence ${confidence} is not a probability`, 'e.g. --confidence 0.95');
  const metricOptions = parseMetricOptions(flags);
  const subjects = await loadSubjects(flags, io, methodNames);
  const bar = new ProgressBar('evaluate');
  let summary: EvaluationSummary;
  try {
    summary = await evaluateExplanations(subjects.subjects, {
      metrics, seed, confidence, metricOptions,
      onStage: (stage, index, total) => {
        bar.update(index, total, stage);
        for (const s of subjects.subjects) s.onProgress = (done, all) => bar.update(index + done / Math.max(all, 1), total, stage);
      },
    });
  } finally {
    bar.done();
    subjects.dispose();
  }
  if (format === 'json') {
    const path = stringOption(flags, 'out');
    const json = toJson(summary);
    if (path) writeFileAtomic(path, `${json}\n`);
    else io.out(json);
    return 0;
  }
  const outDir = resolve(stringOption(flags, 'out') ?? 'glassbox-evaluation');
  writeEvaluationPictures(summary, outDir);
  writeFileAtomic(join(outDir, 'summary.json'), `${toJson(summary)}\n`);
  writeFileAtomic(join(outDir, 'report.html'), renderEvaluationReport(summary));
  io.warn(`glassbox: wrote ${join(outDir, 'report.html')}`);
  io.out(summaryTable(summary));
  return 0;
}

function parseMetricOptions(flags: ParsedOptions): Record<string, Record<string, unknown>> {
  const raw = stringOption(flags, 'metric-options');
  let options: Record<string, Record<string, unknown>> = {};
  if (raw !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch (err) {
      throw new UsageError(`--metric-options is not JSON: ${(err as Error).message}`, 'e.g. --metric-options \'{"deletion":{"steps":100}}\'');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new UsageError('--metric-options must be a JSON object of metric names', 'e.g. --metric-options \'{"deletion":{"steps":100}}\'');
    }
    for (const [name, value] of Object.entries(parsed)) {
      if (!METRIC_NAMES.includes(name)) throw new UsageError(`--metric-options names an unknown metric "${name}"`, `choose from: ${METRIC_NAMES.join(', ')}`);
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        throw new UsageError(`--metric-options: the options of ${name} must be an object`, `e.g. {"${name}": {"samples": 20}}`);
      }
      if ('seed' in value) throw new UsageError(`--metric-options: ${name} sets a seed`, 'give one seed for every metric with --seed');
    }
    options = parsed as Record<string, Record<string, unknown>>;
  }
  const mode = choiceOption(flags, 'randomisation-mode', ['cascading', 'independent'] as const);
  const similarity = choiceOption(flags, 'similarity', ['spearman', 'ssim', 'hog'] as const);
  if (mode || similarity) options.randomisation = { ...options.randomisation, ...(mode ? { mode } : {}), ...(similarity ? { similarity } : {}) };
  if (similarity) options['random-logit'] = { ...options['random-logit'], similarity };
  return options;
}

function parseList(raw: string, flag: string): string[] {
  const names = raw.split(',').map((s) => s.trim()).filter(Boolean);
  if (names.length === 0) throw new UsageError(`--${flag} is empty`, `name one or more, separated by commas`);
  if (new Set(names).size !== names.length) throw new UsageError(`--${flag} names one twice: ${raw}`, 'name each once');
  return names;
}

function removalBaseline(flags: ParsedOptions): RemovalBaseline {
  const raw = stringOption(flags, 'perturb-baseline') ?? 'zeros';
  if (raw === 'zeros' || raw === 'mean' || raw === 'blur') return raw;
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value)) throw new UsageError(`--perturb-baseline "${raw}" is not zeros, mean, blur or a number`, 'e.g. --perturb-baseline blur');
  return value;
}

interface Subjects {
  subjects: EvaluationSubject[];
  dispose(): void;
}

type Modality = 'image' | 'tabular' | 'text';

/** Which kind of model and data: a CSV is a table; a text classifier (or a .jsonl / .tsv of texts) is text; else images. */
function modalityOf(flags: ParsedOptions): Modality {
  const model = required(flags, 'model', 'e.g. --model digits');
  const data = required(flags, 'data', 'e.g. --data data/mnist/t10k-images-idx3-ubyte.gz (MNIST test digits with labels)');
  if (/\.csv$/i.test(data)) return 'tabular';
  const textModel = (BUILT_IN_TEXT_CLASSIFIERS as readonly string[]).includes(model) || (BUILT_IN_ONNX_TEXT_MODELS as readonly string[]).includes(model)
    || isOnnxTextFolder(model) || (existsSync(model) && statSync(model).isDirectory() && existsSync(join(model, 'tokenizer.json')));
  if (textModel || /\.(jsonl|tsv)$/i.test(data)) return 'text';
  return 'image';
}

async function loadSubjects(flags: ParsedOptions, io: CommandIo, methodNames: string[]): Promise<Subjects> {
  const modality = modalityOf(flags);
  if (modality === 'tabular') return tabularSubjects(flags, io, methodNames);
  if (modality === 'text') return textSubjects(flags, io, methodNames);
  return imageSubjects(flags, io, methodNames);
}

async function tabularSubjects(flags: ParsedOptions, io: CommandIo, methodNames: string[]): Promise<Subjects> {
  for (const name of methodNames) {
    if (!isTabularMethod(name)) throw new UsageError(`"${name}" is not a tabular method`, `for rows of a CSV choose from: ${TABULAR_METHOD_NAMES.join(', ')}`);
  }
  const setup = await loadTabularSetup(flags, undefined, io.warn);
  try {
    for (const note of setup.notes) io.warn(`glassbox: ${note}`);
    const limit = intOption(flags, 'limit', { min: 1 }) ?? DEFAULT_LIMIT;
    const count = Math.min(limit, setup.data.x.rows);
    const rows = { rows: count, cols: setup.data.x.cols, data: setup.data.x.data.slice(0, count * setup.data.x.cols) };
    const targets = await labelTargets(flags, count, setup.model.info.numOutputs, setup.model.info.outputNames, () => (setup.data.y ? Array.from(setup.data.y) : undefined));
    const subjects: EvaluationSubject[] = [];
    const samples = intOption(flags, 'samples', { min: 1 });
    const seed = intOption(flags, 'seed', { min: 0 });
    for (const name of methodNames) {
      const bar = new ProgressBar(`explain ${name}`);
      subjects.push(await createTabularSubject(setup.model, rows, name as (typeof TABULAR_METHOD_NAMES)[number], {
        methodOptions: { featureNames: setup.data.featureNames, ...(samples !== undefined ? { samples } : {}), ...(seed !== undefined ? { seed } : {}) },
        background: setup.background,
        ...(targets ? { targets } : {}),
        baseline: removalBaseline(flags),
        onProgress: (done, total) => bar.update(done, total),
      }));
      bar.done();
    }
    return { subjects, dispose: () => setup.model.dispose?.() };
  } catch (err) {
    setup.model.dispose?.();
    throw err;
  }
}

/** Texts with labels: a .jsonl of {"text": ..., "label": ...} objects, or label<TAB>text lines. */
function readTexts(path: string): { texts: string[]; labels: string[] | undefined } {
  if (!existsSync(path)) throw new UsageError(`${path} does not exist`, 'give a .jsonl file of {"text": "...", "label": "..."} lines, or a label<TAB>text file');
  if (!/\.jsonl$/i.test(path)) {
    const read = readLabelledTexts(path);
    return { texts: read.texts, labels: read.labels };
  }
  const texts: string[] = [];
  const labels: string[] = [];
  readFileSync(path, 'utf8').split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    let row: unknown;
    try {
      row = JSON.parse(line);
    } catch {
      throw new UsageError(`${path}, line ${i + 1} is not JSON`, 'write one {"text": "...", "label": "..."} object per line');
    }
    const r = row as { text?: unknown; label?: unknown };
    if (typeof r.text !== 'string') throw new UsageError(`${path}, line ${i + 1} has no "text" string`, 'write one {"text": "...", "label": "..."} object per line');
    texts.push(r.text);
    if (r.label !== undefined) labels.push(String(r.label));
  });
  if (labels.length !== 0 && labels.length !== texts.length) throw new UsageError(`${path}: some lines have a "label" and some do not`, 'label every line, or none');
  return { texts, labels: labels.length ? labels : undefined };
}

async function textSubjects(flags: ParsedOptions, io: CommandIo, methodNames: string[]): Promise<Subjects> {
  for (const name of methodNames) {
    if (!(TEXT_SUBJECT_METHODS as readonly string[]).includes(name)) throw new UsageError(`"${name}" is not a text method`, `for texts choose from: ${TEXT_SUBJECT_METHODS.join(', ')}`);
  }
  const modelPath = required(flags, 'model', 'e.g. --model spam');
  const dataPath = required(flags, 'data', 'e.g. --data data/text/sms_spam_collection.tsv');
  const limit = intOption(flags, 'limit', { min: 1 }) ?? DEFAULT_LIMIT;
  const read = readTexts(dataPath);
  const texts = read.texts.slice(0, limit);
  if (texts.length === 0) throw new UsageError(`${dataPath} holds no texts`, 'give at least one text');
  await useBackend(choiceOption(flags, 'backend', BACKENDS) ?? 'wasm');
  const onnx = isOnnxTextFolder(modelPath) || (BUILT_IN_ONNX_TEXT_MODELS as readonly string[]).includes(modelPath);
  const model: TextSubjectModel = onnx ? await loadOnnxTextModel(modelPath) : await loadTextClassifier(modelPath);
  const dispose = () => { void model.dispose(); };
  try {
    const classNames = model.classNames ? [...model.classNames] : undefined;
    const targets = await labelTargets(flags, texts.length, classNames?.length ?? 0, classNames, () => read.labels?.slice(0, limit));
    const steps = intOption(flags, 'steps', { min: 1, max: 100000 });
    const samples = intOption(flags, 'samples', { min: 1, max: 100000 });
    const seed = intOption(flags, 'seed', { min: 0 });
    const subjects: EvaluationSubject[] = [];
    for (const name of methodNames as TextSubjectMethod[]) {
      const methodOptions: Record<string, unknown> = {};
      if (name === 'integrated-gradients' && steps !== undefined) methodOptions.steps = steps;
      if (name === 'lime' && samples !== undefined) methodOptions.numSamples = samples;
      if (name === 'kernel-shap' && samples !== undefined) methodOptions.nsamples = samples;
      if ((name === 'lime' || name === 'kernel-shap') && seed !== undefined) methodOptions.seed = seed;
      const bar = new ProgressBar(`explain ${name}`);
      subjects.push(await createTextSubject(model, texts, name, {
        methodOptions,
        ...(targets ? { targets } : {}),
        baseline: removalBaseline(flags),
        onProgress: (done, total) => bar.update(done, total),
      }));
      bar.done();
    }
    return { subjects, dispose };
  } catch (err) {
    dispose();
    throw err;
  }
}

/** With --explain-target label: each row's label as an output index (labels may be class names or indices). */
async function labelTargets(flags: ParsedOptions, count: number, numOutputs: number, classNames: readonly string[] | undefined,
  labels: () => readonly (string | number)[] | undefined): Promise<number[] | undefined> {
  const explainTarget = choiceOption(flags, 'explain-target', ['prediction', 'label'] as const) ?? 'prediction';
  if (explainTarget === 'prediction') return undefined;
  const given = labels();
  if (!given) throw new UsageError(`--data ${stringOption(flags, 'data')} has no labels`, 'give labelled data, or use --explain-target prediction');
  return given.slice(0, count).map((l) => {
    const byName = classNames?.indexOf(String(l)) ?? -1;
    const index = byName >= 0 ? byName : Number(l);
    if (!Number.isInteger(index) || index < 0 || index >= numOutputs) {
      throw new UsageError(`label "${l}" is not an output of the model (${classNames ? classNames.join(', ') : `0 to ${numOutputs - 1}`})`,
        'label rows by output index or by the model\'s class names');
    }
    return index;
  });
}

async function imageSubjects(flags: ParsedOptions, io: CommandIo, methodNames: string[]): Promise<Subjects> {
  const modelPath = required(flags, 'model', 'e.g. --model digits');
  const dataPath = required(flags, 'data', 'e.g. --data data/mnist/t10k-images-idx3-ubyte.gz (MNIST test digits with labels)');
  const entries: MethodEntry[] = methodNames.map((name) => {
    const entry = findMethod(name);
    if (!entry) throw new UsageError(`unknown method "${name}" in --methods`, `choose from: ${METHOD_NAMES.join(', ')}`);
    return entry;
  });
  const limit = intOption(flags, 'limit', { min: 1 }) ?? DEFAULT_LIMIT;
  const baseline = removalBaseline(flags);
  const batchSize = intOption(flags, 'batch-size', { min: 1 });
  const backend = choiceOption(flags, 'backend', BACKENDS) as BackendName | undefined;
  const engine = choiceOption(flags, 'engine', ENGINES);
  const model: Model = await loadModel(modelPath, { backend, engine, log: io.warn });
  try {
    const set = await loadInputSet(dataPath, model.info, { limit });
    const targets = await labelTargets(flags, set.count, model.info.numOutputs, model.info.classNames, () => set.labels);
    const subjects: EvaluationSubject[] = [];
    for (const entry of entries) {
      const bar = new ProgressBar(`explain ${entry.name}`);
      // --target and --seed belong to the evaluation here; a sampled method gets the same seed.
      const methodFlags = { ...flags, target: undefined, seed: undefined };
      const options = await methodOptions(entry, methodFlags, { model, pictureDefaults: false, warn: io.warn });
      if (METHOD_FLAGS.seed.methods.includes(entry.name)) options.seed = intOption(flags, 'seed') ?? 0;
      subjects.push(await createImageSubject(model, set.inputs, entry, {
        methodOptions: options,
        ...(targets ? { targets } : {}),
        baseline,
        ...(batchSize ? { internalBatchSize: batchSize } : {}),
        onProgress: (done, total) => bar.update(done, total),
      }));
      bar.done();
    }
    return { subjects, dispose: () => model.dispose() };
  } catch (err) {
    model.dispose();
    throw err;
  }
}

/** The summary as a plain-text table for the terminal: mean [interval] per method and metric, ranked. */
export function summaryTable(summary: EvaluationSummary): string {
  const fmt = (x: number) => (Number.isFinite(x) ? (Math.abs(x) >= 1000 || (Math.abs(x) < 1e-3 && x !== 0) ? x.toExponential(2) : x.toFixed(3)) : 'n/a');
  const header = ['method', 'rank', ...summary.metrics.map((m) => `${m.name} ${m.higherIsBetter ? '(higher better)' : '(lower better)'}`)];
  const rows = summary.ranking.map((r) => [
    r.method,
    Number.isFinite(r.meanRank) ? r.meanRank.toFixed(2) : 'n/a',
    ...summary.metrics.map((m) => {
      const c = summary.cells.find((x) => x.method === r.method && x.metric === m.name);
      return c ? `${fmt(c.mean)} [${fmt(c.ciLow)}, ${fmt(c.ciHigh)}]` : '';
    }),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  return [`${summary.model}: ${summary.rows} rows, seed ${summary.seed}, ${Math.round(summary.confidence * 100)}% intervals`, line(header), ...rows.map(line)].join('\n');
}
