/**
 * Draws the language-model pictures of the README from the committed built-in model sms-lm:
 * docs/images/logit-lens.png (the logit lens grid) and docs/images/dla.png (direct logit
 * attribution of the last position's prediction).
 *   npx tsx scripts/make-text-pictures.ts
 */
import { useBackend } from '../src/backend.js';
import { loadBuiltinLanguageModel } from '../src/models/llama2c/builtin.js';
import { logitLens } from '../src/lens/logit-lens.js';
import { directLogitAttribution } from '../src/lens/direct-logit-attribution.js';
import { logitLensSvg } from '../src/viz/text/lens.js';
import { logitAttributionSvg } from '../src/viz/text/logit-attribution.js';
import { writePlotPng } from '../src/viz/tabular/png.js';

const TEXT = process.argv[2] ?? 'Sorry, I will call you later when I get home';

await useBackend('wasm');
const model = await loadBuiltinLanguageModel('sms-lm');
const ids = model.encode(TEXT);
const lens = logitLens(model.transformer, ids, { top: 5 });
writePlotPng('docs/images/logit-lens.png', logitLensSvg(lens, {
  title: `Logit lens of sms-lm: each layer's guess for the next token`, cellWidth: 'fit',
}));
const dla = directLogitAttribution(model.transformer, ids);
writePlotPng('docs/images/dla.png', logitAttributionSvg(dla, {
  title: `Direct logit attribution of sms-lm's next token "${dla.targetName ?? dla.target}"`,
}));
console.log(`${ids.length} tokens: ${lens.tokens.join('|')}`);
console.log(`final predictions: ${lens.chosen.map((c) => c.token).join('|')}`);
console.log(`next token ${JSON.stringify(dla.targetName)}: logit ${dla.logit.toFixed(3)}, rounding ${dla.error.toExponential(1)}`);
model.dispose();
