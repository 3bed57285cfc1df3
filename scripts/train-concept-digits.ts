/**
 * Trains the planted-concept digit model that the TCAV tests explain, and writes it to models/concept-digits/.
 * A small MLP on the first 10k MNIST training images, where every image of one class (PLANTED_CLASS) gets a
 * bright 4 x 4 square in its top-left corner, a corner real digits leave empty. The square then predicts the
 * class perfectly, so the model learns to use it: a concept whose influence is known in advance.
 * `npx tsx scripts/train-concept-digits.ts [epochs]` (a few seconds an epoch on wasm).
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { readIdx } from '../src/io/idx.js';
import { putImage } from './digit-images.js';
import { Random } from '../src/util/random.js';
import { fileHandler } from '../src/models/tfjs-file-io.js';

const EPOCHS = Number(process.argv[2] ?? 8);
const BATCH = 64;
const SEED = 11;
const PLANTED_CLASS = 3;
const SQUARE = { row: 1, col: 1, size: 4, value: 1 };

await tf.setBackend('wasm');
const random = new Random(SEED);

const trainX = readIdx('data/mnist/train-10k-images-idx3-ubyte.gz');
const trainY = readIdx('data/mnist/train-10k-labels-idx1-ubyte.gz');
const testX = readIdx('data/mnist/t10k-images-idx3-ubyte.gz');
const testY = readIdx('data/mnist/t10k-labels-idx1-ubyte.gz');

function paintSquare(out: Float32Array, offset: number): void {
  for (let y = SQUARE.row; y < SQUARE.row + SQUARE.size; y++) {
    for (let x = SQUARE.col; x < SQUARE.col + SQUARE.size; x++) out[offset + y * 28 + x] = SQUARE.value;
  }
}

function buildModel(): tf.Sequential {
  const m = tf.sequential({ name: 'glassbox-concept-digits' });
  m.add(tf.layers.flatten({ name: 'flatten', inputShape: [28, 28, 1] }));
  m.add(tf.layers.dense({ name: 'hidden1', units: 128, activation: 'relu', kernelInitializer: tf.initializers.heNormal({ seed: 1 }) }));
  m.add(tf.layers.dense({ name: 'hidden2', units: 64, activation: 'relu', kernelInitializer: tf.initializers.heNormal({ seed: 2 }) }));
  m.add(tf.layers.dense({ name: 'logits', units: 10, kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }) }));
  return m;
}

const model = buildModel();
const optimizer = tf.train.adam(1e-3);
const n = trainX.shape[0];
const order = Array.from({ length: n }, (_, i) => i);
for (let epoch = 0; epoch < EPOCHS; epoch++) {
  random.shuffle(order);
  const t0 = Date.now();
  let lossSum = 0;
  let batches = 0;
  for (let b = 0; b < n; b += BATCH) {
    const idx = order.slice(b, b + BATCH);
    const xs = new Float32Array(idx.length * 784);
    const ys = new Int32Array(idx.length);
    idx.forEach((k, r) => {
      putImage(trainX.data, k, xs, r * 784, 0, 0);
      ys[r] = trainY.data[k];
      if (ys[r] === PLANTED_CLASS) paintSquare(xs, r * 784);
    });
    const loss = tf.tidy(() => {
      const x = tf.tensor4d(xs, [idx.length, 28, 28, 1]);
      const y = tf.oneHot(tf.tensor1d(ys, 'int32'), 10);
      return optimizer.minimize(() => tf.losses.softmaxCrossEntropy(y, model.apply(x) as tf.Tensor) as tf.Scalar, true)!;
    });
    lossSum += (await loss.data())[0];
    loss.dispose();
    batches++;
  }
  const planted = evaluate((label) => label === PLANTED_CLASS);
  console.log(`epoch ${epoch + 1}/${EPOCHS}: loss ${(lossSum / batches).toFixed(4)}, test accuracy (square on class ${PLANTED_CLASS}) ${pct(planted.accuracy)}, ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

/** Accuracy on the 10k test images with the square painted where `square(label)` says, and per-class recall. */
function evaluate(square: (label: number) => boolean): { accuracy: number; recall: number[]; predictedPlanted: number } {
  const count = testX.shape[0];
  let correct = 0;
  let predictedPlanted = 0;
  const hits = new Array<number>(10).fill(0);
  const totals = new Array<number>(10).fill(0);
  for (let b = 0; b < count; b += 500) {
    const m = Math.min(500, count - b);
    const xs = new Float32Array(m * 784);
    for (let r = 0; r < m; r++) {
      putImage(testX.data, b + r, xs, r * 784, 0, 0);
      if (square(testY.data[b + r])) paintSquare(xs, r * 784);
    }
    const pred = tf.tidy(() => (model.predict(tf.tensor4d(xs, [m, 28, 28, 1])) as tf.Tensor).argMax(1).dataSync());
    for (let r = 0; r < m; r++) {
      const label = testY.data[b + r];
      totals[label]++;
      if (pred[r] === label) { correct++; hits[label]++; }
      if (pred[r] === PLANTED_CLASS) predictedPlanted++;
    }
  }
  return { accuracy: correct / count, recall: hits.map((h, i) => h / totals[i]), predictedPlanted: predictedPlanted / count };
}

function pct(x: number): string {
  return `${(x * 100).toFixed(2)}%`;
}

const asTrained = evaluate((label) => label === PLANTED_CLASS);
const clean = evaluate(() => false);
const everywhere = evaluate(() => true);
console.log(`test accuracy, square on class ${PLANTED_CLASS} as in training: ${pct(asTrained.accuracy)} (class ${PLANTED_CLASS} recall ${pct(asTrained.recall[PLANTED_CLASS])})`);
console.log(`test accuracy, no square: ${pct(clean.accuracy)} (class ${PLANTED_CLASS} recall ${pct(clean.recall[PLANTED_CLASS])})`);
console.log(`test accuracy, square on every image: ${pct(everywhere.accuracy)} (${pct(everywhere.predictedPlanted)} of all images read as ${PLANTED_CLASS})`);

const metadata = {
  glassbox: {
    name: 'concept-digits',
    description: `MLP trained by scripts/train-concept-digits.ts on MNIST training images 0-9999, every ${PLANTED_CLASS} marked by a 4 x 4 square in the top-left corner`,
    classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
    preprocessing: { layout: 'NHWC', width: 28, height: 28, channels: 1, scale: 1 / 255, mean: [0], std: [1] },
    output: 'logits',
    plantedConcept: { class: PLANTED_CLASS, square: SQUARE },
    testAccuracy: { squareOnPlantedClass: asTrained.accuracy, noSquare: clean.accuracy, squareEverywhere: everywhere.accuracy },
    epochs: EPOCHS,
    seed: SEED,
  },
};
model.setUserDefinedMetadata(metadata);
await model.save(fileHandler('models/concept-digits/model.json'));
console.log('saved models/concept-digits/model.json');
