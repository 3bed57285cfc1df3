/**
 * Conv2DBackpropFilter for the wasm backend, which lacks it, so that training can run on wasm
 * (the pure-JS cpu backend takes ~23 s per batch of 64 for the digit CNN). Only what training the
 * built-in models needs: NHWC, stride 1, dilation 1, 'valid' padding.
 *
 * The filter gradient dW[i,j,c,o] = sum_{b,y,x} X[b,y+i,x+j,c] * dY[b,y,x,o] is itself a valid
 * convolution once batch and channels trade places: conv(X as [c,H,W,b], dY as [h,w,b,o]) = [c,i,j,o].
 */
import * as tf from '@tensorflow/tfjs';

type Info = tf.TensorInfo;
type KernelFn = (args: { inputs: Record<string, Info>; backend: unknown; attrs?: Record<string, unknown> }) => Info;

export function registerWasmConvFilterGrad(): void {
  if (tf.getKernel('Conv2DBackpropFilter', 'wasm')) return;
  const conv = tf.getKernel('Conv2D', 'wasm')!.kernelFunc as unknown as KernelFn;
  const transpose = tf.getKernel('Transpose', 'wasm')!.kernelFunc as unknown as KernelFn;
  tf.registerKernel({
    kernelName: 'Conv2DBackpropFilter',
    backendName: 'wasm',
    kernelFunc: ((args: { inputs: Record<string, Info>; backend: { disposeData(id: object): void }; attrs: Record<string, unknown> }) => {
      const { x, dy } = args.inputs;
      const { strides, pad, dataFormat, dilations } = args.attrs as { strides: number | number[]; pad: unknown; dataFormat: string; dilations?: number | number[] };
      const ones = (v: number | number[] | undefined) => v === undefined || (Array.isArray(v) ? v.every((s) => s === 1) : v === 1);
      if (pad !== 'valid' || !ones(strides) || !ones(dilations) || (dataFormat && dataFormat !== 'NHWC')) {
        throw new Error('wasm Conv2DBackpropFilter here supports only NHWC, stride 1, dilation 1, valid padding');
      }
      const backend = args.backend;
      const xT = transpose({ inputs: { x }, backend, attrs: { perm: [3, 1, 2, 0] } });
      const dyT = transpose({ inputs: { x: dy }, backend, attrs: { perm: [1, 2, 0, 3] } });
      const out = conv({ inputs: { x: xT, filter: dyT }, backend, attrs: { strides: 1, pad: 'valid', dataFormat: 'NHWC', dilations: 1 } });
      const dw = transpose({ inputs: { x: out }, backend, attrs: { perm: [1, 2, 0, 3] } });
      for (const t of [xT, dyT, out]) backend.disposeData(t.dataId);
      return dw;
    }) as unknown as tf.KernelFunc,
  });
}
