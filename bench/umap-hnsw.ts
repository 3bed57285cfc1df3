/**
 * UMAP and HNSW speed, with quality beside every time.
 * - UMAP on 5,000 x 64 (the built-in digit model's conv2 activations of MNIST test digits, averaged over
 *   positions): Glassbox's UMAP and umap-js 1.4.0 (the dev dependency), wall and CPU seconds, trustworthiness
 *   (k = 5) and 5-NN label accuracy in the 2-D layout.
 * - HNSW (M 16, efConstruction 200, ef 64): build and query time and recall@10 against brute force
 *   (exactNeighbors) on 10k and 100k x 64 Gaussian clusters, 10k x 64 uniform, and the digit activations.
 * Medians of --repeats runs (default 3; umap-js and the 100k index once each). Run: npx tsx bench/umap-hnsw.ts
 * Options: --repeats N  --sizes 10000,100000  --skip-umap-js
 */
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { UMAP } from 'umap-js';
import { collectActivations } from '../src/embedding/activations/collect-activations.js';
import { exactNeighbors } from '../src/embedding/neighbors/exact.js';
import { HnswIndex } from '../src/embedding/neighbors/hnsw.js';
import { umap } from '../src/embedding/projection/umap.js';
import { trustworthiness } from '../src/embedding/quality/trustworthiness.js';
import type { Embeddings, Projection } from '../src/embedding/types.js';
import { readIdx } from '../src/io/idx.js';
import { loadModel } from '../src/models/load.js';
import { Random } from '../src/util/random.js';

const { values } = parseArgs({
  options: { repeats: { type: 'string', default: '3' }, sizes: { type: 'string', default: '10000,100000' }, 'skip-umap-js': { type: 'boolean', default: false } },
});
const repeats = Number(values.repeats);
const sizes = values.sizes!.split(',').map(Number);

interface Timing { wall: number; cpu: number }

async function timed<T>(fn: () => T | Promise<T>): Promise<{ result: T } & Timing> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const result = await fn();
  return { result, wall: (performance.now() - t0) / 1000, cpu: process.cpuUsage(cpu0).user / 1e6 };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const s = (v: number): string => v.toFixed(2);

function embeddings(count: number, dim: number, vectors: Float32Array): Embeddings {
  return { count, dim, vectors, metadata: {} };
}

/** Leave-one-out 5-NN accuracy of the labels in the layout. */
function knnAccuracy(projection: Projection, labels: ArrayLike<number>): number {
  const layout = embeddings(projection.count, projection.dims, projection.coordinates);
  const { indices } = exactNeighbors(layout, undefined, { k: 5 });
  let correct = 0;
  for (let i = 0; i < projection.count; i++) {
    const votes = new Array<number>(10).fill(0);
    for (let j = 0; j < 5; j++) votes[labels[indices[i * 5 + j]!]!]!++;
    if (votes.indexOf(Math.max(...votes)) === labels[i]) correct++;
  }
  return correct / projection.count;
}

function recallAt10(found: Int32Array, truth: Int32Array, queries: number): number {
  let hits = 0;
  for (let q = 0; q < queries; q++) {
    const set = new Set(truth.subarray(q * 10, q * 10 + 10));
    for (let j = 0; j < 10; j++) if (set.has(found[q * 10 + j]!)) hits++;
  }
  return hits / (queries * 10);
}

function clustered(count: number, dim: number, random: Random): Float32Array {
  const centres = Float64Array.from({ length: 50 * dim }, () => 10 * random.normal());
  return Float32Array.from({ length: count * dim }, (_, i) => centres[(Math.floor(i / dim) % 50) * dim + (i % dim)]! + random.normal());
}

async function hnswRow(name: string, data: Embeddings, runs: number): Promise<void> {
  const queryCount = Math.min(1000, data.count);
  const queries = embeddings(queryCount, data.dim, data.vectors.slice(0, queryCount * data.dim));
  const truth = exactNeighbors(data, queries, { k: 11, excludeSelf: false });
  // Queries are indexed points: drop each one's own index so recall counts only the other 10.
  const truth10 = withoutSelf(truth.indices, queryCount, 11);
  const builds: Timing[] = [];
  let index: HnswIndex | undefined;
  for (let r = 0; r < runs; r++) {
    const built = await timed(() => HnswIndex.build(data, { m: 16, efConstruction: 200, seed: r }));
    builds.push(built);
    index = built.result;
  }
  const search = await timed(() => index!.search(queries, 11, { ef: 64 }));
  const brute = await timed(() => exactNeighbors(data, queries, { k: 11, excludeSelf: false }));
  const recall = recallAt10(withoutSelf(search.result.indices, queryCount, 11), truth10, queryCount);
  console.log(`| ${name} | ${s(median(builds.map((b) => b.wall)))} (cpu ${s(median(builds.map((b) => b.cpu)))}) | ${(1000 * search.wall / queryCount).toFixed(3)} | ${(1000 * brute.wall / queryCount).toFixed(3)} | ${recall.toFixed(4)} |`);
}

function withoutSelf(indices: Int32Array, queries: number, width: number): Int32Array {
  const out = new Int32Array(queries * 10);
  for (let q = 0; q < queries; q++) {
    let j = 0;
    for (let c = 0; c < width && j < 10; c++) if (indices[q * width + c] !== q) out[q * 10 + j++] = indices[q * width + c]!;
  }
  return out;
}

console.log(`UMAP and HNSW, ${new Date().toISOString().slice(0, 10)}, ${cpus()[0]?.model ?? 'cpu'} (${cpus().length} cores), Node ${process.version}, one thread; medians of ${repeats}; load average ${loadavg()[0]!.toFixed(1)} (wall times stretch on a loaded machine, CPU seconds less so)`);

// UMAP on the digit model's 64-channel conv2 activations, averaged over positions.
const count = 5000;
const images = readIdx('data/mnist/t10k-images-idx3-ubyte.gz');
const labels = readIdx('data/mnist/t10k-labels-idx1-ubyte.gz').data.subarray(0, count);
const model = await loadModel('digits', { engine: 'native' });
const digits = await collectActivations(model, { shape: [count, 28, 28, 1], data: Float32Array.from(images.data.subarray(0, count * 784), (v) => v / 255) },
  { layer: 'conv2', pooling: 'mean', predictions: false });

console.log('\n| UMAP 5,000 x 64 (digit conv2) | wall s | cpu s | trustworthiness k=5 | 5-NN accuracy 2-D |\n|---|---|---|---|---|');
const own: (Timing & { trust: number; accuracy: number })[] = [];
for (let r = 0; r < repeats; r++) {
  const run = await timed(() => umap(digits, { seed: r }));
  own.push({ wall: run.wall, cpu: run.cpu, trust: trustworthiness(digits, run.result, 5), accuracy: knnAccuracy(run.result, labels) });
}
const row = (name: string, runs: typeof own): void =>
  console.log(`| ${name} | ${s(median(runs.map((x) => x.wall)))} | ${s(median(runs.map((x) => x.cpu)))} | ${median(runs.map((x) => x.trust)).toFixed(4)} | ${median(runs.map((x) => x.accuracy)).toFixed(4)} |`);
row('Glassbox umap (exact kNN, spectral init, 500 epochs)', own);
const sameSettings: typeof own = [];
for (let r = 0; r < repeats; r++) {
  const run = await timed(() => umap(digits, { seed: r, init: 'random', nEpochs: 400 }));
  sameSettings.push({ wall: run.wall, cpu: run.cpu, trust: trustworthiness(digits, run.result, 5), accuracy: knnAccuracy(run.result, labels) });
}
row('Glassbox umap with umap-js settings (random init, 400 epochs)', sameSettings);
if (!values['skip-umap-js']) {
  const rows = Array.from({ length: count }, (_, i) => Array.from(digits.vectors.subarray(i * 64, (i + 1) * 64)));
  const random = new Random(0);
  const run = await timed(() => new UMAP({ nComponents: 2, nNeighbors: 15, minDist: 0.1, spread: 1, random: () => random.uniform() }).fit(rows));
  const projection: Projection = { method: 'umap', count, dims: 2, coordinates: Float32Array.from(run.result.flat()), parameters: {}, diagnostics: {} };
  row('umap-js 1.4.0 (NN-descent, random init, its default 400 epochs)', [{ wall: run.wall, cpu: run.cpu, trust: trustworthiness(digits, projection, 5), accuracy: knnAccuracy(projection, labels) }]);
}

console.log('\n| HNSW M 16, efC 200, ef 64 | build s | query ms | brute force ms/query | recall@10 |\n|---|---|---|---|---|');
await hnswRow('digit conv2 activations 5,000 x 64', digits, repeats);
const random = new Random(1);
await hnswRow('uniform 10,000 x 64', embeddings(10_000, 64, Float32Array.from({ length: 10_000 * 64 }, () => random.uniform())), repeats);
for (const size of sizes) await hnswRow(`50 Gaussian clusters ${size.toLocaleString('en-US')} x 64`, embeddings(size, 64, clustered(size, 64, random)), size > 20_000 ? 1 : repeats);
