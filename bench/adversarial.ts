/**
 * Adversarial speed (issue 7): FGSM and PGD (L-inf, epsilon 0.3, 40 steps of 2.5 * 0.3 / 40, Madry et
 * al.'s MNIST setting) on the first 100 MNIST test digits with the built-in digit CNN, per engine (the
 * native engine by default). Medians after a warm-up; wall time and the process's CPU time (other jobs
 * sharing the cores inflate wall time, not CPU time), and the accuracy left under attack as a check.
 * Run: npx tsx bench/adversarial.ts [--engines native,tfjs] [--repeats 3]
 */
import { parseArgs } from 'node:util';
import { useBackend } from '../src/backend.js';
import { readIdx } from '../src/io/idx.js';
import { loadModel } from '../src/models/load.js';
import { fgsm } from '../src/adversarial/fgsm.js';
import { pgd } from '../src/adversarial/pgd.js';
import type { AttackResult } from '../src/adversarial/types.js';

const { values } = parseArgs({ options: { engines: { type: 'string', default: 'native' }, repeats: { type: 'string', default: '3' } } });
const engines = values.engines!.split(',') as ('native' | 'tfjs')[];
const repeats = Number(values.repeats);
await useBackend('wasm');

const N = 100;
const images = readIdx('data/mnist/t10k-images-idx3-ubyte.gz');
const labelData = readIdx('data/mnist/t10k-labels-idx1-ubyte.gz');
const inputs = { shape: [N, 28, 28, 1], data: Float32Array.from(images.data.subarray(0, N * 784), (v) => v / 255) };
const labels = Array.from(labelData.data.subarray(0, N));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const accuracy = (r: AttackResult) => r.adversarialPrediction.filter((p, i) => p === labels[i]).length / N;

const rows = ['| workload | engine | wall (median) | CPU (median) | per gradient | accuracy clean -> attacked |', '|---|---|---|---|---|---|'];
for (const engine of engines) {
  const model = await loadModel('digits', { engine });
  const workloads: { name: string; gradients: number; run: () => Promise<AttackResult>; repeats: number }[] = [
    { name: 'FGSM, epsilon 0.1, 100 digits', gradients: N, run: () => fgsm(model, inputs, { epsilon: 0.1, label: labels }), repeats: Math.max(repeats, 7) },
    { name: 'PGD L-inf, epsilon 0.3, 40 steps, 100 digits', gradients: 40 * N, run: () => pgd(model, inputs, { epsilon: 0.3, steps: 40, label: labels }), repeats },
  ];
  for (const w of workloads) {
    await w.run();
    const wall: number[] = [];
    const cpu: number[] = [];
    let result: AttackResult | undefined;
    for (let r = 0; r < w.repeats; r++) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      result = await w.run();
      wall.push(performance.now() - t0);
      const c = process.cpuUsage(c0);
      cpu.push((c.user + c.system) / 1000);
    }
    const clean = result!.prediction.filter((p, i) => p === labels[i]).length / N;
    const perGradient = median(wall) / w.gradients;
    rows.push(`| ${w.name} | ${engine} | ${(median(wall) / 1000).toFixed(2)} s | ${(median(cpu) / 1000).toFixed(2)} s | ${perGradient.toFixed(2)} ms | ${(100 * clean).toFixed(0)}% -> ${(100 * accuracy(result!)).toFixed(0)}% |`);
    console.log(`${rows[rows.length - 1]}   (wall ${wall.map((t) => (t / 1000).toFixed(2)).join(' ')} s)`);
  }
  model.dispose();
}
console.log(['', ...rows].join('\n'));
