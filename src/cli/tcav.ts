import * as tf from '@tensorflow/tfjs';
import { BACKENDS, type BackendName } from '../backend.js';
import { loadInputSet, type InputSet } from '../embedding/activations/input-set.js';
import { checkLayer } from '../embedding/activations/layer-activations.js';
import { tcav, type TcavResult } from '../embedding/concepts/tcav.js';
import { CAV_CLASSIFIERS, type CavClassifier } from '../embedding/concepts/train-cav.js';
import { UsageError } from '../errors.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import { ENGINES, loadModel } from '../models/load.js';
import type { Model } from '../models/model.js';
import type { NdArray } from '../tensor.js';
import { Random } from '../util/random.js';
import { choiceOption, intOption, numberOption, stringOption, type CommandSpec, type ParsedOptions } from './args.js';
import { required, type CommandIo } from './attribute.js';
import { INPUT_SET_HELP } from './embed.js';
import { ProgressBar } from './progress.js';

export const tcavSpec: CommandSpec = {
  name: 'tcav',
  summary: 'TCAV: does a concept (given by examples) push a class\'s score up at a layer? With Kim et al.\'s significance test',
  usage: 'glassbox tcav --model <model> --layer NAME --concept <examples> --random <examples>[,<examples>...] --target N [--inputs <examples>] --format json',
  options: {
    model: { type: 'string', placeholder: 'model', description: 'TF.js model.json, .onnx file or built-in name (digits)' },
    layer: { type: 'string', placeholder: 'NAME', description: 'the layer whose activations the CAVs live in' },
    concept: { type: 'string', placeholder: 'examples', description: `examples of the concept: ${INPUT_SET_HELP}` },
    random: { type: 'string', placeholder: 'examples', description: 'random examples: one input set split into --runs random sets, or several sets separated by commas' },
    target: { type: 'string', placeholder: 'N', description: 'the class whose logit is differentiated' },
    inputs: { type: 'string', placeholder: 'examples', description: 'the inputs scored (default: the --random examples the model predicts as --target)' },
    runs: { type: 'string', placeholder: 'N', description: 'random sets drawn from a single --random input set (default 10, at least 2)' },
    'set-size': { type: 'string', placeholder: 'N', description: 'examples per random set drawn from one input set (default: as many as concept examples)' },
    limit: { type: 'string', placeholder: 'N', description: 'read at most N examples from each input set (default 2000)' },
    classifier: { type: 'string', placeholder: CAV_CLASSIFIERS.join('|'), description: 'the linear classifier behind each CAV (default logistic)' },
    alpha: { type: 'string', placeholder: 'P', description: 'significance level of the t-test (default 0.05)' },
    seed: { type: 'string', placeholder: 'N', description: 'seed of the random sets and the CAV splits (default 0)' },
    engine: { type: 'string', placeholder: 'native|tfjs', description: 'engine for TF.js models (default native where the model converts)' },
    backend: { type: 'string', placeholder: 'wasm|cpu', description: 'TF.js backend (default wasm)' },
    format: { type: 'string', placeholder: 'json', description: 'output format (json)' },
    out: { type: 'string', short: 'o', placeholder: 'file', description: 'write the JSON to this file instead of stdout' },
  },
  examples: [
    'glassbox tcav --model models/concept-digits/model.json --layer hidden2 --concept squares/ --random data/mnist/t10k-images-idx3-ubyte.gz --target 3 --inputs threes/ --format json',
  ],
};

/** What `glassbox tcav` prints: the library's result and where each set came from. */
export interface TcavOutput extends TcavResult {
  model: string;
  sources: { concept: string; random: string[]; inputs: string };
}

export async function runTcav(flags: ParsedOptions, io: CommandIo): Promise<number> {
  const modelPath = required(flags, 'model', 'e.g. --model digits');
  const layer = required(flags, 'layer', 'e.g. --layer dense1 (an unknown name lists the model\'s layers)');
  const conceptPath = required(flags, 'concept', `give examples of the concept: ${INPUT_SET_HELP}`);
  const randomPaths = required(flags, 'random', 'give random examples: one input set (split into --runs sets) or several, comma-separated')
    .split(',').map((p) => p.trim()).filter(Boolean);
  const targetRaw = required(flags, 'target', 'e.g. --target 3 (the class to explain)');
  const format = stringOption(flags, 'format') ?? 'json';
  if (format !== 'json') throw new UsageError(`unknown --format "${format}"`, 'use --format json');
  const runs = intOption(flags, 'runs', { min: 2 });
  const setSize = intOption(flags, 'set-size', { min: 2 });
  const limit = intOption(flags, 'limit', { min: 2 }) ?? 2000;
  const seed = intOption(flags, 'seed', { min: 0, max: 0xffffffff }) ?? 0;
  const alpha = numberOption(flags, 'alpha', { min: 0 }) ?? 0.05;
  const classifier = (choiceOption(flags, 'classifier', CAV_CLASSIFIERS) ?? 'logistic') as CavClassifier;
  const backend = choiceOption(flags, 'backend', BACKENDS) as BackendName | undefined;
  const engine = choiceOption(flags, 'engine', ENGINES);
  const model = await loadModel(modelPath, { backend, engine, log: io.warn });
  try {
    checkLayer(model, layer);
    const target = intOption(flags, 'target', { min: 0, max: model.info.numOutputs - 1 });
    if (target === undefined) throw new UsageError(`--target must be a class index, got "${targetRaw}"`, `e.g. --target 0 to ${model.info.numOutputs - 1}`);
    const concept = await loadInputSet(conceptPath, model.info, { limit });
    const pools = await Promise.all(randomPaths.map((p) => loadInputSet(p, model.info, { limit })));
    let randoms: NdArray[];
    if (pools.length === 1) {
      randoms = drawSets(pools[0], runs ?? 10, setSize ?? concept.count, seed);
    } else {
      if (runs !== undefined || setSize !== undefined) io.warn('glassbox tcav: --runs and --set-size apply to a single --random set; each of the given sets is used whole');
      randoms = pools.map((p) => p.inputs);
    }
    const inputsPath = stringOption(flags, 'inputs');
    const inputs = inputsPath !== undefined
      ? await loadInputSet(inputsPath, model.info, { limit })
      : await predictedAs(model, pools, target);
    const bar = new ProgressBar('tcav');
    const result = await tcav(model, {
      layer, target, classifier, seed, alpha,
      concept: concept.inputs,
      randoms,
      inputs: inputs.inputs,
      conceptName: conceptPath,
      onProgress: (done, total) => bar.update(done, total),
    });
    bar.done();
    const output: TcavOutput = {
      model: model.info.name,
      ...result,
      sources: { concept: concept.source, random: pools.map((p) => p.source), inputs: inputs.source },
    };
    const json = JSON.stringify(output, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v));
    const outPath = stringOption(flags, 'out');
    if (outPath) writeFileAtomic(outPath, `${json}\n`);
    else io.out(json);
    return 0;
  } finally {
    model.dispose();
  }
}

/** `runs` disjoint random sets of `size` examples from one pool, seeded. */
function drawSets(pool: InputSet, runs: number, size: number, seed: number): NdArray[] {
  if (runs * size > pool.count) {
    throw new UsageError(`${runs} random sets of ${size} need ${runs * size} examples, but ${pool.source} has ${pool.count}`,
      `lower --runs or --set-size, or raise --limit (now ${pool.count} read)`);
  }
  const random = new Random(seed);
  const order = random.shuffle(Array.from({ length: pool.count }, (_, i) => i));
  const row = pool.inputs.data.length / pool.count;
  return Array.from({ length: runs }, (_, r) => {
    const data = new Float32Array(size * row);
    for (let i = 0; i < size; i++) {
      const src = order[r * size + i];
      data.set(pool.inputs.data.subarray(src * row, (src + 1) * row), i * row);
    }
    return { shape: [size, ...pool.inputs.shape.slice(1)], data };
  });
}

/** The pooled examples the model predicts as `target`, as the inputs to score. */
async function predictedAs(model: Model, pools: InputSet[], target: number): Promise<{ inputs: NdArray; source: string }> {
  const rows: Float32Array[] = [];
  const shape = pools[0].inputs.shape.slice(1);
  const row = pools[0].inputs.data.length / Math.max(1, pools[0].count);
  for (const pool of pools) {
    for (let start = 0; start < pool.count; start += 256) {
      const n = Math.min(256, pool.count - start);
      const x = tf.tensor(pool.inputs.data.subarray(start * row, (start + n) * row), [n, ...shape]);
      const out = await model.forward(x);
      const top = tf.argMax(out, 1);
      const predicted = await top.data();
      tf.dispose([x, out, top]);
      predicted.forEach((p, i) => { if (p === target) rows.push(pool.inputs.data.slice((start + i) * row, (start + i + 1) * row)); });
    }
  }
  if (rows.length === 0) {
    throw new UsageError(`the model predicts class ${target} for none of the --random examples`, 'give the inputs to score with --inputs (examples of the target class)');
  }
  const data = new Float32Array(rows.length * row);
  rows.forEach((r, i) => data.set(r, i * row));
  return { inputs: { shape: [rows.length, ...shape], data }, source: `${rows.length} --random examples predicted as ${target}` };
}
