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
import { ENGINES, loadModel } from '../models/load.js';
import type { Model } from '../models/model.js';
import { renderEvaluationReport, writeEvaluationPictures } from '../viz/evaluation/index.js';
import { choiceOption, intOption, numberOption, stringOption, type CommandSpec, type ParsedOptions } from './args.js';
import { required, type CommandIo } from './attribute.js';
import { methodFlagSpecs, methodOptions } from './method-options.js';
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
    confidence: { type: 'string', placeholder: 'P', description: 'confidence level of the intervals (default 0.95)' },
    format: { type: 'string', placeholder: 'json|html', description: 'json: the summary on stdout (or --out file); html: report.html, summary.json and pictures in --out (default json)' },
    out: { type: 'string', placeholder: 'path', description: 'json: a file for the summary; html: the report folder (default glassbox-evaluation)' },
    'batch-size': { type: 'string', placeholder: 'N', description: 'most inputs per model call (default 64)' },
    ...methodFlagSpecs(),
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
  const subjects = await imageSubjects(flags, io, methodNames);
  const bar = new ProgressBar('evaluate');
  let summary: EvaluationSummary;
  try {
    summary = await evaluateExplanations(subjects.subjects, {
      metrics, seed, confidence,
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

async function imageSubjects(flags: ParsedOptions, io: CommandIo, methodNames: string[]): Promise<Subjects> {
  const modelPath = required(flags, 'model', 'e.g. --model digits');
  const dataPath = required(flags, 'data', 'e.g. --data data/mnist/t10k-images-idx3-ubyte.gz (MNIST test digits with labels)');
  const entries: MethodEntry[] = methodNames.map((name) => {
    const entry = findMethod(name);
    if (!entry) throw new UsageError(`unknown method "${name}" in --methods`, `choose from: ${METHOD_NAMES.join(', ')}`);
    return entry;
  });
  const limit = intOption(flags, 'limit', { min: 1 }) ?? DEFAULT_LIMIT;
  const explainTarget = choiceOption(flags, 'explain-target', ['prediction', 'label'] as const) ?? 'prediction';
  const baseline = removalBaseline(flags);
  const batchSize = intOption(flags, 'batch-size', { min: 1 });
  const backend = choiceOption(flags, 'backend', BACKENDS) as BackendName | undefined;
  const engine = choiceOption(flags, 'engine', ENGINES);
  const model: Model = await loadModel(modelPath, { backend, engine, log: io.warn });
  try {
    const set = await loadInputSet(dataPath, model.info, { limit });
    let targets: number[] | undefined;
    if (explainTarget === 'label') {
      if (!set.labels) throw new UsageError(`${dataPath} has no labels`, 'put the images in one subfolder per class, or use --explain-target prediction');
      targets = set.labels.map((l) => {
        const index = typeof l === 'number' ? l : model.info.classNames?.indexOf(l) ?? Number(l);
        if (!Number.isInteger(index) || index < 0 || index >= model.info.numOutputs) {
          throw new UsageError(`label "${l}" is not an output of ${model.info.name}`, 'name class folders by output index or by the model\'s class names');
        }
        return index;
      });
    }
    const subjects: EvaluationSubject[] = [];
    for (const entry of entries) {
      const bar = new ProgressBar(`explain ${entry.name}`);
      const methodFlags = { ...flags, target: undefined };
      const options = await methodOptions(entry, methodFlags, { model, pictureDefaults: false, warn: io.warn });
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
