/**
 * Text speed (issue 5's workloads): integrated gradients with 50 steps over 128 tokens of the spam
 * classifier (the aim: under 1 s) and of the llama2.c test model, occlusion over 128 tokens, the logit lens
 * and direct logit attribution for 128 tokens, and the class lens and direct logit attribution of the spam
 * classifier. Medians of 5 runs after a warm-up, wasm backend; wall time and the process's CPU time (wasm
 * runs on one thread, so CPU time is the work itself, and stays readable when other jobs share the machine).
 * The llama2.c model is the tests' fixture (test/data/llama2c), used here for timing only.
 * Run: npx tsx bench/text.ts
 */
import { useBackend } from '../src/backend.js';
import { loadLlama2c } from '../src/models/llama2c/load.js';
import { loadTextClassifier } from '../src/models/text/load.js';
import { textIntegratedGradients } from '../src/attribution/text/integrated-gradients.js';
import { logitLens } from '../src/lens/logit-lens.js';
import { classLens } from '../src/lens/class-lens.js';
import { directLogitAttribution } from '../src/lens/direct-logit-attribution.js';
import { textOcclusion } from '../src/attribution/text/occlusion.js';
await useBackend('wasm');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
async function time(name: string, f: () => unknown, reps = 5) {
  await f();
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < reps; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await f();
    wall.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  console.log(`${name}: median ${median(wall).toFixed(0)} ms wall, ${median(cpu).toFixed(0)} ms CPU (wall ${wall.map((t) => t.toFixed(0)).join(' ')})`);
}
const T = 'test/data/llama2c/';
const llama = await loadLlama2c(`${T}aidreams260K.bin`, `${T}tok512.bin`);
const ids = [1, ...Array.from({ length: 127 }, (_, i) => 300 + (i * 37) % 200)];
await time('llama IG 50 steps 128 tokens', () => textIntegratedGradients(llama.transformer, ids, { steps: 50, baseline: 'pad', specials: { pad: 0 }, keep: [0] }));
await time('llama IG 50 steps 128 tokens batch 10', () => textIntegratedGradients(llama.transformer, ids, { steps: 50, batchSize: 10, baseline: 'pad', specials: { pad: 0 }, keep: [0] }));
await time('llama logit lens 128 tokens top 5', () => logitLens(llama.transformer, ids));
await time('llama DLA 128 tokens', () => directLogitAttribution(llama.transformer, ids));
const spam = await loadTextClassifier('spam');

const n = Math.min(128, spam.maxLength);
const sids = [2, ...Array.from({ length: n - 2 }, (_, i) => 100 + (i * 13) % 500), 3];
await time(`spam IG 50 steps ${n} tokens`, () => textIntegratedGradients(spam.transformer, sids, { steps: 50, baseline: 'pad', specials: { pad: 0 }, keep: [0, n - 1] }));
await time(`spam IG 50 steps ${n} tokens batch 25`, () => textIntegratedGradients(spam.transformer, sids, { steps: 50, batchSize: 25, baseline: 'pad', specials: { pad: 0 }, keep: [0, n - 1] }));
await time(`spam class lens ${n} tokens`, () => classLens(spam.transformer, sids));
await time(`spam DLA spam - ham ${n} tokens`, () => directLogitAttribution(spam.transformer, sids, { target: 1, contrast: 0 }));
await time(`spam occlusion ${n} tokens`, () => textOcclusion(spam.transformer, sids, { fixed: [0, n - 1] }), 3);
