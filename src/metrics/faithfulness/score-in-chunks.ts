import type { EvaluationSubject, Perturbation } from '../subject.js';

/** Input values held at once when scoring: bounds memory whatever the image size (16 MB of float32). */
const VALUES_PER_CHUNK = 4_000_000;

/**
 * Scores `count` perturbations made on demand by `make`, in chunks whose perturbed inputs fit in bounded
 * memory, reporting progress over the whole count under `stage` through the subject's `onProgress`.
 */
export async function scoreInChunks(subject: EvaluationSubject, count: number, make: (index: number) => Perturbation,
  stage: string): Promise<Float64Array> {
  const rowSize = Math.max(1, subject.input(0).length);
  const chunk = Math.max(64, Math.min(8192, Math.floor(VALUES_PER_CHUNK / rowSize)));
  const out = new Float64Array(count);
  const report = subject.onProgress;
  try {
    for (let start = 0; start < count; start += chunk) {
      const end = Math.min(count, start + chunk);
      if (report) subject.onProgress = (done) => report(start + Math.min(done, end - start), count, stage);
      const perturbations = Array.from({ length: end - start }, (_, i) => make(start + i));
      out.set(await subject.score(perturbations), start);
      report?.(end, count, stage);
    }
  } finally {
    subject.onProgress = report;
  }
  return out;
}
