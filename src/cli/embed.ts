import { resolve } from 'node:path';
import { BACKENDS, type BackendName } from '../backend.js';
import { POOLINGS, collectActivations, type Pooling } from '../embedding/activations/collect-activations.js';
import { loadInputSet } from '../embedding/activations/input-set.js';
import { checkLayer } from '../embedding/activations/layer-activations.js';
import { writeEmbeddings } from '../embedding/io/write-embeddings.js';
import { UsageError } from '../errors.js';
import { ENGINES, loadModel } from '../models/load.js';
import { choiceOption, intOption, stringOption, type CommandSpec, type ParsedOptions } from './args.js';
import { required, type CommandIo } from './attribute.js';
import { ProgressBar } from './progress.js';

export const INPUT_SET_HELP = 'a folder of images / .json / .npy inputs (class subfolders give labels), an MNIST IDX images file '
  + '(labels from its -labels-idx1- twin), or one .npy / .json array with a batch dimension';

export const embedSpec: CommandSpec = {
  name: 'embed',
  summary: 'a layer\'s activations over a set of inputs, saved as embeddings for the TensorBoard projector and glassbox project',
  usage: 'glassbox embed --model <model> --data <input set> --layer NAME [--limit N] [--pooling flatten|mean|max] --out <dir>',
  options: {
    model: { type: 'string', placeholder: 'model', description: 'TF.js model.json, .onnx file or built-in name (digits)' },
    data: { type: 'string', placeholder: 'input set', description: INPUT_SET_HELP },
    layer: { type: 'string', placeholder: 'NAME', description: 'the layer whose outputs become the vectors (an unknown name lists the model\'s layers)' },
    limit: { type: 'string', placeholder: 'N', description: 'embed at most the first N inputs' },
    pooling: { type: 'string', placeholder: POOLINGS.join('|'), description: 'flatten keeps every value (default); mean and max pool all axes but the last (conv channels)' },
    batch: { type: 'string', placeholder: 'N', description: 'inputs per model call (default 64)' },
    'tensor-format': { type: 'string', placeholder: 'binary|tsv', description: 'tensor.bytes (float32, default) or tensors.tsv' },
    engine: { type: 'string', placeholder: 'native|tfjs', description: 'engine for TF.js models (default native where the model converts)' },
    backend: { type: 'string', placeholder: 'wasm|cpu', description: 'TF.js backend (default wasm)' },
    out: { type: 'string', short: 'o', placeholder: 'dir', description: 'the embeddings directory to write (tensor, metadata.tsv, projector_config.pbtxt, embeddings.json)' },
  },
  examples: [
    'glassbox embed --model digits --data data/mnist/t10k-images-idx3-ubyte.gz --layer dense1 --limit 2000 --out digits-dense1',
    'glassbox embed --model digits --data my-digits/ --layer conv2 --pooling mean --out conv2-mean',
  ],
};

/** What `glassbox embed` prints: where the embeddings went and their size. */
export interface EmbedOutput {
  out: string;
  count: number;
  dim: number;
  model: string;
  layer: string;
  data: string;
  columns: string[];
  files: string[];
}

export async function runEmbed(flags: ParsedOptions, io: CommandIo): Promise<number> {
  const modelPath = required(flags, 'model', 'e.g. --model digits');
  const dataPath = required(flags, 'data', `give ${INPUT_SET_HELP}`);
  const out = required(flags, 'out', 'e.g. --out embeddings (a directory)');
  const limit = intOption(flags, 'limit', { min: 1 });
  const batchSize = intOption(flags, 'batch', { min: 1 }) ?? 64;
  const pooling = (choiceOption(flags, 'pooling', POOLINGS) ?? 'flatten') as Pooling;
  const tensorFormat = choiceOption(flags, 'tensor-format', ['binary', 'tsv'] as const) ?? 'binary';
  const backend = choiceOption(flags, 'backend', BACKENDS) as BackendName | undefined;
  const engine = choiceOption(flags, 'engine', ENGINES);
  const model = await loadModel(modelPath, { backend, engine, log: io.warn });
  try {
    const layer = stringOption(flags, 'layer');
    if (layer === undefined) {
      throw new UsageError('--layer is required', `choose one of model ${model.info.name}'s layers: ${model.info.layers.map((l) => l.name).slice(0, 40).join(', ')}`);
    }
    checkLayer(model, layer);
    const set = await loadInputSet(dataPath, model.info, { limit });
    const bar = new ProgressBar(`embed ${layer}`);
    const embeddings = await collectActivations(model, set.inputs, {
      layer, batchSize, pooling,
      ...(set.labels ? { labels: set.labels } : {}),
      metadata: { name: set.names },
      onProgress: (done, total) => bar.update(done, total),
      source: { model: modelPath, data: dataPath },
    });
    bar.done();
    const written = writeEmbeddings(out, embeddings, { tensorFormat });
    const output: EmbedOutput = {
      out: resolve(out),
      count: embeddings.count,
      dim: embeddings.dim,
      model: model.info.name,
      layer: embeddings.source?.layer ?? layer,
      data: set.source,
      columns: Object.keys(embeddings.metadata),
      files: [written.tensor, written.metadata, written.projectorConfig, written.manifest].filter((f): f is string => f !== undefined).map((f) => resolve(f)),
    };
    io.out(JSON.stringify(output));
    return 0;
  } finally {
    model.dispose();
  }
}
