/**
 * Trains the built-in language model sms-lm: a tiny Llama-style causal transformer (rmsnorm, swiglu,
 * rotary, tied embeddings) with a byte-pair vocabulary of its own, on the SMS Spam Collection
 * (data/text, CC BY 4.0). Writes models/sms-lm/: model.bin and tok.bin in llama2.c's formats (run.c
 * and loadLlama2c read them), split.json (the held-out rows) and training.json (settings, the loss
 * log, held-out loss and the unigram baseline).
 * `npx tsx scripts/train-lm.ts [steps]`. Seeded: the split, the vocabulary, the initial weights and
 * the batches are the same on every run. Runs on the wasm backend, on one thread.
 */
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../src/backend.js';
import { writeFileAtomic } from '../src/io/atomic-write.js';
import { ProgressBar } from '../src/cli/progress.js';
import { Random } from '../src/util/random.js';
import { readLabelledTexts } from '../src/text/labelled-texts.js';
import type { TransformerConfig } from '../src/models/transformer/config.js';
import { Transformer } from '../src/models/transformer/transformer.js';
import { trainBpe } from '../src/models/llama2c/train-bpe.js';
import { writeLlama2cTokenizer } from '../src/models/llama2c/write-tokenizer.js';
import { writeLlama2cCheckpoint } from '../src/models/llama2c/write-checkpoint.js';
import { Llama2cTokenizer } from '../src/models/llama2c/tokenizer.js';
import { TrainableLlama, initialLlamaWeights } from '../src/models/llama2c/trainable-llama.js';
import { loadLlama2c } from '../src/models/llama2c/load.js';
import { textLoss } from '../src/models/llama2c/text-loss.js';

const STEPS = Number(process.argv[2] ?? process.env.LM_STEPS ?? 450);
const SEED = 7;
const HELD_OUT = 0.1;
const BATCH = Number(process.env.LM_BATCH ?? 16);
const PEAK_LR = Number(process.env.LM_LR ?? 3e-3);
const WARMUP = 60;
const CLIP = 1;
const VOCAB = 1024;
const DATA = 'data/text/sms_spam_collection.tsv';
const OUT = process.env.LM_OUT ?? 'models/sms-lm';
const EVAL_EVERY = 150;

await useBackend('wasm');
const started = Date.now();
const random = new Random(SEED);

const { texts } = readLabelledTexts(DATA);
const heldOut = random.shuffle(texts.map((_, i) => i)).slice(0, Math.round(texts.length * HELD_OUT)).sort((a, b) => a - b);
const isHeldOut = new Set(heldOut);
const train = texts.map((_, i) => i).filter((i) => !isHeldOut.has(i));
console.log(`${texts.length} texts: ${train.length} training, ${heldOut.length} held out`);

// The vocabulary sees the training texts only; the corpus is then encoded by run.c's encoder itself.
const bpe = trainBpe(train.map((i) => texts[i]), { vocabSize: VOCAB });
const tokenizerBytes = writeLlama2cTokenizer(bpe);
const tokenizer = Llama2cTokenizer.fromBytes(tokenizerBytes, 'the trained tokenizer');
const encoded = texts.map((t) => tokenizer.encode(t));
const roundTrip = texts.filter((t, i) => tokenizer.decode(encoded[i]) !== t).length;
const trainTokens = train.reduce((n, i) => n + encoded[i].length, 0);
console.log(`vocabulary: ${tokenizer.vocabSize} tokens (${bpe.merges} merges); ${trainTokens} training tokens `
  + `(${(train.reduce((n, i) => n + texts[i].length, 0) / trainTokens).toFixed(2)} characters a token); ${roundTrip} texts do not decode back exactly`);

const config: TransformerConfig = {
  vocabSize: tokenizer.vocabSize, dim: Number(process.env.LM_DIM ?? 64), layers: Number(process.env.LM_LAYERS ?? 4), heads: 4,
  hiddenDim: Number(process.env.LM_HIDDEN ?? 192), maxLength: 128,
  norm: 'rmsnorm', normEps: 1e-5, mlp: 'swiglu', causal: true, positional: 'rotary', ropeTheta: 10000, tiedUnembedding: true,
};

// llama2.c's stream: every training text after a BOS, which also ends the text before it.
const stream = Int32Array.from([...train.flatMap((i) => encoded[i]), tokenizer.bos]);
const window = config.maxLength;

function sampleBatch(): { inputs: tf.Tensor2D; targets: tf.Tensor2D } {
  const inputs = new Int32Array(BATCH * window);
  const targets = new Int32Array(BATCH * window);
  for (let b = 0; b < BATCH; b++) {
    const start = random.int(stream.length - window - 1);
    inputs.set(stream.subarray(start, start + window), b * window);
    targets.set(stream.subarray(start + 1, start + window + 1), b * window);
  }
  return { inputs: tf.tensor2d(inputs, [BATCH, window], 'int32'), targets: tf.tensor2d(targets, [BATCH, window], 'int32') };
}

/** Per-text loss of the trainable model (as textLoss scores the saved one), over a fixed sample of texts. */
function evaluate(model: TrainableLlama, indices: number[]): number {
  let total = 0;
  let count = 0;
  const sequences = indices.map((i) => [...encoded[i], tokenizer.bos].slice(0, window + 1));
  for (let s = 0; s < sequences.length; s += 64) {
    const batch = sequences.slice(s, s + 64);
    const length = Math.max(...batch.map((q) => q.length)) - 1;
    const inputs = new Int32Array(batch.length * length);
    const targets = new Int32Array(batch.length * length);
    const weights = new Float32Array(batch.length * length);
    batch.forEach((q, b) => {
      for (let t = 0; t + 1 < q.length; t++) {
        inputs[b * length + t] = q[t];
        targets[b * length + t] = q[t + 1];
        weights[b * length + t] = 1;
      }
    });
    const n = weights.reduce((a, w) => a + w, 0);
    const loss = tf.tidy(() => model.loss(tf.tensor2d(inputs, [batch.length, length], 'int32'),
      tf.tensor2d(targets, [batch.length, length], 'int32'), tf.tensor2d(weights, [batch.length, length])));
    total += loss.dataSync()[0] * n;
    count += n;
    loss.dispose();
  }
  return total / count;
}

const model = new TrainableLlama(config, initialLlamaWeights(config, SEED));
const parameters = model.variables.reduce((n, v) => n + v.size, 0);
console.log(`model: dim ${config.dim}, ${config.layers} layers, ${config.heads} heads, hidden ${config.hiddenDim}, context ${config.maxLength}, ${parameters} parameters`);
const optimizer = tf.train.adam(PEAK_LR, 0.9, 0.95);
const setLearningRate = (lr: number) => { (optimizer as unknown as { learningRate: number }).learningRate = lr; };
const learningRate = (step: number) => (step < WARMUP ? PEAK_LR * (step + 1) / WARMUP
  : PEAK_LR * (0.1 + 0.9 * 0.5 * (1 + Math.cos(Math.PI * (step - WARMUP) / Math.max(1, STEPS - WARMUP)))));

const log: Array<{ step: number; trainLoss: number; heldOutLoss?: number; seconds: number }> = [];
const trainStart = Date.now();
const progress = new ProgressBar('training sms-lm');
let running = 0;
let runningCount = 0;
for (let step = 0; step < STEPS; step++) {
  setLearningRate(learningRate(step));
  const { inputs, targets } = sampleBatch();
  const { value, grads } = tf.variableGrads(() => model.loss(inputs, targets));
  // Clip the global gradient norm, as llama2.c's train.py.
  const norm = tf.tidy(() => tf.sqrt(tf.addN(Object.values(grads).map((g) => tf.sum(tf.square(g))))).dataSync()[0]);
  const scale = norm > CLIP ? CLIP / norm : 1;
  const scaled = Object.entries(grads).map(([name, g]) => ({ name, tensor: tf.mul(g, scale) }));
  optimizer.applyGradients(scaled);
  running += value.dataSync()[0];
  runningCount++;
  tf.dispose([inputs, targets, value, ...Object.values(grads), ...scaled.map((s) => s.tensor)]);
  progress.update(step + 1, STEPS);
  if ((step + 1) % 50 === 0 || step + 1 === STEPS) {
    const seconds = (Date.now() - trainStart) / 1000;
    const entry: (typeof log)[number] = { step: step + 1, trainLoss: running / runningCount, seconds: Math.round(seconds) };
    if ((step + 1) % EVAL_EVERY === 0 || step + 1 === STEPS) entry.heldOutLoss = evaluate(model, heldOut);
    log.push(entry);
    progress.done();
    console.log(`step ${step + 1}: train loss ${entry.trainLoss.toFixed(4)}${entry.heldOutLoss !== undefined ? `, held-out ${entry.heldOutLoss.toFixed(4)}` : ''} `
      + `(lr ${learningRate(step).toExponential(2)}, ${seconds.toFixed(0)} s, ${(seconds / (step + 1)).toFixed(2)} s/step)`);
    running = 0;
    runningCount = 0;
  }
}
const trainingSeconds = (Date.now() - trainStart) / 1000;

// The exported weights in the inference Transformer must reproduce the training forward.
const weights = model.exportWeights();
{
  const transformer = new Transformer(config, weights, { name: 'sms-lm' });
  const probe = encoded[heldOut[0]];
  const trained = tf.tidy(() => model.forward(tf.tensor2d([probe], [1, probe.length], 'int32')).arraySync()[0]);
  const run = transformer.run(probe);
  let worst = 0;
  run.logits.forEach((row, t) => row.forEach((v, k) => { worst = Math.max(worst, Math.abs(v - trained[t][k])); }));
  transformer.dispose();
  console.log(`training forward vs Transformer: max |logit difference| ${worst.toExponential(2)}`);
  if (worst > 1e-3) throw new Error('the exported weights do not reproduce the training forward');
}

// The unigram baseline: training-token frequencies (add-one), scored on the same held-out targets.
const counts = new Float64Array(config.vocabSize).fill(1);
for (const i of train) for (const id of [...encoded[i].slice(1), tokenizer.bos]) counts[id]++;
const countTotal = counts.reduce((a, b) => a + b, 0);
let unigramTotal = 0;
let unigramCount = 0;
for (const i of heldOut) {
  for (const id of [...encoded[i], tokenizer.bos].slice(1, window + 1)) {
    unigramTotal -= Math.log(counts[id] / countTotal);
    unigramCount++;
  }
}
const unigram = unigramTotal / unigramCount;

writeFileAtomic(`${OUT}/tok.bin`, tokenizerBytes);
writeFileAtomic(`${OUT}/model.bin`, writeLlama2cCheckpoint(config, weights));
writeFileAtomic(`${OUT}/split.json`, JSON.stringify({ data: DATA, seed: SEED, heldOut }) + '\n');
const saved = await loadLlama2c(`${OUT}/model.bin`, `${OUT}/tok.bin`);
const heldOutLoss = textLoss(saved, heldOut.map((i) => texts[i]));
const trainSample = random.shuffle([...train]).slice(0, heldOut.length);
const trainLoss = textLoss(saved, trainSample.map((i) => texts[i]));
const greedy = saved.generate('Sorry, I', 24);
saved.dispose();
console.log(`held-out loss ${heldOutLoss.loss.toFixed(4)} nats/token (perplexity ${heldOutLoss.perplexity.toFixed(2)}, ${heldOutLoss.tokens} tokens); `
  + `training-text loss ${trainLoss.loss.toFixed(4)}; unigram baseline ${unigram.toFixed(4)}`);
console.log(`greedy continuation of "Sorry, I": ${JSON.stringify(greedy.text)}`);

const summary = {
  name: 'sms-lm', data: DATA, licence: 'CC BY 4.0', script: 'scripts/train-lm.ts', seed: SEED,
  config, parameters, vocabulary: { size: tokenizer.vocabSize, merges: bpe.merges, trainedOn: 'training texts' },
  split: { heldOutFraction: HELD_OUT, training: train.length, heldOut: heldOut.length, trainingTokens: trainTokens },
  training: {
    steps: STEPS, batch: BATCH, window, optimizer: 'adam (0.9, 0.95)', peakLearningRate: PEAK_LR, warmup: WARMUP,
    schedule: 'linear warm-up, cosine decay to 10%', gradientClip: CLIP, backend: 'wasm', seconds: Math.round(trainingSeconds),
  },
  heldOut: heldOutLoss, trainingTextSample: trainLoss, unigramBaseline: unigram, greedy: { prompt: 'Sorry, I', ...greedy }, log,
};
writeFileAtomic(`${OUT}/training.json`, JSON.stringify(summary, null, 1) + '\n');
console.log(`wrote ${OUT} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
