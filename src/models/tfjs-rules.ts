import * as tf from '@tensorflow/tfjs';
import { maxPoolBackward } from './tfjs-kernel-fixes.js';

/**
 * Modified backward rules for the TF.js engine, as custom-gradient ops that replace a layer's
 * nonlinearity while a rule is in force (see tfjs-layers.ts for where they are patched in).
 */

type Unary = (x: tf.Tensor) => tf.Tensor;
type GradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor | tf.Tensor[];
type OpBody = (inputs: tf.Tensor[], save: tf.GradSaveFunc) => { value: tf.Tensor; gradFunc: GradFunc };

/** tf.customGrad with the argument list typed: the body gets its tensor inputs and the save function. */
export function customOp(body: OpBody): (...inputs: tf.Tensor[]) => tf.Tensor {
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const { value, gradFunc } = body(args.slice(0, -1) as tf.Tensor[], save);
    return { value, gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => gradFunc(dy as tf.Tensor, saved) };
  });
  return (...inputs: tf.Tensor[]) => op(...inputs);
}

/** ReLU whose backward pass lets through only positive gradients where the input was positive. */
export function guidedRelu(x: tf.Tensor): tf.Tensor {
  const op = customOp(([z], save) => {
    save([z]);
    return {
      value: tf.relu(z),
      gradFunc: (dy, saved) => {
        const g = dy;
        return tf.mul(g, tf.mul(tf.step(saved[0]), tf.step(g)));
      },
    };
  });
  return op(x);
}

/**
 * DeepLIFT's rescale rule for an elementwise nonlinearity f. The batch holds the inputs in its first
 * half and their references in its second; the backward multiplier of both halves becomes
 * (f(z) - f(z0)) / (z - z0), or f'(z) where the difference is below eps.
 */
export function rescaleNonlinearity(f: Unary, eps: number): Unary {
  return (x: tf.Tensor) => {
    // f'(z) is taken out here: gradients cannot be taken inside a custom op's forward or backward.
    const derivative = tf.grad(f)(x);
    const op = customOp(([z, fPrime], save) => {
      const y = f(z);
      save([z, y, fPrime]);
      return {
        value: y,
        gradFunc: (dy, saved) => {
          const [zAll, yAll, fPrimeAll] = saved;
          const [z1, z0] = tf.split(zAll, 2, 0);
          const [y1, y0] = tf.split(yAll, 2, 0);
          const deltaIn = tf.sub(z1, z0);
          const small = tf.less(tf.abs(deltaIn), eps);
          const ratio = tf.div(tf.sub(y1, y0), tf.where(small, tf.onesLike(deltaIn), deltaIn));
          const multiplier = tf.where(tf.concat([small, small], 0), fPrimeAll, tf.concat([ratio, ratio], 0));
          return [tf.mul(dy, multiplier), tf.zerosLike(fPrimeAll)];
        },
      };
    });
    return op(x, derivative);
  };
}

export interface PoolGeometry {
  poolSize: [number, number];
  strides: [number, number];
  padding: 'valid' | 'same';
}

/**
 * DeepLIFT's rule for 2-D max pooling (NHWC), as Captum applies it: the output difference
 * max(p(x), p(x0)) - p(x0) is routed back through the argmax of the input and divided by the
 * input difference; where the input difference is below eps the ordinary gradient is used.
 */
export function rescaleMaxPool(geometry: PoolGeometry, eps: number): Unary {
  const { poolSize, strides, padding } = geometry;
  const pool = (t: tf.Tensor) => tf.maxPool(t as tf.Tensor4D, poolSize, strides, padding);
  // Not TF.js's MaxPoolGrad kernel: it is wrong on wasm (see tfjs-kernel-fixes.ts).
  const routeBack = (dy: tf.Tensor, input: tf.Tensor, _output: tf.Tensor) =>
    maxPoolBackward(dy as tf.Tensor4D, input as tf.Tensor4D, poolSize, strides, padding);
  return (x: tf.Tensor) => {
    const op = customOp(([z], save) => {
      const y = pool(z);
      save([z, y]);
      return {
        value: y,
        gradFunc: (dy, saved) => {
          const [zAll, yAll] = saved;
          const [z1, z0] = tf.split(zAll, 2, 0);
          const [y1, y0] = tf.split(yAll, 2, 0);
          const [dy1] = tf.split(dy, 2, 0);
          const crossMax = tf.maximum(y1, y0);
          // Both halves' contributions, each routed through its own argmax, then summed as in Captum.
          // Both use the inputs' upstream gradient: Captum explains both halves, so its halves carry
          // the same gradient, whereas here only the inputs are explained and the references' half is 0.
          const routed = tf.add(
            routeBack(tf.mul(dy1, tf.sub(crossMax, y0)), z1, y1),
            routeBack(tf.mul(dy1, tf.sub(y1, crossMax)), z0, y0),
          );
          const deltaIn = tf.sub(z1, z0);
          const small = tf.less(tf.abs(deltaIn), eps);
          const safeDelta = tf.where(small, tf.onesLike(deltaIn), deltaIn);
          const ratio = tf.div(routed, safeDelta);
          const standard = routeBack(dy, zAll, yAll);
          return tf.where(tf.concat([small, small], 0), standard, tf.concat([ratio, ratio], 0));
        },
      };
    });
    return op(x);
  };
}
