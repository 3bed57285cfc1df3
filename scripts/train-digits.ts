/**
 * Trains the built-in digit model on the first 10k MNIST training images and writes it in TF.js format
 * to models/digits/. A one-off: `npx tsx scripts/train-digits.ts [epochs]` (about 35 s an epoch here).
 * Runs on wasm with the filter-gradient kernel that wasm lacks added by ./wasm-conv-filter-grad.ts.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { registerWasmConvFilterGrad } from './wasm-conv-filter-grad.js';
import { readIdx } from '../src/io/idx.js';
import { digitAccuracy, putImage } from './digit-images.js';
import { Random } from '../src/util/random.js';
import { fileHandler } from '../src/models/tfjs-file-io.js';

const EPOCHS = Number(process.argv[2] ?? 12);
const BATCH = 64;
const SHIFT = 2; // random translation (pixels) as augmentation: only 10k training images are shipped
const SEED = 7;

await tf.setBackend('wasm');
registerWasmConvFilterGrad();
const random = new Random(SEED);
const rng = () => random.uniform();

const trainX = readIdx('data/mnist/train-10k-images-idx3-ubyte.gz');
const trainY = readIdx('data/mnist/train-10k-labels-idx1-ubyte.gz');
const testX = readIdx('data/mnist/t10k-images-idx3-ubyte.gz');
const testY = readIdx('data/mnist/t10k-labels-idx1-ubyte.gz');

function buildModel(): tf.Sequential {
  const init = (s: number) => tf.initializers.heNormal({ seed: s });
  const m = tf.sequential({ name: 'glassbox-digits' });
  m.add(tf.layers.conv2d({ name: 'conv1', inputShape: [28, 28, 1], filters: 32, kernelSize: 3, activation: 'relu', kernelInitializer: init(1) }));
  m.add(tf.layers.maxPooling2d({ name: 'pool1', poolSize: 2 }));
  m.add(tf.layers.conv2d({ name: 'conv2', filters: 64, kernelSize: 3, activation: 'relu', kernelInitializer: init(2) }));
  m.add(tf.layers.maxPooling2d({ name: 'pool2', poolSize: 2 }));
  m.add(tf.layers.flatten({ name: 'flatten' }));
  m.add(tf.layers.dense({ name: 'dense1', units: 128, activation: 'relu', kernelInitializer: init(3) }));
  m.add(tf.layers.dense({ name: 'logits', units: 10, kernelInitializer: tf.initializers.glorotUniform({ seed: 4 }) }));
  return m;
}

const model = buildModel();
const optimizer = tf.train.adam(1e-3);
const n = trainX.shape[0];
const order = Array.from({ length: n }, (_, i) => i);
for (let epoch = 0; epoch < EPOCHS; epoch++) {
  if (epoch === Math.floor(EPOCHS * 0.7)) (optimizer as unknown as { learningRate: number }).learningRate = 3e-4;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  const t0 = Date.now();
  let lossSum = 0;
  let batches = 0;
  for (let b = 0; b < n; b += BATCH) {
    const idx = order.slice(b, b + BATCH);
    const xs = new Float32Array(idx.length * 784);
    const ys = new Int32Array(idx.length);
    idx.forEach((k, r) => {
      const dy = Math.round((rng() * 2 - 1) * SHIFT);
      const dx = Math.round((rng() * 2 - 1) * SHIFT);
      putImage(trainX.data, k, xs, r * 784, dy, dx);
      ys[r] = trainY.data[k];
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
  const acc = evaluate(1000);
  console.log(`epoch ${epoch + 1}/${EPOCHS}: loss ${(lossSum / batches).toFixed(4)}, test accuracy (first 1000) ${(acc * 100).toFixed(2)}%, ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}
const accuracy = evaluate(testX.shape[0]);
console.log(`test accuracy on ${testX.shape[0]} images: ${(accuracy * 100).toFixed(2)}%`);

function evaluate(count: number): number {
  return digitAccuracy(testX.data, testY.data, count, (x) => model.predict(x) as tf.Tensor);
}

const metadata = {
  glassbox: {
    name: 'digits',
    description: 'CNN trained by scripts/train-digits.ts on MNIST training images 0-9999',
    classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
    preprocessing: { layout: 'NHWC', width: 28, height: 28, channels: 1, scale: 1 / 255, mean: [0], std: [1] },
    output: 'logits',
    testAccuracy: accuracy,
    trainedAt: new Date().toISOString(),
    epochs: EPOCHS,
  },
};
model.setUserDefinedMetadata(metadata);
await model.save(fileHandler('models/digits/model.json'));
console.log('saved models/digits/model.json');
