/**
 * TF.js activations as ONNX ops, each written to compute what TF.js computes (tfjs-layers
 * activations.ts). Activations that ONNX lacks at the chosen opset are decomposed into basic ops.
 */
import { attr } from '../graph.js';
import type { Context } from './context.js';

/** The activation names TF.js serialises (`getClassName()` of its activations). */
export const ACTIVATIONS = [
  'linear', 'relu', 'relu6', 'elu', 'selu', 'sigmoid', 'hardSigmoid', 'softplus', 'softsign', 'tanh',
  'softmax', 'logSoftmax', 'swish', 'mish', 'gelu', 'gelu_new',
] as const;

export type ActivationName = (typeof ACTIVATIONS)[number];

export function isActivation(name: string): name is ActivationName {
  return (ACTIVATIONS as readonly string[]).includes(name);
}

/**
 * Applies activation `name` to value `x`. `lastAxis` is where TF's last axis sits in x's layout
 * (softmax and logSoftmax run over it).
 */
export function applyActivation(cx: Context, name: ActivationName, x: string, lastAxis: number): string {
  switch (name) {
    case 'linear': return x;
    case 'relu': return cx.op('Relu', [x]);
    // TF.js: minimum(6, relu(x)).
    case 'relu6': return cx.op('Clip', [x, cx.scalar(0, 'zero'), cx.scalar(6, 'six')], {}, 'relu6');
    case 'elu': return cx.op('Elu', [x], { alpha: attr.float(1) });
    // ONNX's defaults are the float32 roundings of TF's SELU constants; spelled out for clarity.
    case 'selu': return cx.op('Selu', [x], { alpha: attr.float(1.6732632423543772), gamma: attr.float(1.0507009873554805) });
    case 'sigmoid': return cx.op('Sigmoid', [x]);
    // TF.js: clip(0.2 x + 0.5, 0, 1), ONNX's HardSigmoid with these constants.
    case 'hardSigmoid': return cx.op('HardSigmoid', [x], { alpha: attr.float(0.2), beta: attr.float(0.5) });
    case 'softplus': return cx.op('Softplus', [x]);
    case 'softsign': return cx.op('Softsign', [x]);
    case 'tanh': return cx.op('Tanh', [x]);
    // Opset >= 13 Softmax normalises over one axis, like TF.js.
    case 'softmax': return cx.op('Softmax', [x], { axis: attr.int(lastAxis) });
    case 'logSoftmax': return cx.op('LogSoftmax', [x], { axis: attr.int(lastAxis) });
    // TF.js: sigmoid(x) * x. ONNX has no Swish before opset 24.
    case 'swish': return cx.op('Mul', [x, cx.op('Sigmoid', [x])], {}, 'swish');
    // TF.js: x * tanh(softplus(x)). ONNX Mish (opset 18) is not used, so every opset gets the same ops.
    case 'mish': return cx.op('Mul', [x, cx.op('Tanh', [cx.op('Softplus', [x])])], {}, 'mish');
    case 'gelu': return gelu(cx, x);
    case 'gelu_new': return geluTanh(cx, x);
  }
}

/** TF.js gelu: x * 0.5 * (1 + erf(x / sqrt 2)). ONNX Gelu from opset 20. */
function gelu(cx: Context, x: string): string {
  if (cx.opset >= 20) return cx.op('Gelu', [x], { approximate: attr.string('none') });
  const erf = cx.op('Erf', [cx.op('Div', [x, cx.scalar(Math.SQRT2, 'sqrt2')])]);
  const cdf = cx.op('Mul', [cx.scalar(0.5, 'half'), cx.op('Add', [cx.scalar(1, 'one'), erf])]);
  return cx.op('Mul', [x, cdf], {}, 'gelu');
}

/** TF.js gelu_new: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))). ONNX Gelu(approximate=tanh) from opset 20. */
function geluTanh(cx: Context, x: string): string {
  if (cx.opset >= 20) return cx.op('Gelu', [x], { approximate: attr.string('tanh') });
  const cube = cx.op('Mul', [x, cx.op('Mul', [x, x])]);
  const inner = cx.op('Add', [x, cx.op('Mul', [cx.scalar(0.044715, 'c'), cube])]);
  const t = cx.op('Tanh', [cx.op('Mul', [cx.scalar(Math.sqrt(2 / Math.PI), 'sqrt_2_pi'), inner])]);
  const onePlus = cx.op('Add', [cx.scalar(1, 'one'), t]);
  return cx.op('Mul', [cx.scalar(0.5, 'half'), cx.op('Mul', [x, onePlus])], {}, 'gelu_new');
}
