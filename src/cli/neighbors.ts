import { existsSync } from 'node:fs';
import { collectActivations, POOLINGS, type Pooling } from '../embedding/activations/collect-activations.js';
import { checkLayer } from '../embedding/activations/layer-activations.js';
import { loadInput } from '../io/load-input.js';
import { loadModel } from '../models/load.js';
import { readFileSync } from 'node:fs';
import { exactNeighbors } from '../embedding/neighbors/exact.js';
import { HnswIndex } from '../embedding/neighbors/hnsw.js';
import { readEmbeddings } from '../embedding/io/read-embeddings.js';
import { parseVectorsTsv } from '../embedding/io/tsv.js';
import type { Embeddings, Metric, Neighbors } from '../embedding/types.js';
import { UsageError } from '../errors.js';
import { choiceOption, intOption, stringOption, type CommandSpec, type ParsedOptions } from './args.js';
import { required, type CommandIo } from './attribute.js';
import { emit, toJson } from './text-model.js';

const METRICS: readonly Metric[] = ['euclidean', 'cosine', 'dot'];

export const neighborsSpec: CommandSpec = {
  name: 'neighbors',
  summary: 'the nearest points of embeddings to a row or to query vectors (exact, or HNSW with --approximate)',
  usage: 'glassbox neighbors --embeddings <dir|vectors.tsv> (--query <row[,row...]|vectors.tsv> | --model <model> --input <file> [--layer NAME]) --k K [--metric euclidean|cosine|dot] [--approximate] --format json',
  options: {
    embeddings: { type: 'string', placeholder: 'dir|tsv', description: 'a directory written by glassbox embed, a TensorBoard projector folder, or a vectors TSV' },
    metadata: { type: 'string', placeholder: 'tsv', description: 'a metadata TSV for a plain vectors TSV' },
    query: { type: 'string', placeholder: 'row|tsv', description: 'row numbers of the embeddings (0-based, comma-separated; each is left out of its own neighbours), or a TSV of query vectors' },
    model: { type: 'string', placeholder: 'model', description: 'with --input: the model whose layer the embeddings hold (explanation by example)' },
    input: { type: 'string', placeholder: 'file', description: 'an input (PNG, JPEG, .json, .npy) to embed with --model at the embeddings\' layer and find the nearest examples of' },
    layer: { type: 'string', placeholder: 'NAME', description: 'with --input: the layer (default the one glassbox embed recorded)' },
    pooling: { type: 'string', placeholder: 'flatten|mean|max', description: 'with --input: pooling of the layer (default the one glassbox embed recorded, else flatten)' },
    k: { type: 'string', placeholder: 'K', description: 'neighbours per query (default 10)' },
    metric: { type: 'string', placeholder: 'euclidean|cosine|dot', description: 'distance (default euclidean); dot ranks by similarity, largest first' },
    approximate: { type: 'boolean', description: 'search an HNSW index instead of comparing every pair (for large sets; recall is measured in BENCHMARKS.md)' },
    format: { type: 'string', placeholder: 'json', description: 'output format (json)' },
    out: { type: 'string', short: 'o', placeholder: 'file', description: 'write the JSON to this file instead of stdout' },
  },
  examples: [
    'glassbox neighbors --embeddings digits-dense1 --query 0 --k 5 --format json',
    'glassbox neighbors --embeddings digits-dense1 --query 3,17 --k 10 --metric cosine',
    'glassbox neighbors --embeddings vectors.tsv --query queries.tsv --k 10 --approximate',
    'glassbox neighbors --embeddings digits-dense1 --model digits --input samples/digits/digit-3.png --k 5',
  ],
};

/** One query's answer: the neighbours nearest first, each with its metadata. */
export interface NeighborsQueryJson {
  query: number | string;
  neighbors: { index: number; distance: number; metadata: Record<string, string | number> }[];
}

export async function runNeighbors(flags: ParsedOptions, io: CommandIo): Promise<number> {
  const path = required(flags, 'embeddings', 'e.g. --embeddings digits-dense1 (written by glassbox embed)');
  const inputPath = stringOption(flags, 'input');
  const queryArg = inputPath === undefined ? required(flags, 'query', 'give row numbers (e.g. --query 0,5), a TSV of query vectors, or --model and --input') : undefined;
  if (inputPath !== undefined && stringOption(flags, 'query') !== undefined) throw new UsageError('--query and --input both name the queries', 'give one of them');
  const format = stringOption(flags, 'format') ?? 'json';
  if (format !== 'json') throw new UsageError(`unknown --format "${format}"`, 'use --format json');
  const k = intOption(flags, 'k', { min: 1 }) ?? 10;
  const metric = choiceOption(flags, 'metric', METRICS) ?? 'euclidean';
  const metadataPath = stringOption(flags, 'metadata');
  const data = readEmbeddings(path, metadataPath ? { metadata: metadataPath } : {});

  const rows = queryArg !== undefined && /^\s*\d+(\s*,\s*\d+)*\s*$/.test(queryArg) && !existsSync(queryArg) ? queryArg.split(',').map((r) => Number(r.trim())) : undefined;
  let queries: Embeddings;
  let labels: (number | string)[];
  if (inputPath !== undefined) {
    queries = await embedInput(flags, inputPath, data, io);
    labels = [inputPath];
  } else if (rows) {
    for (const r of rows) if (r >= data.count) throw new UsageError(`--query row ${r} is outside the ${data.count} points`, `give rows from 0 to ${data.count - 1}`);
    const vectors = new Float32Array(rows.length * data.dim);
    rows.forEach((r, i) => vectors.set(data.vectors.subarray(r * data.dim, (r + 1) * data.dim), i * data.dim));
    queries = { count: rows.length, dim: data.dim, vectors, metadata: {} };
    labels = rows;
  } else {
    if (queryArg === undefined || !existsSync(queryArg)) throw new UsageError(`--query ${queryArg} is neither row numbers nor a file`, 'give row numbers (e.g. --query 0,5) or a TSV of query vectors');
    const parsed = parseVectorsTsv(readFileSync(queryArg, 'utf8'), queryArg);
    if (parsed.dim !== data.dim) throw new UsageError(`the query vectors have ${parsed.dim} values, the embeddings ${data.dim}`, 'embed the queries with the same model and layer');
    queries = { ...parsed, metadata: {} };
    labels = Array.from({ length: parsed.count }, (_, i) => `${queryArg}:${i + 1}`);
  }
  // A row query finds itself first: ask for one more and drop it.
  const extra = rows ? 1 : 0;
  if (k + extra > data.count) throw new UsageError(`--k ${k} is more than the ${data.count - extra} points there are to find`, `use --k ${Math.max(1, data.count - extra)} or less`);
  const found: Neighbors = flags.approximate === true
    ? HnswIndex.build(data, { metric, seed: 0 }).search(queries, k + extra)
    : exactNeighbors(data, queries, { k: k + extra, metric, excludeSelf: false });
  const answer: NeighborsQueryJson[] = labels.map((label, q) => {
    const list: NeighborsQueryJson['neighbors'] = [];
    for (let j = 0; j < found.k && list.length < k; j++) {
      const index = found.indices[q * found.k + j];
      if (rows && index === rows[q]) continue;
      list.push({ index, distance: found.distances[q * found.k + j], metadata: Object.fromEntries(Object.entries(data.metadata).map(([c, v]) => [c, v[index]])) });
    }
    return { query: label, neighbors: list.slice(0, k) };
  });
  emit(flags, toJson({ k, metric, approximate: flags.approximate === true, count: data.count, queries: answer }), io.out);
  return 0;
}

/**
 * Explanation by example: the input through the model up to the layer the embeddings were collected at
 * (as glassbox embed recorded it: "dense1", or "conv2 (mean pooled)"), as one query vector.
 */
async function embedInput(flags: ParsedOptions, inputPath: string, data: Embeddings, io: CommandIo): Promise<Embeddings> {
  const modelPath = required(flags, 'model', `give the model the embeddings came from${data.source?.model ? ` (they say ${data.source.model})` : ''}, e.g. --model digits`);
  const recorded = data.source?.layer?.match(/^(.*?)(?: \((mean|max) pooled\))?$/);
  const layer = stringOption(flags, 'layer') ?? recorded?.[1];
  if (!layer) throw new UsageError('the embeddings do not say which layer they come from', 'give --layer NAME');
  const pooling = choiceOption(flags, 'pooling', POOLINGS) ?? (recorded?.[2] as Pooling | undefined) ?? 'flatten';
  const model = await loadModel(modelPath, { log: io.warn });
  try {
    checkLayer(model, layer);
    const { tensor } = await loadInput(inputPath, model.info);
    try {
      const query = await collectActivations(model, tensor, { layer, pooling, predictions: false });
      if (query.dim !== data.dim) {
        throw new UsageError(`${inputPath} at layer ${layer} gives ${query.dim} values, the embeddings have ${data.dim}`, 'give the model, layer and pooling the embeddings were made with');
      }
      return query;
    } finally {
      tensor.dispose();
    }
  } finally {
    model.dispose();
  }
}
