import { TabularExplanation, type TabularExplanationData } from '../attribution/tabular-explanation.js';

/**
 * One explanation from the explanations of consecutive row chunks, in order: what explaining all the
 * rows in one call gives (standard errors only when every chunk has them, as for rows in one call).
 */
export function mergeExplanations(parts: TabularExplanationData[], timeMs: number): TabularExplanation {
  const first = parts[0];
  const allErrors = parts.every((p) => p.standardErrors);
  const allExtras = parts.every((p) => p.extras);
  const allDisplay = parts.every((p) => p.displayValues);
  return new TabularExplanation({
    method: first.method,
    params: first.params,
    model: first.model,
    target: first.target,
    output: first.output,
    featureNames: first.featureNames,
    values: parts.flatMap((p) => p.values),
    attributions: parts.flatMap((p) => p.attributions),
    baseValues: parts.flatMap((p) => p.baseValues),
    predictions: parts.flatMap((p) => p.predictions),
    ...(allErrors ? { standardErrors: parts.flatMap((p) => p.standardErrors!) } : {}),
    ...(allExtras ? { extras: parts.flatMap((p) => p.extras!) } : {}),
    ...(allDisplay ? { displayValues: parts.flatMap((p) => p.displayValues!) } : {}),
    timeMs,
  });
}
