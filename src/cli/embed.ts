import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { BACKENDS, type BackendName } from '../backend.js';
import { POOLINGS, collectActivations, type Pooling } from '../embedding/activations/collect-activations.js';
import { loadInputSet } from '../embedding/activations/input-set.js';
import { checkLayer } from '../embedding/activations/layer-activations.js';
import { TOKEN_POOLINGS, collectTextResiduals, collectVitResiduals, residualLayerNames, type TokenPooling } from '../embedding/activations/residual-stream.js';
import type { Embeddings } from '../embedding/types.js';
import { BUILT_IN_TEXT_CLASSIFIERS, loadTextClassifier } from '../models/text/load.js';
import { VitModel } from '../models/vit/model.js';
import { readLabelledTexts } from '../text/labelled-texts.js';
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
  usage: 'glassbox embed --model <model> --data <input set> --layer NAME [--limit N] [--pooling flatten|mean|max|cls|tokens] --out <dir>',
  options: {
    model: { type: 'string', placeholder: 'model', description: 'TF.js model.json, .onnx file, vision transformer or text classifier folder, or built-in name (digits, vit-digits, spam)' },
    data: { type: 'string', placeholder: 'input set', description: `${INPUT_SET_HELP}; for a text classifier, a label<TAB>text file` },
    layer: { type: 'string', placeholder: 'NAME', description: 'the layer whose outputs become the vectors (transformers: embed, layer 0, layer 1, ...; an unknown name lists them)' },
    limit: { type: 'string', placeholder: 'N', description: 'embed at most the first N inputs' },
    pooling: { type: 'string', placeholder: 'mode', description: 'flatten keeps every value (default); mean and max pool all axes but the last (conv channels). '
      + 'Transformers: cls (default), mean over tokens, or tokens (one point per token)' },
    batch: { type: 'string', placeholder: 'N', description: 'inputs per model call (default 64)' },
    'tensor-format': { type: 'string', placeholder: 'binary|tsv', description: 'tensor.bytes (float32, default) or tensors.tsv' },
    engine: { type: 'string', placeholder: 'native|tfjs', description: 'engine for TF.js models (default native where the model converts)' },
    backend: { type: 'string', placeholder: 'wasm|cpu', description: 'TF.js backend (default wasm)' },
    out: { type: 'string', short: 'o', placeholder: 'dir', description: 'the embeddings directory to write (tensor, metadata.tsv, projector_config.pbtxt, embeddings.json)' },
  },
  examples: [
    'glassbox embed --model digits --data data/mnist/t10k-images-idx3-ubyte.gz --layer dense1 --limit 2000 --out digits-dense1',
    'glassbox embed --model digits --data my-digits/ --layer conv2 --pooling mean --out conv2-mean',
    'glassbox embed --model vit-digits --data data/mnist/t10k-images-idx3-ubyte.gz --layer "layer 3" --limit 1000 --out vit-cls',
    'glassbox embed --model spam --data data/text/sms_spam_collection.tsv --layer "layer 1" --pooling mean --limit 500 --out spam',
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
  const batchSize = intOption(flags, 'batch', { min: 1 });
  const tensorFormat = choiceOption(flags, 'tensor-format', ['binary', 'tsv'] as const) ?? 'binary';
  const bar = new ProgressBar('embed');
  const onProgress = (done: number, total: number) => bar.update(done, total);
  let result: { embeddings: Embeddings; model: string; data: string };
  if (isTextClassifier(modelPath)) {
    const pooling = tokenPooling(flags);
    const layer = required(flags, 'layer', 'e.g. --layer "layer 1" (transformers: embed, layer 0, layer 1, ...)');
    const model = await loadTextClassifier(modelPath);
    try {
      const all = readLabelledTexts(dataPath);
      const n = Math.min(all.texts.length, limit ?? Infinity);
      const embeddings = await collectTextResiduals(model, all.texts.slice(0, n), { layer, pooling, labels: all.labels.slice(0, n), onProgress, ...(batchSize ? { batchSize } : {}) });
      result = { embeddings, model: model.name, data: `${dataPath} (${n} of ${all.texts.length} texts)` };
    } finally {
      model.dispose();
    }
  } else {
    const backend = choiceOption(flags, 'backend', BACKENDS) as BackendName | undefined;
    const engine = choiceOption(flags, 'engine', ENGINES);
    const model = await loadModel(modelPath, { backend, engine, log: io.warn });
    try {
      const layer = stringOption(flags, 'layer');
      const layerNames = model instanceof VitModel ? residualLayerNames(model.vit.config.transformer.layers) : model.info.layers.map((l) => l.name);
      if (layer === undefined) {
        throw new UsageError('--layer is required', `choose one of model ${model.info.name}'s layers: ${layerNames.slice(0, 40).join(', ')}`);
      }
      if (!(model instanceof VitModel)) checkLayer(model, layer);
      const set = await loadInputSet(dataPath, model.info, { limit });
      const labels = set.labels ? { labels: set.labels } : {};
      const embeddings = model instanceof VitModel
        ? await collectVitResiduals(model, set.inputs, { layer, pooling: tokenPooling(flags), onProgress, ...labels, ...(batchSize ? { batchSize } : {}) })
        : await collectActivations(model, set.inputs, {
          layer, batchSize: batchSize ?? 64, pooling: (choiceOption(flags, 'pooling', POOLINGS) ?? 'flatten') as Pooling, ...labels,
          metadata: { name: set.names }, onProgress, source: { model: modelPath, data: dataPath },
        });
      result = { embeddings, model: model.info.name, data: set.source };
    } finally {
      model.dispose();
    }
  }
  bar.done();
  const { embeddings } = result;
  const written = writeEmbeddings(out, embeddings, { tensorFormat });
  const output: EmbedOutput = {
    out: resolve(out),
    count: embeddings.count,
    dim: embeddings.dim,
    model: result.model,
    layer: embeddings.source?.layer ?? '',
    data: result.data,
    columns: Object.keys(embeddings.metadata),
    files: [written.tensor, written.metadata, written.projectorConfig, written.manifest].filter((f): f is string => f !== undefined).map((f) => resolve(f)),
  };
  io.out(JSON.stringify(output));
  return 0;
}

function tokenPooling(flags: ParsedOptions): TokenPooling {
  return choiceOption(flags, 'pooling', TOKEN_POOLINGS) ?? 'cls';
}

/** A built-in text classifier name, or a folder whose config.json says it holds one. */
function isTextClassifier(path: string): boolean {
  if ((BUILT_IN_TEXT_CLASSIFIERS as readonly string[]).includes(path)) return true;
  const config = join(path, 'config.json');
  if (!existsSync(config)) return false;
  try {
    return (JSON.parse(readFileSync(config, 'utf8')) as { format?: string }).format === 'glassbox-text-classifier';
  } catch {
    return false;
  }
}
