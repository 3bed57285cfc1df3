import { join, resolve } from 'node:path';
import { findMethod, METHOD_NAMES } from '../attribution/registry.js';
import type { BackendName } from '../backend.js';
import { BACKENDS } from '../backend.js';
import { loadInputSet } from '../embedding/activations/input-set.js';
import { UsageError } from '../errors.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import { loadInput } from '../io/load-input.js';
import { encodeNpy } from '../io/npy.js';
import { ENGINES, loadModel } from '../models/load.js';
import type { Model } from '../models/model.js';
import { epsilonSweep, type EpsilonSweep } from '../adversarial/epsilon-sweep.js';
import { explanationShift, type ExplanationShift } from '../adversarial/explanation-shift.js';
import { fgsm } from '../adversarial/fgsm.js';
import { pgd } from '../adversarial/pgd.js';
import { ATTACK_METHODS, ATTACK_NORMS, type AttackResult, type PgdOptions } from '../adversarial/types.js';
import { renderAttackReport } from '../viz/report/attack.js';
import { choiceOption, intOption, numberOption, stringOption, type CommandSpec, type ParsedOptions } from './args.js';
import { required, type CommandIo } from './attribute.js';
import { methodOptions } from './method-options.js';
import { ProgressBar } from './progress.js';

export const attackSpec: CommandSpec = {
  name: 'attack',
  summary: 'adversarial examples (FGSM, PGD), how the explanation moves, and accuracy against epsilon',
  usage: 'glassbox attack --model <model> --input <file> --method fgsm|pgd --epsilon X [--label N | --target N] [--range LO,HI]\n'
    + '       [--norm linf|l2] [--steps N] [--step-size X] [--random-start] [--seed N] [--explain METHOD]\n'
    + '       [--sweep EPS,EPS,... --data <digits folder|idx> --limit N] --format json|html [--out DIR]',
  options: {
    model: { type: 'string', placeholder: 'model.json|model.onnx|digits', description: 'TF.js model.json, ONNX file, or a built-in model name' },
    input: { type: 'string', placeholder: 'file', description: 'the input(s) to attack: PNG/JPEG image, JSON tensor or .npy (optional with --sweep)' },
    method: { type: 'string', placeholder: 'fgsm|pgd', description: 'fgsm: one signed gradient step; pgd: projected gradient descent' },
    epsilon: { type: 'string', placeholder: 'X', description: 'size of the perturbation in the chosen norm, in the model\'s input units (e.g. 0.1 for inputs in [0, 1])' },
    label: { type: 'string', placeholder: 'N', description: 'untargeted: the class to move away from (default: the model\'s prediction)' },
    target: { type: 'string', placeholder: 'N', description: 'targeted: the class to move towards (not with --label)' },
    range: { type: 'string', placeholder: 'LO,HI', description: 'valid input range; adversarial inputs are clipped to it (default 0,1)' },
    norm: { type: 'string', placeholder: 'linf|l2', description: 'the ball the perturbation stays in (default linf)' },
    steps: { type: 'string', placeholder: 'N', description: 'pgd: gradient steps (default 40)' },
    'step-size': { type: 'string', placeholder: 'X', description: 'pgd: size of each step (default 2.5 * epsilon / steps)' },
    'random-start': { type: 'boolean', description: 'pgd: start from a random point in the epsilon ball' },
    seed: { type: 'string', placeholder: 'N', description: 'pgd: seed of the random start (default 0)' },
    explain: { type: 'string', placeholder: 'method', description: `explain the clean and adversarial input with this method and measure the change (html default saliency): ${METHOD_NAMES.join(', ')}` },
    sweep: { type: 'string', placeholder: 'EPS,EPS,...', description: 'accuracy against these epsilons (0 = clean) on the labelled --data' },
    data: { type: 'string', placeholder: 'folder|idx', description: 'labelled inputs for --sweep: class subfolders of images, or an MNIST IDX images file (with its labels file)' },
    limit: { type: 'string', placeholder: 'N', description: 'the first N inputs of --data (default 100)' },
    engine: { type: 'string', placeholder: 'native|tfjs', description: 'native: onnxruntime with Glassbox\'s own backward graphs (default where the model converts); tfjs: TF.js autodiff' },
    backend: { type: 'string', placeholder: 'wasm|cpu', description: 'TF.js backend (default wasm)' },
    format: { type: 'string', placeholder: 'json|html', description: 'json on stdout (default), or an html report in --out' },
    out: { type: 'string', placeholder: 'dir', short: 'o', description: 'folder for report.html, results.json and adversarial.npy (html default glassbox-attack); json: results.json there instead of stdout' },
  },
  examples: [
    'glassbox attack --model digits --input samples/digits/digit-7.png --method fgsm --epsilon 0.15 --format json',
    'glassbox attack --model digits --input samples/digits/digit-7.png --method pgd --epsilon 0.3 --target 3 --explain integrated-gradients --format html --out attack-7',
    'glassbox attack --model digits --method pgd --sweep 0,0.05,0.1,0.2,0.3 --data data/mnist/t10k-images-idx3-ubyte.gz --limit 100 --format json',
  ],
};

/** The JSON `attack` prints: a contract other tools rely on. One row gives numbers, a batch one value per row. */
export interface AttackOutput {
  method: string;
  epsilon?: number;
  shape?: number[];
  adversarial?: number[];
  prediction?: number | number[];
  adversarialPrediction?: number | number[];
  explanationChange?: {
    method: string;
    explain: string;
    topK: number;
    spearman: number | number[];
    topKIntersection: number | number[];
    l2Distance: number | number[];
  };
  norm: string;
  range: [number, number];
  targeted?: boolean;
  probabilities?: number[] | number[][];
  adversarialProbabilities?: number[] | number[][];
  success?: boolean | boolean[];
  perturbationNorms?: { linf: number | number[]; l2: number | number[] };
  params?: Record<string, unknown>;
  sweep?: Pick<EpsilonSweep, 'method' | 'epsilons' | 'accuracy' | 'flipRate' | 'count'> & { data: string };
}

export async function runAttack(flags: ParsedOptions, io: CommandIo): Promise<number> {
  const modelPath = required(flags, 'model', 'e.g. --model digits');
  const method = choiceOption(flags, 'method', ATTACK_METHODS);
  if (!method) throw new UsageError('--method is required', 'use --method fgsm or --method pgd');
  const format = choiceOption(flags, 'format', ['json', 'html'] as const) ?? 'json';
  const inputPath = stringOption(flags, 'input');
  const sweepFlag = stringOption(flags, 'sweep');
  const dataPath = stringOption(flags, 'data');
  if (inputPath === undefined && sweepFlag === undefined) throw new UsageError('--input is required', 'give the input to attack (--input file), or a sweep (--sweep 0,0.1,0.3 --data folder)');
  if (sweepFlag !== undefined && dataPath === undefined) throw new UsageError('--sweep needs labelled inputs', 'give them with --data <class folders|MNIST idx file>');
  if (sweepFlag === undefined && dataPath !== undefined) throw new UsageError('--data is only read by --sweep', 'add --sweep 0,0.05,0.1,0.2,0.3, or leave out --data');
  if (sweepFlag === undefined && flags.limit !== undefined) throw new UsageError('--limit applies to --sweep', 'leave it out, or add --sweep with --data');
  const epsilon = numberOption(flags, 'epsilon');
  if (inputPath !== undefined && epsilon === undefined) throw new UsageError('--epsilon is required', 'e.g. --epsilon 0.1 for inputs in [0, 1]');
  const options = attackOptions(flags, method, io);
  const explainName = stringOption(flags, 'explain') ?? (format === 'html' && inputPath !== undefined ? 'saliency' : undefined);
  const explainEntry = explainName === undefined ? undefined : findMethod(explainName);
  if (explainName !== undefined && !explainEntry) throw new UsageError(`unknown method "${explainName}" for --explain`, `choose one of: ${METHOD_NAMES.join(', ')} (glassbox methods)`);
  if (explainName !== undefined && inputPath === undefined) throw new UsageError('--explain explains the attacked --input', 'give --input, or leave out --explain');
  const sweepEpsilons = sweepFlag === undefined ? undefined : parseEpsilons(sweepFlag);
  const limit = intOption(flags, 'limit', { min: 1 }) ?? 100;

  const backend = choiceOption(flags, 'backend', BACKENDS) as BackendName | undefined;
  const engine = choiceOption(flags, 'engine', ENGINES);
  const model = await loadModel(modelPath, { backend, engine, log: io.warn });
  try {
    let output: AttackOutput = { method, norm: options.norm ?? 'linf', range: [options.range?.[0] ?? 0, options.range?.[1] ?? 1] };
    let attack: AttackResult | undefined;
    let clean: Float32Array | undefined;
    let shift: ExplanationShift | undefined;
    let names: string[] | undefined;
    if (inputPath !== undefined) {
      const loaded = await loadInput(inputPath, model.info);
      const shape = [...loaded.tensor.shape];
      clean = Float32Array.from(loaded.tensor.dataSync());
      loaded.tensor.dispose();
      names = shape[0] === 1 ? [inputPath] : Array.from({ length: shape[0] }, (_, i) => `${inputPath}#${i}`);
      const bar = new ProgressBar(method);
      const run = { ...options, epsilon: epsilon!, onProgress: (done: number, total: number) => bar.update(done, total) };
      attack = method === 'fgsm' ? await fgsm(model, { shape, data: clean }, run) : await pgd(model, { shape, data: clean }, run);
      bar.done();
      if (explainEntry) {
        const explainBar = new ProgressBar(explainEntry.name);
        const methodOpts = await methodOptions(explainEntry, {}, { model, pictureDefaults: true, warn: io.warn });
        shift = await explanationShift(model, { shape, data: clean }, { shape, data: attack.adversarial }, {
          method: explainEntry.name,
          methodOptions: methodOpts,
          onProgress: (done, total, stage) => explainBar.update(done, total, stage),
        });
        explainBar.done();
      }
      output = attackOutput(attack, shift);
    }
    let sweep: EpsilonSweep | undefined;
    let sweepSource: string | undefined;
    if (sweepEpsilons && dataPath) {
      const set = await loadInputSet(dataPath, model.info, { limit });
      const labels = sweepLabels(set.labels, model, dataPath);
      sweepSource = set.source;
      const bar = new ProgressBar('sweep');
      const sweepOptions = { ...options };
      delete sweepOptions.label;
      delete sweepOptions.target;
      sweep = await epsilonSweep(model, set.inputs, labels, {
        ...sweepOptions, method, epsilons: sweepEpsilons, onProgress: (done, total, stage) => bar.update(done, total, stage),
      });
      bar.done();
      output.sweep = { method: sweep.method, epsilons: sweep.epsilons, accuracy: sweep.accuracy, flipRate: sweep.flipRate, count: sweep.count, data: set.source };
      if (!attack) {
        output.norm = sweep.norm;
        output.range = sweep.range;
      }
    }
    const json = JSON.stringify(output);
    const outFlag = stringOption(flags, 'out');
    if (format === 'json') {
      if (outFlag === undefined) {
        io.out(json);
      } else {
        const path = join(resolve(outFlag), 'results.json');
        writeFileAtomic(path, `${json}\n`);
        io.out(path);
      }
      return 0;
    }
    const outDir = resolve(outFlag ?? 'glassbox-attack');
    const html = renderAttackReport({
      attack, clean, names, preprocessing: model.info.preprocessing, shift, sweep, sweepSource,
      model: model.info.name, classNames: model.info.classNames,
    });
    writeFileAtomic(join(outDir, 'results.json'), `${json}\n`);
    if (attack) writeFileAtomic(join(outDir, 'adversarial.npy'), encodeNpy({ shape: attack.shape, data: attack.adversarial }));
    const reportPath = join(outDir, 'report.html');
    writeFileAtomic(reportPath, html);
    io.out(reportPath);
    return 0;
  } finally {
    model.dispose();
  }
}

/** The attack flags as library options (epsilon apart), warning about PGD flags given to FGSM. */
function attackOptions(flags: ParsedOptions, method: 'fgsm' | 'pgd', io: CommandIo): Omit<PgdOptions, 'epsilon'> {
  const options: Omit<PgdOptions, 'epsilon'> = {};
  const norm = choiceOption(flags, 'norm', ATTACK_NORMS);
  if (norm) options.norm = norm;
  const label = intOption(flags, 'label', { min: 0 });
  const target = intOption(flags, 'target', { min: 0 });
  if (label !== undefined && target !== undefined) {
    throw new UsageError('--label and --target were both given', 'use --label N to move away from class N (untargeted), or --target N to move towards it (targeted)');
  }
  if (label !== undefined) options.label = label;
  if (target !== undefined) options.target = target;
  const range = stringOption(flags, 'range');
  if (range !== undefined) options.range = parseRange(range);
  const pgdOnly = ['steps', 'step-size', 'random-start', 'seed'].filter((f) => flags[f] !== undefined);
  if (method === 'fgsm') {
    for (const f of pgdOnly) io.warn(`glassbox: --${f} applies to --method pgd; ignored`);
    return options;
  }
  const steps = intOption(flags, 'steps', { min: 1, max: 100000 });
  if (steps !== undefined) options.steps = steps;
  const stepSize = numberOption(flags, 'step-size');
  if (stepSize !== undefined) {
    if (!(stepSize > 0)) throw new UsageError(`--step-size must be greater than 0, got ${stepSize}`, 'e.g. --step-size 0.01');
    options.stepSize = stepSize;
  }
  if (flags['random-start'] === true) options.randomStart = true;
  const seed = intOption(flags, 'seed', { min: 0 });
  if (seed !== undefined) options.seed = seed;
  return options;
}

function parseRange(raw: string): [number, number] {
  const parts = raw.split(',').map((s) => s.trim());
  const values = parts.map(Number);
  if (parts.length !== 2 || parts.some((p) => p === '') || !values.every(Number.isFinite)) {
    throw new UsageError(`--range must be two numbers LO,HI, got "${raw}"`, 'e.g. --range 0,1 or --range -1,1');
  }
  if (values[0] >= values[1]) throw new UsageError(`--range ${raw} is empty: LO must be below HI`, 'e.g. --range 0,1');
  return [values[0], values[1]];
}

function parseEpsilons(raw: string): number[] {
  const parts = raw.split(',').map((s) => s.trim());
  const values = parts.map(Number);
  if (parts.some((p) => p === '') || !values.every((v) => Number.isFinite(v) && v >= 0)) {
    throw new UsageError(`--sweep must be epsilons of 0 or more separated by commas, got "${raw}"`, 'e.g. --sweep 0,0.05,0.1,0.2,0.3');
  }
  return values;
}

/** Class indices from the input set's labels: numbers, or class names the model knows. */
function sweepLabels(labels: (string | number)[] | undefined, model: Model, dataPath: string): number[] {
  if (!labels) {
    throw new UsageError(`${dataPath} gives no labels, and the sweep measures accuracy against them`,
      'use a folder with one subfolder per class (named by the class index or name), or an MNIST IDX images file next to its labels file');
  }
  const names = model.info.classNames ?? [];
  return labels.map((l) => {
    if (typeof l === 'number') return l;
    const k = names.indexOf(l);
    if (k < 0) throw new UsageError(`class folder "${l}" in ${dataPath} is not a class of model ${model.info.name}`, `name class folders by index (0 to ${model.info.numOutputs - 1})${names.length ? ` or by class name (${names.slice(0, 10).join(', ')})` : ''}`);
    return k;
  });
}

function attackOutput(a: AttackResult, shift: ExplanationShift | undefined): AttackOutput {
  const single = a.shape[0] === 1;
  const one = <T>(values: T[]): T | T[] => (single ? values[0] : values);
  return {
    method: a.method,
    epsilon: a.epsilon,
    shape: a.shape,
    adversarial: Array.from(a.adversarial),
    prediction: one(a.prediction),
    adversarialPrediction: one(a.adversarialPrediction),
    ...(shift ? {
      explanationChange: {
        method: shift.method,
        explain: shift.explain,
        topK: shift.topK,
        spearman: one(shift.spearman),
        topKIntersection: one(shift.topKIntersection),
        l2Distance: one(shift.l2Distance),
      },
    } : {}),
    norm: a.norm,
    range: a.range,
    targeted: a.targeted,
    probabilities: one(a.probabilities),
    adversarialProbabilities: one(a.adversarialProbabilities),
    success: one(a.success),
    perturbationNorms: { linf: one(a.perturbationNorms.linf), l2: one(a.perturbationNorms.l2) },
    params: a.params,
  };
}
