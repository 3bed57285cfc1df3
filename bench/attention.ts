/**
 * Attention method speed: rollout for a 512-token input (12 layers x 12 heads, BERT-base sized), and
 * attention flow at 12 layers x 128 tokens (one output row, as for a class token, and the full matrix
 * at smaller sizes). Maps are random softmaxes: the cost does not depend on the values, only on the
 * sparsity (causal maps have half the edges). Run: npx tsx bench/attention.ts [--full-flow]
 */
import { cpus } from 'node:os';
import { attentionRollout, attentionRolloutRows } from '../src/attention/rollout.js';
import { attentionFlowRows } from '../src/attention/flow.js';
import { headStatistics } from '../src/attention/head-statistics.js';
import { Random } from '../src/util/random.js';
import type { AttentionMaps } from '../src/attention/types.js';

function randomMaps(layers: number, heads: number, length: number, causal: boolean, seed = 1): AttentionMaps {
  const rng = new Random(seed);
  const weights = new Float32Array(layers * heads * length * length);
  const row = new Float64Array(length);
  for (let r = 0; r < layers * heads * length; r++) {
    const q = r % length;
    let sum = 0;
    for (let k = 0; k < length; k++) { row[k] = causal && k > q ? 0 : Math.exp(2 * rng.normal()); sum += row[k]; }
    for (let k = 0; k < length; k++) weights[r * length + k] = row[k] / sum;
  }
  return { tokens: Array.from({ length }, (_, i) => `t${i}`), layers, heads, length, causal, weights };
}

function median(times: number, fn: () => void): number {
  const ms: number[] = [];
  for (let i = 0; i < times; i++) {
    const t = performance.now();
    fn();
    ms.push(performance.now() - t);
  }
  ms.sort((a, b) => a - b);
  return ms[Math.floor(ms.length / 2)];
}

const fmt = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`);
const t0 = performance.now();
console.log(`Attention methods, ${new Date().toISOString().slice(0, 10)}, ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, one thread, medians`);
for (const causal of [false, true]) {
  const maps = randomMaps(12, 12, 512, causal);
  attentionRollout(maps);
  console.log(`rollout     12 layers x 12 heads x 512 tokens${causal ? ' causal' : '       '}: ${fmt(median(3, () => attentionRollout(maps)))}`);
  console.log(`rollout, 1 row (class token / last position)          : ${fmt(median(3, () => attentionRolloutRows(maps, [causal ? 511 : 0])))}`);
  console.log(`head stats  12 layers x 12 heads x 512 tokens${causal ? ' causal' : '       '}: ${fmt(median(3, () => headStatistics(maps, { specialPositions: [0] })))}`);
}
for (const causal of [false, true]) {
  const maps = randomMaps(12, 12, 128, causal);
  const last = causal ? 127 : 0; // the position a classifier or a next-token prediction reads
  console.log(`flow, 1 output row, 12 layers x 128 tokens${causal ? ' causal' : '       '}: ${fmt(median(3, () => attentionFlowRows(maps, [last])))}`);
}
for (const [layers, n] of [[6, 32], [12, 64]] as const) {
  const maps = randomMaps(layers, 4, n, false);
  const all = Array.from({ length: n }, (_, i) => i);
  console.log(`flow, full ${n} x ${n} matrix, ${layers} layers: ${fmt(median(1, () => attentionFlowRows(maps, all)))}`);
}
if (process.argv.includes('--full-flow')) {
  const maps = randomMaps(12, 12, 128, false);
  const all = Array.from({ length: 128 }, (_, i) => i);
  console.log(`flow, full 128 x 128 matrix, 12 layers: ${fmt(median(1, () => attentionFlowRows(maps, all)))}`);
}
console.log(`(total ${fmt(performance.now() - t0)})`);
