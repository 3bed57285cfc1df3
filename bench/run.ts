/**
 * `npm run bench`: timings of the standard workloads on the built-in digit CNN, on each engine: the
 * native engine (onnxruntime with Glassbox's backward graphs) and TF.js on wasm and cpu. Prints a
 * Markdown table (medians of repeated runs, ratios to Captum's figures on this machine, achieved
 * GFLOP/s), the first call of each workload (which compiles the native sessions) and the kernels that
 * dominate on wasm; BENCHMARKS.md records the results with the machine and date.
 * Then the tabular benches (bench/kernel-shap.ts, bench/lime.ts, bench/trees.ts), each against the
 * Python library's figure on this machine.
 * The text suite is bench/attention.ts (rollout, flow, head statistics, the head view page) and bench/text.ts
 * (token attributions and lenses on the spam classifier and a llama2.c model).
 * The embedding suite is bench/embedding.ts (PCA, t-SNE up to 100k points) and bench/umap-hnsw.ts (UMAP against
 * umap-js, HNSW recall): the longest, about 30 minutes on a quiet 2-core machine.
 * Options: --engines native,wasm,cpu   --repeats N   --suites image,tabular,text,embedding,evaluation
 */
import * as tf from '@tensorflow/tfjs';
import { spawnSync } from 'node:child_process';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { useBackend, type BackendName } from '../src/backend.js';
import { loadModel } from '../src/models/load.js';
import { readIdx } from '../src/io/idx.js';
import { IntegratedGradients } from '../src/attribution/gradient/integrated-gradients.js';
import { Saliency } from '../src/attribution/gradient/saliency.js';
import { Occlusion } from '../src/attribution/perturbation/occlusion.js';
import type { Model } from '../src/models/model.js';
import type { NdArray } from '../src/tensor.js';

const { values } = parseArgs({
  options: { engines: { type: 'string', default: 'native,wasm,cpu' }, repeats: { type: 'string', default: '7' }, suites: { type: 'string', default: 'image,tabular,text,embedding,evaluation' } },
});
const suites = values.suites!.split(',');
const engines = (suites.includes('image') ? values.engines!.split(',') : []) as ('native' | BackendName)[];
const repeats = Number(values.repeats);

/** Captum 0.8 (PyTorch 1.13, 2 threads) on this machine, seconds, for the same workloads. */
const CAPTUM_SECONDS: Record<string, number | undefined> = { 'ig-16': 0.43, 'saliency-64': 0.07, 'occlusion-1': 0.13 };

const images = readIdx('data/mnist/t10k-images-idx3-ubyte.gz');
const digits = (n: number): NdArray => ({ shape: [n, 28, 28, 1], data: Float32Array.from(images.data.subarray(0, n * 784), (v) => v / 255) });

interface Workload {
  id: string;
  label: string;
  /** Units of work for the per-unit figure (gradient evaluations or forward passes). */
  units: number;
  /** Floating-point operations per unit: 5.3 MFLOP a forward pass, twice that with an input gradient. */
  flopPerUnit: number;
  unitName: string;
  run: (model: Model) => Promise<unknown>;
  /** Fewer repeats on slow backends. */
  maxRepeatsCpu?: number;
}

const workloads: Workload[] = [
  { id: 'ig-16', label: 'IG, 50 gausslegendre steps, 16 digits', units: 16 * 50, unitName: 'sample-step', flopPerUnit: 10.5e6, maxRepeatsCpu: 1,
    run: (m) => new IntegratedGradients(m).attribute(digits(16), { steps: 50, internalBatchSize: 200 }) },
  { id: 'ig-16-pointwise', label: 'IG as above, one gradient per path point (pathShortcut: false)', units: 16 * 50, unitName: 'sample-step', flopPerUnit: 10.5e6, maxRepeatsCpu: 1,
    run: (m) => new IntegratedGradients(m).attribute(digits(16), { steps: 50, internalBatchSize: 200, pathShortcut: false }) },
  { id: 'ig-1', label: 'IG, 50 gausslegendre steps, 1 digit', units: 50, unitName: 'step', flopPerUnit: 10.5e6, maxRepeatsCpu: 3,
    run: (m) => new IntegratedGradients(m).attribute(digits(1), { steps: 50 }) },
  { id: 'saliency-64', label: 'saliency, batch of 64', units: 64, unitName: 'sample', flopPerUnit: 10.5e6, maxRepeatsCpu: 3,
    run: (m) => new Saliency(m).attribute(digits(64), { internalBatchSize: 64 }) },
  { id: 'occlusion-1', label: 'occlusion 4x4 window, stride 4, 1 digit', units: 50, unitName: 'forward pass', flopPerUnit: 5.3e6, maxRepeatsCpu: 3,
    run: (m) => new Occlusion(m).attribute(digits(1), { window: [4, 4, 1], strides: [4, 4, 1], internalBatchSize: 64 }) },
];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

const rows: string[] = [];
const results: Record<string, unknown>[] = [];
for (const engine of engines) {
  const backend: BackendName = engine === 'cpu' ? 'cpu' : 'wasm';
  await useBackend(backend);
  const t0 = performance.now();
  const model = await loadModel('digits', { backend, engine: engine === 'native' ? 'native' : 'tfjs' });
  const loadMs = performance.now() - t0;
  const label = engine === 'native' ? 'native (onnxruntime)' : `tfjs ${engine}`;
  process.stderr.write(`${label}: model loaded in ${loadMs.toFixed(0)} ms\n`);
  for (const w of workloads) {
    const n = engine === 'cpu' ? Math.min(repeats, w.maxRepeatsCpu ?? repeats) : repeats;
    const first = performance.now();
    await w.run(model); // warm-up: compiles native sessions, sets up kernels
    const firstMs = performance.now() - first;
    const times: number[] = [];
    for (let i = 0; i < n; i++) {
      const t = performance.now();
      await w.run(model);
      times.push(performance.now() - t);
    }
    const med = median(times);
    const captum = CAPTUM_SECONDS[w.id];
    const ratio = captum ? `${(med / 1000 / captum).toFixed(2)}x` : '';
    const gflops = (w.units * w.flopPerUnit) / (med / 1000) / 1e9;
    rows.push(`| ${label} | ${w.label} | ${med.toFixed(1)} | ${Math.min(...times).toFixed(1)} | ${firstMs.toFixed(0)} | ${(med / w.units).toFixed(3)} ms/${w.unitName} | ${gflops.toFixed(1)} | ${n} | ${captum ? captum * 1000 : ''} | ${ratio} |`);
    results.push({ engine, workload: w.id, medianMs: med, minMs: Math.min(...times), firstMs, runs: n, captumMs: captum ? captum * 1000 : null });
    process.stderr.write(`${label} ${w.id}: median ${med.toFixed(1)} ms over ${n}\n`);
  }
  if (engine === 'wasm') {
    const profile = await tf.profile(async () => { await workloads[0].run(model); });
    const byKernel = new Map<string, number>();
    for (const k of profile.kernels) byKernel.set(k.name, (byKernel.get(k.name) ?? 0) + Number(k.kernelTimeMs));
    const total = [...byKernel.values()].reduce((a, b) => a + b, 0);
    process.stdout.write(`\nwasm kernel time for ${workloads[0].label} (tf.profile, ${total.toFixed(0)} ms of kernels):\n`);
    for (const [name, ms] of [...byKernel.entries()].sort((a, b) => b[1] - a[1]).slice(0, 8)) {
      process.stdout.write(`  ${name.padEnd(24)} ${ms.toFixed(1).padStart(8)} ms  ${((ms / total) * 100).toFixed(0).padStart(3)}%\n`);
    }
  }
  model.dispose();
}

process.stdout.write(`\nmachine: ${cpus()[0]?.model ?? 'unknown'} x ${cpus().length}, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}\n\n`);
if (rows.length) process.stdout.write('| engine | workload | median ms | min ms | first call ms | per unit | GFLOP/s | runs | Captum ms | ratio to Captum |\n|---|---|---|---|---|---|---|---|---|---|\n');
if (rows.length) process.stdout.write(`${rows.join('\n')}\n`);

const scripts = [...(suites.includes('tabular') ? ['kernel-shap.ts', 'lime.ts', 'trees.ts'] : []), ...(suites.includes('text') ? ['attention.ts', 'text.ts'] : []),
  ...(suites.includes('embedding') ? ['embedding.ts', 'umap-hnsw.ts'] : []),
  ...(suites.includes('evaluation') ? ['evaluation.ts', 'adversarial.ts'] : [])];
// Each bench is its own process, so one's memory and JIT state do not colour the next.
for (const script of scripts) {
  process.stdout.write(`\n## ${script}\n`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(new URL(script, import.meta.url))], { stdio: 'inherit' });
  if (r.status !== 0) process.exitCode = 1;
}
