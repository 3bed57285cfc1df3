import { UsageError } from '../../errors.js';
import type { MetricResultData } from '../../metrics/metric.js';
import type { EvaluationSummary } from './summary.js';

/** One explained row's maps under the original model and after each randomisation step. */
export interface RandomisationExample {
  /** The explained row. */
  row: number;
  /** A name per map, "original" first. */
  steps: string[];
  /** Per step, the explanation per feature, row-major over `featureShape` (NaN, or null from JSON, where undefined). */
  maps: (number | null)[][];
  /** [height, width] of the maps. */
  featureShape: [number, number];
  /** The input itself for the picture's first column: one value per feature, or per feature and channel (channels last). */
  input?: (number | null)[];
}

function isNumberList(v: unknown): v is (number | null)[] {
  return Array.isArray(v) && v.every((x) => x === null || typeof x === 'number');
}

/**
 * The maps a randomisation result keeps for pictures (`details.examples`), checked: every map has
 * height x width values and there is one step name per map ("original" is put first when the
 * names leave it out).
 */
export function randomisationExamples(result: MetricResultData): RandomisationExample[] {
  const raw = result.details?.examples;
  const where = `the ${result.metric} result of ${result.method}`;
  const hint = 'pass the result of the model-parameter randomisation metric, which keeps example maps in details.examples';
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) throw new UsageError(`${where} has details.examples that is not a list`, hint);
  return raw.map((e, i) => {
    if (typeof e !== 'object' || e === null || Array.isArray(e)) throw new UsageError(`example ${i} of ${where} is not an object`, hint);
    const { row, steps, maps, featureShape, input } = e as Record<string, unknown>;
    if (!Array.isArray(maps) || !maps.every(isNumberList)) throw new UsageError(`example ${i} of ${where} has no maps (a list of number lists)`, hint);
    if (!Array.isArray(featureShape) || featureShape.length !== 2 || !featureShape.every((d) => Number.isInteger(d) && (d as number) > 0)) {
      throw new UsageError(`example ${i} of ${where} has featureShape ${JSON.stringify(featureShape)}, not [height, width]`,
        'the randomisation pictures draw image maps; give featureShape as [height, width]');
    }
    const [h, w] = featureShape as [number, number];
    maps.forEach((m, k) => {
      if (m.length !== h * w) throw new UsageError(`map ${k} of example ${i} of ${where} has ${m.length} values, but featureShape ${h} x ${w} needs ${h * w}`, hint);
    });
    let names = Array.isArray(steps) && steps.every((s) => typeof s === 'string') ? [...steps] as string[] : undefined;
    let kept = maps as (number | null)[][];
    if (names && names.length === maps.length - 1) {
      // One map more than names: either the names leave out "original", or the maps start with the stored
      // explanation before the step "original" (the method re-run on the unchanged model), which repeats it.
      if (names[0] === 'original') kept = kept.slice(1);
      else names = ['original', ...names];
    }
    if (!names || names.length !== kept.length) {
      throw new UsageError(`example ${i} of ${where} has ${maps.length} maps but ${Array.isArray(steps) ? steps.length : 'no'} step names`, 'give one step name per map, "original" first');
    }
    if (input !== undefined && !(isNumberList(input) && input.length % (h * w) === 0 && [1, 3, 4].includes(input.length / (h * w)))) {
      throw new UsageError(`example ${i} of ${where} has an input that is not ${h} x ${w} values (times 1, 3 or 4 channels)`, 'give the input as flat numbers, channels last, or leave it out');
    }
    return {
      row: typeof row === 'number' ? row : i,
      steps: names,
      maps: kept,
      featureShape: [h, w],
      input: input as (number | null)[] | undefined,
    };
  });
}

/** Whether a result kept example maps of pictures ([height, width] features; tabular rows have one dimension and no grid). */
function hasImageExamples(r: MetricResultData): boolean {
  const examples = r.details?.examples;
  return Array.isArray(examples) && examples.length > 0 && examples.every((e) => {
    const shape = typeof e === 'object' && e !== null && !Array.isArray(e) ? e.featureShape : undefined;
    return Array.isArray(shape) && shape.length === 2;
  });
}

/** The randomisation metrics of a summary that kept example maps of images, in the summary's order. */
export function randomisationMetrics(summary: EvaluationSummary): string[] {
  return summary.metrics
    .filter((m) => summary.results.some((r) => r.metric === m.name && hasImageExamples(r)))
    .map((m) => m.name);
}

/** The randomisation metrics of a summary with a similarity curve over named steps. */
export function similarityMetrics(summary: EvaluationSummary): string[] {
  return summary.metrics
    .filter((m) => m.category === 'randomisation'
      && summary.results.some((r) => r.metric === m.name && r.curves !== undefined && r.curves.x.length > 0 && r.curves.x.every((x) => typeof x === 'string')))
    .map((m) => m.name);
}
