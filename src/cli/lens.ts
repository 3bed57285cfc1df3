import { UsageError } from '../errors.js';
import { directLogitAttribution } from '../lens/direct-logit-attribution.js';
import { classLens } from '../lens/class-lens.js';
import { logitLens } from '../lens/logit-lens.js';
import { htmlPage } from '../viz/report/page.js';
import { logitLensSvg } from '../viz/text/lens.js';
import { choiceOption, intOption, type CommandSpec, type ParsedOptions } from './args.js';
import type { CommandIo } from './attribute.js';
import { BACKEND_FLAG, TEXT_MODEL_FLAGS, emit, loadTextModel, toJson } from './text-model.js';

export const lensSpec: CommandSpec = {
  name: 'lens',
  summary: 'the logit lens of a language model (each layer\'s next-token guess) or the class lens of a classifier, with direct logit attribution',
  usage: 'glassbox lens --model <checkpoint.bin|classifier> [--tokenizer <tok.bin>] --text "..." [--top K] [--position P] [--target ID] [--contrast ID] --format json|html|svg',
  options: {
    model: { type: 'string', placeholder: 'checkpoint.bin|classifier', description: 'a language model (built-in sms-lm, or a llama2.c checkpoint with --tokenizer), or a text classifier folder or built-in name (class lens, JSON only)' },
    ...TEXT_MODEL_FLAGS,
    ...BACKEND_FLAG,
    top: { type: 'string', placeholder: 'K', description: 'top tokens per layer and position (default 5)' },
    position: { type: 'string', placeholder: 'P', description: 'position decomposed by direct logit attribution (default the last)' },
    target: { type: 'string', placeholder: 'ID', description: 'token (or class of a classifier) followed by the lens at every position and decomposed by direct logit attribution (default: the model\'s prediction)' },
    contrast: { type: 'string', placeholder: 'ID', description: 'direct logit attribution of logit(target) - logit(contrast) (a two-class classifier: the other class by default)' },
    format: { type: 'string', placeholder: 'json|html|svg', description: 'json (default), or the layer x position grid as a page or an SVG' },
    out: { type: 'string', placeholder: 'file', short: 'o', description: 'write to a file instead of stdout' },
  },
  examples: [
    'glassbox lens --model stories.bin --tokenizer tok512.bin --text "Once upon a time" --top 3 --format json',
    'glassbox lens --model stories.bin --tokenizer tok512.bin --text "Once upon a time" --format html --out lens.html',
    'glassbox lens --model spam --text "WIN a free prize, call now" --format json',
  ],
};

export async function runLens(flags: ParsedOptions, io: CommandIo): Promise<number> {
  const format = choiceOption(flags, 'format', ['json', 'html', 'svg'] as const) ?? 'json';
  const top = intOption(flags, 'top', { min: 1 });
  const target = intOption(flags, 'target', { min: 0 });
  const contrast = intOption(flags, 'contrast', { min: 0 });
  const position = intOption(flags, 'position', { min: 0 });
  const model = await loadTextModel(flags, io.warn);
  try {
    if (model.kind !== 'language-model') {
      // No unembedding to read next tokens through: each layer is read through the classifier instead.
      if (format !== 'json') {
        throw new UsageError(`${model.name} is a classifier: its class lens has JSON output only (the picture is the logit lens grid of a language model)`, 'use --format json');
      }
      if (top !== undefined) throw new UsageError('--top picks next tokens of a language model', `leave it out for the classifier ${model.name}`);
      const lens = classLens(model.transformer, model.tokens);
      const head = model.transformer.config.classifier!;
      // Two classes: one logit alone is shift-invariant under the softmax; the decision is the difference.
      const predicted = lens.predicted[lens.predicted.length - 1];
      const chosen = target ?? predicted;
      const against = contrast ?? (head.classes === 2 && chosen <= 1 ? 1 - chosen : undefined);
      const dla = head.pooling === 'mean' ? undefined
        : directLogitAttribution(model.transformer, model.tokens, { position, target: chosen, contrast: against });
      if (!dla) io.warn(`${model.name} pools the mean of all positions: no direct logit attribution (it needs one pooled position)`);
      emit(flags, toJson({ classLens: lens, ...(dla ? { directLogitAttribution: dla } : {}) }), io.out);
      return 0;
    }
    const lens = logitLens(model.transformer, model.tokens, { top, chosen: target });
    if (format !== 'json') {
      const svg = logitLensSvg(lens, { title: `Logit lens: ${model.name}`, colorBy: target !== undefined ? 'chosen' : 'top' });
      const page = format === 'svg' ? svg : htmlPage({
        title: `Logit lens: ${model.name}`, css: 'body { font-family: \'DejaVu Sans\', Verdana, sans-serif; color: #333; margin: 24px; } .meta { color: #888; font-size: 12px; } svg { max-width: 100%; height: auto; }',
        body: `<main>${svg}</main>`,
      });
      emit(flags, page, io.out);
      return 0;
    }
    const dla = directLogitAttribution(model.transformer, model.tokens, { position, target, contrast });
    emit(flags, toJson({ ...lens, directLogitAttribution: dla }), io.out);
    return 0;
  } finally {
    model.dispose();
  }
}
