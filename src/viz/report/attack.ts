/**
 * The `glassbox attack --format html` page: per attacked input, the clean input, the adversarial one,
 * the perturbation (amplified to the full grey range), the clean and the adversarial explanation side
 * by side, the class probabilities before and after, and, for a sweep, accuracy against epsilon.
 */
import type { AttackResultData } from '../../adversarial/types.js';
import type { EpsilonSweep } from '../../adversarial/epsilon-sweep.js';
import type { ExplanationShift } from '../../adversarial/explanation-shift.js';
import { UsageError } from '../../errors.js';
import type { ImagePreprocessing } from '../../models/preprocessing.js';
import { renderHeatmap } from '../heatmap.js';
import { displayFactor, imageFromInput, imageGeometry, upscaleNearest, type Image } from '../image.js';
import { pngDataUri } from '../png.js';
import { BLUE, GRID, INK, LinearScale, MUTED, RED, drawXAxis, drawYAxis, niceTicks } from '../tabular/common.js';
import { Svg, num } from '../tabular/svg.js';
import { BASE_CSS, escapeHtml, htmlPage } from './page.js';

export interface AttackReportInput {
  /** The attack, with its adversarial inputs; absent for a sweep alone. */
  attack?: AttackResultData;
  /** The clean inputs the attack started from, flat, in the attack's shape. */
  clean?: Float32Array;
  /** Names of the attacked inputs (file names), one per row. */
  names?: string[];
  /** How the model's inputs become pictures. */
  preprocessing?: ImagePreprocessing;
  shift?: ExplanationShift;
  sweep?: EpsilonSweep;
  /** Where the sweep's rows came from, for its caption. */
  sweepSource?: string;
  model: string;
  classNames?: string[];
  /** Rows shown at most (the JSON has them all). Default 16. */
  maxRows?: number;
  date?: Date;
}

const DISPLAY = 168;

const CSS = `
:root { --ink: ${INK}; --muted: ${MUTED}; --line: #dddddd; }
.row { display: flex; flex-wrap: wrap; gap: 14px; align-items: flex-start; }
figure { margin: 0; }
figure img { display: block; image-rendering: pixelated; border: 1px solid var(--line); }
figcaption { max-width: ${DISPLAY}px; }
.probs { font-size: 12px; border-collapse: collapse; }
.probs td { padding: 1px 6px 1px 0; border: none; }
.bar { display: inline-block; height: 9px; vertical-align: middle; }
.clean { background: ${BLUE}; }
.adv { background: ${RED}; }
.ok { color: #1a7f37; font-weight: 600; }
.fail { color: ${RED}; font-weight: 600; }
`;

export function renderAttackReport(input: AttackReportInput): string {
  const sections: string[] = [];
  const attack = input.attack;
  if (attack) {
    if (!input.clean || input.clean.length !== attack.adversarial.length) {
      throw new UsageError('the report needs the clean inputs the attack started from', 'pass clean with as many values as the adversarial inputs');
    }
    sections.push(summarySection(attack, input.shift));
    const shown = Math.min(attack.shape[0], input.maxRows ?? 16);
    for (let r = 0; r < shown; r++) sections.push(rowSection(input, attack, r));
    if (shown < attack.shape[0]) sections.push(`<section><p class="muted">${attack.shape[0] - shown} more rows are in results.json.</p></section>`);
  }
  if (input.sweep) sections.push(sweepSection(input.sweep, input.sweepSource));
  const title = attack ? `${attack.method.toUpperCase()} attack on ${input.model}` : `Epsilon sweep on ${input.model}`;
  return htmlPage({ title, css: BASE_CSS + CSS, subtitle: attack ? describeAttack(attack) : describeSweep(input.sweep!), body: sections.join('\n'), date: input.date });
}

function describeAttack(a: AttackResultData): string {
  const norm = a.norm === 'linf' ? 'L-inf' : 'L2';
  const pgd = a.method === 'pgd' ? `, ${a.params.steps} steps of ${num(Number(a.params.stepSize))}${a.params.randomStart ? ', random start' : ''}` : '';
  return `${norm} epsilon ${a.epsilon}, ${a.targeted ? 'targeted' : 'untargeted'}, range [${a.range.join(', ')}]${pgd}.`;
}

function describeSweep(s: EpsilonSweep): string {
  return `${s.method.toUpperCase()}, ${s.norm === 'linf' ? 'L-inf' : 'L2'}, ${s.count} labelled inputs.`;
}

function summarySection(a: AttackResultData, shift: ExplanationShift | undefined): string {
  const rows = a.shape[0];
  const succeeded = a.success.filter(Boolean).length;
  const mean = (xs: number[]) => xs.reduce((s, v) => s + v, 0) / xs.length;
  const cells = [
    ['rows attacked', String(rows)],
    [a.targeted ? 'reached their target' : 'changed class', `${succeeded} of ${rows}`],
    ['mean L-inf size of the perturbation', mean(a.perturbationNorms.linf).toFixed(4)],
    ['mean L2 size of the perturbation', mean(a.perturbationNorms.l2).toFixed(4)],
  ];
  if (shift) {
    cells.push(
      [`explanation (${shift.method}) Spearman correlation, clean vs adversarial`, formatMeasure(shift.mean.spearman)],
      [`top-${shift.topK} intersection`, formatMeasure(shift.mean.topKIntersection)],
      ['L2 distance of the unit-length maps (0 to 2)', formatMeasure(shift.mean.l2Distance)],
    );
  }
  return `<section><h2>Summary</h2><table>${cells.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td class="num">${escapeHtml(v)}</td></tr>`).join('')}</table></section>`;
}

function formatMeasure(v: number): string {
  return Number.isFinite(v) ? v.toFixed(3) : 'undefined (a constant map)';
}

function rowSection(input: AttackReportInput, a: AttackResultData, r: number): string {
  const rowShape = a.shape.slice(1);
  const size = a.adversarial.length / a.shape[0];
  const clean = input.clean!.subarray(r * size, (r + 1) * size);
  const adversarial = a.adversarial.subarray(r * size, (r + 1) * size);
  const prep = input.preprocessing;
  let cleanImage: Image;
  let advImage: Image;
  try {
    cleanImage = imageFromInput({ shape: rowShape, data: clean }, prep);
    advImage = imageFromInput({ shape: rowShape, data: adversarial }, prep);
  } catch {
    throw new UsageError(`inputs of shape [${rowShape.join(', ')}] are not images, and the html report draws images`, 'use --format json');
  }
  const factor = displayFactor(cleanImage.width, cleanImage.height, DISPLAY);
  const big = (img: Image) => upscaleNearest(img, factor);
  const maxDelta = a.perturbationNorms.linf[r];
  const figures = [
    figure(big(cleanImage), 'clean input', `class ${className(input, a.prediction[r])}`),
    figure(big(advImage), 'adversarial input', `class ${className(input, a.adversarialPrediction[r])}`),
    figure(big(perturbationImage(clean, adversarial, rowShape, prep?.layout, maxDelta)), 'perturbation',
      `amplified: grey is 0, black and white are -/+ ${maxDelta.toPrecision(3)} (L2 ${a.perturbationNorms.l2[r].toPrecision(3)})`),
  ];
  const shift = input.shift;
  if (shift) {
    const heat = (values: number[], image: Image) => renderHeatmap({ shape: shift.featureShape, data: Float32Array.from(values) },
      { method: 'blended_heat_map', image: toGrey(image, shift.featureShape), sign: 'all', displaySize: DISPLAY }).image;
    figures.push(
      figure(heat(shift.clean[r], cleanImage), `${shift.method}, clean`, `explains class ${className(input, shift.cleanTargets[r])}`),
      figure(heat(shift.adversarial[r], advImage), `${shift.method}, adversarial`,
        `explains class ${className(input, shift.adversarialTargets[r])}; Spearman ${formatMeasure(shift.spearman[r])}, top-${shift.topK} ${formatMeasure(shift.topKIntersection[r])}`),
    );
  }
  const name = input.names?.[r] ?? `row ${r}`;
  const verdict = a.success[r] ? `<span class="ok">${a.targeted ? 'reached the target' : 'class changed'}</span>` : `<span class="fail">${a.targeted ? 'target not reached' : 'class kept'}</span>`;
  const goal = a.targeted ? `towards class ${className(input, a.classes[r])}` : `away from class ${className(input, a.classes[r])}`;
  return `<section><h2>${escapeHtml(name)}: ${escapeHtml(className(input, a.prediction[r]))} &rarr; ${escapeHtml(className(input, a.adversarialPrediction[r]))}</h2>
<p class="muted">${escapeHtml(goal)}: ${verdict}</p>
<div class="row">${figures.join('')}${probabilityTable(input, a.probabilities[r], a.adversarialProbabilities[r])}</div></section>`;
}

function className(input: AttackReportInput, k: number): string {
  const name = input.classNames?.[k];
  return name !== undefined && name !== String(k) ? `${k} (${name})` : String(k);
}

function figure(image: Image, title: string, caption: string): string {
  return `<figure><h3>${escapeHtml(title)}</h3><img src="${pngDataUri(image)}" width="${image.width}" height="${image.height}" alt="${escapeHtml(title)}"><figcaption>${escapeHtml(caption)}</figcaption></figure>`;
}

/** The heat map's blend needs the picture at the map's size, in grey or colour. */
function toGrey(image: Image, featureShape: number[]): Image {
  if (featureShape.length !== 2 || featureShape[0] !== image.height || featureShape[1] !== image.width) {
    throw new UsageError(`explanations of shape [${featureShape.join(', ')}] do not match ${image.width} x ${image.height} images`, 'use a method whose attributions have the input\'s shape');
  }
  return image;
}

/** adversarial - clean per value as grey 128 +- 127 * delta / max |delta| (each channel its own). */
function perturbationImage(clean: Float32Array, adversarial: Float32Array, rowShape: number[], layout: 'NHWC' | 'NCHW' | undefined, maxDelta: number): Image {
  const geo = imageGeometry(rowShape, layout);
  const channels = geo.channels >= 3 ? 3 : 1;
  const data = new Uint8Array(geo.width * geo.height * channels);
  for (let y = 0; y < geo.height; y++) {
    for (let x = 0; x < geo.width; x++) {
      for (let c = 0; c < channels; c++) {
        const i = geo.index(y, x, c);
        const d = maxDelta > 0 ? (adversarial[i] - clean[i]) / maxDelta : 0;
        data[(y * geo.width + x) * channels + c] = Math.max(0, Math.min(255, Math.round(128 + 127 * d)));
      }
    }
  }
  return { width: geo.width, height: geo.height, channels, data };
}

function probabilityTable(input: AttackReportInput, before: number[], after: number[]): string {
  // Every class for up to 10, else the 10 likeliest before or after.
  const order = before.map((_, k) => k);
  const shown = order.length <= 10 ? order
    : order.sort((i, j) => Math.max(before[j], after[j]) - Math.max(before[i], after[i])).slice(0, 10).sort((i, j) => i - j);
  const bar = (p: number, kind: string) => `<span class="bar ${kind}" style="width:${Math.round(p * 80)}px"></span> ${p.toFixed(3)}`;
  const rows = shown.map((k) => `<tr><td>${escapeHtml(className(input, k))}</td><td>${bar(before[k], 'clean')}</td><td>${bar(after[k], 'adv')}</td></tr>`);
  return `<figure><h3>probabilities</h3><table class="probs"><tr><th>class</th><th>clean</th><th>adversarial</th></tr>${rows.join('')}</table></figure>`;
}

function sweepSection(sweep: EpsilonSweep, source: string | undefined): string {
  const rows = sweep.epsilons.map((e, i) => `<tr><td class="num">${e}</td><td class="num">${(100 * sweep.accuracy[i]).toFixed(1)}%</td><td class="num">${(100 * sweep.flipRate[i]).toFixed(1)}%</td></tr>`);
  return `<section><h2>Accuracy against epsilon</h2>
<p class="muted">${escapeHtml(`${sweep.method.toUpperCase()} (${sweep.norm === 'linf' ? 'L-inf' : 'L2'}) away from the true label of each of ${sweep.count} inputs${source ? ` from ${source}` : ''}; epsilon 0 is the clean accuracy.`)}</p>
<div class="row">${sweepChart(sweep)}<table><tr><th>epsilon</th><th>accuracy</th><th>correct rows flipped</th></tr>${rows.join('')}</table></div></section>`;
}

/** Accuracy (0 to 100%) against epsilon as an SVG line with markers, epsilons in increasing order. */
export function sweepChart(sweep: EpsilonSweep, size: { width?: number; height?: number } = {}): string {
  const width = size.width ?? 520;
  const height = size.height ?? 320;
  const order = sweep.epsilons.map((_, i) => i).sort((i, j) => sweep.epsilons[i] - sweep.epsilons[j]);
  const xs = order.map((i) => sweep.epsilons[i]);
  const ys = order.map((i) => sweep.accuracy[i]);
  const left = 64;
  const right = width - 20;
  const top = 20;
  const bottom = height - 50;
  const svg = new Svg(width, height, `accuracy against epsilon (${sweep.method})`);
  const hi = Math.max(...xs);
  const sx = new LinearScale(0, hi > 0 ? hi : 1, left, right);
  const sy = new LinearScale(0, 1, bottom, top);
  for (const t of niceTicks(0, 1, 5)) svg.line(left, sy.map(t), right, sy.map(t), { stroke: GRID });
  svg.polyline(xs.map((x, k) => [sx.map(x), sy.map(ys[k])] as const), { stroke: RED, 'stroke-width': 2.5, 'stroke-linejoin': 'round', class: 'accuracy' });
  xs.forEach((x, k) => svg.circle(sx.map(x), sy.map(ys[k]), 4, { fill: RED, class: 'point' }));
  drawXAxis(svg, sx, bottom + 4, { label: `epsilon (${sweep.norm === 'linf' ? 'L-inf' : 'L2'})` });
  drawYAxis(svg, sy, left - 4, { label: 'accuracy', labelX: 16, ticks: niceTicks(0, 1, 5) });
  return svg.toString();
}
