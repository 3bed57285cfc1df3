/**
 * Trains the built-in credit-risk model on German credit (data/tabular/german_credit.csv) and writes
 * models/credit/: schema.json (how a CSV row becomes the 61 model features), tfjs/model.json (the
 * TF.js model), model.onnx (the same model through Glassbox's own converter) and metadata.json
 * (features, classes, the held-out rows and accuracy). A one-off: `npx tsx scripts/train-tabular.ts`
 * (a few seconds).
 *
 * The model is an L2-regularised logistic regression written as Dense(61 -> 2, softmax), so its
 * log-odds are linear in the features and explanations of it can be checked by hand. It is trained on
 * standardised features, and the standardisation is then folded into the weights, so the saved model
 * takes the raw encoded features (amounts in DM, durations in months, one-hot 0/1).
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { tfjsToOnnx } from '../src/engines/native/from-tfjs.js';
import { writeOnnx } from '../src/engines/native/write.js';
import { writeFileAtomic } from '../src/io/atomic-write.js';
import { fileHandler } from '../src/models/tfjs-file-io.js';
import { readCsv } from '../src/tabular/csv.js';
import { loadTabularData } from '../src/tabular/dataset.js';
import { inferSchema, type TabularSchema } from '../src/tabular/schema.js';
import { Random } from '../src/util/random.js';

const SEED = 11;
const TEST_FRACTION = 0.2;
const EPOCHS = 400;
const LEARNING_RATE = 0.05;
/** L2 penalty on the weights of the standardised features (mean over the batch, as sklearn's C = 1 / (n * L2)). */
const L2 = 0.002;
const DATA = 'data/tabular/german_credit.csv';
const OUT = 'models/credit';

await tf.setBackend('wasm');

// The schema: every attribute, categories sorted, one-hot; `class` repeats the label, so it is ignored.
// The classes follow the UCI documentation: 1 = good, 2 = bad.
const inferred = inferSchema(readCsv(DATA), { target: 'risk', ignore: ['class'] });
const schema: TabularSchema = {
  columns: inferred.columns,
  target: { name: 'risk', type: 'categorical', categories: ['good', 'bad'] },
  ignore: ['class'],
};
writeFileAtomic(`${OUT}/schema.json`, `${JSON.stringify(schema, null, 2)}\n`);
const data = loadTabularData(DATA, { schema });
const { x, y, featureNames } = data;
const n = x.rows;
const d = x.cols;

// Stratified split: the same share of bad loans in both parts.
const random = new Random(SEED);
const test: number[] = [];
for (const cls of [0, 1]) {
  const rows = Array.from({ length: n }, (_, i) => i).filter((i) => y![i] === cls);
  for (let i = rows.length - 1; i > 0; i--) {
    const j = random.int(i + 1);
    [rows[i], rows[j]] = [rows[j], rows[i]];
  }
  test.push(...rows.slice(0, Math.round(rows.length * TEST_FRACTION)));
}
test.sort((a, b) => a - b);
const isTest = new Set(test);
const train = Array.from({ length: n }, (_, i) => i).filter((i) => !isTest.has(i));

// Standardisation from the training rows (population std; constant columns keep scale 1).
const mean = new Float64Array(d);
const scale = new Float64Array(d).fill(1);
for (let j = 0; j < d; j++) {
  let s = 0;
  for (const i of train) s += x.data[i * d + j];
  mean[j] = s / train.length;
  let v = 0;
  for (const i of train) v += (x.data[i * d + j] - mean[j]) ** 2;
  if (v > 0) scale[j] = Math.sqrt(v / train.length);
}
const standardised = (rows: number[]) => {
  const out = new Float32Array(rows.length * d);
  rows.forEach((i, r) => {
    for (let j = 0; j < d; j++) out[r * d + j] = (x.data[i * d + j] - mean[j]) / scale[j];
  });
  return tf.tensor2d(out, [rows.length, d]);
};

const net = tf.sequential({ name: 'glassbox-credit' });
net.add(tf.layers.dense({
  name: 'probabilities', inputShape: [d], units: 2, activation: 'softmax',
  kernelInitializer: tf.initializers.glorotUniform({ seed: SEED }),
}));
const optimizer = tf.train.adam(LEARNING_RATE);
const xTrain = standardised(train);
const yTrain = tf.oneHot(tf.tensor1d(train.map((i) => y![i]), 'int32'), 2);
const kernel = net.layers[0].getWeights()[0];
for (let epoch = 0; epoch < EPOCHS; epoch++) {
  const loss = optimizer.minimize(() => tf.tidy(() => {
    const ce = tf.losses.softmaxCrossEntropy(yTrain, tf.log((net.apply(xTrain) as tf.Tensor).clipByValue(1e-7, 1)));
    return ce.add(tf.mul(L2, tf.sum(tf.square(kernel)))) as tf.Scalar;
  }), true)!;
  if ((epoch + 1) % 100 === 0) console.log(`epoch ${epoch + 1}: loss ${(await loss.data())[0].toFixed(4)}`);
  loss.dispose();
}

// Fold the standardisation into the weights: w' = w / scale, b' = b - sum(w * mean / scale).
const [w, b] = net.layers[0].getWeights().map((t) => t.arraySync() as number[][] | number[]);
const wRaw = (w as number[][]).map((row, j) => row.map((v) => v / scale[j]));
const bRaw = (b as number[]).map((v, k) => v - (w as number[][]).reduce((s, row, j) => s + row[k] * mean[j] / scale[j], 0));
net.layers[0].setWeights([tf.tensor2d(wRaw), tf.tensor1d(bRaw)]);

/** Accuracy of the saved (raw-feature) model on some rows. */
function accuracy(rows: number[]): number {
  const xs = new Float32Array(rows.length * d);
  rows.forEach((i, r) => xs.set(x.data.subarray(i * d, (i + 1) * d), r * d));
  const pred = tf.tidy(() => (net.predict(tf.tensor2d(xs, [rows.length, d])) as tf.Tensor).argMax(1).dataSync());
  return rows.reduce((s, i, r) => s + (pred[r] === y![i] ? 1 : 0), 0) / rows.length;
}
const trainAccuracy = accuracy(train);
const testAccuracy = accuracy(test);
const majority = test.filter((i) => y![i] === 0).length / test.length;
console.log(`accuracy: train ${(trainAccuracy * 100).toFixed(2)}% (${train.length} rows), held-out ${(testAccuracy * 100).toFixed(2)}% (${test.length} rows; always "good": ${(majority * 100).toFixed(1)}%)`);

const classNames = ['good', 'bad'];
net.setUserDefinedMetadata({
  glassbox: { name: 'credit', description: 'German credit logistic regression, trained by scripts/train-tabular.ts', classNames, featureNames, output: 'probabilities' },
});
await net.save(fileHandler(`${OUT}/tfjs/model.json`));
const { graph } = tfjsToOnnx(net, { batch: 'dynamic', layerOutputs: 'none' });
writeFileAtomic(`${OUT}/model.onnx`, writeOnnx(graph));

const metadata = {
  name: 'credit',
  model: 'model.onnx',
  description: 'Credit risk (good or bad loan) from the 20 German credit attributes: a logistic regression trained by scripts/train-tabular.ts',
  data: DATA,
  schema: 'schema.json',
  target: 'risk',
  featureNames,
  classNames,
  output: 'probability',
  outputName: graph.outputs[0].name,
  inputName: graph.inputs[0].name,
  accuracy: { heldOut: testAccuracy, train: trainAccuracy, heldOutMajorityClass: majority },
  split: { seed: SEED, testFraction: TEST_FRACTION, stratified: true, heldOutRows: test },
  training: {
    model: 'logistic regression: Dense(61 -> 2, softmax), TF.js, wasm backend',
    features: 'standardised on the training rows for training; the standardisation is folded into the saved weights, which take the raw encoded features',
    optimizer: `Adam, learning rate ${LEARNING_RATE}, full batch, ${EPOCHS} epochs`,
    loss: `softmax cross-entropy + ${L2} * sum of squared weights`,
    seed: SEED,
    trainedAt: new Date().toISOString(),
  },
};
writeFileAtomic(`${OUT}/metadata.json`, `${JSON.stringify(metadata, null, 2)}\n`);
console.log(`wrote ${OUT}/schema.json, ${OUT}/tfjs/model.json, ${OUT}/model.onnx, ${OUT}/metadata.json`);
