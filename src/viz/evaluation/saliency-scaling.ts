import { UsageError } from '../../errors.js';
import { percentile } from '../tabular/common.js';

export interface SaliencyScalingOptions {
  /** Show |value| on a sequential map (default true), or keep the sign on a diverging one. */
  absolute?: boolean;
  /** Values above this percentile of the map are clipped to the top colour, default 99. */
  clipPercentile?: number;
}

/**
 * A map scaled for display the way Adebayo et al. (2018) show saliency in their figures (the
 * grayscale visualisation of the PAIR saliency library): absolute values, shifted by the map's minimum
 * and divided by its 99th percentile (numpy's linear percentile), clipped to [0, 1]. Signed maps are
 * divided by the percentile of |value| and clipped to [-1, 1]. Each map is scaled on its own, so a
 * randomised model's weaker gradients still show their structure. Non-finite values stay NaN; a
 * constant map becomes all zeros.
 */
export function scaleSaliencyMap(map: ArrayLike<number>, options: SaliencyScalingOptions = {}): Float64Array {
  const absolute = options.absolute ?? true;
  const q = options.clipPercentile ?? 99;
  if (!(q > 0 && q <= 100)) throw new UsageError(`clip percentile ${q} is outside (0, 100]`, 'use a percentile such as 99');
  const values = Float64Array.from(map, (v) => (Number.isFinite(v) ? (absolute ? Math.abs(v) : v) : NaN));
  const finiteValues = Array.from(values).filter(Number.isFinite);
  const out = new Float64Array(values.length);
  if (finiteValues.length === 0) return out.fill(NaN);
  if (absolute) {
    const lo = finiteValues.reduce((a, b) => Math.min(a, b), Infinity);
    const hi = percentile(finiteValues, q);
    const span = hi - lo;
    for (let i = 0; i < values.length; i++) {
      out[i] = Number.isNaN(values[i]) ? NaN : span > 0 ? Math.min(1, Math.max(0, (values[i] - lo) / span)) : 0;
    }
  } else {
    const span = percentile(finiteValues.map(Math.abs), q);
    for (let i = 0; i < values.length; i++) {
      out[i] = Number.isNaN(values[i]) ? NaN : span > 0 ? Math.min(1, Math.max(-1, values[i] / span)) : 0;
    }
  }
  return out;
}
