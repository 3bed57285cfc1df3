import { Transformer } from '../../models/transformer/transformer.js';
import type { TokenSequenceModel } from './token-sequence-model.js';

/** A TF.js transformer, or any black-box token model. */
export type TokenModel = Transformer | TokenSequenceModel;

const adapters = new WeakMap<Transformer, TokenSequenceModel>();

/**
 * The project's TF.js transformer as a `TokenSequenceModel` (one adapter per transformer): outputs
 * are `runBatch` logits, attentions those of `run`. Other models pass through unchanged.
 */
export function transformerSequenceModel(model: TokenModel): TokenSequenceModel {
  if (!(model instanceof Transformer)) return model;
  const cached = adapters.get(model);
  if (cached) return cached;
  const config = model.config;
  const classNames = config.classifier?.classNames;
  const adapter: TokenSequenceModel = {
    name: model.name,
    kind: config.classifier ? 'classifier' : 'language-model',
    vocabSize: config.vocabSize,
    maxLength: config.maxLength,
    numOutputs: model.numOutputs,
    ...(classNames ? { classNames } : {}),
    tokenName: (id) => model.tokenName(id),
    outputName: (id) => (config.classifier ? classNames?.[id] : model.vocabulary?.[id]),
    outputs: async (sequences) => model.runBatch(sequences.map((s) => [...s])).map((run) => run.logits),
    attentions: async (tokens) => model.run([...tokens], { attentions: true }).attentions!,
  };
  adapters.set(model, adapter);
  return adapter;
}
