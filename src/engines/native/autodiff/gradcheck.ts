/**
 * Checks a graph's backward pass against central finite differences of its forward pass, both run on
 * onnxruntime (as torch.autograd.gradcheck does for PyTorch). For tests and for vetting a new rule.
 */
import type { Graph, TensorValue } from '../graph.js';
import { OnnxSession } from '../runtime.js';
import { type BackwardRuleOption, buildGradientGraph } from './index.js';

export interface GradCheckOptions {
  /** The value whose weighted sum is differentiated. */
  output: string;
  /** Every graph input. */
  feeds: Record<string, TensorValue>;
  /** The cotangent: sum(weights * output) is the function checked. */
  weights: TensorValue;
  /** Inputs to check. Default: every floating-point feed. */
  wrt?: string[];
  /** Finite-difference step. Default 1e-6 in float64, 1e-2 in float32 (scaled by max(1, |x|)). */
  step?: number;
  rule?: BackwardRuleOption;
}

export interface GradCheckResult {
  /** The backward graph's gradient per checked input. */
  analytic: Record<string, Float64Array>;
  /** Central differences per checked input. */
  numeric: Record<string, Float64Array>;
  /** max |analytic - numeric| / max(|numeric|, 1e-3) over all checked inputs. */
  error: number;
}

const isFloatTensor = (t: TensorValue) => t.data instanceof Float32Array || t.data instanceof Float64Array;

/** Copies a float tensor with one element changed. */
function withElement(t: TensorValue, index: number, value: number): TensorValue {
  const data = t.data.slice() as Float32Array | Float64Array;
  data[index] = value;
  return { ...t, data };
}

export async function gradCheck(graph: Graph, options: GradCheckOptions): Promise<GradCheckResult> {
  const wrt = options.wrt ?? Object.keys(options.feeds).filter((k) => isFloatTensor(options.feeds[k]));
  const built = buildGradientGraph(graph, { output: options.output, inputs: wrt, rule: options.rule });
  const backward = await OnnxSession.create(built.graph, { threads: 1 });
  const forward = await OnnxSession.create(graph, { threads: 1 });
  try {
    const result = await backward.run({ ...options.feeds, [built.outputWeights]: options.weights }, Object.values(built.gradients));
    const weights = options.weights.data as Float32Array | Float64Array;
    const objective = async (feeds: Record<string, TensorValue>) => {
      const y = (await forward.run(feeds, [options.output]))[options.output].data as Float32Array | Float64Array;
      let sum = 0;
      for (let i = 0; i < y.length; i++) sum += y[i] * weights[i];
      return sum;
    };
    const analytic: Record<string, Float64Array> = {};
    const numeric: Record<string, Float64Array> = {};
    let worst = 0;
    for (const name of wrt) {
      const x = options.feeds[name];
      const data = x.data as Float32Array | Float64Array;
      const base = options.step ?? (x.dtype === 'float64' ? 1e-6 : 1e-2);
      const fd = new Float64Array(data.length);
      for (let i = 0; i < data.length; i++) {
        // The step actually taken, as the dtype rounds it.
        const up = withElement(x, i, data[i] + base * Math.max(1, Math.abs(data[i])));
        const down = withElement(x, i, data[i] - base * Math.max(1, Math.abs(data[i])));
        const h = (up.data[i] as number) - (down.data[i] as number);
        fd[i] = ((await objective({ ...options.feeds, [name]: up })) - (await objective({ ...options.feeds, [name]: down }))) / h;
      }
      const grad = Float64Array.from(result[built.gradients[name]].data as Float32Array | Float64Array);
      analytic[name] = grad;
      numeric[name] = fd;
      let scale = 1e-3;
      for (const v of fd) scale = Math.max(scale, Math.abs(v));
      for (let i = 0; i < fd.length; i++) worst = Math.max(worst, Math.abs(grad[i] - fd[i]) / scale);
    }
    return { analytic, numeric, error: worst };
  } finally {
    await backward.release();
    await forward.release();
  }
}
