import * as tf from '@tensorflow/tfjs';
import { customOp } from './tfjs-rules.js';

/**
 * A faster input gradient for TF.js Conv2D layers on wasm. There, Conv2DBackpropInput is a plain loop
 * while a forward Conv2D runs on XNNPACK; for stride 1 the input gradient is itself a forward convolution
 * of the output gradient with the kernel flipped in space and transposed in channels. Measured here on
 * the digit CNN's second conv (32 -> 64 channels, 11x11, batch 800): 1.2-1.7 s as backprop, 0.36-0.52 s as
 * a forward conv. With one or few input channels XNNPACK is slower than the loop, hence MIN_INPUT_CHANNELS.
 */
const MIN_INPUT_CHANNELS = 4;

interface ConvLayer {
  getClassName(): string;
  call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor | tf.Tensor[];
  kernel?: { read(): tf.Tensor };
  bias?: { read(): tf.Tensor } | null;
  activation?: { apply(x: tf.Tensor): tf.Tensor } | null;
  strides?: number[];
  dilationRate?: number[];
  padding?: string;
  dataFormat?: string;
  kernelSize?: number[];
}

function qualifies(layer: ConvLayer): boolean {
  if (layer.getClassName() !== 'Conv2D' || !layer.kernel) return false;
  const ones = (v: number[] | undefined) => v === undefined || v.every((s) => s === 1);
  const [kh, kw, inputChannels] = layer.kernel.read().shape as number[];
  const oddKernel = kh % 2 === 1 && kw % 2 === 1;
  return ones(layer.strides) && ones(layer.dilationRate) && layer.dataFormat === 'channelsLast'
    && (layer.padding === 'valid' || (layer.padding === 'same' && oddKernel))
    && inputChannels >= MIN_INPUT_CHANNELS;
}

function fastConv2d(x: tf.Tensor4D, kernel: tf.Tensor4D, padding: 'valid' | 'same'): tf.Tensor4D {
  const [kh, kw] = kernel.shape;
  const op = customOp(([input]) => ({
    value: tf.conv2d(input as tf.Tensor4D, kernel, 1, padding),
    gradFunc: (dy) => {
      const flipped = tf.transpose(tf.reverse(kernel, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D;
      const pad: [[number, number], [number, number], [number, number], [number, number]] | 'same' = padding === 'valid'
        ? [[0, 0], [kh - 1, kh - 1], [kw - 1, kw - 1], [0, 0]] : 'same';
      return tf.conv2d(dy as tf.Tensor4D, flipped, 1, pad);
    },
  }));
  return op(x) as tf.Tensor4D;
}

/** Routes the qualifying Conv2D layers through fastConv2d; returns what undoes it. */
export function patchFastConvBackward(layers: readonly ConvLayer[]): () => void {
  const patched: ConvLayer[] = [];
  for (const layer of layers) {
    if (!qualifies(layer)) continue;
    const conv = layer;
    conv.call = (inputs) => tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
      let y: tf.Tensor = fastConv2d(x, conv.kernel!.read() as tf.Tensor4D, conv.padding as 'valid' | 'same');
      if (conv.bias) y = tf.add(y, conv.bias.read());
      return conv.activation ? conv.activation.apply(y) : y;
    });
    patched.push(conv);
  }
  return () => {
    for (const layer of patched) delete (layer as Partial<ConvLayer>).call;
  };
}
