/**
 * Exports the built-in spam classifier (models/spam) as a Hugging Face-style ONNX text model in
 * models/spam-onnx: model.onnx (input_ids, attention_mask -> logits and one attention output per
 * layer), tokenizer.json (the same WordPiece vocabulary in the `tokenizers` library's format),
 * tokenizer_config.json and config.json (id2label, max length). Deterministic: the same weights give
 * the same bytes.
 *
 *   npx tsx scripts/export-spam-onnx.ts [source-folder] [out-folder]
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../src/io/atomic-write.js';
import { writeOnnx } from '../src/engines/native/write.js';
import type { TextClassifierConfig } from '../src/models/text/text-classifier.js';
import { decodeWeights } from '../src/models/text/weights-file.js';
import { transformerToOnnx } from '../src/models/onnx-text/transformer-to-onnx.js';
import { wordPieceToHuggingFace } from '../src/models/onnx-text/wordpiece-to-hugging-face.js';
import type { WordPieceTokenizerJSON } from '../src/text/tokenizer.js';

const source = process.argv[2] ?? 'models/spam';
const out = process.argv[3] ?? 'models/spam-onnx';

const config = JSON.parse(readFileSync(join(source, 'config.json'), 'utf8')) as TextClassifierConfig;
const weights = decodeWeights(readFileSync(join(source, config.weights.file)), config.weights.manifest, config.transformer.layers, join(source, config.weights.file));
const tokenizer = JSON.parse(readFileSync(join(source, config.tokenizer), 'utf8')) as WordPieceTokenizerJSON;
const t = config.transformer;

const graph = transformerToOnnx(t, weights, { name: `${config.name}-onnx`, attentions: true });
const bytes = writeOnnx(graph, { producerName: 'glassbox scripts/export-spam-onnx.ts' });
writeFileAtomic(join(out, 'model.onnx'), bytes);
writeFileAtomic(join(out, 'tokenizer.json'), `${JSON.stringify(wordPieceToHuggingFace(tokenizer, t.maxLength))}\n`);
writeFileAtomic(join(out, 'tokenizer_config.json'), `${JSON.stringify({
  tokenizer_class: 'BertTokenizerFast', do_lower_case: tokenizer.lowercase, model_max_length: t.maxLength,
  unk_token: '[UNK]', sep_token: '[SEP]', pad_token: '[PAD]', cls_token: '[CLS]', mask_token: '[MASK]',
}, null, 1)}\n`);
const labels = config.classNames;
writeFileAtomic(join(out, 'config.json'), `${JSON.stringify({
  name: `${config.name}-onnx`,
  architectures: ['GlassboxTransformerForSequenceClassification'],
  vocab_size: t.vocabSize, hidden_size: t.dim, num_hidden_layers: t.layers, num_attention_heads: t.heads,
  intermediate_size: t.hiddenDim, max_position_embeddings: t.maxLength, layer_norm_eps: t.normEps ?? 1e-5,
  hidden_act: t.mlp, pre_norm: true, pooling: t.classifier?.pooling,
  id2label: Object.fromEntries(labels.map((l, i) => [String(i), l])),
  label2id: Object.fromEntries(labels.map((l, i) => [l, i])),
  pad_token_id: 0,
  exported_from: source,
}, null, 1)}\n`);
console.log(`wrote ${out}: model.onnx (${(bytes.length / 1024).toFixed(0)} kB, ${graph.nodes.length} nodes, outputs ${graph.outputs.map((o) => o.name).join(', ')}), tokenizer.json, tokenizer_config.json, config.json`);
