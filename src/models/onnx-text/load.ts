import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { GlassboxError, UsageError } from '../../errors.js';
import { readOnnx } from '../../engines/native/read.js';
import type { Graph } from '../../engines/native/graph.js';
import { HuggingFaceTokenizer } from './hugging-face-tokenizer.js';
import { OnnxTextModel, type OnnxTextSignature } from './onnx-text-model.js';

/** Built-in ONNX text models, each a folder under models/. */
export const BUILT_IN_ONNX_TEXT_MODELS = ['spam-onnx'] as const;

/** The parts of a Hugging Face config.json this loader reads. */
interface HuggingFaceConfig {
  name?: string;
  id2label?: Record<string, string>;
  max_position_embeddings?: number;
}

export interface LoadOnnxTextOptions {
  /** Sequences per onnxruntime run; default 64. */
  batchSize?: number;
  /** Threads for one op; default 2. */
  threads?: number;
  /**
   * Accept an embedding table with more rows than the tokenizer has tokens (tables padded to a round
   * size, as some exports do). Off by default: a smaller tokenizer is usually the wrong one.
   */
  paddedVocabulary?: boolean;
}

const modelsRoot = new URL('../../../models/', import.meta.url);

/** Whether a folder looks like a Hugging Face ONNX text export (it holds model.onnx). */
export function isOnnxTextFolder(dir: string): boolean {
  if ((BUILT_IN_ONNX_TEXT_MODELS as readonly string[]).includes(dir)) return true;
  try {
    return statSync(dir).isDirectory() && existsSync(join(dir, 'model.onnx'));
  } catch {
    return false;
  }
}

/**
 * Loads a Hugging Face ONNX text export laid out as Optimum and transformers save it: model.onnx
 * (inputs input_ids, optionally attention_mask and token_type_ids; a logits output and, when exported
 * with output_attentions, attention outputs), tokenizer.json, and optionally config.json (id2label,
 * max_position_embeddings) and tokenizer_config.json (model_max_length, special tokens). The model
 * runs on onnxruntime-node as a black box for the perturbation methods.
 */
export async function loadOnnxTextModel(dir: string, options: LoadOnnxTextOptions = {}): Promise<OnnxTextModel> {
  const root = (BUILT_IN_ONNX_TEXT_MODELS as readonly string[]).includes(dir) ? fileURLToPath(new URL(`${dir}/`, modelsRoot)) : dir;
  const layout = 'an ONNX text model folder holds model.onnx and tokenizer.json (and optionally config.json, tokenizer_config.json)';
  let isDirectory = false;
  try {
    isDirectory = statSync(root).isDirectory();
  } catch {
    throw new UsageError(`${dir}: no such folder`, `give the folder of an ONNX text export: ${layout}`);
  }
  if (!isDirectory) throw new UsageError(`${dir} is a file, not a folder`, `give the folder around it: ${layout}`);
  const modelPath = join(root, 'model.onnx');
  const tokenizerPath = join(root, 'tokenizer.json');
  if (!existsSync(modelPath)) throw new UsageError(`${dir} has no model.onnx`, layout);
  if (!existsSync(tokenizerPath)) {
    throw new UsageError(`${dir} has no tokenizer.json: an ONNX text model needs the tokenizer it was trained with`,
      'save it next to model.onnx (tokenizer.save_pretrained(folder) in Python writes tokenizer.json)');
  }
  const config = readOptionalJson<HuggingFaceConfig>(join(root, 'config.json')) ?? {};
  const tokenizerConfig = readOptionalJson<Record<string, unknown>>(join(root, 'tokenizer_config.json')) ?? {};
  const tokenizerJson = readOptionalJson<Record<string, unknown>>(tokenizerPath);
  const tokenizer = new HuggingFaceTokenizer(tokenizerJson, tokenizerConfig, tokenizerPath);

  const bytes = readFileSync(modelPath);
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(bytes, {
      executionProviders: ['cpu'], intraOpNumThreads: options.threads ?? 2, interOpNumThreads: 1, logSeverityLevel: 3,
    });
  } catch (err) {
    throw new GlassboxError(`${modelPath} is not a model onnxruntime can load: ${firstLine(err)}`,
      'the file is corrupt or cut short, or not ONNX: export it again (torch.onnx.export or optimum-cli export onnx)');
  }
  try {
    const signature = findSignature(session, modelPath);
    checkEmbeddingSize(bytes, signature.ids, tokenizer.vocabSize, options.paddedVocabulary === true, modelPath, tokenizerPath);
    const maxLength = contextLength(config, tokenizerConfig, tokenizerJson);
    const name = config.name ?? basename(root.replace(/\/+$/, ''));
    // One probe run gives the width of the logits (classes or vocabulary) and checks the model runs.
    const probe = new OnnxTextModel(session, tokenizer, signature, { name, path: root, numOutputs: 0, maxLength, batchSize: 1 });
    const numOutputs = await probeWidth(probe, tokenizer, signature.logits);
    let classNames: string[] | undefined;
    if (config.id2label && signature.logitsRank === 2) {
      const labels = Object.entries(config.id2label).sort(([a], [b]) => Number(a) - Number(b)).map(([, label]) => label);
      if (labels.length !== numOutputs) {
        throw new UsageError(`${join(root, 'config.json')}: id2label has ${labels.length} labels but the model has ${numOutputs} outputs`,
          'give one label per output in id2label, or remove id2label');
      }
      classNames = labels;
    }
    return new OnnxTextModel(session, tokenizer, signature, { name, path: root, numOutputs, maxLength, classNames, batchSize: options.batchSize });
  } catch (err) {
    await session.release();
    throw err;
  }
}

function firstLine(err: unknown): string {
  return String((err as Error)?.message ?? err).split('\n')[0].replace(/^\[ONNXRuntimeError\] : \d+ : \w+ : /, '');
}

function readOptionalJson<T>(path: string): T | undefined {
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch (err) {
    throw new UsageError(`${path} is not valid JSON: ${(err as Error).message}`, 'save the file again with the model');
  }
}

/** input_ids (or the one integer input), the optional mask and token types; logits and attention outputs. */
function findSignature(session: ort.InferenceSession, path: string): OnnxTextSignature {
  const inputs = session.inputMetadata.filter((m): m is ort.InferenceSession.TensorValueMetadata => m.isTensor);
  const byName = (name: string) => inputs.find((m) => m.name === name);
  const ids = byName('input_ids') ?? (inputs.length === 1 ? inputs[0] : undefined);
  if (!ids || (ids.type !== 'int64' && ids.type !== 'int32')) {
    throw new UsageError(`${path} has no integer input_ids input (its inputs: ${session.inputNames.join(', ')})`,
      'export the text model with input_ids (and attention_mask) as int64 inputs [batch, sequence]');
  }
  const known = new Set([ids.name, 'attention_mask', 'token_type_ids']);
  const unknown = session.inputNames.filter((n) => !known.has(n));
  if (unknown.length > 0) {
    throw new UsageError(`${path} has inputs Glassbox cannot fill: ${unknown.join(', ')}`,
      'export the model without past key values or position ids (inputs: input_ids, attention_mask, token_type_ids)');
  }
  const outputs = session.outputMetadata.filter((m): m is ort.InferenceSession.TensorValueMetadata => m.isTensor);
  const logits = outputs.find((m) => m.name === 'logits') ?? outputs[0];
  if (!logits) throw new UsageError(`${path} has no tensor output`, 'export the model with a logits output');
  const rank = logits.shape.length;
  if (rank !== 2 && rank !== 3) {
    throw new UsageError(`${path}: the logits output '${logits.name}' has rank ${rank}`,
      'a text classifier gives logits [batch, classes], a language model [batch, sequence, vocab]');
  }
  // Layer order from the number in each name (attentions.0, attentions.1, ...).
  const layerOf = (name: string) => Number(/(\d+)(?!.*\d)/.exec(name)?.[1] ?? 0);
  const attentions = outputs.filter((m) => m.name !== logits.name && /attention/i.test(m.name))
    .map((m) => m.name).sort((a, b) => layerOf(a) - layerOf(b));
  return {
    ids: ids.name, idType: ids.type, logits: logits.name, attentions, logitsRank: rank,
    ...(byName('attention_mask') ? { mask: 'attention_mask' } : {}),
    ...(byName('token_type_ids') ? { tokenTypes: 'token_type_ids' } : {}),
  };
}

/**
 * The embedding table is the initializer gathered by input_ids: it must have one row per token of
 * the tokenizer (more rows only with `paddedVocabulary`).
 */
function checkEmbeddingSize(bytes: Uint8Array, ids: string, tokens: number, padded: boolean, modelPath: string, tokenizerPath: string): void {
  let graph: Graph;
  try {
    graph = readOnnx(bytes, modelPath);
  } catch {
    return; // onnxruntime runs what the native reader does not handle; the first run checks ids instead.
  }
  const fromIds = new Set([ids]);
  for (const node of graph.nodes) {
    if ((node.op === 'Cast' || node.op === 'Identity') && fromIds.has(node.inputs[0])) node.outputs.forEach((o) => fromIds.add(o));
  }
  const gather = graph.nodes.find((n) => n.op === 'Gather' && fromIds.has(n.inputs[1]) && graph.initializers.has(n.inputs[0]));
  const rows = gather ? graph.initializers.get(gather.inputs[0])!.shape[0] : undefined;
  if (rows === undefined || rows === tokens || (rows > tokens && padded)) return;
  throw new UsageError(`${tokenizerPath} has ${tokens} tokens but the model's embedding table has ${rows} rows`,
    `use the tokenizer.json exported with this model: its vocabulary must be the one the model was trained on${rows > tokens ? ' (if the table is padded on purpose, load with { paddedVocabulary: true })' : ''}`);
}

/** The context: tokenizer_config's model_max_length, else config's max_position_embeddings, else tokenizer.json's truncation. */
function contextLength(config: HuggingFaceConfig, tokenizerConfig: Record<string, unknown>, tokenizerJson: Record<string, unknown> | undefined): number {
  const candidates = [
    tokenizerConfig.model_max_length,
    config.max_position_embeddings,
    (tokenizerJson?.truncation as { max_length?: unknown } | null | undefined)?.max_length,
  ];
  // transformers writes a huge sentinel (1e30) when a tokenizer has no limit.
  const found = candidates.find((v): v is number => typeof v === 'number' && Number.isInteger(v) && v > 0 && v <= 1_000_000);
  return found ?? 512;
}

async function probeWidth(probe: OnnxTextModel, tokenizer: HuggingFaceTokenizer, logits: string): Promise<number> {
  const id = tokenizer.specials.unk ?? 0;
  const run = await probe.runPadded([[id]], [logits]);
  const dims = run[logits].dims;
  return dims[dims.length - 1];
}
