import { UsageError } from '../errors.js';
import { directLogitAttribution } from '../lens/direct-logit-attribution.js';
import { logitLens } from '../lens/logit-lens.js';
import { htmlPage } from '../viz/report/page.js';
import { logitLensSvg } from '../viz/text/lens.js';
import { choiceOption, intOption, type CommandSpec, type ParsedOptions } from './args.js';
import type { CommandIo } from './attribute.js';
import { BACKEND_FLAG, TEXT_MODEL_FLAGS, emit, loadTextModel, toJson } from './text-model.js';

export const lensSpec: CommandSpec = {
  name: 'lens',
  summary: 'the logit lens of a language model (each layer\'s next-token guess) and direct logit attribution',
  usage: 'glassbox lens --model <checkpoint.bin> --tokenizer <tok.bin> --text "..." [--top K] [--position P] [--target ID] [--contrast ID] --format json|html|svg',
  options: {
    model: { type: 'string', placeholder: 'checkpoint.bin', description: 'a llama2.c checkpoint (a language model)' },
    ...TEXT_MODEL_FLAGS,
    ...BACKEND_FLAG,
    top: { type: 'string', placeholder: 'K', description: 'top tokens per layer and position (default 5)' },
    position: { type: 'string', placeholder: 'P', description: 'position decomposed by direct logit attribution (default the last)' },
    target: { type: 'string', placeholder: 'ID', description: 'token followed by the lens at every position and decomposed by direct logit attribution (default: the model\'s prediction)' },
    contrast: { type: 'string', placeholder: 'ID', description: 'direct logit attribution of logit(target) - logit(contrast)' },
    format: { type: 'string', placeholder: 'json|html|svg', description: 'json (default), or the layer x position grid as a page or an SVG' },
    out: { type: 'string', placeholder: 'file', short: 'o', description: 'write to a file instead of stdout' },
  },
  examples: [
    'glassbox lens --model stories.bin --tokenizer tok512.bin --text "Once upon a time" --top 3 --format json',
    'glassbox lens --model stories.bin --tokenizer tok512.bin --text "Once upon a time" --format html --out lens.html',
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
      throw new UsageError(`${model.name} is a classifier: the logit lens reads next-token predictions`, 'use a language model (--model checkpoint.bin --tokenizer tok.bin); for classifiers see glassbox attribute --text');
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
