import { join } from 'node:path';
import type { TokenAttribution } from '../attention/types.js';
import { textInputXGradient } from '../attribution/text/input-x-gradient.js';
import { textIntegratedGradients } from '../attribution/text/integrated-gradients.js';
import { textKernelShap } from '../attribution/text/kernel-shap.js';
import { textLime } from '../attribution/text/lime.js';
import { textOcclusion } from '../attribution/text/occlusion.js';
import { textSaliency } from '../attribution/text/saliency.js';
import { UsageError } from '../errors.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import { directLogitAttribution, type LogitComponent } from '../lens/direct-logit-attribution.js';
import { logitLens } from '../lens/logit-lens.js';
import type { LogitLens } from '../attention/types.js';
import { BASE_CSS, escapeHtml, htmlPage } from '../viz/report/page.js';
import { svgToPng } from '../viz/tabular/png.js';
import { headViewHtml } from '../viz/text/head-view.js';
import { HIGHLIGHT_CSS, tokenHighlightHtml, tokenHighlightSvg } from '../viz/text/highlight.js';
import { logitLensSvg } from '../viz/text/lens.js';
import { logitAttributionSvg } from '../viz/text/logit-attribution.js';
import { displayToken } from '../viz/text/common.js';
import { intOption, stringOption, type ParsedOptions } from './args.js';
import type { CommandIo } from './attribute.js';
import { TEXT_METHOD_NAMES, type TextMethodName } from './text-attribute.js';
import { loadTextModel, toJson, type TextModel } from './text-model.js';

/** The default methods: two gradient, one perturbation and two sampling ones (saliency only on request: unsigned). */
export const DEFAULT_TEXT_EXPLAIN_METHODS: readonly TextMethodName[] = ['integrated-gradients', 'input-x-gradient', 'occlusion', 'lime', 'kernel-shap'];
/** Coalitions for lime and kernel-shap: enough for a stable ranking of a short message, a few seconds on the spam model. */
const DEFAULT_SAMPLES = 200;
const DEFAULT_STEPS = 32;
const DLA_TOP = 10;

/** The prediction the report explains. */
export interface TextPrediction {
  /** Class index (classifier) or next-token id (language model). */
  target: number;
  targetName: string;
  /** Softmax probability of the target. */
  probability: number;
  /** Classifier: every class with its probability; language model: the top 5 next tokens. */
  outputs: { name: string; id: number; probability: number }[];
}

/** results.json of `explain --text`. */
export interface TextExplainOutput {
  model: string;
  kind: TextModel['kind'];
  text: string;
  tokens: string[];
  ids: number[];
  prediction: TextPrediction;
  methods: TokenAttribution[];
  logitLens?: LogitLens;
  directLogitAttribution?: { position: number; target: number; contrast?: number; logit: number; constant: number; error: number; top: LogitComponent[] };
}

function parseTextMethods(raw: string | undefined): TextMethodName[] {
  if (raw === undefined) return [...DEFAULT_TEXT_EXPLAIN_METHODS];
  const names = raw.split(',').map((s) => s.trim()).filter(Boolean);
  if (names.length === 0) throw new UsageError('--methods is empty', `name one or more of: ${TEXT_METHOD_NAMES.join(', ')}`);
  for (const n of names) {
    if (!(TEXT_METHOD_NAMES as readonly string[]).includes(n)) {
      throw new UsageError(`"${n}" in --methods is not a text method`, `for --text choose from: ${TEXT_METHOD_NAMES.join(', ')}`);
    }
  }
  return [...new Set(names)] as TextMethodName[];
}

function softmax(logits: Float32Array): number[] {
  const max = Math.max(...logits);
  const e = Array.from(logits, (v) => Math.exp(v - max));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / sum);
}

function predictionOf(model: TextModel): TextPrediction {
  const { transformer, tokens } = model;
  const logits = transformer.run(tokens).logits;
  const probs = softmax(logits[logits.length - 1]);
  const order = probs.map((p, i) => [p, i] as const).sort((a, b) => b[0] - a[0]);
  const target = order[0][1];
  const classNames = transformer.config.classifier?.classNames;
  const name = (id: number) => (model.kind === 'classifier' ? classNames?.[id] ?? `class ${id}` : transformer.tokenName(id));
  const kept = model.kind === 'classifier' ? order : order.slice(0, 5);
  return {
    target, targetName: name(target), probability: probs[target],
    outputs: kept.map(([p, i]) => ({ name: name(i), id: i, probability: p })),
  };
}

/** Runs one token method with the report's defaults (the same calls as `attribute --text`). */
async function runMethod(method: TextMethodName, model: TextModel, flags: ParsedOptions): Promise<TokenAttribution> {
  const { transformer, tokens, fixed } = model;
  const target = { target: intOption(flags, 'target', { min: 0 }) };
  const samples = intOption(flags, 'samples', { min: 2 }) ?? DEFAULT_SAMPLES;
  const seed = intOption(flags, 'seed', { min: 0 }) ?? 0;
  switch (method) {
    case 'saliency': return textSaliency(transformer, tokens, target);
    case 'input-x-gradient': return textInputXGradient(transformer, tokens, target);
    case 'integrated-gradients':
      return textIntegratedGradients(transformer, tokens, {
        ...target, steps: intOption(flags, 'steps', { min: 1 }) ?? DEFAULT_STEPS, baseline: 'pad', specials: model.specials, keep: fixed,
      });
    case 'occlusion': return textOcclusion(transformer, tokens, { ...target, absence: 'remove', fixed });
    case 'lime': return textLime(transformer, tokens, { ...target, numSamples: samples, seed, absence: 'remove', fixed });
    case 'kernel-shap': return textKernelShap(transformer, tokens, { ...target, nsamples: samples, seed, absence: 'remove', fixed });
  }
}

const fmt = (v: number) => (Math.abs(v) >= 0.01 || v === 0 ? v.toFixed(3) : v.toExponential(2));

/** Top tokens by |score| per method, one column per method. */
function topTokensTable(results: readonly TokenAttribution[], k: number): string {
  const columns = results.map((r) => r.scores.map((s, i) => [s, i] as const).sort((a, b) => Math.abs(b[0]) - Math.abs(a[0])).slice(0, k));
  const rows = Array.from({ length: Math.min(k, results[0]?.tokens.length ?? 0) }, (_, rank) => `<tr><td class="num">${rank + 1}</td>${columns.map((col, m) => {
    const cell = col[rank];
    if (!cell) return '<td></td><td></td>';
    const [score, i] = cell;
    const colour = score >= 0 ? '#b2182b' : '#2166ac';
    return `<td><code>${escapeHtml(displayToken(results[m].tokens[i]).text)}</code></td><td class="num" style="color:${colour}">${fmt(score)}</td>`;
  }).join('')}</tr>`);
  return `<table class="top"><thead><tr><th>#</th>${results.map((r) => `<th colspan="2">${escapeHtml(r.method)}</th>`).join('')}</tr></thead><tbody>${rows.join('\n')}</tbody></table>`;
}

/** `explain --text`: report.html, attention.html, highlights.png and results.json in `outDir`. */
export async function runTextExplain(flags: ParsedOptions, io: CommandIo, outDir: string): Promise<number> {
  if (stringOption(flags, 'input') !== undefined) {
    throw new UsageError('--text was given with --input', 'give one input: --text for text models, --input for images, --data for tables');
  }
  const methods = parseTextMethods(stringOption(flags, 'methods'));
  const text = stringOption(flags, 'text') ?? '';
  const model = await loadTextModel(flags, io.warn);
  try {
    const prediction = predictionOf(model);
    const target = intOption(flags, 'target', { min: 0 }) ?? prediction.target;
    const results: TokenAttribution[] = [];
    for (const m of methods) results.push(await runMethod(m, model, flags));
    const run = model.transformer.run(model.tokens, { attentions: true });
    const maps = run.attentions!;
    const lm = model.kind === 'language-model';
    const lens = lm ? logitLens(model.transformer, model.tokens) : undefined;
    // Classifiers read one pooled position ([CLS] or the last token): its residual decomposes as an LM's
    // does. Two classes: the decision is the logit difference, a single logit is shift-invariant.
    const head = model.transformer.config.classifier;
    const dlaPossible = lm || head?.pooling === 'first' || head?.pooling === 'last';
    const contrast = !lm && head?.classes === 2 && target <= 1 ? 1 - target : undefined;
    const dla = dlaPossible ? directLogitAttribution(model.transformer, model.tokens, { target, ...(contrast !== undefined ? { contrast } : {}) }) : undefined;
    const dlaTop = dla ? [...dla.components].sort((a, b) => Math.abs(b.value) - Math.abs(a.value)).slice(0, DLA_TOP) : undefined;

    const what = lm ? `next token "${prediction.targetName}"` : `class "${prediction.targetName}"`;
    const explainedName = results[0]?.targetName ?? prediction.targetName;
    const highlightTitle = `${model.name}: token attributions for ${lm ? `next token "${explainedName}"` : `"${explainedName}"`}`;
    const highlightsSvg = tokenHighlightSvg(results, { title: highlightTitle, width: 900 });
    writeFileAtomic(join(outDir, 'highlights.png'), svgToPng(highlightsSvg));
    writeFileAtomic(join(outDir, 'attention.html'), headViewHtml(maps, { title: `Attention: ${model.name}` }));

    const predictionRows = prediction.outputs.map((o) => `<tr><td><code>${escapeHtml(displayToken(o.name).text)}</code></td><td class="num">${o.id}</td><td class="num">${o.probability.toFixed(4)}</td></tr>`).join('\n');
    const sections = [
      `<section><h2>Prediction</h2><p>Text: <q>${escapeHtml(text)}</q> (${model.tokens.length} tokens)</p>
<p>${model.name} predicts the ${escapeHtml(what)} with probability <b>${prediction.probability.toFixed(3)}</b>.${target !== prediction.target ? ` The attributions explain output ${target} (--target).` : ''}</p>
<table><thead><tr><th>${lm ? 'next token' : 'class'}</th><th>id</th><th>probability</th></tr></thead><tbody>${predictionRows}</tbody></table></section>`,
      `<section><h2>Token attributions</h2><p class="small">Each token's contribution to the explained output, per method. Hover a token for its score.</p>${tokenHighlightHtml(results)}</section>`,
      `<section><h2>Top tokens</h2><p class="small">The tokens with the largest |score| under each method (red for, blue against).</p>${topTokensTable(results, 8)}</section>`,
      `<section><h2>Attention</h2><p><a href="attention.html">Open the head view</a> (every layer and head: ${maps.layers} layers x ${maps.heads} heads, written next to this page).</p></section>`,
    ];
    if (lens) {
      sections.push(`<section><h2>Logit lens</h2><p class="small">Each layer's residual stream read through the final norm and unembedding: the top next-token guess per position and layer.</p><div class="plot">${logitLensSvg(lens, { title: `Logit lens: ${model.name}`, lastPositions: 16 })}</div></section>`);
    }
    if (dla && dlaTop) {
      const rows = dlaTop.map((c) => `<tr><td>${escapeHtml(c.name)}</td><td class="num" style="color:${c.value >= 0 ? '#b2182b' : '#2166ac'}">${fmt(c.value)}</td></tr>`).join('\n');
      const explained = `logit of "${escapeHtml(displayToken(dla.targetName ?? String(dla.target)).text)}"${dla.contrast !== undefined ? ` minus "${escapeHtml(displayToken(dla.contrastName ?? String(dla.contrast)).text)}"` : ''}`;
      sections.push(`<section><h2>Direct logit attribution</h2><p class="small">What each embedding, attention head and MLP writes into the residual stream at the ${lm ? 'last' : 'pooled'} position, read through the final norm (its scale frozen at this input) and the ${lm ? 'unembedding' : 'classifier'}: its share of the ${explained} (${fmt(dla.logit)}; the parts sum to it up to a constant of ${fmt(dla.constant)}).</p>
<div class="plot">${logitAttributionSvg(dla, { title: `Direct logit attribution: ${model.name}` })}</div>
<table><thead><tr><th>component</th><th>share</th></tr></thead><tbody>${rows}</tbody></table></section>`);
    }
    const css = `${BASE_CSS}${HIGHLIGHT_CSS}
section { margin: 0 0 1.6em; }
.small { color: #666; font-size: 13px; }
.plot svg { max-width: 100%; height: auto; }
table.top td, table.top th { padding: 2px 8px; }
`;
    const html = htmlPage({ title: `Glassbox: why ${model.name} predicted "${displayToken(prediction.targetName).text}"`, css, body: sections.join('\n'), subtitle: `${methods.length} methods.` });
    const json: TextExplainOutput = {
      model: model.name, kind: model.kind, text, tokens: maps.tokens, ids: model.tokens, prediction, methods: results,
      ...(lens ? { logitLens: lens } : {}),
      ...(dla && dlaTop ? { directLogitAttribution: { position: dla.position, target: dla.target, ...(dla.contrast !== undefined ? { contrast: dla.contrast } : {}), logit: dla.logit, constant: dla.constant, error: dla.error, top: dlaTop } } : {}),
    };
    writeFileAtomic(join(outDir, 'results.json'), `${toJson(json)}\n`);
    const reportPath = join(outDir, 'report.html');
    writeFileAtomic(reportPath, html);
    io.out(reportPath);
    return 0;
  } finally {
    model.dispose();
  }
}
