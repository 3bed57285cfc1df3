/**
 * Writes the sample digits that ship with Glassbox: the first test image of each class, as 28x28
 * grey PNGs in samples/digits/ (MNIST polarity: white digit on black). `npx tsx scripts/make-samples.ts`
 */
import { PNG } from 'pngjs';
import { mkdirSync, writeFileSync } from 'node:fs';
import { readIdx } from '../src/io/idx.js';

const images = readIdx('data/mnist/t10k-images-idx3-ubyte.gz');
const labels = readIdx('data/mnist/t10k-labels-idx1-ubyte.gz');
mkdirSync('samples/digits', { recursive: true });
for (let digit = 0; digit < 10; digit++) {
  const index = labels.data.indexOf(digit);
  const png = new PNG({ width: 28, height: 28, colorType: 0, inputColorType: 0, bitDepth: 8 });
  const pixels = images.data.subarray(index * 784, (index + 1) * 784);
  // pngjs takes RGBA input even for grey output.
  for (let i = 0; i < 784; i++) png.data.set([pixels[i], pixels[i], pixels[i], 255], i * 4);
  const file = `samples/digits/digit-${digit}.png`;
  writeFileSync(file, PNG.sync.write(png, { colorType: 0 }));
  console.log(`${file}: test image ${index}`);
}
