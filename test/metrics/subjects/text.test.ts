import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../../src/backend.js';
import { UsageError } from '../../../src/errors.js';
import { loadTextClassifier } from '../../../src/models/text/load.js';
import { loadOnnxTextModel } from '../../../src/models/onnx-text/load.js';
import type { TextClassifierModel } from '../../../src/models/text/text-classifier.js';
import { maskOf } from '../../../src/metrics/subject.js';
import { createTextSubject } from '../../../src/metrics/subjects/text.js';

const TEXTS = [
  'WINNER!! You have won a free prize, call 09061701461 now to claim your cash',
  'ok see you at home later',
  'Are you coming to the party tonight? bring some food',
];

describe('text subject on the spam classifier', () => {
  let model: TextClassifierModel;
  before(async () => {
    await useBackend('wasm');
    model = await loadTextClassifier('spam');
  });

  it('features are the tokens without [CLS] and [SEP]; scores are the model\'s logits of the edited token sequences', async () => {
    const subject = await createTextSubject(model, TEXTS, 'saliency');
    const logits = model.logits(TEXTS.map((t) => model.encode(t).ids));
    assert.deepEqual(Array.from(subject.targets), [1, 0, 0], 'spam, ham, ham');
    const clean = await subject.score(TEXTS.map((_, row) => ({ row, kind: 'remove' as const, mask: new Uint8Array(subject.features(row)) })));
    for (let r = 0; r < TEXTS.length; r++) {
      const ids = model.encode(TEXTS[r]).ids;
      assert.equal(subject.features(r), ids.length - 2);
      assert.deepEqual(Array.from(subject.input(r)), ids);
      assert.equal(subject.attribution(r).length, ids.length - 2);
      assert.ok(Math.abs(clean[r] - logits.data[r * 2 + subject.targets[r]]) < 1e-4);
    }
    // Token 2 of the spam text (feature 1) replaced by [PAD], and by [MASK] (id 4).
    const [padded, masked] = await subject.score([
      { row: 0, kind: 'remove', mask: maskOf(subject.features(0), [1]) },
      { row: 0, kind: 'remove', mask: maskOf(subject.features(0), [1]), baseline: 4 },
    ]);
    const ids = model.encode(TEXTS[0]).ids;
    const edited = model.logits([ids.map((id, p) => (p === 2 ? 0 : id)), ids.map((id, p) => (p === 2 ? 4 : id))]);
    assert.ok(Math.abs(padded - edited.data[1]) < 1e-4, `${padded} vs ${edited.data[1]}`);
    assert.ok(Math.abs(masked - edited.data[3]) < 1e-4);
    assert.notEqual(padded, clean[0]);
  });

  it('occlusion hides a token as the subject removes it ([PAD] by default): each attribution is score(text) - score(text without that token)', async () => {
    const subject = await createTextSubject(model, TEXTS.slice(0, 2), 'occlusion');
    for (let r = 0; r < 2; r++) {
      const n = subject.features(r);
      const scores = await subject.score([{ row: r, kind: 'remove', mask: new Uint8Array(n) },
        ...Array.from({ length: n }, (_, f) => ({ row: r, kind: 'remove' as const, mask: maskOf(n, [f]) }))]);
      const a = subject.attribution(r);
      for (let f = 0; f < n; f++) assert.ok(Math.abs(a[f] - (scores[0] - scores[f + 1])) < 1e-4, `row ${r} token ${f}: ${a[f]} vs ${scores[0] - scores[f + 1]}`);
    }
  });

  it('integrated gradients from the [PAD] baseline add up to score(text) - score(every token removed)', async () => {
    const subject = await createTextSubject(model, TEXTS, 'integrated-gradients', { methodOptions: { steps: 64 } });
    for (let r = 0; r < TEXTS.length; r++) {
      const n = subject.features(r);
      const [full, none] = await subject.score([
        { row: r, kind: 'remove', mask: new Uint8Array(n) },
        { row: r, kind: 'remove', mask: new Uint8Array(n).fill(1) },
      ]);
      const sum = subject.attribution(r).reduce((s, v) => s + v, 0);
      assert.ok(Math.abs(sum - (full - none)) < 1e-3, `row ${r}: ${sum} vs ${full - none}`);
    }
  });

  it('explain of the unperturbed texts equals attribution, other targets change it, and tensors do not leak', async () => {
    const subject = await createTextSubject(model, TEXTS, 'input-x-gradient');
    const unmasked = TEXTS.map((_, row) => ({ row, kind: 'remove' as const, mask: new Uint8Array(subject.features(row)) }));
    const again = await subject.explain(unmasked);
    for (let r = 0; r < TEXTS.length; r++) for (let f = 0; f < subject.features(r); f++) assert.ok(Math.abs(again[r][f] - subject.attribution(r)[f]) < 1e-6);
    const other = await subject.explain(unmasked, Int32Array.from([0, 1, 1]));
    assert.ok(other[0].some((v, f) => Math.abs(v - subject.attribution(0)[f]) > 1e-4));
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) {
      await subject.score(unmasked);
      await subject.explain(unmasked);
    }
    assert.equal(tf.memory().numTensors, before);
  });

  it('kernel-shap and lime run through the subject with their own options', async () => {
    for (const method of ['kernel-shap', 'lime'] as const) {
      const subject = await createTextSubject(model, TEXTS.slice(1, 2), method, { methodOptions: method === 'lime' ? { numSamples: 60, seed: 1 } : { nsamples: 60, seed: 1 } });
      assert.equal(subject.attribution(0).length, subject.features(0));
      assert.ok(subject.attribution(0).some((v) => v !== 0));
    }
  });

  it('bad input: noise, mean and blur baselines, masks of another row\'s length, rows out of range, unknown methods', async () => {
    const subject = await createTextSubject(model, TEXTS, 'saliency');
    await assert.rejects(subject.score([{ row: 0, kind: 'input', values: subject.input(0) }]),
      (e: unknown) => e instanceof UsageError && /noise does not apply to token sequences/.test(e.message));
    for (const baseline of ['mean', 'blur'] as const) {
      await assert.rejects(subject.score([{ row: 0, kind: 'remove', mask: maskOf(subject.features(0), [0]), baseline }]),
        (e: unknown) => e instanceof UsageError && new RegExp(baseline).test(e.message));
      await assert.rejects(createTextSubject(model, TEXTS, 'saliency', { baseline }), UsageError);
    }
    await assert.rejects(subject.score([{ row: 1, kind: 'remove', mask: new Uint8Array(subject.features(0)) }]),
      (e: unknown) => e instanceof UsageError && new RegExp(`row 1 has ${subject.features(1)} features`).test(e.message));
    await assert.rejects(subject.explain([{ row: 3, kind: 'remove', mask: new Uint8Array(3) }]), UsageError);
    await assert.rejects(subject.score([{ row: 0, kind: 'remove', mask: maskOf(subject.features(0), [0]), baseline: 1e6 }]), UsageError);
    assert.throws(() => subject.features(5), UsageError);
    await assert.rejects(createTextSubject(model, TEXTS, 'grad-cam' as never), (e: unknown) => e instanceof UsageError && /occlusion/.test(e.message));
    await assert.rejects(createTextSubject(model, TEXTS, 'saliency', { targets: [0, 2, 1] }), UsageError);
    await assert.rejects(createTextSubject(model, TEXTS, 'saliency', { methodOptions: { target: 1 } }), UsageError);
  });

  it('token ids given directly: specials found by id; the same attributions as from the text', async () => {
    const ids = model.encode(TEXTS[1]).ids;
    const [fromIds, fromText] = await Promise.all([createTextSubject(model, [ids], 'saliency'), createTextSubject(model, [TEXTS[1]], 'saliency')]);
    assert.equal(fromIds.features(0), ids.length - 2);
    assert.deepEqual(Array.from(fromIds.attribution(0)), Array.from(fromText.attribution(0)));
  });
});

describe('text subject on the ONNX export of the spam classifier', () => {
  it('occlusion through the black box: scores equal the export\'s logits, attributions score differences; gradients refused', async () => {
    const onnx = await loadOnnxTextModel('spam-onnx');
    try {
      const subject = await createTextSubject(onnx, TEXTS.slice(0, 2), 'occlusion', { methodOptions: { absence: { tokenId: 0 } } });
      const ids = onnx.encode(TEXTS[0]).ids;
      assert.equal(subject.features(0), ids.length - 2);
      const n = subject.features(0);
      const scores = await subject.score([{ row: 0, kind: 'remove', mask: new Uint8Array(n) }, { row: 0, kind: 'remove', mask: maskOf(n, [3]) }]);
      const [[clean], [edited]] = await onnx.outputs([ids, ids.map((id, p) => (p === 4 ? 0 : id))]);
      assert.ok(Math.abs(scores[0] - clean[subject.targets[0]]) < 1e-4);
      assert.ok(Math.abs(scores[1] - edited[subject.targets[0]]) < 1e-4);
      assert.ok(Math.abs(subject.attribution(0)[3] - (scores[0] - scores[1])) < 1e-4);
      await assert.rejects(createTextSubject(onnx, TEXTS, 'integrated-gradients'), (e: unknown) => e instanceof UsageError && /black box/.test(e.message));
    } finally {
      await onnx.dispose();
    }
  });
});
