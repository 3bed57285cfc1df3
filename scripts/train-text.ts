/**
 * Trains the built-in spam classifier (a small transformer encoder) on the SMS Spam Collection and
 * writes models/spam/: config.json, weights.bin, tokenizer.json, split.json. A one-off:
 * `npx tsx scripts/train-text.ts [epochs]` (5 by default: about 3.5 min on a quiet
 * 2-core machine, 6 min under load). Seeded: the split, the tokenizer, the initial weights and
 * the batch order are the same on every run. Runs on the wasm backend.
 */
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../src/backend.js';
import { writeFileAtomic } from '../src/io/atomic-write.js';
import { Random } from '../src/util/random.js';
import { readLabelledTexts } from '../src/text/labelled-texts.js';
import { trainWordPiece } from '../src/text/train-wordpiece.js';
import type { TransformerConfig } from '../src/models/transformer/config.js';
import { Transformer } from '../src/models/transformer/transformer.js';
import { TrainableTransformer, initialClassifierWeights } from '../src/models/text/trainable-transformer.js';
import { TextClassifierModel, type TextClassifierConfig } from '../src/models/text/text-classifier.js';
import { encodeWeights } from '../src/models/text/weights-file.js';
import { loadTextClassifier } from '../src/models/text/load.js';

const EPOCHS = Number(process.argv[2] ?? 5);
const SEED = 5;
const HELD_OUT = 0.2;
const BATCH = 32;
const LEARNING_RATE = 2e-3;
const VOCAB = 1600;
const DATA = 'data/text/sms_spam_collection.tsv';
const OUT = 'models/spam';
const CLASS_NAMES = ['ham', 'spam'];

await useBackend('wasm');
const started = Date.now();
const random = new Random(SEED);

const { labels, texts } = readLabelledTexts(DATA);
const y = labels.map((l) => {
  const c = CLASS_NAMES.indexOf(l);
  if (c < 0) throw new Error(`unknown label ${l}`);
  return c;
});

// Stratified split: HELD_OUT of each class, drawn at random.
const heldOut: number[] = [];
for (let c = 0; c < CLASS_NAMES.length; c++) {
  const members = random.shuffle(y.flatMap((label, i) => (label === c ? [i] : [])));
  heldOut.push(...members.slice(0, Math.round(members.length * HELD_OUT)));
}
heldOut.sort((a, b) => a - b);
const isHeldOut = new Set(heldOut);
const train = y.map((_, i) => i).filter((i) => !isHeldOut.has(i));
console.log(`${texts.length} texts: ${train.length} training, ${heldOut.length} held out`);

// The tokenizer sees the training texts only.
const tokenizer = trainWordPiece(train.map((i) => texts[i]), { vocabSize: VOCAB });
const config: TransformerConfig = {
  vocabSize: tokenizer.vocabSize, dim: 64, layers: 2, heads: 4, hiddenDim: 128, maxLength: 128,
  norm: 'layernorm', normEps: 1e-5, mlp: 'gelu', causal: false, positional: 'learned', tiedUnembedding: false,
  classifier: { classes: 2, pooling: 'first', classNames: CLASS_NAMES },
};
const encoded = texts.map((t) => tokenizer.encode(t, { maxLength: config.maxLength }).ids);
console.log(`tokenizer: ${tokenizer.vocabSize} tokens, ${train.filter((i) => tokenizer.encode(texts[i], { maxLength: config.maxLength }).truncated).length} training texts cut to ${config.maxLength}`);

const model = new TrainableTransformer(config, initialClassifierWeights(config, SEED));
const optimizer = tf.train.adam(LEARNING_RATE);

/** A batch padded on the right with [PAD] = 0. */
function batchTensors(indices: number[]): { ids: tf.Tensor2D; padding: tf.Tensor2D; labels: tf.Tensor2D } {
  const length = Math.max(...indices.map((i) => encoded[i].length));
  const ids = new Int32Array(indices.length * length);
  const padding = new Float32Array(indices.length * length);
  indices.forEach((i, b) => encoded[i].forEach((id, t) => {
    ids[b * length + t] = id;
    padding[b * length + t] = 1;
  }));
  return {
    ids: tf.tensor2d(ids, [indices.length, length], 'int32'),
    padding: tf.tensor2d(padding, [indices.length, length]),
    labels: tf.oneHot(tf.tensor1d(indices.map((i) => y[i]), 'int32'), 2).toFloat() as tf.Tensor2D,
  };
}

/** Batches of similar length (sorted within random pools of 20 batches), in random order. */
function epochBatches(): number[][] {
  const order = random.shuffle([...train]);
  const batches: number[][] = [];
  const pool = BATCH * 20;
  for (let p = 0; p < order.length; p += pool) {
    const sorted = order.slice(p, p + pool).sort((a, b) => encoded[a].length - encoded[b].length);
    for (let b = 0; b < sorted.length; b += BATCH) batches.push(sorted.slice(b, b + BATCH));
  }
  return random.shuffle(batches);
}

const trainStart = Date.now();
const history: Array<{ epoch: number; loss: number; seconds: number }> = [];
for (let epoch = 1; epoch <= EPOCHS; epoch++) {
  let total = 0;
  let count = 0;
  for (const batch of epochBatches()) {
    const { ids, padding, labels: target } = batchTensors(batch);
    const loss = optimizer.minimize(() => tf.losses.softmaxCrossEntropy(target, model.forward(ids, padding)) as tf.Scalar, true);
    total += loss!.dataSync()[0] * batch.length;
    count += batch.length;
    tf.dispose([ids, padding, target, loss!]);
  }
  const seconds = (Date.now() - trainStart) / 1000;
  history.push({ epoch, loss: total / count, seconds });
  console.log(`epoch ${epoch}: loss ${(total / count).toFixed(4)} (${seconds.toFixed(1)} s)`);
}
const trainingSeconds = (Date.now() - trainStart) / 1000;

// The trained weights in the inference Transformer must give what the training forward gives.
const weights = model.exportWeights();
const transformer = new Transformer(config, weights, { vocabulary: [...tokenizer.vocabulary], name: 'spam' });
{
  const probe = heldOut.slice(0, 64);
  const { ids, padding, labels: target } = batchTensors(probe);
  const trained = model.forward(ids, padding).arraySync() as number[][];
  tf.dispose([ids, padding, target]);
  const runs = transformer.runBatch(probe.map((i) => encoded[i]));
  let worst = 0;
  runs.forEach((run, b) => run.logits[0].forEach((v, c) => { worst = Math.max(worst, Math.abs(v - trained[b][c])); }));
  console.log(`training forward vs Transformer: max |logit difference| ${worst.toExponential(2)} over ${probe.length} texts`);
  if (worst > 1e-3) throw new Error('the exported weights do not reproduce the training forward');
}

const { bytes, manifest } = encodeWeights(weights, config.dim);
const modelConfig: TextClassifierConfig = {
  format: 'glassbox-text-classifier',
  name: 'spam',
  transformer: config,
  classNames: CLASS_NAMES,
  tokenizer: 'tokenizer.json',
  weights: { file: 'weights.bin', manifest },
};
const classifier = new TextClassifierModel(transformer, tokenizer, modelConfig);
const predicted = await classifier.predict(heldOut.map((i) => texts[i]));
const correct = predicted.filter((p, k) => p === y[heldOut[k]]).length;
const accuracy = correct / heldOut.length;
const trainPredicted = await classifier.predict(train.map((i) => texts[i]));
const trainAccuracy = trainPredicted.filter((p, k) => p === y[train[k]]).length / train.length;
console.log(`held-out accuracy ${(100 * accuracy).toFixed(2)}% (${correct}/${heldOut.length}); training accuracy ${(100 * trainAccuracy).toFixed(2)}%`);

modelConfig.heldOut = { data: DATA, split: 'split.json', correct, total: heldOut.length, accuracy };
modelConfig.training = {
  script: 'scripts/train-text.ts', data: DATA, seed: SEED, heldOutFraction: HELD_OUT, stratified: true,
  trainingTexts: train.length, epochs: EPOCHS, batchSize: BATCH, optimizer: 'adam', learningRate: LEARNING_RATE,
  loss: 'softmax cross-entropy', backend: 'wasm', trainingSeconds: Math.round(trainingSeconds),
  trainingAccuracy: trainAccuracy, finalLoss: history[history.length - 1]?.loss,
  tokenizer: `WordPiece trained on the training texts, ${tokenizer.vocabSize} tokens, lower-cased`,
};
writeFileAtomic(`${OUT}/weights.bin`, bytes);
writeFileAtomic(`${OUT}/tokenizer.json`, JSON.stringify(tokenizer.toJSON()) + '\n');
writeFileAtomic(`${OUT}/split.json`, JSON.stringify({ data: DATA, seed: SEED, heldOut }) + '\n');
writeFileAtomic(`${OUT}/config.json`, JSON.stringify(modelConfig, null, 1) + '\n');

// What the loader gives must be exactly what was recorded.
const reloaded = await loadTextClassifier(OUT);
const again = await reloaded.predict(heldOut.map((i) => texts[i]));
const correctAgain = again.filter((p, k) => p === y[heldOut[k]]).length;
if (correctAgain !== correct) throw new Error(`reloaded model scores ${correctAgain}, trained ${correct}`);
console.log(`wrote ${OUT} (${bytes.byteLength} bytes of weights) in ${((Date.now() - started) / 1000).toFixed(0)} s`);
