/**
 * Evaluation speed (issue 7): four methods (integrated gradients, saliency, Grad-CAM, occlusion) on the
 * first 100 MNIST test digits with the built-in digit CNN (native engine), scored by deletion, insertion
 * and max-sensitivity with their defaults, as `glassbox evaluate` runs them. Per method: the time to
 * explain the 100 digits once (building the subject), then each metric's time. Medians over repeats of
 * the whole run; wall time and the process's CPU time (other jobs inflate wall time, not CPU time).
 * Run: npx tsx bench/evaluation.ts [--repeats 3] [--rows 100]
 */
import { parseArgs } from 'node:util';
import { useBackend } from '../src/backend.js';
import { readIdx } from '../src/io/idx.js';
import { findMethod } from '../src/attribution/registry.js';
import { evaluateExplanations } from '../src/metrics/evaluate.js';
import type { EvaluationSubject } from '../src/metrics/subject.js';
import { createImageSubject } from '../src/metrics/subjects/image.js';
import { loadModel } from '../src/models/load.js';

const { values } = parseArgs({ options: { repeats: { type: 'string', default: '3' }, rows: { type: 'string', default: '100' } } });
const repeats = Number(values.repeats);
const N = Number(values.rows);
await useBackend('wasm');

const images = readIdx('data/mnist/t10k-images-idx3-ubyte.gz');
const inputs = { shape: [N, 28, 28, 1], data: Float32Array.from(images.data.subarray(0, N * 784), (v) => v / 255) };
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const METHODS: [string, Record<string, unknown>][] = [
  ['integrated-gradients', {}],
  ['saliency', {}],
  ['grad-cam', { layer: 'conv2' }],
  ['occlusion', { window: [4, 4, 1], strides: [2, 2, 1] }],
];
const METRICS = ['deletion', 'insertion', 'max-sensitivity'];

const model = await loadModel('digits', { engine: 'native' });
const times = new Map<string, number[]>();
const record = (key: string, ms: number) => times.set(key, [...(times.get(key) ?? []), ms]);
for (let r = 0; r <= repeats; r++) {
  const warmUp = r === 0;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const subjects: EvaluationSubject[] = [];
  for (const [name, methodOptions] of METHODS) {
    const s0 = performance.now();
    subjects.push(await createImageSubject(model, inputs, findMethod(name)!, { methodOptions }));
    if (!warmUp) record(`explain ${name}`, performance.now() - s0);
  }
  const summary = await evaluateExplanations(subjects, { metrics: METRICS, seed: 0 });
  if (!warmUp) {
    for (const result of summary.results) record(`${result.metric} ${result.method}`, result.timeMs);
    record('whole run', performance.now() - t0);
    const c = process.cpuUsage(c0);
    record('whole run (CPU)', (c.user + c.system) / 1000);
  }
  if (r === repeats) {
    console.log(`\nscores (means over ${N} digits):`);
    for (const cell of summary.cells) console.log(`  ${cell.metric.padEnd(16)} ${cell.method.padEnd(22)} ${cell.mean.toFixed(3)} [${cell.ciLow.toFixed(3)}, ${cell.ciHigh.toFixed(3)}]`);
  }
}
model.dispose();
const rows = [`| step (${N} digits, native engine) | median s | runs |`, '|---|---|---|'];
for (const [key, ms] of times) rows.push(`| ${key} | ${(median(ms) / 1000).toFixed(2)} | ${ms.length} |`);
console.log(['', ...rows].join('\n'));
