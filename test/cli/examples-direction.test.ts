import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import type { NeighborsQueryJson } from '../../src/cli/neighbors.js';
import type { DirectionOutput } from '../../src/cli/direction.js';
import { readEmbeddings } from '../../src/embedding/io/read-embeddings.js';
import { explainByExample } from '../../src/embedding/examples/explain-by-example.js';
import { loadModel } from '../../src/models/load.js';
import { loadInput } from '../../src/io/load-input.js';
import type { Embeddings } from '../../src/embedding/types.js';

async function run(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (t) => out.push(t), warn: (l) => err.push(l) });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

describe('explanation by example and directions from the command line', () => {
  let dir: string;
  let embeddings: Embeddings;
  before(async () => {
    dir = join(mkdtempSync(join(tmpdir(), 'glassbox-examples-')), 'dense1');
    const r = await run('embed', '--model', 'digits', '--data', 'data/mnist/t10k-images-idx3-ubyte.gz', '--layer', 'dense1', '--limit', '300', '--out', dir);
    assert.equal(r.code, 0, r.stderr);
    embeddings = readEmbeddings(dir);
  });

  it('neighbors --model --input embeds the input at the recorded layer and finds it among the examples', async () => {
    // samples/digits/digit-3.png is test image 18 (the first 3), which the embeddings hold.
    const r = await run('neighbors', '--embeddings', dir, '--model', 'digits', '--input', 'samples/digits/digit-3.png', '--k', '5');
    assert.equal(r.code, 0, r.stderr);
    const [answer] = (JSON.parse(r.stdout) as { queries: NeighborsQueryJson[] }).queries;
    assert.equal(answer.neighbors[0].index, 18);
    assert.ok(answer.neighbors[0].distance < 1e-3, `the image itself, at distance ${answer.neighbors[0].distance}`);
    assert.equal(answer.neighbors[0].metadata.label, 3);
    const model = await loadModel('digits');
    try {
      const { tensor } = await loadInput('samples/digits/digit-3.png', model.info);
      const expected = await explainByExample(model, tensor, embeddings, { layer: 'dense1', k: 5 });
      tensor.dispose();
      assert.deepEqual(answer.neighbors.map((n) => n.index), expected.queries[0].examples.map((e) => e.index));
    } finally {
      model.dispose();
    }
  });

  it('direction: from one class to another, the two sets fall on either side and the projections are x . d', async () => {
    const r = await run('direction', '--embeddings', dir, '--from', 'label=3', '--to', 'label=8', '--top', '3');
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as DirectionOutput;
    const labels = embeddings.metadata.label;
    assert.equal(out.from.count, labels.filter((l) => l === 3).length);
    assert.equal(out.to.count, labels.filter((l) => l === 8).length);
    assert.ok(out.to.meanProjection > 0 && out.from.meanProjection < 0, 'the midpoint separates the means');
    assert.ok(Math.abs(out.to.meanProjection + out.from.meanProjection) < 1e-3, 'symmetric about the midpoint');
    assert.ok(Math.abs(Math.hypot(...out.direction) - 1) < 1e-5, 'a unit vector');
    // Differences of projections are differences of dot products with the direction.
    const dot = (i: number) => out.direction.reduce((s, d, k) => s + d * embeddings.vectors[i * embeddings.dim + k], 0);
    assert.ok(Math.abs((out.projections[5] - out.projections[9]) - (dot(5) - dot(9))) < 1e-3);
    assert.equal(out.furthestTo.length, 3);
    assert.ok(out.furthestTo[0].projection >= out.furthestTo[2].projection);
  });

  it('bad input: clear errors', async () => {
    const cases: [string[], RegExp][] = [
      [['direction', '--embeddings', dir, '--from', 'label=3', '--to', 'colour=red'], /"colour" is not a metadata column/],
      [['direction', '--embeddings', dir, '--from', 'label=42', '--to', 'label=8'], /no point has label = 42/],
      [['direction', '--embeddings', dir, '--from', 'label3', '--to', 'label=8'], /is not column=value/],
      [['neighbors', '--embeddings', dir, '--input', 'samples/digits/digit-3.png'], /--model is required/],
      [['neighbors', '--embeddings', dir, '--model', 'digits', '--input', 'samples/digits/digit-3.png', '--layer', 'conv1'], /gives \d+ values, the embeddings have 128/],
      [['neighbors', '--embeddings', dir, '--model', 'digits', '--input', 'samples/digits/digit-3.png', '--query', '0'], /both name the queries/],
    ];
    for (const [argv, message] of cases) {
      const r = await run(...argv);
      assert.equal(r.code, 2, `${argv.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message, argv.join(' '));
    }
  });
});
