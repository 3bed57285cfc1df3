import { UsageError } from '../errors.js';
import type { AttentionMaps, TokenMatrix } from './types.js';

/*
 * Shape checks shared by the attention methods: a wrong layout fails here with what is wrong and
 * how to fix it, not as NaNs three functions later.
 */

/** Throws a UsageError unless `maps` is internally consistent (sizes, tokens, finite non-negative weights). */
export function checkAttentionMaps(maps: AttentionMaps, what = 'attention maps'): void {
  const { layers, heads, length } = maps;
  for (const [name, v] of [['layers', layers], ['heads', heads], ['length', length]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new UsageError(`the ${what} have ${name} = ${v}`, `${name} must be a positive integer`);
  }
  if (!Array.isArray(maps.tokens) || maps.tokens.length !== length) {
    throw new UsageError(`the ${what} have ${maps.tokens?.length ?? 0} tokens for length ${length}`, 'give one token string per position');
  }
  const expected = layers * heads * length * length;
  if (!(maps.weights instanceof Float32Array) || maps.weights.length !== expected) {
    throw new UsageError(`the ${what} hold ${maps.weights?.length ?? 0} weights, expected layers x heads x length x length = ${expected}`,
      'lay the weights out as [layer][head][query][key] in one Float32Array');
  }
  const w = maps.weights;
  for (let i = 0; i < w.length; i++) {
    const v = w[i];
    if (!(v >= 0) || v === Infinity) {
      const n = length * length;
      const l = Math.floor(i / (heads * n));
      const h = Math.floor(i / n) % heads;
      const q = Math.floor(i / length) % length;
      throw new UsageError(`the ${what} hold ${v} at layer ${l}, head ${h}, query ${q}, key ${i % length}`,
        'attention weights are probabilities: pass the softmax output, not logits');
    }
  }
}

export function checkLayer(maps: { layers: number }, layer: number): void {
  if (!Number.isInteger(layer) || layer < 0 || layer >= maps.layers) {
    throw new UsageError(`layer ${layer} is out of range: the model has ${maps.layers} layers`, `pick a layer from 0 to ${maps.layers - 1}`);
  }
}

export function checkHead(maps: { heads: number }, head: number): void {
  if (!Number.isInteger(head) || head < 0 || head >= maps.heads) {
    throw new UsageError(`head ${head} is out of range: each layer has ${maps.heads} heads`, `pick a head from 0 to ${maps.heads - 1}`);
  }
}

export function checkPosition(length: number, position: number, what = 'position'): void {
  if (!Number.isInteger(position) || position < 0 || position >= length) {
    throw new UsageError(`${what} ${position} is out of range: the input has ${length} tokens`, `pick a position from 0 to ${length - 1}`);
  }
}

export function checkTokenMatrix(m: TokenMatrix, what = 'token matrix'): void {
  if (!Number.isInteger(m.length) || m.length < 1 || m.tokens.length !== m.length || m.values.length !== m.length * m.length) {
    throw new UsageError(`the ${what} is not length x length (length ${m.length}, ${m.tokens.length} tokens, ${m.values.length} values)`,
      'give one token per position and length * length values, row = query');
  }
}

/**
 * The largest |row sum - 1| over every layer, head and query, and whether any weight sits above the
 * diagonal (a key after its query). Models check their softmax outputs with it; tests too.
 */
export function attentionRowError(maps: AttentionMaps): { maxRowError: number; maxFutureWeight: number } {
  const n = maps.length;
  let maxRowError = 0;
  let maxFutureWeight = 0;
  for (let r = 0; r < maps.layers * maps.heads * n; r++) {
    const q = r % n;
    let s = 0;
    for (let k = 0; k < n; k++) {
      const v = maps.weights[r * n + k];
      s += v;
      if (k > q && v > maxFutureWeight) maxFutureWeight = v;
    }
    maxRowError = Math.max(maxRowError, Math.abs(s - 1));
  }
  return { maxRowError, maxFutureWeight };
}
