import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeEmbeddings } from '../../src/embedding/io/write-embeddings.js';
import { readEmbeddings } from '../../src/embedding/io/read-embeddings.js';
import type { Embeddings } from '../../src/embedding/types.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'glassbox-emb-'));

const sample = (): Embeddings => ({
  count: 3,
  dim: 2,
  vectors: Float32Array.from([0.1, -2, 3.5, 1e-8, -0, 7]),
  metadata: { index: [0, 1, 2], label: ['cat', 'dog\tface', 'cat'], prediction: [1, 0, 1] },
  source: { model: 'digits', layer: 'dense1', data: 'x.npy' },
});

describe('embeddings directory', () => {
  it('writes the projector layout: little-endian float32, a metadata TSV with a header, the config and the manifest', () => {
    const dir = tmp();
    const written = writeEmbeddings(dir, sample());
    assert.deepEqual(readdirSync(dir).sort(), ['embeddings.json', 'metadata.tsv', 'projector_config.pbtxt', 'tensor.bytes']);
    const bytes = readFileSync(written.tensor);
    assert.equal(bytes.length, 24);
    // Hand-encoded IEEE 754 single precision, little-endian: 3.5 = 0x40600000, -2 = 0xc0000000.
    assert.deepEqual([...bytes.subarray(8, 12)], [0x00, 0x00, 0x60, 0x40]);
    assert.deepEqual([...bytes.subarray(4, 8)], [0x00, 0x00, 0x00, 0xc0]);
    assert.equal(readFileSync(join(dir, 'metadata.tsv'), 'utf8'), 'index\tlabel\tprediction\n0\tcat\t1\n1\tdog face\t0\n2\tcat\t1\n');
    assert.equal(readFileSync(join(dir, 'projector_config.pbtxt'), 'utf8'),
      'embeddings {\n  tensor_name: "digits:dense1"\n  tensor_shape: 3\n  tensor_shape: 2\n  tensor_path: "tensor.bytes"\n  metadata_path: "metadata.tsv"\n}\n');
    const manifest = JSON.parse(readFileSync(join(dir, 'embeddings.json'), 'utf8'));
    assert.deepEqual(manifest, {
      format: 'glassbox-embeddings', version: 1, count: 3, dim: 2, tensor: { path: 'tensor.bytes', encoding: 'float32-le' },
      metadataPath: 'metadata.tsv',
      columns: [{ name: 'index', type: 'number' }, { name: 'label', type: 'string' }, { name: 'prediction', type: 'number' }],
      source: { model: 'digits', layer: 'dense1', data: 'x.npy' },
    });
    const back = readEmbeddings(dir);
    assert.deepEqual(back.vectors, sample().vectors);
    assert.deepEqual(back.metadata, { ...sample().metadata, label: ['cat', 'dog face', 'cat'] });
    assert.deepEqual(back.source, sample().source);
  });

  it('round-trips through tensors.tsv, and a single column without a header (TensorBoard\'s rule)', () => {
    const dir = tmp();
    const e = { ...sample(), metadata: { label: [3, 1, 4] } };
    writeEmbeddings(dir, e, { tensorFormat: 'tsv' });
    assert.equal(readFileSync(join(dir, 'tensors.tsv'), 'utf8'), '0.1\t-2\n3.5\t1e-8\n0\t7\n');
    assert.equal(readFileSync(join(dir, 'metadata.tsv'), 'utf8'), '3\n1\n4\n');
    const back = readEmbeddings(dir);
    // Text keeps no sign on zero: -0 reads back as 0.
    assert.deepEqual(back.vectors, Float32Array.from(e.vectors, (v) => v + 0));
    assert.deepEqual(back.metadata, { label: [3, 1, 4] });
    const indexOnly = tmp();
    writeEmbeddings(indexOnly, { ...sample(), metadata: { index: [0, 1, 2] } });
    assert.equal(readFileSync(join(indexOnly, 'metadata.tsv'), 'utf8'), '0\n1\n2\n');
    assert.deepEqual(readEmbeddings(indexOnly).metadata, { index: [0, 1, 2] });
  });

  it('reads a TensorBoard projector folder and a plain vectors TSV with metadata', () => {
    const dir = tmp();
    const values = Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8]);
    writeFileSync(join(dir, 'vecs.bytes'), new Uint8Array(values.buffer));
    writeFileSync(join(dir, 'meta.tsv'), 'word\tcount\nthe\t10\nof\t7\n');
    writeFileSync(join(dir, 'projector_config.pbtxt'),
      'embeddings {\n  tensor_name: "words"\n  tensor_shape: 2\n  tensor_shape: 4\n  tensor_path: "vecs.bytes"\n  metadata_path: "meta.tsv"\n}\n');
    const e = readEmbeddings(dir);
    assert.equal(e.count, 2);
    assert.equal(e.dim, 4);
    assert.deepEqual(e.vectors, values);
    assert.deepEqual(e.metadata, { word: ['the', 'of'], count: [10, 7] });
    const tsv = join(dir, 'v.tsv');
    writeFileSync(tsv, '1\t2\r\n3\t4\r\n');
    const plain = readEmbeddings(tsv, { metadata: join(dir, 'meta.tsv') });
    assert.deepEqual([plain.count, plain.dim], [2, 2]);
    assert.deepEqual(plain.vectors, Float32Array.from([1, 2, 3, 4]));
    assert.deepEqual(plain.metadata.word, ['the', 'of']);
  });

  it('names the line of a ragged or non-numeric TSV row, and refuses mismatched metadata and NaN rows', () => {
    const dir = tmp();
    const put = (name: string, text: string) => { writeFileSync(join(dir, name), text); return join(dir, name); };
    assert.throws(() => readEmbeddings(put('ragged.tsv', '1\t2\n3\t4\n5\n')),
      /ragged\.tsv line 3 has 1 values, but line 1 has 2\n  fix: every line needs the same number/);
    assert.throws(() => readEmbeddings(put('nan.tsv', '1\t2\n3\tNaN\n')), /nan\.tsv line 2, value 2 is "NaN", not a finite number/);
    assert.throws(() => readEmbeddings(put('header.tsv', 'x\ty\n1\t2\n')), /header\.tsv line 1, value 1 is "x".*\n.*leave out any header row/);
    const vectors = put('ok.tsv', '1\t2\n3\t4\n5\t6\n');
    assert.throws(() => readEmbeddings(vectors, { metadata: put('short.tsv', 'a\tb\n1\t2\n3\t4\n') }),
      /short\.tsv has 2 metadata rows \(after its header line\), but there are 3 vectors/);
    assert.throws(() => readEmbeddings(vectors, { metadata: put('cols.tsv', 'a\tb\n1\t2\n3\n4\t5\n') }), /cols\.tsv line 3 has 1 columns, but there are 2 \(a, b\)/);
    const nanDir = tmp();
    writeEmbeddings(nanDir, sample());
    const bytes = readFileSync(join(nanDir, 'tensor.bytes'));
    bytes.writeFloatLE(NaN, 4 * 5);
    writeFileSync(join(nanDir, 'tensor.bytes'), bytes);
    assert.throws(() => readEmbeddings(nanDir), /tensor\.bytes row 2 \(0-based\) has a non-finite value \(NaN\) in column 1/);
    writeFileSync(join(nanDir, 'tensor.bytes'), bytes.subarray(0, 20));
    assert.throws(() => readEmbeddings(nanDir), /has 20 bytes, but 3 x 2 float32 values take 24/);
    assert.throws(() => writeEmbeddings(tmp(), { ...sample(), vectors: Float32Array.from([1, 2, NaN, 4, 5, 6]) }),
      /embeddings row 1 has a non-finite value \(NaN\) in column 0/);
    assert.throws(() => writeEmbeddings(tmp(), { ...sample(), metadata: { label: [1, 2] } }),
      /metadata column "label" has 2 values, but there are 3 vectors/);
    assert.throws(() => readEmbeddings(join(dir, 'nothing')), /nothing does not exist/);
  });
});
