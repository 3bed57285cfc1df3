import { GlassboxError } from '../../../errors.js';
import { floatAttr, stringAttr } from '../graph.js';
import { rescaleMultiplier } from './deeplift.js';
import { type BackwardContext, type GradientRule, gradOf, linearWhileOneVaries, registerGradient } from './registry.js';

type Derivative = (ctx: BackwardContext, x: string, y: string) => string;

/**
 * An elementwise y = f(x) of input 0: the backward is dy * f'(x), or, under DeepLIFT, dy times the
 * rescale multiplier (which falls back on f'(x) where input and reference agree).
 */
function unaryBackward(ctx: BackwardContext, derivative: Derivative): string {
  const { e, node } = ctx;
  const x = node.inputs[0];
  const y = node.outputs[0];
  const d = derivative(ctx, x, y);
  return e.mul(gradOf(ctx), ctx.rule.kind === 'deeplift' ? rescaleMultiplier(ctx, x, y, d) : d);
}

function unary(derivative: Derivative): GradientRule {
  return { differentiable: [0], deeplift: 'custom', backward: (ctx) => [unaryBackward(ctx, derivative)] };
}

/** A float constant of x's dtype. */
const k = (ctx: BackwardContext, value: number, like: string) => ctx.e.scalar(value, ctx.e.dtype(like));
/** 1 where the condition holds, else 0, in x's dtype. */
const indicator = (ctx: BackwardContext, cond: string, like: string) => ctx.e.cast(cond, ctx.e.dtype(like));
const positive = (ctx: BackwardContext, x: string) => ctx.e.op('Greater', [x, k(ctx, 0, x)]);

// ---- nonlinearities -------------------------------------------------------------------------

registerGradient('Relu', {
  differentiable: [0],
  deeplift: 'custom',
  backward(ctx) {
    const { e, node } = ctx;
    const x = node.inputs[0];
    // The mask from the output (y > 0 exactly where x > 0): the pre-activation need not be kept, so
    // onnxruntime can still fuse a Conv with its Relu. Derivative 0 at x = 0, as TF and PyTorch.
    // Mul by the cast mask runs about twice as fast as Where(mask, dy, 0) on onnxruntime's CPU provider.
    const mask = () => indicator(ctx, positive(ctx, node.outputs[0]), x);
    // The MaxPool reading this Relu's output alone has already applied the mask (see pool.ts).
    if (ctx.rule.kind === 'standard' && ctx.graph?.premasked.has(node.outputs[0])) return [gradOf(ctx)];
    // Guided backprop: only positive gradients pass, and only where the input was positive.
    if (ctx.rule.kind === 'guided-backprop') return [e.mul(e.op('Relu', [gradOf(ctx)]), mask())];
    if (ctx.rule.kind === 'standard') return [e.mul(gradOf(ctx), mask())];
    return [unaryBackward(ctx, () => indicator(ctx, positive(ctx, x), x))];
  },
});

registerGradient('LeakyRelu', unary((ctx, x) => {
  const alpha = floatAttr(ctx.node, 'alpha', 0.01);
  return ctx.e.where(positive(ctx, x), k(ctx, 1, x), k(ctx, alpha, x));
}));

registerGradient('ThresholdedRelu', unary((ctx, x) =>
  indicator(ctx, ctx.e.op('Greater', [x, k(ctx, floatAttr(ctx.node, 'alpha', 1), x)]), x)));

// y = x for x > 0, alpha (e^x - 1) below, whose derivative is y + alpha.
registerGradient('Elu', unary((ctx, x, y) => {
  const alpha = floatAttr(ctx.node, 'alpha', 1);
  return ctx.e.where(positive(ctx, x), k(ctx, 1, x), ctx.e.add(y, k(ctx, alpha, x)));
}));

registerGradient('Selu', unary((ctx, x, y) => {
  const alpha = floatAttr(ctx.node, 'alpha', 1.67326319217681884765625);
  const gamma = floatAttr(ctx.node, 'gamma', 1.05070102214813232421875);
  return ctx.e.where(positive(ctx, x), k(ctx, gamma, x), ctx.e.add(y, k(ctx, gamma * alpha, x)));
}));

registerGradient('Sigmoid', unary((ctx, _x, y) => ctx.e.mul(y, ctx.e.sub(k(ctx, 1, y), y))));
registerGradient('Tanh', unary((ctx, _x, y) => ctx.e.sub(k(ctx, 1, y), ctx.e.mul(y, y))));
registerGradient('Softplus', unary((ctx, x) => ctx.e.op('Sigmoid', [x])));
registerGradient('Softsign', unary((ctx, x) => {
  const { e } = ctx;
  const d = e.add(k(ctx, 1, x), e.op('Abs', [x]));
  return e.op('Reciprocal', [e.mul(d, d)]);
}));

// y = max(0, min(1, alpha x + beta)): slope alpha strictly inside the ramp.
registerGradient('HardSigmoid', unary((ctx, x) => {
  const { e, node } = ctx;
  const alpha = floatAttr(node, 'alpha', 0.2);
  const z = e.add(e.mul(x, k(ctx, alpha, x)), k(ctx, floatAttr(node, 'beta', 0.5), x));
  const inside = e.op('And', [e.op('Greater', [z, k(ctx, 0, x)]), e.op('Less', [z, k(ctx, 1, x)])]);
  return e.mul(indicator(ctx, inside, x), k(ctx, alpha, x));
}));

// y = x * relu6(x + 3) / 6: 0 below -3, 1 above 3, (2x + 3) / 6 between.
registerGradient('HardSwish', unary((ctx, x) => {
  const { e } = ctx;
  const ramp = e.div(e.add(e.add(x, x), k(ctx, 3, x)), k(ctx, 6, x));
  const below = e.op('Less', [x, k(ctx, -3, x)]);
  const above = e.op('Greater', [x, k(ctx, 3, x)]);
  return e.where(below, k(ctx, 0, x), e.where(above, k(ctx, 1, x), ramp));
}));

registerGradient('Exp', unary((_ctx, _x, y) => y));
registerGradient('Log', unary((ctx, x) => ctx.e.op('Reciprocal', [x])));
registerGradient('Sqrt', unary((ctx, _x, y) => ctx.e.div(k(ctx, 0.5, y), y)));
registerGradient('Reciprocal', unary((ctx, _x, y) => ctx.e.neg(ctx.e.mul(y, y))));
// Sign(0) = 0: the subgradient PyTorch and TF pick for |x| at 0.
registerGradient('Abs', unary((ctx, x) => ctx.e.op('Sign', [x])));
registerGradient('Sin', unary((ctx, x) => ctx.e.op('Cos', [x])));
registerGradient('Cos', unary((ctx, x) => ctx.e.neg(ctx.e.op('Sin', [x]))));
registerGradient('Erf', unary((ctx, x) => {
  const { e } = ctx;
  return e.mul(k(ctx, 2 / Math.sqrt(Math.PI), x), e.op('Exp', [e.neg(e.mul(x, x))]));
}));

/** d/dx of x Phi(x) = Phi(x) + x phi(x), or of the tanh approximation 0.5 x (1 + tanh(u)). */
function geluDerivative(ctx: BackwardContext, x: string, approximate: string): string {
  const { e } = ctx;
  const half = k(ctx, 0.5, x);
  const one = k(ctx, 1, x);
  if (approximate === 'tanh') {
    const c = Math.sqrt(2 / Math.PI);
    const x2 = e.mul(x, x);
    const u = e.mul(k(ctx, c, x), e.add(x, e.mul(k(ctx, 0.044715, x), e.mul(x2, x))));
    const t = e.op('Tanh', [u]);
    const du = e.mul(k(ctx, c, x), e.add(one, e.mul(k(ctx, 3 * 0.044715, x), x2)));
    return e.add(e.mul(half, e.add(one, t)), e.mul(e.mul(half, x), e.mul(e.sub(one, e.mul(t, t)), du)));
  }
  const cdf = e.mul(half, e.add(one, e.op('Erf', [e.mul(x, k(ctx, Math.SQRT1_2, x))])));
  const pdf = e.mul(k(ctx, 1 / Math.sqrt(2 * Math.PI), x), e.op('Exp', [e.mul(e.mul(x, x), k(ctx, -0.5, x))]));
  return e.add(cdf, e.mul(x, pdf));
}
registerGradient('Gelu', unary((ctx, x) => geluDerivative(ctx, x, stringAttr(ctx.node, 'approximate', 'none'))));
registerGradient('Gelu', unary((ctx, x) => geluDerivative(ctx, x, 'none')), 'com.microsoft');

// Bounds as attributes before opset 11, as optional inputs after. The gradient passes where
// min <= x <= max (both ends included, as PyTorch's clamp and TF's clip_by_value).
registerGradient('Clip', {
  differentiable: [0, 1, 2],
  deeplift: (ctx) => (ctx.needs[1] || ctx.needs[2] ? 'unsupported' : 'custom'),
  backward(ctx) {
    const { e, node } = ctx;
    const x = node.inputs[0];
    const bound = (i: number, name: string): string | undefined => {
      if (node.inputs[i]) return node.inputs[i];
      const a = node.attrs[name];
      return a && a.type === 'float' ? k(ctx, a.value, x) : undefined;
    };
    const min = bound(1, 'min');
    const max = bound(2, 'max');
    const below = min === undefined ? undefined : e.op('Less', [x, min]);
    const above = max === undefined ? undefined : e.op('Greater', [x, max]);
    const outside = below && above ? e.op('Or', [below, above]) : below ?? above;
    const dx = ctx.needs[0]
      ? unaryBackward(ctx, () => (outside ? indicator(ctx, e.op('Not', [outside]), x) : k(ctx, 1, x)))
      : null;
    const dy = gradOf(ctx);
    const zero = k(ctx, 0, x);
    const yShape = e.shape(node.outputs[0]);
    return [
      dx,
      ctx.needs[1] && below ? e.unbroadcast(e.where(below, dy, zero), yShape, node.inputs[1]) : null,
      ctx.needs[2] && above ? e.unbroadcast(e.where(above, dy, zero), yShape, node.inputs[2]) : null,
    ];
  },
});

registerGradient('PRelu', {
  deeplift: (ctx) => (ctx.needs[1] ? 'unsupported' : 'custom'),
  backward(ctx) {
    const { e, node } = ctx;
    const [x, slope] = node.inputs;
    const pos = positive(ctx, x);
    return [
      ctx.needs[0] ? unaryBackward(ctx, () => e.where(pos, k(ctx, 1, x), slope)) : null,
      ctx.needs[1] ? e.unbroadcast(e.where(pos, k(ctx, 0, x), e.mul(gradOf(ctx), x)), e.shape(x), slope) : null,
    ];
  },
});

// ---- arithmetic -----------------------------------------------------------------------------

/** Applies `grad(i)` to each input that needs a gradient, reduced over the axes it was broadcast along. */
function perInput(ctx: BackwardContext, grad: (i: number) => string): (string | null)[] {
  const yShape = ctx.e.shape(ctx.node.outputs[0]);
  return ctx.node.inputs.map((input, i) => (ctx.needs[i] ? ctx.e.unbroadcast(grad(i), yShape, input) : null));
}

registerGradient('Add', { deeplift: 'linear', backward: (ctx) => perInput(ctx, () => gradOf(ctx)) });
registerGradient('Sum', { deeplift: 'linear', backward: (ctx) => perInput(ctx, () => gradOf(ctx)) });
registerGradient('Sub', {
  deeplift: 'linear',
  backward: (ctx) => perInput(ctx, (i) => (i === 0 ? gradOf(ctx) : ctx.e.neg(gradOf(ctx)))),
});
registerGradient('Mean', {
  deeplift: 'linear',
  backward(ctx) {
    const scaled = ctx.e.div(gradOf(ctx), k(ctx, ctx.node.inputs.length, ctx.node.outputs[0]));
    return perInput(ctx, () => scaled);
  },
});
registerGradient('Neg', { deeplift: 'linear', backward: (ctx) => [ctx.e.neg(gradOf(ctx))] });

registerGradient('Mul', {
  deeplift: linearWhileOneVaries,
  backward(ctx) {
    const [a, b] = ctx.node.inputs;
    return perInput(ctx, (i) => ctx.e.mul(gradOf(ctx), i === 0 ? b : a));
  },
});

// d(a/b)/da = 1/b; d(a/b)/db = -a/b^2 = -y/b.
registerGradient('Div', {
  deeplift: (ctx) => (ctx.needs[1] ? 'unsupported' : 'linear'),
  backward(ctx) {
    const { e, node } = ctx;
    const [, b] = node.inputs;
    const dy = gradOf(ctx);
    return perInput(ctx, (i) => (i === 0 ? e.div(dy, b) : e.neg(e.div(e.mul(dy, node.outputs[0]), b))));
  },
});

// y = a^b: dy/da = b a^(b-1) (an elementwise nonlinearity of a when b is fixed); dy/db = y ln a.
registerGradient('Pow', {
  deeplift: (ctx) => (ctx.needs[1] ? 'unsupported' : 'custom'),
  backward(ctx) {
    const { e, node } = ctx;
    const [a, b] = node.inputs;
    const y = node.outputs[0];
    const bf = e.dtype(b) === e.dtype(a) ? b : e.cast(b, e.dtype(a));
    const yShape = e.shape(y);
    return [
      ctx.needs[0] ? unaryBackward(ctx, () => e.mul(bf, e.op('Pow', [a, e.sub(bf, k(ctx, 1, a))]))) : null,
      ctx.needs[1] ? e.unbroadcast(e.mul(gradOf(ctx), e.mul(y, e.op('Log', [a]))), yShape, b) : null,
    ];
  },
});

registerGradient('Where', {
  differentiable: [1, 2],
  deeplift: 'linear',
  backward(ctx) {
    const { e, node } = ctx;
    const [cond] = node.inputs;
    const dy = gradOf(ctx);
    const zero = k(ctx, 0, node.outputs[0]);
    return perInput(ctx, (i) => (i === 1 ? e.where(cond, dy, zero) : e.where(cond, zero, dy)));
  },
});

// The gradient goes to the first input holding the extreme value, as TF's Maximum gives ties to x.
function extremum(): GradientRule {
  return {
    deeplift: linearWhileOneVaries,
    backward(ctx) {
      const { e, node } = ctx;
      const y = node.outputs[0];
      const dy = gradOf(ctx);
      const zero = k(ctx, 0, y);
      let taken: string | undefined;
      const masks = node.inputs.map((x) => {
        const hit = e.op('Equal', [x, y]);
        const mine = taken ? e.op('And', [hit, e.op('Not', [taken])]) : hit;
        taken = taken ? e.op('Or', [taken, hit]) : hit;
        return mine;
      });
      return perInput(ctx, (i) => e.where(masks[i], dy, zero));
    },
  };
}
registerGradient('Max', extremum());
registerGradient('Min', extremum());

// ---- identities -------------------------------------------------------------------------------

const passThrough: GradientRule = { differentiable: [0], deeplift: 'linear', backward: (ctx) => [gradOf(ctx)] };
registerGradient('Identity', passThrough);

// Inference only: a training-mode dropout is random, and has no gradient worth explaining.
registerGradient('Dropout', {
  differentiable: [0],
  deeplift: 'linear',
  backward(ctx) {
    const { e, node } = ctx;
    const training = node.inputs[2];
    if (training) {
      const value = e.constantValue(training);
      if (!value || value.data[0]) {
        throw new GlassboxError(`Dropout node "${node.name}" may run in training mode`, 'export the model in inference mode (model.eval())');
      }
    }
    return [gradOf(ctx)];
  },
});

registerGradient('Cast', {
  differentiable: [0],
  deeplift: 'linear',
  backward: (ctx) => [ctx.e.cast(gradOf(ctx), ctx.e.dtype(ctx.node.inputs[0]))],
});
