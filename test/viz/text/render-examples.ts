/**
 * Writes the text pictures for looking at by eye (and the README candidates docs/images/text-*.png):
 *   node --import tsx test/viz/text/render-examples.ts [folder]     (default /tmp/viz-text)
 * The attention maps are built by hand from the head patterns Clark et al. (2019) report for BERT
 * (previous/next token, [CLS] and [SEP] sinks, a coreference head, broad heads), and the
 * attributions and lens are hand-written: these pictures show the renderers, not a model. Screenshots
 * of the interactive page: chromium --headless --screenshot (see the report).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { attentionRollout } from '../../../src/attention/rollout.js';
import { headAttention } from '../../../src/attention/raw.js';
import type { AttentionMaps, LogitLens, TokenAttribution } from '../../../src/attention/types.js';
import { attentionHeatmapSvg } from '../../../src/viz/text/heatmap.js';
import { headViewHtml } from '../../../src/viz/text/head-view.js';
import { tokenHighlightPage, tokenHighlightSvg } from '../../../src/viz/text/highlight.js';
import { logitLensSvg } from '../../../src/viz/text/lens.js';
import { svgToPng } from '../../../src/viz/tabular/png.js';
import { Random } from '../../../src/util/random.js';

const out = process.argv[2] ?? '/tmp/viz-text';
mkdirSync(out, { recursive: true });

/** Hand-built maps: each head a pattern plus a little noise, rows softmax-normalised. */
export function patternedMaps(tokens: string[], layers: number, heads: number, seed = 1): AttentionMaps {
  const n = tokens.length;
  const rng = new Random(seed);
  const sep = tokens.lastIndexOf('[SEP]');
  const it = tokens.indexOf('it');
  const movie = tokens.indexOf('movie');
  const weights = new Float32Array(layers * heads * n * n);
  for (let l = 0; l < layers; l++) {
    for (let h = 0; h < heads; h++) {
      const kind = (l * 3 + h) % 6;
      for (let q = 0; q < n; q++) {
        const logits = Array.from({ length: n }, () => 0.6 * rng.normal());
        const bump = (k: number, v: number) => { if (k >= 0 && k < n) logits[k] += v; };
        if (kind === 0) bump(q - 1, 4);
        else if (kind === 1) bump(q + 1, 4);
        else if (kind === 2) bump(0, 3.5);
        else if (kind === 3) bump(sep, 4);
        else if (kind === 4) { bump(q, 2.5); if (q === it) bump(movie, 5); }
        else for (let k = 0; k < n; k++) logits[k] += -0.25 * Math.abs(q - k);
        const m = Math.max(...logits);
        const e = logits.map((v) => Math.exp(v - m));
        const s = e.reduce((a, b) => a + b, 0);
        e.forEach((v, k) => { weights[((l * heads + h) * n + q) * n + k] = v / s; });
      }
    }
  }
  return { tokens, layers, heads, length: n, causal: false, weights };
}

const tokens = '[CLS] the movie was long , but it never felt slow . [SEP]'.split(' ');
const maps = patternedMaps(tokens, 6, 6);
writeFileSync(join(out, 'head-view.html'), headViewHtml(maps, { title: 'Attention: "the movie was long, but it never felt slow."', extras: [{ name: 'rollout', matrix: attentionRollout(maps) }], date: new Date('2026-11-29T10:00:00Z') }));
const longTokens = Array.from({ length: 512 }, (_, i) => tokens[i % tokens.length]);
writeFileSync(join(out, 'head-view-512.html'), headViewHtml(patternedMaps(longTokens, 12, 12, 2), { title: 'Attention, 512 tokens', date: new Date('2026-11-29T10:00:00Z') }));

const heat = attentionHeatmapSvg(headAttention(maps, 1, 1), { title: 'Layer 1, head 1: the "it" -> "movie" head' });
writeFileSync(join(out, 'attention-heatmap.svg'), heat);
writeFileSync(join(out, 'text-attention-heatmap.png'), svgToPng(heat));
const roll = attentionHeatmapSvg(attentionRollout(maps), { title: 'Attention rollout (Abnar & Zuidema 2020)' });
writeFileSync(join(out, 'text-rollout.png'), svgToPng(roll));

const highlight: TokenAttribution[] = [
  { method: 'integrated-gradients', tokens, scores: [0, 0.01, 0.05, 0.02, -0.42, 0.03, 0.18, 0.04, 0.35, 0.12, 0.61, 0.01, 0], target: 1, targetName: 'positive', prediction: 0.91, params: {} },
  { method: 'occlusion', tokens, scores: [0, 0, 0.02, 0.01, -0.3, 0.01, 0.1, 0.02, 0.28, 0.05, 0.4, 0, 0], target: 1, targetName: 'positive', prediction: 0.91, params: {} },
];
const hl = tokenHighlightSvg(highlight, { title: 'Why "positive"? (illustrative scores)' });
writeFileSync(join(out, 'highlight.svg'), hl);
writeFileSync(join(out, 'text-highlight.png'), svgToPng(hl));
writeFileSync(join(out, 'highlight.html'), tokenHighlightPage(highlight, { title: 'Why "positive"?', date: new Date('2026-11-29T10:00:00Z') }));

const ltoks = ['The', ' capital', ' of', ' France', ' is', ' Paris', '.'];
const final = [' first', ' city', ' the', ',', ' Paris', '.', '\n'];
const layerNames = ['embed', ...Array.from({ length: 6 }, (_, i) => `layer ${i}`)];
const early = [[' of', ' of', ' the', ' and', ' a', ' the', ' the'], [' same', ' city', ' the', ' is', ' the', ',', ' The']];
const top = layerNames.map((_, l) => ltoks.map((_, q) => {
  const p = Math.min(0.93, 0.04 + 0.9 * (l / 6) ** 2 * (0.7 + 0.3 * ((q * 7) % 5) / 4));
  const tok = l >= 5 || (l === 4 && q % 2 === 0) ? final[q] : early[l % 2][q];
  return [{ token: tok, id: tok === final[q] ? q : 100 + l * 10 + q, probability: p }];
}));
const lens: LogitLens = { tokens: ltoks, layerNames, top, chosenProbability: top.map((row) => row.map((c, q) => (c[0].id === q ? c[0].probability : 0.02))), chosen: final.map((token, id) => ({ token, id })) };
writeFileSync(join(out, 'text-logit-lens.png'), svgToPng(logitLensSvg(lens, { title: 'Logit lens (illustrative values)' })));
console.log(`wrote ${out}`);
